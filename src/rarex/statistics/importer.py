"""Import published statistics: observations with vintages, sources, reported percentages.

Every file is parsed and validated before the first row is written, and the caller's unit of
work commits once, so a refused file (and every other file of the same call) changes nothing:
no figure, no import record, no audit event. Parsing checks each row alone, series and units
against the declared series definitions; then, against the database, every cited source must
be stored already or defined in a sources file of the same call, and a row that would become
a new vintage of a stored figure must carry its release date.

A figure already stored with the same value, precision, source and release date is left
alone (a row without a release date restates a dated vintage of the same value and source):
re-importing a file changes nothing and leaves no import record. A different figure for a
stored key becomes a new vintage; it supersedes the current one unless both carry release
dates and it is the older release, in which case it is kept as history only.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock, authority_date
from rarex.models.statistics import StatImport, StatObservation, StatReportedChange, StatSource
from rarex.statistics import repository
from rarex.statistics.measures import decimals_of
from rarex.statistics.parsing import ParsedFile, parse_file, refusal
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
    vintages = _check_against_stored(session, parsed, today=authority_date(clock.now()))
    who = (actor.label if actor is not None else operator)[:120]
    results: list[FileImport] = []
    for file in parsed:
        if file.kind == "sources":
            result = _import_sources(session, file, clock=clock, who=who)
        elif file.kind == "reported":
            result = _import_reported(session, file, clock=clock, who=who)
        else:
            result = _import_observations(session, file, vintages, clock=clock, who=who)
        results.append(result)
    return results


def _file_order(file: ParsedFile) -> int:
    return _ORDER[file.kind]


_ObsKey = tuple[str, str, str, str]
_Vintages = dict[_ObsKey, list[StatObservation]]


def _key(row: ObservationRow) -> _ObsKey:
    return (row.series, row.partner, row.key.basis.value, str(row.key.period))


def _check_against_stored(
    session: Session, files: Sequence[ParsedFile], *, today: date
) -> _Vintages:
    """Refuse, before anything is written, what no file shows alone: a source neither stored
    nor defined in a sources file of this call, and a new vintage of a stored figure without
    its release date (an undated figure cannot be placed among the vintages, and one once
    silently became the current May 2025 figure), or with a release date after today (a typo
    such as 2205 would rank above every real release and pin itself as the current figure).
    Files are checked in import order, so a
    figure an earlier file of this call adds counts as stored for the later ones.

    Returns the stored vintages of the series these files touch, their current rows locked
    until the commit, for the writer to plan from."""
    offered = {row.id for file in files for row in file.sources}
    cited = {source for file in files for _, source in _citations(file)}
    known = offered | set(repository.sources_by_id(session, cited - offered))
    series = {row.series for file in files for row in file.observations}
    repository.lock_series(session, series=series)
    vintages: _Vintages = defaultdict(list)
    for stored in repository.observations_of(session, series=series):
        vintages[(stored.series, stored.partner, stored.basis, stored.period)].append(stored)
    earlier: dict[_ObsKey, list[ObservationRow]] = defaultdict(list)
    for file in files:
        problems = [
            Problem(
                line,
                "source",
                "stats.unknown_source",
                f"source {source!r} is neither stored nor defined in a sources file "
                "(id,title,url) of this import",
            )
            for line, source in _citations(file)
            if source not in known
        ]
        problems += [
            Problem(
                row.line,
                "release",
                "stats.release_in_future",
                f"release date {row.released_on} is after today ({today}): a figure is "
                "imported once it is published",
            )
            for row in file.observations
            if row.released_on is not None and row.released_on > today
        ]
        for row in file.observations:
            problem = _undated_revision(row, vintages[_key(row)], earlier[_key(row)])
            if problem is not None:
                problems.append(problem)
        for row in file.observations:
            earlier[_key(row)].append(row)
        if problems:
            raise refusal(file.filename, sorted(problems, key=lambda p: p.line or 0))
    return vintages


def _citations(file: ParsedFile) -> list[tuple[int, str]]:
    """(line, source id) of every row that cites a source."""
    return [(r.line, r.source) for r in file.observations] + [
        (r.line, r.source) for r in file.reported
    ]


def _figure(of: StatObservation | ObservationRow) -> tuple[Decimal, int, str, date | None]:
    decimals = of.decimals if isinstance(of, StatObservation) else decimals_of(of.value)
    return (of.value, decimals, of.source, of.released_on)


def _restates(row: ObservationRow, figure: StatObservation | ObservationRow) -> bool:
    """The row gives this figure again: the same value to the same precision from the same
    source, and the same release date, or none (a row without one restates a dated figure)."""
    mine, theirs = _figure(row), _figure(figure)
    return mine[:3] == theirs[:3] and (row.released_on is None or mine[3] == theirs[3])


def _undated_revision(
    row: ObservationRow, stored: list[StatObservation], earlier: list[ObservationRow]
) -> Problem | None:
    if row.released_on is not None or not (stored or earlier):
        return None
    if any(_restates(row, v) for v in stored) or any(_restates(row, v) for v in earlier):
        return None
    current = next((v for v in stored if v.is_current), None)
    if current is not None:
        shown = current.value.quantize(Decimal(1).scaleb(-current.decimals))
        now = f"is stored as {shown} (source {current.source}, vintage {current.vintage})"
    else:
        now = f"is given as {earlier[-1].value} by another file of this import"
    return Problem(
        row.line,
        "release",
        "stats.release_required",
        f"{row.series} {row.partner} {row.key.basis.value} {row.key.period} {now}; "
        f"{row.value} from {row.source} would be a new vintage, which needs its release "
        "date (YYYY-MM-DD) in a 'release' column",
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


def _release_order(row: ObservationRow) -> date:
    return row.released_on or date.min


def _import_observations(
    session: Session, file: ParsedFile, vintages: _Vintages, *, clock: Clock, who: str
) -> FileImport:
    """``vintages``: every stored vintage of the file's series (``_check_against_stored``),
    kept up to date here for the files that follow."""
    # Plan first, write after: a file that changes nothing must leave no trace at all.
    plan: list[tuple[ObservationRow, _ObsKey]] = []
    pending: dict[_ObsKey, list[ObservationRow]] = defaultdict(list)
    for row in sorted(file.observations, key=_release_order):
        key = _key(row)
        if any(_restates(row, v) for v in vintages[key]):
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
