"""Growth rates and shares on exact decimals, rounded only for display (pure)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rarex.statistics.derivation import Observation, derive
from rarex.statistics.measures import (
    PCT_PLACES,
    compare_reported,
    display_pct,
    display_quantity,
    pct_change,
    pct_of_display,
    pct_text,
    period_measures,
    round_half_up,
    share_pct,
)
from rarex.statistics.periods import Period, month, ytd

D = Decimal


def test_the_may_2025_headline_figures() -> None:
    mom = pct_change(D("5864.6"), D("4784.8"))
    ytd_yoy = pct_change(D("24827"), D("24266.5"))
    assert mom is not None
    assert ytd_yoy is not None
    assert display_pct(mom) == "+22.6%"
    assert display_pct(mom, 0) == "+23%"
    assert display_pct(ytd_yoy) == "+2.3%"
    assert display_pct(pct_change(D("5864.6"), D("6217"))) == "-5.7%"
    # Exact until shown: the stored figure keeps every digit.
    assert str(mom).startswith("22.567296438722621635")


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (D("22.55"), 1, "+22.6%"),  # half up, as the press rounds
        (D("-22.55"), 1, "-22.6%"),
        (D("0.04"), 1, "0.0%"),
        (D("-0.04"), 1, "0.0%"),  # no "-0.0%"
        (D("2.5"), 0, "+3%"),
        (D("100"), 2, "+100.00%"),
    ],
)
def test_display_rounds_half_up_at_the_requested_places(
    value: Decimal, places: int, shown: str
) -> None:
    assert display_pct(value, places) == shown


def test_a_zero_base_has_no_growth_rate() -> None:
    assert pct_change(D(5), D(0)) is None
    assert share_pct(D(5), D(0)) is None
    assert display_pct(None) is None


def test_quantities_display_as_published() -> None:
    assert display_quantity(D("5864.6"), "t") == "5,864.6 t"
    assert display_quantity(D("24827"), "t") == "24,827 t"
    assert display_quantity(D("1238.47"), "t") == "1,238.47 t"


def test_a_reported_percentage_is_compared_at_its_own_precision() -> None:
    computed = pct_change(D("5864.6"), D("4784.8"))
    whole = compare_reported(D("23"), "S1", computed)
    assert whole.consistent_with_rounding is True
    assert whole.difference_pp is not None
    assert round_half_up(whole.difference_pp, 1) == D("0.4")
    wrong = compare_reported(D("36"), "S44", computed)
    assert wrong.consistent_with_rounding is False
    missing = compare_reported(D("23"), "S1", None)
    assert missing.consistent_with_rounding is None


def _series(*items: tuple[str, str, str]) -> list[Observation]:
    out = []
    for basis, period, value in items:
        p = Period.parse(period)
        out.append(Observation(month(p) if basis == "M" else ytd(p), D(value), "S"))
    return out


def test_measures_of_a_month_name_their_bases() -> None:
    series = derive(
        _series(
            ("M", "2025-04", "4784.8"),
            ("M", "2025-05", "5864.6"),
            ("Y", "2025-05", "24827"),
            ("M", "2024-05", "6217"),
            ("Y", "2024-05", "24266.5"),
        )
    )
    m = period_measures(series, Period(2025, 5))
    assert m.mom.base is not None
    assert str(m.mom.base.key) == "M(2025-04)"
    assert str(m.yoy.base.key) == "M(2024-05)"  # type: ignore[union-attr]
    assert display_pct(m.ytd_yoy.pct) == "+2.3%"


def test_jan_feb_has_year_on_year_but_no_month_on_month() -> None:
    series = derive(
        _series(("Y", "2024-02", "8774"), ("Y", "2025-02", "8511"), ("M", "2025-03", "5666.3"))
    )
    feb = period_measures(series, Period(2025, 2))
    assert feb.jan_feb
    assert feb.value is not None
    assert feb.value.value == D("8511")
    assert feb.mom.pct is None
    assert "two-month" in (feb.mom.reason or "")
    assert display_pct(feb.yoy.pct) == "-3.0%"
    march = period_measures(series, Period(2025, 3))
    assert march.mom.pct is None
    assert "January-February" in (march.mom.reason or "")


def test_a_missing_base_is_explained() -> None:
    series = derive(_series(("M", "2025-09", "5774")))
    m = period_measures(series, Period(2025, 9))
    assert m.yoy.pct is None
    assert m.yoy.reason == "M(2024-09) is neither published nor derivable from published figures"


AMOUNTS = st.decimals(min_value=D("0.1"), max_value=D("1e9"), places=3, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(base=AMOUNTS, current=AMOUNTS)
def test_growth_rate_reapplied_to_the_base_gives_back_the_current_value(
    base: Decimal, current: Decimal
) -> None:
    pct = pct_change(current, base)
    assert pct is not None
    assert abs(base + base * pct / 100 - current) < D("1e-20")


@settings(max_examples=300, deadline=None)
@given(base=AMOUNTS, rate=st.decimals(min_value=-99, max_value=1000, places=1))
def test_a_known_rate_is_recovered_exactly_at_any_display_precision(
    base: Decimal, rate: Decimal
) -> None:
    current = base * (1 + rate / 100)
    pct = pct_change(current, base)
    assert pct is not None
    assert round_half_up(pct, 1) == rate
    # Rounding happens only at display: the stored rate is never pre-rounded.
    assert display_pct(pct, 1) == display_pct(rate, 1)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(AMOUNTS, min_size=1, max_size=8))
def test_shares_of_every_destination_add_up_to_the_whole(parts: list[Decimal]) -> None:
    total = sum(parts, D(0))
    shares = [share_pct(p, total) for p in parts]
    assert abs(sum((s for s in shares if s is not None), D(0)) - 100) < D("1e-25")


# What a JSON percentage looks like: always PCT_PLACES (2) decimals, never an exponent.
FIXED_SCALE = re.compile(rf"^-?[0-9]+\.[0-9]{{{PCT_PLACES}}}$")
# Published quantities as imports accept them: up to 18 integer digits, up to 6 decimals.
QUANTITIES = st.decimals(min_value=0, max_value=D("1e18") - 1, places=6, allow_nan=False)


def test_json_percentages_have_two_places_rounded_half_up() -> None:
    mom = pct_change(D("5864.6"), D("4784.8"))
    assert pct_text(mom) == "22.57"  # was "22.56729643872262163...": 34 significant digits
    assert pct_text(D("-3")) == "-3.00"
    assert pct_text(D("2.345")) == "2.35"  # half up: the tie goes away from zero
    assert pct_text(D("-2.345")) == "-2.35"
    assert pct_text(D("-0.004")) == "0.00"  # no negative zero
    assert pct_text(D("1E+3")) == "1000.00"  # never in exponent form
    assert pct_text(None) is None


@settings(max_examples=400, deadline=None)
@given(current=QUANTITIES, base=QUANTITIES)
def test_every_json_percentage_matches_the_fixed_scale(current: Decimal, base: Decimal) -> None:
    """Property: whatever two published quantities give, the percentage change and the share
    leave as ^-?[0-9]+\\.[0-9]{2}$, within half a unit of the last place of the exact rate."""
    for exact in (pct_change(current, base), share_pct(current, base)):
        text = pct_text(exact)
        if exact is None:
            assert text is None
            continue
        assert text is not None
        assert FIXED_SCALE.match(text), text
        assert text != "-0.00"
        assert abs(D(text) - exact) <= D("0.005")


@settings(max_examples=300, deadline=None)
@given(value=st.decimals(min_value=-1000, max_value=1000, places=6), places=st.integers(0, 6))
def test_a_page_reads_back_exactly_what_the_display_rounded(value: Decimal, places: int) -> None:
    """The pages format ``display_pct``'s number in their language: reading it back gives the
    number rounded once, from the exact value (never the two-place JSON figure rounded again)."""
    shown = pct_of_display(display_pct(value, places))
    assert shown == round_half_up(value, places)
    assert pct_of_display(None) is None


def test_rounding_the_json_figure_again_would_differ_from_the_display() -> None:
    """Why the pages never round the fixed-scale figure: 22.549 is +22.5%, while its JSON
    "22.55" rounded again would be +22.6%."""
    exact = D("22.549")
    assert display_pct(exact, 1) == "+22.5%"
    assert round_half_up(D(pct_text(exact) or ""), 1) == D("22.6")
