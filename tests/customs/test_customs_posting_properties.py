"""Property: whatever sequence of postings (filings, holds, releases, refusals, amendments,
cancellations, in any order, refused ones included) is applied, the license balances, the
drawdown ledger and the monthly aggregates equal a recount from the declarations' final
states, on both backends.

The recount reads only the declaration lines as they stand; the books it is compared with
were written step by step by the one writer. A step the rules refuse (an illegal transition,
a release with no balance left) is rolled back as its unit of work would be.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import filing, officer
from rarex.customs.schemas import DeclarationAmend
from rarex.customs.states import LineAction
from rarex.errors import DomainError
from rarex.models import License, LicenseLine
from rarex.models.customs import (
    Declaration,
    DeclarationLine,
    ExportAggregate,
    LicenseDrawdown,
)
from tests.customs.customs_factories import (
    CONSIGNEE,
    OTHER_CONSIGNEE,
    Licensed,
    declaration,
    licensed,
    line,
)

kilograms = st.integers(min_value=1, max_value=400_000).map(lambda g: str(Decimal(g) / 1000))
goods = st.one_of(
    kilograms.map(lambda kg: line(net_kg=kg)),
    # Goods that need no license: counted in the month, drawn from nothing.
    kilograms.map(lambda kg: line(hs_code="8505111000", control_code=None, net_kg=kg)),
)
filing_step = st.fixed_dictionaries(
    {
        "kind": st.just("file"),
        "holder": st.integers(0, 1),
        "lines": st.lists(goods, min_size=1, max_size=3),
        "destination": st.sampled_from(["DE", "DE", "AT"]),
        "consignee": st.sampled_from([CONSIGNEE, CONSIGNEE, OTHER_CONSIGNEE]),
        "cited": st.booleans(),
    }
)
later_step = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["hold", "release", "refuse", "cancel", "amend"]),
        "which": st.integers(0, 50),
        "line_no": st.integers(1, 3),
        "lines": st.lists(goods, min_size=1, max_size=2),
        "covering": st.booleans(),
    }
)
scenarios = st.lists(st.one_of(filing_step, later_step), min_size=1, max_size=14)


@pytest.fixture
def holders(session: Session, clock: FixedClock, settings: Settings) -> list[Licensed]:
    """Two exporters, one with a single license, one with a general one (both 500 kg of
    1C905.a to DE), made once for every example."""
    return [
        licensed(session, clock, settings),
        licensed(session, clock, settings, license_type="general", days_after=0),
    ]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios)
def test_any_sequence_of_postings_leaves_books_equal_to_a_recount(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    holders: list[Licensed],
    scenario: list[dict[str, Any]],
) -> None:
    example = session.begin_nested()  # each example starts from the same two licenses
    try:
        filed: list[tuple[str, Licensed]] = []
        for step in scenario:
            _apply(session, clock, settings, holders, filed, step)
        _assert_books_equal_recount(session, holders)
    finally:
        example.rollback()


def _apply(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    holders: list[Licensed],
    filed: list[tuple[str, Licensed]],
    step: dict[str, Any],
) -> None:
    if step["kind"] == "file":
        setup = holders[step["holder"]]
        data = declaration(
            setup,
            lines=step["lines"],
            destination=step["destination"],
            consignee=step["consignee"],
            **({} if step["cited"] else {"license_number": None}),
        )
        attempt = lambda: filing.file_declaration(  # noqa: E731
            session, actor=setup.customs, clock=clock, settings=settings, data=data
        )
        if _attempt(session, attempt):
            filed.append((data.number, setup))
        return
    if not filed:
        return
    number, setup = filed[step["which"] % len(filed)]
    kind = step["kind"]
    if kind == "cancel":
        _attempt(
            session,
            lambda: officer.cancel_declaration(
                session, actor=setup.customs, clock=clock, number=number, reason="r"
            ),
        )
    elif kind == "amend":
        _attempt(
            session,
            lambda: filing.amend_declaration(
                session,
                actor=setup.customs,
                clock=clock,
                settings=settings,
                number=number,
                data=DeclarationAmend(reason="r", lines=step["lines"]),
            ),
        )
    else:
        other = holders[1] if setup is holders[0] else holders[0]
        covering = other.license.number if kind == "release" and step["covering"] else None
        _attempt(
            session,
            lambda: officer.act_on_line(
                session,
                actor=setup.customs,
                clock=clock,
                number=number,
                line_no=step["line_no"],
                action=LineAction(kind),
                reason="r",
                covering_license=covering,
            ),
        )


def _attempt(session: Session, run: Any) -> bool:
    """One step in its own savepoint, rolled back when the rules refuse it."""
    savepoint = session.begin_nested()
    try:
        run()
    except DomainError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _assert_books_equal_recount(session: Session, holders: list[Licensed]) -> None:
    session.expire_all()
    current = (
        select(DeclarationLine, Declaration.destination)
        .join(Declaration, Declaration.id == DeclarationLine.declaration_id)
        .where(DeclarationLine.revision == Declaration.revision)
    )
    drawn_by_line: dict[object, Decimal] = defaultdict(Decimal)
    cells: dict[tuple[str, ...], list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for declared, destination in session.execute(current):
        cleared = declared.status == "cleared"
        assert declared.drawn_kg == (
            declared.net_kg if cleared and declared.controlled else Decimal(0)
        )
        assert (declared.cleared_on is not None) == cleared
        if not cleared:
            continue
        if declared.controlled:
            drawn_by_line[declared.license_line_id] += declared.net_kg
        assert declared.cleared_on is not None
        key = (
            declared.cleared_on.strftime("%Y-%m"),
            declared.series,
            declared.element or "",
            declared.hs_code,
            destination,
            declared.currency,
        )
        cell = cells[key]
        cell[0] += declared.net_kg
        cell[1] += declared.fob_value
        cell[2] += 1
    ledger = {
        line_id: kg
        for line_id, kg in session.execute(
            select(LicenseDrawdown.license_line_id, func.sum(LicenseDrawdown.kg)).group_by(
                LicenseDrawdown.license_line_id
            )
        )
    }
    for setup in holders:
        license_ = session.get(License, setup.license.id)
        assert license_ is not None
        lines = session.scalars(
            select(LicenseLine).where(LicenseLine.license_id == license_.id)
        ).all()
        for license_line in lines:
            drawn = license_line.granted_kg - license_line.remaining_kg
            assert drawn == drawn_by_line.get(license_line.id, Decimal(0))
            assert drawn == Decimal(ledger.get(license_line.id) or 0)
        empty = all(ln.remaining_kg == 0 for ln in lines)
        if license_.license_type == "single":
            assert (license_.status == "exhausted") == empty
        else:
            assert license_.status == "active"
    stored = {
        (a.period, a.series, a.element, a.hs_code, a.destination, a.currency): [
            a.net_kg,
            a.fob_value,
            a.lines,
        ]
        for a in session.scalars(select(ExportAggregate))
        if a.lines or a.net_kg or a.fob_value
    }
    assert stored == dict(cells)
