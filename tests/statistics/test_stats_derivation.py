"""Derivation from published figures: months from year-to-date differences, earlier totals
from later ones, Jan-Feb kept whole, inconsistencies flagged (pure)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from rarex.statistics.derivation import ConsistencyPolicy, Observation, derive, half_unit
from rarex.statistics.periods import Period, month, ytd

D = Decimal


def obs(key_text: str, value: str, source: str = "S") -> Observation:
    basis, period = key_text.split(":")
    key = month(Period.parse(period)) if basis == "M" else ytd(Period.parse(period))
    return Observation(key=key, value=D(value), source=source)


def test_a_month_is_the_difference_of_two_year_to_date_totals() -> None:
    series = derive([obs("Y:2025-04", "18962", "S8"), obs("Y:2025-05", "24827", "S1")])
    may = series.month(Period(2025, 5))
    assert may is not None
    assert may.value == D("5865")
    assert may.derived
    assert may.formula == "YTD(2025-05) - YTD(2025-04)"
    assert may.expression == "24827 - 18962 = 5865"
    assert may.sources == ("S1", "S8")


def test_an_earlier_total_is_a_later_total_minus_the_months_between() -> None:
    # 2024: YTD(05) and the months of April and May published; YTD(04) and YTD(03) follow.
    series = derive(
        [
            obs("Y:2024-02", "8774"),
            obs("M:2024-04", "4566"),
            obs("M:2024-05", "6217"),
            obs("Y:2024-05", "24266.5"),
        ]
    )
    ytd_april = series.ytd(Period(2024, 4))
    ytd_march = series.ytd(Period(2024, 3))
    march = series.month(Period(2024, 3))
    assert ytd_april is not None
    assert ytd_april.value == D("18049.5")
    assert ytd_march is not None
    assert ytd_march.value == D("13483.5")
    assert ytd_march.formula == "YTD(2024-04) - M(2024-04)"
    assert march is not None
    assert march.value == D("4709.5")
    assert march.formula == "YTD(2024-03) - YTD(2024-02)"
    trail = [str(f.key) for f in series.trail(march.key)]
    assert trail == ["M(2024-03)", "YTD(2024-03)", "YTD(2024-04)"]


def test_january_and_february_stay_one_period() -> None:
    series = derive([obs("Y:2025-02", "8511"), obs("M:2025-03", "5666.3")])
    assert series.month(Period(2025, 1)) is None
    assert series.month(Period(2025, 2)) is None
    assert series.is_jan_feb(Period(2025, 2))
    ytd_march = series.ytd(Period(2025, 3))
    assert ytd_march is not None
    assert ytd_march.value == D("14177.3")


def test_a_published_january_lets_february_be_derived() -> None:
    series = derive([obs("M:2025-01", "6357"), obs("Y:2025-02", "12000")])
    february = series.month(Period(2025, 2))
    assert february is not None
    assert february.value == D("5643")
    assert not series.is_jan_feb(Period(2025, 2))
    jan_ytd = series.ytd(Period(2025, 1))
    assert jan_ytd is not None
    assert jan_ytd.derived
    assert jan_ytd.value == D("6357")


def test_nothing_is_invented_across_years() -> None:
    series = derive([obs("Y:2024-12", "55431"), obs("M:2025-03", "5666.3")])
    assert series.ytd(Period(2025, 3)) is None
    assert series.month(Period(2025, 1)) is None


def test_the_later_total_wins_a_tie_between_two_routes() -> None:
    # YTD(03) is 8511 + 5666.3 = 14177.3 forward, 18962 - 4784.8 = 14177.2 backward.
    series = derive(
        [
            obs("Y:2025-02", "8511"),
            obs("M:2025-03", "5666.3"),
            obs("M:2025-04", "4784.8"),
            obs("Y:2025-04", "18962"),
        ]
    )
    ytd_march = series.ytd(Period(2025, 3))
    assert ytd_march is not None
    assert ytd_march.value == D("14177.2")
    assert ytd_march.formula == "YTD(2025-04) - M(2025-04)"


def test_months_that_miss_the_total_by_press_rounding_are_noted_not_flagged() -> None:
    series = derive(
        [obs("Y:2025-04", "18962"), obs("M:2025-05", "5864.6"), obs("Y:2025-05", "24827")]
    )
    (finding,) = series.findings
    assert finding.code == "consistency.within_tolerance"
    assert finding.severity == "info"
    assert finding.difference == D("-0.4")
    assert finding.allowance == D("1.05")


def test_months_that_miss_the_total_by_more_are_flagged() -> None:
    published = [obs("Y:2024-11", "123288"), obs("M:2024-12", "9645"), obs("Y:2024-12", "132931")]
    (finding,) = derive(published).findings
    assert finding.code == "consistency.mismatch"
    assert finding.severity == "warning"
    assert finding.difference == D("2")
    assert "9643" in finding.message
    # A configured tolerance absorbs it.
    loose = derive(published, ConsistencyPolicy(absolute=D("1")))
    assert loose.findings[0].code == "consistency.within_tolerance"
    relative = derive(published, ConsistencyPolicy(relative_pct=D("0.01")))
    assert relative.findings[0].code == "consistency.within_tolerance"
    strict = derive(
        [obs("Y:2025-04", "18962"), obs("M:2025-05", "5864.6"), obs("Y:2025-05", "24827")],
        ConsistencyPolicy(rounding_slack=False),
    )
    assert strict.findings[0].code == "consistency.mismatch"


def test_half_unit_follows_the_published_precision() -> None:
    assert half_unit(D("5864.6")) == D("0.05")
    assert half_unit(D("24827")) == D("0.5")
    assert half_unit(D("1238.47")) == D("0.005")


# Properties: with exact published figures, derivation reproduces the truth exactly.

VALUES = st.decimals(min_value=0, max_value=99999, places=1, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(months=st.lists(VALUES, min_size=12, max_size=12))
def test_months_from_year_to_date_totals_round_trip(months: list[Decimal]) -> None:
    year = 2030
    totals = [sum(months[: m + 1], D(0)) for m in range(12)]
    published = [obs(f"Y:{year}-{m:02d}", str(totals[m - 1])) for m in range(2, 13)]
    series = derive(published)
    for m in range(3, 13):
        derived = series.month(Period(year, m))
        assert derived is not None
        assert derived.value == months[m - 1]
    # Months summed (with the Jan-Feb total) equal the year-to-date total.
    derived_months = [series.month(Period(year, m)) for m in range(3, 13)]
    assert sum((f.value for f in derived_months if f), totals[1]) == totals[11]
    assert series.is_jan_feb(Period(year, 2))
    assert series.findings == []


@settings(max_examples=150, deadline=None)
@given(
    months=st.lists(VALUES, min_size=12, max_size=12),
    published_months=st.sets(st.integers(1, 12)),
    published_totals=st.sets(st.integers(2, 12)),
)
def test_whatever_is_derived_is_exact_and_consistent(
    months: list[Decimal], published_months: set[int], published_totals: set[int]
) -> None:
    year = 2031
    totals = [sum(months[: m + 1], D(0)) for m in range(12)]
    published = [obs(f"M:{year}-{m:02d}", str(months[m - 1])) for m in sorted(published_months)]
    published += [obs(f"Y:{year}-{m:02d}", str(totals[m - 1])) for m in sorted(published_totals)]
    series = derive(published)
    for key, figure in series.figures.items():
        truth = months if key.basis.value == "month" else totals
        assert figure.value == truth[key.period.month - 1], key
    assert series.findings == []  # exact data never disagrees
    # January and February are never split unless one of them was published.
    if 1 not in published_months and 2 not in published_months:
        assert series.month(Period(year, 1)) is None
        assert series.month(Period(year, 2)) is None


@settings(max_examples=100, deadline=None)
@given(months=st.lists(VALUES, min_size=12, max_size=12), anchor=st.integers(2, 12))
def test_a_later_total_and_its_months_give_every_earlier_total(
    months: list[Decimal], anchor: int
) -> None:
    year = 2032
    totals = [sum(months[: m + 1], D(0)) for m in range(12)]
    published = [obs(f"Y:{year}-12", str(totals[11]))]
    published += [obs(f"M:{year}-{m:02d}", str(months[m - 1])) for m in range(anchor + 1, 13)]
    series = derive(published)
    for m in range(anchor, 13):
        figure = series.ytd(Period(year, m))
        assert figure is not None
        assert figure.value == totals[m - 1]
