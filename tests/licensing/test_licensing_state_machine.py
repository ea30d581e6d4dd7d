"""The workflow table as a state machine: pure properties of the table, and random action
sequences through the services checked step by step against a pure model of the table."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.api.problems import status_for
from rarex.audit.service import verify
from rarex.auth.roles import Actor, Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import Forbidden, InvalidTransition
from rarex.licensing import decisions, filing, review
from rarex.licensing.schemas import DecisionIn
from rarex.licensing.states import (
    ACTION_ROLES,
    LEGAL_BASIS,
    OPEN,
    TERMINAL,
    TRANSITIONS,
    Action,
    State,
    next_state,
)
from rarex.models import Application, StateChange
from tests.factories import application_data, attach_required_documents, make_actor, make_company

# --- the pure table ----------------------------------------------------------------------------


def _reachable_from(start: State) -> set[State]:
    seen = {start}
    queue = deque([start])
    while queue:
        for target in TRANSITIONS[queue.popleft()].values():
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def test_every_state_is_reachable_from_draft() -> None:
    assert _reachable_from(State.DRAFT) == set(State)


def test_the_table_lists_every_state_and_every_target_is_a_state() -> None:
    assert set(TRANSITIONS) == set(State)
    for moves in TRANSITIONS.values():
        for action, target in moves.items():
            assert isinstance(action, Action)
            assert isinstance(target, State)


def test_terminal_states_are_exactly_the_decided_and_withdrawn_ones_and_have_no_moves() -> None:
    assert {State.APPROVED, State.DENIED, State.WITHDRAWN} == TERMINAL
    for state in TERMINAL:
        assert TRANSITIONS[state] == {}


def test_every_non_terminal_state_can_still_reach_a_terminal_state() -> None:
    for state in set(State) - TERMINAL:
        assert _reachable_from(state) & TERMINAL


def test_every_action_has_roles_and_a_legal_basis_and_is_used() -> None:
    used = {action for moves in TRANSITIONS.values() for action in moves}
    assert used == set(Action)
    assert set(ACTION_ROLES) == set(Action)
    assert all(ACTION_ROLES[a] for a in Action)
    assert set(LEGAL_BASIS) == set(Action)
    assert all(LEGAL_BASIS[a].strip() for a in Action)


def test_open_states_are_neither_terminal_nor_in_the_applicants_hands() -> None:
    assert not (OPEN & TERMINAL)
    assert State.DRAFT not in OPEN
    assert State.RETURNED not in OPEN


@given(st.sampled_from(list(State)), st.sampled_from(list(Action)))
def test_next_state_follows_the_table_or_raises(state: State, action: Action) -> None:
    if action in TRANSITIONS[state]:
        assert next_state(state, action) is TRANSITIONS[state][action]
    else:
        with pytest.raises(InvalidTransition) as caught:
            next_state(state, action)
        assert caught.value.code == "application.illegal_transition"


def test_every_pair_the_table_refuses_raises_naming_the_state_and_the_action() -> None:
    """Exhaustive over the table, where the property above samples it; the services are tried
    with every refused pair in test_licensing_workflow.py."""
    refused = [(s, a) for s in State for a in Action if a not in TRANSITIONS[s]]
    assert refused
    for state, action in refused:
        with pytest.raises(InvalidTransition) as caught:
            next_state(state, action)
        assert caught.value.code == "application.illegal_transition"
        assert status_for(caught.value) == 409
        assert caught.value.details == {"state": state.value, "action": action.value}


# --- random sequences through the services ----------------------------------------------------

START = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
any_action = st.sampled_from(list(Action))


def _next_step(data: st.DataObject, model: State) -> tuple[Action, bool]:
    """Half the time a move the table allows (so sequences get deep), else any action; and now
    and then by someone whose role may not take it."""
    legal = sorted(TRANSITIONS[model])
    choice = st.one_of(st.sampled_from(legal), any_action) if legal else any_action
    action = data.draw(choice, label="action")
    right_role = data.draw(st.sampled_from([True, True, True, False]), label="right role")
    return action, right_role


class _World:
    def __init__(self, session: Session, clock: FixedClock) -> None:
        company = make_company(session, clock)
        self.exporter = make_actor(session, clock, Role.EXPORTER, company=company)
        self.officer = make_actor(session, clock, Role.LICENSING_OFFICER)

    def actor(self, action: Action, *, right_role: bool) -> Actor:
        exporter_move = Role.EXPORTER in ACTION_ROLES[action]
        if right_role:
            return self.exporter if exporter_move else self.officer
        # The applicant's own user for officer steps, an officer for the applicant's steps.
        return self.officer if exporter_move else self.exporter


def _act(
    session: Session,
    clock: FixedClock,
    settings_: Settings,
    actor: Actor,
    application: Application,
    action: Action,
) -> None:
    if action in (Action.APPROVE, Action.DENY):
        decisions.decide(
            session,
            actor=actor,
            clock=clock,
            settings=settings_,
            application_id=application.id,
            data=DecisionIn(
                outcome="approved" if action is Action.APPROVE else "denied",
                reason="decided",
                reason_codes=[] if action is Action.APPROVE else ["other"],
            ),
        )
    else:
        review.transition(
            session,
            actor=actor,
            clock=clock,
            settings=settings_,
            application_id=application.id,
            action=action,
            reason="a reason",
            missing_items=["contract annex"],
        )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(length=st.integers(min_value=0, max_value=14), data=st.data())
def test_no_sequence_of_actions_escapes_the_table_and_the_database_follows_the_model(
    session: Session, clock: FixedClock, settings: Settings, length: int, data: st.DataObject
) -> None:
    clock.set(START)
    savepoint = session.begin_nested()
    try:
        world = _World(session, clock)
        application = filing.file_application(
            session, actor=world.exporter, clock=clock, settings=settings, data=application_data()
        )
        attach_required_documents(session, clock, settings, world.exporter, application)
        model = State.DRAFT
        recorded: list[tuple[str, str, str]] = []
        for _ in range(length):
            action, right_role = _next_step(data, model)
            clock.advance(timedelta(hours=20))
            actor = world.actor(action, right_role=right_role)
            if not right_role:
                with pytest.raises(Forbidden) as refused:
                    _act(session, clock, settings, actor, application, action)
                assert refused.value.code == "auth.role_required"
            elif action not in TRANSITIONS[model]:
                with pytest.raises(InvalidTransition) as caught:
                    _act(session, clock, settings, actor, application, action)
                assert caught.value.code == "application.illegal_transition"
            else:
                _act(session, clock, settings, actor, application, action)
                recorded.append((model.value, action.value, TRANSITIONS[model][action].value))
                model = TRANSITIONS[model][action]

            session.expire_all()
            stored = session.scalar(
                select(Application.state).where(Application.id == application.id)
            )
            assert stored == model.value
            changes = session.scalars(
                select(StateChange)
                .where(StateChange.application_id == application.id)
                .order_by(StateChange.seq)
            ).all()
            assert [(c.from_state, c.action, c.to_state) for c in changes] == recorded
            for change in changes:
                assert change.from_state is not None
                from_state = State(change.from_state)
                assert TRANSITIONS[from_state][Action(change.action)] is State(change.to_state)
        assert verify(session).ok
    finally:
        savepoint.rollback()
