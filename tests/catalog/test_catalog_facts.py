"""Acceptance facts of the shipped control list (DOMAIN.md section 3)."""

from __future__ import annotations

from datetime import date

import pytest

from rarex.catalog import ControlList, EntryStatus, load_control_list
from rarex.catalog.errors import (
    HsCodeMismatch,
    MalformedControlCode,
    MalformedHsCode,
    UnknownControlCode,
    UnknownHsCode,
)

NOV_20 = date(2025, 11, 20)


@pytest.fixture(scope="module")
def catalog() -> ControlList:
    return load_control_list()


def test_samarium_is_controlled_on_2025_11_20(catalog: ControlList) -> None:
    check = catalog.check_code("1C902", NOV_20)

    assert check.controlled
    assert [m.code for m in check.matches] == ["1C902.a", "1C902.b", "1C902.c"]
    assert all(m.status is EntryStatus.IN_FORCE for m in check.matches)
    assert check.matches[0].announcement.id == "MOFCOM-GACC-2025-18"


def test_erbium_is_not_controlled_on_2025_11_20_because_no_70_suspended_it_first(
    catalog: ControlList,
) -> None:
    check = catalog.check_code("1C910", NOV_20)

    assert not check.controlled
    assert {m.status for m in check.matches} == {EntryStatus.SUSPENDED}
    answer = check.to_dict()
    match = answer["matches"][0]
    assert match["announcement"]["id"] == "MOFCOM-GACC-2025-57"
    assert match["suspension_announcement"]["id"] == "MOFCOM-GACC-2025-70"
    assert match["suspension_announcement"]["number"] == "商务部 海关总署公告2025年第70号"
    assert "Announcement 2025 No. 70" in match["reason"]
    assert "Announcement 2025 No. 57" in match["reason"]
    assert "before it took effect on 2025-11-08" in match["reason"]


def test_erbium_never_takes_effect_inside_the_suspension_window(catalog: ControlList) -> None:
    entry = catalog.get("1C910.a")

    assert entry.status_on(date(2025, 11, 6)) is EntryStatus.NOT_YET_EFFECTIVE
    assert entry.status_on(date(2025, 11, 7)) is EntryStatus.SUSPENDED
    assert entry.status_on(date(2025, 11, 8)) is EntryStatus.SUSPENDED
    assert entry.status_on(date(2026, 11, 10)) is EntryStatus.SUSPENDED
    assert entry.status_on(date(2026, 11, 11)) is EntryStatus.IN_FORCE
    assert "since 2026-11-11" in entry.reason_on(date(2026, 11, 11))


def test_notice_before_the_suspension_warns_that_the_start_will_not_happen(
    catalog: ControlList,
) -> None:
    reason = catalog.get("1C910.a").reason_on(date(2025, 10, 20))

    assert reason.startswith("not yet effective")
    assert "Announcement 2025 No. 70" in reason


def test_samarium_takes_effect_on_2025_04_04_not_a_day_earlier(catalog: ControlList) -> None:
    before = catalog.check_code("1C902", date(2025, 4, 3))
    on_the_day = catalog.check_code("1C902", date(2025, 4, 4))

    assert not before.controlled
    assert {m.status for m in before.matches} == {EntryStatus.NOT_YET_EFFECTIVE}
    assert on_the_day.controlled


def test_technologies_were_in_force_until_the_suspension(catalog: ControlList) -> None:
    assert catalog.check_code("1E902", date(2025, 10, 20)).controlled
    suspended = catalog.check_code("1E902.a", NOV_20)
    assert not suspended.controlled
    assert "had been in force since 2025-10-09" in suspended.matches[0].reason


def test_rare_earth_oxide_mixture_hs_code_maps_to_seven_entries(catalog: ControlList) -> None:
    check = catalog.check_hs("2846901993", NOV_20)

    assert check.query_kind == "hs_code"
    assert check.controlled
    assert [m.code for m in check.matches] == [f"1C90{n}.b" for n in range(2, 9)]
    assert {m.element.symbol for m in check.matches if m.element} == {
        "Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y",
    }  # fmt: skip


def test_hs_code_spaces_and_dots_are_ignored(catalog: ControlList) -> None:
    assert catalog.check_hs(" 2846.90.19 93 ", NOV_20).query == "2846901993"


def test_well_formed_hs_code_outside_the_cross_walk_is_not_controlled(
    catalog: ControlList,
) -> None:
    check = catalog.check_hs("0101210010", NOV_20)

    assert not check.controlled
    assert check.matches == ()
    assert check.to_dict()["matches"] == []


@pytest.mark.parametrize("spelling", ["1C902.a", "1c902.A", " 1C902 .a ", "1C902.A\n"])
def test_control_code_spelling_is_normalised(catalog: ControlList, spelling: str) -> None:
    check = catalog.check_code(spelling, NOV_20)

    assert check.query == "1C902.a"
    assert [m.code for m in check.matches] == ["1C902.a"]


@pytest.mark.parametrize("code", ["1C999", "1C999.a", "1C902.z", "2B352.a"])
def test_unknown_control_code_is_refused_naming_it(catalog: ControlList, code: str) -> None:
    with pytest.raises(UnknownControlCode) as raised:
        catalog.check_code(code, NOV_20)
    assert raised.value.code == "catalog.unknown_control_code"
    assert code.partition(".")[0] in raised.value.message


@pytest.mark.parametrize("code", ["", "1C90", "1C9021", "1X902", "1C902.", "1C902.ab", "C902"])
def test_malformed_control_code_is_refused_naming_it(catalog: ControlList, code: str) -> None:
    with pytest.raises(MalformedControlCode) as raised:
        catalog.check_code(code, NOV_20)
    assert raised.value.code == "catalog.malformed_control_code"
    assert repr(code) in raised.value.message


# Full-width digits, as a Chinese IME types them, are not ASCII digits: refuse, do not guess.
FULL_WIDTH_HS = "".join(chr(ord(digit) + 0xFEE0) for digit in "2846901993")


@pytest.mark.parametrize("hs", ["", "284690199", "28469019933", "2846-901993", FULL_WIDTH_HS])
def test_malformed_hs_code_is_refused_naming_it(catalog: ControlList, hs: str) -> None:
    with pytest.raises(MalformedHsCode) as raised:
        catalog.check_hs(hs, NOV_20)
    assert raised.value.code == "catalog.malformed_hs_code"
    assert repr(hs) in raised.value.message


def test_get_needs_an_exact_sub_entry_code(catalog: ControlList) -> None:
    assert catalog.get("1c905.b").element is not None
    with pytest.raises(UnknownControlCode, match=r"1C905 is a base code"):
        catalog.get("1C905")


def test_validate_line_accepts_an_hs_code_of_that_entry(catalog: ControlList) -> None:
    entry = catalog.validate_line("1C902.b", "2846.9019.93")

    assert entry.code == "1C902.b"


def test_validate_line_refuses_an_hs_code_of_another_entry(catalog: ControlList) -> None:
    with pytest.raises(HsCodeMismatch) as raised:
        catalog.validate_line("1C903.c", "2846901993")
    assert raised.value.code == "catalog.hs_code_mismatch"
    assert "2846901993" in raised.value.message
    assert "1C903.b" in raised.value.message


def test_validate_line_refuses_an_hs_code_in_no_cross_walk(catalog: ControlList) -> None:
    with pytest.raises(UnknownHsCode) as raised:
        catalog.validate_line("1C902.a", "0101210010")
    assert raised.value.code == "catalog.unknown_hs_code"
    assert "0101210010" in raised.value.message


@pytest.mark.parametrize(
    ("control_code", "hs_code", "error"),
    [
        ("1C902", "2805301910", UnknownControlCode),
        ("1C999.a", "2805301910", UnknownControlCode),
        ("1C902-a", "2805301910", MalformedControlCode),
        ("1C902.a", "28053019", MalformedHsCode),
    ],
)
def test_validate_line_refuses_bad_codes(
    catalog: ControlList, control_code: str, hs_code: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        catalog.validate_line(control_code, hs_code)


def test_check_to_dict_is_json_shaped(catalog: ControlList) -> None:
    body = catalog.check_code("1C902.a", NOV_20).to_dict()

    assert list(body) == ["query", "query_kind", "on", "controlled", "catalog_version", "matches"]
    assert body["on"] == "2025-11-20"
    assert body["catalog_version"] == catalog.version
    assert set(body["matches"][0]) == {
        "code", "element", "description", "hs_codes", "status", "in_force", "reason",
        "effective_from", "announcement", "suspension_announcement", "code_confirmed",
        "extraterritorial_rule",
    }  # fmt: skip
    assert body["matches"][0]["hs_codes"] == ["2805301910", "8486909110"]
    assert body["matches"][0]["extraterritorial_rule"]["id"] == "MOFCOM-2025-61"


def test_load_control_list_is_parsed_once() -> None:
    assert load_control_list() is load_control_list()
