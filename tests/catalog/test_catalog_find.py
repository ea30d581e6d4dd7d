"""Finding an item to file: by control code, HS code, element or words, with the list's answer
for the filing date. Expectations are DOMAIN.md's table, written out by hand."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.catalog import ControlList, EntryStatus, load_control_list

JUNE_2025 = date(2025, 6, 1)
NOV_20 = date(2025, 11, 20)


@pytest.fixture(scope="module")
def catalog() -> ControlList:
    return load_control_list()


def _bases(found: tuple[object, ...]) -> set[str]:
    return {str(check.code).partition(".")[0] for check in found}


@pytest.mark.parametrize(
    ("query", "base"),
    [
        ("1C905", "1C905"),
        ("1c905", "1C905"),
        ("dysprosium", "1C905"),
        ("Dysprosium", "1C905"),
        ("Dy", "1C905"),
        ("镝", "1C905"),
        ("钐", "1C902"),
        ("terbium", "1C904"),
        ("Y", "1C908"),
        ("yttrium", "1C908"),
        ("2805301200", "1C905"),
        ("2805.30.12 00", "1C905"),
        ("2805301300", "1C904"),
    ],
)
def test_each_way_of_naming_an_item_finds_its_entry(
    catalog: ControlList, query: str, base: str
) -> None:
    assert _bases(catalog.find(query, JUNE_2025)) == {base}


def test_a_sub_entry_code_finds_that_one_only(catalog: ControlList) -> None:
    found = catalog.find("1c902 .A".replace(" ", ""), JUNE_2025)
    assert [check.code for check in found] == ["1C902.a"]


def test_a_shared_hs_code_finds_every_entry_it_may_be(catalog: ControlList) -> None:
    # DOMAIN.md: 2805301910 is listed for samarium, gadolinium and lutetium
    assert _bases(catalog.find("2805301910", JUNE_2025)) >= {"1C902", "1C903", "1C906"}


def test_a_short_symbol_is_not_a_word_search(catalog: ControlList) -> None:
    # "Y" is yttrium, not ytterbium (1C913), nor every description with a y in it
    assert "1C913" not in _bases(catalog.find("Y", NOV_20))
    # and "terb" starts terbium, it is not found inside "ytterbium"
    assert _bases(catalog.find("terb", NOV_20)) == {"1C904"}


def test_the_answer_is_for_the_filing_date(catalog: ControlList) -> None:
    """Holmium (No. 57) was suspended before it took effect: found, and said not in force."""
    found = catalog.find("holmium", NOV_20)
    assert found
    assert all(check.status is not EntryStatus.IN_FORCE for check in found)
    assert all("suspended" in check.reason for check in found)
    samarium = catalog.find("samarium", NOV_20)
    assert samarium
    assert all(check.in_force for check in samarium)


@pytest.mark.parametrize("query", ["", "   ", "xx", "1C999", "9999", "unobtainium"])
def test_nothing_matching_finds_nothing(catalog: ControlList, query: str) -> None:
    assert catalog.find(query, JUNE_2025) == ()


@given(st.text(max_size=300))
def test_any_text_is_an_answer_never_an_error(text: str) -> None:
    found = load_control_list().find(text, JUNE_2025, limit=5)
    assert len(found) <= 5
    assert len({check.code for check in found}) == len(found)
