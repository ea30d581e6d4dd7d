"""The whole story in the browser (issues 11 and 12): an exporter files a green-channel
application in steps (the item found in the control list by its element, a field first
entered wrong and shown beside the field; documents uploaded with their progress; a first
submission refused naming the missing document). The officer finds it in the intake queue,
accepts it (it moves to the green-channel queue) and asks for information. A change of the
control list names the consignee: the case gets a screening hit and leaves the green lane. The
exporter answers with a document; the officer, refused an approval while the hit is open,
dismisses it with a reason and approves part of the quantity with a condition; the exporter
sees the decision. Customs clears a declaration against the license (drawn down) and holds
one for a destination the license does not cover, then refuses it; the analyst's figures from
declarations grow by the cleared quantity. Every page visited is checked with axe-core; the
main ones are screenshotted in both languages."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.web.browser.conftest import LISTED, LiveSite, control_list, signed_in
from tests.web.browser.test_browser_sign_in import _accessible, _shot

MISSING_LAST = "Technical description or test report of the item"
CONSIGNEE = "Hanse Magnetlogistik Bremen GmbH"  # listed half-way through the story


def _upload(page: Any, kind: str, name: str) -> None:
    page.get_by_label("Kind of document").select_option(kind)
    page.get_by_label("Document: PDF").set_input_files(
        files=[
            {"name": name, "mimeType": "application/pdf", "buffer": b"%PDF-1.4 " + name.encode()}
        ]
    )
    page.get_by_role("button", name="Upload the document").click()
    page.wait_for_selector(f"a:has-text('{name}')")


def _file_in_steps(page: Any, site: LiveSite) -> str:
    """The exporter files the application, step by step; its reference."""
    page.get_by_role("link", name="File an application").click()
    assert page.locator("h1").inner_text() == "What will you export?"
    # Enter finds only once the page's script is in; before that it continues, as without
    # JavaScript (a keystroke a person makes after the page has loaded)
    page.wait_for_load_state("load")
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
    _accessible(page, site)
    _shot(page, site, "filing-items-en")
    page.get_by_label("Quantity (kg)", exact=True).fill("250")
    page.get_by_role("button", name="Continue", exact=True).last.click()

    assert page.locator("h1").inner_text() == "Who receives the items, and for what use?"
    for label, value in (
        ("Contract reference", "RAT-2026-1207"),
        ("Consignee", CONSIGNEE),
        ("Consignee's country (ISO code, e.g. DE)", "DE"),
        ("End user", "Rheinland Antriebstechnik GmbH"),  # known: approved three times before
        ("End user's country (ISO code, e.g. DE)", "DE"),
        ("End-use statement", "Traction motors for passenger EVs; no re-export without consent."),
    ):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("End use", exact=True).select_option("ev_motors")
    _accessible(page, site)
    _shot(page, site, "filing-parties-en")
    page.get_by_role("button", name="Save the draft").last.click()

    # the draft's task list; three documents of four, with their progress
    heading = page.locator("h1").inner_text()
    assert heading.startswith("Application RX-")
    assert "4 missing" in page.locator("ol.tasks").inner_text()
    _accessible(page, site)
    _shot(page, site, "exporter-draft-en")
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
    _accessible(page, site)
    _shot(page, site, "filing-check-en")
    refusal.get_by_role("link", name=MISSING_LAST).click()
    _upload(page, "technical_description", "test-report.pdf")
    page.get_by_role("link", name="Check your answers and submit").first.click()
    page.get_by_role("button", name="Submit the application").click()
    assert "Submitted" in page.locator("dl.facts").first.inner_text()
    assert "The statutory clock starts at acceptance" in page.content()
    return heading.removeprefix("Application ")


def _step(page: Any, name: str, reason: str = "") -> None:
    form = page.locator("form.step-form").filter(has=page.get_by_role("button", name=name))
    if reason:
        form.get_by_role("textbox").first.fill(reason)
    form.get_by_role("button", name=name).click()


def _figure(page: Any, term: str) -> Decimal:
    """A figure of the page's facts (``<dt>term</dt><dd>1,234.5 t</dd>``), exactly."""
    facts = page.locator("dl.facts").first.inner_text()
    found = re.search(rf"{re.escape(term)}\s+([\d,.]+)", facts)
    assert found is not None, facts
    return Decimal(found.group(1).replace(",", ""))


def test_the_whole_story_from_filing_to_the_statistics(browser: Any, live_site: LiveSite) -> None:
    site = live_site
    exporter = signed_in(browser, site, site.exporter)
    reference = _file_in_steps(exporter, site)
    case = f"{site.url}/officer/applications/{reference}"

    # the officer finds it in the intake queue and accepts it: the green lane
    officer = signed_in(browser, site, site.officer)
    assert officer.locator("h1").inner_text() == "Licensing desk"
    queues = officer.get_by_role("navigation", name="Queues")
    assert "Intake" in queues.locator("[aria-current=page]").inner_text()
    _accessible(officer, site)
    _shot(officer, site, "officer-desk-en")
    assert reference in officer.locator("section.news").inner_text()  # a new submission
    officer.get_by_role("table").get_by_role("link", name=reference).click()
    assert officer.locator("h1").inner_text() == f"Application {reference}"
    _step(officer, "Accept")
    facts = officer.locator("dl.facts").first
    assert "Accepted" in facts.inner_text()
    assert "Green channel" in facts.inner_text()
    officer.goto(f"{site.url}/officer?queue=green")
    assert officer.get_by_role("table").get_by_role("link", name=reference).count() == 1
    officer.goto(case)
    _step(officer, "Start the review")
    _step(officer, "Request information", "Send the datasheet of the magnets' coating")
    assert "Information requested" in facts.inner_text()

    # the administrator imports a new version of the control list that names the consignee:
    # the open case is screened again
    admin = signed_in(browser, site, site.admin)
    admin.goto(f"{site.url}/admin/lists")
    admin.get_by_label("Format").select_option("cn-mofcom-csv")
    new_version = control_list(LISTED, CONSIGNEE)
    admin.get_by_label(re.compile("^Files")).set_input_files(
        files=[{"name": "cn.csv", "mimeType": "text/csv", "buffer": new_version}]
    )
    admin.get_by_role("button", name="Import").click()
    admin.wait_for_selector("text=Cases screened again")
    answer = admin.locator("main").inner_text()
    assert re.search(r"Added\s+1\b", answer), answer
    _accessible(admin, site)
    _shot(admin, site, "admin-lists-en")
    admin.context.close()

    # the exporter reads the question and answers it with a document; the clock runs again
    exporter.reload()
    page_text = exporter.content()
    assert "Send the datasheet of the magnets' coating" in page_text
    assert "The clock is stopped" in page_text
    _accessible(exporter, site)
    _shot(exporter, site, "exporter-application-en")
    exporter.get_by_label("Your answer").fill("The coating datasheet is attached.")
    exporter.get_by_label("Kind of document").first.select_option("technical_description")
    exporter.get_by_label("Document (optional)").set_input_files(
        files=[{"name": "coating.pdf", "mimeType": "application/pdf", "buffer": b"%PDF coating"}]
    )
    exporter.get_by_role("button", name="Send the answer").click()
    exporter.wait_for_selector("a:has-text('coating.pdf')")
    assert "Under review" in exporter.locator("dl.facts").first.inner_text()
    assert "The clock is stopped" not in exporter.content()
    assert exporter.get_by_role("table").filter(has_text="Clock running again").count() == 1
    _accessible(exporter, site)

    # the officer sees what changed, the hit on the consignee; approving is refused while it
    # is open (said beside the decision, what was typed kept); the hit dismissed with a reason
    officer.goto(f"{site.url}/officer")
    news = officer.locator("section.news").inner_text()
    assert "The applicant answered" in news
    assert "New screening hits" in news
    officer.goto(case)
    assert "Ordinary" in facts.inner_text()  # an open hit: no longer in the green lane
    hits = officer.locator("#hits ~ section")
    assert CONSIGNEE in hits.first.inner_text()
    _accessible(officer, site)
    _shot(officer, site, "officer-case-en")
    officer.get_by_label("Approve").check()
    officer.get_by_label("Reason for the decision").fill("Civil use, known buyer")
    officer.get_by_role("button", name="Record the decision").click()
    assert "screening" in officer.get_by_role("alert").first.inner_text().lower()
    assert officer.get_by_label("Reason for the decision").input_value() == "Civil use, known buyer"
    dismiss = officer.get_by_role("button", name="Dismiss: not the listed party")
    # count() does not wait: each dismissal reloads the page, and the next step waits until
    # the reloaded page has one button fewer (CI once counted a page still loading)
    for left in reversed(range(dismiss.count())):
        hit = hits.filter(has=dismiss).first
        hit.get_by_label("Reason").fill("Another company: other register number and address")
        dismiss.first.click()
        expect(dismiss).to_have_count(left)
    expect(hits.filter(has_text="Dismissed")).not_to_have_count(0)
    officer.get_by_label("Approve").check()
    officer.get_by_label("Reason for the decision").fill("Civil use, known buyer")
    officer.get_by_label("Line 1, 1C905.a, asked 250.000").fill("200")
    officer.get_by_label("Conditions, one per line").fill("Report each shipment within 10 days")
    officer.get_by_role("button", name="Record the decision").click()
    expect(facts).to_contain_text("Approved")  # the decided case's page, loaded
    alerts = officer.get_by_role("alert")
    assert alerts.count() == 0, alerts.all_inner_texts()
    license_number = facts.get_by_role("link").first.inner_text()
    assert license_number.startswith("DUL-")
    _accessible(officer, site)
    officer.get_by_role("link", name="Licensing desk").first.click()
    officer.get_by_role("link", name="Lane performance").click()
    officer.wait_for_load_state("load")  # the chart's image with it
    chart = officer.get_by_role("img", name=re.compile("Median working days to decision"))
    assert chart.evaluate("image => image.complete && image.naturalWidth > 0")  # drawn
    _accessible(officer, site)
    _shot(officer, site, "officer-lanes-en")

    # the exporter sees the decision, and its license with the balance granted
    exporter.goto(f"{site.url}/exporter")
    assert "Approved" in exporter.locator("section.news").inner_text()
    exporter.goto(f"{site.url}/exporter/applications/{reference}")
    exporter.get_by_role("link", name=license_number).click()
    assert exporter.locator("h1").inner_text() == f"License {license_number}"
    assert "Report each shipment within 10 days" in exporter.content()
    assert "200.000" in exporter.locator("main").inner_text()  # granted, of 250 asked
    _accessible(exporter, site)

    # the analyst's figures from declarations, before customs clears anything of this license
    analyst = signed_in(browser, site, site.analyst)
    assert analyst.locator("h1").inner_text() == "Declared exports"
    before = _figure(analyst, "Cleared in the month")

    # customs: a declaration clears and draws the license down; one to France is held, refused
    customs = signed_in(browser, site, site.customs)
    assert customs.locator("h1").inner_text() == "Customs desk"
    _accessible(customs, site)
    uscc = httpx.get(
        f"{site.url}/api/v1/licenses/{license_number}",
        headers={"Authorization": f"Bearer {site.officer_token}"},
        timeout=10,
    ).json()["exporter"]["uscc"]
    numbers = [f"2249{site.backend == 'sqlite':d}000000000000{n}" for n in (1, 2)]

    def declare(number: str, destination: str) -> None:
        customs.goto(f"{site.url}/customs/declarations/new")
        for label, value in (
            ("Declaration number (18 digits)", number),
            ("Exporter's USCC", uscc),
            ("License number, for controlled goods", license_number),
            ("Destination (ISO code)", destination),
            ("Consignee", CONSIGNEE),
            ("Consignee's country (ISO code, e.g. DE)", "DE"),
            ("Port of exit", "Shanghai Waigaoqiao"),
            ("HS code", "2805301200"),
            ("Control code, if controlled", "1C905.a"),
            ("Description", "Dysprosium metal"),
            ("Net weight (kg)", "40"),
            ("FOB value", "7200"),
        ):
            customs.get_by_label(label, exact=True).fill(value)
        customs.get_by_role("button", name="File the declaration").last.click()

    declare(numbers[0], "DE")
    assert "Line 1: Cleared" in customs.locator("h3").first.inner_text()
    assert "160.000 kg left" in customs.content()
    _accessible(customs, site)
    _shot(customs, site, "customs-declaration-en")
    declare(numbers[1], "FR")
    assert "Held" in customs.locator("h3").first.inner_text()
    customs.get_by_label("Reason").first.fill("France is not on the license; no other covers it")
    customs.get_by_role("button", name="Refuse").click()
    assert "Refused" in customs.locator("h3").first.inner_text()
    customs.goto(f"{site.url}/customs")
    customs.get_by_role("link", name="Look up a license").click()
    customs.get_by_label("License number").fill(license_number.lower())
    customs.get_by_role("button", name="Look up").click()
    assert customs.locator("h1").inner_text() == f"License {license_number}"
    assert f"{numbers[0]} / 1" in customs.locator("main").inner_text()  # what drew on it
    assert numbers[1] not in customs.locator("main").inner_text()  # refused: drew nothing
    _accessible(customs, site)
    _shot(customs, site, "license-desk-en")
    customs.goto(f"{site.url}/customs?status=refused")
    assert numbers[1] in customs.locator("tbody").inner_text()
    _accessible(customs, site)
    _shot(customs, site, "customs-desk-en")

    # the analyst's month has grown by what cleared, and only by that
    analyst.reload()
    assert _figure(analyst, "Cleared in the month") - before == Decimal("0.04")
    _accessible(analyst, site)
    _shot(analyst, site, "analyst-en")

    if site.backend != "sqlite":  # the same pages on either database: read in Chinese once
        return
    for page, path, heading, shot in (
        (exporter, f"/exporter/applications/{reference}", f"申请 {reference}",
         "exporter-application-zh"),
        (officer, "/officer?queue=green", "许可审查", "officer-desk-zh"),
        (customs, "/customs", "海关审核", "customs-desk-zh"),
        (analyst, "/analyst", "报关出口", "analyst-zh"),
    ):  # fmt: skip
        page.goto(f"{site.url}{path}")
        page.get_by_role("link", name="简体中文").click()
        assert page.locator("h1").inner_text() == heading
        _accessible(page, site)
        _shot(page, site, shot)
    exporter.goto(f"{site.url}/exporter/applications/new")
    exporter.get_by_label("管制编码、元素或 HS 编码").fill("镝")
    exporter.get_by_role("button", name="查找").click()
    assert "1C905.a" in exporter.content()
    _accessible(exporter, site)
    _shot(exporter, site, "filing-items-zh")
    exporter.get_by_role("button", name="选用 1C905.a，HS 编码 2805301200").click()  # noqa: RUF001
    exporter.get_by_label("数量（千克）", exact=True).fill("10")  # noqa: RUF001
    exporter.get_by_label("合同金额", exact=True).fill("3000")
    exporter.get_by_role("button", name="继续", exact=True).last.click()
    assert exporter.locator("h1").inner_text() == "物项的收货人是谁，用于什么用途？"  # noqa: RUF001
    _accessible(exporter, site)
    _shot(exporter, site, "filing-parties-zh")
    exporter.goto(f"{site.url}/exporter")
    exporter.get_by_role("row").filter(has_text="草稿").get_by_role("link").first.click()
    exporter.get_by_role("link", name="核对并提交").first.click()
    assert exporter.locator("h1").inner_text() == "提交前请核对填报内容"
    _accessible(exporter, site)
    _shot(exporter, site, "filing-check-zh")
