from __future__ import annotations

import pytest

from rarex.api.problems import status_for
from rarex.errors import InvalidInput
from rarex.licensing.end_uses import END_USE_CATEGORIES, END_USES, EndUseCategory, get_end_use

CIVIL = [
    "ev_motors",
    "wind_turbines",
    "consumer_electronics",
    "medical_imaging",
    "industrial_automation",
    "aerospace_civil",
    "research",
]


@pytest.mark.parametrize("code", CIVIL)
def test_civil_categories_are_civil_and_not_denied(code: str) -> None:
    category = get_end_use(code)
    assert category.code == code
    assert category.civil
    assert not category.denial_in_principle
    assert category.label


def test_defence_is_not_civil_and_denied_in_principle() -> None:
    assert get_end_use("defence") == EndUseCategory(
        "defence", "Defence or military use", civil=False, denial_in_principle=True
    )


def test_unspecified_use_is_not_civil_but_not_denied_in_principle() -> None:
    category = get_end_use("other_unspecified")
    assert not category.civil
    assert not category.denial_in_principle


def test_codes_are_unique_and_the_lookup_covers_every_category() -> None:
    codes = [category.code for category in END_USE_CATEGORIES]
    assert len(codes) == len(set(codes))
    assert list(END_USES) == codes


def test_lookup_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        END_USES["new"] = get_end_use("research")  # type: ignore[index]


@pytest.mark.parametrize("code", ["", "EV_MOTORS", "ev motors", "military", " research"])
def test_unknown_code_is_refused_naming_it_and_the_known_codes(code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        get_end_use(code)
    error = caught.value
    assert error.code == "application.unknown_end_use"
    assert status_for(error) == 422
    assert repr(code) in error.message
    assert "ev_motors" in error.message
    assert error.details["value"] == code
    assert error.details["known"] == list(END_USES)


def test_a_category_cannot_be_both_civil_and_denied_in_principle() -> None:
    with pytest.raises(ValueError, match="cannot be civil and denied"):
        EndUseCategory("odd", "Odd", civil=True, denial_in_principle=True)


def test_category_is_immutable() -> None:
    category = get_end_use("research")
    with pytest.raises(AttributeError):
        category.civil = False  # type: ignore[misc]
