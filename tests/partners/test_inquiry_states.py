"""The inquiry's turns, against a model of them written from the issue's words rather than
from the table: the side that writes hands the turn to the other, either closes, nothing
follows a close, and the reply target counts from the partner's first unanswered message."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.partners.inquiry_states import (
    IllegalInquiryStep,
    InquiryAction,
    InquiryState,
    Side,
    Turn,
    reply_overdue,
    step,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
moves = st.lists(st.tuples(st.sampled_from(InquiryAction), st.sampled_from(Side)), max_size=12)


@given(moves)
def test_whoever_writes_hands_the_turn_over_and_a_close_is_final(
    sequence: list[tuple[InquiryAction, Side]],
) -> None:
    turn = Turn(InquiryState.AWAITING_AUTHORITY, START)  # opened by the partner
    closed = False
    first_unanswered: datetime | None = START
    for minute, (action, side) in enumerate(sequence, start=1):
        at = START + timedelta(minutes=minute)
        if closed:
            with pytest.raises(IllegalInquiryStep):
                step(turn, action, side, at=at)
            continue
        turn = step(turn, action, side, at=at)
        if action is InquiryAction.CLOSE:
            closed = True
            first_unanswered = None
            assert turn.state is InquiryState.CLOSED
        elif side is Side.PARTNER:
            first_unanswered = first_unanswered or at
            assert turn.state is InquiryState.AWAITING_AUTHORITY
        else:
            first_unanswered = None
            assert turn.state is InquiryState.AWAITING_PARTNER
        assert turn.awaiting_since == first_unanswered


def test_a_reply_is_overdue_only_after_its_target_day() -> None:
    due = date(2026, 3, 9)
    assert not reply_overdue(due, date(2026, 3, 8))
    assert not reply_overdue(due, due)
    assert reply_overdue(due, date(2026, 3, 10))
    assert not reply_overdue(None, date(2030, 1, 1))
