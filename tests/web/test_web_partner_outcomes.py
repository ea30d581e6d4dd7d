"""The outcome figures' page (issue 13): a partner reads its own jurisdiction's, the authority
and analysts any desk's; the table, the chart in the page's language and the downloads agree
with the service."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from tests.factories import approve, filed_and_accepted, make_actor, make_company, parties_in
from tests.web.site_helpers import TestClient, sign_in, user_with_password


@pytest.fixture
def decided(session: Session, clock: FixedClock, settings: Settings) -> None:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    for country in ("DE", "FR", "US"):
        case = filed_and_accepted(session, clock, settings, exporter, officer,
                                  **parties_in(country))  # fmt: skip
        if country != "FR":
            approve(session, clock, settings, officer, case)


@pytest.mark.usefixtures("decided")
def test_a_partner_reads_its_figures_chart_and_downloads(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    sign_in(site, user_with_password(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"]))
    page = site.get("/partner/outcomes")
    assert page.status_code == 200
    table = page.text.split("<tbody>", 1)[1]
    # June 2025: two EU cases received, one approved (the US one is not the EU's)
    assert "2025-06" in table
    assert 'name="partner"' not in page.text  # a partner chooses no other desk
    chart = site.get("/partner/outcomes.svg")
    assert chart.headers["content-type"] == "image/svg+xml"
    assert "2 received, 1 approved, 0 denied" in chart.text
    csv = site.get("/partner/outcomes/download?format=csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.text.splitlines()[1].startswith("EU,2025-06,ordinary,2,1,1,0,100.0,")
    xlsx = site.get("/partner/outcomes/download?format=xlsx")
    sheet = load_workbook(BytesIO(xlsx.content))["outcomes"]
    assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))][:4] == [
        "EU", "2025-06", "ordinary", 2
    ]  # fmt: skip
    other = site.get("/partner/outcomes?partner=US")  # its own figures, whatever it asks
    assert other.status_code == 200
    assert "Outcome figures: EU" in other.text
    refused = site.get("/partner/outcomes.svg?partner=US")
    assert refused.status_code == 403


@pytest.mark.usefixtures("decided")
def test_the_authority_chooses_the_desk_and_reads_it_in_chinese(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    make_actor(session, clock, Role.PARTNER_AUTHORITY, partner_countries=["US"])
    sign_in(site, user_with_password(session, clock, Role.LICENSING_OFFICER))
    page = site.get("/partner/outcomes?partner=US").text
    assert '<option value="US" selected>' in page
    assert "Outcome figures: US" in page
    site.cookies.set("rarex_lang", "zh")
    chinese = site.get("/partner/outcomes?partner=EU", headers={"Accept-Language": "zh-CN"})
    assert "结果统计" in chinese.text
    chart = site.get("/partner/outcomes.svg?partner=EU", headers={"Accept-Language": "zh-CN"})
    assert "收到2件" in chart.text
    bad = site.get("/partner/outcomes?partner=Atlantis")
    assert bad.status_code == 422
    assert "jurisdiction.invalid" in bad.text or "Atlantis" in bad.text
    session.info.pop("audit_head", None)  # the site's requests wrote to the chain since
    session.expire_all()
    exporter = user_with_password(session, clock, Role.EXPORTER, make_company(session, clock))
    sign_in(site, exporter)
    assert site.get("/partner/outcomes").status_code == 403
