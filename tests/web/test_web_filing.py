"""Filing in steps over HTTP (issue 11), on SQLite and PostgreSQL: the items step (found in the
control list, several lines, every problem of the form at once, then the list's refusal beside
its line), the parties step, the draft's task list, changing a draft, checking the answers,
submission refused while a document is missing, and documents downloaded by their owner only."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.licensing.filing import REQUIRED_DOCUMENTS, attach_document, file_application
from rarex.models import Application, ApplicationLine
from tests.factories import application_data, make_actor, make_company
from tests.web.site_helpers import SITE, TestClient, csrf_of, sign_in, user_with_password

PARTIES = {
    "license_type": "single", "contract_reference": "RAT-2025-0601",
    "consignee_name": "Rheinland Antriebstechnik GmbH", "consignee_country": "DE",
    "end_user_name": "Rheinland Antriebstechnik GmbH", "end_user_country": "DE",
    "end_use_category": "ev_motors",
    "end_use_statement": "Traction motors for passenger EVs; no re-export without consent.",
}  # fmt: skip


def _line(n: int, **fields: str) -> dict[str, str]:
    line = {
        "control_code": "1C905.a", "hs_code": "2805301200", "description": "Dysprosium metal",
        "quantity_kg": "500", "value": "45000", "currency": "USD",
    } | fields  # fmt: skip
    return {f"line-{n}-{name}": value for name, value in line.items()}


def _post(site: TestClient, path: str, token: str, **form: Any) -> Any:
    return site.post(path, data={"csrf_token": token} | form, headers={"Origin": SITE})


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', page)
    assert found is not None, f"no problem shown beside {field}"
    return found.group(1)


def _applications(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Application)) or 0


@pytest.fixture
def exporter_site(site: TestClient, session: Session, clock: FixedClock) -> tuple[TestClient, str]:
    company = make_company(session, clock)
    sign_in(site, user_with_password(session, clock, Role.EXPORTER, company))
    page = site.get("/exporter/applications/new")
    assert page.status_code == 200
    return site, csrf_of(page.text)


def test_a_filing_in_two_steps_shows_every_problem_beside_its_field_and_keeps_the_typing(
    exporter_site: tuple[TestClient, str], session: Session
) -> None:
    site, token = exporter_site
    new = "/exporter/applications/new"
    before = _applications(session)
    # two lines, each wrong in its own way: both shown at once, beside their fields
    wrong = _post(
        site, new, token, step="items", command="continue",
        **_line(0, quantity_kg="five hundred"), **_line(1, hs_code=""),
    )  # fmt: skip
    assert wrong.status_code == 422
    assert "decimal" in _error(wrong.text, "line-0-quantity_kg")
    assert _error(wrong.text, "line-1-hs_code")
    assert 'value="five hundred"' in wrong.text  # what was typed is kept
    # the shapes right, the control list's refusal beside its own line's field
    refused = _post(
        site, new, token, step="items", command="continue",
        **_line(0), **_line(1, hs_code="2805301300"),
    )  # fmt: skip
    assert refused.status_code == 422
    assert "2805301300 belongs to 1C904" in _error(refused.text, "line-1-hs_code")
    # right: the parties step, the lines carried along
    parties = _post(
        site, new, token, step="items", command="continue",
        **_line(0), **_line(1, control_code="1C904.a", hs_code="2805301300", quantity_kg="25.5"),
    )  # fmt: skip
    assert parties.status_code == 200
    assert "Who receives the items" in parties.text
    assert 'name="line-1-quantity_kg" value="25.5"' in parties.text
    # an unknown country: refused beside it, nothing filed yet
    lines = _line(0) | _line(1, control_code="1C904.a", hs_code="2805301300", quantity_kg="25.5")
    bad_country = _post(
        site, new, token, step="parties", command="continue",
        **(PARTIES | {"end_user_country": "XQ"}), **lines,
    )  # fmt: skip
    assert bad_country.status_code == 422
    assert _error(bad_country.text, "end_user_country")
    assert 'value="Rheinland Antriebstechnik GmbH"' in bad_country.text
    assert _applications(session) == before
    filed = _post(site, new, token, step="parties", command="continue", **PARTIES, **lines)
    assert filed.status_code == 303
    reference = filed.headers["location"].rsplit("/", 1)[1]
    stored = session.scalars(
        select(ApplicationLine)
        .join(Application)
        .where(Application.reference == reference)
        .order_by(ApplicationLine.line_no)
    ).all()
    assert [(ln.control_code, ln.quantity_kg) for ln in stored] == [
        ("1C905.a", Decimal("500")),
        ("1C904.a", Decimal("25.5")),
    ]
    draft = site.get(filed.headers["location"]).text
    assert "Complete the application" in draft
    assert "4 missing" in draft  # the four required documents
    assert "镝 dysprosium (Dy)" in draft  # each item's element in both scripts
    assert "铽 terbium (Tb)" in draft
    assert "starts when the authority accepts" in draft


def test_the_item_finder_answers_by_element_and_fills_the_line(
    exporter_site: tuple[TestClient, str],
) -> None:
    site, token = exporter_site
    new = "/exporter/applications/new"
    found = _post(site, new, token, step="items", command="find", item_query="镝", **_line(0))
    assert found.status_code == 200
    assert "1C905.a" in found.text
    assert "Controlled" in found.text
    assert 'value="use:1C905.a:2805301200"' in found.text
    # the first line has its item, so the one chosen opens a second line
    used = _post(site, new, token, step="items", command="use:1C904.a:2805301300", **_line(0))
    assert 'name="line-1-control_code" type="text" value="1C904.a"' in used.text
    assert 'name="line-1-hs_code" type="text" value="2805301300"' in used.text
    # not an entry of the list: nothing is filled in
    forged = _post(site, new, token, step="items", command="use:9Z999.z:1", **_line(0))
    assert "9Z999" not in forged.text
    removed = _post(
        site, new, token, step="items", command="remove:0",
        **_line(0), **_line(1, control_code="1C904.a"),
    )  # fmt: skip
    assert 'name="line-0-control_code" type="text" value="1C904.a"' in removed.text
    assert "line-1-control_code" not in removed.text
    nothing = _post(site, new, token, step="items", command="find", item_query="unobtainium")
    assert "Nothing on the control list matches" in nothing.text


def test_problems_read_in_chinese(exporter_site: tuple[TestClient, str]) -> None:
    site, token = exporter_site
    wrong = site.post(
        "/exporter/applications/new",
        data={"csrf_token": token, "step": "items", "command": "continue"}
        | _line(0, quantity_kg="-5"),
        headers={"Origin": SITE, "Accept-Language": "zh-CN"},
    )
    assert wrong.status_code == 422
    assert _error(wrong.text, "line-0-quantity_kg") == "数量必须大于零。"


def test_a_filing_form_without_its_token_files_nothing(
    exporter_site: tuple[TestClient, str], session: Session
) -> None:
    site, _ = exporter_site
    before = _applications(session)
    forged = site.post(
        "/exporter/applications/new",
        data={"step": "parties", "command": "continue"} | PARTIES | _line(0),
        headers={"Origin": SITE},
    )
    assert forged.status_code == 403
    assert _applications(session) == before


def _draft_of(session: Session, clock: FixedClock, settings: Settings) -> tuple[Any, Any]:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    draft = file_application(
        session, clock=clock, actor=exporter, settings=settings, data=application_data()
    )
    return company, draft


def test_a_draft_is_changed_checked_and_submitted_once_its_documents_are_in(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    company, draft = _draft_of(session, clock, settings)
    sign_in(site, user_with_password(session, clock, Role.EXPORTER, company))
    path = f"/exporter/applications/{draft.reference}"
    items = site.get(f"{path}/items")
    assert 'name="line-0-quantity_kg" type="text" value="500"' in items.text
    token = csrf_of(items.text)
    changed = _post(site, f"{path}/items", token, command="continue", **_line(0, quantity_kg="750"))
    assert changed.status_code == 303
    session.expire_all()
    assert session.scalars(
        select(ApplicationLine.quantity_kg).where(ApplicationLine.application_id == draft.id)
    ).all() == [Decimal("750")]
    parties = _post(
        site, f"{path}/parties", token, command="continue",
        **(PARTIES | {"contract_reference": "RAT-2025-0602", "consignee_country": "??"}),
    )  # fmt: skip
    assert parties.status_code == 422
    assert _error(parties.text, "consignee_country")
    saved = _post(
        site, f"{path}/parties", token, command="continue",
        **(PARTIES | {"contract_reference": "RAT-2025-0602"}),
    )  # fmt: skip
    assert saved.status_code == 303
    check = site.get(f"{path}/check")
    assert "RAT-2025-0602" in check.text
    assert "750.000" in check.text
    early = _post(site, f"{path}/submit", token)
    assert early.status_code == 422
    assert "cannot be submitted while a required document is missing" in early.text
    assert "End-user certificate (with Chinese translation)" in early.text  # named
    for kind in REQUIRED_DOCUMENTS:
        uploaded = site.post(
            f"{path}/documents",
            data={"csrf_token": token, "kind": kind},
            files={"file": (f"{kind}.pdf", b"%PDF-1.4 " + kind.encode(), "application/pdf")},
            headers={"Origin": SITE},
        )
        assert uploaded.status_code == 303
    assert _post(site, f"{path}/submit", token).status_code == 303
    page = site.get(path).text
    assert "Submitted" in page
    # submitted: no more changes, the step pages send back to the application
    late = _post(site, f"{path}/items", token, command="continue", **_line(0, quantity_kg="1"))
    assert late.status_code == 422
    assert site.get(f"{path}/items").status_code == 303


def test_documents_are_downloaded_by_their_company_only(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    company, draft = _draft_of(session, clock, settings)
    other_company, other_draft = _draft_of(session, clock, settings)
    owner = make_actor(session, clock, Role.EXPORTER, company=company)
    other_exporter = make_actor(session, clock, Role.EXPORTER, company=other_company)
    own = attach_document(
        session, actor=owner, clock=clock, settings=settings, application_id=draft.id,
        kind="contract", filename="Vertrag «Nr. 7».pdf", media_type="application/pdf",
        content=b"%PDF-1.4 contract",
    )  # fmt: skip
    other_doc = attach_document(
        session, actor=other_exporter, clock=clock,
        settings=settings, application_id=other_draft.id, kind="contract",
        filename="theirs.pdf", media_type="application/pdf", content=b"%PDF-1.4 theirs",
    )  # fmt: skip
    sign_in(site, user_with_password(session, clock, Role.EXPORTER, company))
    mine = site.get(f"/exporter/applications/{draft.reference}/documents/{own.id}")
    assert mine.status_code == 200
    assert mine.content == b"%PDF-1.4 contract"
    assert mine.headers["content-disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''Vertrag%20%C2%ABNr.%207%C2%BB.pdf" in mine.headers["content-disposition"]
    )
    for path in (
        f"/exporter/applications/{other_draft.reference}/documents/{other_doc.id}",
        f"/exporter/applications/{draft.reference}/documents/{other_doc.id}",
        f"/exporter/applications/{draft.reference}/documents/{uuid.uuid4()}",
        f"/exporter/applications/{draft.reference}/documents/not-an-id",
    ):
        hidden = site.get(path)
        assert hidden.status_code == 404, path
        assert b"theirs" not in hidden.content


def test_the_api_finds_items_and_serves_documents_to_their_owner_only(
    session: Session, clock: FixedClock, settings: Settings, site: TestClient
) -> None:
    from rarex.auth.service import issue_token

    company, draft = _draft_of(session, clock, settings)
    owner = make_actor(session, clock, Role.EXPORTER, company=company)
    stranger = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    document = attach_document(
        session, actor=owner, clock=clock, settings=settings, application_id=draft.id,
        kind="contract", filename="c.pdf", media_type="application/pdf", content=b"%PDF c",
    )  # fmt: skip

    def headers(actor: Any) -> dict[str, str]:
        token = issue_token(session, clock=clock, actor=None, user_id=actor.user_id, label="t")
        return {"Authorization": f"Bearer {token}"}

    found = site.get("/api/v1/catalog/search", params={"q": "dysprosium"}, headers=headers(owner))
    assert found.status_code == 200
    codes = [m["code"] for m in found.json()["matches"]]
    assert codes
    assert all(code.startswith("1C905.") for code in codes)
    assert "2805301200" in found.json()["matches"][0]["hs_codes"]
    url = f"/api/v1/applications/{draft.reference}/documents/{document.id}"
    assert site.get(url, headers=headers(owner)).content == b"%PDF c"
    refused = site.get(url, headers=headers(stranger))
    assert refused.status_code == 404
    assert refused.json()["code"] == "application.not_found"


def test_a_license_page_shows_what_drew_on_it_to_its_company_only(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    from rarex.auth.service import issue_token
    from rarex.customs import filing as customs_filing
    from tests.customs.customs_factories import declaration, licensed, line

    setup = licensed(session, clock, settings)
    filed = customs_filing.file_declaration(
        session, actor=setup.customs, clock=clock, settings=settings,
        data=declaration(setup, lines=[line(net_kg="120.5")]),
    )  # fmt: skip
    sign_in(site, user_with_password(session, clock, Role.EXPORTER, setup.company))
    page = site.get(f"/exporter/licenses/{setup.license.number}")
    assert page.status_code == 200
    assert f"{filed.number} / 1" in page.text
    assert "120.500" in page.text
    assert "379.500" in page.text  # 500 granted, 120.5 drawn: what remains
    stranger = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    token = issue_token(session, clock=clock, actor=None, user_id=stranger.user_id, label="t")
    url = f"/api/v1/licenses/{setup.license.number}/drawdowns"
    hidden = site.get(url, headers={"Authorization": f"Bearer {token}"})
    assert hidden.status_code == 404
    own = issue_token(session, clock=clock, actor=None, user_id=setup.exporter.user_id, label="t")
    ledger = site.get(url, headers={"Authorization": f"Bearer {own}"}).json()
    assert [(e["declaration_number"], e["kind"], e["kg"]) for e in ledger] == [
        (filed.number, "draw", "120.500")
    ]


def test_the_dashboard_says_the_clock_the_open_requests_and_the_licenses_balances(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    from rarex.licensing.review import transition
    from rarex.licensing.states import Action
    from rarex.licensing.views import license_view
    from rarex.models import License
    from tests.factories import approve, filed_and_accepted

    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    approved = filed_and_accepted(session, clock, settings, exporter, officer)
    approve(session, clock, settings, officer, approved)
    asked = filed_and_accepted(session, clock, settings, exporter, officer)
    transition(
        session, actor=officer, clock=clock, settings=settings, application_id=asked.id,
        action=Action.REQUEST_INFORMATION, reason="Send the photos",
    )  # fmt: skip
    number = session.scalar(select(License.number).where(License.application_id == approved.id))
    assert number is not None
    sign_in(site, user_with_password(session, clock, Role.EXPORTER, company))
    page = site.get("/exporter").text
    waiting = page.split('id="waiting-heading"', 1)[1].split("</section>", 1)[0]
    assert asked.reference in waiting
    assert approved.reference not in waiting
    # the stopped case: its working days used and left, marked stopped
    view = license_view(session, actor=exporter, number=number)
    row = page.split(f">{asked.reference}</a></td>", 1)[1].split("</tr>", 1)[0]
    assert "(stopped)" in row
    assert ">45 <span" in row  # 0 used of 45: nothing counted while it waited
    licenses = page.split('id="licenses"', 1)[1]
    assert number in licenses
    granted = view.lines[0].granted_kg
    assert f"{view.lines[0].remaining_kg:,.3f} of {granted:,.3f}" in licenses
