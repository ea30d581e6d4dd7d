"""Users and API tokens. A token is shown once at issue; only its SHA-256 is stored.

SHA-256 (not a slow password hash) is right here because tokens are 256-bit random secrets:
they cannot be guessed, so the only threat is a leaked table, which the hash defeats.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.contact import checked_email, checked_language
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from rarex.jurisdictions import group_names
from rarex.models import ApiToken, Company, OfficerConflict, User

log = logging.getLogger(__name__)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
TOKEN_PREFIX = "rx_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def to_actor(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        company_id=user.company_id,
        partner_countries=frozenset(user.partner_countries or ()),
        partner_groups=frozenset(user.partner_groups or ()),
    )


def create_user(
    session: Session,
    *,
    clock: Clock,
    actor: Actor | None,
    username: str,
    display_name: str,
    role: Role,
    company_id: uuid.UUID | None = None,
    partner_countries: Iterable[str] = (),
    partner_groups: Iterable[str] = (),
    email: str | None = None,
    language: str = "en",
) -> User:
    """``actor`` None is the operator's own bootstrap (CLI, demo); over the API it is the caller.
    A partner authority needs a jurisdiction: countries, country groups ("EU"), or both. The
    address (optional) and language are those its notifications are mailed to and written in."""
    if actor is not None:
        require_role(actor, Role.ADMINISTRATOR, action="create users")
    if not _USERNAME.match(username):
        raise InvalidInput(
            f"username {username!r} must be 2-80 lower-case letters, digits, '.', '_' or '-'",
            code="auth.invalid_username",
        )
    countries, groups = _membership(session, role, company_id, partner_countries, partner_groups)
    address, mail_language = checked_email(email), checked_language(language)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken", code="auth.username_taken")
    user = User(
        username=username,
        display_name=display_name,
        role=role.value,
        company_id=company_id,
        partner_countries=countries,
        partner_groups=groups,
        email=address,
        language=mail_language,
        active=True,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user


def _membership(
    session: Session,
    role: Role,
    company_id: uuid.UUID | None,
    partner_countries: Iterable[str],
    partner_groups: Iterable[str] = (),
) -> tuple[list[str], list[str]]:
    """What a role belongs to, checked (an exporter's company, a partner authority's
    jurisdiction, nothing for the others): the partner countries and groups as stored, sorted
    ISO codes and group names."""
    if role is Role.EXPORTER and company_id is None:
        raise InvalidInput(
            "an exporter user must belong to a company", code="auth.company_required"
        )
    if role is not Role.EXPORTER and company_id is not None:
        raise InvalidInput(
            "only exporter users belong to a company", code="auth.company_not_allowed"
        )
    if company_id is not None and session.get(Company, company_id) is None:
        raise NotFound(f"company {company_id} does not exist", code="party.company_not_found")
    countries = sorted({c.strip().upper() for c in partner_countries})
    unknown = [c for c in countries if pycountry.countries.get(alpha_2=c) is None]
    if unknown:
        # A mistyped code would silently show the partner nothing.
        raise InvalidInput(
            f"partner countries must be ISO alpha-2 codes; unknown: {', '.join(unknown)}",
            code="auth.unknown_country",
            unknown=unknown,
        )
    groups = sorted({g.strip().upper() for g in partner_groups})
    unknown_groups = [g for g in groups if g not in group_names()]
    if unknown_groups:
        raise InvalidInput(
            f"unknown country groups: {', '.join(unknown_groups)}; "
            f"known: {', '.join(group_names())}",
            code="auth.unknown_group",
            unknown=unknown_groups,
        )
    if (countries or groups) and role is not Role.PARTNER_AUTHORITY:
        raise InvalidInput(
            "only partner authorities have partner countries or groups",
            code="auth.countries_not_allowed",
        )
    if role is Role.PARTNER_AUTHORITY and not (countries or groups):
        # one following nothing would see nothing
        raise InvalidInput(
            "a partner authority follows at least one country or country group",
            code="auth.countries_required",
        )
    return countries, groups


def issue_token(
    session: Session,
    *,
    clock: Clock,
    actor: Actor | None,
    user_id: uuid.UUID,
    label: str,
    expires_at: datetime | None = None,
) -> str:
    """Create a token and return it in clear: the only time it is ever visible. A user whose
    tokens were revoked gets a new one the same way (an active user only)."""
    if actor is not None and actor.user_id != user_id:
        require_role(actor, Role.ADMINISTRATOR, action="issue tokens for other users")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist", code="auth.user_not_found")
    if not user.active:
        raise Conflict(f"user {user.username} is deactivated", code="auth.user_inactive")
    label = " ".join(label.split())
    if not label or len(label) > 120:
        raise InvalidInput(
            "a token needs a name of 1-120 characters", code="auth.token_label", field="label"
        )
    if expires_at is not None and expires_at <= clock.now():
        raise InvalidInput(
            "a token's expiry must be in the future", code="auth.token_expiry", field="expires"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user_id, token_hash=hash_token(token), label=label, created_at=clock.now(),
            expires_at=expires_at,
        )
    )  # fmt: skip
    session.flush()
    if actor is not None or expires_at is not None:
        _audit(session, clock, actor, "auth.token_issued", user, {"label": label})
    return token


def tokens_of(session: Session, *, actor: Actor, username: str) -> list[ApiToken]:
    """A user's tokens, newest first (never their values): the user's own, or an admin's."""
    user = user_named(session, username)
    if actor.user_id != user.id:
        require_role(actor, Role.ADMINISTRATOR, action="see other users' tokens")
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def _own_token(session: Session, actor: Actor | None, token_id: uuid.UUID) -> tuple[ApiToken, User]:
    token = session.get(ApiToken, token_id)
    if token is None or (
        actor is not None
        and actor.user_id != token.user_id
        and actor.role is not Role.ADMINISTRATOR
    ):
        raise NotFound("no such token, or not one you may see", code="auth.token_not_found")
    user = session.get(User, token.user_id)
    assert user is not None  # a foreign key
    return token, user


def revoke_token(
    session: Session, *, clock: Clock, actor: Actor | None, token_id: uuid.UUID
) -> ApiToken:
    """Revoke one token (the user's own, or any by an admin); a revoked one stays revoked."""
    token, user = _own_token(session, actor, token_id)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        session.flush()
        _audit(session, clock, actor, "auth.token_revoked", user, {"label": token.label})
    return token


def rotate_token(
    session: Session, *, clock: Clock, actor: Actor | None, token_id: uuid.UUID
) -> str:
    """A new token in place of one: same name, same length of life from now; the old one is
    revoked. Returns the new value, shown once."""
    token, user = _own_token(session, actor, token_id)
    if token.revoked_at is not None:
        raise Conflict("a revoked token cannot be rotated", code="auth.token_revoked")
    life = token.expires_at - token.created_at if token.expires_at is not None else None
    token.revoked_at = clock.now()
    session.flush()
    return issue_token(
        session, clock=clock, actor=actor, user_id=user.id, label=token.label,
        expires_at=clock.now() + life if life is not None else None,
    )  # fmt: skip


def usernames(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The usernames of these users, by id, in one query (for views naming who did what)."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {user_id: username for user_id, username in rows}


def list_users(session: Session, *, actor: Actor) -> list[User]:
    """Every user, by username: administrators only."""
    require_role(actor, Role.ADMINISTRATOR, action="list users")
    return list(session.scalars(select(User).order_by(User.username)))


def authenticate(session: Session, *, token: str, now: datetime | None = None) -> Actor:
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        # Nothing of the token is logged: only that an unknown one was presented.
        log.warning("auth.invalid_token")
        raise Unauthenticated("unknown API token", code="auth.invalid_token")
    user, api_token = row
    if api_token.revoked_at is not None:
        raise Unauthenticated("this API token was revoked", code="auth.token_revoked")
    if api_token.expires_at is not None and now is not None and api_token.expires_at <= now:
        raise Unauthenticated("this API token has expired", code="auth.token_expired")
    if not user.active:
        raise Unauthenticated(f"user {user.username} is deactivated", code="auth.user_inactive")
    return to_actor(user)


def actor_for_username(session: Session, *, username: str) -> Actor:
    """The CLI acts as a named user: it runs on the authority's own machine."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}", code="auth.user_not_found")
    if not user.active:
        raise Unauthenticated(f"user {username} is deactivated", code="auth.user_inactive")
    return to_actor(user)


def declare_conflict(
    session: Session,
    *,
    clock: Clock,
    actor: Actor | None,
    user_id: uuid.UUID,
    company_id: uuid.UUID,
    reason: str,
) -> None:
    """Officers declare their own links; an administrator may record anyone's."""
    if actor is not None and actor.user_id != user_id:
        require_role(actor, Role.ADMINISTRATOR, action="declare another user's conflict")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist", code="auth.user_not_found")
    if user.role != Role.LICENSING_OFFICER.value:
        raise InvalidInput(
            f"{user.username} is not a licensing officer", code="auth.not_an_officer"
        )
    if not reason.strip():
        raise InvalidInput("a conflict needs a reason", code="auth.reason_required")
    if has_conflict(session, user_id=user_id, company_id=company_id):
        raise Conflict(f"{user.username} already declared this link", code="auth.duplicate")
    session.add(
        OfficerConflict(
            user_id=user_id, company_id=company_id, reason=reason, declared_at=clock.now()
        )
    )
    session.flush()
    _audit(
        session,
        clock,
        actor,
        "auth.conflict_declared",
        user,
        {"company_id": company_id, "reason": reason},
    )


def deactivate_user(session: Session, *, clock: Clock, actor: Actor | None, username: str) -> User:
    """Refuse every later request of the user and revoke all its tokens."""
    if actor is not None:
        require_role(actor, Role.ADMINISTRATOR, action="deactivate users")
    user = user_named(session, username)
    user.active = False
    revoked = _revoke_all(session, user, clock)
    from rarex.auth.sign_in import end_sessions_of  # sign_in builds on this module

    end_sessions_of(session, clock=clock, user=user)
    _audit(session, clock, actor, "auth.user_deactivated", user, {"tokens_revoked": revoked})
    return user


def change_role(
    session: Session,
    *,
    clock: Clock,
    actor: Actor | None,
    username: str,
    role: Role,
    company_id: uuid.UUID | None = None,
    partner_countries: Iterable[str] = (),
    partner_groups: Iterable[str] = (),
) -> User:
    """Give ``username`` another role, or the same role another company or another
    jurisdiction, under the rules of ``create_user``. Audited.

    The user's web sessions end: a page open under the old role offers forms of the old role.
    API tokens stay: a token names a user, and every request reads the user's role afresh.
    The last active administrator keeps the role: with none left, nobody could administer.
    Nothing changed changes nothing (no event, sessions kept)."""
    if actor is not None:
        require_role(actor, Role.ADMINISTRATOR, action="change users' roles")
    user = user_named(session, username)
    countries, groups = _membership(session, role, company_id, partner_countries, partner_groups)
    before = (
        user.role, user.company_id, list(user.partner_countries or []),
        list(user.partner_groups or []),
    )  # fmt: skip
    if before == (role.value, company_id, countries, groups):
        return user
    if user.role == Role.ADMINISTRATOR.value and role is not Role.ADMINISTRATOR and user.active:
        _keep_an_administrator(session, user)
    user.role, user.company_id = role.value, company_id
    user.partner_countries, user.partner_groups = countries, groups
    from rarex.auth.sign_in import end_sessions_of  # sign_in builds on this module

    ended = end_sessions_of(session, clock=clock, user=user)
    _audit(
        session, clock, actor, "auth.role_changed", user,
        {"role_before": before[0], "role": role.value, "company_id": company_id,
         "partner_countries": countries, "partner_groups": groups, "sessions_ended": ended},
    )  # fmt: skip
    return user


def _keep_an_administrator(session: Session, leaving: User) -> None:
    """Refuse to demote ``leaving`` when no other active administrator remains. The rows are
    locked so that two administrators demoting each other at once cannot both succeed."""
    administrators = session.scalars(
        select(User.id)
        .where(User.role == Role.ADMINISTRATOR.value, User.active.is_(True))
        .with_for_update()
    ).all()
    if not set(administrators) - {leaving.id}:
        raise Conflict(
            f"{leaving.username} is the last active administrator; make another one first",
            code="auth.last_administrator",
        )


def revoke_tokens(session: Session, *, clock: Clock, actor: Actor | None, username: str) -> int:
    """Revoke every live token of a user (a user may revoke its own)."""
    user = user_named(session, username)
    if actor is not None and actor.user_id != user.id:
        require_role(actor, Role.ADMINISTRATOR, action="revoke other users' tokens")
    revoked = _revoke_all(session, user, clock)
    _audit(session, clock, actor, "auth.tokens_revoked", user, {"tokens_revoked": revoked})
    return revoked


def user_named(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}", code="auth.user_not_found")
    return user


def _revoke_all(session: Session, user: User, clock: Clock) -> int:
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = clock.now()
    session.flush()
    return len(tokens)


def _audit(
    session: Session,
    clock: Clock,
    actor: Actor | None,
    action: str,
    user: User,
    payload: dict[str, object],
) -> None:
    record_event(
        session,
        clock=clock,
        actor=actor.label if actor is not None else "operator (cli)",
        action=action,
        subject_type="user",
        subject_id=str(user.id),
        payload={"username": user.username, **payload},
    )


def has_conflict(session: Session, *, user_id: uuid.UUID, company_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            select(OfficerConflict.id).where(
                OfficerConflict.user_id == user_id, OfficerConflict.company_id == company_id
            )
        )
        is not None
    )


def news_seen(session: Session, *, actor: Actor) -> int:
    """The audit event up to which ``actor`` has seen the news of their pages (0: none)."""
    seen = session.scalar(select(User.news_seen_seq).where(User.id == actor.user_id))
    return int(seen or 0)


def mark_news_seen(session: Session, *, actor: Actor, upto: int) -> None:
    """``actor`` has seen the news up to audit event ``upto``; never moves back."""
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound(f"user {actor.user_id} does not exist", code="auth.user_not_found")
    user.news_seen_seq = max(int(user.news_seen_seq or 0), upto)
    session.flush()
