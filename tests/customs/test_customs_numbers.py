"""Customs reads weights and FOB values by the one number rule (``rarex.quantities``), from a
JSON body as from an import row: ``1_000`` is refused as ``input.invalid_number`` on its line
and field, beside every other problem; full-width digits are read as ASCII."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from tests.customs.conftest import ApiUser, TestClient
from tests.customs.customs_factories import Licensed, declaration, line, next_number
from tests.customs.test_customs_import import remaining, row, run, write_csv

FULL_WIDTH_100 = "\uff11\uff10\uff10"
FULL_WIDTH_5000_5 = "\uff15\uff10\uff10\uff10\uff0e\uff15"


def _body(setup: Licensed, **line_fields: Any) -> dict[str, Any]:
    data = declaration(setup, lines=[line(**line_fields)])
    body: dict[str, Any] = data.model_dump(mode="json", exclude_none=True)
    return body


def test_a_json_declaration_refuses_1_000_and_reads_full_width_digits(
    client: TestClient,
    api_user: Callable[..., ApiUser],
    setup: Licensed,
    session: Session,
) -> None:
    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    bad = client.post(
        "/api/v1/declarations",
        json=_body(setup, net_kg="1_000", fob_value="1,000", hs_code="1"),
        headers=officer.headers,
    )
    assert bad.status_code == 422, bad.text
    problems = [(p["field"], p["code"]) for p in bad.json()["details"]["problems"]]
    assert problems == [
        ("hs_code", "catalog.malformed_hs_code"),
        ("net_kg", "input.invalid_number"),
        ("fob_value", "input.invalid_number"),
    ]
    good = client.post(
        "/api/v1/declarations",
        json=_body(setup, net_kg=FULL_WIDTH_100, fob_value=FULL_WIDTH_5000_5),
        headers=officer.headers,
    )
    assert good.status_code == 201, good.text
    assert [(ln["net_kg"], ln["fob_value"]) for ln in good.json()["lines"]] == [
        ("100.000", "5000.50")
    ]


def test_an_import_row_refuses_1_000_and_reads_full_width_digits(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    rows = [
        row(setup, next_number(), net_kg=FULL_WIDTH_100, fob_value=FULL_WIDTH_5000_5),
        row(setup, next_number(), net_kg="1_000"),
        row(setup, next_number(), net_kg="10", fob_value="1e3"),
    ]
    report = run(session, clock, settings, setup, write_csv(tmp_path / "numbers.csv", rows))
    assert report.recorded == 1
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (3, "net_kg", "input.invalid_number"),
        (4, "fob_value", "input.invalid_number"),
    ]
    assert remaining(session, setup) == Decimal("400.000")


def test_a_published_figure_finer_than_a_kilogram_is_refused_not_a_crash(
    client: TestClient, api_user: Any, setup: Licensed
) -> None:
    """Before, 0.0000000000000000000000001 t against a month with tonnes cleared ran the
    percentage past the decimal context's precision: a 500."""
    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    client.post(
        "/api/v1/declarations",
        json=declaration(setup, lines=[line(net_kg="400")]).model_dump(
            mode="json", exclude_none=True
        ),
        headers=officer.headers,
    )
    response = client.get(
        "/api/v1/customs/reconciliation/months/2025-06",
        params={"published_rare_earths_t": "0.0000000000000000000000001"},
        headers=officer.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "customs.invalid_published_figure"
    fine = client.get(
        "/api/v1/customs/reconciliation/months/2025-06",
        params={"published_rare_earths_t": "0.001"},
        headers=officer.headers,
    )
    assert fine.status_code == 200, fine.text
