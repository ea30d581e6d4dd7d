"""Quantities never go negative: what a decision grants stays within what was requested, the
license balance starts at the grant, and the database itself refuses a negative or
overfull balance whatever code writes to it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import InvalidInput
from rarex.licensing import decisions
from rarex.licensing.schemas import DecisionIn
from rarex.models import ApplicationLine, License, LicenseLine
from tests.factories import approve, filed_and_accepted, make_actor, make_company

START = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
ITEMS = [
    ("1C905.a", "2805301200"),
    ("1C904.a", "2805301300"),
    ("1C902.a", "2805301910"),
    ("1C907.a", "2805301800"),
]
GRAM = Decimal("0.001")

kilograms = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3, allow_nan=False
)


def _line(i: int, quantity: Decimal) -> dict[str, Any]:
    code, hs = ITEMS[i % len(ITEMS)]
    return {
        "control_code": code,
        "hs_code": hs,
        "description": f"line {i + 1}",
        "quantity_kg": str(quantity),
        "value": "1000",
        "currency": "USD",
    }


@st.composite
def requested_and_granted(draw: st.DrawFn) -> tuple[list[Decimal], dict[int, Decimal]]:
    """Requested quantities per line and a grant for some lines within 0..requested."""
    requested = draw(st.lists(kilograms, min_size=1, max_size=4))
    granted: dict[int, Decimal] = {}
    for line_no, quantity in enumerate(requested, start=1):
        choice = draw(st.sampled_from(["omit", "full", "zero", "part"]))
        if choice == "full":
            granted[line_no] = quantity
        elif choice == "zero":
            granted[line_no] = Decimal("0")
        elif choice == "part":
            granted[line_no] = draw(
                st.decimals(min_value=0, max_value=quantity, places=3, allow_nan=False)
            )
    effective = [granted.get(n, q) for n, q in enumerate(requested, start=1)]
    if not any(amount > 0 for amount in effective):
        granted[1] = requested[0]
    return requested, granted


_HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_HYPOTHESIS
@given(case=requested_and_granted())
def test_license_balances_equal_the_grant_and_the_grant_stays_within_the_request(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    case: tuple[list[Decimal], dict[int, Decimal]],
) -> None:
    requested, granted = case
    clock.set(START)
    savepoint = session.begin_nested()
    try:
        company = make_company(session, clock)
        exporter = make_actor(session, clock, Role.EXPORTER, company=company)
        officer = make_actor(session, clock, Role.LICENSING_OFFICER)
        lines = [_line(i, q) for i, q in enumerate(requested)]
        app = filed_and_accepted(session, clock, settings, exporter, officer, lines=lines)
        approve(session, clock, settings, officer, app, granted_kg=granted)

        session.expire_all()
        stored = session.scalars(
            select(ApplicationLine)
            .where(ApplicationLine.application_id == app.id)
            .order_by(ApplicationLine.line_no)
        ).all()
        expected = {n: granted.get(n, q) for n, q in enumerate(requested, start=1)}
        for line in stored:
            assert line.granted_kg is not None
            assert Decimal(0) <= line.granted_kg <= line.quantity_kg
            assert line.granted_kg == expected[line.line_no]
        license_id = session.scalar(select(License.id).where(License.application_id == app.id))
        balances = {
            ln.line_no: (ln.granted_kg, ln.remaining_kg)
            for ln in session.scalars(
                select(LicenseLine).where(LicenseLine.license_id == license_id)
            )
        }
        assert balances == {n: (g, g) for n, g in expected.items() if g > 0}
    finally:
        savepoint.rollback()


@_HYPOTHESIS
@given(
    requested=kilograms,
    excess=st.decimals(min_value=GRAM, max_value=Decimal("1e6"), places=3, allow_nan=False),
    negative=st.booleans(),
)
def test_a_grant_above_the_request_or_below_zero_is_refused_and_nothing_is_granted(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    requested: Decimal,
    excess: Decimal,
    negative: bool,
) -> None:
    clock.set(START)
    savepoint = session.begin_nested()
    try:
        company = make_company(session, clock)
        exporter = make_actor(session, clock, Role.EXPORTER, company=company)
        officer = make_actor(session, clock, Role.LICENSING_OFFICER)
        app = filed_and_accepted(
            session, clock, settings, exporter, officer, lines=[_line(0, requested)]
        )
        amount = -excess if negative else requested + excess
        with pytest.raises(InvalidInput) as caught:
            decisions.decide(
                session,
                actor=officer,
                clock=clock,
                settings=settings,
                application_id=app.id,
                data=DecisionIn(outcome="approved", reason="ok", granted_kg={1: amount}),
            )
        assert caught.value.code == (
            "decision.invalid_granted_quantity"
            if negative
            else "decision.granted_exceeds_requested"
        )
        session.expire_all()
        assert session.scalar(select(License.id).where(License.application_id == app.id)) is None
        assert (
            session.scalar(
                select(ApplicationLine.granted_kg).where(ApplicationLine.application_id == app.id)
            )
            is None
        )
    finally:
        savepoint.rollback()


# --- the database's own guard ------------------------------------------------------------------


@pytest.fixture
def license_line(session: Session, clock: FixedClock, settings: Settings) -> LicenseLine:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    approve(session, clock, settings, officer, app, granted_kg={1: Decimal("400")})
    license_id = session.scalar(select(License.id).where(License.application_id == app.id))
    line = session.scalar(select(LicenseLine).where(LicenseLine.license_id == license_id))
    assert line is not None
    return line


def _stored(session: Session, line_id: Any) -> tuple[Any, Any]:
    row = session.execute(
        text("SELECT granted_kg, remaining_kg FROM license_lines WHERE id = :id"),
        {"id": _id_param(session, line_id)},
    ).one()
    return row[0], row[1]


def _id_param(session: Session, line_id: Any) -> Any:
    # SQLite stores UUIDs as 32 hex characters; PostgreSQL has a native uuid type.
    return line_id.hex if session.get_bind().dialect.name == "sqlite" else line_id


@pytest.mark.parametrize(
    ("assignment", "constraints"),
    [
        ("remaining_kg = -granted_kg", {"remaining_not_negative"}),
        ("remaining_kg = remaining_kg - granted_kg - granted_kg", {"remaining_not_negative"}),
        ("remaining_kg = granted_kg + granted_kg", {"remaining_within_granted"}),
        # Both rules are broken; either may be the one the database names.
        ("granted_kg = -granted_kg", {"granted_positive", "remaining_within_granted"}),
        ("granted_kg = 0", {"granted_positive", "remaining_within_granted"}),
    ],
)
def test_the_database_refuses_a_negative_or_overfull_balance_and_keeps_the_row(
    session: Session, license_line: LicenseLine, assignment: str, constraints: set[str]
) -> None:
    before = _stored(session, license_line.id)
    with pytest.raises(IntegrityError) as caught, session.begin_nested():
        session.execute(
            text(f"UPDATE license_lines SET {assignment} WHERE id = :id"),
            {"id": _id_param(session, license_line.id)},
        )
    message = str(caught.value.orig)
    assert any(f"ck_license_lines_{name}" in message for name in constraints), message
    assert _stored(session, license_line.id) == before
    session.expire_all()
    reloaded = session.get(LicenseLine, license_line.id)
    assert reloaded is not None
    assert (reloaded.granted_kg, reloaded.remaining_kg) == (Decimal("400.000"), Decimal("400.000"))


def test_the_database_accepts_a_balance_drawn_down_to_exactly_zero(
    session: Session, license_line: LicenseLine
) -> None:
    session.execute(
        text("UPDATE license_lines SET remaining_kg = 0 WHERE id = :id"),
        {"id": _id_param(session, license_line.id)},
    )
    session.expire_all()
    reloaded = session.get(LicenseLine, license_line.id)
    assert reloaded is not None
    assert reloaded.remaining_kg == Decimal("0.000")


@pytest.mark.parametrize(
    "assignment",
    ["granted_kg = quantity_kg + quantity_kg", "granted_kg = -quantity_kg", "quantity_kg = 0"],
)
def test_the_database_refuses_an_application_line_grant_outside_the_request(
    session: Session, license_line: LicenseLine, assignment: str
) -> None:
    application_id = session.scalar(
        select(License.application_id).where(License.id == license_line.license_id)
    )
    param = _id_param(session, application_id)
    query = text("SELECT quantity_kg, granted_kg FROM application_lines WHERE application_id = :a")
    before = session.execute(query, {"a": param}).all()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            text(f"UPDATE application_lines SET {assignment} WHERE application_id = :a"),
            {"a": param},
        )
    assert session.execute(query, {"a": param}).all() == before
