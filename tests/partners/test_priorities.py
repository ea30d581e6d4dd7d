"""Priority lists: a partner desk asks for some of its open cases to be examined first; an
officer accepts or declines each item with a reason; the desk filters on it; and nothing about
the case's legal clock or its rules changes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.auth.service import declare_conflict
from rarex.clock import FixedClock, authority_date
from rarex.config import Settings
from rarex.errors import Conflict, Forbidden, InvalidInput, NotFound
from rarex.licensing import queue, repository
from rarex.licensing.clock_service import application_clock
from rarex.models import Application
from rarex.partners import priorities
from rarex.partners.schemas import PriorityDecisionIn, PriorityListIn
from tests.factories import approve, filed_and_accepted, make_actor, make_company, parties_in


class Lists:
    def __init__(self, session: Session, clock: FixedClock, settings: Settings) -> None:
        self.session, self.clock, self.settings = session, clock, settings
        self.officer = make_actor(session, clock, Role.LICENSING_OFFICER)
        self.company = make_company(session, clock)
        exporter = make_actor(session, clock, Role.EXPORTER, company=self.company)
        self.eu = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
        self.first, self.second = (
            filed_and_accepted(
                session, clock, settings, exporter, self.officer, **parties_in(country)
            )
            for country in ("DE", "FR")
        )
        self.to_us = filed_and_accepted(
            session, clock, settings, exporter, self.officer, destination="US",
            **parties_in("US"),
        )  # fmt: skip
        self.decided = filed_and_accepted(session, clock, settings, exporter, self.officer)
        approve(session, clock, settings, self.officer, self.decided)

    def submit(self, *cases: Application, actor: Actor | None = None, **kw: Any) -> str:
        items = [
            {"application_reference": c.reference, "reason": f"plant in {c.destination}"}
            for c in cases
        ]
        data = PriorityListIn.model_validate({"items": items, **kw})
        request = priorities.submit_priority_list(
            self.session, actor=actor or self.eu, clock=self.clock, data=data
        )
        return request.number

    def view(self, number: str, actor: Actor | None = None) -> priorities.PriorityListRead:
        return priorities.priority_list_view(self.session, actor=actor or self.eu, number=number)

    def decide(self, item_id: Any, outcome: str, reason: str, actor: Actor | None = None) -> None:
        priorities.decide_priority_item(
            self.session, actor=actor or self.officer, clock=self.clock, settings=self.settings,
            item_id=item_id, data=PriorityDecisionIn(outcome=outcome, reason=reason),  # type: ignore[arg-type]
        )  # fmt: skip

    def desk(self, priority: str | None) -> dict[str, str | None]:
        page, _ = queue.desk_queue(
            self.session, actor=self.officer, clock=self.clock, settings=self.settings,
            query=queue.DeskQuery(queue="ordinary", priority=priority),
        )  # fmt: skip
        return {item.reference: item.priority for item in page.items}


@pytest.fixture
def lists(session: Session, clock: FixedClock, settings: Settings) -> Lists:
    return Lists(session, clock, settings)


def test_an_officer_accepts_one_item_and_declines_the_other_and_the_partner_reads_why(
    lists: Lists,
) -> None:
    number = lists.submit(lists.first, lists.second, note="Two plants idle without magnets")
    pending = lists.view(number)
    assert [(i.application_reference, i.status) for i in pending.items] == [
        (lists.first.reference, "pending"), (lists.second.reference, "pending")
    ]  # fmt: skip
    assert lists.desk("pending") == {lists.first.reference: "pending",
                                     lists.second.reference: "pending"}  # fmt: skip
    first, second = pending.items
    lists.decide(first.id, "accepted", "Production stop confirmed by the consignee's letter")
    lists.decide(second.id, "declined", "Not more urgent than the cases before it")
    seen = lists.view(number)
    assert [(i.status, i.decision_reason, i.decided_by) for i in seen.items] == [
        ("accepted", "Production stop confirmed by the consignee's letter", None),
        ("declined", "Not more urgent than the cases before it", None),
    ]
    assert lists.officer.username not in seen.model_dump_json()
    assert lists.view(number, lists.officer).items[0].decided_by == lists.officer.username
    assert lists.desk("accepted") == {lists.first.reference: "accepted"}
    assert lists.desk("pending") == {}
    assert lists.desk(None)[lists.first.reference] == "accepted"
    assert lists.desk(None)[lists.second.reference] is None


def test_priority_leaves_the_legal_clock_the_history_and_the_lane_as_they_were(
    lists: Lists,
) -> None:
    case = lists.first
    today = authority_date(lists.clock.now())

    def standing() -> tuple[object, ...]:
        status = application_clock(lists.session, case, today=today, settings=lists.settings)
        assert status is not None
        changes = [(c.seq, c.action) for c in repository.changes_for(lists.session, case.id)]
        check = repository.latest_green_check(lists.session, case.id)
        return (status.due_date, status.used, status.remaining, status.stopped, changes,
                case.lane, case.state, case.due_on, check.results if check else None)  # fmt: skip

    before = standing()
    number = lists.submit(case)
    lists.decide(lists.view(number).items[0].id, "accepted", "urgent")
    lists.session.expire_all()
    assert standing() == before


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ([("first", "a"), ("first", "b")], "priority.duplicate"),
        ([("first", " ")], "priority.reason_required"),
        ([("first", "a"), ("decided", "b")], "priority.case_not_open"),
    ],
)
def test_a_bad_list_is_refused_whole_and_nothing_is_stored(
    lists: Lists, items: list[tuple[str, str]], code: str
) -> None:
    data = PriorityListIn.model_validate(
        {"items": [{"application_reference": getattr(lists, name).reference, "reason": reason}
                   for name, reason in items]}
    )  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        priorities.submit_priority_list(lists.session, actor=lists.eu, clock=lists.clock, data=data)
    assert refused.value.code == code
    assert priorities.list_priority_lists(lists.session, actor=lists.eu) == []


def test_a_case_outside_the_jurisdiction_is_not_found_and_lists_need_one_to_fifty_items(
    lists: Lists,
) -> None:
    with pytest.raises(NotFound) as hidden:
        lists.submit(lists.first, lists.to_us)
    assert hidden.value.code == "application.not_found"
    for count in (0, 51):
        with pytest.raises(ValidationError):
            PriorityListIn.model_validate(
                {"items": [{"application_reference": f"RX-{n}", "reason": "r"}
                           for n in range(count)]}
            )  # fmt: skip


def test_an_item_is_decided_once_by_a_licensing_officer_without_a_conflict(
    lists: Lists, session: Session, clock: FixedClock
) -> None:
    number = lists.submit(lists.first)
    item = lists.view(number).items[0]
    with pytest.raises(Forbidden) as partner:
        lists.decide(item.id, "accepted", "we trust ourselves", actor=lists.eu)
    assert partner.value.code == "auth.role_required"
    linked = make_actor(session, clock, Role.LICENSING_OFFICER)
    declare_conflict(session, clock=clock, actor=None, user_id=linked.user_id,
                     company_id=lists.company.id, reason="brother-in-law")  # fmt: skip
    with pytest.raises(Forbidden) as conflicted:
        lists.decide(item.id, "accepted", "fine", actor=linked)
    assert conflicted.value.code == "auth.conflict_of_interest"
    lists.decide(item.id, "declined", "not urgent")
    with pytest.raises(Conflict) as again:
        lists.decide(item.id, "accepted", "changed my mind")
    assert again.value.code == "priority.already_decided"
    assert lists.view(number).items[0].status == "declined"


def test_another_desk_neither_reads_nor_finds_a_partners_list(
    lists: Lists, session: Session, clock: FixedClock
) -> None:
    number = lists.submit(lists.first)
    germany = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_countries=["DE"])
    with pytest.raises(NotFound):
        lists.view(number, germany)
    assert priorities.list_priority_lists(session, actor=germany) == []
    officers = priorities.list_priority_lists(
        session, actor=lists.officer, application_reference=lists.first.reference
    )
    assert [found.number for found in officers] == [number]
    with pytest.raises(InvalidInput) as unknown:
        lists.desk("urgent")
    assert unknown.value.code == "queue.unknown_priority"
