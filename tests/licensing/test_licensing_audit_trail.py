"""The audit trail a licensing workflow leaves: verified intact after the work, and any change
made behind the services' back (raw UPDATE, DELETE, swapped rows) detected at the first bad
event."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from rarex.audit.chain import compute_hash
from rarex.audit.service import verify
from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import Forbidden
from rarex.models import AuditEvent
from tests.factories import approve, filed_and_accepted, make_actor, make_company


@pytest.fixture
def events(session: Session, clock: FixedClock, settings: Settings) -> int:
    """A workflow from filing to license; returns the number of audit events it left."""
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    approve(session, clock, settings, officer, app)
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    assert count >= 10
    return count


def _sql(session: Session, statement: str, **params: object) -> None:
    session.execute(text(statement), params)


def test_the_trail_of_a_workflow_verifies(session: Session, events: int) -> None:
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions[0] == "application.filed"
    assert actions[-1] == "license.issued"
    assert "application.green_channel_assessed" in actions
    result = verify(session)
    assert result.ok
    assert (result.checked, result.first_bad_seq, result.problem) == (events, None, None)


TAMPERING: dict[str, tuple[Callable[[Session, int], None], Callable[[int], int], str]] = {
    "payload altered in place": (
        lambda s, n: _sql(
            s, "UPDATE audit_events SET payload_json = :p WHERE seq = :seq", p="{}", seq=3
        ),
        lambda n: 3,
        "altered",
    ),
    "actor altered in place": (
        lambda s, n: _sql(
            s, "UPDATE audit_events SET actor = 'someone else' WHERE seq = :seq", seq=n - 1
        ),
        lambda n: n - 1,
        "altered",
    ),
    "middle event deleted": (
        lambda s, n: _sql(s, "DELETE FROM audit_events WHERE seq = :seq", seq=4),
        lambda n: 4,
        "missing_or_reordered",
    ),
    "last event deleted": (
        lambda s, n: _sql(s, "DELETE FROM audit_events WHERE seq = :seq", seq=n),
        lambda n: n,
        "truncated",
    ),
    "two events swapped": (
        lambda s, n: _swap(s, 5, 6),
        lambda n: 5,
        "altered",
    ),
}


def _swap(session: Session, a: int, b: int) -> None:
    """Exchange the stored sequence numbers of two events (via a free number)."""
    _sql(session, "UPDATE audit_events SET seq = -1 WHERE seq = :a", a=a)
    _sql(session, "UPDATE audit_events SET seq = :a WHERE seq = :b", a=a, b=b)
    _sql(session, "UPDATE audit_events SET seq = :b WHERE seq = -1", b=b)


@pytest.mark.parametrize(
    ("tamper", "first_bad", "problem"), list(TAMPERING.values()), ids=list(TAMPERING)
)
def test_tampering_with_stored_events_is_detected_at_the_first_bad_seq(
    session: Session,
    events: int,
    tamper: Callable[[Session, int], None],
    first_bad: Callable[[int], int],
    problem: str,
) -> None:
    assert verify(session).ok
    tamper(session, events)
    result = verify(session)
    assert not result.ok
    assert result.first_bad_seq == first_bad(events)
    assert result.problem == problem
    assert result.checked == first_bad(events) - 1


def test_an_event_rewritten_and_rehashed_is_caught_by_the_next_link(
    session: Session, events: int
) -> None:
    # Holding the ORM object keeps it in the session's identity map; verification must still
    # judge the stored row, not this cached copy.
    stored = session.scalar(select(AuditEvent).where(AuditEvent.seq == 2))
    assert stored is not None
    forged = compute_hash(
        prev_hash=stored.prev_hash, seq=2, at=stored.at, actor="forger", action=stored.action,
        subject_type=stored.subject_type, subject_id=stored.subject_id, payload_json="{}",
    )  # fmt: skip
    _sql(
        session,
        "UPDATE audit_events SET actor = 'forger', payload_json = '{}', hash = :h WHERE seq = 2",
        h=forged,
    )
    result = verify(session)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 3, "broken_link")


def test_only_officers_and_administrators_verify_the_trail(
    session: Session, clock: FixedClock, events: int
) -> None:
    for role in (Role.LICENSING_OFFICER, Role.ADMINISTRATOR):
        assert verify(session, actor=make_actor(session, clock, role)).ok
    exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    with pytest.raises(Forbidden) as caught:
        verify(session, actor=exporter)
    assert caught.value.code == "auth.role_required"
