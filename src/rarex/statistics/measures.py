"""Growth rates, shares and display rounding on exact decimals (pure).

Every measure is computed from ``Decimal`` figures at full precision and stays exact (to 34
significant digits) until it is shown: ``display_pct`` rounds half-up to the requested places,
which is how the press rounds (+22.567…% is "+22.6%", or "+23%" at whole percent).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from rarex.statistics.derivation import DerivedSeries, Figure
from rarex.statistics.periods import Period

_EXACT = Context(prec=34)
HUNDRED = Decimal(100)


def pct_change(current: Decimal, base: Decimal) -> Decimal | None:
    """Percentage change from ``base`` to ``current``; None when the base is zero."""
    if base == 0:
        return None
    return _EXACT.divide(_EXACT.multiply(current - base, HUNDRED), base)


def share_pct(part: Decimal, total: Decimal) -> Decimal | None:
    if total == 0:
        return None
    return _EXACT.divide(_EXACT.multiply(part, HUNDRED), total)


def round_half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def display_pct(value: Decimal | None, places: int = 1) -> str | None:
    """ "+22.6%", "-3.0%", "0.0%"; None stays None."""
    if value is None:
        return None
    rounded = round_half_up(value, places)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.0%"
        return f"{rounded}%"
    return f"{rounded:+}%"


def display_quantity(value: Decimal, unit: str) -> str:
    """The figure as published, with thousands separators: "5,864.6 t"."""
    return f"{value:,} {unit}"


def decimals_of(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


@dataclass(frozen=True)
class ReportedComparison:
    """A percentage as a source reported it, beside the one computed from the figures."""

    reported: Decimal
    source: str
    computed: Decimal | None
    difference_pp: Decimal | None  # reported - computed, in percentage points
    # The reported figure is what the computed one rounds to at the reported precision.
    consistent_with_rounding: bool | None


def compare_reported(
    reported: Decimal, source: str, computed: Decimal | None
) -> ReportedComparison:
    if computed is None:
        return ReportedComparison(reported, source, None, None, None)
    places = decimals_of(reported)
    return ReportedComparison(
        reported=reported,
        source=source,
        computed=computed,
        difference_pp=reported - computed,
        consistent_with_rounding=round_half_up(computed, places) == reported,
    )


@dataclass(frozen=True)
class Change:
    """A percentage change between two figures, or why there is none."""

    current: Figure | None
    base: Figure | None
    pct: Decimal | None
    reason: str | None


def _change(current: Figure | None, base: Figure | None, missing: str) -> Change:
    if current is None:
        return Change(None, base, None, "no figure for the period")
    if base is None:
        return Change(current, None, None, missing)
    pct = pct_change(current.value, base.value)
    reason = None if pct is not None else f"the base {base.key} is zero"
    return Change(current, base, pct, reason)


@dataclass(frozen=True)
class PeriodMeasures:
    period: Period
    # True when the period's figure is the combined January-February total (GACC publishes
    # the two months together; they are never split here).
    jan_feb: bool
    value: Figure | None
    ytd: Figure | None
    mom: Change
    yoy: Change
    ytd_yoy: Change


def _not_available(key_text: str) -> str:
    return f"{key_text} is neither published nor derivable from published figures"


def period_measures(series: DerivedSeries, period: Period) -> PeriodMeasures:
    """Month, month-on-month, year-on-year, year to date and its year-on-year change."""
    last_year = period.shift(-12)
    ytd_now, ytd_then = series.ytd(period), series.ytd(last_year)
    ytd_yoy = _change(ytd_now, ytd_then, _not_available(f"YTD({last_year})"))
    if series.is_jan_feb(period):
        combined = ytd_now
        return PeriodMeasures(
            period=period,
            jan_feb=True,
            value=combined,
            ytd=combined,
            mom=Change(
                combined,
                None,
                None,
                "January-February is one two-month period: no month-on-month change",
            ),
            yoy=_change(combined, ytd_then, _not_available(f"YTD({last_year})")),
            ytd_yoy=ytd_yoy,
        )
    value = series.month(period)
    previous = period.shift(-1)
    if series.is_jan_feb(previous):
        mom = Change(
            value,
            None,
            None,
            "the previous period is January-February combined: no single-month base",
        )
    else:
        mom = _change(value, series.month(previous), _not_available(f"M({previous})"))
    yoy = _change(value, series.month(last_year), _not_available(f"M({last_year})"))
    return PeriodMeasures(
        period=period, jan_feb=False, value=value, ytd=ytd_now, mom=mom, yoy=yoy, ytd_yoy=ytd_yoy
    )
