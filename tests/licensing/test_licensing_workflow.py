"""The application workflow through the services: every step is recorded with who, when, why
and on what legal basis, and an illegal step changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.api.problems import status_for
from rarex.audit.service import events_for, verify
from rarex.auth.roles import Actor, Role
from rarex.clock import FixedClock, authority_date
from rarex.config import Settings
from rarex.errors import InvalidInput, InvalidTransition
from rarex.licensing import decisions, filing, review, views
from rarex.licensing.schemas import DecisionIn
from rarex.licensing.states import LEGAL_BASIS, TRANSITIONS, Action, State
from rarex.models import Application, AuditEvent, StateChange
from tests.factories import (
    application_data,
    attach_required_documents,
    make_actor,
    make_company,
)


class Case:
    """One application and the people working on it, moved one step at a time."""

    def __init__(self, session: Session, clock: FixedClock, settings: Settings) -> None:
        self.session, self.clock, self.settings = session, clock, settings
        self.company = make_company(session, clock)
        self.exporter = make_actor(session, clock, Role.EXPORTER, company=self.company)
        self.officer = make_actor(session, clock, Role.LICENSING_OFFICER)
        self.app = filing.file_application(
            session, actor=self.exporter, clock=clock, settings=settings, data=application_data()
        )
        attach_required_documents(session, clock, settings, self.exporter, self.app)

    def actor_for(self, action: Action) -> Actor:
        exporter_moves = {Action.SUBMIT, Action.SUPPLY_INFORMATION, Action.WITHDRAW}
        return self.exporter if action in exporter_moves else self.officer

    def step(self, action: Action, reason: str = "", **kw: Any) -> None:
        self.clock.advance(timedelta(days=1))
        if action in (Action.APPROVE, Action.DENY):
            decisions.decide(
                self.session,
                actor=self.officer,
                clock=self.clock,
                settings=self.settings,
                application_id=self.app.id,
                data=DecisionIn(
                    outcome="approved" if action is Action.APPROVE else "denied",
                    reason=reason or "decided",
                    reason_codes=[] if action is Action.APPROVE else ["end_user_unverifiable"],
                ),
            )
            return
        if action in (Action.RETURN,) and "missing_items" not in kw:
            kw["missing_items"] = ["end-user certificate translation"]
        review.transition(
            self.session,
            actor=self.actor_for(action),
            clock=self.clock,
            settings=self.settings,
            application_id=self.app.id,
            action=action,
            reason=reason or f"reason for {action.value}",
            **kw,
        )

    def state(self) -> str | None:
        self.session.expire_all()
        return self.session.scalar(select(Application.state).where(Application.id == self.app.id))

    def view(self, actor: Actor | None = None) -> Any:
        return views.application_view(
            self.session,
            actor=actor or self.officer,
            clock=self.clock,
            settings=self.settings,
            key=self.app.id,
        )


@pytest.fixture
def case(session: Session, clock: FixedClock, settings: Settings) -> Case:
    return Case(session, clock, settings)


PATHS = {
    "approved": [Action.SUBMIT, Action.ACCEPT, Action.START_REVIEW, Action.APPROVE],
    "denied": [Action.SUBMIT, Action.ACCEPT, Action.START_REVIEW, Action.DENY],
    "returned_then_approved": [
        Action.SUBMIT,
        Action.RETURN,
        Action.SUBMIT,
        Action.ACCEPT,
        Action.START_REVIEW,
        Action.APPROVE,
    ],
    "information_and_consultation": [
        Action.SUBMIT,
        Action.ACCEPT,
        Action.START_REVIEW,
        Action.REQUEST_INFORMATION,
        Action.SUPPLY_INFORMATION,
        Action.START_CONSULTATION,
        Action.END_CONSULTATION,
        Action.REQUEST_INFORMATION,
        Action.SUPPLY_INFORMATION,
        Action.APPROVE,
    ],
    "referred_then_denied": [
        Action.SUBMIT,
        Action.ACCEPT,
        Action.START_REVIEW,
        Action.REFER,
        Action.DENY,
    ],
    "withdrawn_during_information_request": [
        Action.SUBMIT,
        Action.ACCEPT,
        Action.START_REVIEW,
        Action.REQUEST_INFORMATION,
        Action.WITHDRAW,
    ],
    "withdrawn_in_consultation": [
        Action.SUBMIT,
        Action.ACCEPT,
        Action.START_REVIEW,
        Action.START_CONSULTATION,
        Action.WITHDRAW,
    ],
    "withdrawn_draft": [Action.WITHDRAW],
}


@pytest.mark.parametrize("path", list(PATHS.values()), ids=list(PATHS))
def test_every_step_of_a_path_is_recorded_with_actor_time_reason_basis_and_audit_event(
    case: Case, session: Session, path: list[Action]
) -> None:
    expected_state = State.DRAFT
    expected_rows: list[tuple[str, str, str, str, datetime]] = []
    for action in path:
        target = TRANSITIONS[expected_state][action]
        actor = case.officer if action in (Action.APPROVE, Action.DENY) else case.actor_for(action)
        case.step(action, reason=f"because {action.value}")
        expected_rows.append(
            (action.value, expected_state.value, target.value, actor.username, case.clock.now())
        )
        expected_state = target
        assert case.state() == target.value

    history = case.view().history
    assert [(h.action, h.from_state, h.to_state, h.actor, h.at) for h in history] == expected_rows
    assert [h.seq for h in history] == list(range(1, len(path) + 1))
    for change, action in zip(history, path, strict=True):
        assert change.reason == f"because {action.value}"
        assert change.legal_basis == LEGAL_BASIS[action]
        assert change.on_date == authority_date(change.at)

    audited = [
        e.action
        for e in events_for(session, subject_id=str(case.app.id))
        if e.action != "document.attached"
    ]
    transitions = [
        a for a in audited if a.removeprefix("application.") in {x.value for x in Action}
    ]
    assert transitions == [f"application.{a.value}" for a in path]
    assert verify(session).ok


def test_return_lists_what_is_missing_and_resubmission_starts_a_new_clock(case: Case) -> None:
    case.step(Action.SUBMIT)
    case.step(Action.RETURN, reason="incomplete", missing_items=["contract annex", " ", "photos"])
    returned = case.view(case.exporter)
    assert returned.state == "returned"
    assert returned.history[-1].details["missing_items"] == ["contract annex", "photos"]
    assert returned.clock is None
    assert returned.accepted_on is None

    case.step(Action.SUBMIT)
    resubmitted = case.view()
    assert resubmitted.history[-1].details == {"resubmission": True}
    assert resubmitted.clock is None

    case.clock.advance(timedelta(days=6))
    case.step(Action.ACCEPT)
    accepted_on = authority_date(case.clock.now())
    accepted = case.view()
    assert accepted.accepted_on == accepted_on
    assert accepted.clock is not None
    assert accepted.clock["accepted_on"] == accepted_on.isoformat()
    assert accepted.clock["used"] == 0


def test_return_without_missing_items_is_refused_and_leaves_the_case_submitted(
    case: Case,
) -> None:
    case.step(Action.SUBMIT)
    with pytest.raises(InvalidInput) as caught:
        case.step(Action.RETURN, reason="incomplete", missing_items=["  "])
    assert caught.value.code == "application.missing_items_required"
    assert case.state() == "submitted"
    assert [h.action for h in case.view().history] == ["submit"]


def test_submission_without_a_required_document_is_refused_naming_them(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    app = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings, data=application_data()
    )
    filing.attach_document(
        session,
        actor=exporter,
        clock=clock,
        settings=settings,
        application_id=app.id,
        kind="contract",
        filename="c.pdf",
        media_type="application/pdf",
        content=b"%PDF contract",
    )
    with pytest.raises(InvalidInput) as caught:
        review.transition(
            session,
            actor=exporter,
            clock=clock,
            settings=settings,
            application_id=app.id,
            action=Action.SUBMIT,
        )
    assert caught.value.code == "application.documents_missing"
    assert caught.value.details["missing"] == [
        k for k in filing.REQUIRED_DOCUMENTS if k != "contract"
    ]
    session.expire_all()
    assert session.get(Application, app.id).state == "draft"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "action", [Action.REQUEST_INFORMATION, Action.START_CONSULTATION, Action.REFER]
)
def test_officer_steps_that_affect_the_applicant_need_a_reason(case: Case, action: Action) -> None:
    for step in (Action.SUBMIT, Action.ACCEPT, Action.START_REVIEW):
        case.step(step)
    with pytest.raises(InvalidInput) as caught:
        review.transition(
            case.session,
            actor=case.officer,
            clock=case.clock,
            settings=case.settings,
            application_id=case.app.id,
            action=action,
            reason="   ",
        )
    assert caught.value.code == "application.reason_required"
    assert case.state() == "under_review"


def test_referral_takes_the_case_off_the_clock(case: Case) -> None:
    for step in (Action.SUBMIT, Action.ACCEPT, Action.START_REVIEW):
        case.step(step)
    case.step(Action.REFER, reason="major national-security impact")
    referred_on = authority_date(case.clock.now())
    case.clock.advance(timedelta(days=120))
    view = case.view()
    assert view.state == "referred"
    assert view.clock is not None
    assert view.clock["off_clock"] is True
    assert view.clock["due_date"] is None
    assert view.clock["overdue"] is False
    assert view.clock["at_risk"] is False
    assert view.clock["ledger"][-1]["event"] == "off_clock"
    assert view.clock["ledger"][-1]["on"] == referred_on.isoformat()
    session = case.session
    session.expire_all()
    assert session.get(Application, case.app.id).due_on is None  # type: ignore[union-attr]


# Every (state, action) pair the table refuses, reached by a legal path first. The pure table
# is checked pair by pair in test_licensing_state_machine.py; here each state is reached once
# and every action it refuses is tried through the services, on both databases.
_PATH_TO = {
    State.DRAFT: [],
    State.SUBMITTED: [Action.SUBMIT],
    State.RETURNED: [Action.SUBMIT, Action.RETURN],
    State.ACCEPTED: [Action.SUBMIT, Action.ACCEPT],
    State.UNDER_REVIEW: [Action.SUBMIT, Action.ACCEPT, Action.START_REVIEW],
    State.INFORMATION_REQUESTED: [
        Action.SUBMIT,
        Action.ACCEPT,
        Action.START_REVIEW,
        Action.REQUEST_INFORMATION,
    ],
    State.CONSULTATION: [
        Action.SUBMIT,
        Action.ACCEPT,
        Action.START_REVIEW,
        Action.START_CONSULTATION,
    ],
    State.REFERRED: [Action.SUBMIT, Action.ACCEPT, Action.START_REVIEW, Action.REFER],
    State.APPROVED: [Action.SUBMIT, Action.ACCEPT, Action.START_REVIEW, Action.APPROVE],
    State.DENIED: [Action.SUBMIT, Action.ACCEPT, Action.START_REVIEW, Action.DENY],
    State.WITHDRAWN: [Action.WITHDRAW],
}
# Every refused (state, action) pair; approve and deny go through decide(), as in production.
_ILLEGAL = {
    state: [action for action in Action if action not in TRANSITIONS[state]] for state in State
}


def test_every_state_has_a_path_in_this_module() -> None:
    assert set(_PATH_TO) == set(State)
    assert all(_ILLEGAL.values())  # every state refuses something: each test below tries it


@pytest.mark.parametrize("state", list(State), ids=[s.value for s in State])
def test_an_illegal_transition_raises_and_changes_nothing(
    case: Case, session: Session, state: State
) -> None:
    for step in _PATH_TO[state]:
        case.step(step)
    assert case.state() == state.value
    changes_before = session.scalar(select(func.count()).select_from(StateChange))
    events_before = session.scalar(select(func.count()).select_from(AuditEvent))
    view_before = case.view().model_dump()
    reached_at = case.clock.now()

    # The refusals are tried one after the other in the same transaction, none rolled back:
    # a refusal that wrote anything would show in the checks after it.
    for action in _ILLEGAL[state]:
        case.clock.set(reached_at)  # each attempt a day after the state was reached
        with pytest.raises(InvalidTransition) as caught:
            case.step(action)

        assert caught.value.code == "application.illegal_transition", action
        assert status_for(caught.value) == 409, action
        assert caught.value.details == {"state": state.value, "action": action.value}
        assert case.state() == state.value, action
        assert session.scalar(select(func.count()).select_from(StateChange)) == changes_before
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
        after = case.view().model_dump()
        for key in ("state", "history", "decision", "license_number", "accepted_on", "decided_on"):
            assert after[key] == view_before[key], (action, key)


def test_approve_or_deny_through_transition_is_refused_as_a_decision(case: Case) -> None:
    for step in (Action.SUBMIT, Action.ACCEPT, Action.START_REVIEW):
        case.step(step)
    for action in (Action.APPROVE, Action.DENY):
        with pytest.raises(InvalidInput) as caught:
            review.transition(
                case.session,
                actor=case.officer,
                clock=case.clock,
                settings=case.settings,
                application_id=case.app.id,
                action=action,
                reason="x",
            )
        assert caught.value.code == "application.use_decide"
    assert case.state() == "under_review"


def test_allowed_actions_in_the_view_follow_the_table_and_the_role(case: Case) -> None:
    for step in (Action.SUBMIT, Action.ACCEPT, Action.START_REVIEW):
        case.step(step)
    officer_view = case.view()
    exporter_view = case.view(case.exporter)
    moves = TRANSITIONS[State.UNDER_REVIEW]
    assert set(officer_view.allowed_actions) == {a.value for a in moves if a is not Action.WITHDRAW}
    assert exporter_view.allowed_actions == [Action.WITHDRAW.value]
