"""Calendar months as statistical periods (pure).

GACC publishes January and February together; the combined figure is the year-to-date total
at February, so a period here is always a single month and the Jan-Feb case is handled by the
derivation and measures, never by inventing a January or February value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Basis(StrEnum):
    """What a figure covers: the month alone, or January to that month."""

    MONTH = "month"
    YTD = "ytd"


class PeriodError(ValueError):
    """A text that is not a ``YYYY-MM`` month."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise PeriodError(f"month must be 01 to 12, got {self.month:02d}")
        if not 1900 <= self.year <= 2999:
            raise PeriodError(f"year must be between 1900 and 2999, got {self.year}")

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip())
        if match is None:
            raise PeriodError(f"{text!r} is not a period YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def label(self) -> str:
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    def ytd_label(self) -> str:
        if self.month == 1:
            return f"January {self.year}"
        return f"January-{MONTH_NAMES[self.month - 1]} {self.year}"


@dataclass(frozen=True, order=True)
class Key:
    """One figure of a series: the month ``M(2025-05)`` or the year to date ``YTD(2025-05)``."""

    basis: Basis
    period: Period

    def __str__(self) -> str:
        prefix = "M" if self.basis is Basis.MONTH else "YTD"
        return f"{prefix}({self.period})"


def month(period: Period) -> Key:
    return Key(Basis.MONTH, period)


def ytd(period: Period) -> Key:
    return Key(Basis.YTD, period)


def months_between(first: Period, last: Period) -> list[Period]:
    """Every month from ``first`` to ``last`` inclusive (empty when ``last`` is earlier)."""
    out: list[Period] = []
    current = first
    while current <= last:
        out.append(current)
        current = current.shift(1)
    return out
