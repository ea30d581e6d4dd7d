"""Inquiries between a partner authority and the licensing authority: who may open, read,
write and close, whose turn it is, the reply target on the official calendar, and the audit
of every message."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from rarex.audit.service import events_for
from rarex.auth.roles import Actor, Role
from rarex.auth.service import declare_conflict
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import DomainError, Forbidden, InvalidInput, InvalidTransition, NotFound
from rarex.models import Application
from rarex.partners import inquiries
from tests.factories import filed_and_accepted, make_actor, make_company, parties_in


class Desk:
    """An EU partner desk, the licensing desk, and a case to Germany and one to the US."""

    def __init__(self, session: Session, clock: FixedClock, settings: Settings) -> None:
        self.session, self.clock, self.settings = session, clock, settings
        self.officer = make_actor(session, clock, Role.LICENSING_OFFICER)
        self.company = make_company(session, clock)
        self.exporter = make_actor(session, clock, Role.EXPORTER, company=self.company)
        self.eu = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
        self.to_de = filed_and_accepted(session, clock, settings, self.exporter, self.officer)
        self.to_us = filed_and_accepted(
            session, clock, settings, self.exporter, self.officer, destination="US",
            **parties_in("US"),
        )  # fmt: skip

    def open(self, actor: Actor, about: Application | None = None, body: str = "Status?") -> str:
        inquiry = inquiries.open_inquiry(
            self.session, actor=actor, clock=self.clock, settings=self.settings,
            subject="Magnet exports to Stuttgart", body=body,
            application_reference=about.reference if about else None,
        )  # fmt: skip
        return inquiry.number

    def write(self, actor: Actor, number: str, body: str) -> None:
        inquiries.write(
            self.session,
            actor=actor,
            clock=self.clock,
            settings=self.settings,
            number=number,
            body=body,
        )

    def view(self, actor: Actor, number: str) -> inquiries.InquiryRead:
        return inquiries.inquiry_view(
            self.session, actor=actor, clock=self.clock, settings=self.settings, number=number
        )

    def listed(self, actor: Actor, **filters: object) -> list[str]:
        page = inquiries.list_inquiries(
            self.session, actor=actor, clock=self.clock, settings=self.settings,
            **filters,  # type: ignore[arg-type]
        )  # fmt: skip
        return [item.number for item in page.items]


@pytest.fixture
def desk(session: Session, clock: FixedClock, settings: Settings) -> Desk:
    return Desk(session, clock, settings)


def test_a_partner_asks_an_officer_answers_and_the_partner_reads_the_authority_not_the_officer(
    desk: Desk,
) -> None:
    number = desk.open(desk.eu, desk.to_de, "When will this case be decided?")
    assert desk.view(desk.eu, number).state == "awaiting_authority"
    desk.clock.advance(timedelta(hours=3))
    desk.write(desk.officer, number, "Within the statutory 45 working days; review is under way.")
    seen = desk.view(desk.eu, number)
    assert (seen.state, seen.application_reference, seen.partner) == (
        "awaiting_partner", desk.to_de.reference, "EU"
    )  # fmt: skip
    assert [(m.seq, m.side, m.author) for m in seen.thread] == [
        (1, "partner", desk.eu.username), (2, "authority", "authority")
    ]  # fmt: skip
    assert desk.officer.username not in seen.model_dump_json()
    # the authority reads who answered
    assert desk.view(desk.officer, number).thread[1].author == desk.officer.username
    inquiries.close(desk.session, actor=desk.eu, clock=desk.clock, number=number, reason="clear")
    with pytest.raises(InvalidTransition) as closed:
        desk.write(desk.officer, number, "one more thing")
    assert closed.value.code == "inquiry.closed"
    assert [e.action for e in events_for(desk.session, subject_id=str(_id(desk, number)))] == [
        "inquiry.open", "inquiry.write", "inquiry.close"
    ]  # fmt: skip


def _id(desk: Desk, number: str) -> object:
    from rarex.partners.repository import inquiry_by_number

    found = inquiry_by_number(desk.session, number)
    assert found is not None
    return found.id


def test_a_partner_writing_again_is_still_the_partner_and_the_turn_stays_with_the_authority(
    desk: Desk,
) -> None:
    number = desk.open(desk.eu, desk.to_de)
    desk.clock.advance(timedelta(days=2))
    desk.write(desk.eu, number, "Answering my own question as the authority: approved.")
    seen = desk.view(desk.eu, number)
    assert seen.state == "awaiting_authority"
    assert [m.side for m in seen.thread] == ["partner", "partner"]
    # the reply target still counts from the first, unanswered, message
    assert seen.reply_due_on == date(2025, 6, 9)


def test_only_the_case_s_partner_opens_an_inquiry_about_it_and_only_its_desk_reads_it(
    desk: Desk, session: Session, clock: FixedClock
) -> None:
    with pytest.raises(NotFound) as elsewhere:
        desk.open(desk.eu, desk.to_us)
    assert elsewhere.value.code == "application.not_found"
    general = desk.open(desk.eu)  # a general inquiry, about no case
    assert desk.view(desk.eu, general).application_reference is None
    colleague = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["eu"])
    assert desk.listed(colleague) == [general]  # the same desk: the EU's
    for outsider in (
        make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_countries=["DE"]),
        desk.exporter,
        make_actor(session, clock, Role.CUSTOMS_OFFICER),
    ):
        with pytest.raises(NotFound) as hidden:
            desk.view(outsider, general)
        assert hidden.value.code == "inquiry.not_found"
    with pytest.raises(Forbidden):
        desk.open(desk.officer)  # inquiries are the partner's to open


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.PARTNER_AUTHORITY])
def test_nobody_but_a_licensing_officer_answers_for_the_authority(
    desk: Desk, session: Session, clock: FixedClock, role: Role
) -> None:
    number = desk.open(desk.eu, desk.to_de)
    if role is Role.ADMINISTRATOR:
        admin = make_actor(session, clock, role)
        assert desk.view(admin, number).number == number  # reads, but does not answer
        with pytest.raises(Forbidden) as refused:
            desk.write(admin, number, "an answer")
        assert refused.value.code == "auth.role_required"
    else:
        desk.write(desk.eu, number, "an answer")
        assert desk.view(desk.officer, number).state == "awaiting_authority"


def test_an_officer_with_a_conflict_in_the_case_does_not_answer_about_it(
    desk: Desk, session: Session, clock: FixedClock
) -> None:
    number = desk.open(desk.eu, desk.to_de)
    linked = make_actor(session, clock, Role.LICENSING_OFFICER)
    declare_conflict(
        session, clock=clock, actor=None, user_id=linked.user_id, company_id=desk.company.id,
        reason="former employee",
    )  # fmt: skip
    with pytest.raises(Forbidden) as refused:
        desk.write(linked, number, "All fine.")
    assert refused.value.code == "auth.conflict_of_interest"
    assert desk.view(desk.officer, number).messages == 1


@pytest.mark.parametrize(
    ("subject", "body", "code"),
    [("Status", "   ", "inquiry.empty"), ("  ", "A question", "inquiry.empty")],
)
def test_an_empty_subject_or_message_is_refused_and_nothing_is_stored(
    desk: Desk, subject: str, body: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        inquiries.open_inquiry(
            desk.session,
            actor=desk.eu,
            clock=desk.clock,
            settings=desk.settings,
            subject=subject,
            body=body,
        )
    assert refused.value.code == code
    assert desk.listed(desk.eu) == []


def test_an_unknown_state_filter_is_an_error(desk: Desk) -> None:
    with pytest.raises(DomainError) as refused:
        desk.listed(desk.officer, state="pending")
    assert refused.value.code == "inquiry.unknown_state"


# The 2025 National Day and Mid-Autumn holiday, from the State Council's notice of 4 November
# 2024 (written here by hand, not read from the calendar under test): 1-8 October off,
# Sunday 28 September and Saturday 11 October worked instead.
OPENED = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)  # Tuesday 30 September, 10:00 in Beijing
NOT_YET = [date(2025, 10, d) for d in (1, 5, 8, 9, 10, 11, 12, 13, 14)]
OVERDUE = [date(2025, 10, 15), date(2025, 10, 16), date(2025, 10, 18)]


def test_an_inquiry_unanswered_for_six_working_days_across_the_national_day_holiday_is_overdue(
    desk: Desk, clock: FixedClock
) -> None:
    """Working days after 30 September: 9 October (1), 10 (2), Saturday 11 (3, a make-up
    day), 13 (4), 14 (5: the target), 15 (6: overdue)."""
    clock.set(OPENED)
    number = desk.open(desk.eu, desk.to_de)
    for day in NOT_YET + OVERDUE:
        clock.set(datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC))
        seen = desk.view(desk.officer, number)
        expected = day in OVERDUE
        assert (seen.reply_due_on, seen.overdue) == (date(2025, 10, 14), expected), day
        assert desk.listed(desk.officer, overdue=True) == ([number] if expected else []), day
        assert desk.listed(desk.eu, overdue=True) == ([number] if expected else []), day
        count = inquiries.overdue_count(
            desk.session, actor=desk.officer, clock=clock, settings=desk.settings
        )
        assert count == int(expected)
    desk.write(desk.officer, number, "Sorry for the delay: approved today.")
    assert not desk.view(desk.eu, number).overdue
    assert desk.listed(desk.officer, overdue=True) == []


def test_the_reply_target_is_configurable(desk: Desk, clock: FixedClock) -> None:
    clock.set(OPENED)
    number = desk.open(desk.eu, desk.to_de)
    two_days = desk.settings.model_copy(update={"inquiry_reply_working_days": 2})
    seen = inquiries.inquiry_view(
        desk.session, actor=desk.eu, clock=clock, settings=two_days, number=number
    )
    assert seen.reply_due_on == date(2025, 10, 10)
