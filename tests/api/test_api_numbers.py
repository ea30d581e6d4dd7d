"""A JSON body's quantities and money follow the one number rule (``rarex.quantities``): text
in plain or full-width digits is read, anything else is 422 ``input.invalid_number`` beside its
field; a JSON number is read at its value, never through its binary expansion."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.models import Application

FULL_WIDTH_1000 = "\uff11\uff10\uff10\uff10"
FULL_WIDTH_45000_5 = "\uff14\uff15\uff10\uff10\uff10\uff0e\uff15"


def _applications(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Application)) or 0


@pytest.mark.parametrize(
    ("field", "sent"),
    [
        ("quantity_kg", "1_000"),
        ("quantity_kg", "1e3"),
        ("quantity_kg", "+5"),
        ("quantity_kg", "\u0663"),
        ("value", "1,000"),
        ("value", "Infinity"),
        ("value", True),
    ],
)
def test_a_figure_outside_the_rule_is_refused_beside_its_field(
    client: Any,
    exporter: Any,
    session: Session,
    filing_body: Callable[..., dict[str, Any]],
    field: str,
    sent: object,
) -> None:
    body = filing_body()
    body["lines"][0][field] = sent
    before = _applications(session)
    response = client.post("/api/v1/applications", json=body, headers=exporter.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "input.invalid"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        (f"lines[0].{field}", "input.invalid_number")
    ]
    assert "1250.5" in problem["errors"][0]["detail"]
    assert _applications(session) == before


def test_full_width_digits_and_json_numbers_are_read_exactly(
    client: Any, exporter: Any, filing_body: Callable[..., dict[str, Any]]
) -> None:
    body = filing_body()
    body["lines"][0] |= {"quantity_kg": f" {FULL_WIDTH_1000}\u3000", "value": FULL_WIDTH_45000_5}
    body["lines"].append({**body["lines"][0], "quantity_kg": 12.5, "value": 1000})
    response = client.post("/api/v1/applications", json=body, headers=exporter.headers)
    assert response.status_code == 201, response.text
    lines = response.json()["lines"]
    assert [(ln["quantity_kg"], ln["value_amount"]) for ln in lines] == [
        ("1000.000", "45000.50"),
        ("12.500", "1000.00"),
    ]


def test_a_nan_in_the_json_text_is_not_a_number(
    client: Any, exporter: Any, filing_body: Callable[..., dict[str, Any]]
) -> None:
    # Python's JSON reader takes NaN, which JSON itself does not have: the rule refuses it.
    text = json.dumps(filing_body()).replace('"quantity_kg": "500"', '"quantity_kg": NaN')
    assert "NaN" in text
    response = client.post(
        "/api/v1/applications",
        content=text.encode(),
        headers={**exporter.headers, "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"] == "input.invalid_number"
