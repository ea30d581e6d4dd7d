"""Bulk import of declarations from a CSV or XLSX file, inside the caller's unit of work.

Each declaration is filed under its own savepoint, exactly as a single filing would be, so
one that fails leaves no trace while the others stand. Every refused row is reported with
its row number, field, code and message. With ``all_or_nothing`` any refused row refuses the
whole file: ``ImportRefused`` is raised after every row has been checked (so the report is
complete) and the caller's unit of work rolls everything back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor
from rarex.clock import Clock
from rarex.config import Settings
from rarex.customs import filing
from rarex.customs.access import ensure_officer
from rarex.customs.tabular import ParsedDeclaration, RowProblem
from rarex.customs.validation import InvalidDeclaration
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
) -> ImportReport:
    """File every declaration of the file; report each refused row.

    ``progress`` is called with the number of rows done after each declaration.
    """
    ensure_officer(actor, action="import declarations")
    report = ImportReport(source=source, all_or_nothing=all_or_nothing)
    for declaration in parsed:
        report.declarations += 1
        report.rows += len(declaration.rows)
        problems = list(declaration.problems)
        if not problems and declaration.data is not None:
            problems = _file(session, actor, clock, settings, declaration, report)
        report.errors.extend(problems)
        if progress is not None:
            progress(len(declaration.rows))
    if all_or_nothing and report.errors:
        raise ImportRefused(report)
    return report


def _file(
    session: Session,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    declaration: ParsedDeclaration,
    report: ImportReport,
) -> list[RowProblem]:
    assert declaration.data is not None
    number = declaration.number
    try:
        with session.begin_nested():
            filed = filing.file_declaration(
                session, actor=actor, clock=clock, settings=settings, data=declaration.data
            )
    except InvalidDeclaration as exc:
        return [
            RowProblem(
                declaration.row_of_line(p.line_no), _column(p.field), p.code, p.message, number
            )
            for p in exc.problems
        ]
    except DomainError as exc:
        return [RowProblem(declaration.rows[0], "number", exc.code, exc.message, number)]
    report.recorded += 1
    report.lines_recorded += len(declaration.data.lines)
    report.outcomes[filed.status] += 1
    return []


def _column(field_name: str) -> str:
    """A declaration field as the file's column (``consignee.name`` is ``consignee_name``)."""
    return field_name.replace(".", "_")
