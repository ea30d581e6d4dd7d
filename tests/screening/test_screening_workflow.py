"""Screening in the licensing workflow: hits raised on submission, no approval (nor green
channel) while one is open, a dismissal remembered until the entry changes, a confirmed
control-list party forcing denial, and re-screening after a list change."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.auth.service import declare_conflict
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.errors import Conflict, Forbidden, InvalidTransition
from rarex.licensing import assessment, filing, review, views
from rarex.licensing import screening as case_screening
from rarex.licensing.schemas import ApplicationAmend
from rarex.licensing.states import Action
from rarex.models import Application, Company
from rarex.screening import lists as watch_lists
from rarex.screening import service as screening
from tests.factories import approve, filed_and_accepted, make_actor, make_company
from tests.licensing.test_licensing_green_lane import Applicant

HEADER = (
    "list,entry_no,name_en,name_zh,country,announcement,announced_on,effective_on,status,"
    "status_changed_on,status_announcement,source\n"
)
NO_1 = "商务部公告2025年第1号"
CONSIGNEE = "Rheinland Antriebstechnik GmbH"  # the factories' consignee and end user


def load(
    session: Session, clock: FixedClock, settings: Settings, *rows: str
) -> watch_lists.ImportResult:
    data = (HEADER + "".join(f"{r}\n" for r in rows)).encode()
    result = watch_lists.import_list(
        session, actor=None, clock=clock, fmt="cn-mofcom-csv", files=[data], file_names=["cn"],
        shrink_limit=settings.list_shrink_limit,
    )  # fmt: skip
    case_screening.rescreen_cases(session, clock=clock, settings=settings, delta=result.delta)
    return result


def row(
    no: int, en: str, *, lst: str = "control_list", country: str = "DE", extra: str = ""
) -> str:
    return f"{lst},{no},{en},,{country},{NO_1},2025-01-02,2025-01-02,active,,,{extra}"


def case(session: Session, clock: FixedClock, settings: Settings) -> tuple[Application, object]:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    return filed_and_accepted(session, clock, settings, exporter, officer), officer


def test_a_listed_consignee_is_hit_on_submission_and_blocks_approval_until_resolved(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    load(session, clock, settings, row(1, CONSIGNEE, lst="watch_list"))
    app, officer = case(session, clock, settings)
    hits = screening.hits(session, app.id)
    assert {(h.party_role, h.trigger, h.status) for h in hits} == {
        ("consignee", "submission", "open"),
        ("end_user", "submission", "open"),
    }
    assert all(h.entity_id == "cn-mofcom:watch_list-2025-1-1" for h in hits)
    assert hits[0].explanation["list_name"] == CONSIGNEE
    with pytest.raises(Conflict) as refused:
        approve(session, clock, settings, officer, app)  # type: ignore[arg-type]
    assert refused.value.code == "screening.unresolved_hits"
    for hit in hits:
        screening.resolve_hit(
            session, actor=officer, clock=clock, hit_id=hit.id,  # type: ignore[arg-type]
            decision="dismiss", reason="different company: Munich register HRB 1, not Cologne",
        )  # fmt: skip
    approved = approve(session, clock, settings, officer, app)  # type: ignore[arg-type]
    assert approved.state == "approved"


def test_open_hits_keep_a_case_out_of_the_green_channel(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    load(session, clock, settings, row(1, CONSIGNEE, lst="watch_list"))
    app, _ = case(session, clock, settings)
    assessed = assessment.assess_green_channel(
        session, application=app, clock=clock, settings=settings
    )
    rule = next(r for r in assessed.results if r.rule == "no_open_screening_hits")
    assert not assessed.eligible
    assert not rule.passed
    assert "2 open screening hits" in rule.explanation


def test_a_confirmed_control_list_party_forces_denial_citing_the_announcement(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    load(session, clock, settings, row(1, CONSIGNEE))
    app, officer = case(session, clock, settings)
    for hit in screening.hits(session, app.id):
        screening.resolve_hit(
            session, actor=officer, clock=clock, hit_id=hit.id,  # type: ignore[arg-type]
            decision="confirm", reason="same register number as the listed company",
        )  # fmt: skip
    with pytest.raises(Conflict) as refused:
        approve(session, clock, settings, officer, app)  # type: ignore[arg-type]
    assert refused.value.code == "screening.control_list_party"
    assert NO_1 in refused.value.message


def test_a_dismissal_is_remembered_until_the_entry_changes(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    load(session, clock, settings, row(1, CONSIGNEE, lst="watch_list"))
    app, officer = case(session, clock, settings)
    for hit in screening.hits(session, app.id):
        screening.resolve_hit(
            session, actor=officer, clock=clock, hit_id=hit.id,  # type: ignore[arg-type]
            decision="dismiss", reason="another company of that name",
        )  # fmt: skip
    raised = case_screening.screen_case(
        session,
        actor=officer,  # type: ignore[arg-type]
        clock=clock,
        settings=settings,
        application_id=app.id,
    )
    assert raised == []  # nothing new: the same entry, already resolved for this case
    # The exporter's next case names the same consignee record: raised already dismissed.
    company = session.get(Company, app.exporter_id)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    later = filed_and_accepted(session, clock, settings, exporter, officer)  # type: ignore[arg-type]
    remembered = screening.hits(session, later.id)
    assert {h.status for h in remembered} == {"dismissed"}
    assert all("dismissed before" in h.reason for h in remembered)
    # The entry changes (a source added): screened again, the hit is open again.
    result = load(session, clock, settings, row(1, CONSIGNEE, lst="watch_list", extra="S99"))
    assert result.changed == 1
    statuses = sorted(h.status for h in screening.hits(session, app.id))
    assert statuses == ["dismissed", "dismissed", "open", "open"]
    triggers = {h.trigger for h in screening.hits(session, app.id) if h.status == "open"}
    assert triggers == {"list_change"}


def test_delta_rescreening_raises_hits_on_open_cases_for_added_entries_only(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    load(session, clock, settings, row(1, "Nordic Magnet Trading AB", country="SE"))
    app, _ = case(session, clock, settings)
    assert screening.hits(session, app.id) == []
    result = load(
        session,
        clock,
        settings,
        row(1, "Nordic Magnet Trading AB", country="SE"),
        row(2, CONSIGNEE),
    )
    assert (result.added, result.changed) == (1, 0)
    hits = screening.hits(session, app.id)
    assert {(h.party_role, h.trigger) for h in hits} == {
        ("consignee", "list_change"),
        ("end_user", "list_change"),
    }


def test_suspended_entries_raise_no_hit_and_only_officers_resolve(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    suspended = row(1, CONSIGNEE).replace(
        "active,,,", "suspended,2025-02-01,商务部公告2025年第9号,"
    )
    load(session, clock, settings, suspended, row(2, CONSIGNEE, lst="watch_list"))
    app, officer = case(session, clock, settings)
    hits = screening.hits(session, app.id)
    assert {h.entity_id for h in hits} == {"cn-mofcom:watch_list-2025-1-2"}
    exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    with pytest.raises(Forbidden):
        screening.resolve_hit(
            session, actor=exporter, clock=clock, hit_id=hits[0].id, decision="dismiss",
            reason="not us",
        )  # fmt: skip
    with pytest.raises(Forbidden):
        case_screening.case_hits(session, actor=exporter, application_id=app.id)
    screening.resolve_hit(
        session, actor=officer, clock=clock, hit_id=hits[0].id,  # type: ignore[arg-type]
        decision="confirm", reason="same company",
    )  # fmt: skip
    with pytest.raises(InvalidTransition):
        screening.resolve_hit(
            session, actor=officer, clock=clock, hit_id=hits[0].id,  # type: ignore[arg-type]
            decision="dismiss", reason="changed my mind",
        )  # fmt: skip


def test_officers_see_the_hits_on_the_case_and_the_applicant_never_does(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    load(session, clock, settings, row(1, CONSIGNEE, lst="watch_list"))
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    seen = views.application_view(
        session, actor=officer, clock=clock, settings=settings, key=app.id
    )
    assert seen.screening is not None
    assert (seen.screening["open"], len(seen.screening["hits"])) == (2, 2)
    assert seen.screening["hits"][0]["entity_id"] == "cn-mofcom:watch_list-2025-1-1"
    own = views.application_view(
        session, actor=exporter, clock=clock, settings=settings, key=app.id
    )
    assert own.screening is None
    assert own.green_channel is not None
    rule = next(r for r in own.green_channel["results"] if r["rule"] == "no_open_screening_hits")
    assert rule["explanation"] == views.SCREENING_HIDDEN
    assert "watch" not in str(own.model_dump())


def test_an_applicant_whose_credit_code_is_on_a_list_is_hit_whatever_its_name(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock, name="Harmless Sounding Trading Co.")
    us_row = (
        "list,list_entry_id,name,entity_type,address,country,identifiers,date_added\n"
        f'"Entity List (EL) - Bureau of Industry and Security",e1,Some Other Name Ltd,,'
        f'"1 Road, Beijing, CN",,"CN, {company.uscc}, Unified Social Credit Code (USCC)",'
        "2022-01-01\n"
    )
    result = watch_lists.import_list(
        session, actor=None, clock=clock, fmt="us-export-csv", files=[us_row.encode()],
        file_names=["us.csv"], shrink_limit=settings.list_shrink_limit,
    )  # fmt: skip
    assert result.entities == 1
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    (hit,) = screening.hits(session, app.id)
    assert (hit.party_role, hit.entity_id, hit.score) == ("applicant", "us-export:e1", 1.0)
    assert hit.explanation["matched_by"] == "identifier"


def test_an_officer_linked_to_the_exporter_may_not_resolve_its_hits(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    load(session, clock, settings, row(1, CONSIGNEE, lst="watch_list"))
    app, _ = case(session, clock, settings)
    linked = make_actor(session, clock, Role.LICENSING_OFFICER)
    declare_conflict(
        session, clock=clock, actor=None, user_id=linked.user_id,
        company_id=app.exporter_id, reason="former employer",
    )  # fmt: skip
    hit = screening.hits(session, app.id)[0]
    with pytest.raises(Forbidden) as refused:
        case_screening.resolve_case_hit(
            session, actor=linked, clock=clock, hit_id=hit.id, decision="dismiss",
            reason="not them",
        )  # fmt: skip
    assert refused.value.code == "auth.conflict_of_interest"
    assert screening.hits(session, app.id)[0].status == "open"


def test_a_replaced_consignee_is_screened_again_and_inherits_no_dismissal(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    load(session, clock, settings, row(1, CONSIGNEE, lst="watch_list"))
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    app = filed_and_accepted(session, clock, settings, exporter, officer)
    for hit in screening.hits(session, app.id):
        screening.resolve_hit(
            session, actor=officer, clock=clock, hit_id=hit.id, decision="dismiss",
            reason="namesake in Munich",
        )  # fmt: skip
    review.transition(
        session, actor=officer, clock=clock, settings=settings, application_id=app.id,
        action=Action.REQUEST_INFORMATION, reason="Who is the consignee?",
    )  # fmt: skip
    moved = {"name": CONSIGNEE, "country": "RU", "address": "Tverskaya 1, Moscow"}
    filing.amend_application(
        session, actor=exporter, clock=clock, settings=settings, application_id=app.id,
        data=ApplicationAmend.model_validate({"consignee": moved, "end_user": moved}),
    )  # fmt: skip
    review.transition(
        session, actor=exporter, clock=clock, settings=settings, application_id=app.id,
        action=Action.SUPPLY_INFORMATION,
    )  # fmt: skip
    fresh = [h for h in screening.hits(session, app.id) if h.trigger == "submission"]
    assert len(fresh) == 4  # the two first hits, and two for the new party
    assert sorted(h.status for h in fresh) == ["dismissed", "dismissed", "open", "open"]
    with pytest.raises(Conflict):
        approve(session, clock, settings, officer, app)


def test_a_green_lane_case_hit_after_a_list_change_moves_to_the_ordinary_lane(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    applicant = Applicant(session, clock, settings)
    case_ = applicant.accept()
    assert case_.lane == "green"
    load(session, clock, settings, row(1, CONSIGNEE, lst="watch_list"))
    assert case_.lane == "ordinary"
    view = views.application_view(
        session, actor=applicant.officer, clock=clock, settings=settings, key=case_.id
    )
    assert view.green_channel is not None
    assert view.green_channel["eligible"] is False
