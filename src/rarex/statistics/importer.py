"""Import published statistics: observations with vintages, sources, reported percentages.

Every file is parsed and validated before the first row is written, and the caller's unit of
work commits once, so a refused file changes nothing. A figure already stored with the same
value, precision, source and release date is left alone: re-importing a file changes nothing
and leaves no import record. A different figure for a stored key becomes a new vintage; it
supersedes the current one unless both carry release dates and it is the older release, in
which case it is kept as history only.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.models.statistics import StatImport, StatObservation, StatReportedChange, StatSource
from rarex.statistics import repository
from rarex.statistics.measures import decimals_of
from rarex.statistics.parsing import ImportRefused, ParsedFile, parse_file
from rarex.statistics.rows import ObservationRow, Problem

log = logging.getLogger(__name__)

CLI_OPERATOR = "operator via cli"
# Sources first (observations cite them), reported changes last (they sit beside figures).
_ORDER = {"sources": 0, "observations": 1, "reported": 2}


@dataclass(frozen=True)
class FileImport:
    filename: str
    kind: str
    sha256: str
    rows: int
    added: int
    revised: int
    unchanged: int
    import_id: uuid.UUID | None
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.import_id is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.filename,
            "kind": self.kind,
            "sha256": self.sha256,
            "rows": self.rows,
            "added": self.added,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "import_id": str(self.import_id) if self.import_id else None,
            "notes": list(self.notes),
        }


def import_files(
    session: Session,
    *,
    clock: Clock,
    actor: Actor | None,
    files: Sequence[tuple[str, bytes]],
    operator: str = CLI_OPERATOR,
) -> list[FileImport]:
    """``actor`` None is the operator's own CLI (named by ``operator`` in the audit log);
    over the API it is the caller."""
    if actor is not None:
        require_role(actor, Role.ADMINISTRATOR, Role.ANALYST, action="import statistics")
    parsed = sorted((parse_file(name, content) for name, content in files), key=_file_order)
    _check_units(session, parsed)
    who = (actor.label if actor is not None else operator)[:120]
    results: list[FileImport] = []
    for file in parsed:
        if file.kind == "sources":
            result = _import_sources(session, file, clock=clock, who=who)
        elif file.kind == "reported":
            result = _import_reported(session, file, clock=clock, who=who)
        else:
            result = _import_observations(session, file, clock=clock, who=who)
        results.append(result)
    return results


def _file_order(file: ParsedFile) -> int:
    return _ORDER[file.kind]


def _check_units(session: Session, files: Sequence[ParsedFile]) -> None:
    """A series keeps one unit: a file that switches tonnes for kilograms is refused."""
    stored = repository.series_units(session)
    for file in files:
        problems = [
            Problem(
                row.line,
                "unit",
                "stats.unit_mismatch",
                f"{row.series} is stored in {stored[row.series]!r}; this file gives {row.unit!r}",
            )
            for row in file.observations
            if row.series in stored and stored[row.series] != row.unit
        ]
        if problems:
            first = problems[0]
            raise ImportRefused(
                first.text(file.filename),
                code=first.code,
                file=file.filename,
                problems=[p.to_dict() for p in problems],
            )


def _new_import(
    session: Session,
    file: ParsedFile,
    *,
    clock: Clock,
    who: str,
    added: int,
    revised: int,
    unchanged: int,
) -> StatImport:
    batch = StatImport(
        id=uuid.uuid4(),
        kind=file.kind,
        filename=file.filename[-255:],
        sha256=file.sha256,
        rows=file.rows,
        added=added,
        revised=revised,
        unchanged=unchanged,
        imported_at=clock.now(),
        imported_by=who,
    )
    session.add(batch)
    session.flush()
    payload = {
        "file": file.filename,
        "kind": file.kind,
        "sha256": file.sha256,
        "rows": file.rows,
        "added": added,
        "revised": revised,
        "unchanged": unchanged,
    }
    record_event(
        session,
        clock=clock,
        actor=who,
        action="statistics.imported",
        subject_type="statistics_import",
        subject_id=str(batch.id),
        payload=payload,
    )
    log.info("statistics.imported", extra={"import_id": str(batch.id), **payload})
    return batch


def _result(file: ParsedFile, added: int, revised: int, batch: StatImport | None) -> FileImport:
    return FileImport(
        filename=file.filename,
        kind=file.kind,
        sha256=file.sha256,
        rows=file.rows,
        added=added,
        revised=revised,
        unchanged=file.rows - added - revised,
        import_id=batch.id if batch else None,
        notes=tuple(note.text(file.filename) for note in file.notes),
    )


def _import_sources(session: Session, file: ParsedFile, *, clock: Clock, who: str) -> FileImport:
    stored = repository.sources_by_id(session, [row.id for row in file.sources])
    new = [row for row in file.sources if row.id not in stored]
    changed = [
        row
        for row in file.sources
        if row.id in stored and (stored[row.id].title, stored[row.id].url) != (row.title, row.url)
    ]
    if not new and not changed:
        return _result(file, 0, 0, None)
    batch = _new_import(
        session,
        file,
        clock=clock,
        who=who,
        added=len(new),
        revised=len(changed),
        unchanged=file.rows - len(new) - len(changed),
    )
    for row in changed:
        source = stored[row.id]
        source.title, source.url, source.import_id = row.title, row.url, batch.id
    session.add_all(StatSource(id=r.id, title=r.title, url=r.url, import_id=batch.id) for r in new)
    session.flush()
    return _result(file, len(new), len(changed), batch)


def _import_reported(session: Session, file: ParsedFile, *, clock: Clock, who: str) -> FileImport:
    def key_of(
        series: str, partner: str, period: str, measure: str, source: str
    ) -> tuple[str, str, str, str, str]:
        return (series, partner, period, measure, source)

    rows = {
        key_of(r.series, r.partner, str(r.period), r.measure, r.source): r for r in file.reported
    }
    stored = repository.reported_for(session, keys=rows)
    new = [k for k in rows if k not in stored]
    changed = [
        k
        for k in rows
        if k in stored
        and (stored[k].value, stored[k].decimals) != (rows[k].value, decimals_of(rows[k].value))
    ]
    if not new and not changed:
        return _result(file, 0, 0, None)
    batch = _new_import(
        session,
        file,
        clock=clock,
        who=who,
        added=len(new),
        revised=len(changed),
        unchanged=file.rows - len(new) - len(changed),
    )
    for k in changed:
        stored[k].value, stored[k].decimals = rows[k].value, decimals_of(rows[k].value)
        stored[k].import_id = batch.id
    for k in new:
        row = rows[k]
        session.add(
            StatReportedChange(
                series=row.series,
                partner=row.partner,
                period=str(row.period),
                measure=row.measure,
                source=row.source,
                value=row.value,
                decimals=decimals_of(row.value),
                import_id=batch.id,
            )
        )
    session.flush()
    return _result(file, len(new), len(changed), batch)


_ObsKey = tuple[str, str, str, str]


def _same_figure(stored: StatObservation, row: ObservationRow) -> bool:
    return (
        stored.value == row.value
        and stored.decimals == decimals_of(row.value)
        and stored.source == row.source
        and stored.released_on == row.released_on
    )


def _release_order(row: ObservationRow) -> date:
    return row.released_on or date.min


def _import_observations(
    session: Session, file: ParsedFile, *, clock: Clock, who: str
) -> FileImport:
    series = {row.series for row in file.observations}
    repository.lock_series(session, series=series)
    vintages: dict[_ObsKey, list[StatObservation]] = defaultdict(list)
    for stored in repository.observations_of(session, series=series):
        vintages[(stored.series, stored.partner, stored.basis, stored.period)].append(stored)
    # Plan first, write after: a file that changes nothing must leave no trace at all.
    plan: list[tuple[ObservationRow, _ObsKey]] = []
    pending: dict[_ObsKey, list[ObservationRow]] = defaultdict(list)
    for row in sorted(file.observations, key=_release_order):
        key = (row.series, row.partner, row.key.basis.value, str(row.key.period))
        if any(_same_figure(v, row) for v in vintages[key]):
            continue
        plan.append((row, key))
        pending[key].append(row)
    if not plan:
        return _result(file, 0, 0, None)
    added = sum(1 for row, key in plan if not vintages[key] and pending[key][0] is row)
    revised = len(plan) - added
    batch = _new_import(
        session,
        file,
        clock=clock,
        who=who,
        added=added,
        revised=revised,
        unchanged=file.rows - len(plan),
    )
    for row, key in plan:
        history = vintages[key]
        current = next((v for v in history if v.is_current), None)
        older_release = (
            current is not None
            and row.released_on is not None
            and current.released_on is not None
            and row.released_on < current.released_on
        )
        if current is not None and not older_release:
            current.is_current = False
            session.flush()  # one current vintage at a time, even mid-import
        observation = StatObservation(
            series=row.series,
            partner=row.partner,
            basis=row.key.basis.value,
            period=str(row.key.period),
            vintage=max((v.vintage for v in history), default=0) + 1,
            value=row.value,
            decimals=decimals_of(row.value),
            unit=row.unit,
            source=row.source,
            released_on=row.released_on,
            is_current=not older_release,
            import_id=batch.id,
        )
        session.add(observation)
        history.append(observation)
    session.flush()
    return _result(file, added, revised, batch)
