"""The "normal volume" monitor: where a month sits against its own recent history (pure).

Baselines for month *t*: the same month a year earlier, and the trailing twelve months
*t-12 … t-1* (their median, range and median absolute deviation). The alarm is the robust
z-score ``0.6745 · (x - median) / MAD`` (Iglewicz and Hoaglin): unlike a mean and standard
deviation it is not dragged by the very outliers it looks for, and |z| ≥ 3.5 is their
recommended cut-off.

Month-on-month change is deliberately not an alarm: swings of ±20-30 % are ordinary in this
trade (Chinese New Year, quota releases, restocking), so a month is flagged only when it is far
from its twelve-month history. January-February combined totals are not months and take no
part in the baselines.

A month is judged only against enough *non-zero* history (``MonitorPolicy.min_nonzero_history``,
six of the twelve trailing months): the median and the MAD break down once half the values are
alike, and a run of zeros (an element that was not exported, a series from cleared
declarations before the first clearance) is exactly that. Against seven zeros and five small
months the median and the MAD are both zero, and every later shipment would be "unusually
high". With at least half the window non-zero (figures are never negative) the zeros fill at
most the lower half, so the median is positive, and the MAD is zero only when half the months
or more are one and the same non-zero figure: a flat history, where any departure is news.
Short of that the answer is ``insufficient_history``, never a flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from rarex.statistics.measures import pct_change
from rarex.statistics.periods import Period

# Φ⁻¹(0.75): scales the MAD of normal data to its standard deviation.
MAD_SCALE = Decimal("0.6745")


@dataclass(frozen=True)
class MonitorPolicy:
    threshold: Decimal = Decimal("3.5")
    window: int = 12
    # Non-zero months the trailing window must hold before a month is judged: half of it, the
    # least that keeps the median and the MAD away from zero (see the module's docstring).
    min_nonzero_history: int = 6

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError(f"the window must be at least one month, got {self.window}")
        if not 2 * self.min_nonzero_history >= self.window >= self.min_nonzero_history:
            raise ValueError(
                f"min_nonzero_history must be between half the window and the window "
                f"({self.window}), got {self.min_nonzero_history}: fewer lets zeros be the "
                "median and flag every later month"
            )


@dataclass(frozen=True)
class Assessment:
    period: Period
    value: Decimal
    status: str  # normal | unusually_high | unusually_low | insufficient_history
    reason: str
    history_months: int
    nonzero_history_months: int
    median: Decimal | None
    low: Decimal | None
    high: Decimal | None
    mad: Decimal | None
    robust_z: Decimal | None
    same_month_last_year: Decimal | None
    yoy_pct: Decimal | None

    @property
    def flagged(self) -> bool:
        return self.status in ("unusually_high", "unusually_low")


def position_of(value: Decimal, low: Decimal, high: Decimal) -> str:
    """``above``, ``below`` or ``within`` the range from ``low`` to ``high``."""
    return "above" if value > high else "below" if value < low else "within"


def median(values: list[Decimal]) -> Decimal:
    if not values:
        raise ValueError("median of nothing")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def mad(values: list[Decimal]) -> Decimal:
    centre = median(values)
    return median([abs(v - centre) for v in values])


def robust_z(value: Decimal, centre: Decimal, spread: Decimal) -> Decimal | None:
    if spread == 0:
        return None
    return MAD_SCALE * (value - centre) / spread


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1')):,}" if value != value.to_integral() else f"{value:,}"


def assess(
    values: Mapping[Period, Decimal], period: Period, policy: MonitorPolicy | None = None
) -> Assessment:
    """Assess the month ``period`` of a monthly series (single months only)."""
    policy = policy or MonitorPolicy()
    if period not in values:
        raise KeyError(period)
    value = values[period]
    last_year = values.get(period.shift(-12))
    yoy = pct_change(value, last_year) if last_year is not None else None
    history = [
        values[p]
        for offset in range(1, policy.window + 1)
        if (p := period.shift(-offset)) in values
    ]
    nonzero = sum(1 for v in history if v != 0)
    if nonzero < policy.min_nonzero_history:
        return Assessment(
            period=period,
            value=value,
            status="insufficient_history",
            reason=(
                f"only {nonzero} of the trailing {policy.window} months are known and "
                f"non-zero ({len(history)} known; at least {policy.min_nonzero_history} "
                "non-zero needed before a month is judged)"
            ),
            history_months=len(history),
            nonzero_history_months=nonzero,
            median=None,
            low=None,
            high=None,
            mad=None,
            robust_z=None,
            same_month_last_year=last_year,
            yoy_pct=yoy,
        )
    centre, spread = median(history), mad(history)
    low, high = min(history), max(history)
    z = robust_z(value, centre, spread)
    baseline = (
        f"{len(history)} of the trailing {policy.window} months: median {_fmt(centre)}, "
        f"range {_fmt(low)}-{_fmt(high)}, MAD {_fmt(spread)}"
    )
    if z is None:
        if value == centre:
            status = "normal"
        else:
            status = "unusually_high" if value > centre else "unusually_low"
        reason = (
            f"{_fmt(value)} against a flat history ({baseline}): any departure is unusual"
            if status != "normal"
            else f"{_fmt(value)} equals a flat history ({baseline})"
        )
    else:
        z_text = f"{z.quantize(Decimal('0.01'))}"
        if z >= policy.threshold:
            status = "unusually_high"
        elif z <= -policy.threshold:
            status = "unusually_low"
        else:
            status = "normal"
        comparison = {
            "unusually_high": f"at or above {policy.threshold}",
            "unusually_low": f"at or below -{policy.threshold}",
            "normal": f"within ±{policy.threshold}",
        }[status]
        where = f"{position_of(value, low, high)} the trailing range"
        reason = f"{_fmt(value)} is {where}; robust z {z_text} is {comparison} ({baseline})"
    return Assessment(
        period=period,
        value=value,
        status=status,
        reason=reason,
        history_months=len(history),
        nonzero_history_months=nonzero,
        median=centre,
        low=low,
        high=high,
        mad=spread,
        robust_z=z,
        same_month_last_year=last_year,
        yoy_pct=yoy,
    )
