"""Pure customs rules: line transitions, declaration status, validation, series and scope."""

from __future__ import annotations

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.api.problems import status_for
from rarex.catalog import load_control_list
from rarex.customs.schemas import DeclarationIn
from rarex.customs.series import Series, element_for, in_scope, series_for
from rarex.customs.states import (
    TRANSITIONS,
    DeclarationStatus,
    LineAction,
    LineStatus,
    declaration_status,
    next_status,
)
from rarex.customs.validation import InvalidDeclaration, validate_declaration
from rarex.errors import InvalidTransition
from tests.factories import make_uscc

CONTROL_LIST = load_control_list()
TODAY = date(2025, 6, 10)
CUSTOMS = Path(__file__).resolve().parents[2] / "src" / "rarex" / "customs"


@pytest.mark.parametrize(
    "module", ["clearance", "facts", "states", "series", "validation", "tabular"]
)
def test_pure_modules_import_neither_sqlalchemy_nor_fastapi(module: str) -> None:
    tree = ast.parse((CUSTOMS / f"{module}.py").read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {m for m in imported if m.split(".")[0] in {"sqlalchemy", "fastapi"}}


@pytest.mark.parametrize("status", list(LineStatus))
@pytest.mark.parametrize("action", list(LineAction))
def test_every_line_transition_is_in_the_table_or_refused(
    status: LineStatus, action: LineAction
) -> None:
    if action in TRANSITIONS[status]:
        assert next_status(status, action, line_no=1) is TRANSITIONS[status][action]
    else:
        with pytest.raises(InvalidTransition) as caught:
            next_status(status, action, line_no=1)
        assert caught.value.code == "customs.illegal_transition"


def test_officers_release_or_refuse_only_held_lines_and_hold_only_cleared_ones() -> None:
    assert next_status(LineStatus.HELD, LineAction.RELEASE, line_no=1) is LineStatus.CLEARED
    assert next_status(LineStatus.HELD, LineAction.REFUSE, line_no=1) is LineStatus.REFUSED
    assert next_status(LineStatus.CLEARED, LineAction.HOLD, line_no=1) is LineStatus.HELD
    assert TRANSITIONS[LineStatus.CANCELLED] == {}


@given(st.lists(st.sampled_from(list(LineStatus)), min_size=1, max_size=6))
def test_declaration_status_follows_its_lines(lines: list[LineStatus]) -> None:
    status = declaration_status(lines)
    live = set(lines) - {LineStatus.CANCELLED}
    if not live:
        assert status is DeclarationStatus.CANCELLED
    elif LineStatus.HELD in live:
        assert status is DeclarationStatus.HELD
    elif live == {LineStatus.CLEARED}:
        assert status is DeclarationStatus.CLEARED
    elif live == {LineStatus.REFUSED}:
        assert status is DeclarationStatus.REFUSED
    else:
        assert status is DeclarationStatus.PARTIALLY_CLEARED


@pytest.mark.parametrize(
    ("hs", "series"),
    [
        ("2805301200", Series.RARE_EARTHS),
        ("2805309000", Series.RARE_EARTHS),
        ("2846901993", Series.RARE_EARTHS),
        ("2846100000", Series.RARE_EARTHS),
        ("8505111000", Series.MAGNETS),
        ("8505111090", Series.MAGNETS),
        ("3824999922", Series.OTHER),
        ("8486909110", Series.OTHER),
    ],
)
def test_series_follow_the_published_tariff_lines(hs: str, series: Series) -> None:
    assert series_for(hs) is series
    assert in_scope(hs, CONTROL_LIST)


@pytest.mark.parametrize("hs", ["8505119000", "2805190000", "7202999000", "8505120000"])
def test_lines_outside_rare_earths_are_out_of_scope(hs: str) -> None:
    assert not in_scope(hs, CONTROL_LIST)


@pytest.mark.parametrize(
    ("hs", "code", "element"),
    [
        ("2805301200", None, "Dy"),  # the Dy metal line names its element
        ("2846901993", None, None),  # an oxide mixture of several elements names none
        ("2846901993", "1C904.b", "Tb"),  # the control code decides
        ("8505111000", "1C905.a", "Dy"),
        ("2805301100", None, None),
    ],
)
def test_element_comes_from_the_control_code_or_a_single_element_crosswalk(
    hs: str, code: str | None, element: str | None
) -> None:
    assert element_for(hs, code, CONTROL_LIST) == element


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": "224820250000000001",
        "exporter_uscc": make_uscc(77),
        "license_number": " dul-2025-abc ",
        "destination": "deu",
        "consignee": {"name": "  Rheinland   Antriebstechnik GmbH ", "country": "de"},
        "port": " Shanghai  Waigaoqiao ",
        "declared_date": "2025-06-09",
        "lines": [
            {
                "hs_code": "2805.30.12 00",
                "control_code": "1c905 .A",
                "net_kg": "100.5",
                "fob_value": 45000,
                "currency": "usd",
            }
        ],
    }
    data.update(overrides)
    return data


def validate(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return validate_declaration(
        DeclarationIn.model_validate(data),
        today=TODAY,
        max_kg=Decimal("100000000"),
        control_list=CONTROL_LIST,
    )


def test_a_valid_declaration_comes_out_in_canonical_spelling() -> None:
    draft = validate(body())
    assert draft.license_number == "DUL-2025-ABC"
    assert draft.destination == "DE"
    assert (draft.consignee_name, draft.consignee_country) == (
        "Rheinland Antriebstechnik GmbH",
        "DE",
    )
    assert draft.port == "Shanghai Waigaoqiao"
    line = draft.lines[0]
    assert (line.hs_code, line.control_code, line.currency) == ("2805301200", "1C905.a", "USD")
    assert line.net_kg == Decimal("100.500")
    assert line.fob_value == Decimal("45000.00")


def test_declared_date_defaults_to_today_and_an_empty_license_to_none() -> None:
    draft = validate(body(declared_date=None, license_number=""))
    assert draft.declared_on == TODAY
    assert draft.license_number is None


def problems_of(data: dict[str, Any]) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InvalidDeclaration) as caught:
        validate(data)
    return [(p.line_no, p.field, p.code) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("net_kg", "code"),
    [
        # not a number by the one rule of rarex.quantities: the same code in every room
        ("abc", "input.invalid_number"),
        ("", "input.invalid_number"),
        ("NaN", "input.invalid_number"),
        ("12,5", "input.invalid_number"),
        ("1e12", "input.invalid_number"),
        ("1_000", "input.invalid_number"),
        ("1.0001", "customs.invalid_weight"),
        ("-5", "customs.weight_not_positive"),
        ("0", "customs.weight_not_positive"),
        ("1000000000000", "customs.weight_absurd"),
    ],
)
def test_every_bad_weight_has_its_own_reason(net_kg: str, code: str) -> None:
    line = {**body()["lines"][0], "net_kg": net_kg}
    assert problems_of(body(lines=[line])) == [(1, "net_kg", code)]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("hs_code", "28053012", "catalog.malformed_hs_code"),
        ("hs_code", "8505119000", "customs.unknown_hs_code"),
        ("control_code", "1C999.a", "catalog.unknown_control_code"),
        ("control_code", "1C905", "catalog.unknown_control_code"),
        ("control_code", "rare", "catalog.malformed_control_code"),
        ("fob_value", "-1", "customs.invalid_value"),
        ("fob_value", "1.005", "customs.invalid_value"),
        ("currency", "XYZ", "customs.unknown_currency"),
    ],
)
def test_every_bad_line_field_has_its_own_reason(field: str, value: str, code: str) -> None:
    line = {**body()["lines"][0], field: value}
    assert problems_of(body(lines=[line])) == [(1, field, code)]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"number": "x"}, "number", "customs.invalid_declaration_number"),
        ({"exporter_uscc": "91110000MA01234567"}, "exporter_uscc", "party.invalid_uscc_check"),
        ({"destination": "UK"}, "destination", "party.unknown_country"),
        (
            {"consignee": {"name": " ", "country": "DE"}},
            "consignee.name",
            "customs.consignee_required",
        ),
        ({"port": ""}, "port", "customs.port_required"),
        ({"license_number": "L" * 41}, "license_number", "customs.invalid_license_number"),
        ({"declared_date": "2025-06-11"}, "declared_date", "customs.declared_date_in_future"),
        (
            {"clearance_date": "2025-06-08"},
            "clearance_date",
            "customs.clearance_before_declaration",
        ),
        ({"clearance_date": "2025-06-11"}, "clearance_date", "customs.clearance_date_in_future"),
    ],
)
def test_every_bad_header_field_has_its_own_reason(
    overrides: dict[str, Any], field: str, code: str
) -> None:
    assert problems_of(body(**overrides)) == [(None, field, code)]


def test_all_problems_are_reported_at_once_each_naming_line_and_field() -> None:
    good = body()["lines"][0]
    data = body(
        destination="ZZ",
        lines=[good, {**good, "net_kg": "-1", "currency": "???"}, {**good, "hs_code": "1"}],
    )
    assert problems_of(data) == [
        (None, "destination", "party.unknown_country"),
        (2, "net_kg", "customs.weight_not_positive"),
        (2, "currency", "customs.unknown_currency"),
        (3, "hs_code", "catalog.malformed_hs_code"),
    ]
    with pytest.raises(InvalidDeclaration) as caught:
        validate(data)
    assert caught.value.code == "customs.invalid_declaration"
    assert "and 3 more" in caught.value.message
    assert caught.value.details["problems"][1] == {
        "line_no": 2,
        "field": "net_kg",
        "code": "customs.weight_not_positive",
        "message": "net weight must be above 0 kg, got -1",
    }


def test_a_single_problem_gives_its_own_code() -> None:
    line = {**body()["lines"][0], "net_kg": "x"}
    with pytest.raises(InvalidDeclaration) as caught:
        validate(body(lines=[line]))
    assert caught.value.code == "input.invalid_number"
    assert status_for(caught.value) == 422
