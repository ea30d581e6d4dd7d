"""Derive the figures a series did not publish, and find where published figures disagree (pure).

Within a year every figure obeys one identity: ``YTD(m) = YTD(m-1) + M(m)`` with
``YTD(0) = 0``. From the published figures we solve what the identity determines:

* a month from two year-to-date totals: ``M(m) = YTD(m) - YTD(m-1)``;
* an earlier year-to-date total from a later one: ``YTD(m-1) = YTD(m) - M(m)``;
* a later one from an earlier one: ``YTD(m) = YTD(m-1) + M(m)``.

January and February come out together as ``YTD(02)``; nothing here splits it, because the
identity alone cannot (``M(01)`` and ``M(02)`` appear only if one of them was published).

Derivation runs breadth-first: each round uses only figures known before the round, so every
derived figure comes from the shortest chain of arithmetic on published figures. When two
chains reach the same figure, the one with the smaller rounding uncertainty wins, then the
one from the later year-to-date total (GACC's cumulative totals carry revisions of earlier
months). Every derived figure keeps its formula, its inputs and the sources beneath them.

Where the identity is over-determined (consecutive published year-to-date totals with every
month between them published), the published figures are compared: a gap within what press
rounding explains is noted; a larger one is flagged as an inconsistency, never smoothed away.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise

from rarex.statistics.periods import Basis, Key, Period, month, ytd

ZERO = Decimal(0)


@dataclass(frozen=True)
class Observation:
    """A published figure (the current vintage of its key)."""

    key: Key
    value: Decimal
    source: str
    vintage: int = 1
    released_on: date | None = None


@dataclass(frozen=True)
class Figure:
    key: Key
    value: Decimal
    derived: bool
    # How a derived figure was computed: "YTD(2025-05) - YTD(2025-04)" and "24827 - 18962".
    formula: str | None
    expression: str | None
    inputs: tuple[Key, ...]
    # Every published source the figure rests on (its own, or its inputs', recursively).
    sources: tuple[str, ...]
    # The largest error press rounding can explain: half a unit of the last published digit,
    # summed over the published figures beneath it.
    uncertainty: Decimal
    observation: Observation | None = None

    @property
    def status(self) -> str:
        return "derived" if self.derived else "published"


@dataclass(frozen=True)
class ConsistencyPolicy:
    """How far published months may stray from their year-to-date totals before a flag.

    The allowance is the rounding the published precision explains (when ``rounding_slack``),
    plus ``absolute`` (in the series unit), plus ``relative_pct`` percent of the later total.
    """

    rounding_slack: bool = True
    absolute: Decimal = ZERO
    relative_pct: Decimal = ZERO

    def allowance(self, rounding: Decimal, total: Decimal) -> Decimal:
        slack = rounding if self.rounding_slack else ZERO
        return slack + self.absolute + abs(total) * self.relative_pct / 100


@dataclass(frozen=True)
class Finding:
    """Published months that do (not quite) add up to the published year-to-date totals."""

    code: str  # consistency.within_tolerance | consistency.mismatch
    severity: str  # info | warning
    first: Period
    last: Period
    months_sum: Decimal
    ytd_difference: Decimal
    difference: Decimal
    allowance: Decimal
    keys: tuple[Key, ...]
    message: str

    def covers(self, period: Period) -> bool:
        return self.first <= period <= self.last


@dataclass
class DerivedSeries:
    figures: dict[Key, Figure] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def get(self, key: Key) -> Figure | None:
        return self.figures.get(key)

    def month(self, period: Period) -> Figure | None:
        return self.figures.get(month(period))

    def ytd(self, period: Period) -> Figure | None:
        return self.figures.get(ytd(period))

    def is_jan_feb(self, period: Period) -> bool:
        """February whose only figure is the combined January-February total."""
        return (
            period.month == 2
            and self.month(period) is None
            and self.month(Period(period.year, 1)) is None
            and self.ytd(period) is not None
        )

    def periods(self) -> list[Period]:
        return sorted({key.period for key in self.figures})

    def trail(self, key: Key) -> list[Figure]:
        """The derived figures behind ``key`` (itself first when derived), each once."""
        out: list[Figure] = []
        seen: set[Key] = set()
        stack = [key]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            figure = self.figures.get(current)
            if figure is None or not figure.derived:
                continue
            out.append(figure)
            stack.extend(reversed(figure.inputs))
        return out


def half_unit(value: Decimal) -> Decimal:
    """Half a unit in the last published digit: 5864.6 → 0.05, 24827 → 0.5."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(5).scaleb(exponent - 1)


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros, never in exponent form: 1500.000 → 1500, 1.10 → 1.1."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    return normal.quantize(Decimal(1)) if exponent > 0 else normal


def _published(obs: Observation) -> Figure:
    return Figure(
        key=obs.key,
        value=obs.value,
        derived=False,
        formula=None,
        expression=None,
        inputs=(),
        sources=(obs.source,),
        uncertainty=half_unit(obs.value),
        observation=obs,
    )


def _merge_sources(*figures: Figure) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for figure in figures:
        for source in figure.sources:
            seen.setdefault(source, None)
    return tuple(seen)


def _combine(key: Key, left: Figure, right: Figure, op: str) -> Figure:
    value = left.value - right.value if op == "-" else left.value + right.value
    return Figure(
        key=key,
        value=value,
        derived=True,
        formula=f"{left.key} {op} {right.key}",
        expression=f"{left.value} {op} {right.value} = {value}",
        inputs=(left.key, right.key),
        sources=_merge_sources(left, right),
        uncertainty=left.uncertainty + right.uncertainty,
    )


def _identity(key: Key, other: Figure) -> Figure:
    """January alone: the month and the year to date are the same figure."""
    return Figure(
        key=key,
        value=other.value,
        derived=True,
        formula=f"{other.key}",
        expression=f"{other.value} (January: the month is the year to date)",
        inputs=(other.key,),
        sources=other.sources,
        uncertainty=other.uncertainty,
    )


def _candidates(year: int, known: dict[Key, Figure]) -> dict[Key, list[Figure]]:
    """Every figure one step of arithmetic away, in order of preference per key."""
    out: dict[Key, list[Figure]] = defaultdict(list)
    for m in range(1, 13):
        p = Period(year, m)
        m_key, y_key = month(p), ytd(p)
        this_month, this_ytd = known.get(m_key), known.get(y_key)
        prev_ytd = known.get(ytd(p.shift(-1))) if m > 1 else None
        if this_month is None and this_ytd is not None:
            if m == 1:
                out[m_key].append(_identity(m_key, this_ytd))
            elif prev_ytd is not None:
                out[m_key].append(_combine(m_key, this_ytd, prev_ytd, "-"))
        if this_ytd is None:
            if m < 12:
                later_ytd, later_month = known.get(ytd(p.shift(1))), known.get(month(p.shift(1)))
                if later_ytd is not None and later_month is not None:
                    out[y_key].append(_combine(y_key, later_ytd, later_month, "-"))
            if this_month is not None:
                if m == 1:
                    out[y_key].append(_identity(y_key, this_month))
                elif prev_ytd is not None:
                    out[y_key].append(_combine(y_key, prev_ytd, this_month, "+"))
    return out


def _derive_year(year: int, published: dict[Key, Figure]) -> dict[Key, Figure]:
    known = dict(published)
    while True:
        candidates = _candidates(year, known)
        if not candidates:
            return known
        for key, options in candidates.items():
            # min() keeps the first of equals, so the preference order above breaks ties.
            known[key] = min(options, key=lambda f: f.uncertainty)


def _check_year(
    year: int, published: dict[Key, Figure], policy: ConsistencyPolicy
) -> list[Finding]:
    anchors = [0, *sorted(k.period.month for k in published if k.basis is Basis.YTD)]
    findings: list[Finding] = []
    for a, b in pairwise(anchors):
        months = [published.get(month(Period(year, m))) for m in range(a + 1, b + 1)]
        if any(f is None for f in months):
            continue
        parts = [f for f in months if f is not None]
        later = published[ytd(Period(year, b))]
        earlier = published[ytd(Period(year, a))] if a else None
        ytd_difference = later.value - (earlier.value if earlier else ZERO)
        months_sum = sum((f.value for f in parts), ZERO)
        difference = months_sum - ytd_difference
        if difference == 0:
            continue
        rounding = sum((f.uncertainty for f in parts), later.uncertainty) + (
            earlier.uncertainty if earlier else ZERO
        )
        allowance = plain(policy.allowance(rounding, later.value))
        first, last = Period(year, a + 1), Period(year, b)
        span = str(first) if first == last else f"{first}..{last}"
        base = f"{later.key} - {earlier.key}" if earlier else f"{later.key}"
        within = abs(difference) <= allowance
        verdict = (
            "within the allowance for press rounding"
            if within
            else "more than press rounding explains"
        )
        findings.append(
            Finding(
                code="consistency.within_tolerance" if within else "consistency.mismatch",
                severity="info" if within else "warning",
                first=first,
                last=last,
                months_sum=months_sum,
                ytd_difference=ytd_difference,
                difference=difference,
                allowance=allowance,
                keys=tuple(f.key for f in parts) + tuple(f.key for f in (earlier, later) if f),
                message=(
                    f"published months {span} sum to {months_sum}, but {base} = "
                    f"{ytd_difference}: a gap of {difference:+} against an allowance of "
                    f"{allowance} ({verdict})"
                ),
            )
        )
    return findings


def derive(
    observations: Iterable[Observation], policy: ConsistencyPolicy | None = None
) -> DerivedSeries:
    """All published and derivable figures of one series and partner, with the findings."""
    policy = policy or ConsistencyPolicy()
    by_year: dict[int, dict[Key, Figure]] = defaultdict(dict)
    for obs in observations:
        if obs.key in by_year[obs.key.period.year]:
            raise ValueError(f"two current observations for {obs.key}")
        by_year[obs.key.period.year][obs.key] = _published(obs)
    result = DerivedSeries()
    for year in sorted(by_year):
        result.figures.update(_derive_year(year, by_year[year]))
        result.findings.extend(_check_year(year, by_year[year], policy))
    return result
