"""The exporter's filing in the browser (issue 11's acceptance): sign in, file a
green-channel-eligible application in steps (the item found in the control list by its
element, one field first entered wrong and shown beside the field, then corrected), upload
the documents (with their progress), a first submission refused naming the missing document,
then submitted, the page saying the clock starts at acceptance. The authority accepts it and
asks for information through the API; the exporter answers with a document, and the clock
runs again. Every page is checked with axe-core; the main ones are screenshotted in both
languages."""

from __future__ import annotations

from typing import Any

import httpx

from tests.web.browser.conftest import PASSWORD, LiveSite
from tests.web.browser.test_browser_sign_in import _accessible, _shot

MISSING_LAST = "Technical description or test report of the item"


def _sign_in(page: Any, site: LiveSite) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("Username").fill(site.exporter)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/exporter")


def _upload(page: Any, kind: str, name: str) -> None:
    page.get_by_label("Kind of document").select_option(kind)
    page.get_by_label("Document: PDF").set_input_files(
        files=[
            {"name": name, "mimeType": "application/pdf", "buffer": b"%PDF-1.4 " + name.encode()}
        ]
    )
    page.get_by_role("button", name="Upload the document").click()
    page.wait_for_selector(f"a:has-text('{name}')")


def _officer(site: LiveSite, reference: str, action: str, reason: str = "") -> None:
    answered = httpx.post(
        f"{site.url}/api/v1/applications/{reference}/transitions",
        json={"action": action, "reason": reason},
        headers={"Authorization": f"Bearer {site.officer_token}"},
        timeout=10,
    )
    assert answered.status_code == 200, answered.text


def test_an_exporter_files_a_green_channel_application_and_answers_the_authority(
    page: Any, live_site: LiveSite
) -> None:
    _sign_in(page, live_site)
    page.get_by_role("link", name="File an application").click()
    assert page.locator("h1").inner_text() == "What will you export?"

    # the item, found by its element, its codes filled in from the control list
    page.get_by_label("Control code, element or HS code").fill("dysprosium")
    page.keyboard.press("Enter")  # Enter in the finder finds
    page.get_by_role("button", name="Use 1C905.a with HS code 2805301200").click()
    assert page.get_by_label("Control code", exact=True).input_value() == "1C905.a"
    assert page.get_by_label("HS code", exact=True).input_value() == "2805301200"
    page.get_by_label("Description", exact=True).fill("Dysprosium metal, 99.9 %")
    page.get_by_label("Quantity (kg)", exact=True).fill("0")  # wrong first
    page.get_by_label("Contract value", exact=True).fill("45000")
    page.get_by_role("button", name="Continue", exact=True).last.click()
    problem = page.locator("#line-0-quantity_kg-error")
    assert "above zero" in problem.inner_text()
    assert page.get_by_label("Description", exact=True).input_value() == "Dysprosium metal, 99.9 %"
    _accessible(page, live_site)
    _shot(page, live_site, "filing-items-en")
    page.get_by_label("Quantity (kg)", exact=True).fill("250")
    page.get_by_role("button", name="Continue", exact=True).last.click()

    assert page.locator("h1").inner_text() == "Who receives the items, and for what use?"
    for label, value in (
        ("Contract reference", "RAT-2026-1207"),
        ("Consignee", "Rheinland Antriebstechnik GmbH"),
        ("Consignee's country (ISO code, e.g. DE)", "DE"),
        ("End user", "Rheinland Antriebstechnik GmbH"),
        ("End user's country (ISO code, e.g. DE)", "DE"),
        ("End-use statement", "Traction motors for passenger EVs; no re-export without consent."),
    ):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("End use", exact=True).select_option("ev_motors")
    _accessible(page, live_site)
    _shot(page, live_site, "filing-parties-en")
    page.get_by_role("button", name="Save the draft").last.click()

    # the draft's task list; three documents of four, with their progress
    heading = page.locator("h1").inner_text()
    assert heading.startswith("Application RX-")
    reference = heading.removeprefix("Application ")
    assert "4 missing" in page.locator("ol.tasks").inner_text()
    _accessible(page, live_site)
    _shot(page, live_site, "exporter-draft-en")
    for kind in ("contract", "end_user_certificate", "end_use_statement"):
        _upload(page, kind, f"{kind}.pdf")
    assert "1 missing" in page.locator("ol.tasks").inner_text()

    # a first submission, one document short: refused, naming it
    page.get_by_role("link", name="Check your answers and submit").first.click()
    assert page.locator("h1").inner_text() == "Check your answers before you submit"
    assert "RAT-2026-1207" in page.content()
    page.get_by_role("button", name="Submit the application").click()
    refusal = page.get_by_role("alert")
    assert "cannot be submitted while a required document is missing" in refusal.inner_text()
    assert MISSING_LAST in refusal.inner_text()
    _accessible(page, live_site)
    _shot(page, live_site, "filing-check-en")
    refusal.get_by_role("link", name=MISSING_LAST).click()
    _upload(page, "technical_description", "test-report.pdf")
    page.get_by_role("link", name="Check your answers and submit").first.click()
    page.get_by_role("button", name="Submit the application").click()

    facts = page.locator("dl.facts")
    assert "Submitted" in facts.inner_text()
    assert "The statutory clock starts at acceptance" in page.content()

    # the authority accepts it (green lane: the applicant's record, a known end user, the EU)
    # and asks for information, through the API
    for action, reason in (
        ("accept", ""),
        ("start_review", ""),
        ("request_information", "Send the datasheet of the magnets' coating"),
    ):
        _officer(live_site, reference, action, reason)
    page.reload()
    assert "Green channel" in facts.inner_text()
    assert "Send the datasheet of the magnets' coating" in page.content()
    assert "The clock is stopped" in page.content()
    assert "Every rule of the green channel holds" in page.content()
    _accessible(page, live_site)
    _shot(page, live_site, "exporter-application-en")

    page.get_by_label("Your answer").fill("The coating datasheet is attached.")
    page.get_by_label("Kind of document").first.select_option("technical_description")
    page.get_by_label("Document (optional)").set_input_files(
        files=[{"name": "coating.pdf", "mimeType": "application/pdf", "buffer": b"%PDF coating"}]
    )
    page.get_by_role("button", name="Send the answer").click()
    page.wait_for_selector("a:has-text('coating.pdf')")
    assert "Under review" in facts.inner_text()
    assert "The clock is stopped" not in page.content()
    ledger = page.get_by_role("table").filter(has_text="Clock running again")
    assert ledger.count() == 1  # stopped, then running again, in the clock's ledger
    _accessible(page, live_site)

    # the same application, and the filing steps, in Chinese: the same pages on either
    # database, so read once
    if live_site.backend != "sqlite":
        return
    page.get_by_role("link", name="简体中文").click()
    assert page.locator("h1").inner_text() == f"申请 {reference}"
    assert "绿色通道" in page.content()
    _accessible(page, live_site)
    _shot(page, live_site, "exporter-application-zh")
    page.goto(f"{live_site.url}/exporter/applications/new")
    page.get_by_label("管制编码、元素或 HS 编码").fill("镝")
    page.get_by_role("button", name="查找").click()
    assert "1C905.a" in page.content()
    _accessible(page, live_site)
    _shot(page, live_site, "filing-items-zh")
    page.get_by_role("button", name="选用 1C905.a，HS 编码 2805301200").click()  # noqa: RUF001
    page.get_by_label("数量（千克）", exact=True).fill("10")  # noqa: RUF001
    page.get_by_label("合同金额", exact=True).fill("3000")
    page.get_by_role("button", name="继续", exact=True).last.click()
    assert page.locator("h1").inner_text() == "物项的收货人是谁，用于什么用途？"  # noqa: RUF001
    _accessible(page, live_site)
    _shot(page, live_site, "filing-parties-zh")
    page.goto(f"{live_site.url}/exporter")
    page.get_by_role("row").filter(has_text="草稿").get_by_role("link").first.click()
    page.get_by_role("link", name="核对并提交").first.click()
    assert page.locator("h1").inner_text() == "提交前请核对填报内容"
    _accessible(page, live_site)
    _shot(page, live_site, "filing-check-zh")
    page.get_by_role("link", name="English").click()


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
    page.goto(f"{live_site.url}/login")
    page.get_by_label("Username").fill(live_site.other_exporter)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_site.url}/exporter")
    for path in (
        f"/exporter/applications/{owned['reference']}",
        f"/exporter/applications/{owned['reference']}/documents/{document}",
        f"/exporter/applications/{owned['reference']}/check",
    ):
        response = page.goto(f"{live_site.url}{path}")
        assert response is not None
        assert response.status == 404, path
        assert owned["reference"] not in page.locator("main").inner_text()


def test_an_officer_takes_a_case_from_intake_to_approval_at_the_desk(
    page: Any, live_site: LiveSite
) -> None:
    """The desk: the intake queue, a case whose consignee is a listed party's namesake,
    accepted, reviewed, the hit dismissed with a reason, approved for part of the quantity
    with a condition; then the desk read in Chinese."""
    page.goto(f"{live_site.url}/login")
    page.get_by_label("Username").fill(live_site.officer)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_site.url}/officer")
    assert page.locator("h1").inner_text() == "Licensing desk"
    queues = page.get_by_role("navigation", name="Queues")
    assert "Intake" in queues.locator("[aria-current=page]").inner_text()
    _accessible(page, live_site)
    _shot(page, live_site, "officer-desk-en")
    page.locator("tbody tr").filter(has_text="Ganzhou").get_by_role("link").first.click()
    assert page.locator("h1").inner_text().startswith("Application RX-")
    assert "Rotor Werke Leipzig GmbH" in page.locator("#hits ~ section").first.inner_text()
    _accessible(page, live_site)
    _shot(page, live_site, "officer-case-en")

    page.get_by_role("button", name="Accept").click()
    assert "Accepted" in page.locator("dl.facts").first.inner_text()
    page.get_by_role("button", name="Start the review").click()
    assert "Under review" in page.locator("dl.facts").first.inner_text()
    # approving with an open hit is refused, and said beside the decision
    page.get_by_label("Approve").check()
    page.get_by_label("Reason for the decision").fill("Civil use, known buyer")
    page.get_by_role("button", name="Record the decision").click()
    assert "screening" in page.get_by_role("alert").first.inner_text().lower()
    assert page.get_by_label("Reason for the decision").input_value() == "Civil use, known buyer"
    # the consignee and the end user are the same namesake: two hits, each dismissed
    dismiss = page.get_by_role("button", name="Dismiss: not the listed party")
    assert dismiss.count() == 2
    while dismiss.count():
        hit = page.locator("#hits ~ section").filter(has=dismiss).first
        hit.get_by_label("Reason").fill("Another company: other register number and address")
        dismiss.first.click()
    assert page.locator("#hits ~ section").filter(has_text="Dismissed").count() == 2
    page.get_by_label("Approve").check()
    page.get_by_label("Reason for the decision").fill("Civil use, known buyer")
    page.get_by_label("Line 1, 1C905.a, asked 500.000").fill("300")
    page.get_by_label("Conditions, one per line").fill("Report each shipment within 10 days")
    page.get_by_role("button", name="Record the decision").click()
    alerts = page.get_by_role("alert")
    assert alerts.count() == 0, alerts.all_inner_texts()
    assert "Approved" in page.locator("dl.facts").first.inner_text()
    _accessible(page, live_site)

    page.get_by_role("link", name="简体中文").click()
    assert page.locator("h1").inner_text().startswith("申请 RX-")
    _accessible(page, live_site)
    page.goto(f"{live_site.url}/officer?queue=green")
    assert page.locator("h1").inner_text() == "许可审查"
    _accessible(page, live_site)
    _shot(page, live_site, "officer-desk-zh")
    page.get_by_role("link", name="English").click()


def test_a_customs_officer_clears_one_declaration_and_refuses_a_held_one(
    page: Any, live_site: LiveSite
) -> None:
    """The customs desk: a declaration against the exporter's license clears and draws it
    down (the page says what is left); one to a destination the license does not cover is
    held, and its line refused with a reason."""
    licenses = httpx.get(
        f"{live_site.url}/api/v1/licenses",
        headers={"Authorization": f"Bearer {live_site.officer_token}"},
        timeout=10,
    ).json()["items"]
    rheinland = "Rheinland Antriebstechnik GmbH"  # the consignee of the seed's licenses
    license_ = next(
        lic
        for lic in licenses
        if lic["status"] == "active" and lic["consignee"]["name"] == rheinland
    )
    page.goto(f"{live_site.url}/login")
    page.get_by_label("Username").fill(live_site.customs)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_site.url}/customs")
    assert page.locator("h1").inner_text() == "Customs desk"
    _accessible(page, live_site)

    def declare(number: str, destination: str) -> None:
        page.goto(f"{live_site.url}/customs/declarations/new")
        for label, value in (
            ("Declaration number (18 digits)", number),
            ("Exporter's USCC", license_["exporter"]["uscc"]),
            ("License number, for controlled goods", license_["number"]),
            ("Destination (ISO code)", destination),
            ("Consignee", "Rheinland Antriebstechnik GmbH"),
            ("Consignee's country (ISO code, e.g. DE)", "DE"),
            ("Port of exit", "Shanghai Waigaoqiao"),
            ("HS code", "2805301200"),
            ("Control code, if controlled", "1C905.a"),
            ("Description", "Dysprosium metal"),
            ("Net weight (kg)", "40"),
            ("FOB value", "20000"),
        ):
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_role("button", name="File the declaration").last.click()

    declare(f"2248{live_site.backend == 'sqlite':d}0000000000001", "DE")
    assert "Line 1: Cleared" in page.locator("h3").first.inner_text()
    assert "kg left" in page.content()
    _accessible(page, live_site)
    _shot(page, live_site, "customs-declaration-en")

    declare(f"2248{live_site.backend == 'sqlite':d}0000000000002", "FR")
    assert "Held" in page.locator("h3").first.inner_text()
    page.get_by_label("Reason").first.fill("France is not on the license; no other covers it")
    page.get_by_role("button", name="Refuse").click()
    assert "Refused" in page.locator("h3").first.inner_text()
    page.goto(f"{live_site.url}/customs")
    page.get_by_role("link", name="Look up a license").click()
    page.get_by_label("License number").fill(license_["number"].lower())
    page.get_by_role("button", name="Look up").click()
    assert page.locator("h1").inner_text() == f"License {license_['number']}"
    drawn = f"2248{live_site.backend == 'sqlite':d}0000000000001 / 1"
    assert drawn in page.locator("main").inner_text()  # what drew on it
    _accessible(page, live_site)
    _shot(page, live_site, "license-desk-en")
    page.goto(f"{live_site.url}/customs?status=refused")
    assert (
        f"2248{live_site.backend == 'sqlite':d}0000000000002" in page.locator("tbody").inner_text()
    )
    _accessible(page, live_site)
    _shot(page, live_site, "customs-desk-en")
    page.get_by_role("link", name="简体中文").click()
    assert page.locator("h1").inner_text() == "海关审核"
    _accessible(page, live_site)
    _shot(page, live_site, "customs-desk-zh")
    page.get_by_role("link", name="English").click()


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
