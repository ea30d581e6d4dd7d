"""An inquiry's turns as data: who writes moves the turn to the other side, either side may
close, and a closed inquiry takes nothing more. Pure.

The reply target runs while the authority owes an answer: from the partner's first unanswered
message (a second message before the answer does not restart it) until an officer writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final


class InquiryState(StrEnum):
    AWAITING_AUTHORITY = "awaiting_authority"
    AWAITING_PARTNER = "awaiting_partner"
    CLOSED = "closed"


class Side(StrEnum):
    PARTNER = "partner"
    AUTHORITY = "authority"


class InquiryAction(StrEnum):
    WRITE = "write"
    CLOSE = "close"


# state -> action -> side -> next state; what is missing is refused.
TRANSITIONS: Final[dict[InquiryState, dict[InquiryAction, dict[Side, InquiryState]]]] = {
    InquiryState.AWAITING_AUTHORITY: {
        InquiryAction.WRITE: {
            Side.PARTNER: InquiryState.AWAITING_AUTHORITY,
            Side.AUTHORITY: InquiryState.AWAITING_PARTNER,
        },
        InquiryAction.CLOSE: {
            Side.PARTNER: InquiryState.CLOSED,
            Side.AUTHORITY: InquiryState.CLOSED,
        },
    },
    InquiryState.AWAITING_PARTNER: {
        InquiryAction.WRITE: {
            Side.PARTNER: InquiryState.AWAITING_AUTHORITY,
            Side.AUTHORITY: InquiryState.AWAITING_PARTNER,
        },
        InquiryAction.CLOSE: {
            Side.PARTNER: InquiryState.CLOSED,
            Side.AUTHORITY: InquiryState.CLOSED,
        },
    },
    InquiryState.CLOSED: {},
}


class IllegalInquiryStep(Exception):
    def __init__(self, state: InquiryState, action: InquiryAction, side: Side) -> None:
        super().__init__(f"the {side.value} cannot {action.value} an inquiry that is {state.value}")
        self.state, self.action, self.side = state, action, side


@dataclass(frozen=True, slots=True)
class Turn:
    """Where an inquiry stands: its state and since when the authority owes a reply."""

    state: InquiryState
    awaiting_since: datetime | None


def step(turn: Turn, action: InquiryAction, side: Side, *, at: datetime) -> Turn:
    """The turn after ``side`` does ``action`` at ``at``; an illegal step raises."""
    following = TRANSITIONS[turn.state].get(action, {}).get(side)
    if following is None:
        raise IllegalInquiryStep(turn.state, action, side)
    if following is InquiryState.AWAITING_AUTHORITY:
        return Turn(following, turn.awaiting_since or at)
    return Turn(following, None)


def reply_overdue(due_on: date | None, today: date) -> bool:
    """Past its target: the day after the target day has come with no answer."""
    return due_on is not None and today > due_on
