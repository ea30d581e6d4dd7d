"""Outcome figures over HTTP: the JSON, the CSV and XLSX downloads and the chart agree, a
partner reads its own jurisdiction's and the authority any desk's."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from rarex.api.app import PREFIX
from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from tests.factories import approve, filed_and_accepted, make_actor, make_company, parties_in

OUTCOMES = f"{PREFIX}/partner/outcomes"


@pytest.fixture
def decided(session: Session, clock: FixedClock, settings: Settings) -> None:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    exporter = make_actor(session, clock, Role.EXPORTER, company=make_company(session, clock))
    for country in ("DE", "IT", "US"):
        app = filed_and_accepted(session, clock, settings, exporter, officer, **parties_in(country))
        approve(session, clock, settings, officer, app)


@pytest.mark.usefixtures("decided")
def test_the_figures_their_downloads_and_chart_agree(client: Any, api_user: Any) -> None:
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    report = client.get(OUTCOMES, headers=eu.headers).json()
    (june,) = report["rows"]
    assert (report["partner"], june["month"], june["received"], june["approved"]) == (
        "EU", "2025-06", 2, 2
    )  # fmt: skip
    csv = client.get(f"{OUTCOMES}/export", headers=eu.headers)
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.text.splitlines()[1].startswith("EU,2025-06,ordinary,2,2,2,0,100.0,")
    xlsx = client.get(f"{OUTCOMES}/export", headers=eu.headers, params={"format": "xlsx"})
    sheet = load_workbook(BytesIO(xlsx.content))["outcomes"]
    assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))][:6] == [
        "EU", "2025-06", "ordinary", 2, 2, 2
    ]  # fmt: skip
    chart = client.get(f"{OUTCOMES}/chart", headers=eu.headers)
    assert chart.headers["content-type"] == "image/svg+xml"
    assert "2 received, 2 approved, 0 denied" in chart.text
    bad = client.get(f"{OUTCOMES}/export", headers=eu.headers, params={"format": "pdf"})
    assert (bad.status_code, bad.json()["code"]) == (422, "outcomes.unknown_format")


@pytest.mark.usefixtures("decided")
def test_the_authority_reads_any_desk_and_a_partner_no_other(client: Any, api_user: Any) -> None:
    officer = api_user(Role.LICENSING_OFFICER)
    us = client.get(OUTCOMES, headers=officer.headers, params={"partner": "US"}).json()
    assert (us["partner"], us["rows"][0]["received"]) == ("US", 1)
    eu = api_user(Role.PARTNER_AUTHORITY, partner_groups=["EU"])
    refused = client.get(OUTCOMES, headers=eu.headers, params={"partner": "US"})
    assert (refused.status_code, refused.json()["code"]) == (403, "partner.other_jurisdiction")
    unknown = client.get(OUTCOMES, headers=officer.headers, params={"partner": "Atlantis"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "jurisdiction.invalid")
