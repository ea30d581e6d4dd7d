"""The officers' desk queues (issue 12), on both backends: each case is in the queues its
state, lane and clock put it in, and only those; the counts are the queues' lengths under the
same narrowing; every order pages through each case once, in order; the filters narrow by
lane, destination, control code and exporter; bad queries are refused with their codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import Forbidden, InvalidInput
from rarex.licensing import filing, queue, review
from rarex.licensing.queue import DeskQuery
from rarex.licensing.states import Action
from tests.factories import (
    application_data,
    attach_required_documents,
    filed_and_accepted,
    make_actor,
    make_company,
)


def _submitted(
    session: Session, clock: FixedClock, settings: Settings, exporter: Actor, **data: Any
) -> Any:
    draft = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings, data=application_data(**data)
    )
    attach_required_documents(session, clock, settings, exporter, draft)
    review.transition(
        session, actor=exporter, clock=clock, settings=settings, application_id=draft.id,
        action=Action.SUBMIT,
    )  # fmt: skip
    return draft


@pytest.fixture
def desk(session: Session, clock: FixedClock, settings: Settings) -> dict[str, Any]:
    """A caseload with one case (at least) in each queue, named by what it shows."""
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    ganzhou = make_company(session, clock, name="Ganzhou Rare Earth Trading")
    baotou = make_company(session, clock, name="Baotou Magnet Materials")
    g = make_actor(session, clock, Role.EXPORTER, company=ganzhou)
    b = make_actor(session, clock, Role.EXPORTER, company=baotou)
    cases: dict[str, Any] = {}
    cases["old"] = filed_and_accepted(session, clock, settings, g, officer)
    clock.advance(timedelta(days=70))  # "old" is now past its 45 working days
    cases["asked"] = filed_and_accepted(session, clock, settings, b, officer)
    review.transition(
        session, actor=officer, clock=clock, settings=settings, application_id=cases["asked"].id,
        action=Action.REQUEST_INFORMATION, reason="Send photos",
    )  # fmt: skip
    cases["fresh"] = filed_and_accepted(
        session, clock, settings, b, officer,
        end_user={"name": "Lyon Moteurs SA", "country": "FR"},
        lines=[{"control_code": "1C904.a", "hs_code": "2805301300", "quantity_kg": "20",
                "value": "9000", "currency": "EUR"}],
    )  # fmt: skip
    cases["consulting"] = filed_and_accepted(session, clock, settings, g, officer)
    review.transition(
        session, actor=officer, clock=clock, settings=settings,
        application_id=cases["consulting"].id, action=Action.START_CONSULTATION,
        reason="Ask the ministry",
    )  # fmt: skip
    cases["new_g"] = _submitted(session, clock, settings, g)
    clock.advance(timedelta(hours=1))
    cases["new_b"] = _submitted(session, clock, settings, b)
    return {"officer": officer, "cases": cases}


def _refs(page: Any) -> list[str]:
    return [item.reference for item in page.items]


def _ask(session: Session, clock: FixedClock, settings: Settings, officer: Actor, **kw: Any) -> Any:
    limit = kw.pop("limit", None)
    token = kw.pop("page_token", None)
    return queue.desk_queue(
        session, actor=officer, clock=clock, settings=settings, query=DeskQuery(**kw),
        limit=limit, page_token=token,
    )  # fmt: skip


def test_each_case_is_in_the_queues_its_state_and_clock_put_it_in(
    session: Session, clock: FixedClock, settings: Settings, desk: dict[str, Any]
) -> None:
    cases, officer = desk["cases"], desk["officer"]
    ref = {name: case.reference for name, case in cases.items()}
    page, counts = _ask(session, clock, settings, officer, queue="intake", sort="filed")
    assert _refs(page) == [ref["new_g"], ref["new_b"]]  # first submitted first
    lanes = set()
    for lane in ("green", "ordinary"):
        held, _ = _ask(session, clock, settings, officer, queue=lane)
        lanes |= set(_refs(held))
        assert all(item.lane == lane for item in held.items)
    assert lanes == {ref["old"], ref["asked"], ref["fresh"], ref["consulting"]}
    overdue, _ = _ask(session, clock, settings, officer, queue="overdue")
    assert _refs(overdue) == [ref["old"]]
    assert overdue.items[0].overdue
    waiting, _ = _ask(session, clock, settings, officer, queue="waiting")
    assert _refs(waiting) == [ref["asked"]]
    consulting, _ = _ask(session, clock, settings, officer, queue="consultation")
    assert _refs(consulting) == [ref["consulting"]]
    referred, _ = _ask(session, clock, settings, officer, queue="referred")
    assert _refs(referred) == []
    for name in queue.DESK_QUEUES:
        held, _ = _ask(session, clock, settings, officer, queue=name, limit=200)
        assert counts[name] == held.total == len(held.items), name


def test_at_risk_is_the_running_cases_due_within_the_window(
    session: Session, clock: FixedClock, settings: Settings, desk: dict[str, Any]
) -> None:
    officer = desk["officer"]
    fresh = desk["cases"]["fresh"]

    def left() -> int:
        held, _ = _ask(session, clock, settings, officer, queue=fresh.lane, limit=200)
        (item,) = [i for i in held.items if i.reference == fresh.reference]
        return int(item.working_days_left)

    assert left() > settings.at_risk_working_days
    at_risk, _ = _ask(session, clock, settings, officer, queue="at_risk")
    assert fresh.reference not in _refs(at_risk)
    for _ in range(120):  # day by day until its working days left enter the window
        clock.advance(timedelta(days=1))
        if left() <= settings.at_risk_working_days:
            break
    at_risk, _ = _ask(session, clock, settings, officer, queue="at_risk")
    items = {item.reference: item for item in at_risk.items}
    assert fresh.reference in items
    assert items[fresh.reference].at_risk
    assert all(
        item.working_days_left is not None
        and item.working_days_left <= settings.at_risk_working_days
        for item in at_risk.items
    )


@pytest.mark.parametrize("sort", queue.DESK_SORTS)
def test_every_order_pages_through_each_case_once_in_order(
    session: Session, clock: FixedClock, settings: Settings, desk: dict[str, Any], sort: str
) -> None:
    officer = desk["officer"]
    whole, _ = _ask(session, clock, settings, officer, queue="green", sort=sort, limit=200)
    whole_o, _ = _ask(session, clock, settings, officer, queue="ordinary", sort=sort, limit=200)
    for name, everything in (("green", whole), ("ordinary", whole_o)):
        seen: list[str] = []
        token = None
        while True:
            page, _ = _ask(
                session, clock, settings, officer, queue=name, sort=sort, limit=1,
                page_token=token,
            )  # fmt: skip
            seen += _refs(page)
            token = page.next_page_token
            if token is None:
                break
        assert seen == _refs(everything)
    keys = {
        "due": lambda i: (i.due_on, i.reference),
        "filed": None,
        "exporter": lambda i: (i.exporter, i.reference),
        "destination": lambda i: (i.destination, i.reference),
    }[sort]
    if keys is not None:
        for everything in (whole, whole_o):
            assert everything.items == sorted(everything.items, key=keys)


def test_filters_narrow_every_queue_alike(
    session: Session, clock: FixedClock, settings: Settings, desk: dict[str, Any]
) -> None:
    officer, cases = desk["officer"], desk["cases"]
    by_code, counts = _ask(
        session, clock, settings, officer, queue="ordinary", control_code="1c904.a"
    )
    in_lanes, _ = _ask(session, clock, settings, officer, queue="green", control_code="1C904.a")
    assert set(_refs(by_code)) | set(_refs(in_lanes)) == {cases["fresh"].reference}
    assert counts["intake"] == 0  # the submitted cases are all dysprosium
    france, _ = _ask(session, clock, settings, officer, queue="ordinary", destination="fr")
    green_fr, _ = _ask(session, clock, settings, officer, queue="green", destination="FR")
    assert set(_refs(france)) | set(_refs(green_fr)) == {cases["fresh"].reference}
    baotou, counts = _ask(session, clock, settings, officer, queue="intake", exporter="baotou")
    assert _refs(baotou) == [cases["new_b"].reference]
    assert counts["waiting"] == 1  # asked is Baotou's
    assert counts["consultation"] == 0  # consulting is Ganzhou's
    _, green_only = _ask(session, clock, settings, officer, queue="intake", lane="green")
    assert green_only["ordinary"] == 0


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"queue": "everything"}, "queue.unknown_queue"),
        ({"sort": "price"}, "queue.unknown_sort"),
        ({"lane": "fast"}, "application.unknown_lane"),
        ({"control_code": "9Z"}, "catalog.malformed_control_code"),
    ],
)
def test_bad_queries_are_refused_with_their_codes(
    session: Session, clock: FixedClock, settings: Settings, query: dict[str, str], code: str
) -> None:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    with pytest.raises(InvalidInput) as refused:
        _ask(session, clock, settings, officer, **query)
    assert refused.value.code == code


def test_only_the_authority_sees_the_desk(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    for role in (Role.EXPORTER, Role.CUSTOMS_OFFICER, Role.ANALYST):
        company = make_company(session, clock) if role is Role.EXPORTER else None
        with pytest.raises(Forbidden):
            _ask(session, clock, settings, make_actor(session, clock, role, company=company))


def test_lane_performance_by_month_counts_each_decision_in_its_month_and_lane(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    from decimal import Decimal
    from statistics import median

    from rarex.licensing import views
    from tests.factories import approve

    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    decided: list[Any] = []
    for days in (3, 10, 40):  # decided in June, June and July
        case = filed_and_accepted(session, clock, settings, exporter, officer)
        clock.advance(timedelta(days=days))
        approve(session, clock, settings, officer, case)
        decided.append(case)
    months = queue.lane_performance_by_month(session, actor=officer, clock=clock, settings=settings)
    expected: dict[tuple[str, str], list[int]] = {}
    for case in decided:
        view = views.application_view(
            session, actor=officer, clock=clock, settings=settings, key=case.id
        )
        assert view.decided_on is not None
        assert view.clock is not None
        expected.setdefault((f"{view.decided_on:%Y-%m}", view.lane), []).append(view.clock["used"])
    assert {(m.period, m.lane): m.decided for m in months} == {
        key: len(used) for key, used in expected.items()
    }
    for month in months:
        assert month.median_working_days == Decimal(
            str(median(expected[(month.period, month.lane)]))
        )
        assert (month.target_working_days is None) == (month.lane != "green")
    assert [m.period for m in months] == sorted((m.period for m in months), reverse=True)
    with pytest.raises(Forbidden):
        queue.lane_performance_by_month(session, actor=exporter, clock=clock, settings=settings)
