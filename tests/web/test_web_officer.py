"""The licensing officer's desk over HTTP (issue 12), on SQLite and PostgreSQL: the queues
behind sign-in and role, a case accepted, asked about, returned and decided from its page
through the same services as the API; a refused step shown beside its form with nothing
changed; an officer with a declared conflict reads the case and can do nothing to it; a
screening hit dismissed with its reason."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.auth.service import declare_conflict
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.licensing import filing, review
from rarex.licensing.states import Action
from rarex.models import Application, LicenseLine
from tests.factories import (
    application_data,
    attach_required_documents,
    make_actor,
    make_company,
)
from tests.screening.test_screening_workflow import load, row
from tests.web.site_helpers import SITE, TestClient, csrf_of, sign_in, user_with_password


def _submitted(session: Session, clock: FixedClock, settings: Settings, **data: Any) -> Any:
    company = make_company(session, clock, name="Ganzhou Rare Earth Trading")
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    draft = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings, data=application_data(**data)
    )
    attach_required_documents(session, clock, settings, exporter, draft)
    review.transition(
        session, actor=exporter, clock=clock, settings=settings, application_id=draft.id,
        action=Action.SUBMIT,
    )  # fmt: skip
    return draft


def _state(session: Session, application: Any) -> str:
    session.expire_all()
    return str(session.scalar(select(Application.state).where(Application.id == application.id)))


def _post(site: TestClient, path: str, token: str, **form: str) -> Any:
    return site.post(path, data={"csrf_token": token} | form, headers={"Origin": SITE})


def _queue(site: TestClient, name: str) -> str:
    """The rows of one of the desk's queues (the news above them name cases too)."""
    page = site.get(f"/officer?queue={name}").text
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_the_desk_is_the_authoritys_only(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    assert site.get("/officer").headers["location"] == "/login?next=/officer"
    users = {
        role: user_with_password(
            session, clock, role, make_company(session, clock) if role is Role.EXPORTER else None
        )
        for role in (Role.EXPORTER, Role.CUSTOMS_OFFICER, Role.ANALYST)
    }
    for role, username in users.items():
        sign_in(site, username)
        assert site.get("/officer").status_code == 403, role


def test_an_officer_takes_a_case_from_intake_to_a_decision_in_the_pages(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    case = _submitted(session, clock, settings)
    signed = sign_in(site, user_with_password(session, clock, Role.LICENSING_OFFICER))
    assert signed.headers["location"] == "/officer"  # the desk is an officer's home
    desk = site.get("/officer")
    assert desk.status_code == 200
    assert case.reference in desk.text
    assert re.search(r'aria-current="page">Intake <strong>1</strong>', desk.text)
    path = f"/officer/applications/{case.reference}"
    page = site.get(path)
    token = csrf_of(page.text)
    assert "Ganzhou Rare Earth Trading" in page.text
    assert "Controlled" in page.text  # the line's standing on the filing date
    # a step the table does not allow from here: refused beside its form, nothing changed
    early = _post(site, f"{path}/transition", token, action="start_review", reason="")
    assert early.status_code == 409
    assert 'id="step-start_review-error"' in early.text
    assert _state(session, case) == "submitted"
    assert _post(site, f"{path}/transition", token, action="accept").status_code == 303
    assert _state(session, case) == "accepted"
    assert case.reference not in _queue(site, "intake")
    lane = "green" if "Green channel" in site.get(path).text.split("<h2", 1)[0] else "ordinary"
    assert case.reference in _queue(site, lane)
    assert _post(site, f"{path}/transition", token, action="start_review").status_code == 303
    asked = _post(
        site, f"{path}/transition", token, action="request_information",
        reason="Send the magnets' datasheet",
    )  # fmt: skip
    assert asked.status_code == 303
    assert case.reference in _queue(site, "waiting")
    # the decision form: a grant above what was asked refused beside the form, typing kept
    session.expire_all()
    review.supply_information(
        session, actor=_exporter_of(session, case), clock=clock, settings=settings,
        application_id=case.id, answer="Attached.", document=None,
    )  # fmt: skip
    too_much = _post(
        site, f"{path}/decision", token, outcome="approved", reason="Civil end use",
        **{"granted-1": "900"}, conditions="Report each shipment",
    )  # fmt: skip
    assert too_much.status_code == 422
    assert "Report each shipment" in too_much.text
    assert _state(session, case) == "under_review"
    approved = _post(
        site, f"{path}/decision", token, outcome="approved", reason="Civil end use",
        **{"granted-1": "300"}, conditions="Report each shipment",
    )  # fmt: skip
    assert approved.status_code == 303
    assert _state(session, case) == "approved"
    granted = session.scalars(select(LicenseLine.granted_kg)).all()
    assert Decimal("300") in granted
    trail = site.get(path).text.split("Audit trail", 1)[1]
    actions = re.findall(r'<td class="code">([a-z_.]+)</td>', trail)
    assert actions[0] == "application.filed", actions
    assert actions.index("application.accept") < actions.index("application.approve")
    assert actions.count("document.attached") == 4


def _exporter_of(session: Session, case: Any) -> Any:
    from rarex.auth.service import actor_for_username
    from rarex.models import User

    user = session.scalars(
        select(User).where(User.company_id == case.exporter_id, User.role == "exporter")
    ).first()
    assert user is not None
    return actor_for_username(session, username=user.username)


def test_a_decision_without_a_reason_is_refused_beside_it(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    case = _submitted(session, clock, settings)
    sign_in(site, user_with_password(session, clock, Role.LICENSING_OFFICER))
    path = f"/officer/applications/{case.reference}"
    token = csrf_of(site.get(path).text)
    for action in ("accept", "start_review"):
        assert _post(site, f"{path}/transition", token, action=action).status_code == 303
    refused = _post(site, f"{path}/decision", token, outcome="denied", reason="")
    assert refused.status_code == 422
    shown = re.search(r'<p class="problem" role="alert">([^<]+)</p>', refused.text)
    assert shown is not None
    assert "reason" in shown.group(1)
    assert _state(session, case) == "under_review"


def test_an_officer_with_a_declared_conflict_reads_the_case_and_cannot_act(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    case = _submitted(session, clock, settings)
    username = user_with_password(session, clock, Role.LICENSING_OFFICER)
    from rarex.auth.service import actor_for_username

    officer = actor_for_username(session, username=username)
    declare_conflict(
        session, clock=clock, actor=None, user_id=officer.user_id,
        company_id=case.exporter_id, reason="My brother works there",
    )  # fmt: skip
    sign_in(site, username)
    path = f"/officer/applications/{case.reference}"
    page = site.get(path)
    assert page.status_code == 200
    assert "You can read this case but not act on it" in page.text
    assert f'action="{path}/transition"' not in page.text  # no form offered
    token = csrf_of(page.text)
    refused = _post(site, f"{path}/transition", token, action="accept")
    assert refused.status_code == 403
    assert _state(session, case) == "submitted"


def test_a_screening_hit_is_dismissed_with_its_reason(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    load(session, clock, settings, row(1, "Rheinland Antriebstechnik GmbH"))
    case = _submitted(session, clock, settings)
    sign_in(site, user_with_password(session, clock, Role.LICENSING_OFFICER))
    path = f"/officer/applications/{case.reference}"
    page = site.get(path)
    hits = re.findall(r'action="/officer/hits/([0-9a-f-]+)"', page.text)
    assert hits, "the listed consignee is a hit on the case page"
    token = csrf_of(page.text)
    no_reason = _post(
        site, f"/officer/hits/{hits[0]}", token, decision="dismiss", reason="",
        reference=case.reference,
    )  # fmt: skip
    assert no_reason.status_code == 422
    dismissed = _post(
        site, f"/officer/hits/{hits[0]}", token, decision="dismiss",
        reason="Another company of the same name, other register number",
        reference=case.reference,
    )  # fmt: skip
    assert dismissed.status_code == 303
    after = site.get(path).text
    assert "Dismissed: Another company of the same name" in after


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("queue=nothing", "unknown queue"),
        ("sort=price", "unknown order"),
        ("control_code=9Z", "not a control code"),
    ],
)
def test_a_bad_desk_query_is_answered_beside_its_field(
    site: TestClient, session: Session, clock: FixedClock, query: str, shown: str
) -> None:
    sign_in(site, user_with_password(session, clock, Role.LICENSING_OFFICER))
    answer = site.get(f"/officer?{query}")
    assert answer.status_code == 422
    problems = re.findall(r'class="(?:problem|error)"[^>]*>([^<]+)<', answer.text)
    assert any(shown in p for p in problems), problems


def test_the_api_answers_the_desk_as_data(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    from rarex.auth.service import issue_token

    case = _submitted(session, clock, settings)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    exporter = _exporter_of(session, case)

    def bearer(actor: Any) -> dict[str, str]:
        token = issue_token(session, clock=clock, actor=None, user_id=actor.user_id, label="t")
        return {"Authorization": f"Bearer {token}"}

    answer = site.get("/api/v1/desk", params={"queue": "intake"}, headers=bearer(officer))
    assert answer.status_code == 200
    body = answer.json()
    assert [item["reference"] for item in body["items"]] == [case.reference]
    assert body["counts"]["intake"] == 1
    assert set(body["counts"]) == {
        "intake", "green", "ordinary", "at_risk", "overdue", "waiting", "consultation", "referred",
    }  # fmt: skip
    bad = site.get("/api/v1/desk", params={"queue": "all"}, headers=bearer(officer))
    assert bad.status_code == 422
    assert bad.json()["code"] == "queue.unknown_queue"
    assert site.get("/api/v1/desk", headers=bearer(exporter)).status_code == 403


def test_the_desk_and_the_dashboard_say_what_changed_since_the_user_last_looked(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    mine = _submitted(session, clock, settings)
    theirs = _submitted(session, clock, settings)
    exporter = _exporter_of(session, mine)
    exporter_name = exporter.username
    from rarex.auth.sign_in import set_password
    from tests.web.site_helpers import CHEAP_POLICY, PASSWORD

    set_password(
        session, clock=clock, actor=None, username=exporter_name, password=PASSWORD,
        policy=CHEAP_POLICY,
    )  # fmt: skip
    officer_name = user_with_password(session, clock, Role.LICENSING_OFFICER)
    sign_in(site, officer_name)
    desk = site.get("/officer").text
    news = desk.split('id="news-heading"', 1)[1].split("</section>", 1)[0]
    assert "New submission" in news
    assert mine.reference in news
    assert theirs.reference in news
    upto = re.search(r'name="upto" value="(\d+)"', desk)
    assert upto is not None
    seen = _post(site, "/news/seen", csrf_of(desk), upto=upto.group(1), next="/officer")
    assert seen.headers["location"] == "/officer"
    assert 'id="news-heading"' not in site.get("/officer").text  # nothing new since
    # the officer asks the exporter something: news for that exporter only
    path = f"/officer/applications/{mine.reference}"
    token = csrf_of(site.get(path).text)
    for action in ("accept", "start_review"):
        _post(site, f"{path}/transition", token, action=action)
    _post(site, f"{path}/transition", token, action="request_information", reason="Photos?")
    sign_in(site, exporter_name)
    dashboard = site.get("/exporter").text
    news = dashboard.split('id="news-heading"', 1)[1].split("</section>", 1)[0]
    assert "The authority asks for information" in news
    assert mine.reference in news
    assert theirs.reference not in news  # another company's case is never news here


def test_lane_performance_is_a_table_and_a_chart_at_the_desk(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    from tests.factories import approve, filed_and_accepted

    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    approve(session, clock, settings, officer, filed_and_accepted(session, clock, settings,
                                                                  exporter, officer))  # fmt: skip
    outsider = user_with_password(session, clock, Role.EXPORTER, make_company(session, clock))
    sign_in(site, user_with_password(session, clock, Role.LICENSING_OFFICER))
    page = site.get("/officer/lanes")
    assert page.status_code == 200
    row = re.search(r"<td>(\d{4}-\d{2})</td><td>(Ordinary|Green channel)</td>", page.text)
    assert row is not None
    assert 'src="/officer/lanes.svg"' in page.text
    chart = site.get("/officer/lanes.svg")
    assert chart.status_code == 200
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.headers["cache-control"].startswith("private")
    assert 'role="img"' in chart.text
    assert '<title id="chart-title">Median working days to decision, by lane</title>' in chart.text
    year, month = (int(part) for part in row.group(1).split("-"))
    said = chart.text.split('<desc id="chart-desc">', 1)[1].split("</desc>", 1)[0]
    assert f"In {date(year, month, 1):%B %Y}" in said, said  # the month of the decision
    sign_in(site, outsider)
    assert site.get("/officer/lanes.svg").status_code == 403
