"""Bulk import of declarations from a CSV or XLSX file, inside the caller's unit of work.

Declarations are validated one by one and filed by the clearing engine in chunks
(``CHUNK`` declarations: one lock of the cited licenses, one write per table and one audit
event naming every declaration of the chunk), so the cost per line stays flat however long
the file is. The engine checks a chunk completely before writing anything, so a declaration
that cannot be filed leaves no trace while the others stand, without a savepoint each.
Every refused row is reported with its row number, field, code and message. With
``all_or_nothing`` any refused row refuses the whole file: ``ImportRefused`` is raised after
every row has been checked (so the report is complete) and the caller's unit of work rolls
everything back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor
from rarex.catalog import ControlList, load_control_list
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.customs import clearing
from rarex.customs.access import ensure_officer
from rarex.customs.tabular import ParsedDeclaration, RowProblem
from rarex.customs.validation import (
    DeclarationDraft,
    InvalidDeclaration,
    Problem,
    validate_declaration,
)
from rarex.errors import DomainError

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    source: str
    all_or_nothing: bool
    rows: int = 0
    declarations: int = 0
    recorded: int = 0
    lines_recorded: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[RowProblem] = field(default_factory=list)

    @property
    def refused_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def landed(self) -> bool:
        """True when what was recorded stays: no error, or errors allowed to be skipped."""
        return not (self.all_or_nothing and self.errors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "all_or_nothing": self.all_or_nothing,
            "landed": self.landed,
            "rows": self.rows,
            "declarations": self.declarations,
            "recorded": self.recorded if self.landed else 0,
            "lines_recorded": self.lines_recorded if self.landed else 0,
            "outcomes": {k: v for k, v in sorted(self.outcomes.items())} if self.landed else {},
            "refused_declarations": self.declarations - self.recorded,
            "refused_rows": self.refused_rows,
            "errors": [e.to_dict() for e in sorted(self.errors, key=lambda e: (e.row, e.field))],
        }


class ImportRefused(DomainError):
    """All-or-nothing import with refused rows: nothing of the file is recorded."""

    http_status = 422
    default_code = "customs.import_refused"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            f"{report.source}: {report.refused_rows} row(s) refused; with all-or-nothing "
            "nothing was imported",
            errors=len(report.errors),
        )
        self.report = report


CHUNK = 1000


def import_declarations(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    source: str,
    parsed: Iterable[ParsedDeclaration],
    all_or_nothing: bool = False,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> ImportReport:
    """File every declaration of the file; report each refused row.

    ``progress`` is called with the number of rows done after each chunk.
    """
    ensure_officer(actor, action="import declarations")
    report = ImportReport(source=source, all_or_nothing=all_or_nothing)
    control_list = load_control_list()
    today = authority_date(clock.now())
    pending: list[tuple[ParsedDeclaration, DeclarationDraft]] = []
    rows_pending = 0
    for declaration in parsed:
        report.declarations += 1
        report.rows += len(declaration.rows)
        rows_pending += len(declaration.rows)
        problems = list(declaration.problems)
        if not problems and declaration.data is not None:
            try:
                draft = validate_declaration(
                    declaration.data,
                    today=today,
                    max_kg=settings.max_quantity_kg,
                    control_list=control_list,
                )
            except InvalidDeclaration as exc:
                problems = _row_problems(declaration, exc.problems)
            else:
                pending.append((declaration, draft))
        report.errors.extend(problems)
        if len(pending) >= chunk:
            _file_chunk(session, actor, clock, control_list, pending, report)
            pending = []
        if progress is not None and (not pending or rows_pending >= chunk):
            progress(rows_pending)
            rows_pending = 0
    _file_chunk(session, actor, clock, control_list, pending, report)
    if progress is not None and rows_pending:
        progress(rows_pending)
    report.errors.sort(key=lambda e: e.row)  # chunks report after the rows validated meanwhile
    if all_or_nothing and report.errors:
        raise ImportRefused(report)
    return report


def _file_chunk(
    session: Session,
    actor: Actor,
    clock: Clock,
    control_list: ControlList,
    pending: list[tuple[ParsedDeclaration, DeclarationDraft]],
    report: ImportReport,
) -> None:
    if not pending:
        return
    outcomes = clearing.file_batch(
        session,
        actor=actor,
        clock=clock,
        control_list=control_list,
        drafts=[draft for _, draft in pending],
        audit_each=False,
        batch_event={"source": report.source, "chunk_from_row": pending[0][0].rows[0]},
    )
    for (declaration, draft), outcome in zip(pending, outcomes, strict=True):
        if isinstance(outcome, clearing.NotFiled):
            report.errors.extend(_row_problems(declaration, outcome.problems))
            continue
        report.recorded += 1
        report.lines_recorded += len(draft.lines)
        report.outcomes[outcome.status] += 1


def _row_problems(declaration: ParsedDeclaration, problems: Iterable[Problem]) -> list[RowProblem]:
    return [
        RowProblem(
            declaration.row_of_line(p.line_no),
            _column(p.field),
            p.code,
            p.message,
            declaration.number,
        )
        for p in problems
    ]


def _column(field_name: str) -> str:
    """A declaration field as the file's column (``consignee.name`` is ``consignee_name``)."""
    return field_name.replace(".", "_")
