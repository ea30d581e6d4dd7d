"""The normal-volume monitor: robust z-score against the trailing twelve months (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rarex.statistics.monitor import MonitorPolicy, assess, mad, median, robust_z
from rarex.statistics.periods import Period

D = Decimal


def history(values: dict[str, str]) -> dict[Period, Decimal]:
    return {Period.parse(p): D(v) for p, v in values.items()}


EXPORTS = history(
    {
        "2024-05": "6217",
        "2024-06": "4829",
        "2024-07": "4937",
        "2024-08": "4723",
        "2024-09": "4181",
        "2024-10": "4753",
        "2024-11": "4416",
        "2024-12": "3326",
        "2025-03": "5666.3",
        "2025-04": "4784.8",
        "2025-05": "5864.6",
        "2025-06": "7742.2",
    }
)


def test_median_and_mad() -> None:
    assert median([D(3), D(1), D(2)]) == D(2)
    assert median([D(1), D(2), D(3), D(4)]) == D("2.5")
    assert mad([D(1), D(2), D(3), D(4), D(100)]) == D(1)
    assert robust_z(D(5), D(5), D(0)) is None
    with pytest.raises(ValueError, match="nothing"):
        median([])


def test_a_twenty_three_percent_rise_on_april_is_normal() -> None:
    may = assess(EXPORTS, Period(2025, 5))
    assert may.status == "normal"
    assert not may.flagged
    assert may.history_months == 10  # Jan and Feb 2025 are one combined period: not months
    assert may.median == D("4768.9")
    assert may.robust_z is not None
    assert D("2.8") < may.robust_z < D("2.9")
    assert may.same_month_last_year == D("6217")


def test_june_2025_is_unusually_high_and_says_why() -> None:
    june = assess(EXPORTS, Period(2025, 6))
    assert june.status == "unusually_high"
    assert june.flagged
    assert "above the trailing range" in june.reason
    assert "robust z 7.70" in june.reason
    assert june.yoy_pct is not None
    assert june.yoy_pct > 60


def test_an_unusually_low_month() -> None:
    values = dict(EXPORTS)
    values[Period(2025, 7)] = D("1000")
    july = assess(values, Period(2025, 7))
    assert july.status == "unusually_low"
    assert "below the trailing range" in july.reason


def test_short_history_is_not_judged() -> None:
    result = assess(history({"2025-04": "2627", "2025-05": "1238.47"}), Period(2025, 5))
    assert result.status == "insufficient_history"
    assert result.robust_z is None
    assert "only 1 of the trailing 12 months" in result.reason


def test_flat_history_flags_any_departure() -> None:
    values = {Period(2025, m): D(100) for m in range(1, 8)}
    assert assess(values, Period(2025, 7)).status == "normal"
    values[Period(2025, 8)] = D(101)
    assert assess(values, Period(2025, 8)).status == "unusually_high"


def test_the_threshold_is_configurable() -> None:
    strict = assess(EXPORTS, Period(2025, 5), MonitorPolicy(threshold=D("2.5")))
    assert strict.status == "unusually_high"
    with pytest.raises(KeyError):
        assess(EXPORTS, Period(2025, 7))


def test_a_first_shipment_after_months_of_zeros_is_not_unusually_high() -> None:
    """Seen in issue 15: dysprosium from cleared declarations, zero for months, then a first
    shipment was "unusually high" against a history of zeros (median 0, MAD 0)."""
    values = {Period(2025, 1).shift(i): D(0) for i in range(11)}
    values[Period(2025, 12)] = D("3.501")
    first = assess(values, Period(2025, 12))
    assert first.status == "insufficient_history"
    assert not first.flagged
    assert (first.history_months, first.nonzero_history_months) == (11, 0)
    assert "0 of the trailing 12 months are known and non-zero" in first.reason
    # Five small months among the zeros are still too few to judge by.
    for i in range(6, 11):
        values[Period(2025, 1).shift(i)] = D("0.5")
    assert assess(values, Period(2025, 12)).status == "insufficient_history"
    values[Period(2025, 6)] = D("0.4")  # the sixth non-zero month: now a month is judged
    judged = assess(values, Period(2025, 12))
    assert judged.status == "unusually_high"
    assert judged.robust_z is not None  # against a real spread, not a flat run of zeros
    assert judged.nonzero_history_months == 6


def test_the_policy_refuses_a_minimum_that_would_let_zeros_be_the_median() -> None:
    with pytest.raises(ValueError, match="half the window"):
        MonitorPolicy(min_nonzero_history=5)
    with pytest.raises(ValueError, match="half the window"):
        MonitorPolicy(window=6, min_nonzero_history=7)
    assert MonitorPolicy(window=6, min_nonzero_history=3).min_nonzero_history == 3


TONNES = st.decimals(min_value=D("0.001"), max_value=D("1e9"), places=3)
# Each of the twelve trailing months: unknown (None), zero, or a positive figure.
MONTHS = st.lists(st.one_of(st.none(), st.just(D(0)), TONNES), min_size=12, max_size=12)


def _values(window: list[Decimal | None], current: Decimal) -> dict[Period, Decimal]:
    target = Period(2025, 12)
    out = {target.shift(-(i + 1)): v for i, v in enumerate(window) if v is not None}
    out[target] = current
    return out


@settings(max_examples=200, deadline=None)
@given(
    window=MONTHS,
    current=st.one_of(st.just(D(0)), TONNES),
    threshold=st.decimals(min_value=D("0.1"), max_value=10, places=2),
)
def test_with_too_few_nonzero_months_no_flag_is_ever_raised(
    window: list[Decimal | None], current: Decimal, threshold: Decimal
) -> None:
    """Property: fewer than ``min_nonzero_history`` known non-zero months in the trailing
    twelve, whatever the month's own figure and the threshold, and the answer is
    insufficient_history, never a flag; with enough, the median is positive."""
    policy = MonitorPolicy(threshold=threshold)
    result = assess(_values(window, current), Period(2025, 12), policy)
    nonzero = sum(1 for v in window if v)
    assert result.nonzero_history_months == nonzero
    if nonzero < policy.min_nonzero_history:
        assert result.status == "insufficient_history"
        assert not result.flagged
        assert result.robust_z is None
    else:
        assert result.status != "insufficient_history"
        assert result.median is not None
        assert result.median > 0
