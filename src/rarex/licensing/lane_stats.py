"""Lane performance: working days from acceptance to decision, per lane (pure).

Decimal, not float: a median of two working-day counts is exact (x.5) and is shown as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class LaneStats:
    """Time to decision in one lane, in working days.

    ``median_working_days`` is the conventional median (mean of the two middle values for an even
    count). ``p90_working_days`` is the nearest-rank 90th percentile, an observed value: at least
    90 % of decisions took no more working days than this.
    """

    lane: str
    decided: int
    median_working_days: Decimal
    p90_working_days: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "lane": self.lane,
            "decided": self.decided,
            "median_working_days": str(self.median_working_days),
            "p90_working_days": str(self.p90_working_days),
        }


def median_working_days_by_lane(samples: Iterable[tuple[str, int]]) -> dict[str, LaneStats]:
    """Group ``(lane, working days from acceptance to decision)`` samples by lane.

    Lanes appear in name order; a lane with no decided sample is absent. Raises ``ValueError``
    for a negative or non-integer duration, which only a bug upstream could produce.
    """
    by_lane: dict[str, list[int]] = {}
    for lane, days in samples:
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"working days must be a non-negative integer, got {days!r}")
        by_lane.setdefault(lane, []).append(days)
    stats: dict[str, LaneStats] = {}
    for lane in sorted(by_lane):
        values = sorted(by_lane[lane])
        count = len(values)
        middle = count // 2
        if count % 2:
            median = Decimal(values[middle])
        else:
            median = Decimal(values[middle - 1] + values[middle]) / 2
        p90 = Decimal(values[-(-9 * count // 10) - 1])  # rank ceil(0.9 n), in integers
        stats[lane] = LaneStats(lane, count, median, p90)
    return stats
