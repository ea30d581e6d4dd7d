"""The one way out: a message handed to an SMTP server with the standard library's smtplib.

``RAREX_SMTP_URL`` names the server: ``smtp://host:port`` (plain, as a local relay takes it),
``smtp+starttls://user:password@host:587`` (STARTTLS, then login), ``smtps://...@host:465``
(TLS from the first byte). A failure says whether trying again later can help: a server that
cannot be reached, drops the connection or answers 4xx is *transient*; a 5xx answer is
*permanent* (the sender still tries again a few times: relays misreport, and an operator may
be fixing the relay's configuration while the mails wait).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

from rarex.config import SmtpTarget


class DeliveryError(Exception):
    """The server did not take the message; ``permanent`` is a 5xx answer; ``connection``
    means no message of this pass can get through (the server is unreachable or hung up)."""

    def __init__(self, message: str, *, permanent: bool, connection: bool) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.connection = connection


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One connection, opened on the first message and reused for the pass."""

    def __init__(self, target: SmtpTarget, *, timeout: float) -> None:
        self.target = target
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        target = self.target
        smtp: smtplib.SMTP
        if target.security == "tls":
            smtp = smtplib.SMTP_SSL(
                target.host, target.port, timeout=self.timeout,
                context=ssl.create_default_context(),
            )  # fmt: skip
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=self.timeout)
        if target.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if target.username is not None:
            smtp.login(target.username, target.password or "")
        return smtp

    def send(self, message: EmailMessage) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as refused:
            codes = [code for code, _ in refused.recipients.values()]
            text = "; ".join(f"{code} {reply!r}" for code, reply in refused.recipients.values())
            raise DeliveryError(
                f"recipient refused: {text}", permanent=all(c >= 500 for c in codes),
                connection=False,
            ) from None  # fmt: skip
        except smtplib.SMTPResponseException as answer:
            error = answer.smtp_error
            reply = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
            self.close()  # the session may be in any state after a refusal: start afresh
            raise DeliveryError(
                f"{answer.smtp_code} {reply}".strip(), permanent=answer.smtp_code >= 500,
                connection=False,
            ) from None  # fmt: skip
        except (TimeoutError, smtplib.SMTPException, OSError) as down:
            self.close()
            raise DeliveryError(
                f"{type(down).__name__}: {down} ({self.target.shown})",
                permanent=False,
                connection=True,
            ) from None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
