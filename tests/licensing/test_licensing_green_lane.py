"""The green channel end to end: the assessment made at acceptance from the applicant's real
record, explained rule by rule; the queue serving the green lane first; the lane report."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import chinese_calendar
import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock, authority_date
from rarex.config import Settings
from rarex.errors import Forbidden
from rarex.licensing import filing, queue, review, views
from rarex.licensing.assessment import assess_green_channel
from rarex.licensing.green_channel import (
    APPLICANT_GOOD_STANDING,
    CIVIL_END_USE,
    KNOWN_END_USER,
    NO_OPEN_SCREENING_HITS,
    PARTNER_DESTINATION,
    RULE_NAMES,
)
from rarex.licensing.schemas import ApplicationAmend
from rarex.licensing.states import Action
from rarex.models import Application
from rarex.parties.service import record_violation
from rarex.screening import lists as watch_lists
from tests.factories import approve, filed_and_accepted, make_actor, make_company

KNOWN_END_USER_NAME = "Rheinland Antriebstechnik GmbH"


class Applicant:
    """An exporter with a track record: ``history`` approved applications to the known end user."""

    def __init__(
        self,
        session: Session,
        clock: FixedClock,
        settings: Settings,
        *,
        icp: bool = True,
        history: int = 3,
    ) -> None:
        self.session, self.clock, self.settings = session, clock, settings
        self.company = make_company(session, clock, icp=icp)
        self.exporter = make_actor(session, clock, Role.EXPORTER, company=self.company)
        self.officer = make_actor(session, clock, Role.LICENSING_OFFICER)
        for _ in range(history):
            approve(session, clock, settings, self.officer, self.accept())

    def accept(self, **overrides: Any) -> Application:
        return filed_and_accepted(
            self.session, self.clock, self.settings, self.exporter, self.officer, **overrides
        )

    def assessment(self, app: Application) -> tuple[str, dict[str, dict[str, Any]]]:
        view = views.application_view(
            self.session, actor=self.officer, clock=self.clock, settings=self.settings, key=app.id
        )
        assert view.green_channel is not None
        results = view.green_channel["results"]
        assert [r["rule"] for r in results] == list(RULE_NAMES)
        assert view.green_channel["eligible"] == (view.lane == "green")
        return view.lane, {r["rule"]: r for r in results}


def _only_failure(results: dict[str, dict[str, Any]]) -> str:
    failed = [rule for rule, r in results.items() if not r["passed"]]
    assert len(failed) == 1, failed
    return failed[0]


def test_trusted_eu_civil_case_with_a_known_end_user_takes_the_green_lane(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings)
    lane, results = applicant.assessment(applicant.accept())
    assert lane == "green"
    assert all(r["passed"] for r in results.values())
    assert results[PARTNER_DESTINATION]["explanation"] == "destination DE is in partner group EU"
    assert "is civil" in results[CIVIL_END_USE]["explanation"]
    standing = results[APPLICANT_GOOD_STANDING]["explanation"]
    assert "no violations in the last 3 years" in standing
    assert "compliance programme on file" in standing
    assert "3 approved applications (minimum 3)" in standing
    assert results[KNOWN_END_USER]["explanation"] == (
        "end user was approved in an earlier application"
    )
    # With no watch list loaded the rule must not claim that screening ran.
    assert results[NO_OPEN_SCREENING_HITS]["explanation"] == (
        "no screening hits recorded: no watch list is loaded, so no party was screened"
    )


def test_an_end_user_outside_the_partner_group_fails_the_partner_rule_despite_the_destination(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings)
    app = applicant.accept(destination="DE", end_user={"name": "Volga Magnit OOO", "country": "RU"})
    lane, results = applicant.assessment(app)
    assert lane == "ordinary"
    assert results[PARTNER_DESTINATION]["passed"] is False
    assert "end user is in RU" in results[PARTNER_DESTINATION]["explanation"]


def test_the_partner_group_is_read_as_it_was_on_the_day_of_the_assessment(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings)
    british = {"name": "Midlands Motor Works Ltd", "country": "GB"}
    app = applicant.accept(destination="GB", consignee=british, end_user=british)
    lane, results = applicant.assessment(app)
    assert lane == "ordinary"
    assert results[PARTNER_DESTINATION]["explanation"] == (
        "destination GB is in no partner group (EU)"
    )
    # the same case assessed on a day when the United Kingdom was still in the EU
    before_exit = FixedClock(datetime(2020, 1, 31, 2, 0, tzinfo=UTC))
    then = assess_green_channel(session, application=app, clock=before_exit, settings=settings)
    partner = next(r for r in then.results if r.rule == PARTNER_DESTINATION)
    assert (partner.passed, partner.explanation) == (
        True,
        "destination GB is in partner group EU",
    )


def test_each_failing_rule_sends_the_case_to_the_ordinary_lane_and_is_explained(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings)
    cases: dict[str, tuple[dict[str, Any], str]] = {
        PARTNER_DESTINATION: ({"destination": "US"}, "destination US is in no partner group"),
        CIVIL_END_USE: ({"end_use_category": "other_unspecified"}, "is not civil"),
        KNOWN_END_USER: (
            {"end_user": {"name": "Unknown Magnet Works", "country": "DE"}},
            "end user has no earlier approved application",
        ),
    }
    for rule, (overrides, explanation) in cases.items():
        lane, results = applicant.assessment(applicant.accept(**overrides))
        assert lane == "ordinary", rule
        assert _only_failure(results) == rule
        assert explanation in results[rule]["explanation"]


def test_too_few_approved_applications_fail_good_standing(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings, history=2)
    lane, results = applicant.assessment(applicant.accept())
    assert lane == "ordinary"
    assert _only_failure(results) == APPLICANT_GOOD_STANDING
    assert (
        "only 2 approved applications, fewer than the minimum of 3"
        in (results[APPLICANT_GOOD_STANDING]["explanation"])
    )


def test_a_missing_compliance_programme_fails_good_standing(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings, icp=False)
    lane, results = applicant.assessment(applicant.accept())
    assert lane == "ordinary"
    assert _only_failure(results) == APPLICANT_GOOD_STANDING
    assert "no compliance programme on file" in results[APPLICANT_GOOD_STANDING]["explanation"]


@pytest.mark.parametrize(
    ("years_ago", "extra_days", "counted"),
    [(2, 0, True), (3, 0, True), (3, 1, False), (5, 0, False)],
    ids=["two-years", "three-years-to-the-day", "a-day-older", "five-years"],
)
def test_a_violation_within_three_years_fails_good_standing(
    session: Session,
    clock: FixedClock,
    settings: Settings,
    years_ago: int,
    extra_days: int,
    counted: bool,
) -> None:
    applicant = Applicant(session, clock, settings)
    today = authority_date(clock.now())
    occurred = today - relativedelta(years=years_ago) - timedelta(days=extra_days)
    record_violation(
        session,
        clock=clock,
        actor=None,
        company_id=applicant.company.id,
        occurred_on=occurred,
        description="breach",
    )
    lane, results = applicant.assessment(applicant.accept())
    assert lane == ("ordinary" if counted else "green")
    standing = results[APPLICANT_GOOD_STANDING]["explanation"]
    if counted:
        assert _only_failure(results) == APPLICANT_GOOD_STANDING
        assert "1 violation in the last 3 years" in standing
    else:
        assert "no violations in the last 3 years" in standing


def test_an_open_screening_hit_keeps_the_case_out_of_the_green_lane(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings)
    watch_list = (
        "list,entry_no,name_en,name_zh,country,announcement,announced_on,effective_on,status,"
        "status_changed_on,status_announcement,source\n"
        "watch_list,1,Rheinland Antriebstechnik GmbH,,DE,商务部公告2025年第1号,2025-01-02,"
        "2025-01-02,active,,,\n"
    )
    watch_lists.import_list(
        session, actor=None, clock=clock, fmt="cn-mofcom-csv", files=[watch_list.encode()],
        file_names=["cn.csv"], shrink_limit=settings.list_shrink_limit,
    )  # fmt: skip
    case = applicant.accept()
    lane, results = applicant.assessment(case)
    assert lane == "ordinary"
    assert _only_failure(results) == NO_OPEN_SCREENING_HITS
    assert results[NO_OPEN_SCREENING_HITS]["explanation"] == "2 open screening hits to resolve"
    # The applicant sees the same screening rule as for a clean case: nothing of the hits.
    own = views.application_view(
        session, actor=applicant.exporter, clock=clock, settings=settings, key=case.id
    )
    assert own.green_channel is not None
    rule = next(r for r in own.green_channel["results"] if r["rule"] == NO_OPEN_SCREENING_HITS)
    assert rule == {
        "rule": NO_OPEN_SCREENING_HITS,
        "passed": None,
        "explanation": views.SCREENING_HIDDEN,
    }


def test_the_queue_serves_the_green_lane_first_then_by_due_date(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings)
    early_ordinary = applicant.accept(destination="US")
    clock.advance(timedelta(days=3))
    green = applicant.accept()
    clock.advance(timedelta(days=3))
    late_ordinary = applicant.accept(end_use_category="other_unspecified")
    waiting = queue.review_queue(
        session, actor=applicant.officer, clock=clock, settings=settings
    ).items
    order = [item.id for item in waiting]
    assert order.index(green.id) < order.index(early_ordinary.id) < order.index(late_ordinary.id)
    lanes = [item.lane for item in waiting]
    assert lanes == sorted(lanes, key=lambda lane: lane != "green")
    ordinary_due = [item.due_on for item in waiting if item.lane == "ordinary"]
    assert ordinary_due == sorted(ordinary_due)  # type: ignore[type-var]
    green_item = next(item for item in waiting if item.id == green.id)
    assert green_item.lane_target_on is not None
    assert green_item.due_on is not None
    assert green_item.lane_target_on < green_item.due_on

    only_green = queue.review_queue(
        session, actor=applicant.officer, clock=clock, settings=settings, lane="green"
    ).items
    assert [item.id for item in only_green] == [green.id]


def _working_days(after: date, until: date) -> int:
    return sum(
        1
        for n in range(1, (until - after).days + 1)
        if chinese_calendar.is_workday(after + timedelta(days=n))
    )


def test_lane_report_gives_the_median_working_days_to_decision_per_lane(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings)
    for wait_days, overrides in ((2, {}), (9, {}), (4, {"destination": "US"}), (20, {})):
        app = applicant.accept(**overrides)
        clock.advance(timedelta(days=wait_days))
        approve(session, clock, settings, applicant.officer, app)
    undecided = applicant.accept()  # still open: not in the report

    analyst = make_actor(session, clock, Role.ANALYST)
    report = {r.lane: r for r in queue.lane_performance(
        session, actor=analyst, clock=clock, settings=settings
    )}  # fmt: skip

    session.expire_all()
    samples: dict[str, list[int]] = {"green": [], "ordinary": []}
    for app in session.scalars(select(Application).where(Application.state == "approved")):
        assert app.accepted_on is not None
        assert app.decided_on is not None
        samples[app.lane].append(_working_days(app.accepted_on, app.decided_on))
    # Ordinary: the three that built the record and the US case; green: the other three.
    assert (len(samples["green"]), len(samples["ordinary"])) == (3, 4)
    assert undecided.lane == "green"
    for lane in ("green", "ordinary"):
        assert report[lane].decided == len(samples[lane])
        assert report[lane].approved == len(samples[lane])
        assert report[lane].denied == 0
        assert report[lane].median_working_days == Decimal(str(statistics.median(samples[lane])))


def test_lane_report_is_not_for_exporters(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings, history=0)
    with pytest.raises(Forbidden) as caught:
        queue.lane_performance(session, actor=applicant.exporter, clock=clock, settings=settings)
    assert caught.value.code == "auth.role_required"


def test_an_amendment_during_an_information_request_is_reassessed_when_the_case_resumes(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings)
    app = applicant.accept()
    assert applicant.assessment(app)[0] == "green"
    step: dict[str, Any] = {
        "session": session,
        "clock": clock,
        "settings": settings,
        "application_id": app.id,
    }
    review.transition(
        actor=applicant.officer, action=Action.REQUEST_INFORMATION, reason="Which plant?", **step
    )
    filing.amend_application(
        session,
        actor=applicant.exporter,
        clock=clock,
        settings=settings,
        application_id=app.id,
        data=ApplicationAmend(destination="US"),
    )
    clock.advance(timedelta(days=2))
    review.transition(actor=applicant.exporter, action=Action.SUPPLY_INFORMATION, **step)
    lane, results = applicant.assessment(app)
    assert lane == "ordinary"
    assert _only_failure(results) == PARTNER_DESTINATION
    waiting = queue.review_queue(
        session, actor=applicant.officer, clock=clock, settings=settings
    ).items
    assert next(item for item in waiting if item.id == app.id).lane == "ordinary"
