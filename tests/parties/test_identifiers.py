from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.api.problems import status_for
from rarex.errors import InvalidInput
from rarex.parties.identifiers import (
    USCC_CHARSET,
    Country,
    InvalidPartyIdentifier,
    canonical_identifier,
    normalize_country,
    organisation_code_check_character,
    uscc_check_character,
    validate_uscc,
)

# Unified social credit codes of Chinese companies on the US export lists
# (/work/shared/data/watchlists/us-export-lists-2022.csv) plus Huawei Technologies Co., Ltd.
# They exercise every check-character class: digits, letters, 0 and the organisation-code X.
REAL_CODES = [
    "914403001922038216",  # Huawei Technologies Co., Ltd.
    "91110000100001043E",
    "91110000100009563N",
    "911100001000274544",
    "9111000071093019X7",
    "911100007109250324",
    "911100007226144851",
    "91110000MA001HYK9X",
    "91110000MA005UCQ5P",
    "911306007109266097",
    "913201921348831521",
    "913300001429112055",
    "9134000070503581XA",
    "913700001630477270",
    "9137000016309489X2",
    "9144030010001694XX",
    "91440101190499390U",
    "916100002942059830",
    "916501002999341738",
]

_DIGITS = "0123456789"
# Positions 9-16 may hold letters; GB 32100 excludes I, O, Z, S, V everywhere.
_BODY_CHARS = USCC_CHARSET


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(USCC_CHARSET))
    entity_type = draw(st.sampled_from(USCC_CHARSET))
    division = draw(st.text(_DIGITS, min_size=6, max_size=6))
    body = draw(st.text(_BODY_CHARS, min_size=8, max_size=8))
    first17 = authority + entity_type + division + body + organisation_code_check_character(body)
    return first17 + uscc_check_character(first17)


# --- unified social credit code -------------------------------------------------------------


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_validate(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize("code", REAL_CODES)
def test_check_character_of_real_codes_is_reproduced(code: str) -> None:
    assert uscc_check_character(code[:17]) == code[17]
    assert organisation_code_check_character(code[8:16]) == code[16]


def test_huawei_check_character_is_6() -> None:
    assert uscc_check_character("91440300192203821") == "6"


def test_surrounding_whitespace_and_lower_case_are_normalised() -> None:
    assert validate_uscc("  91110000ma001hyk9x\n") == "91110000MA001HYK9X"


def test_full_width_characters_are_folded_to_ascii() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "914403001922038216")
    assert validate_uscc(full_width) == "914403001922038216"


@pytest.mark.parametrize(
    ("code", "length"),
    [("", 0), ("   ", 0), ("91440300192203821", 17), ("9144030019220382166", 19)],
)
def test_wrong_length_is_refused_with_the_length(code: str, length: int) -> None:
    with pytest.raises(InvalidPartyIdentifier) as caught:
        validate_uscc(code)
    assert caught.value.code == "party.invalid_uscc_length"
    assert f"got {length}" in caught.value.message
    assert caught.value.details["length"] == length


def test_inner_space_is_not_removed() -> None:
    with pytest.raises(InvalidPartyIdentifier) as caught:
        validate_uscc("914403 001922038216")
    assert caught.value.code == "party.invalid_uscc_length"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_excluded_letters_are_refused_with_their_position(letter: str) -> None:
    code = "91110000MA001HYK9X"
    bad = code[:10] + letter + code[11:]
    with pytest.raises(InvalidPartyIdentifier) as caught:
        validate_uscc(bad)
    assert caught.value.code == "party.invalid_uscc_character"
    assert f"{letter!r} at position 11" in caught.value.message
    assert caught.value.details["position"] == 11


def test_punctuation_is_refused_as_a_character_error() -> None:
    with pytest.raises(InvalidPartyIdentifier) as caught:
        validate_uscc("91440300-922038216")
    assert caught.value.code == "party.invalid_uscc_character"
    assert caught.value.details == {
        "value": "91440300-922038216",
        "position": 9,
        "character": "-",
    }


def test_letter_in_administrative_division_code_is_refused() -> None:
    with pytest.raises(InvalidPartyIdentifier) as caught:
        validate_uscc("9144A3001922038216")
    assert caught.value.code == "party.invalid_uscc_character"
    assert "position 5 must be a digit" in caught.value.message
    assert "administrative division" in caught.value.message


def test_wrong_check_character_names_the_expected_one() -> None:
    with pytest.raises(InvalidPartyIdentifier) as caught:
        validate_uscc("91440300192203821N")
    error = caught.value
    assert error.code == "party.invalid_uscc_check"
    assert "is 'N', expected '6'" in error.message
    assert error.details["part"] == "check_character"
    assert error.details["expected"] == "6"
    assert status_for(error) == 422
    assert isinstance(error, InvalidInput)


def test_organisation_code_check_failure_is_reported_as_such() -> None:
    # Replace the organisation check digit 1 (position 17) with 2 and re-derive position 18, so
    # only the embedded GB 11714 check can catch it.
    first17 = "9144030019220382" + "2"
    code = first17 + uscc_check_character(first17)
    with pytest.raises(InvalidPartyIdentifier) as caught:
        validate_uscc(code)
    assert caught.value.code == "party.invalid_uscc_check"
    assert caught.value.details["part"] == "organisation_code"
    assert "GB 11714 check character is '1'" in caught.value.message


def test_organisation_code_check_can_be_switched_off() -> None:
    first17 = "91440300192203822"
    code = first17 + uscc_check_character(first17)
    assert validate_uscc(code, verify_organisation_code=False) == code


def test_organisation_check_of_ten_is_x_and_of_eleven_is_zero() -> None:
    assert organisation_code_check_character("10001694") == "X"
    assert organisation_code_check_character("29420598") == "3"
    assert organisation_code_check_character("16304772") == "7"
    assert organisation_code_check_character("71092503") == "2"
    assert organisation_code_check_character("00000000") == "0"


def test_uscc_check_character_of_thirty_one_is_zero() -> None:
    # 9137000016304772 + 7 sums to a multiple of 31, so the check is 0, not 31.
    assert uscc_check_character("91370000163047727") == "0"


@pytest.mark.parametrize("bad", ["", "9144030019220382", "9144030019220382I", "91440300192203821x"])
def test_check_character_helper_refuses_malformed_input(bad: str) -> None:
    with pytest.raises(ValueError, match="17 characters"):
        uscc_check_character(bad)


@pytest.mark.parametrize("bad", ["", "1000169", "1000169a", "1000-694"])
def test_organisation_helper_refuses_malformed_input(bad: str) -> None:
    with pytest.raises(ValueError, match="8 ASCII"):
        organisation_code_check_character(bad)


@given(valid_usccs())
def test_every_generated_code_validates(code: str) -> None:
    assert validate_uscc(code) == code
    assert validate_uscc(f" {code.lower()} ") == code


@given(
    valid_usccs(),
    st.integers(min_value=0, max_value=17),
    st.sampled_from(USCC_CHARSET),
)
def test_any_single_character_substitution_is_detected(
    code: str, position: int, replacement: str
) -> None:
    if code[position] == replacement:
        replacement = USCC_CHARSET[(USCC_CHARSET.index(replacement) + 1) % len(USCC_CHARSET)]
    mutated = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(InvalidPartyIdentifier):
        validate_uscc(mutated)
    # The final check character alone already catches every single substitution.
    with pytest.raises(InvalidPartyIdentifier):
        validate_uscc(mutated, verify_organisation_code=False)


@given(valid_usccs(), st.integers(min_value=0, max_value=16))
def test_any_adjacent_transposition_is_detected(code: str, position: int) -> None:
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped == code:
        return
    with pytest.raises(InvalidPartyIdentifier):
        validate_uscc(swapped, verify_organisation_code=False)


@given(st.text(max_size=30))
def test_arbitrary_text_either_validates_canonically_or_raises_invalid_identifier(
    text: str,
) -> None:
    try:
        result = validate_uscc(text)
    except InvalidPartyIdentifier as error:
        code = error.code
    else:
        code = "valid"
        assert len(result) == 18
        assert validate_uscc(result) == result
    assert code in {
        "valid",
        "party.invalid_uscc_length",
        "party.invalid_uscc_character",
        "party.invalid_uscc_check",
    }


# --- countries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("DE", Country("DE", "DEU", "Germany")),
        ("de", Country("DE", "DEU", "Germany")),
        ("DEU", Country("DE", "DEU", "Germany")),
        (" deu ", Country("DE", "DEU", "Germany")),
        ("Cn", Country("CN", "CHN", "China")),
        ("usa", Country("US", "USA", "United States")),
        ("GR", Country("GR", "GRC", "Greece")),
    ],
)
def test_alpha2_and_alpha3_resolve_in_any_case(value: str, expected: Country) -> None:
    assert normalize_country(value) == expected


@pytest.mark.parametrize("value", ["", "X", "XX", "ZZZ", "Germany", "276", "D3", "DEUT", "ÄÄ"])
def test_unknown_country_is_refused_naming_the_value(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_country(value)
    assert caught.value.code == "party.unknown_country"
    assert repr(value) in caught.value.message
    assert caught.value.details == {"value": value}


@pytest.mark.parametrize(("value", "hint"), [("UK", "GB"), ("el", "GR")])
def test_common_non_iso_codes_are_refused_with_a_hint(value: str, hint: str) -> None:
    with pytest.raises(InvalidInput, match=f"did you mean {hint}"):
        normalize_country(value)


def test_country_is_immutable() -> None:
    country = normalize_country("FR")
    with pytest.raises(AttributeError):
        country.alpha2 = "DE"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("scheme", "typed", "stored"),
    [
        ("lei", "w38rgi023j3wt1hwrp32", "W38RGI023J3WT1HWRP32"),  # Siemens AG (GLEIF)
        ("LEI", " 529900NNUPAGGOMPXZ31 ", "529900NNUPAGGOMPXZ31"),  # Volkswagen AG
        ("eori", "de 1234567", "DE1234567"),
        ("register", "HRB  6684,  Amtsgericht München", "HRB 6684, AMTSGERICHT MÜNCHEN"),
    ],
)
def test_company_identifiers_are_stored_in_one_written_form(
    scheme: str, typed: str, stored: str
) -> None:
    assert canonical_identifier(scheme, typed) == stored


@pytest.mark.parametrize(
    ("scheme", "typed", "code"),
    [
        ("lei", "W38RGI023J3WT1HWRP33", "party.invalid_identifier"),  # check digits off by one
        ("lei", "W38RGI023J3WT1HWRP3", "party.invalid_identifier"),  # 19 characters
        ("vat", "DE12345678", "party.invalid_identifier"),
        ("eori", "1234567", "party.invalid_identifier"),  # no country prefix
        ("eori", "QQ1234567", "party.invalid_identifier"),  # no such country
        ("register", "   ", "party.invalid_identifier"),
        ("duns", "316268186", "party.unknown_identifier_scheme"),
    ],
)
def test_an_identifier_that_cannot_be_real_is_refused(scheme: str, typed: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        canonical_identifier(scheme, typed)
    assert refused.value.code == code
