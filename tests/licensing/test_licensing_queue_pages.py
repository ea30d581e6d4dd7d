"""The review queue a page at a time, on both backends: every open case is reached exactly
once in the stated order, whatever the page size; each page costs the same number of queries
however many cases are open; bad limits and foreign tokens are refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import InvalidInput
from rarex.licensing import queue, review
from rarex.licensing.states import Action
from rarex.pagination import encode_token
from tests.factories import filed_and_accepted, make_actor, make_company


def _open_cases(
    session: Session, clock: FixedClock, settings: Settings, officer: Actor, count: int
) -> dict[object, Actor]:
    """``count`` cases accepted on different days, some in the green lane; their applicants
    by case id."""
    applicants: dict[object, Actor] = {}
    for i in range(count):
        company = make_company(session, clock)
        exporter = make_actor(session, clock, Role.EXPORTER, company=company)
        application = filed_and_accepted(
            session,
            clock,
            settings,
            exporter,
            officer,
            **({} if i % 3 else {"end_use_category": "other_unspecified"}),
        )
        applicants[application.id] = exporter
        clock.advance(timedelta(days=1 + i % 2))
    return applicants


@contextmanager
def _counting(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


def _all_pages(
    session: Session, clock: FixedClock, settings: Settings, officer: Actor, limit: int
) -> list[str]:
    seen: list[str] = []
    token = None
    while True:
        page = queue.review_queue(
            session, actor=officer, clock=clock, settings=settings, limit=limit, page_token=token
        )
        seen.extend(item.reference for item in page.items)
        assert page.total is not None
        assert len(page.items) <= limit
        token = page.next_page_token
        if token is None:
            assert len(seen) == page.total
            return seen


def test_paging_reaches_every_open_case_once_in_the_stated_order(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    _open_cases(session, clock, settings, officer, 8)
    whole = queue.review_queue(session, actor=officer, clock=clock, settings=settings, limit=200)
    assert whole.next_page_token is None
    assert whole.total == len(whole.items) == 8
    assert whole.order == "lane,due_on,reference"
    lanes = [item.lane for item in whole.items]
    assert lanes == sorted(lanes, key=lambda lane: lane != "green")
    for lane in ("green", "ordinary"):
        due = [item.due_on for item in whole.items if item.lane == lane]
        assert due == sorted(due)  # type: ignore[type-var]
    expected = [item.reference for item in whole.items]
    for limit in (1, 3, 7, 8):
        assert _all_pages(session, clock, settings, officer, limit) == expected


def test_a_page_costs_the_same_queries_however_many_cases_are_open(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    _open_cases(session, clock, settings, officer, 4)
    queue.review_queue(session, actor=officer, clock=clock, settings=settings, limit=3)
    with _counting(session) as few:
        queue.review_queue(session, actor=officer, clock=clock, settings=settings, limit=3)
    _open_cases(session, clock, settings, officer, 8)
    with _counting(session) as many:
        page = queue.review_queue(session, actor=officer, clock=clock, settings=settings, limit=3)
    assert page.total == 12
    assert len(few) == len(many) <= 6, many


def test_bad_limits_and_tokens_are_refused_with_their_own_codes(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    for limit in (0, -1, 201):
        with pytest.raises(InvalidInput) as refused:
            queue.review_queue(session, actor=officer, clock=clock, settings=settings, limit=limit)
        assert refused.value.code == "pagination.bad_limit"
    for token in ("not a token", encode_token("number", ("X",)), "e30", "x" * 5000):
        with pytest.raises(InvalidInput) as refused:
            queue.review_queue(
                session, actor=officer, clock=clock, settings=settings, page_token=token
            )
        assert refused.value.code == "pagination.bad_token"


def test_a_case_leaving_the_queue_between_pages_makes_none_skip_or_repeat(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    applicants = _open_cases(session, clock, settings, officer, 6)
    first = queue.review_queue(session, actor=officer, clock=clock, settings=settings, limit=3)
    gone = first.items[0]
    review.transition(
        session,
        actor=applicants[gone.id],
        clock=clock,
        settings=settings,
        application_id=gone.id,
        action=Action.WITHDRAW,
    )
    rest = queue.review_queue(
        session,
        actor=officer,
        clock=clock,
        settings=settings,
        limit=10,
        page_token=first.next_page_token,
    )
    assert rest.total == 5
    firsts = {item.reference for item in first.items}
    assert not firsts & {item.reference for item in rest.items}
    assert len(first.items) + len(rest.items) == 6
