"""Bulk import of declarations from a CSV or XLSX file, inside the caller's unit of work.

Declarations are validated one by one and filed by the clearing engine in chunks
(``CHUNK`` declarations: one lock of the cited licenses, one write per table and one audit
event naming every declaration of the chunk), so the cost per line stays flat however long
the file is. The engine checks a chunk completely before writing anything, so a declaration
that cannot be filed leaves no trace while the others stand, without a savepoint each.
Every refused row is reported with its row number, field, code and message.

Each chunk is filed in one savepoint. A write race (a number filed by a concurrent
transaction after the engine checked it: ``ConcurrentChange``) rolls that savepoint back and
the chunk is filed again, a few times at most: the engine asks again which numbers are
known, so the raced declaration alone is refused as a duplicate (a row error) and the rest of
its chunk lands.

Without ``all_or_nothing`` the caller may pass ``commit_chunk``, called after each chunk is
filed, to commit it and open the next transaction as a writer (services never commit; the
CLI and the API do). A long file then holds the audit chain's head and the cited licenses
only for one chunk at a time, not for the whole file. The price: when a later chunk fails
with an unexpected error, the chunks committed before it stay recorded. Running the same
file again is safe and finishes the job: declaration numbers are idempotency keys, so the
declarations already filed with the same content are counted as ``replayed`` (nothing is
done again), one filed with other content is refused as a duplicate, and the rest are filed.

With ``all_or_nothing`` nothing is committed along the way: any refused row refuses the whole
file, ``ImportRefused`` is raised after every row has been checked (so the report is
complete) and the caller's unit of work rolls everything back.
"""

from __future__ import annotations

import logging
import uuid
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
from rarex.customs.tabular import Cancelled, ImportCancelled, ParsedDeclaration, RowProblem
from rarex.customs.validation import (
    DeclarationDraft,
    InvalidDeclaration,
    Problem,
    validate_declaration,
)
from rarex.errors import ConcurrentChange, DomainError, InvalidInput

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    source: str
    all_or_nothing: bool
    rows: int = 0
    declarations: int = 0
    recorded: int = 0
    # Declarations filed before with the same content: already there, nothing done again.
    replayed: int = 0
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
            "replayed": self.replayed,
            "lines_recorded": self.lines_recorded if self.landed else 0,
            "outcomes": {k: v for k, v in sorted(self.outcomes.items())} if self.landed else {},
            "refused_declarations": self.declarations - self.recorded - self.replayed,
            "refused_rows": self.refused_rows,
            "errors": [e.to_dict() for e in sorted(self.errors, key=lambda e: (e.row, e.field))],
        }


class ImportRefused(InvalidInput):
    """All-or-nothing import with refused rows: nothing of the file is recorded."""

    default_code = "customs.import_refused"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            f"{report.source}: {report.refused_rows} row(s) refused; with all-or-nothing "
            "nothing was imported",
            errors=len(report.errors),
        )
        self.report = report


CHUNK = 1000
# Filings of one chunk after a write race: each retry sees the raced numbers as filed, so a
# second race on the same chunk needs yet another concurrent filing of one of its numbers.
RACE_RETRIES = 3


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
    commit_chunk: Callable[[], None] | None = None,
    cancelled: Cancelled | None = None,
) -> ImportReport:
    """File every declaration of the file; report each refused row.

    ``progress`` is called with the number of rows done after each chunk. ``commit_chunk``
    (ignored with ``all_or_nothing``) is called after each chunk is filed: it commits, and
    what it committed stays recorded even if a later chunk fails (see the module's notes).
    ``cancelled`` is asked before each chunk: when it says so, ``ImportCancelled`` stops the
    import (the chunks committed before stay).
    """
    ensure_officer(actor, action="import declarations")
    report = ImportReport(source=source, all_or_nothing=all_or_nothing)
    filer = _ChunkFiler(
        session=session,
        actor=actor,
        clock=clock,
        control_list=load_control_list(),
        report=report,
        import_id=uuid.uuid4().hex,
        chunk_done=None if all_or_nothing else commit_chunk,
    )
    today = authority_date(clock.now())
    pending: list[tuple[ParsedDeclaration, DeclarationDraft]] = []
    rows_pending = 0
    try:
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
                        control_list=filer.control_list,
                    )
                except InvalidDeclaration as exc:
                    problems = _row_problems(declaration, exc.problems)
                else:
                    pending.append((declaration, draft))
            report.errors.extend(problems)
            if len(pending) >= chunk:
                if cancelled is not None and cancelled():
                    raise ImportCancelled(f"{source}: the import was cancelled")
                filer.file(pending)
                pending = []
            if progress is not None and (not pending or rows_pending >= chunk):
                progress(rows_pending)
                rows_pending = 0
        if pending and cancelled is not None and cancelled():
            raise ImportCancelled(f"{source}: the import was cancelled")
        filer.file(pending)
    except Exception as exc:
        filer.interrupted(exc)
        raise
    if progress is not None and rows_pending:
        progress(rows_pending)
    report.errors.sort(key=lambda e: e.row)  # chunks report after the rows validated meanwhile
    if all_or_nothing and report.errors:
        raise ImportRefused(report)
    return report


@dataclass
class _ChunkFiler:
    """Files one chunk at a time, each in a savepoint, and commits it when allowed to."""

    session: Session
    actor: Actor
    clock: Clock
    control_list: ControlList
    report: ImportReport
    import_id: str
    # The caller's checkpoint after each chunk (it commits; this module never does).
    chunk_done: Callable[[], None] | None
    chunks: int = 0
    committed: int = 0

    def file(self, pending: list[tuple[ParsedDeclaration, DeclarationDraft]]) -> None:
        if not pending:
            return
        self.chunks += 1
        outcomes = self._file_with_retries([draft for _, draft in pending], pending[0][0])
        for (declaration, draft), outcome in zip(pending, outcomes, strict=True):
            if isinstance(outcome, clearing.NotFiled):
                self.report.errors.extend(_row_problems(declaration, outcome.problems))
                continue
            if isinstance(outcome, clearing.AlreadyFiled):
                self.report.replayed += 1
                continue
            self.report.recorded += 1
            self.report.lines_recorded += len(draft.lines)
            self.report.outcomes[outcome.status] += 1
        if self.chunk_done is not None:
            self.chunk_done()
            self.committed = self.report.recorded

    def _file_with_retries(
        self, drafts: list[DeclarationDraft], first: ParsedDeclaration
    ) -> list[clearing.Outcome]:
        # The audit subject column holds 80 characters: "import-" + 32 hex + "-" + the chunk's
        # index.
        subject = f"import-{self.import_id}-{self.chunks}"
        event = {
            "source": self.report.source,
            "import_id": self.import_id,
            "chunk": self.chunks,
            "chunk_from_row": first.rows[0],
        }
        attempt = 0
        while True:
            try:
                with self.session.begin_nested():
                    return clearing.file_batch(
                        self.session,
                        actor=self.actor,
                        clock=self.clock,
                        control_list=self.control_list,
                        drafts=drafts,
                        audit_each=False,
                        batch_event=event,
                        batch_subject=subject,
                    )
            except ConcurrentChange as exc:
                if attempt >= RACE_RETRIES:
                    raise
                attempt += 1
                log.info(
                    "customs.import_chunk_raced",
                    extra={
                        "import_id": self.import_id,
                        "chunk": self.chunks,
                        "attempts": attempt,
                        "code": exc.code,
                    },
                )

    def interrupted(self, exc: Exception) -> None:
        """A failure after some chunks were committed: they stay, and the error says so."""
        if not self.committed:
            return
        log.warning(
            "customs.import_interrupted",
            extra={
                "import_id": self.import_id,
                "source": self.report.source,
                "committed_declarations": self.committed,
            },
        )
        if isinstance(exc, DomainError):
            exc.details.setdefault("committed_declarations", self.committed)


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
