"""The partner channel's notifications: who is told of an inquiry, a reply, an overdue reply
and a priority decision, in their language, and what a partner's mail never says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models import Notification
from rarex.notify.service import followers_of
from rarex.partners import inquiries, priorities
from rarex.partners.notices import remind_overdue_inquiries
from rarex.partners.schemas import PriorityDecisionIn, PriorityListIn
from tests.factories import approve, filed_and_accepted, make_actor, make_company


class Channel:
    def __init__(self, session: Session, clock: FixedClock, settings: Settings) -> None:
        self.session, self.clock, self.settings = session, clock, settings
        self.officers = [make_actor(session, clock, Role.LICENSING_OFFICER) for _ in range(2)]
        exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
        self.eu = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
        self.eu_zh = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"],
                                language="zh")  # fmt: skip
        self.france = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_countries=["FR"])
        self.case = filed_and_accepted(session, clock, settings, exporter, self.officers[0])

    def received(self, user: Actor, kind: str | None = None) -> list[Notification]:
        query = select(Notification).where(Notification.user_id == user.user_id)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return list(self.session.scalars(query.order_by(Notification.created_at)))

    def open(self) -> str:
        return inquiries.open_inquiry(
            self.session, actor=self.eu, clock=self.clock, settings=self.settings,
            subject="Status", body="When?", application_reference=self.case.reference,
        ).number  # fmt: skip

    def write(self, actor: Actor, number: str, body: str = "Soon.") -> None:
        inquiries.write(self.session, actor=actor, clock=self.clock, settings=self.settings,
                        number=number, body=body)  # fmt: skip


@pytest.fixture
def channel(session: Session, clock: FixedClock, settings: Settings) -> Channel:
    return Channel(session, clock, settings)


def test_an_inquiry_tells_the_officers_and_a_reply_tells_the_partner_desk_in_its_language(
    channel: Channel,
) -> None:
    number = channel.open()
    for officer in channel.officers:
        (opened,) = channel.received(officer, "inquiry_opened")
        assert channel.case.reference in opened.subject + opened.body
        assert f"/officer/inquiries/{number}" in opened.body
    assert channel.received(channel.eu) == []  # the opener is not told of its own step
    assert channel.eu.user_id in followers_of(channel.session, application_id=channel.case.id)
    channel.write(channel.officers[1], number, "It is under review.")
    (english,) = channel.received(channel.eu, "inquiry_reply")
    (chinese,) = channel.received(channel.eu_zh, "inquiry_reply")
    assert (english.language, chinese.language) == ("en", "zh")
    assert f"/partner/inquiries/{number}" in english.body
    for mail in (english, chinese):
        assert channel.officers[1].username not in mail.subject + mail.body
    assert channel.received(channel.france) == []  # another desk
    channel.write(channel.eu, number, "Thank you; and the second shipment?")
    assert len(channel.received(channel.officers[1], "inquiry_reply")) == 1  # who answered
    assert channel.received(channel.officers[0], "inquiry_reply") == []


def test_a_priority_decision_tells_the_desk_and_a_listed_case_is_followed(
    channel: Channel,
) -> None:
    request = priorities.submit_priority_list(
        channel.session, actor=channel.eu, clock=channel.clock,
        data=PriorityListIn.model_validate(
            {"items": [{"application_reference": channel.case.reference, "reason": "urgent"}]}
        ),
    )  # fmt: skip
    (item,) = priorities.priority_list_view(
        channel.session, actor=channel.eu, number=request.number
    ).items
    priorities.decide_priority_item(
        channel.session, actor=channel.officers[0], clock=channel.clock,
        settings=channel.settings, item_id=item.id,
        data=PriorityDecisionIn(outcome="declined", reason="not more urgent"),
    )  # fmt: skip
    for partner in (channel.eu, channel.eu_zh):
        (told,) = channel.received(partner, "priority_decided")
        assert channel.case.reference in told.subject + told.body
    approve(channel.session, channel.clock, channel.settings, channel.officers[0], channel.case)
    (decision,) = channel.received(channel.eu, "decision")
    assert channel.case.reference in decision.subject


# the 2025 National Day holiday (see test_inquiries.py): opened 30 September, due 14 October
def test_an_overdue_inquiry_is_announced_once_per_wait_to_both_sides(
    channel: Channel, clock: FixedClock
) -> None:
    clock.set(datetime(2025, 9, 30, 2, 0, tzinfo=UTC))
    number = channel.open()
    clock.set(datetime(2025, 10, 14, 8, 0, tzinfo=UTC))
    assert remind_overdue_inquiries(channel.session, clock=clock, settings=channel.settings) == 0
    clock.set(datetime(2025, 10, 15, 1, 0, tzinfo=UTC))
    assert remind_overdue_inquiries(channel.session, clock=clock, settings=channel.settings) == 1
    assert remind_overdue_inquiries(channel.session, clock=clock, settings=channel.settings) == 0
    for user in (*channel.officers, channel.eu, channel.eu_zh):
        assert len(channel.received(user, "inquiry_overdue")) == 1
    channel.write(channel.officers[0], number, "Sorry; approved today.")
    channel.write(channel.eu, number, "And the licence number?")  # a new wait begins
    clock.set(datetime(2025, 10, 23, 1, 0, tzinfo=UTC))
    assert remind_overdue_inquiries(channel.session, clock=clock, settings=channel.settings) == 1
    assert len(channel.received(channel.eu, "inquiry_overdue")) == 2
