"""The desks' boundaries in the browser (issue 12): an exporter never sees another's case or
documents and cannot reach the desks; an officer with a declared conflict reads the case with
the reason and cannot act on it, not even by posting the form; a customs officer cannot decide
applications; a batch of declarations with malformed rows reports each with its field, files
the rest, and files nothing twice when sent again; an administrator issues a token (shown
once) and verifies the audit chain. Every page visited is checked with axe-core."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from rarex.clock import authority_date
from rarex.customs.tabular import HEADER_COLUMNS, LINE_COLUMNS
from tests.web.browser.conftest import PASSWORD, LiveSite, signed_in
from tests.web.browser.test_browser_sign_in import _accessible, _shot

RHEINLAND = "Rheinland Antriebstechnik GmbH"  # the consignee of the seed's licenses


def _api(site: LiveSite, path: str) -> Any:
    answer = httpx.get(
        f"{site.url}/api/v1{path}",
        headers={"Authorization": f"Bearer {site.officer_token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _intake_case(site: LiveSite) -> str:
    """The seed's submitted case of the first exporter (the conflicted officer's company)."""
    cases = _api(site, "/applications?limit=200")["items"]
    return next(
        c["reference"]
        for c in cases
        if c["state"] == "submitted" and c["exporter"] == "Ganzhou Rare Earth Trading"
    )


def _form_post(page: Any, path: str, form: dict[str, str]) -> Any:
    """The page's browser posts ``form`` with its own session's form token, as a form would."""
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    origin = "/".join(path.split("/", 3)[:3])
    return page.request.post(path, form={"csrf_token": token, **form}, headers={"Origin": origin})


def test_another_companys_documents_are_not_found(page: Any, live_site: LiveSite) -> None:
    """Signed in as the other exporter, the first one's application and document are 404."""
    first = httpx.get(
        f"{live_site.url}/api/v1/applications",
        headers={"Authorization": f"Bearer {live_site.officer_token}"},
        timeout=10,
    ).json()["items"]
    owned = next(item for item in first if item["state"] == "information_requested")
    view = httpx.get(
        f"{live_site.url}/api/v1/applications/{owned['reference']}",
        headers={"Authorization": f"Bearer {live_site.officer_token}"},
        timeout=10,
    ).json()
    document = view["documents"][0]["id"]
    licensed = next(
        lic["number"]
        for lic in _api(live_site, "/licenses?limit=200")["items"]
        if lic["exporter"]["name"] == "Ganzhou Rare Earth Trading"
    )
    page.goto(f"{live_site.url}/login")
    page.get_by_label("Username").fill(live_site.other_exporter)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_site.url}/exporter")
    for path in (
        f"/exporter/applications/{owned['reference']}",
        f"/exporter/applications/{owned['reference']}/documents/{document}",
        f"/exporter/applications/{owned['reference']}/check",
        f"/exporter/licenses/{licensed}",
    ):
        response = page.goto(f"{live_site.url}{path}")
        assert response is not None
        assert response.status == 404, path
        assert owned["reference"] not in page.locator("main").inner_text()
        assert licensed not in page.locator("main").inner_text()


def test_an_administrator_issues_a_token_shown_once_and_verifies_the_audit_chain(
    page: Any, live_site: LiveSite
) -> None:
    page.goto(f"{live_site.url}/login")
    page.get_by_label("Username").fill(live_site.admin)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Administration").click()
    assert page.locator("h1").inner_text() == "Administration"
    _accessible(page, live_site)
    _shot(page, live_site, "admin-en")
    page.get_by_role("link", name=live_site.customs).click()
    page.get_by_label("Name", exact=True).fill("Port terminal")
    page.get_by_role("button", name="Issue the token").click()
    shown = page.get_by_role("status")
    assert "shown this once" in shown.inner_text()
    assert "rx_" in shown.inner_text()
    _accessible(page, live_site)
    _shot(page, live_site, "admin-user-en")
    page.goto(f"{live_site.url}/admin/calendar")
    assert page.locator("h1").inner_text() == "Official calendar"
    assert "Provisional" in page.locator("main").inner_text()  # the next year to load
    _accessible(page, live_site)
    _shot(page, live_site, "admin-calendar-en")
    page.goto(f"{live_site.url}/admin/audit")
    page.get_by_role("button", name="Verify now").click()
    assert "Intact:" in page.get_by_role("status").inner_text()
    _accessible(page, live_site)
    page.get_by_role("link", name="简体中文").click()
    page.goto(f"{live_site.url}/admin")
    assert page.locator("h1").inner_text() == "系统管理"
    _accessible(page, live_site)
    _shot(page, live_site, "admin-zh")
    page.get_by_role("link", name="English").click()


def test_an_officer_with_a_conflict_or_who_filed_the_case_reads_it_but_cannot_act_on_it(
    browser: Any, live_site: LiveSite
) -> None:
    reference = _intake_case(live_site)
    case = f"{live_site.url}/officer/applications/{reference}"
    officer = signed_in(browser, live_site, live_site.conflicted)
    officer.goto(case)
    said = officer.get_by_role("status").filter(has_text="You can read this case but not act on it")
    assert "declared a connection to the applicant" in said.inner_text()
    assert officer.get_by_role("button", name="Accept").count() == 0
    assert officer.get_by_role("button", name="Record the decision").count() == 0
    _accessible(officer, live_site)
    refused = _form_post(officer, f"{case}/transition", {"action": "accept"})
    assert refused.status == 403
    assert "declared a connection to the applicant" in refused.text()
    assert _api(live_site, f"/applications/{reference}")["state"] == "submitted"
    officer.context.close()
    # an officer who filed a case for the company reads it, and may not handle it either
    cases = _api(live_site, "/applications?limit=200")["items"]
    filed = next(c["reference"] for c in cases if c["exporter"] == "Baotou Magnet Materials")
    filed_case = f"{live_site.url}/officer/applications/{filed}"
    filer = signed_in(browser, live_site, live_site.filer)
    filer.goto(filed_case)
    said = filer.get_by_role("status").filter(has_text="You can read this case but not act on it")
    assert f"filed {filed} and cannot handle it" in said.inner_text()
    assert filer.get_by_role("button", name="Accept").count() == 0
    refused = _form_post(filer, f"{filed_case}/transition", {"action": "accept"})
    assert refused.status == 403
    assert _api(live_site, f"/applications/{filed}")["state"] == "submitted"
    filer.context.close()


def test_an_exporter_cannot_reach_the_desks_and_customs_cannot_decide(
    browser: Any, live_site: LiveSite
) -> None:
    exporter = signed_in(browser, live_site, live_site.exporter)
    for path in ("/officer", "/officer/lanes", "/customs", "/customs/imports", "/admin",
                 "/analyst", "/licenses/RX-2025-000001"):  # fmt: skip
        answer = exporter.goto(f"{live_site.url}{path}")
        assert answer is not None
        assert answer.status == 403, path
    _accessible(exporter, live_site)
    exporter.context.close()
    reference = _intake_case(live_site)
    case = f"{live_site.url}/officer/applications/{reference}"
    customs = signed_in(browser, live_site, live_site.customs)
    answer = customs.goto(case)
    assert answer is not None
    assert answer.status == 403
    customs.goto(f"{live_site.url}/customs")
    decide = {"outcome": "approved", "reason": "fine"}
    for path, form in ((f"{case}/transition", {"action": "accept"}), (f"{case}/decision", decide)):
        refused = _form_post(customs, path, form)
        assert refused.status == 403, path
    assert _api(live_site, f"/applications/{reference}")["state"] == "submitted"
    customs.context.close()


def _batch(site: LiveSite, license_: dict[str, Any], numbers: list[str]) -> bytes:
    """Three declarations against ``license_``: one good, one with a net weight in words, one
    with an HS code that is not the license's item."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*HEADER_COLUMNS, *LINE_COLUMNS])
    writer.writeheader()
    today = f"{authority_date(datetime.now(UTC)):%Y-%m-%d}"
    for number, net_kg, hs_code in zip(
        numbers, ("12", "twelve", "12"), ("2805301200", "2805301200", "8505119000"), strict=True
    ):
        writer.writerow({
            "number": number, "exporter_uscc": license_["exporter"]["uscc"],
            "license_number": license_["number"], "destination": "DE",
            "consignee_name": license_["consignee"]["name"], "consignee_country": "DE",
            "port": "Shanghai", "declared_date": today, "clearance_date": "",
            "line_no": "", "hs_code": hs_code, "control_code": "1C905.a",
            "description": "Dy metal", "net_kg": net_kg, "fob_value": "5000", "currency": "USD",
        })  # fmt: skip
    return out.getvalue().encode()


def test_a_batch_with_malformed_rows_files_the_rest_and_nothing_twice(
    browser: Any, live_site: LiveSite
) -> None:
    license_ = next(
        lic
        for lic in _api(live_site, "/licenses?limit=200")["items"]
        if lic["status"] == "active" and lic["consignee"]["name"] == RHEINLAND
    )
    numbers = [f"2250{live_site.backend == 'sqlite':d}000000000000{n}" for n in (1, 2, 3)]
    batch = _batch(live_site, license_, numbers)
    customs = signed_in(browser, live_site, live_site.customs)

    def send() -> dict[str, str]:
        customs.goto(f"{live_site.url}/customs/imports")
        customs.get_by_label("File (CSV or XLSX)").set_input_files(
            files=[{"name": "batch.csv", "mimeType": "text/csv", "buffer": batch}]
        )
        customs.get_by_role("button", name="Upload and file").click()
        customs.wait_for_selector("#report-heading")
        facts = customs.locator("section dl.facts")
        terms = facts.locator("dt").all_inner_texts()
        return dict(zip(terms, facts.locator("dd").all_inner_texts(), strict=True))

    first = send()
    assert first["Declarations filed"] == "1 / 3", first
    refused = customs.get_by_role("table").filter(has_text="Refused rows").inner_text()
    assert re.search(r"3\s+net_kg", refused), refused  # row 3 of the file: its weight in words
    assert re.search(r"4\s+hs_code", refused), refused
    _accessible(customs, live_site)
    _shot(customs, live_site, "customs-import-en")
    again = send()
    assert again["Declarations filed"] == "0 / 3", again  # the good one is not filed twice
    filed = [d["number"] for d in _api(live_site, "/declarations?limit=200")["items"]]
    assert filed.count(numbers[0]) == 1
    assert numbers[1] not in filed
    customs.context.close()
