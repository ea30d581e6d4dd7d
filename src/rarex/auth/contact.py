"""How a user is reached: an e-mail address (optional) and the language their notifications
are written in, the codes of the pages (``en``, ``zh`` for Simplified Chinese).

An address is checked for its form only (``email-validator``, without looking the domain up:
Rarex runs without network access to the outside, and the mail relay is the judge of whether
a mailbox exists) and kept as it normalises it (the domain in lower case, IDNA decoded).
"""

from __future__ import annotations

from typing import Final, Literal

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.errors import InvalidInput, NotFound
from rarex.models import User

MailLanguage = Literal["en", "zh"]
MAIL_LANGUAGES: Final[tuple[MailLanguage, ...]] = ("en", "zh")
MAX_EMAIL: Final = 254  # RFC 5321's limit on a forward path


def checked_email(address: str | None) -> str | None:
    """The address as stored, or None for none given (an empty text clears it)."""
    if address is None or not address.strip():
        return None
    address = address.strip()
    if len(address) > MAX_EMAIL:
        raise InvalidInput(
            f"an e-mail address has at most {MAX_EMAIL} characters",
            code="auth.invalid_email", field="email",
        )  # fmt: skip
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as invalid:
        raise InvalidInput(
            f"{address!r} is not an e-mail address: {invalid}",
            code="auth.invalid_email", field="email",
        ) from None  # fmt: skip


def checked_language(language: str) -> MailLanguage:
    code = language.strip()
    if code == "en":
        return "en"
    if code == "zh":
        return "zh"
    raise InvalidInput(
        f"language {language!r} is not one of {', '.join(MAIL_LANGUAGES)}",
        code="auth.unknown_language", field="language",
    )  # fmt: skip


_UNCHANGED: Final = object()


def set_contact(
    session: Session,
    *,
    clock: Clock,
    actor: Actor | None,
    username: str,
    email: str | object | None = _UNCHANGED,
    language: str | None = None,
) -> User:
    """Change a user's address (None or "" clears it) and/or language; what is not given
    stays. A user changes their own; an administrator anyone's; ``actor`` None is the
    operator (CLI). Audited without the address itself: the audit chain cannot forget, and an
    address is personal data that must be erasable."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}", code="auth.user_not_found")
    if actor is not None and actor.user_id != user.id:
        require_role(actor, Role.ADMINISTRATOR, action="change another user's e-mail or language")
    changed: dict[str, object] = {}
    if email is not _UNCHANGED:
        address = checked_email(email if isinstance(email, str) else None)
        if address != user.email:
            user.email = address
            changed["email_set"] = address is not None
    if language is not None:
        code = checked_language(language)
        if code != user.language:
            user.language = code
            changed["language"] = code
    if changed:
        session.flush()
        record_event(
            session,
            clock=clock,
            actor=actor.label if actor is not None else "operator (cli)",
            action="auth.contact_changed",
            subject_type="user",
            subject_id=str(user.id),
            payload={"username": user.username, **changed},
        )
    return user
