"""When the authority owes a partner an answer: the reply target of an inquiry, in official
working days on the statutory clock's calendar, from the partner's first unanswered message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from rarex.clock import authority_date, end_of_authority_day
from rarex.config import Settings
from rarex.licensing.calendar import WorkingCalendar
from rarex.licensing.calendar_store import working_calendar
from rarex.models import Inquiry
from rarex.partners.inquiry_states import InquiryState


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """When the authority's answer is due, and from which day a case counts as overdue."""

    working_days: int
    calendar: WorkingCalendar

    def due_on(self, inquiry: Inquiry) -> date | None:
        if inquiry.state != InquiryState.AWAITING_AUTHORITY or inquiry.awaiting_since is None:
            return None
        return self.calendar.add_working_days(
            authority_date(inquiry.awaiting_since), self.working_days
        )

    def latest_overdue_start(self, today: date) -> date:
        """The last day an unanswered message could have come and be overdue today: the due
        date only grows with the start, so step back until it falls before today."""
        start = today - timedelta(days=1)
        while self.calendar.add_working_days(start, self.working_days) >= today:
            start -= timedelta(days=1)
        return start

    def overdue(self, today: date) -> ColumnElement[bool]:
        """The inquiries past their target today, as a query condition: ``due_on`` and
        ``reply_overdue`` say the same of one inquiry."""
        return and_(
            Inquiry.state == InquiryState.AWAITING_AUTHORITY.value,
            Inquiry.awaiting_since < end_of_authority_day(self.latest_overdue_start(today)),
        )


def reply_target(session: Session, settings: Settings) -> ReplyTarget:
    return ReplyTarget(settings.inquiry_reply_working_days, working_calendar(session))
