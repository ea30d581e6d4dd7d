"""Load a series: every vintage, the current figures per partner, and what derives from them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from rarex.errors import InvalidInput, NotFound
from rarex.models.statistics import StatObservation
from rarex.statistics import repository
from rarex.statistics.derivation import (
    ConsistencyPolicy,
    DerivedSeries,
    Figure,
    Finding,
    Observation,
    derive,
)
from rarex.statistics.periods import Basis, Key, Period, PeriodError


@dataclass
class SeriesData:
    series: str
    unit: str
    by_partner: dict[str, DerivedSeries] = field(default_factory=dict)
    vintages: dict[tuple[str, Key], list[StatObservation]] = field(default_factory=dict)

    def partner(self, partner: str) -> DerivedSeries:
        found = self.by_partner.get(partner)
        if found is None:
            known = ", ".join(sorted(self.by_partner))
            raise NotFound(
                f"{self.series} has no figures for partner {partner}; partners: {known}",
                code="stats.unknown_partner",
            )
        return found

    def history(self, partner: str, figure: Figure | None) -> list[StatObservation]:
        if figure is None:
            return []
        return self.vintages.get((partner, figure.key), [])


def parse_period(text: str, *, option: str = "period") -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise InvalidInput(f"{option}: {exc}", code="stats.bad_period") from None


def load_series(
    session: Session, *, series: str, policy: ConsistencyPolicy | None = None
) -> SeriesData:
    """Every vintage of the series, and per partner the figures derived from the current ones."""
    rows = repository.observations_of(session, series=[series])
    if not rows:
        known = ", ".join(sorted(repository.series_units(session))) or "none imported yet"
        raise NotFound(
            f"no published figures for series {series!r} (known: {known})",
            code="stats.unknown_series",
        )
    data = SeriesData(series=series, unit=rows[0].unit)
    current: dict[str, list[Observation]] = defaultdict(list)
    for row in rows:
        key = Key(Basis(row.basis), Period.parse(row.period))
        data.vintages.setdefault((row.partner, key), []).append(row)
        if row.is_current:
            current[row.partner].append(
                Observation(
                    key=key,
                    value=row.value.quantize(Decimal(1).scaleb(-row.decimals)),
                    source=row.source,
                    vintage=row.vintage,
                    released_on=row.released_on,
                )
            )
    for partner, observations in current.items():
        data.by_partner[partner] = derive(observations, policy)
    return data


def reported_rates(
    session: Session, *, series: str, partner: str, periods: list[str] | None = None
) -> dict[str, list[tuple[str, Decimal, str]]]:
    """The percentages sources printed for the series and partner (of ``periods``, or all),
    by period: (measure, value at its printed precision, source id)."""
    out: dict[str, list[tuple[str, Decimal, str]]] = defaultdict(list)
    for row in repository.reported_changes(
        session, series=series, partner=partner, periods=periods
    ):
        value = row.value.quantize(Decimal(1).scaleb(-row.decimals))
        out[row.period].append((row.measure, value, row.source))
    return dict(out)


def monthly_values(series: DerivedSeries) -> dict[Period, Decimal]:
    """Single months only: the Jan-Feb combined total is not a month."""
    return {k.period: f.value for k, f in series.figures.items() if k.basis is Basis.MONTH}


def relevant_findings(findings: list[Finding], periods: set[Period]) -> list[Finding]:
    """Findings that touch a shown figure: a month inside their span, or the year-to-date
    total at either end of it (the earlier anchor is the month before the span)."""
    return [f for f in findings if any(f.first.shift(-1) <= p <= f.last for p in periods)]
