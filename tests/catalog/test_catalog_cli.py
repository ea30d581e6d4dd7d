"""``rarex catalog``: exit codes, headlines and the stable --json shapes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import rarex.cli.catalog as catalog_cli
from rarex.config import get_settings

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(catalog_cli.app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_code_controlled_prints_headline_and_exits_0() -> None:
    code, out, _ = _run("check", "--code", "1C902", "--on", "2025-11-20")

    assert code == 0
    assert "CONTROLLED on 2025-11-20" in out
    assert "NOT CONTROLLED" not in out
    assert "1C902.a" in out


def test_check_code_suspended_prints_not_controlled_and_exits_0() -> None:
    code, out, _ = _run("check", "--code", "1C910", "--on", "2025-11-20")

    assert code == 0
    assert "NOT CONTROLLED on 2025-11-20" in out
    assert "suspended" in out


def test_check_json_shape() -> None:
    code, out, _ = _run("check", "--hs", "2846 9019 93", "--on", "2025-11-20", "--json")

    assert code == 0
    body = json.loads(out)
    assert body["query"] == "2846901993"
    assert body["query_kind"] == "hs_code"
    assert body["on"] == "2025-11-20"
    assert body["controlled"] is True
    assert isinstance(body["catalog_version"], str)
    assert len(body["matches"]) == 7
    match = body["matches"][0]
    assert match["status"] == "in_force"
    assert match["announcement"] == {
        "id": "MOFCOM-GACC-2025-18",
        "number": "商务部 海关总署公告2025年第18号",
        "citation": "Announcement 2025 No. 18",
    }


def test_check_hs_outside_cross_walk_is_an_answer_not_an_error() -> None:
    code, out, _ = _run("check", "--hs", "0101210010", "--on", "2025-11-20", "--json")

    assert code == 0
    assert json.loads(out)["matches"] == []


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--on", "2025-11-20"),
        ("check", "--code", "1C902", "--hs", "2846901993", "--on", "2025-11-20"),
    ],
)
def test_check_needs_exactly_one_of_code_or_hs(args: tuple[str, ...]) -> None:
    code, out, err = _run(*args)

    assert code == 2
    assert out == ""
    assert "exactly one of --code or --hs" in err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("check", "--code", "1C999"), "1C999"),
        (("check", "--code", "1CX02"), "1CX02"),
        (("check", "--hs", "28469019"), "28469019"),
        (("check", "--code", "1C902", "--on", "2025-13-01"), "2025-13-01"),
        (("list", "--on", "tomorrow"), "tomorrow"),
    ],
)
def test_domain_errors_exit_2_naming_the_value(args: tuple[str, ...], named: str) -> None:
    code, out, err = _run(*args)

    assert code == 2
    assert out == ""
    assert err.startswith("error")
    assert named in err


def test_domain_error_line_carries_the_stable_code() -> None:
    _, _, err = _run("check", "--code", "1C999")

    assert "[catalog.unknown_control_code]" in err


def test_on_defaults_to_today_in_china(monkeypatch: pytest.MonkeyPatch) -> None:
    # 17:00 UTC on 19 Nov is already 20 Nov in Beijing.
    monkeypatch.setenv("RAREX_FROZEN_TIME", "2025-11-19T17:00:00+00:00")
    get_settings.cache_clear()
    try:
        code, out, _ = _run("check", "--code", "1C902.a", "--json")
    finally:
        get_settings.cache_clear()

    assert code == 0
    assert json.loads(out)["on"] == "2025-11-20"


def test_list_json_shape() -> None:
    code, out, _ = _run("list", "--on", "2025-11-20", "--json")

    assert code == 0
    body = json.loads(out)
    assert list(body) == ["on", "catalog_version", "in_force_count", "entries", "announcements"]
    assert body["on"] == "2025-11-20"
    by_code = {entry["code"]: entry for entry in body["entries"]}
    assert by_code["1C902.b"]["hs_codes"] == ["2846901940", "2846901993"]
    assert by_code["1C910.a"]["suspended_until"] == "2026-11-10"
    statuses = {code: entry["status"] for code, entry in by_code.items()}
    assert statuses["1C902.a"] == "in_force"
    assert statuses["1C910.a"] == "suspended"
    assert body["in_force_count"] == sum(entry["in_force"] for entry in body["entries"]) == 21
    numbers = {a["id"]: a for a in body["announcements"]}
    assert numbers["MOFCOM-GACC-2025-70"]["kind"] == "suspension"
    assert numbers["MOFCOM-2025-61"]["status"] == "suspended"


def test_list_human_output_counts_entries_in_force() -> None:
    code, _, err = _run("list", "--on", "2025-04-03")

    assert code == 0
    # not a row of the list: on stderr when piped, so stdout stays the rows
    assert "0 of 38 entries in force on 2025-04-03" in err
