"""The pages read typed figures by the one number rule (``rarex.quantities``): ``1_000`` is
refused beside its field, in the page's language, with what was typed kept; full-width digits
(a Chinese input method's) are read as ASCII."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import filing as customs_filing
from rarex.models import Application, ApplicationLine
from tests.customs.customs_factories import declaration, licensed
from tests.factories import make_company
from tests.web.site_helpers import SITE, TestClient, csrf_of, sign_in, user_with_password
from tests.web.test_web_filing import PARTIES

FULL_WIDTH_1000 = "\uff11\uff10\uff10\uff10"
FULL_WIDTH_45000_5 = "\uff14\uff15\uff10\uff10\uff10\uff0e\uff15"


def _line(**fields: str) -> dict[str, str]:
    line = {
        "control_code": "1C905.a", "hs_code": "2805301200", "description": "Dysprosium metal",
        "quantity_kg": "500", "value": "45000", "currency": "USD",
    } | fields  # fmt: skip
    return {f"line-0-{name}": value for name, value in line.items()}


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', page)
    assert found is not None, f"no problem shown beside {field}"
    return found.group(1)


def test_the_filing_form_refuses_1_000_and_files_full_width_digits(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    sign_in(site, user_with_password(session, clock, Role.EXPORTER, make_company(session, clock)))
    new = "/exporter/applications/new"
    token = csrf_of(site.get(new).text)

    def post(language: str = "en", **form: Any) -> Any:
        return site.post(
            new,
            data={"csrf_token": token} | form,
            headers={"Origin": SITE, "Accept-Language": language},
        )

    refused = post(step="items", command="continue", **_line(quantity_kg="1_000"))
    assert refused.status_code == 422
    assert "is not a number" in _error(refused.text, "line-0-quantity_kg")
    assert 'value="1_000"' in refused.text  # what was typed is kept
    in_chinese = post("zh-CN", step="items", command="continue", **_line(quantity_kg="1_000"))
    written = "请填写数字，例如 250 或 1250.5。"  # noqa: RUF001 - the catalog's comma
    assert _error(in_chinese.text, "line-0-quantity_kg") == written
    typed = _line(quantity_kg=FULL_WIDTH_1000, value=FULL_WIDTH_45000_5)
    parties = post(step="items", command="continue", **typed)
    assert parties.status_code == 200, parties.text
    filed = post(step="parties", command="continue", **PARTIES, **typed)
    assert filed.status_code == 303, filed.text
    reference = filed.headers["location"].rsplit("/", 1)[1]
    stored = session.execute(
        select(ApplicationLine.quantity_kg, ApplicationLine.value_amount)
        .join(Application)
        .where(Application.reference == reference)
    ).one()
    assert tuple(stored) == (Decimal("1000.000"), Decimal("45000.50"))


def test_the_reconciliation_desk_reads_published_tonnes_by_the_same_rule(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    setup = licensed(session, clock, settings)
    filed = customs_filing.file_declaration(
        session, actor=setup.customs, clock=clock, settings=settings, data=declaration(setup)
    )
    period = f"{filed.declared_date:%Y-%m}"
    sign_in(site, user_with_password(session, clock, Role.CUSTOMS_OFFICER))
    for typed, shown in (("1_000", "is not a number"), ("NaN", "is not a number"),
                         ("-1", "at least 0")):  # fmt: skip
        wrong = site.get(
            "/customs/reconciliation",
            params={"period": period, "published_rare_earths_t": typed},
        )
        assert wrong.status_code == 422, typed
        assert shown in _error(wrong.text, "published_rare_earths_t")
    read = site.get(
        "/customs/reconciliation",
        params={"period": period, "published_rare_earths_t": "\uff10\uff0e\uff12"},  # 0.2
    )
    assert read.status_code == 200, read.text
    assert "\u221250.00%" in read.text  # 0.1 t cleared against 0.2 t published
