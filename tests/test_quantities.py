"""The one number rule (``rarex.quantities.parse_amount``), by example and by property: what is
read, what is refused, and that a plain figure always reads back as itself."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from rarex.quantities import MAX_FIGURE_CHARS, Amount, AmountOrText, NotANumber, parse_amount

_TO_FULL_WIDTH = str.maketrans(
    {str(d): chr(0xFF10 + d) for d in range(10)} | {".": "\uff0e", "-": "\uff0d"}
)


def full_width(text: str) -> str:
    """As a Chinese input method in full-width mode types it."""
    return text.translate(_TO_FULL_WIDTH)


READ = [
    ("1000", "1000"),
    ("1250.5", "1250.5"),
    ("0.001", "0.001"),
    ("10.50", "10.50"),  # the decimals as written: the field's precision check reads them
    ("007", "7"),
    (" 10 ", "10"),  # white space around is padding, as in every text field
    ("\t10\n", "10"),
    ("\u00a010\u3000", "10"),  # a no-break space, an ideographic space
    (full_width("1000"), "1000"),
    (full_width("1250.5"), "1250.5"),
    ("\u3000" + full_width("12.5") + "\u3000", "12.5"),
    ("-3", "-3"),  # read, so the field says it must be above zero
    (full_width("-3"), "-3"),
    ("-0", "0"),  # never a signed zero
    ("1" + "0" * (MAX_FIGURE_CHARS - 1), "1" + "0" * (MAX_FIGURE_CHARS - 1)),
    # JSON numbers, at their value
    (1000, "1000"),
    (-5, "-5"),
    (12.25, "12.25"),
    (0.1, "0.1"),  # the shortest repr, never 0.1000000000000000055511151231257827...
    (1e3, "1000.0"),  # a parsed float cannot tell 1e3 from 1000.0
    (-0.0, "0.0"),
    (Decimal("2.5"), "2.5"),
]

REFUSED = [
    "1_000",
    "1,000",
    "12,5",
    "1 000",
    "1'000",
    "1e3",
    "1E3",
    "+5",
    "\u0663",  # Arabic-Indic three
    "\u0967\u0966",  # Devanagari one, zero
    "10\u00b2",  # NFKC would read 102
    "\u2460",  # circled one
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "0x10",
    ".5",
    "5.",
    "1.2.3",
    "--5",
    "\u22125",  # the minus sign U+2212: only - and its full-width form are read
    "",
    "   ",
    "10 kg",
    "\x1c5",  # a control character is not padding
    "5\u200b",  # nor is a zero-width space
    "1" * (MAX_FIGURE_CHARS + 1),
    # JSON values that are no figure
    True,
    False,
    None,
    float("nan"),
    float("inf"),
    Decimal("NaN"),
    Decimal("-Infinity"),
    [1],
]


@pytest.mark.parametrize(("raw", "value"), READ, ids=repr)
def test_a_figure_the_rule_reads_gives_its_exact_decimal(raw: object, value: str) -> None:
    parsed = parse_amount(raw)
    assert isinstance(parsed, Decimal)
    assert str(parsed) == value


@pytest.mark.parametrize("raw", REFUSED, ids=repr)
def test_anything_else_is_refused_saying_what_is_read(raw: object) -> None:
    with pytest.raises(NotANumber) as refused:
        parse_amount(raw)
    assert refused.value.code == "input.invalid_number"
    assert "1250.5" in str(refused.value) or "at most" in str(refused.value)


def test_a_refusal_names_the_separator_it_will_not_guess() -> None:
    with pytest.raises(NotANumber, match="comma may be a decimal point"):
        parse_amount("12,5")
    with pytest.raises(NotANumber, match="no separators"):
        parse_amount("1_000")


def test_a_long_figure_is_refused_without_echoing_all_of_it() -> None:
    with pytest.raises(NotANumber) as refused:
        parse_amount("9" * 100_000)
    assert len(str(refused.value)) < 200


class _Line(BaseModel):
    kg: Amount
    kept: AmountOrText


def test_the_model_types_apply_the_rule_and_name_it_input_invalid_number() -> None:
    line = _Line.model_validate({"kg": full_width("1000"), "kept": 12.25})
    assert (line.kg, line.kept) == (Decimal(1000), Decimal("12.25"))
    # text is kept as typed for the room that reads it later, collecting every problem
    assert _Line.model_validate({"kg": "1", "kept": "1_000"}).kept == "1_000"
    with pytest.raises(ValidationError) as refused:
        _Line.model_validate({"kg": "1_000", "kept": True})
    assert [e["type"] for e in refused.value.errors()] == ["invalid_number", "invalid_number"]


# --- properties -------------------------------------------------------------------------------

amounts = st.decimals(
    min_value=Decimal("-1e13"), max_value=Decimal("1e13"), places=3, allow_nan=False
)
padding = st.text(alphabet=" \t\n\u00a0\u3000", max_size=3)


@given(amount=amounts, left=padding, right=padding)
def test_any_plain_figure_reads_back_as_itself_in_ascii_and_in_full_width(
    amount: Decimal, left: str, right: str
) -> None:
    plain = format(amount, "f")
    assert parse_amount(plain) == amount
    assert parse_amount(left + full_width(plain) + right) == amount
    assert parse_amount(plain).as_tuple().exponent == amount.as_tuple().exponent


@given(number=st.floats(allow_nan=False, allow_infinity=False))
def test_a_json_float_is_the_shortest_decimal_that_reads_back_as_it(number: float) -> None:
    assert float(parse_amount(number)) == number
    assert parse_amount(number) == Decimal(repr(number))


@given(text=st.text(max_size=12))
def test_any_text_is_read_as_its_ascii_digits_or_refused(text: str) -> None:
    try:
        value = parse_amount(text)
    except NotANumber:
        return
    ascii_figure = text.translate(str.maketrans("\uff0e\uff0d", ".-")).strip()
    ascii_figure = "".join(
        str(ord(ch) - 0xFF10) if "\uff10" <= ch <= "\uff19" else ch for ch in ascii_figure
    )
    assert set(ascii_figure) <= set("0123456789.-")
    assert value == Decimal(ascii_figure)
