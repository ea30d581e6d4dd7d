"""Issue 13's acceptance in the browser: a partner desk for the EU signs in and sees a case
bound for Germany and not one for the United States (whose address is the page of one not
found), asks about the German case; an officer answers. The partner submits a priority list of
two references; the officer accepts one and declines the other with a reason. The partner
proposes a trusted end user, the officer approves it, and a new application to that end user
(filed and submitted through the services: the filing pages are the story test's) is accepted
in the green lane, the known-end-user rule citing the approval on the officer's case page.
Every partner page passes axe-core; screenshots of them in both languages, and of the
authority's inquiries, in ``docs/screenshots/``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import expect
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.auth.service import actor_for_username
from rarex.auth.sign_in import set_password
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db_engine import make_engine
from rarex.licensing.filing import file_application
from rarex.licensing.review import transition
from rarex.licensing.states import Action
from tests.factories import (
    application_data,
    attach_required_documents,
    filed_and_accepted,
    make_actor,
    parties_in,
)
from tests.web.browser.conftest import PASSWORD, LiveSite, signed_in
from tests.web.browser.test_browser_sign_in import _accessible, _shot
from tests.web.site_helpers import CHEAP_POLICY

TRUSTED = "Hanseatische Antriebe Lübeck GmbH"  # an end user no case has named before


def _seed(site: LiveSite) -> dict[str, str]:
    """A partner desk for the EU, and three open cases of the site's exporter: to Germany,
    Italy and the United States."""
    engine = make_engine(site.database_url)
    clock = FixedClock(datetime.now(UTC))
    settings = Settings(environment="test")
    with Session(engine) as session:
        partner = make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
        set_password(
            session, clock=clock, actor=None, username=partner.username, password=PASSWORD,
            policy=CHEAP_POLICY,
        )  # fmt: skip
        exporter = actor_for_username(session, username=site.exporter)
        officer = actor_for_username(session, username=site.officer)
        cases = {
            country: filed_and_accepted(
                session, clock, settings, exporter, officer, **parties_in(country, "Motoren")
            ).reference
            for country in ("DE", "IT", "US")
        }
        session.commit()
    engine.dispose()
    return {"partner": partner.username, **cases}


def _file_for_trusted(site: LiveSite) -> str:
    """The exporter's new application to the trusted end user, submitted."""
    engine = make_engine(site.database_url)
    clock = FixedClock(datetime.now(UTC))
    settings = Settings(environment="test")
    with Session(engine) as session:
        exporter = actor_for_username(session, username=site.exporter)
        party = {"name": TRUSTED, "country": "DE"}
        draft = file_application(
            session, actor=exporter, clock=clock, settings=settings,
            data=application_data(consignee=party, end_user=party),
        )  # fmt: skip
        attach_required_documents(session, clock, settings, exporter, draft)
        transition(
            session, actor=exporter, clock=clock, settings=settings, application_id=draft.id,
            action=Action.SUBMIT,
        )  # fmt: skip
        session.commit()
        reference = draft.reference
    engine.dispose()
    return reference


def test_a_partner_for_the_eu_and_an_officer_use_the_channel(
    browser: Any, live_site: LiveSite
) -> None:
    site = live_site
    seeded = _seed(site)
    de, it, us = seeded["DE"], seeded["IT"], seeded["US"]

    # the partner's cases: Germany's, not the United States'; the American one not found
    partner = signed_in(browser, site, seeded["partner"])
    assert partner.url == f"{site.url}/partner"
    assert partner.locator("h1").inner_text() == "Cases in your jurisdiction"
    table = partner.get_by_role("table")
    assert table.get_by_role("link", name=de).count() == 1
    assert table.get_by_role("link", name=us).count() == 0
    _accessible(partner, site)
    partner.goto(f"{site.url}/partner/applications/{us}")
    assert partner.locator("h1").inner_text() == "Page not found"

    # an inquiry about the German case; an officer answers it
    partner.goto(f"{site.url}/partner/applications/{de}")
    assert partner.locator("h1").inner_text() == f"Application {de}"
    _accessible(partner, site)
    partner.get_by_label("Subject").fill("When will this case be decided?")
    partner.get_by_label("Your question").fill("The buyer's assembly line waits for it.")
    partner.get_by_role("button", name="Send the inquiry").click()
    partner.wait_for_url(re.compile(r"/partner/inquiries/IQ-"))
    thread = partner.url
    number = thread.rsplit("/", 1)[1]

    officer = signed_in(browser, site, site.officer)
    officer.get_by_role("link", name="Partner channel").click()
    row = officer.get_by_role("row").filter(has_text=number)
    assert "Awaiting the authority" in row.inner_text()
    _accessible(officer, site)
    _shot(officer, site, "officer-inquiries-en")
    row.get_by_role("link", name=number).click()
    officer.get_by_label("Message").fill("It will be decided within the week.")
    officer.get_by_role("button", name="Send", exact=True).click()
    officer.wait_for_url(f"{site.url}/officer/inquiries/{number}")

    partner.goto(thread)
    messages = partner.locator("ol.thread").inner_text()
    assert "It will be decided within the week." in messages
    assert "The authority" in messages
    assert site.officer not in partner.content()  # never an officer's name
    _accessible(partner, site)
    _shot(partner, site, "partner-inquiry-en")

    # a priority list of two; the officer accepts one and declines the other with a reason
    partner.goto(f"{site.url}/partner/priority-lists/new")
    for n, (reference, reason) in enumerate(((de, "Assembly line stops in June"),
                                             (it, "Wind-turbine order due in May"))):  # fmt: skip
        partner.get_by_label(f"Case reference, row {n + 1}", exact=True).fill(reference)
        partner.get_by_label(f"Why first, row {n + 1}", exact=True).fill(reason)
    _accessible(partner, site)
    partner.get_by_role("button", name="Submit the list").click()
    partner.wait_for_url(f"{site.url}/partner/priority-lists")

    officer.goto(f"{site.url}/officer/priority-lists")
    decisions = ((de, "Accept priority", "Confirmed: the line is idle"),
                 (it, "Decline priority", "The order leaves time"))  # fmt: skip
    for reference, button, reason in decisions:
        form = officer.get_by_role("form", name=f"Decide on {reference}")
        form.get_by_label(f"Reason for {reference}").fill(reason)
        form.get_by_role("button", name=button).click()
        officer.wait_for_url(f"{site.url}/officer/priority-lists")

    partner.reload()
    lists = partner.locator("main").inner_text()
    assert "Priority accepted" in lists
    assert "Priority declined" in lists
    assert "The order leaves time" in lists
    _accessible(partner, site)
    _shot(partner, site, "partner-priority-en")

    # a trusted end user proposed, approved; a new case to it passes the known-end-user rule
    partner.goto(f"{site.url}/partner/trusted-parties/new")
    partner.get_by_label("Name, as registered").fill(TRUSTED)
    partner.get_by_label("Name in Chinese (optional)").fill("吕贝克汉萨驱动有限公司")
    partner.get_by_label("Country (ISO code, e.g. DE)").fill("DE")
    partner.get_by_label("Basis: why the company is trusted").fill(
        "Internal compliance programme audited by BAFA in 2025"
    )
    _accessible(partner, site)
    partner.get_by_role("button", name="Propose").click()
    partner.wait_for_url(f"{site.url}/partner/trusted-parties")

    officer.goto(f"{site.url}/officer/trusted-parties?status=proposed")
    officer.get_by_label(f"Reason for the decision on {TRUSTED}").fill("Audit report checked")
    officer.get_by_role("form", name=f"Decide on {TRUSTED}").get_by_role(
        "button", name="Approve"
    ).click()
    officer.wait_for_url(f"{site.url}/officer/trusted-parties")

    partner.reload()
    approved = partner.get_by_role("row").filter(has_text=TRUSTED)
    assert "Approved" in approved.inner_text()
    trusted_number = re.search(r"TP-\d{4}-[0-9A-F]{8}", approved.inner_text())
    assert trusted_number is not None
    _accessible(partner, site)
    _shot(partner, site, "partner-trusted-en")

    reference = _file_for_trusted(site)
    officer.goto(f"{site.url}/officer/applications/{reference}")
    officer.locator("form.step-form").filter(
        has=officer.get_by_role("button", name="Accept", exact=True)
    ).get_by_role("button", name="Accept", exact=True).click()
    officer.wait_for_url(f"{site.url}/officer/applications/{reference}")
    assert "Green channel" in officer.locator("dl.facts").first.inner_text()
    rule = officer.get_by_role("row").filter(has_text="The end user is known to the authority")
    assert f"trusted party {trusted_number.group(0)}" in rule.inner_text()
    assert "Yes" in rule.inner_text()

    # the partner's home with its channel counted: an inquiry open, the new case in the green lane
    partner.goto(f"{site.url}/partner")
    assert partner.get_by_role("table").get_by_role("link", name=reference).count() == 1
    _shot(partner, site, "partner-en")
    # the jurisdiction's outcome figures: table, chart and downloads
    partner.get_by_role("link", name="Outcome figures").first.click()
    partner.wait_for_url(f"{site.url}/partner/outcomes")
    assert partner.locator("h1").inner_text() == "Outcome figures: EU"
    expect(partner.get_by_role("link", name="CSV")).to_have_count(1)
    _accessible(partner, site)
    _shot(partner, site, "partner-outcomes-en")

    if site.backend != "sqlite":  # the same pages on either database: read in Chinese once
        return
    partner.goto(f"{site.url}/language?to=zh&next=/partner")
    assert partner.locator("h1").inner_text() == "贵方管辖范围内的案件"
    _accessible(partner, site)
    _shot(partner, site, "partner-zh")
    for path, shot in ((thread.removeprefix(site.url), "partner-inquiry-zh"),
                       ("/partner/priority-lists", "partner-priority-zh"),
                       ("/partner/trusted-parties", "partner-trusted-zh"),
                       ("/partner/outcomes", "partner-outcomes-zh")):  # fmt: skip
        partner.goto(f"{site.url}{path}")
        _shot(partner, site, shot)
