from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import InvalidInput
from rarex.licensing import decisions, filing, repository, review, views
from rarex.licensing.schemas import ApplicationAmend, DecisionIn, PartyIn
from rarex.licensing.states import Action
from rarex.models import Decision, GreenChannelCheck
from tests.factories import application_data, approve, filed_and_accepted, make_actor, make_company


@pytest.mark.parametrize(
    "extra",
    [
        {"granted_kg": {1: Decimal("1")}},
        {"conditions": ["ship by sea"]},
    ],
)
def test_denial_with_approval_fields_is_refused_and_nothing_is_decided(
    session: Session, clock: FixedClock, settings: Settings, extra: dict
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    with pytest.raises(InvalidInput) as caught:
        decisions.decide(
            session,
            actor=officer,
            clock=clock,
            settings=settings,
            application_id=app.id,
            data=DecisionIn(outcome="denied", reason="no", reason_codes=["other"], **extra),
        )
    assert caught.value.code == "decision.fields_not_allowed"
    assert session.scalar(select(func.count(Decision.id))) == 0
    assert repository.get_application(session, app.id).state == "under_review"


def test_license_number_is_derived_from_the_application_reference(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    approve(session, clock, settings, officer, app)
    view = views.application_view(
        session, actor=officer, clock=clock, settings=settings, key=app.id
    )
    assert view.license_number == "DUL-" + view.reference.removeprefix("RX-")


def test_amending_the_end_user_moves_the_destination_unless_one_is_given(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    app = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings, data=application_data()
    )
    assert app.destination == "DE"
    filing.amend_application(
        session,
        actor=exporter,
        clock=clock,
        settings=settings,
        application_id=app.id,
        data=ApplicationAmend(end_user=PartyIn(name="Kyoto Motors K.K.", country="JP")),
    )
    assert repository.get_application(session, app.id).destination == "JP"
    filing.amend_application(
        session,
        actor=exporter,
        clock=clock,
        settings=settings,
        application_id=app.id,
        data=ApplicationAmend(
            end_user=PartyIn(name="Lyon Motors SAS", country="FR"), destination="BE"
        ),
    )
    assert repository.get_application(session, app.id).destination == "BE"


def test_repeated_assessments_at_the_same_instant_keep_their_order(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    review.transition(
        session,
        actor=officer,
        clock=clock,
        settings=settings,
        application_id=app.id,
        action=Action.REQUEST_INFORMATION,
        reason="photos",
    )
    filing.amend_application(
        session,
        actor=exporter,
        clock=clock,
        settings=settings,
        application_id=app.id,
        data=ApplicationAmend(end_user=PartyIn(name="Ohio Motors Inc.", country="US")),
    )
    review.transition(
        session,
        actor=exporter,
        clock=clock,
        settings=settings,
        application_id=app.id,
        action=Action.SUPPLY_INFORMATION,
        reason="done",
    )
    seqs = session.scalars(
        select(GreenChannelCheck.seq)
        .where(GreenChannelCheck.application_id == app.id)
        .order_by(GreenChannelCheck.seq)
    ).all()
    assert seqs == [1, 2]
    latest = repository.latest_green_check(session, app.id)
    assert latest is not None
    assert latest.seq == 2
    assert latest.results[0]["passed"] is False  # US is in no partner group


def test_changed_green_threshold_is_stamped_in_the_policy_version(
    session: Session, clock: FixedClock
) -> None:
    settings = Settings(
        environment="test", database_url="sqlite://", green_channel_min_approved_applications=7
    )
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    check = repository.latest_green_check(session, app.id)
    assert check is not None
    assert check.policy_version.endswith("+min7")
