"""The partner channel's pages (issue 13) over HTTP, on SQLite and PostgreSQL: a partner for
the EU reads the cases and licenses of its jurisdiction and gets the page of one not found for
another's, by URL; asks the authority, which answers in the thread under the authority's name
(never an officer's); submits a priority list of several rows and proposes a trusted end user,
each refusal beside the row's field with what was typed kept; officers decide each at the desk.
Every form goes through the services of the API, checked by its token and origin."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models import Inquiry, PriorityItem, TrustedParty
from tests.factories import (
    approve,
    filed_and_accepted,
    make_actor,
    make_company,
    parties_in,
)
from tests.web.site_helpers import SITE, TestClient, csrf_of, sign_in, user_with_password

PARTNER_PAGES = (
    "/partner", "/partner/licenses", "/partner/inquiries", "/partner/inquiries/new",
    "/partner/priority-lists", "/partner/priority-lists/new", "/partner/trusted-parties",
    "/partner/trusted-parties/new",
)  # fmt: skip
OFFICER_PAGES = ("/officer/inquiries", "/officer/priority-lists", "/officer/trusted-parties")


@pytest.fixture
def cases(session: Session, clock: FixedClock, settings: Settings) -> dict[str, Any]:
    """Three open cases of one exporter, to Germany, Italy and the United States, and an
    approved one to Germany and one to the United States with their licenses."""
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    company = make_company(
        session, clock, name="Ganzhou Rare Earth Trading", name_zh="赣州稀土贸易"
    )
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    found: dict[str, Any] = {
        c: filed_and_accepted(session, clock, settings, exporter, officer, **parties_in(c))
        for c in ("DE", "IT", "US")
    }
    for country in ("DE", "US"):
        decided = filed_and_accepted(
            session, clock, settings, exporter, officer, **parties_in(country)
        )
        approve(session, clock, settings, officer, decided)
        found[f"approved-{country}"] = decided
    session.flush()
    from rarex.licensing.repository import license_for_application

    for country in ("DE", "US"):
        license_ = license_for_application(session, found[f"approved-{country}"].id)
        assert license_ is not None
        found[f"license-{country}"] = license_.number
    return found


def _fresh(session: Session) -> None:
    """The test's session forgets what it read: the site's requests (each in a savepoint of
    the same transaction) have written since, the audit chain's head among it."""
    session.info.pop("audit_head", None)
    session.expire_all()


def _post(site: TestClient, path: str, token: str, **form: str) -> Any:
    return site.post(path, data={"csrf_token": token} | form, headers={"Origin": SITE})


def _eu(site: TestClient, session: Session, clock: FixedClock) -> str:
    """Signs in a partner desk for the EU; its form token."""
    _fresh(session)
    username = user_with_password(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    assert sign_in(site, username).headers["location"] == "/partner"  # its home
    return csrf_of(site.get("/partner").text)


def _officer(site: TestClient, session: Session, clock: FixedClock) -> str:
    _fresh(session)
    sign_in(site, user_with_password(session, clock, Role.LICENSING_OFFICER))
    return csrf_of(site.get("/officer").text)


def test_the_partner_pages_are_the_partners_and_the_channel_desk_the_authoritys(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    assert site.get("/partner").headers["location"] == "/login?next=/partner"
    exporter = user_with_password(session, clock, Role.EXPORTER, make_company(session, clock))
    officer = user_with_password(session, clock, Role.LICENSING_OFFICER)
    partner = user_with_password(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    admin = user_with_password(session, clock, Role.ADMINISTRATOR)
    for username, allowed, refused in (
        (exporter, (), PARTNER_PAGES + OFFICER_PAGES),
        (officer, OFFICER_PAGES, PARTNER_PAGES),
        (admin, OFFICER_PAGES, PARTNER_PAGES),  # administrators read the authority's side
        (partner, PARTNER_PAGES, OFFICER_PAGES),
    ):
        sign_in(site, username)
        for path in allowed:
            assert site.get(path).status_code == 200, (username, path)
        for path in refused:
            assert site.get(path).status_code == 403, (username, path)
    # a partner's header leads to its pages, the outcome figures' among them
    header = site.get("/partner").text.split("</header>", 1)[0]
    for path in ("/partner/inquiries", "/partner/priority-lists", "/partner/trusted-parties",
                 "/partner/outcomes"):  # fmt: skip
        assert f'href="{path}"' in header


def test_a_partner_reads_its_jurisdictions_cases_and_licenses_and_nothing_elsewhere(
    site: TestClient, session: Session, clock: FixedClock, cases: dict[str, Any]
) -> None:
    _eu(site, session, clock)
    home = site.get("/partner").text
    rows = home.split("<tbody>", 1)[1]
    assert cases["DE"].reference in rows
    assert cases["IT"].reference in rows
    assert cases["US"].reference not in rows
    assert "赣州稀土贸易" in rows  # the exporter in both scripts
    approved = site.get("/partner?state=approved").text.split("<tbody>", 1)[1]
    assert cases["approved-DE"].reference in approved
    assert cases["DE"].reference not in approved
    wrong = site.get("/partner?state=nonsense")
    assert wrong.status_code == 422
    assert 'id="state-error"' in wrong.text
    case = site.get(f"/partner/applications/{cases['DE'].reference}")
    assert case.status_code == 200
    assert "Importer DE" in case.text
    for path in (
        f"/partner/applications/{cases['US'].reference}",
        f"/partner/licenses/{cases['license-US']}",
        "/partner/applications/RX-0000-NOTHING",
    ):
        missing = site.get(path)
        assert missing.status_code == 404, path
        assert "Importer US" not in missing.text
    licenses = site.get("/partner/licenses").text
    assert cases["license-DE"] in licenses
    assert cases["license-US"] not in licenses
    license_page = site.get(f"/partner/licenses/{cases['license-DE']}")
    assert license_page.status_code == 200
    assert cases["approved-DE"].reference in license_page.text


def test_a_partner_asks_an_officer_answers_and_the_partner_reads_the_authority(
    site: TestClient, session: Session, clock: FixedClock, cases: dict[str, Any]
) -> None:
    token = _eu(site, session, clock)
    reference = cases["DE"].reference
    # a question without its text, and one about a case elsewhere: beside the fields, kept
    empty = _post(site, "/partner/inquiries/new", token, application_reference=reference,
                  subject="When is it decided?", body="")  # fmt: skip
    assert empty.status_code == 422
    assert 'id="body-error"' in empty.text
    assert 'value="When is it decided?"' in empty.text
    us = cases["US"].reference
    elsewhere = _post(site, "/partner/inquiries/new", token, application_reference=us,
                      subject="S", body="B")  # fmt: skip
    assert elsewhere.status_code == 422
    assert 'id="application_reference-error"' in elsewhere.text
    assert session.scalar(select(func.count()).select_from(Inquiry)) == 0
    asked = _post(site, "/partner/inquiries/new", token, application_reference=reference,
                  subject="When is it decided?", body="The plant waits for it.")  # fmt: skip
    assert asked.status_code == 303
    thread = asked.headers["location"]
    number = thread.rsplit("/", 1)[1]
    assert number in site.get(f"/partner/applications/{reference}").text

    # a week and a half later the inquiry is past its reply target: it stands out at the desk
    clock.advance(timedelta(days=10))
    _fresh(session)
    officer_name = user_with_password(session, clock, Role.LICENSING_OFFICER)
    sign_in(site, officer_name)
    desk = site.get("/officer").text
    assert re.search(r'href="/officer/inquiries\?overdue=true">1 partners', desk)
    listed = site.get("/officer/inquiries?overdue=true").text
    assert number in listed
    row = rf'<tr class="overdue">\s*<td class="id"><a href="/officer/inquiries/{number}"'
    assert re.search(row, listed)
    assert number in site.get(f"/officer/applications/{reference}").text  # on the case too
    page = site.get(f"/officer/inquiries/{number}")
    officer_token = csrf_of(page.text)
    blank = _post(site, f"/officer/inquiries/{number}/messages", officer_token, body="  ")
    assert blank.status_code == 422
    assert 'id="body-error"' in blank.text
    answered = _post(site, f"/officer/inquiries/{number}/messages", officer_token,
                     body="Decided within the week.")  # fmt: skip
    assert answered.status_code == 303
    assert officer_name in site.get(f"/officer/inquiries/{number}").text  # named to officers

    token = _eu(site, session, clock)
    seen = site.get(thread).text
    assert "Decided within the week." in seen
    assert "The authority" in seen
    assert officer_name not in seen  # never an officer's name to a partner
    closed = _post(site, f"{thread}/close", token, reason="Answered")
    assert closed.status_code == 303
    after = site.get(thread).text
    assert "This inquiry is closed." in after
    late = _post(site, f"{thread}/messages", token, body="One more thing")
    assert late.status_code == 409
    assert re.search(r'role="alert">[^<]*is closed', late.text)


def test_a_forged_form_of_the_channel_changes_nothing(
    site: TestClient, session: Session, clock: FixedClock, cases: dict[str, Any]
) -> None:
    token = _eu(site, session, clock)
    form = {"subject": "S", "body": "B", "csrf_token": token}
    new = "/partner/inquiries/new"
    other_site = site.post(new, data=form, headers={"Origin": "https://evil.example"})
    no_token = site.post(new, data=form | {"csrf_token": "x"}, headers={"Origin": SITE})
    assert (other_site.status_code, no_token.status_code) == (403, 403)
    listed = site.post("/partner/priority-lists/new", headers={"Origin": SITE}, data={
        "items-0-application_reference": cases["DE"].reference, "items-0-reason": "r"})  # fmt: skip
    assert listed.status_code == 403
    assert session.scalar(select(func.count()).select_from(Inquiry)) == 0
    assert session.scalar(select(func.count()).select_from(PriorityItem)) == 0


def test_a_priority_list_of_rows_is_refused_beside_its_row_then_decided_at_the_desk(
    site: TestClient, session: Session, clock: FixedClock, cases: dict[str, Any]
) -> None:
    token = _eu(site, session, clock)
    de, it, us = (cases[c].reference for c in ("DE", "IT", "US"))
    rows = {
        "items-0-application_reference": de, "items-0-reason": "Assembly line stops",
        # row 2 left empty: ignored
        "items-2-application_reference": it, "items-2-reason": "",
        "items-4-application_reference": us, "items-4-reason": "Elsewhere",
    }  # fmt: skip
    no_reason = _post(site, "/partner/priority-lists/new", token, **rows)
    assert no_reason.status_code == 422
    assert 'id="items-2-reason-error"' in no_reason.text  # the service's items[1].reason
    assert f'value="{us}"' in no_reason.text  # what was typed, kept
    rows["items-2-reason"] = "Wind-turbine order due in May"
    elsewhere = _post(site, "/partner/priority-lists/new", token, **rows)
    assert elsewhere.status_code == 422
    assert 'id="items-4-application_reference-error"' in elsewhere.text
    del rows["items-4-application_reference"], rows["items-4-reason"]
    assert _post(site, "/partner/priority-lists/new", token, **rows).status_code == 303
    assert "To decide" in site.get("/partner/priority-lists").text

    officer_token = _officer(site, session, clock)
    desk = site.get("/officer?queue=ordinary&priority=pending").text.split("<tbody>", 1)[1]
    assert de in desk
    assert it in desk
    assert "Priority asked" in desk
    items = {i.application_id: i.id for i in session.scalars(select(PriorityItem))}
    de_item, it_item = items[cases["DE"].id], items[cases["IT"].id]
    case = f"/officer/applications/{de}"
    assert f'action="/officer/priority-items/{de_item}/decision"' in site.get(case).text
    unexplained = _post(site, f"/officer/priority-items/{de_item}/decision", officer_token,
                        outcome="accepted", reason="", reference=de)  # fmt: skip
    assert unexplained.status_code == 422
    assert f'id="priority-{de_item}-reason-error"' in unexplained.text
    accepted = _post(site, f"/officer/priority-items/{de_item}/decision", officer_token,
                     outcome="accepted", reason="Confirmed idle line", reference=de)  # fmt: skip
    assert accepted.headers["location"] == case
    lists = site.get("/officer/priority-lists").text
    assert f'action="/officer/priority-items/{it_item}/decision"' in lists
    declined = _post(site, f"/officer/priority-items/{it_item}/decision", officer_token,
                     outcome="declined", reason="The order date leaves time")  # fmt: skip
    assert declined.headers["location"] == "/officer/priority-lists"
    officer_names = site.get("/officer/priority-lists").text

    _eu(site, session, clock)
    seen = site.get("/partner/priority-lists").text
    assert "Priority accepted" in seen
    assert "Priority declined" in seen
    assert "The order date leaves time" in seen
    assert "licensing-officer-" not in seen  # the officer is not named to the partner
    assert "licensing-officer-" in officer_names
    assert "Priority accepted" in site.get(f"/partner/applications/{de}").text


def test_a_trusted_end_user_proposed_refused_beside_its_field_approved_and_withdrawn(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    token = _eu(site, session, clock)
    proposal = {
        "name": "Rheinland Antriebstechnik GmbH", "name_zh": "莱茵驱动技术有限公司",
        "country": "US", "identifiers-0-scheme": "lei", "identifiers-0-value": "",
        "identifiers-1-scheme": "vat", "identifiers-1-value": "DE123",
        "basis": "Audited internal compliance programme",
    }  # fmt: skip
    outside = _post(site, "/partner/trusted-parties/new", token, **proposal)
    assert outside.status_code == 422
    assert 'id="country-error"' in outside.text
    assert "莱茵驱动技术有限公司" in outside.text
    proposal["country"] = "DE"
    bad_vat = _post(site, "/partner/trusted-parties/new", token, **proposal)
    assert bad_vat.status_code == 422
    assert 'id="identifiers-1-value-error"' in bad_vat.text  # its row, the empty one skipped
    proposal["identifiers-1-value"] = "DE136695976"
    assert _post(site, "/partner/trusted-parties/new", token, **proposal).status_code == 303
    number = session.scalar(select(TrustedParty.number))
    assert number is not None
    assert "Proposed" in site.get("/partner/trusted-parties").text

    officer_token = _officer(site, session, clock)
    path = f"/officer/trusted-parties/{number}/decision"
    unexplained = _post(site, path, officer_token, outcome="approved", reason="", review_on="")
    assert unexplained.status_code == 422
    assert f'id="{number}-reason-error"' in unexplained.text
    assert _post(site, path, officer_token, outcome="approved",
                 reason="Audit report checked", review_on="").status_code == 303  # fmt: skip
    assert "Approved" in site.get("/officer/trusted-parties?status=approved").text

    token = _eu(site, session, clock)
    confirm = site.get(f"/partner/trusted-parties/{number}/withdraw")
    assert confirm.status_code == 200  # a page of its own
    assert "Withdraw Rheinland Antriebstechnik GmbH" in confirm.text
    no_reason = _post(site, f"/partner/trusted-parties/{number}/withdraw", token, reason="")
    assert no_reason.status_code == 422
    assert 'id="reason-error"' in no_reason.text
    done = _post(site, f"/partner/trusted-parties/{number}/withdraw", token, reason="Sold")
    assert done.headers["location"] == "/partner/trusted-parties"
    _fresh(session)
    assert session.scalar(select(TrustedParty.status)) == "withdrawn"
