"""Where a declaration line stands and which officer actions move it. Pure.

A line is checked when declared: *cleared* (its goods go, its license balance is drawn),
*held* for an officer (a mismatch to look at; nothing drawn yet) or *refused* (it may not go).
An officer releases or refuses a held line and may hold a cleared one (the balance comes back);
cancelling a declaration, or amending it, takes its lines out and restores what they drew.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from rarex.errors import InvalidTransition


class LineStatus(StrEnum):
    CLEARED = "cleared"
    HELD = "held"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class DeclarationStatus(StrEnum):
    CLEARED = "cleared"
    HELD = "held"
    REFUSED = "refused"
    PARTIALLY_CLEARED = "partially_cleared"
    CANCELLED = "cancelled"


class LineAction(StrEnum):
    HOLD = "hold"
    RELEASE = "release"
    REFUSE = "refuse"
    CANCEL = "cancel"


TRANSITIONS: dict[LineStatus, dict[LineAction, LineStatus]] = {
    LineStatus.CLEARED: {LineAction.HOLD: LineStatus.HELD, LineAction.CANCEL: LineStatus.CANCELLED},
    LineStatus.HELD: {
        LineAction.RELEASE: LineStatus.CLEARED,
        LineAction.REFUSE: LineStatus.REFUSED,
        LineAction.CANCEL: LineStatus.CANCELLED,
    },
    LineStatus.REFUSED: {LineAction.CANCEL: LineStatus.CANCELLED},
    LineStatus.CANCELLED: {},
}

# Actions an officer takes on one line; cancellation is of the whole declaration.
LINE_ACTIONS = (LineAction.HOLD, LineAction.RELEASE, LineAction.REFUSE)


def next_status(current: LineStatus, action: LineAction, *, line_no: int) -> LineStatus:
    """The status after ``action``; raises ``customs.illegal_transition`` naming what is allowed."""
    moves = TRANSITIONS[current]
    if action not in moves:
        allowed = ", ".join(a.value for a in moves) or "nothing"
        raise InvalidTransition(
            f"line {line_no} is {current.value}: cannot {action.value} it (allowed: {allowed})",
            code="customs.illegal_transition",
            line=line_no,
            status=current.value,
            action=action.value,
        )
    return moves[action]


def declaration_status(lines: Iterable[LineStatus]) -> DeclarationStatus:
    """The declaration's standing from its current lines.

    Any held line holds the declaration (an officer must act); all cleared is cleared, all
    refused is refused, a mix of cleared and refused lines is partially cleared, and a
    declaration whose every line is cancelled is cancelled.
    """
    statuses = set(lines)
    live = statuses - {LineStatus.CANCELLED}
    if not live:
        return DeclarationStatus.CANCELLED
    if LineStatus.HELD in live:
        return DeclarationStatus.HELD
    if live == {LineStatus.CLEARED}:
        return DeclarationStatus.CLEARED
    if live == {LineStatus.REFUSED}:
        return DeclarationStatus.REFUSED
    return DeclarationStatus.PARTIALLY_CLEARED
