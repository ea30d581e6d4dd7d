"""A statistics file's values follow the one number rule's alphabet (``rarex.quantities``):
ASCII digits, full-width ones made ASCII, never another script's digits, which ``\\d`` took."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rarex.statistics.rows import RowReader


@pytest.mark.parametrize(
    ("raw", "signed", "value"),
    [
        ("5864.6", False, Decimal("5864.6")),
        ("\uff15\uff18\uff16\uff14\uff0e\uff16", False, Decimal("5864.6")),  # full width
        ("-5.7", True, Decimal("-5.7")),
        ("+5.7", True, Decimal("5.7")),  # a signed percentage may say its sign
        ("\u0663\u0660", False, None),  # Arabic-Indic 30: read as 30 before
        ("\u0663\u0660", True, None),
        ("1_000", False, None),
        ("1e3", False, None),
        ("+5", False, None),
        ("5.", False, None),
    ],
)
def test_a_value_is_read_in_ascii_digits_or_refused_with_stats_bad_value(
    raw: str, signed: bool, value: Decimal | None
) -> None:
    reader = RowReader()
    assert reader.number(2, raw, signed=signed) == value
    assert [p.code for p in reader.problems] == ([] if value is not None else ["stats.bad_value"])
