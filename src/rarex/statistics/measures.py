"""Growth rates, shares and their rounding, on exact decimals (pure).

Every measure is computed from ``Decimal`` figures at full precision (34 significant digits)
and rounded only where it leaves: for people by ``display_pct`` at the places asked for
(+22.567…% is "+22.6%", or "+23%" at whole percent), for machines by ``pct_text`` at a fixed
scale of ``PCT_PLACES`` (``"22.57"``), so a JSON percentage is never a 34-digit string and
every one has the same shape (two decimals, "-3.00", never "-0.00").

Both round half up (``ROUND_HALF_UP``), as the press and GACC's releases round their
percentages: the reported-versus-computed check asks whether the computed rate rounds to the
printed one, and a different rule would call a correct "+23%" wrong at an exact tie. Banker's
rounding (half even) only pays where rounded figures are summed, and percentages never are.
Rounding a rounded figure again can differ from rounding the exact one (22.549 → 22.55 → 22.6,
but 22.549 → 22.5), so every display is rounded from the exact value, never from ``pct_text``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from rarex.statistics.derivation import DerivedSeries, Figure
from rarex.statistics.periods import Period

_EXACT = Context(prec=34)
# Wide enough to quantize any rate the inputs allow (18 integer digits over a 6-decimal base
# is a 26-digit percentage) without InvalidOperation.
_QUANTIZE = Context(prec=60, rounding=ROUND_HALF_UP)
HUNDRED = Decimal(100)
# The fixed scale of percentages (and percentage points) for machines: one place more than
# the press prints (whole percent or one decimal), so a client can see which way a published
# rate was rounded; the inputs (tonnes to 0.1 on a base of thousands) carry no more than that.
PCT_PLACES = 2
# The robust z-score of the volume monitor, compared with a threshold of 3.5: two places.
Z_PLACES = 2


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
    rounded = _QUANTIZE.quantize(value, Decimal(1).scaleb(-places))
    return abs(rounded) if rounded == 0 else rounded  # no negative zero ("-0.00")


def fixed_text(value: Decimal | None, places: int) -> str | None:
    """``value`` half up at exactly ``places`` decimals, never in exponent form; None stays
    None: 22.5672… → "22.57", -3 → "-3.00", -0.001 → "0.00"."""
    if value is None:
        return None
    return format(round_half_up(value, places), "f")


def pct_text(value: Decimal | None) -> str | None:
    """A percentage for JSON: a decimal string at the fixed scale ``PCT_PLACES``."""
    return fixed_text(value, PCT_PLACES)


def pct_of_display(text: str | None) -> Decimal | None:
    """The number ``display_pct`` showed ("+22.6%" → 22.6), for a page that formats it in its
    own language without rounding it a second time."""
    if text is None:
        return None
    return Decimal(text.removesuffix("%"))


def display_pct(value: Decimal | None, places: int = 1) -> str | None:
    """ "+22.6%", "-3.0%", "0.0%"; None stays None."""
    if value is None:
        return None
    rounded = round_half_up(value, places)
    if rounded == 0:
        return f"{rounded}%"  # no sign on zero, and never "-0.0%"
    return f"{rounded:+}%"


def display_share(share: Decimal | None, places: int = 1) -> str | None:
    """A share of a whole, which has no sign: "42.6%"; None stays None."""
    text = display_pct(share, places)
    return text.lstrip("+") if text else None


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
    # Decimal places the source printed ("+23%": 0, "+2.3%": 1).
    places: int = 0


def compare_reported(
    reported: Decimal, source: str, computed: Decimal | None
) -> ReportedComparison:
    places = decimals_of(reported)
    if computed is None:
        return ReportedComparison(reported, source, None, None, None, places)
    return ReportedComparison(
        reported=reported,
        source=source,
        computed=computed,
        difference_pp=reported - computed,
        consistent_with_rounding=round_half_up(computed, places) == reported,
        places=places,
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


def reported_beside(
    measures: PeriodMeasures, rates: Iterable[tuple[str, Decimal, str]]
) -> dict[str, list[ReportedComparison]]:
    """Each published rate (measure, value as printed, source) of the period beside the one
    computed from the figures, by measure (the measures of ``rows.MEASURES``)."""
    computed = {"mom_pct": measures.mom, "yoy_pct": measures.yoy, "ytd_yoy_pct": measures.ytd_yoy}
    out: dict[str, list[ReportedComparison]] = {}
    for measure, value, source in rates:
        comparison = compare_reported(value, source, computed[measure].pct)
        out.setdefault(measure, []).append(comparison)
    return out
