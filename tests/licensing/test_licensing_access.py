"""Who sees what: exporters only their own company's cases and licenses, partner authorities
only cases whose destination, consignee or end user is in their jurisdiction (and only through
the partner views), analysts and customs no application list. A case the asker
may not see is "not found", exactly like one that does not exist."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.api.problems import status_for
from rarex.auth.roles import Actor, Role
from rarex.clock import FixedClock, authority_date
from rarex.config import Settings
from rarex.errors import DomainError, Forbidden, InvalidInput, NotFound
from rarex.jurisdictions import Jurisdiction
from rarex.licensing import queue, repository, review, views
from rarex.licensing.access import partner_covers
from rarex.licensing.states import Action
from rarex.models import Application
from rarex.partners import views as partner_views
from tests.factories import approve, filed_and_accepted, make_actor, make_company, parties_in


class Town:
    """Two exporters with an approved (licensed) case each, bound for different countries."""

    def __init__(self, session: Session, clock: FixedClock, settings: Settings) -> None:
        self.session, self.clock, self.settings = session, clock, settings
        self.officer = make_actor(session, clock, Role.LICENSING_OFFICER)
        self.alpha = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
        self.beta = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
        self.alpha_de = self._licensed(self.alpha, "DE")
        self.alpha_us = filed_and_accepted(
            session, clock, settings, self.alpha, self.officer, destination="US",
            **parties_in("US"),
        )  # fmt: skip
        self.beta_fr = self._licensed(self.beta, "FR")
        self.beta_jp = filed_and_accepted(
            session, clock, settings, self.beta, self.officer, destination="JP",
            **parties_in("JP"),
        )  # fmt: skip

    def _licensed(self, exporter: Actor, destination: str, **parties: Any) -> Application:
        app = filed_and_accepted(
            self.session, self.clock, self.settings, exporter, self.officer,
            destination=destination, **(parties or parties_in(destination)),
        )  # fmt: skip
        approve(self.session, self.clock, self.settings, self.officer, app)
        return app

    def listed(self, actor: Actor, state: str | None = None) -> set[uuid.UUID]:
        return {
            s.id
            for s in views.list_application_summaries(
                self.session, actor=actor, clock=self.clock, settings=self.settings, state=state
            ).items
        }

    def licensed_apps(self, actor: Actor) -> set[str]:
        return {
            lic.application_reference
            for lic in views.list_license_views(self.session, actor=actor).items
        }

    def partner_listed(self, actor: Actor) -> set[str]:
        page = partner_views.partner_applications(
            self.session, actor=actor, clock=self.clock, settings=self.settings
        )
        return {view.reference for view in page.items}

    def partner_licensed(self, actor: Actor) -> set[str]:
        on = authority_date(self.clock.now())
        page = partner_views.partner_licenses(self.session, actor=actor, on=on)
        return {view.application_reference for view in page.items}

    def partner_show(self, actor: Actor, reference: str) -> None:
        partner_views.partner_application(
            self.session, actor=actor, clock=self.clock, settings=self.settings,
            reference=reference,
        )  # fmt: skip

    def show(self, actor: Actor, key: str | uuid.UUID) -> None:
        views.application_view(
            self.session, actor=actor, clock=self.clock, settings=self.settings, key=key
        )

    def license_number(self, app: Application) -> str:
        view = views.application_view(
            self.session, actor=self.officer, clock=self.clock, settings=self.settings, key=app.id
        )
        assert view.license_number is not None
        return view.license_number


@pytest.fixture
def town(session: Session, clock: FixedClock, settings: Settings) -> Town:
    return Town(session, clock, settings)


def _not_found(attempt: object) -> DomainError:
    with pytest.raises(NotFound) as caught:
        attempt()  # type: ignore[operator]
    return caught.value


def test_an_exporter_lists_only_its_own_companys_applications(town: Town) -> None:
    assert town.listed(town.alpha) == {town.alpha_de.id, town.alpha_us.id}
    assert town.listed(town.beta) == {town.beta_fr.id, town.beta_jp.id}
    assert town.listed(town.alpha, state="approved") == {town.alpha_de.id}


def test_another_companys_application_is_not_found_like_a_missing_one(town: Town) -> None:
    for key in (town.beta_fr.id, town.beta_fr.reference, str(town.beta_fr.id)):
        error = _not_found(lambda key=key: town.show(town.alpha, key))
        assert (error.code, status_for(error)) == ("application.not_found", 404)
        assert town.beta.username not in error.message
    missing = _not_found(lambda: town.show(town.alpha, uuid.uuid4()))
    unknown_reference = _not_found(lambda: town.show(town.alpha, "RX-2025-DEADBEEF"))
    assert missing.code == unknown_reference.code == "application.not_found"
    # ...while its own company's case is shown, by id or by reference.
    town.show(town.alpha, town.alpha_de.reference.lower())


def test_an_exporter_cannot_act_on_another_companys_application(town: Town) -> None:
    error = _not_found(
        lambda: review.transition(
            town.session, actor=town.beta, clock=town.clock, settings=town.settings,
            application_id=town.alpha_us.id, action=Action.WITHDRAW,
        )
    )  # fmt: skip
    assert error.code == "application.not_found"
    town.session.expire_all()
    assert town.session.get(Application, town.alpha_us.id).state == "under_review"  # type: ignore[union-attr]


def test_an_exporter_sees_only_its_own_licenses(town: Town) -> None:
    assert town.licensed_apps(town.alpha) == {town.alpha_de.reference}
    assert town.licensed_apps(town.beta) == {town.beta_fr.reference}
    theirs = town.license_number(town.beta_fr)
    error = _not_found(lambda: views.license_view(town.session, actor=town.alpha, number=theirs))
    assert (error.code, status_for(error)) == ("license.not_found", 404)
    mine = views.license_view(
        town.session, actor=town.alpha, number=town.license_number(town.alpha_de)
    )
    assert [ln.remaining_kg for ln in mine.lines] == [Decimal("500.000")]


def test_a_partner_authority_sees_only_cases_bound_for_its_countries(
    town: Town, session: Session, clock: FixedClock
) -> None:
    eu = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_countries=["de", "FR"])
    assert town.partner_listed(eu) == {town.alpha_de.reference, town.beta_fr.reference}
    town.partner_show(eu, town.alpha_de.reference)
    error = _not_found(lambda: town.partner_show(eu, town.alpha_us.reference))
    assert error.code == "application.not_found"
    assert town.partner_licensed(eu) == {town.alpha_de.reference, town.beta_fr.reference}
    nowhere = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_countries=["NZ"])
    assert town.partner_listed(nowhere) == set()
    assert town.partner_licensed(nowhere) == set()


def test_a_partner_sees_a_case_whose_consignee_or_end_user_is_in_its_countries(
    town: Town, session: Session, clock: FixedClock, settings: Settings
) -> None:
    french = {"name": "Aimants de Lyon", "country": "FR"}
    american = {"name": "Ohio Motors", "country": "US"}
    via_consignee = town._licensed(town.alpha, "US", consignee=french, end_user=american)
    via_end_user = filed_and_accepted(
        session, clock, settings, town.alpha, town.officer, destination="US",
        consignee=american, end_user=french,
    )  # fmt: skip
    france = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_countries=["FR"])
    assert town.partner_listed(france) == {
        town.beta_fr.reference,
        via_consignee.reference,
        via_end_user.reference,
    }
    town.partner_show(france, via_consignee.reference)
    town.partner_show(france, via_end_user.reference)
    _not_found(lambda: town.partner_show(france, town.alpha_us.reference))
    assert town.partner_licensed(france) == {town.beta_fr.reference, via_consignee.reference}
    number = town.license_number(via_consignee)
    today = authority_date(clock.now())
    seen = partner_views.partner_license(session, actor=france, number=number, on=today)
    assert seen.number == number
    error = _not_found(
        lambda: partner_views.partner_license(
            session, actor=france, number=town.license_number(town.alpha_de), on=today
        )
    )
    assert error.code == "license.not_found"


def test_a_partner_reads_no_case_and_no_license_through_the_full_views(
    town: Town, session: Session, clock: FixedClock
) -> None:
    """Even a case in its jurisdiction: the full view carries documents, hits and notes."""
    eu = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_countries=["DE", "FR"])
    assert town.partner_listed(eu) == {town.alpha_de.reference, town.beta_fr.reference}
    for key in (town.alpha_de.id, town.alpha_de.reference):
        assert _not_found(lambda key=key: town.show(eu, key)).code == "application.not_found"
    number = town.license_number(town.alpha_de)
    error = _not_found(lambda: views.license_view(session, actor=eu, number=number))
    assert error.code == "license.not_found"
    for listing in (lambda: town.listed(eu), lambda: town.licensed_apps(eu)):
        with pytest.raises(Forbidden) as caught:
            listing()
        assert caught.value.code == "partner.use_partner_channel"


def test_the_database_and_each_case_agree_on_a_group_read_on_the_day_the_case_was_filed(
    town: Town, session: Session, clock: FixedClock, settings: Settings
) -> None:
    british = filed_and_accepted(
        session, clock, settings, town.alpha, town.officer, destination="GB",
        **parties_in("GB"),
    )  # fmt: skip
    eu = Jurisdiction.of(groups=["EU"])

    def in_the_database() -> set[uuid.UUID]:
        rows, _ = repository.applications_page(session, partner=eu, after=None, limit=100)
        return {row.id for row in rows}

    def case_by_case() -> set[uuid.UUID]:
        everything = session.scalars(select(Application)).all()
        return {a.id for a in everything if partner_covers(session, eu, a, at=a.created_at)}

    today = {town.alpha_de.id, town.beta_fr.id}
    assert in_the_database() == case_by_case() == today
    # the last hour of 31 January 2020 in Beijing: the United Kingdom was still a member
    british.created_at = datetime(2020, 1, 31, 15, 59, tzinfo=UTC)
    session.flush()
    assert in_the_database() == case_by_case() == today | {british.id}
    british.created_at = datetime(2020, 1, 31, 16, 0, tzinfo=UTC)  # 1 February in Beijing
    session.flush()
    assert in_the_database() == case_by_case() == today


def test_analysts_and_customs_get_no_application_list_and_no_case(
    town: Town, session: Session, clock: FixedClock, subtests: pytest.Subtests
) -> None:
    for role in (Role.ANALYST, Role.CUSTOMS_OFFICER):
        with subtests.test(role.value):
            someone = make_actor(session, clock, role)
            assert town.listed(someone) == set()
            error = _not_found(lambda someone=someone: town.show(someone, town.alpha_de.id))
            assert error.code == "application.not_found"


def test_customs_sees_every_license_and_analysts_none(
    town: Town, session: Session, clock: FixedClock
) -> None:
    customs = make_actor(session, clock, Role.CUSTOMS_OFFICER)
    analyst = make_actor(session, clock, Role.ANALYST)
    assert town.licensed_apps(customs) == {town.alpha_de.reference, town.beta_fr.reference}
    assert town.licensed_apps(analyst) == set()


def test_the_authority_sees_every_case(
    town: Town, session: Session, clock: FixedClock, subtests: pytest.Subtests
) -> None:
    everything = {town.alpha_de.id, town.alpha_us.id, town.beta_fr.id, town.beta_jp.id}
    for role in (Role.LICENSING_OFFICER, Role.ADMINISTRATOR):
        with subtests.test(role.value):
            assert town.listed(make_actor(session, clock, role)) == everything


def test_an_unknown_state_filter_is_an_error_not_an_empty_list(town: Town) -> None:
    with pytest.raises(InvalidInput) as caught:
        town.listed(town.alpha, state="pending")
    assert caught.value.code == "application.unknown_state"


def test_the_review_queue_is_for_the_authority_only(
    town: Town, session: Session, clock: FixedClock, settings: Settings, subtests: pytest.Subtests
) -> None:
    for role in (Role.EXPORTER, Role.ANALYST, Role.PARTNER_AUTHORITY):
        with subtests.test(role.value):
            someone = town.alpha if role is Role.EXPORTER else make_actor(session, clock, role)
            with pytest.raises(Forbidden) as caught:
                queue.review_queue(session, actor=someone, clock=clock, settings=settings)
            assert caught.value.code == "auth.role_required"
