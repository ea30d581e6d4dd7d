"""The application workflow as data. Anything not in ``TRANSITIONS`` is illegal and raises."""

from __future__ import annotations

from enum import StrEnum

from rarex.auth.roles import Role
from rarex.errors import InvalidTransition


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    UNDER_REVIEW = "under_review"
    INFORMATION_REQUESTED = "information_requested"
    CONSULTATION = "consultation"
    REFERRED = "referred"
    APPROVED = "approved"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    RETURN = "return"
    START_REVIEW = "start_review"
    REQUEST_INFORMATION = "request_information"
    SUPPLY_INFORMATION = "supply_information"
    START_CONSULTATION = "start_consultation"
    END_CONSULTATION = "end_consultation"
    REFER = "refer"
    APPROVE = "approve"
    DENY = "deny"
    WITHDRAW = "withdraw"


_DECIDE = {Action.APPROVE: State.APPROVED, Action.DENY: State.DENIED}
_WITHDRAW = {Action.WITHDRAW: State.WITHDRAWN}

TRANSITIONS: dict[State, dict[Action, State]] = {
    State.DRAFT: {Action.SUBMIT: State.SUBMITTED, **_WITHDRAW},
    State.SUBMITTED: {Action.ACCEPT: State.ACCEPTED, Action.RETURN: State.RETURNED, **_WITHDRAW},
    # Resubmission after a return: the new acceptance starts a new clock.
    State.RETURNED: {Action.SUBMIT: State.SUBMITTED, **_WITHDRAW},
    State.ACCEPTED: {Action.START_REVIEW: State.UNDER_REVIEW, **_WITHDRAW},
    State.UNDER_REVIEW: {
        Action.REQUEST_INFORMATION: State.INFORMATION_REQUESTED,
        Action.START_CONSULTATION: State.CONSULTATION,
        Action.REFER: State.REFERRED,
        **_DECIDE,
        **_WITHDRAW,
    },
    State.INFORMATION_REQUESTED: {Action.SUPPLY_INFORMATION: State.UNDER_REVIEW, **_WITHDRAW},
    State.CONSULTATION: {Action.END_CONSULTATION: State.UNDER_REVIEW, **_WITHDRAW},
    # Cases of major national-security impact go to the State Council, off the ordinary clock.
    State.REFERRED: {**_DECIDE, **_WITHDRAW},
    State.APPROVED: {},
    State.DENIED: {},
    State.WITHDRAWN: {},
}

TERMINAL: frozenset[State] = frozenset(s for s, moves in TRANSITIONS.items() if not moves)
# States in which the authority is working on (or owes) the case.
OPEN: frozenset[State] = frozenset(
    {
        State.SUBMITTED,
        State.ACCEPTED,
        State.UNDER_REVIEW,
        State.INFORMATION_REQUESTED,
        State.CONSULTATION,
        State.REFERRED,
    }
)
# States in which the exporter may still change the application's content.
AMENDABLE: frozenset[State] = frozenset({State.DRAFT, State.RETURNED, State.INFORMATION_REQUESTED})

ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.SUBMIT: frozenset({Role.EXPORTER}),
    Action.SUPPLY_INFORMATION: frozenset({Role.EXPORTER}),
    Action.WITHDRAW: frozenset({Role.EXPORTER}),
    **{
        action: frozenset({Role.LICENSING_OFFICER})
        for action in (
            Action.ACCEPT,
            Action.RETURN,
            Action.START_REVIEW,
            Action.REQUEST_INFORMATION,
            Action.START_CONSULTATION,
            Action.END_CONSULTATION,
            Action.REFER,
            Action.APPROVE,
            Action.DENY,
        )
    },
}

# What the record cites for each step. Article numbers are left out where we could not confirm them.
LEGAL_BASIS: dict[Action, str] = {
    Action.SUBMIT: "Export Control Law art. 12; Decree 792 (application contents)",
    Action.ACCEPT: "Decree 792 (acceptance of a complete application starts the time limit)",
    Action.RETURN: "Decree 792 (incomplete application returned with the list of what is missing)",
    Action.START_REVIEW: "Export Control Law art. 13 (factors considered in review)",
    Action.REQUEST_INFORMATION: "Decree 792 (supplementary materials; time not counted)",
    Action.SUPPLY_INFORMATION: "Decree 792 (supplementary materials supplied; time resumes)",
    Action.START_CONSULTATION: "Decree 792 (review with other departments; expert consultation)",
    Action.END_CONSULTATION: "Decree 792 (consultation concluded; time resumes)",
    Action.REFER: "Decree 792 (major national-security impact: State Council, not bound by limit)",
    Action.APPROVE: "Export Control Law art. 14; Decree 792 (decision within 45 working days)",
    Action.DENY: "Export Control Law art. 14; Decree 792 (decision within 45 working days)",
    Action.WITHDRAW: "Withdrawal at the applicant's request",
}


def next_state(state: State, action: Action) -> State:
    target = TRANSITIONS[state].get(action)
    if target is None:
        allowed = ", ".join(a.value for a in TRANSITIONS[state]) or "none (final state)"
        raise InvalidTransition(
            f"cannot {action.value} an application that is {state.value}; allowed: {allowed}",
            state=state.value,
            action=action.value,
        )
    return target


def clock_stop_reason(state: State, *, consultation_stops_clock: bool) -> str | None:
    """Why the statutory clock does not run in this state, or None while it runs."""
    if state is State.INFORMATION_REQUESTED:
        return "information_requested"
    if state is State.CONSULTATION and consultation_stops_clock:
        return "consultation"
    return None
