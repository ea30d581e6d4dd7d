"""The customs desk over HTTP (issue 12, item 2), on SQLite and PostgreSQL: a declaration
filed from the form clears and draws its license (the page says what is left); a wrong form
shows every problem beside its field and records nothing; a held line refused, another
released, each with its reason; a batch with malformed rows reports each with its field and
files the rest, and the same file again files nothing twice; the desk is customs' only."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import filing as customs_filing
from rarex.models import LicenseLine
from rarex.models.customs import Declaration
from tests.customs.customs_factories import (
    OTHER_CONSIGNEE,
    Licensed,
    declaration,
    licensed,
    next_number,
)
from tests.customs.test_customs_import import row, write_csv
from tests.factories import make_company
from tests.web.site_helpers import SITE, TestClient, csrf_of, sign_in, user_with_password


def _customs(site: TestClient, session: Session, clock: FixedClock) -> str:
    sign_in(site, user_with_password(session, clock, Role.CUSTOMS_OFFICER))
    return csrf_of(site.get("/customs/declarations/new").text)


def _form(setup: Licensed, number: str, **overrides: str) -> dict[str, str]:
    return {
        "number": number, "exporter_uscc": setup.company.uscc,
        "license_number": setup.license.number, "destination": "DE",
        "consignee_name": "Rheinland Antriebstechnik GmbH", "consignee_country": "DE",
        "port": "Shanghai Waigaoqiao", "line-0-hs_code": "2805301200",
        "line-0-control_code": "1C905.a", "line-0-description": "Dysprosium metal",
        "line-0-net_kg": "120.5", "line-0-fob_value": "60000", "line-0-currency": "USD",
    } | overrides  # fmt: skip


def _remaining(session: Session, setup: Licensed) -> Decimal:
    session.expire_all()
    return session.scalars(
        select(LicenseLine.remaining_kg).where(LicenseLine.license_id == setup.license.id)
    ).one()


def _declarations(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Declaration)) or 0


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', page)
    assert found is not None, f"no problem shown beside {field}"
    return found.group(1)


def test_the_desk_is_customs_only(site: TestClient, session: Session, clock: FixedClock) -> None:
    assert site.get("/customs").headers["location"] == "/login?next=/customs"
    users = [
        user_with_password(session, clock, Role.EXPORTER, make_company(session, clock)),
        user_with_password(session, clock, Role.LICENSING_OFFICER),
    ]
    for username in users:
        sign_in(site, username)
        assert site.get("/customs").status_code == 403
        assert site.get("/customs/declarations/new").status_code == 403


def test_a_declaration_filed_from_the_form_clears_and_draws_its_license(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    setup = licensed(session, clock, settings)
    token = _customs(site, session, clock)
    before = _remaining(session, setup)
    number = next_number()
    filed = site.post(
        "/customs/declarations/new", data={"csrf_token": token} | _form(setup, number),
        headers={"Origin": SITE},
    )  # fmt: skip
    assert filed.status_code == 303, filed.text
    page = site.get(filed.headers["location"]).text
    assert "Cleared" in page
    assert _remaining(session, setup) == before - Decimal("120.5")
    assert f"{before - Decimal('120.5'):,.3f} kg left" in page
    # The form sent again (a double click, a reload): the same declaration, drawn once.
    again = site.post(
        "/customs/declarations/new", data={"csrf_token": token} | _form(setup, number),
        headers={"Origin": SITE},
    )  # fmt: skip
    assert again.status_code == 303
    assert again.headers["location"] == filed.headers["location"]
    assert _remaining(session, setup) == before - Decimal("120.5")
    # The same number with other content: refused beside the number.
    other = site.post(
        "/customs/declarations/new",
        data={"csrf_token": token} | _form(setup, number, port="Ningbo"),
        headers={"Origin": SITE},
    )
    assert other.status_code == 422
    assert _error(other.text, "number")


def test_a_wrong_declaration_shows_every_problem_beside_its_field_and_records_nothing(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    setup = licensed(session, clock, settings)
    token = _customs(site, session, clock)
    before = _declarations(session)
    wrong = site.post(
        "/customs/declarations/new",
        data={"csrf_token": token}
        | _form(setup, next_number(), **{"line-0-net_kg": "-5", "destination": "XQ"}),
        headers={"Origin": SITE},
    )
    assert wrong.status_code == 422
    assert _error(wrong.text, "line-0-net_kg")
    assert _error(wrong.text, "destination")
    assert 'value="Dysprosium metal"' in wrong.text
    assert _declarations(session) == before


def test_held_lines_are_refused_or_released_with_a_reason(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    setup = licensed(session, clock, settings)
    held = [
        customs_filing.file_declaration(
            session,
            actor=setup.customs,
            clock=clock,
            settings=settings,
            data=declaration(setup, consignee=dict(OTHER_CONSIGNEE)),
        )
        for _ in range(2)
    ]
    token = _customs(site, session, clock)
    desk = site.get("/customs").text
    assert all(d.number in desk for d in held)
    before = _remaining(session, setup)
    base = f"/customs/declarations/{held[0].number}/lines/1"
    no_reason = site.post(
        base, data={"csrf_token": token, "action": "refuse", "reason": ""},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert no_reason.status_code == 422
    refused = site.post(
        base, data={"csrf_token": token, "action": "refuse", "reason": "Consignee not licensed"},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert refused.status_code == 303
    assert "Refused" in site.get(f"/customs/declarations/{held[0].number}").text
    released = site.post(
        f"/customs/declarations/{held[1].number}/lines/1",
        data={"csrf_token": token, "action": "release", "reason": "Consignee is the buyer's"
              " subsidiary, confirmed by the exporter"},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert released.status_code == 303
    assert _remaining(session, setup) == before - Decimal("100")
    assert held[0].number not in site.get("/customs").text


def test_a_batch_files_its_good_rows_names_the_bad_ones_and_never_files_twice(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings, tmp_path: Path
) -> None:
    setup = licensed(session, clock, settings)
    token = _customs(site, session, clock)
    numbers = [next_number() for _ in range(3)]
    path = write_csv(
        tmp_path / "batch.csv",
        [
            row(setup, numbers[0], net_kg="10"),
            row(setup, numbers[1], net_kg="ten"),
            row(setup, numbers[2], hs_code="8505119000"),
        ],
    )

    def send() -> Any:
        return site.post(
            "/customs/imports", data={"csrf_token": token},
            files={"file": ("batch.csv", path.read_bytes(), "text/csv")},
            headers={"Origin": SITE},
        )  # fmt: skip

    before = _declarations(session)
    first = send()
    assert first.status_code == 200, first.text
    assert _declarations(session) == before + 1
    rows = re.findall(r"<tr><td>(\d+)</td><td class=\"id\">([^<]+)</td>", first.text)
    assert ("3", "net_kg") in rows
    assert ("4", "hs_code") in rows
    second = send()
    assert second.status_code == 200
    assert _declarations(session) == before + 1  # nothing filed twice
    nothing = site.post("/customs/imports", data={"csrf_token": token}, headers={"Origin": SITE})
    assert nothing.status_code == 422


def test_a_month_and_a_license_are_reconciled_at_the_desk(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    setup = licensed(session, clock, settings)
    filed = customs_filing.file_declaration(
        session, actor=setup.customs, clock=clock, settings=settings, data=declaration(setup)
    )
    period = f"{filed.declared_date:%Y-%m}"
    _customs(site, session, clock)
    page = site.get(
        "/customs/reconciliation",
        params={"period": period, "published_rare_earths_t": "0.2",
                "license_number": setup.license.number},
    )  # fmt: skip
    assert page.status_code == 200, page.text
    assert "100.000 kg" in page.text  # the declaration's 100 kg cleared in the month
    assert "\u221250.00%" in page.text  # 0.1 t cleared against 0.2 t published, a true minus
    assert "balance, ledger and clearances agree" in page.text
    wrong = site.get(
        "/customs/reconciliation",
        params={"period": "2025-13", "published_rare_earths_t": "lots",
                "license_number": "DUL-0000-NONE"},
    )  # fmt: skip
    assert wrong.status_code == 422
    assert _error(wrong.text, "published_rare_earths_t")
    assert _error(wrong.text, "license_number")
