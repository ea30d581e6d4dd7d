"""A notification written out: subject and body from the kind's template in the recipient's
language (``templates/<language>/<kind>.txt``: the first line is the subject, the body follows
a blank line), and the message the sender hands to the mail server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from rarex.notify import wording
from rarex.notify.kinds import Facts, Kind
from rarex.notify.wording import MailLanguage

_INQUIRY_KINDS = frozenset({Kind.INQUIRY_OPENED, Kind.INQUIRY_REPLY, Kind.INQUIRY_OVERDUE})
MAX_SUBJECT = 300


@dataclass(frozen=True)
class Written:
    subject: str
    body: str


@lru_cache(maxsize=2)
def _environment(language: MailLanguage) -> Environment:
    # Plain text, never HTML: nothing to escape, and nothing a mail client would run.
    env = Environment(
        loader=PackageLoader("rarex.notify", "templates"),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["state"] = lambda code: wording.state(code, language)
    env.filters["lane"] = lambda code: wording.lane(code, language)
    env.filters["decision"] = lambda code: wording.decision(code, language)
    env.filters["country"] = lambda code: wording.country(code, language)
    env.filters["day"] = lambda value: wording.day(value, language)
    return env


def write(
    kind: Kind, facts: Facts, *, language: MailLanguage, url: str, notifications_url: str
) -> Written:
    """The kind's mail in ``language``, about ``facts`` and pointing at ``url``."""
    text = (
        _environment(language)
        .get_template(f"{language}/{kind.value}.txt")
        .render(f=facts, inquiry=kind in _INQUIRY_KINDS, url=url,
                notifications_url=notifications_url)
    )  # fmt: skip
    subject, _, body = text.partition("\n\n")
    subject = " ".join(subject.split())[:MAX_SUBJECT]
    return Written(subject=subject, body=body.strip() + "\n")


def message(
    *,
    mail_from: str,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    language: str,
    written_at: datetime,
) -> EmailMessage:
    """The mail as sent, every time it is sent: the same Message-ID and Date (the moment the
    notification was written), so a second delivery is the same message, not a new one."""
    mail = EmailMessage()
    mail["From"] = mail_from
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    mail["Date"] = format_datetime(written_at)
    # RFC 3834: an automatic message; vacation responders should not answer it
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(body, charset="utf-8")
    # after the content, which sets the Content-* headers anew
    mail["Content-Language"] = "zh-Hans" if language == "zh" else "en"
    return mail
