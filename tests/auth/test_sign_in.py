"""Web sign-in (issue 11, item 1), on SQLite and PostgreSQL: argon2id password hashes, sessions
kept in the database and ended by sign-out, idleness, expiry, a new password or deactivation,
and failed sign-ins slowed, then locked, per (account, client address) only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.audit.service import verify
from rarex.auth.roles import Role
from rarex.auth.service import create_user, deactivate_user
from rarex.auth.sign_in import (
    DEMO_ORIGIN,
    SIGN_IN_FAILED,
    SignInPolicy,
    demo_passwords_in_use,
    resume,
    set_password,
    sign_in,
    sign_out,
)
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import InvalidInput, TooManyAttempts, Unauthenticated
from rarex.models import AuditEvent, SignInThrottle, User, WebSession

PASSWORD = "correct horse battery"
POLICY = SignInPolicy(hash_time_cost=1, hash_memory_kib=1024)  # cheap: see the cost tests


@pytest.fixture
def officer(session: Session, clock: FixedClock) -> User:
    user = create_user(
        session,
        clock=clock,
        actor=None,
        username="li.officer",
        display_name="Li",
        role=Role.LICENSING_OFFICER,
    )
    set_password(
        session, clock=clock, actor=None, username="li.officer", password=PASSWORD,
        policy=POLICY,
    )  # fmt: skip
    return user


def test_the_password_is_kept_as_an_argon2id_hash_only(session: Session, officer: User) -> None:
    assert officer.password_hash is not None
    assert officer.password_hash.startswith("$argon2id$")
    assert PASSWORD not in officer.password_hash


def test_the_default_cost_is_rfc_9106s_and_production_refuses_less(
    session: Session, clock: FixedClock, officer: User
) -> None:
    set_password(session, clock=clock, actor=None, username="li.officer", password=PASSWORD)
    assert officer.password_hash is not None
    assert officer.password_hash.startswith("$argon2id$v=19$m=65536,t=3,")
    production = {"environment": "production", "database_url": "postgresql+psycopg://x/y"}
    for weak in ({"password_hash_time_cost": 2}, {"password_hash_memory_kib": 32 * 1024}):
        with pytest.raises(ValueError, match="at least 3 passes over 64 MiB"):
            Settings(**production, **weak)
    assert SignInPolicy.of(Settings(**production)).hasher.time_cost == 3


def test_a_hash_of_another_cost_is_rehashed_at_the_next_sign_in(
    session: Session, clock: FixedClock, officer: User
) -> None:
    stronger = SignInPolicy(hash_time_cost=2, hash_memory_kib=2048)
    sign_in(
        session, clock=clock, username="li.officer", password=PASSWORD,
        client_address="192.0.2.1", policy=stronger,
    )  # fmt: skip
    assert officer.password_hash is not None
    assert officer.password_hash.startswith("$argon2id$v=19$m=2048,t=2,")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short", "auth.password_length"),
        ("x" * 257, "auth.password_length"),
        ("my name is li.officer!", "auth.password_weak"),
        ("twelve chars\nmore", "auth.password_invalid"),
    ],
)
def test_a_weak_or_malformed_password_is_refused_and_the_old_one_kept(
    session: Session, clock: FixedClock, officer: User, password: str, code: str
) -> None:
    before = officer.password_hash
    with pytest.raises(InvalidInput) as refused:
        set_password(session, clock=clock, actor=None, username="li.officer", password=password)
    assert refused.value.code == code
    assert officer.password_hash == before


def test_signing_in_opens_a_session_that_the_cookie_token_resumes(
    session: Session, clock: FixedClock, officer: User
) -> None:
    signed = sign_in(
        session, clock=clock, username="Li.Officer ", password=PASSWORD, client_address="10.0.0.1"
    )
    stored = session.scalars(select(WebSession)).one()
    assert signed.token not in stored.token_hash  # only a hash of the token is kept
    resumed = resume(session, clock=clock, token=signed.token)
    assert resumed.actor.username == "li.officer"
    assert resumed.csrf_token == signed.csrf_token
    sign_out(session, clock=clock, token=signed.token)
    with pytest.raises(Unauthenticated) as ended:
        resume(session, clock=clock, token=signed.token)
    assert ended.value.code == "auth.session_ended"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    session: Session, clock: FixedClock, officer: User
) -> None:
    answers = []
    for username, address in (("li.officer", "10.0.0.1"), ("nobody.here", "10.0.0.2")):
        with pytest.raises(Unauthenticated) as refused:
            sign_in(
                session,
                clock=clock,
                username=username,
                password="wrong password!",
                client_address=address,
            )
        answers.append((refused.value.code, refused.value.message))
    assert answers[0] == answers[1] == ("auth.sign_in_failed", SIGN_IN_FAILED)


def test_sessions_end_when_idle_at_their_absolute_expiry_and_on_deactivation(
    session: Session, clock: FixedClock, officer: User
) -> None:
    idle = sign_in(
        session, clock=clock, username="li.officer", password=PASSWORD, client_address="a"
    )
    clock.advance(POLICY.idle + timedelta(seconds=1))
    with pytest.raises(Unauthenticated) as expired:
        resume(session, clock=clock, token=idle.token)
    assert expired.value.code == "auth.session_expired"
    # used every 20 minutes, a session still ends at its absolute expiry
    busy = sign_in(
        session, clock=clock, username="li.officer", password=PASSWORD, client_address="a"
    )
    used_until = clock.now() + POLICY.absolute
    while clock.now() + timedelta(minutes=20) < used_until:
        clock.advance(timedelta(minutes=20))
        resume(session, clock=clock, token=busy.token)
    clock.advance(timedelta(minutes=20))
    with pytest.raises(Unauthenticated):
        resume(session, clock=clock, token=busy.token)
    live = sign_in(
        session, clock=clock, username="li.officer", password=PASSWORD, client_address="a"
    )
    deactivate_user(session, clock=clock, actor=None, username="li.officer")
    with pytest.raises(Unauthenticated) as gone:
        resume(session, clock=clock, token=live.token)
    assert gone.value.code in {"auth.user_inactive", "auth.session_ended"}


def test_a_new_password_ends_the_sessions_of_the_old_one(
    session: Session, clock: FixedClock, officer: User
) -> None:
    old = sign_in(
        session, clock=clock, username="li.officer", password=PASSWORD, client_address="a"
    )
    set_password(
        session, clock=clock, actor=None, username="li.officer", password="a new long secret",
        policy=POLICY,
    )  # fmt: skip
    with pytest.raises(Unauthenticated):
        resume(session, clock=clock, token=old.token)
    with pytest.raises(Unauthenticated):
        sign_in(session, clock=clock, username="li.officer", password=PASSWORD, client_address="b")


def test_failures_slow_then_lock_the_pair_but_never_another_address(
    session: Session, clock: FixedClock, officer: User
) -> None:
    attacker = "203.0.113.9"

    def attempt(password: str, address: str = attacker) -> None:
        sign_in(
            session, clock=clock, username="li.officer", password=password, client_address=address
        )

    waits: list[int] = []
    for _ in range(POLICY.lock_after - 1):
        with pytest.raises(Unauthenticated):
            attempt("not the password")
        with pytest.raises(TooManyAttempts) as slowed:
            attempt(PASSWORD)  # at once, even right: refused before any check
        assert slowed.value.code == "auth.sign_in_slowed"
        waits.append(slowed.value.details["retry_after"])
        clock.advance(timedelta(seconds=slowed.value.details["retry_after"]))
    assert waits == sorted(waits)  # the delay grows
    assert waits[-1] > waits[0]
    with pytest.raises(Unauthenticated):
        attempt("not the password")  # the last failure locks the pair, audited
    assert "auth.sign_in_locked" in {e.action for e in session.scalars(select(AuditEvent))}
    clock.advance(timedelta(minutes=5))
    with pytest.raises(TooManyAttempts) as locked:
        attempt(PASSWORD)
    assert locked.value.code == "auth.sign_in_locked"
    assert locked.value.details["retry_after"] == (POLICY.lock_for - timedelta(minutes=5)).seconds
    # the owner, elsewhere, signs in as ever
    assert attempt_elsewhere(session, clock).actor.username == "li.officer"
    # after the lock, the pair starts afresh, and a success clears its count
    clock.advance(POLICY.lock_for)
    attempt(PASSWORD)
    with pytest.raises(Unauthenticated):
        attempt("not the password")
    assert verify(session).ok


def attempt_elsewhere(session: Session, clock: FixedClock):  # type: ignore[no-untyped-def]
    return sign_in(
        session, clock=clock, username="li.officer", password=PASSWORD, client_address="10.1.1.1"
    )


def test_demo_passwords_are_known_as_such(
    session: Session, clock: FixedClock, officer: User
) -> None:
    assert demo_passwords_in_use(session) == []
    set_password(
        session,
        clock=clock,
        actor=None,
        username="li.officer",
        password="demo password 1",
        origin=DEMO_ORIGIN,
        policy=POLICY,
    )
    assert demo_passwords_in_use(session) == ["li.officer"]


def test_production_refuses_to_start_while_a_demo_password_is_in_use(
    session: Session, clock: FixedClock, officer: User
) -> None:
    from sqlalchemy.orm import sessionmaker

    from rarex.api.app import create_app
    from rarex.config import Settings
    from rarex.errors import Conflict

    production = Settings(
        environment="production", database_url="postgresql+psycopg://rarex@db.invalid/rarex"
    )
    factory = sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint")
    create_app(production, session_factory=factory)  # a password an operator set: it starts
    set_password(
        session,
        clock=clock,
        actor=None,
        username="li.officer",
        password="demo-0123456789",
        origin=DEMO_ORIGIN,
        policy=POLICY,
    )
    with pytest.raises(Conflict) as refused:
        create_app(production, session_factory=factory)
    assert refused.value.code == "auth.demo_passwords_in_production"
    assert refused.value.details["users"] == ["li.officer"]


@pytest.mark.postgres
def test_concurrent_failures_of_one_pair_are_each_counted_before_the_next_is_checked(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Twelve wrong passwords at once from one address: the pair's row is locked through
    each check, so the first is checked and counted and the others wait and are slowed (the
    clock stands still); none is checked uncounted. On PostgreSQL, with threads of their own."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    from rarex.db_engine import make_engine
    from rarex.migrations import upgrade_database
    from tests.conftest import whole_database

    with whole_database("postgresql", tmp_path_factory.mktemp("race"), name="race") as url:
        engine = make_engine(url)
        upgrade_database(engine)
        clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
        with Session(engine) as setup:
            create_user(setup, clock=clock, actor=None, username="li.officer",
                        display_name="Li", role=Role.LICENSING_OFFICER)  # fmt: skip
            set_password(
                setup, clock=clock, actor=None, username="li.officer", password=PASSWORD,
                policy=POLICY,
            )  # fmt: skip
            setup.commit()

        def attempt(_: int) -> str:
            with Session(engine) as own:
                try:
                    sign_in(own, clock=clock, username="li.officer", password="wrong guess!",
                            client_address="203.0.113.5")  # fmt: skip
                except (Unauthenticated, TooManyAttempts) as refused:
                    own.commit()
                    return refused.code
            return "signed in"

        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(attempt, range(12)))
        with Session(engine) as check:
            failures = check.scalars(select(SignInThrottle.failures)).one()
        engine.dispose()
    assert answers.count("auth.sign_in_failed") == failures == 1
    assert answers.count("auth.sign_in_slowed") == 11


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("2001:db8:0:0:1::5", "2001:db8::/64"),
        ("2001:DB8::abcd:1", "2001:db8::/64"),
        ("198.51.100.7", "198.51.100.7"),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64(address: str, key: str) -> None:
    from rarex.auth.sign_in import _pair_key

    assert _pair_key(address) == key
