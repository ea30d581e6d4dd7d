"""Officer steps on both backends: hold, release, refuse, cancel and amend, each restoring or
drawing the balance, updating the monthly aggregates and leaving an audit event."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.audit.service import events_for, verify
from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import filing, officer, repository, views
from rarex.customs.schemas import DeclarationAmend
from rarex.customs.validation import InvalidDeclaration
from rarex.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound
from rarex.licensing import repository as licensing_repository
from rarex.models.customs import DeclarationLine, ExportAggregate, LicenseDrawdown
from tests.customs.customs_factories import (
    CONSIGNEE,
    OTHER_CONSIGNEE,
    Licensed,
    declaration,
    licensed,
    line,
)
from tests.factories import make_actor


def remaining(session: Session, setup: Licensed) -> Decimal:
    (only,) = licensing_repository.license_lines(session, setup.license.id)
    return only.remaining_kg


def file(session: Session, clock: FixedClock, settings: Settings, setup: Licensed, **kw: Any):  # type: ignore[no-untyped-def]
    return filing.file_declaration(
        session, actor=setup.customs, clock=clock, settings=settings, data=declaration(setup, **kw)
    )


def act(session: Session, clock: FixedClock, setup: Licensed, number: str, action: str, **kw: Any):  # type: ignore[no-untyped-def]
    return officer.act_on_line(
        session,
        actor=kw.pop("actor", setup.customs),
        clock=clock,
        number=number,
        line_no=kw.pop("line_no", 1),
        action=officer.parse_line_action(action),
        reason=kw.pop("reason", "Inspected at the port"),
    )


def total_kg(session: Session) -> Decimal:
    totals = repository.monthly_totals(session, period="2025-06", by="series")
    return sum((t.net_kg for t in totals), Decimal(0))


def reasons(session: Session, setup: Licensed, number: str) -> list[set[str]]:
    view = views.declaration_view(session, actor=setup.customs, number=number)
    return [{r.code for r in ln.reasons if r.severity != "info"} for ln in view.lines]


def test_a_held_line_draws_nothing_until_an_officer_releases_it(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    held = file(session, clock, settings, setup, consignee=OTHER_CONSIGNEE)
    assert held.status == "held"
    assert reasons(session, setup, held.number) == [{"customs.consignee_mismatch"}]
    assert remaining(session, setup) == Decimal("500.000")
    assert total_kg(session) == 0
    clock.advance(timedelta(days=1))
    released = act(session, clock, setup, held.number, "release", reason="Transit via Vienna")
    assert released.status == "cleared"
    assert released.clearance_date == date(2025, 6, 6)
    assert remaining(session, setup) == Decimal("400.000")
    assert total_kg(session) == Decimal("100.000")
    view = views.declaration_view(session, actor=setup.customs, number=held.number)
    assert view.lines[0].outcome == "held"  # the check as made stays on record
    assert view.lines[0].status == "cleared"
    last = view.history[-1]
    assert (last.action, last.line_no, last.reason) == (
        "line_released",
        1,
        "Transit via Vienna",
    )
    assert last.details["overridden"] == ["customs.consignee_mismatch"]
    events = events_for(session, subject_id=str(held.id))
    assert [e.action for e in events] == [
        "customs.declaration_filed",
        "customs.declaration_line_released",
    ]


def test_a_release_is_refused_when_the_balance_has_gone_meanwhile(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    held = file(
        session, clock, settings, setup, consignee=OTHER_CONSIGNEE, lines=[line(net_kg="300")]
    )
    file(session, clock, settings, setup, lines=[line(net_kg="250")])
    with pytest.raises(Conflict) as caught:
        act(session, clock, setup, held.number, "release")
    assert caught.value.code == "customs.quantity_exceeded"
    assert remaining(session, setup) == Decimal("250.000")
    refused = act(session, clock, setup, held.number, "refuse", reason="No balance left")
    assert refused.status == "refused"
    assert remaining(session, setup) == Decimal("250.000")


def test_an_ambiguous_unstated_item_cannot_be_released_only_amended(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    items = [
        {
            "control_code": code,
            "hs_code": "2846901993",
            "description": "oxide",
            "quantity_kg": "100",
            "value": "1",
            "currency": "USD",
        }
        for code in ("1C905.b", "1C904.b")
    ]
    setup = licensed(session, clock, settings, lines=items)
    held = file(
        session, clock, settings, setup, lines=[line(hs_code="2846901993", control_code=None)]
    )
    assert held.status == "held"
    with pytest.raises(Conflict) as caught:
        act(session, clock, setup, held.number, "release")
    assert caught.value.code == "customs.control_code_missing"
    amended = filing.amend_declaration(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        number=held.number,
        data=DeclarationAmend(
            reason="Declarant states 1C904.b",
            lines=[line(hs_code="2846901993", control_code="1C904.b", net_kg="60")],
        ),
    )
    assert amended.status == "cleared"
    balances = {
        ln.control_code: ln.remaining_kg
        for ln in licensing_repository.license_lines(session, setup.license.id)
    }
    assert balances == {"1C905.b": Decimal("100.000"), "1C904.b": Decimal("40.000")}


def test_holding_a_cleared_line_restores_its_balance_and_uncounts_it(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    cleared = file(session, clock, settings, setup, lines=[line(net_kg="500")])
    session.refresh(setup.license)
    assert setup.license.status == "exhausted"
    held = act(session, clock, setup, cleared.number, "hold", reason="Suspected mis-declaration")
    assert held.status == "held"
    assert remaining(session, setup) == Decimal("500.000")
    session.refresh(setup.license)
    assert setup.license.status == "active"
    assert total_kg(session) == 0
    ledger = session.scalars(select(LicenseDrawdown).order_by(LicenseDrawdown.at)).all()
    assert sorted((d.kind, d.kg) for d in ledger) == [
        ("draw", Decimal("500.000")),
        ("restore", Decimal("-500.000")),
    ]
    again = act(session, clock, setup, cleared.number, "release", reason="Cleared on inspection")
    assert again.status == "cleared"
    assert remaining(session, setup) == Decimal("0.000")


def test_an_illegal_line_step_changes_nothing(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    cleared = file(session, clock, settings, setup)
    for action in ("release", "refuse"):
        with pytest.raises(InvalidTransition) as caught:
            act(session, clock, setup, cleared.number, action)
        assert caught.value.code == "customs.illegal_transition"
    with pytest.raises(NotFound) as missing_line:
        act(session, clock, setup, cleared.number, "hold", line_no=2)
    assert missing_line.value.code == "customs.line_not_found"
    with pytest.raises(DomainError) as unknown:
        officer.parse_line_action("cancel")
    assert unknown.value.code == "customs.unknown_action"
    with pytest.raises(DomainError) as no_reason:
        act(session, clock, setup, cleared.number, "hold", reason="  ")
    assert no_reason.value.code == "customs.reason_required"
    assert remaining(session, setup) == Decimal("400.000")


@pytest.mark.parametrize("role", [Role.EXPORTER, Role.LICENSING_OFFICER, Role.ADMINISTRATOR])
def test_only_customs_officers_act_on_lines(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, role: Role
) -> None:
    held = file(session, clock, settings, setup, destination="AT")
    actor = make_actor(
        session, clock, role, company=setup.company if role is Role.EXPORTER else None
    )
    with pytest.raises(Forbidden):
        act(session, clock, setup, held.number, "release", actor=actor)
    with pytest.raises(Forbidden):
        officer.cancel_declaration(
            session, actor=actor, clock=clock, number=held.number, reason="x"
        )


def test_cancelling_restores_the_balance_with_an_audit_event(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    filed = file(
        session,
        clock,
        settings,
        setup,
        lines=[line(net_kg="200"), line(net_kg="300"), line(net_kg="50")],
    )
    assert filed.status == "partially_cleared"
    assert remaining(session, setup) == Decimal("0.000")
    cancelled = officer.cancel_declaration(
        session, actor=setup.customs, clock=clock, number=filed.number, reason="Shipment withdrawn"
    )
    assert cancelled.status == "cancelled"
    assert remaining(session, setup) == Decimal("500.000")
    session.refresh(setup.license)
    assert setup.license.status == "active"
    assert total_kg(session) == 0
    event = events_for(session, subject_id=str(filed.id))[-1]
    assert event.action == "customs.declaration_cancelled"
    assert '"restored":[{"kg":"200.000","line_no":1},{"kg":"300.000","line_no":2}]' in (
        event.payload_json.replace(" ", "")
    )
    assert verify(session).ok
    with pytest.raises(InvalidTransition):
        officer.cancel_declaration(
            session, actor=setup.customs, clock=clock, number=filed.number, reason="again"
        )
    with pytest.raises(InvalidTransition):
        filing.amend_declaration(
            session,
            actor=setup.customs,
            clock=clock,
            settings=settings,
            number=filed.number,
            data=DeclarationAmend(reason="late"),
        )


def test_an_amendment_restores_then_redraws_in_one_step(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    filed = file(session, clock, settings, setup, lines=[line(net_kg="300")])
    amended = filing.amend_declaration(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        number=filed.number,
        data=DeclarationAmend(reason="Weighed again", lines=[line(net_kg="450")]),
    )
    assert (amended.status, amended.revision) == ("cleared", 2)
    assert remaining(session, setup) == Decimal("50.000")
    assert total_kg(session) == Decimal("450.000")
    view = views.declaration_view(session, actor=setup.customs, number=filed.number)
    assert [(ln.line_no, ln.net_kg, ln.status) for ln in view.lines] == [
        (1, Decimal("450.000"), "cleared")
    ]
    assert [h.action for h in view.history] == ["filed", "amended"]
    assert view.history[-1].details["restored"] == [{"line_no": 1, "kg": "300.000"}]
    superseded = session.scalars(select(DeclarationLine).where(DeclarationLine.revision == 1)).all()
    assert [(ln.status, ln.drawn_kg) for ln in superseded] == [("cancelled", Decimal("0.000"))]
    # One aggregate cell, adjusted in place: no second row for the same key.
    cells = session.scalars(select(ExportAggregate)).all()
    assert [(c.net_kg, c.lines) for c in cells] == [(Decimal("450.000"), 1)]


def test_an_amendment_over_the_balance_is_refused_and_gives_the_old_draw_back(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    filed = file(session, clock, settings, setup, lines=[line(net_kg="300")])
    amended = filing.amend_declaration(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        number=filed.number,
        data=DeclarationAmend(reason="Weighed again", lines=[line(net_kg="600")]),
    )
    assert amended.status == "refused"
    assert reasons(session, setup, filed.number) == [{"customs.quantity_exceeded"}]
    assert remaining(session, setup) == Decimal("500.000")
    assert total_kg(session) == 0


def test_an_amendment_can_fix_the_paperwork_or_move_to_another_license(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    held = file(session, clock, settings, setup, consignee={"name": "Rheinland", "country": "DE"})
    assert held.status == "held"
    fixed = filing.amend_declaration(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        number=held.number,
        data=DeclarationAmend(reason="Full consignee name", consignee=CONSIGNEE),
    )
    assert fixed.status == "cleared"
    assert remaining(session, setup) == Decimal("400.000")
    second = licensed(session, clock, settings, customs=setup.customs)
    moved = filing.amend_declaration(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        number=held.number,
        data=DeclarationAmend(reason="Wrong license cited", license_number=second.license.number),
    )
    # The other license belongs to another exporter: refused, and the first one is whole again.
    assert moved.status == "refused"
    assert remaining(session, setup) == Decimal("500.000")
    assert remaining(session, second) == Decimal("500.000")
    dropped = filing.amend_declaration(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        number=held.number,
        data=DeclarationAmend(reason="No license at all", remove_license=True),
    )
    assert dropped.license_number is None
    assert reasons(session, setup, held.number) == [{"customs.license_required"}]


def test_a_bad_amendment_is_refused_whole(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    filed = file(session, clock, settings, setup)
    with pytest.raises(InvalidDeclaration) as caught:
        filing.amend_declaration(
            session,
            actor=setup.customs,
            clock=clock,
            settings=settings,
            number=filed.number,
            data=DeclarationAmend(reason="typo", destination="XX", lines=[line(net_kg="-1")]),
        )
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("destination", "party.unknown_country"),
        ("net_kg", "customs.weight_not_positive"),
    ]
    assert remaining(session, setup) == Decimal("400.000")
    with pytest.raises(NotFound):
        filing.amend_declaration(
            session,
            actor=setup.customs,
            clock=clock,
            settings=settings,
            number="NOPE-1",
            data=DeclarationAmend(reason="x"),
        )


def test_the_aggregates_always_equal_a_recount_of_cleared_lines(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    a = file(session, clock, settings, setup, lines=[line(net_kg="100"), line(net_kg="50")])
    b = file(session, clock, settings, setup, consignee=OTHER_CONSIGNEE, lines=[line(net_kg="70")])
    c = file(
        session,
        clock,
        settings,
        setup,
        license_number=None,
        lines=[line(hs_code="8505111000", control_code=None, net_kg="33.3")],
    )
    act(session, clock, setup, a.number, "hold", line_no=2)
    act(session, clock, setup, b.number, "release")
    officer.cancel_declaration(
        session, actor=setup.customs, clock=clock, number=c.number, reason="x"
    )
    filing.amend_declaration(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        number=a.number,
        data=DeclarationAmend(reason="x", lines=[line(net_kg="12.345"), line(net_kg="1")]),
    )
    recount = sum(
        (
            ln.net_kg
            for ln in session.scalars(
                select(DeclarationLine).where(DeclarationLine.status == "cleared")
            )
        ),
        Decimal(0),
    )
    assert total_kg(session) == recount == Decimal("83.345")
    assert remaining(session, setup) == Decimal("500.000") - recount
