"""Decisions and the licenses they issue: partial grants with conditions, reasoned denials,
denial in principle, validity limits per license type, and approval + issuance as one unit."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.audit.service import events_for
from rarex.auth.roles import Actor, Role
from rarex.auth.service import declare_conflict
from rarex.clock import FixedClock, authority_date
from rarex.config import Settings
from rarex.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from rarex.licensing import decisions, filing, review, views
from rarex.licensing.schemas import DecisionIn
from rarex.licensing.states import Action
from rarex.models import (
    Application,
    ApplicationLine,
    AuditEvent,
    Decision,
    License,
    LicenseLine,
    StateChange,
)
from tests.factories import (
    application_data,
    attach_required_documents,
    filed_and_accepted,
    make_actor,
    make_company,
)

TWO_LINES: list[dict[str, Any]] = [
    {
        "control_code": "1C905.a",
        "hs_code": "2805301200",
        "description": "Dysprosium metal",
        "quantity_kg": "500",
        "value": "250000",
        "currency": "USD",
    },
    {
        "control_code": "1C904.a",
        "hs_code": "2805301300",
        "description": "Terbium metal",
        "quantity_kg": "120.5",
        "value": "130000",
        "currency": "EUR",
    },
]


class People:
    def __init__(self, session: Session, clock: FixedClock, *, icp: bool = True) -> None:
        self.company = make_company(session, clock, icp=icp)
        self.exporter = make_actor(session, clock, Role.EXPORTER, company=self.company)
        self.officer = make_actor(session, clock, Role.LICENSING_OFFICER)


@pytest.fixture
def people(session: Session, clock: FixedClock) -> People:
    return People(session, clock)


def _decide(
    session: Session, clock: FixedClock, settings: Settings, officer: Actor, app: Application,
    **data: Any,
) -> Application:  # fmt: skip
    data.setdefault("reason", "Reviewed")
    return decisions.decide(
        session,
        actor=officer,
        clock=clock,
        settings=settings,
        application_id=app.id,
        data=DecisionIn(**data),
    )


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Decision, License, LicenseLine, StateChange, AuditEvent)
    }


def _granted(session: Session, app: Application) -> list[Decimal | None]:
    session.expire_all()
    return list(
        session.scalars(
            select(ApplicationLine.granted_kg)
            .where(ApplicationLine.application_id == app.id)
            .order_by(ApplicationLine.line_no)
        )
    )


def test_approval_for_less_than_requested_issues_a_license_with_conditions(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    app = filed_and_accepted(
        session, clock, settings, people.exporter, people.officer, lines=TWO_LINES
    )
    clock.advance(timedelta(days=3))
    conditions = ["No re-export without MOFCOM consent", "Quarterly end-use report"]
    _decide(
        session, clock, settings, people.officer, app,
        outcome="approved", granted_kg={1: Decimal("350.250")}, conditions=conditions,
    )  # fmt: skip

    view = views.application_view(
        session, actor=people.exporter, clock=clock, settings=settings, key=app.id
    )
    assert view.state == "approved"
    assert view.decided_on == authority_date(clock.now())
    assert view.decision is not None
    assert view.decision.outcome == "approved"
    assert view.decision.conditions == conditions
    assert view.decision.officer == people.officer.username
    assert [ln.granted_kg for ln in view.lines] == [Decimal("350.250"), Decimal("120.500")]
    assert view.license_number is not None

    license_ = views.license_view(session, actor=people.exporter, number=view.license_number)
    assert license_.conditions == conditions
    assert license_.supervision_code == "3"
    assert license_.status == "active"
    assert license_.valid_from == authority_date(clock.now())
    assert license_.valid_until == license_.valid_from + relativedelta(years=1) - timedelta(days=1)
    assert [(ln.control_code, ln.granted_kg, ln.remaining_kg) for ln in license_.lines] == [
        ("1C905.a", Decimal("350.250"), Decimal("350.250")),
        ("1C904.a", Decimal("120.500"), Decimal("120.500")),
    ]
    issued = [e for e in events_for(session, subject_id=str(license_.id))]
    assert [e.action for e in issued] == ["license.issued"]


def test_a_line_granted_zero_gets_no_license_line(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    app = filed_and_accepted(
        session, clock, settings, people.exporter, people.officer, lines=TWO_LINES
    )
    _decide(
        session, clock, settings, people.officer, app,
        outcome="approved", granted_kg={2: Decimal("0")},
    )  # fmt: skip
    assert _granted(session, app) == [Decimal("500.000"), Decimal("0.000")]
    number = session.scalar(select(License.number).where(License.application_id == app.id))
    assert number is not None
    license_ = views.license_view(session, actor=people.officer, number=number)
    assert [ln.line_no for ln in license_.lines] == [1]


def test_approval_granting_nothing_is_refused(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    app = filed_and_accepted(session, clock, settings, people.exporter, people.officer)
    before = _counts(session)
    with pytest.raises(InvalidInput) as caught:
        _decide(
            session, clock, settings, people.officer, app,
            outcome="approved", granted_kg={1: Decimal("0")},
        )  # fmt: skip
    assert caught.value.code == "decision.nothing_granted"
    assert _counts(session) == before
    assert _granted(session, app) == [None]


def test_denial_records_reason_codes_and_issues_no_license(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    app = filed_and_accepted(session, clock, settings, people.exporter, people.officer)
    _decide(
        session, clock, settings, people.officer, app,
        outcome="denied", reason="End user could not be verified",
        reason_codes=["end_user_unverifiable", "national_security"],
    )  # fmt: skip
    view = views.application_view(
        session, actor=people.exporter, clock=clock, settings=settings, key=app.id
    )
    assert view.state == "denied"
    assert view.decision is not None
    assert view.decision.reason_codes == ["end_user_unverifiable", "national_security"]
    assert view.history[-1].details == {
        "reason_codes": ["end_user_unverifiable", "national_security"]
    }
    assert view.license_number is None
    assert session.scalar(select(func.count()).select_from(License)) == 0
    assert _granted(session, app) == [None]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"outcome": "denied", "reason": "No"}, "decision.reason_code_required"),
        (
            {"outcome": "denied", "reason": "No", "reason_codes": ["bad_vibes"]},
            "decision.unknown_reason_code",
        ),
        ({"outcome": "approved", "reason": "   "}, "decision.reason_required"),
        (
            {"outcome": "approved", "reason": "ok", "granted_kg": {7: Decimal("1")}},
            "decision.unknown_line",
        ),
        (
            {"outcome": "approved", "reason": "ok", "granted_kg": {1: Decimal("500.001")}},
            "decision.granted_exceeds_requested",
        ),
        (
            {"outcome": "approved", "reason": "ok", "granted_kg": {1: Decimal("-1")}},
            "decision.invalid_granted_quantity",
        ),
        (
            {"outcome": "approved", "reason": "ok", "granted_kg": {1: Decimal("1.0005")}},
            "decision.invalid_granted_quantity",
        ),
    ],
)
def test_a_malformed_decision_is_refused_with_its_code_and_nothing_is_written(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    people: People,
    data: dict[str, Any],
    code: str,
) -> None:
    app = filed_and_accepted(session, clock, settings, people.exporter, people.officer)
    before = _counts(session)
    with pytest.raises(InvalidInput) as caught:
        decisions.decide(
            session, actor=people.officer, clock=clock, settings=settings,
            application_id=app.id, data=DecisionIn(**data),
        )  # fmt: skip
    assert caught.value.code == code
    assert _counts(session) == before
    session.expire_all()
    assert session.get(Application, app.id).state == "under_review"  # type: ignore[union-attr]


def test_defence_end_use_cannot_be_approved_but_can_be_denied(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    app = filed_and_accepted(
        session, clock, settings, people.exporter, people.officer,
        end_use_category="defence",
    )  # fmt: skip
    before = _counts(session)
    with pytest.raises(InvalidInput) as caught:
        _decide(session, clock, settings, people.officer, app, outcome="approved")
    assert caught.value.code == "application.denial_in_principle"
    assert _counts(session) == before
    _decide(
        session, clock, settings, people.officer, app,
        outcome="denied", reason_codes=["military_end_use"],
    )  # fmt: skip
    session.expire_all()
    assert session.get(Application, app.id).state == "denied"  # type: ignore[union-attr]


@pytest.mark.parametrize(("license_type", "years"), [("single", 1), ("general", 3)])
def test_validity_may_reach_but_not_pass_the_limit_of_the_license_type(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    people: People,
    license_type: str,
    years: int,
) -> None:
    too_long = filed_and_accepted(
        session, clock, settings, people.exporter, people.officer, license_type=license_type
    )
    just_right = filed_and_accepted(
        session, clock, settings, people.exporter, people.officer, license_type=license_type
    )
    clock.advance(timedelta(days=1))
    today = authority_date(clock.now())
    latest = today + relativedelta(years=years) - timedelta(days=1)

    before = _counts(session)
    with pytest.raises(InvalidInput) as caught:
        _decide(
            session, clock, settings, people.officer, too_long,
            outcome="approved", valid_until=latest + timedelta(days=1),
        )  # fmt: skip
    assert caught.value.code == "license.validity_too_long"
    assert _counts(session) == before

    _decide(
        session, clock, settings, people.officer, just_right,
        outcome="approved", valid_until=latest,
    )  # fmt: skip
    license_ = session.scalar(select(License).where(License.application_id == just_right.id))
    assert license_ is not None
    assert license_.license_type == license_type
    assert (license_.valid_from, license_.valid_until) == (today, latest)


def test_general_license_validity_defaults_to_three_years(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    app = filed_and_accepted(
        session, clock, settings, people.exporter, people.officer, license_type="general"
    )
    _decide(session, clock, settings, people.officer, app, outcome="approved")
    license_ = session.scalar(select(License).where(License.application_id == app.id))
    assert license_ is not None
    # Decided on Monday 2 June 2025: three years, the last day included.
    assert license_.valid_from == date(2025, 6, 2)
    assert license_.valid_until == date(2028, 6, 1)


def test_general_license_is_refused_to_an_exporter_without_a_compliance_programme(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    people = People(session, clock, icp=False)
    before = session.scalar(select(func.count()).select_from(Application))
    with pytest.raises(InvalidInput) as caught:
        filing.file_application(
            session, actor=people.exporter, clock=clock, settings=settings,
            data=application_data(license_type="general"),
        )  # fmt: skip
    assert caught.value.code == "application.general_license_requires_icp"
    assert session.scalar(select(func.count()).select_from(Application)) == before
    # A single license needs no programme.
    filing.file_application(
        session, actor=people.exporter, clock=clock, settings=settings,
        data=application_data(license_type="single"),
    )  # fmt: skip


def test_failed_issuance_leaves_no_decision_no_license_and_the_state_unchanged(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    app = filed_and_accepted(session, clock, settings, people.exporter, people.officer)
    before = _counts(session)
    with pytest.raises(InvalidInput) as caught:
        _decide(
            session, clock, settings, people.officer, app,
            outcome="approved", valid_until=date(2020, 1, 1),
        )  # fmt: skip
    assert caught.value.code == "license.invalid_validity"
    assert _counts(session) == before
    assert _granted(session, app) == [None]
    session.expire_all()
    stored = session.get(Application, app.id)
    assert stored is not None
    assert (stored.state, stored.decided_on) == ("under_review", None)


def test_an_application_is_decided_only_once(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    app = filed_and_accepted(session, clock, settings, people.exporter, people.officer)
    _decide(session, clock, settings, people.officer, app, outcome="approved")
    before = _counts(session)
    for outcome, codes in (("approved", []), ("denied", ["other"])):
        with pytest.raises(InvalidTransition) as caught:
            _decide(
                session, clock, settings, people.officer, app,
                outcome=outcome, reason_codes=codes,
            )  # fmt: skip
        assert caught.value.code == "application.illegal_transition"
    assert _counts(session) == before


# --- who may decide ------------------------------------------------------------------------------


def test_an_officer_with_a_declared_conflict_cannot_decide_or_move_the_case(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    app = filed_and_accepted(session, clock, settings, people.exporter, people.officer)
    conflicted = make_actor(session, clock, Role.LICENSING_OFFICER)
    declare_conflict(
        session, clock=clock, actor=None, user_id=conflicted.user_id, company_id=people.company.id,
        reason="Former employee",
    )  # fmt: skip
    before = _counts(session)
    with pytest.raises(Forbidden) as caught:
        _decide(session, clock, settings, conflicted, app, outcome="approved")
    assert caught.value.code == "auth.conflict_of_interest"
    with pytest.raises(Forbidden) as moved:
        review.transition(
            session, actor=conflicted, clock=clock, settings=settings, application_id=app.id,
            action=Action.REQUEST_INFORMATION, reason="questions",
        )  # fmt: skip
    assert moved.value.code == "auth.conflict_of_interest"
    assert _counts(session) == before
    # Another officer is free to decide.
    _decide(session, clock, settings, people.officer, app, outcome="approved")


def test_an_officer_who_filed_for_a_company_cannot_decide_that_application(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    filer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filing.file_application(
        session, actor=filer, clock=clock, settings=settings,
        data=application_data(exporter_uscc=people.company.uscc),
    )  # fmt: skip
    assert app.exporter_id == people.company.id
    attach_required_documents(session, clock, settings, people.exporter, app)
    review.transition(
        session, actor=people.exporter, clock=clock, settings=settings,
        application_id=app.id, action=Action.SUBMIT,
    )  # fmt: skip
    for action in (Action.ACCEPT, Action.START_REVIEW):
        review.transition(
            session, actor=people.officer, clock=clock, settings=settings,
            application_id=app.id, action=action,
        )  # fmt: skip
    before = _counts(session)
    with pytest.raises(Forbidden) as caught:
        _decide(session, clock, settings, filer, app, outcome="approved")
    assert caught.value.code == "auth.conflict_of_interest"
    assert _counts(session) == before


@pytest.mark.parametrize(
    "role",
    [Role.CUSTOMS_OFFICER, Role.ANALYST, Role.ADMINISTRATOR, Role.PARTNER_AUTHORITY, Role.EXPORTER],
)
def test_only_licensing_officers_decide(
    session: Session, clock: FixedClock, settings: Settings, people: People, role: Role
) -> None:
    app = filed_and_accepted(session, clock, settings, people.exporter, people.officer)
    if role is Role.EXPORTER:
        someone = people.exporter
    elif role is Role.PARTNER_AUTHORITY:
        someone = make_actor(session, clock, role, partner_countries=["DE"])
    else:
        someone = make_actor(session, clock, role)
    before = _counts(session)
    with pytest.raises(Forbidden) as caught:
        _decide(session, clock, settings, someone, app, outcome="approved")
    assert caught.value.code == "auth.role_required"
    assert _counts(session) == before


def test_role_refusal_does_not_depend_on_whether_the_case_exists(
    session: Session, clock: FixedClock, settings: Settings, people: People
) -> None:
    """A refusal by role alone says nothing about the case, so it may come before the lookup."""
    customs = make_actor(session, clock, Role.CUSTOMS_OFFICER)
    other = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    app = filed_and_accepted(session, clock, settings, people.exporter, people.officer)
    for actor in (customs, other):
        codes = set()
        for application_id in (app.id, uuid.uuid4()):
            with pytest.raises(Forbidden) as caught:
                decisions.decide(
                    session, actor=actor, clock=clock, settings=settings,
                    application_id=application_id,
                    data=DecisionIn(outcome="approved", reason="x"),
                )  # fmt: skip
            codes.add(caught.value.code)
        assert codes == {"auth.role_required"}
    # An officer asking for a case that does not exist is told so.
    with pytest.raises(NotFound):
        decisions.decide(
            session, actor=people.officer, clock=clock, settings=settings,
            application_id=uuid.uuid4(), data=DecisionIn(outcome="approved", reason="x"),
        )  # fmt: skip
