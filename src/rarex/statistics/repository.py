"""Queries of the statistics room. Services call these; nothing else builds SQL for statistics."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.models.statistics import StatImport, StatObservation, StatReportedChange, StatSource


def observations_of(
    session: Session, *, series: Iterable[str], current_only: bool = False
) -> list[StatObservation]:
    """Every vintage of the given series (all partners), oldest vintage first."""
    names = sorted(set(series))
    if not names:
        return []
    query = select(StatObservation).where(StatObservation.series.in_(names))
    if current_only:
        query = query.where(StatObservation.is_current.is_(True))
    query = query.order_by(
        StatObservation.series,
        StatObservation.partner,
        StatObservation.basis,
        StatObservation.period,
        StatObservation.vintage,
    )
    return list(session.scalars(query))


def lock_series(session: Session, *, series: Iterable[str]) -> None:
    """Hold the current vintages of these series while an import decides what supersedes what,
    so two concurrent imports cannot both mark a new vintage current."""
    names = sorted(set(series))
    if names and session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(StatObservation.id)
            .where(StatObservation.series.in_(names), StatObservation.is_current.is_(True))
            .with_for_update()
        )


def series_version(session: Session, *, series: str) -> str:
    """A digest of which imports stored how many figures of ``series``: observations are only
    ever added (a revision is a new vintage row), so it changes whenever the figures do."""
    query = (
        select(StatObservation.import_id, func.count(), func.sum(StatObservation.vintage))
        .where(StatObservation.series == series)
        .group_by(StatObservation.import_id)
    )
    parts = sorted(
        f"{import_id}:{count}:{vintages}" for import_id, count, vintages in session.execute(query)
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def series_units(session: Session) -> dict[str, str]:
    rows = session.execute(select(StatObservation.series, StatObservation.unit).distinct())
    return {series: unit for series, unit in rows}


def series_summaries(session: Session) -> list[tuple[str, str, str, str, str, int]]:
    """(series, partner, unit, first period, last period, current observations)."""
    query = (
        select(
            StatObservation.series,
            StatObservation.partner,
            StatObservation.unit,
            func.min(StatObservation.period),
            func.max(StatObservation.period),
            func.count(),
        )
        .where(StatObservation.is_current.is_(True))
        .group_by(StatObservation.series, StatObservation.partner, StatObservation.unit)
        .order_by(StatObservation.series, StatObservation.partner)
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def sources_by_id(session: Session, ids: Iterable[str] | None = None) -> dict[str, StatSource]:
    query = select(StatSource).order_by(StatSource.id)
    if ids is not None:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = query.where(StatSource.id.in_(wanted))
    return {source.id: source for source in session.scalars(query)}


def reported_changes(
    session: Session, *, series: str, partner: str, periods: Sequence[str] | None = None
) -> list[StatReportedChange]:
    query = select(StatReportedChange).where(
        StatReportedChange.series == series, StatReportedChange.partner == partner
    )
    if periods is not None:
        query = query.where(StatReportedChange.period.in_(list(periods)))
    return list(
        session.scalars(query.order_by(StatReportedChange.period, StatReportedChange.source))
    )


def reported_for(
    session: Session, *, keys: Iterable[tuple[str, str, str, str, str]]
) -> dict[tuple[str, str, str, str, str], StatReportedChange]:
    """Stored reported changes by (series, partner, period, measure, source)."""
    wanted = set(keys)
    if not wanted:
        return {}
    series = sorted({k[0] for k in wanted})
    rows = session.scalars(select(StatReportedChange).where(StatReportedChange.series.in_(series)))
    out: dict[tuple[str, str, str, str, str], StatReportedChange] = {}
    for row in rows:
        key = (row.series, row.partner, row.period, row.measure, row.source)
        if key in wanted:
            out[key] = row
    return out


def list_imports(session: Session, *, limit: int = 100) -> list[StatImport]:
    query = select(StatImport).order_by(StatImport.imported_at.desc(), StatImport.id).limit(limit)
    return list(session.scalars(query))
