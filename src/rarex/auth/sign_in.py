"""Passwords and web sign-in: argon2id hashes, server-side web sessions, throttled failures.

A web session lives in the database, so signing out, an administrator's deactivation and the
session's own expiry end it at the next request, wherever the browser is. The browser's cookie
holds a random token; only its SHA-256 is stored (as for API tokens: a 256-bit secret cannot
be guessed, so a fast hash is enough), while passwords, which people choose, get argon2id.

Failed sign-ins are counted per (account, client address): each failure makes that pair wait
longer before its next attempt, and enough failures lock the pair for a while. Another
address, the account's owner at the office, is never slowed by someone else's guesses. The
answer to a failure never says whether the account exists.
"""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.auth.service import hash_token, to_actor, user_named
from rarex.clock import Clock
from rarex.config import Settings
from rarex.errors import Conflict, InvalidInput, TooManyAttempts, Unauthenticated
from rarex.models import SignInThrottle, User, WebSession

# RFC 9106's second recommended profile (argon2-cffi's default): 64 MiB, 3 passes.
_HASHER: Final = PasswordHasher()


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


# Verified against when the account does not exist, so that a wrong username costs as long
# as a wrong password and the time says nothing either.
@lru_cache(maxsize=8)
def _no_such_user(time_cost: int, memory_kib: int) -> str:
    return _hasher(time_cost, memory_kib).hash(secrets.token_urlsafe(16))


MIN_PASSWORD_LENGTH: Final = 12
MAX_PASSWORD_LENGTH: Final = 256
# The passwords `rarex demo` gives its users and prints: production refuses to start while
# any user has one (``demo_passwords_in_use``).
DEMO_ORIGIN: Final = "demo"
SET_ORIGIN: Final = "set"

SIGN_IN_FAILED: Final = "wrong username or password"


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    """How long a session lives and how failures are slowed (``Settings`` gives them)."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    first_delay: timedelta = timedelta(seconds=1)  # after the first failure; doubles after
    lock_after: int = 5  # failures of one pair
    lock_for: timedelta = timedelta(minutes=15)
    # a session's last-seen time is written at most this often (a read should not write)
    touch_every: timedelta = timedelta(minutes=1)
    # argon2id's cost for new hashes; a hash of another cost is rehashed at its next sign-in
    hash_time_cost: int = 3
    hash_memory_kib: int = 64 * 1024

    @classmethod
    def of(cls, settings: Settings) -> SignInPolicy:
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
            lock_after=settings.sign_in_lock_failures,
            lock_for=timedelta(minutes=settings.sign_in_lock_minutes),
            hash_time_cost=settings.password_hash_time_cost,
            hash_memory_kib=settings.password_hash_memory_kib,
        )

    @property
    def hasher(self) -> PasswordHasher:
        return _hasher(self.hash_time_cost, self.hash_memory_kib)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """What the browser is given: the cookie's token (only here in clear) and the form token."""

    token: str
    csrf_token: str
    expires_at: datetime
    actor: Actor


def _checked_password(password: str, username: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            code="auth.password_length",
            field="password",
        )
    if username.lower() in password.lower():
        raise InvalidInput(
            "a password may not contain the username", code="auth.password_weak", field="password"
        )
    if any(ch in password for ch in "\x00\r\n"):
        raise InvalidInput(
            "a password may not hold NUL or line breaks",
            code="auth.password_invalid",
            field="password",
        )


def set_password(
    session: Session,
    *,
    clock: Clock,
    actor: Actor | None,
    username: str,
    password: str,
    origin: str = SET_ORIGIN,
    policy: SignInPolicy | None = None,
) -> User:
    """Give ``username`` a password (hashed); ``actor`` None is the operator at the console
    (`rarex users set-password`, the demo). Ends the user's web sessions: whoever signed in
    with the old password is signed out."""
    if actor is not None:
        require_role(actor, Role.ADMINISTRATOR, action="set passwords")
    user = user_named(session, username)
    _checked_password(password, username)
    user.password_hash = (policy or SignInPolicy()).hasher.hash(password)
    user.password_origin = origin
    ended = end_sessions_of(session, clock=clock, user=user)
    record_event(
        session,
        clock=clock,
        actor=actor.username if actor else "operator",
        action="auth.password_set",
        subject_type="user",
        subject_id=str(user.id),
        payload={"username": user.username, "origin": origin, "sessions_ended": ended},
    )
    session.flush()
    return user


def demo_passwords_in_use(session: Session) -> list[str]:
    """The users still signing in with a password the demo printed."""
    return list(
        session.scalars(
            select(User.username).where(User.password_origin == DEMO_ORIGIN).order_by(User.username)
        )
    )


def refuse_demo_passwords(session: Session) -> None:
    """Production does not start while anyone signs in with a password the demo printed."""
    users = demo_passwords_in_use(session)
    if users:
        raise Conflict(
            f"production refuses to start: {', '.join(users)} still sign in with the demo's "
            "passwords; replace each with `rarex users set-password USER`",
            code="auth.demo_passwords_in_production",
            users=users,
        )


def _pair_key(client_address: str) -> str:
    """The address a throttle counts by: an IPv6 client by its /64 (one customer's
    allocation, where every address is the customer's to use), an IPv4 one by itself."""
    try:
        ip = ipaddress.ip_address(client_address)
    except ValueError:
        return client_address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _locked_throttle(
    session: Session, username: str, client_address: str, now: datetime
) -> SignInThrottle:
    """The pair's row, locked until the transaction ends (created, with no failure, if it
    is new): concurrent attempts of one pair wait for each other, so each one is counted
    before the next is checked, however many the server runs at once."""
    found = select(SignInThrottle).where(
        SignInThrottle.username == username, SignInThrottle.client_address == client_address
    )
    throttle = session.scalar(found.with_for_update())
    if throttle is not None:
        return throttle
    try:
        with session.begin_nested():
            session.add(
                SignInThrottle(
                    username=username, client_address=client_address, failures=0,
                    last_failure_at=now,
                )
            )  # fmt: skip
    except IntegrityError:
        pass  # another attempt of the pair created it first
    throttle = session.scalar(found.with_for_update().execution_options(populate_existing=True))
    assert throttle is not None
    return throttle


def _refuse_if_throttled(throttle: SignInThrottle, now: datetime, policy: SignInPolicy) -> None:
    if throttle.failures == 0:
        return
    if throttle.locked_until is not None and now < throttle.locked_until:
        wait = throttle.locked_until - now
        raise TooManyAttempts(
            "too many failed sign-ins from this address: try again later",
            code="auth.sign_in_locked",
            retry_after=max(1, int(wait.total_seconds())),
        )
    delay = policy.first_delay * 2 ** (throttle.failures - 1)
    if now < throttle.last_failure_at + delay:
        wait = throttle.last_failure_at + delay - now
        raise TooManyAttempts(
            "sign-ins from this address are slowed after failures: wait a moment",
            code="auth.sign_in_slowed",
            retry_after=max(1, int(wait.total_seconds() + 0.999)),
        )


def _failed(
    session: Session,
    clock: Clock,
    throttle: SignInThrottle,
    username: str,
    client_address: str,
    policy: SignInPolicy,
) -> None:
    now = clock.now()
    if throttle.locked_until is not None and now >= throttle.locked_until:
        throttle.failures, throttle.locked_until = 0, None  # the lock served its time
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= policy.lock_after and throttle.locked_until is None:
        throttle.locked_until = now + policy.lock_for
        record_event(
            session,
            clock=clock,
            actor="anonymous",
            action="auth.sign_in_locked",
            subject_type="sign_in",
            subject_id=username,
            payload={
                "username": username,
                "client_address": client_address,
                "failures": throttle.failures,
                "locked_until": throttle.locked_until.isoformat(),
            },
        )
    # pairs that have not failed for a day and are not locked are forgotten
    session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.last_failure_at < now - _FORGET_AFTER,
            or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until < now),
        )
    )
    session.flush()


_FORGET_AFTER: Final = timedelta(days=1)


def sign_in(
    session: Session,
    *,
    clock: Clock,
    username: str,
    password: str,
    client_address: str,
    policy: SignInPolicy = SignInPolicy(),
) -> SignedIn:
    """A new web session for the user, or ``Unauthenticated`` with the same message whether
    the username or the password was wrong; ``TooManyAttempts`` while the pair is slowed or
    locked. The caller commits either way: a failure's count must be kept."""
    username = username.strip().lower()[:80]
    now = clock.now()
    pair = _pair_key(client_address)
    throttle = _locked_throttle(session, username, pair, now)
    _refuse_if_throttled(throttle, now, policy)
    user = session.scalar(select(User).where(User.username == username))
    try:
        _HASHER.verify(  # the hash says its own cost
            user.password_hash
            if user is not None and user.password_hash
            else _no_such_user(policy.hash_time_cost, policy.hash_memory_kib),
            password,
        )
        verified = user is not None and user.password_hash is not None and user.active
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified or user is None:
        _failed(session, clock, throttle, username, pair, policy)
        raise Unauthenticated(SIGN_IN_FAILED, code="auth.sign_in_failed")
    session.delete(throttle)
    if user.password_hash is not None and policy.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = policy.hasher.hash(password)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + policy.absolute
    session.add(
        WebSession(
            token_hash=hash_token(token),
            user_id=user.id,
            csrf_token=csrf,
            client_address=client_address,
            created_at=now,
            last_seen_at=now,
            expires_at=expires,
        )
    )
    record_event(
        session,
        clock=clock,
        actor=user.username,
        action="auth.signed_in",
        subject_type="user",
        subject_id=str(user.id),
        payload={"client_address": client_address},
    )
    session.flush()
    return SignedIn(token=token, csrf_token=csrf, expires_at=expires, actor=to_actor(user))


@dataclass(frozen=True, slots=True)
class Resumed:
    """The signed-in user of a request, and the token its forms must carry."""

    actor: Actor
    csrf_token: str
    session_id: str
    stale: bool = False  # its last-seen time is older than ``policy.touch_every``


def resume(
    session: Session,
    *,
    clock: Clock,
    token: str,
    policy: SignInPolicy = SignInPolicy(),
    touch: bool = True,
) -> Resumed:
    """The session a cookie's token names, if it is still alive: not ended, not idle longer
    than ``policy.idle``, before its absolute expiry, its user still active. ``touch`` False
    only reads (a page's GET must not write; the caller touches it with ``touch_session``
    apart, where a busy database costs nothing but the touch)."""
    now = clock.now()
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        raise Unauthenticated("not signed in", code="auth.no_session")
    web, user = row
    if web.ended_at is not None:
        raise Unauthenticated("this session was signed out", code="auth.session_ended")
    if not user.active:
        raise Unauthenticated(f"user {user.username} is deactivated", code="auth.user_inactive")
    if now >= web.expires_at or now >= web.last_seen_at + policy.idle:
        raise Unauthenticated("this session has expired", code="auth.session_expired")
    stale = now >= web.last_seen_at + policy.touch_every
    if touch and stale:
        touch_session(session, clock=clock, session_id=web.id)
    return Resumed(
        actor=to_actor(user), csrf_token=web.csrf_token, session_id=str(web.id), stale=stale
    )


def touch_session(session: Session, *, clock: Clock, session_id: uuid.UUID) -> None:
    """Mark a session as used now (it stays alive ``policy.idle`` longer)."""
    session.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.ended_at.is_(None))
        .values(last_seen_at=clock.now())
    )


def sign_out(session: Session, *, clock: Clock, token: str) -> None:
    """End the session a cookie names (nothing happens for an unknown or ended one)."""
    web = session.scalar(select(WebSession).where(WebSession.token_hash == hash_token(token)))
    if web is not None and web.ended_at is None:
        web.ended_at = clock.now()
        session.flush()


def end_sessions_of(session: Session, *, clock: Clock, user: User) -> int:
    """End every live web session of ``user`` (a new password, a deactivation)."""
    live = list(
        session.scalars(
            select(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        )
    )
    for web in live:
        web.ended_at = clock.now()
    session.flush()
    return len(live)


def unlock_sign_in(session: Session, *, clock: Clock, actor: Actor | None, username: str) -> int:
    """Forget every failed sign-in of ``username`` (each address's delay and lock), as an
    administrator does for a user locked out; audited. Returns how many addresses it freed."""
    if actor is not None:
        require_role(actor, Role.ADMINISTRATOR, action="unlock sign-ins")
    user = user_named(session, username)
    throttles = list(
        session.scalars(select(SignInThrottle).where(SignInThrottle.username == user.username))
    )
    for throttle in throttles:
        session.delete(throttle)
    session.flush()
    record_event(
        session,
        clock=clock,
        actor=actor.label if actor is not None else "operator (cli)",
        action="auth.sign_in_unlocked",
        subject_type="user",
        subject_id=str(user.id),
        payload={"username": user.username, "addresses": len(throttles)},
    )
    return len(throttles)


def sign_in_locks(session: Session, *, actor: Actor, now: datetime) -> dict[str, int]:
    """How many addresses are locked out of each account now (administrators only)."""
    require_role(actor, Role.ADMINISTRATOR, action="see sign-in locks")
    locked: dict[str, int] = {}
    for username in session.scalars(
        select(SignInThrottle.username).where(SignInThrottle.locked_until > now)
    ):
        locked[username] = locked.get(username, 0) + 1
    return locked
