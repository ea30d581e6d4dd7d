"""Reading declaration files (CSV and XLSX) into declarations, row by row. Pure.

One row is one declaration line; the header fields repeat on every row of a declaration, and
a declaration's rows are consecutive. Rows are numbered as a spreadsheet shows them (the
header is row 1), so an error report points at the cell to fix. A file that cannot be read
at all raises ``MalformedFile``; a row that cannot be understood becomes a ``RowProblem`` and
only its declaration is refused.

A file is read within limits (``ImportLimits``, from the settings): an XLSX workbook is
checked by ``rarex.workbooks`` before its parser sees it, and ``check_file`` reads the whole
file once, before the caller takes any lock, within a row and a time budget; the file is
read again as its declarations are filed.
"""

from __future__ import annotations

import csv
import json
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import ParseError

from pydantic import ValidationError

from rarex.config import Settings
from rarex.customs.schemas import MAX_LINES, DeclarationIn
from rarex.errors import InvalidInput, Unavailable
from rarex.workbooks import MalformedFile, WorkbookLimits, check_workbook

HEADER_COLUMNS = (
    "number",
    "exporter_uscc",
    "license_number",
    "destination",
    "consignee_name",
    "consignee_country",
    "port",
    "declared_date",
    "clearance_date",
)
LINE_COLUMNS = (
    "line_no",
    "hs_code",
    "control_code",
    "description",
    "net_kg",
    "fob_value",
    "currency",
)
COLUMNS = HEADER_COLUMNS + LINE_COLUMNS
REQUIRED = frozenset(
    {
        "number",
        "exporter_uscc",
        "destination",
        "consignee_name",
        "consignee_country",
        "port",
        "hs_code",
        "net_kg",
        "fob_value",
    }
)
FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


# ``MalformedFile`` (``import.malformed_file``): the file cannot be read as a declaration
# table. ``check_file`` finds it before anything is imported, wherever it is in the file.
__all__ = ["MalformedFile"]


class ImportLimitExceeded(InvalidInput):
    """The file is readable but larger, or slower to read, than an import may be."""

    default_code = "import.limit_exceeded"


class ImportCancelled(Unavailable):
    """Whoever asked for the import is gone (the client closed its connection, the server is
    stopping): the work stops at the next row or chunk, what was committed stays, and the file
    may be sent again (the declarations filed are then replays)."""

    default_code = "import.cancelled"


Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class ImportLimits:
    workbook: WorkbookLimits
    max_rows: int
    max_seconds: float

    @classmethod
    def of(cls, settings: Settings) -> ImportLimits:
        return cls(
            workbook=WorkbookLimits(
                max_part_bytes=settings.import_max_xlsx_part_bytes,
                max_total_bytes=settings.import_max_xlsx_total_bytes,
                max_text_chars=settings.import_max_cell_chars,
                max_shared_strings=settings.import_max_xlsx_shared_strings,
            ),
            max_rows=settings.import_max_rows,
            max_seconds=settings.import_max_seconds,
        )


@dataclass(frozen=True)
class FileCheck:
    rows: int
    declarations: int
    # An XLSX file's rows as read, with their numbers, one JSON array a line: the filing
    # reads them again from here rather than parse the workbook twice (openpyxl's parse,
    # 0.2 ms a row, was most of an XLSX import's reading).
    spooled: Path | None = None


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    field: str
    code: str
    message: str
    declaration: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "declaration": self.declaration,
        }


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    cells: dict[str, str]


@dataclass
class ParsedDeclaration:
    """One declaration's rows: its input when they make one, else the problems found."""

    number: str
    rows: list[int]
    data: DeclarationIn | None = None
    problems: list[RowProblem] = field(default_factory=list)

    def row_of_line(self, line_no: int | None) -> int:
        """The file row of a declaration line (1-based), or the first row for the header."""
        if line_no is None or not 1 <= line_no <= len(self.rows):
            return self.rows[0]
        return self.rows[line_no - 1]


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise MalformedFile(
            f"{path.name}: unsupported file type {path.suffix or '(none)'}; use .csv or .xlsx",
            code="customs.unsupported_format",
        )
    return fmt


def read_rows(path: Path, limits: ImportLimits) -> Iterator[Row]:
    """The data rows of a CSV (UTF-8, optional BOM) or XLSX (first sheet) file."""
    if file_format(path) == "csv":
        return _csv_rows(path)
    check_workbook(path, limits.workbook)
    return _xlsx_rows(path)


_MAX_COLUMNS = 4 * len(COLUMNS)
# How often the row loop looks at the clock and asks whether the import is still wanted.
_CHECK_EVERY = 256


def check_file(
    path: Path,
    limits: ImportLimits,
    *,
    cancelled: Cancelled | None = None,
    spool: Path | None = None,
) -> FileCheck:
    """Read the whole file once, building every declaration, within the row and time budget
    (counted row by row, however the rows group into declarations): a file that cannot be
    read fails here, before the caller takes a lock or writes a row. With ``spool`` (a path
    the caller removes), an XLSX file's rows are kept there for ``checked_rows``."""
    budgeted = _BudgetedRows(read_rows(path, limits), limits, path.name, cancelled)
    if spool is None or file_format(path) != "xlsx":
        count = sum(1 for _ in declarations(budgeted))
        return FileCheck(rows=budgeted.counted, declarations=count)
    with spool.open("w", encoding="utf-8") as out:
        count = sum(1 for _ in declarations(_kept(budgeted, out)))
    return FileCheck(rows=budgeted.counted, declarations=count, spooled=spool)


def checked_rows(path: Path, checked: FileCheck, limits: ImportLimits) -> Iterator[Row]:
    """The rows of a checked file, read again: from its spool when it has one."""
    if checked.spooled is None:
        return read_rows(path, limits)
    return _spooled_rows(checked.spooled)


def _kept(rows: Iterable[Row], out: Any) -> Iterator[Row]:
    for row in rows:
        out.write(json.dumps([row.number, row.cells], ensure_ascii=False) + "\n")
        yield row


def _spooled_rows(spool: Path) -> Iterator[Row]:
    with spool.open(encoding="utf-8") as lines:
        for line in lines:
            number, cells = json.loads(line)
            yield Row(number, cells)


class _BudgetedRows:
    """The rows, stopped past the row budget or the time budget, or once cancelled."""

    def __init__(
        self, rows: Iterator[Row], limits: ImportLimits, source: str, cancelled: Cancelled | None
    ) -> None:
        self.rows, self.limits, self.source, self.cancelled = rows, limits, source, cancelled
        self.counted = 0
        self.started = time.monotonic()

    def __iter__(self) -> Iterator[Row]:
        return self

    def __next__(self) -> Row:
        row = next(self.rows)
        self.counted += 1
        limits = self.limits
        if self.counted > limits.max_rows:
            raise ImportLimitExceeded(
                f"{self.source} has more than {limits.max_rows} rows; split it, or raise "
                "RAREX_IMPORT_MAX_ROWS",
                code="import.too_many_rows",
                limit=limits.max_rows,
            )
        if self.counted % _CHECK_EVERY == 0:
            if time.monotonic() - self.started > limits.max_seconds:
                raise ImportLimitExceeded(
                    f"{self.source} took more than {limits.max_seconds:g} s to read (stopped "
                    f"at row {row.number}); split it, or raise RAREX_IMPORT_MAX_SECONDS",
                    code="import.too_slow",
                    limit=limits.max_seconds,
                )
            if self.cancelled is not None and self.cancelled():
                raise ImportCancelled(f"{self.source}: the import was cancelled")
        return row


def declarations(rows: Iterable[Row]) -> Iterator[ParsedDeclaration]:
    """Group consecutive rows by declaration number and build each declaration.

    A number seen again after other rows is refused as a duplicate: a declaration is filed
    once, and its lines are listed together.
    """
    seen: dict[str, int] = {}
    current: list[Row] = []
    beyond = 0  # rows of the current declaration past its last possible line, not kept
    for row in rows:
        number = "".join(row.cells.get("number", "").split()).upper()
        if current and number != current[0].cells["_number"]:
            yield _build(current, beyond)
            current, beyond = [], 0
        if not current and number and number in seen:
            yield ParsedDeclaration(
                number=number,
                rows=[row.number],
                problems=[
                    RowProblem(
                        row.number,
                        "number",
                        "customs.duplicate_declaration",
                        f"declaration {number} already appeared from row {seen[number]}: a "
                        "declaration is filed once, with its rows together",
                        number,
                    )
                ],
            )
            continue
        if not current:
            seen.setdefault(number, row.number)
        if len(current) > MAX_LINES:  # a file of one endless declaration is not held whole
            beyond += 1
            continue
        current.append(Row(row.number, {**row.cells, "_number": number}))
    if current:
        yield _build(current, beyond)


def _build(rows: list[Row], beyond: int = 0) -> ParsedDeclaration:
    number = rows[0].cells["_number"]
    parsed = ParsedDeclaration(number=number, rows=[r.number for r in rows])
    problems = parsed.problems
    if beyond:
        problems.append(
            RowProblem(
                rows[0].number,
                "number",
                "customs.too_many_lines",
                f"declaration {number} has {len(rows) + beyond} rows from row "
                f"{rows[0].number}; a declaration has at most {MAX_LINES} lines",
                number or None,
            )
        )
        return parsed

    def problem(row: Row, column: str, code: str, message: str) -> None:
        problems.append(RowProblem(row.number, column, code, message, number or None))

    first = rows[0]
    for row in rows:
        if row.cells.get("_malformed"):
            problem(row, "(row)", "customs.malformed_row", row.cells["_malformed"])
        for column in REQUIRED:
            if not row.cells.get(column, "").strip():
                problem(row, column, "customs.missing_value", f"{column} is empty")
    for row in rows[1:]:
        for column in HEADER_COLUMNS:
            mine, theirs = row.cells.get(column, "").strip(), first.cells.get(column, "").strip()
            if mine and mine != theirs:
                problem(
                    row,
                    column,
                    "customs.inconsistent_declaration",
                    f"{column} is {mine!r} here but {theirs!r} on row {first.number}, the "
                    f"first row of declaration {number}",
                )
    ordered = _ordered_lines(rows, problem)
    dates = {
        column: _date(first, column, problem) for column in ("declared_date", "clearance_date")
    }
    if problems:
        return parsed
    parsed.rows = [r.number for r in ordered]
    cells = first.cells
    body = {
        "number": number,
        "exporter_uscc": cells.get("exporter_uscc", ""),
        "license_number": cells.get("license_number") or None,
        "destination": cells.get("destination", ""),
        "consignee": {
            "name": cells.get("consignee_name", ""),
            "country": cells.get("consignee_country", ""),
        },
        "port": cells.get("port", ""),
        "declared_date": dates["declared_date"],
        "clearance_date": dates["clearance_date"],
        "lines": [
            {
                "hs_code": r.cells.get("hs_code", ""),
                "control_code": r.cells.get("control_code") or None,
                "description": r.cells.get("description", ""),
                "net_kg": r.cells.get("net_kg", ""),
                "fob_value": r.cells.get("fob_value", ""),
                "currency": r.cells.get("currency") or "USD",
            }
            for r in ordered
        ],
    }
    try:
        parsed.data = DeclarationIn.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error["loc"]
            index = loc[1] if len(loc) > 1 and loc[0] == "lines" else None
            row = ordered[index] if isinstance(index, int) and index < len(ordered) else first
            column = str(loc[-1]) if loc else "(row)"
            problem(row, column, "input.invalid", f"{column}: {error['msg']}")
    return parsed


def _ordered_lines(rows: list[Row], problem: Any) -> list[Row]:
    """Rows in line-number order when the file numbers its lines, else in file order."""
    numbered: dict[int, Row] = {}
    for row in rows:
        raw = row.cells.get("line_no", "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) < 1:
            problem(row, "line_no", "customs.invalid_line_no", f"line_no {raw!r} is not 1, 2, 3…")
            continue
        if int(raw) in numbered:
            problem(
                row,
                "line_no",
                "customs.duplicate_line",
                f"line {raw} of this declaration is already on row {numbered[int(raw)].number}",
            )
            continue
        numbered[int(raw)] = row
    if not numbered:
        return rows
    if len(numbered) != len(rows):
        unnumbered = [r for r in rows if not r.cells.get("line_no", "").strip()]
        for row in unnumbered:
            problem(
                row,
                "line_no",
                "customs.missing_value",
                "other rows of this declaration number their lines",
            )
        return rows
    return [numbered[n] for n in sorted(numbered)]


def _date(row: Row, column: str, problem: Any) -> date | None:
    raw = row.cells.get(column, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10] if "T" in raw or " " in raw else raw)
    except ValueError:
        problem(row, column, "customs.invalid_date", f"{column} {raw!r} is not a date YYYY-MM-DD")
        return None


def _header(raw: list[str], source: str) -> list[str]:
    names = [" ".join(str(h or "").split()).lower().replace(" ", "_") for h in raw]
    unknown = [n for n in names if n and n not in COLUMNS]
    if unknown:
        raise MalformedFile(
            f"{source}: unknown column(s) {', '.join(unknown)}; known: {', '.join(COLUMNS)}",
            code="customs.unknown_column",
        )
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise MalformedFile(
            f"{source}: column(s) {', '.join(repeated)} appear more than once",
            code="customs.unknown_column",
        )
    missing = sorted(REQUIRED - set(names))
    if missing:
        raise MalformedFile(
            f"{source}: missing column(s) {', '.join(missing)}", code="customs.missing_column"
        )
    return names


def _csv_rows(path: Path) -> Iterator[Row]:
    """Streamed, so a file of a million lines is never held in memory at once."""
    handle = path.open("rb")
    try:
        lines = _TextLines(handle, path.name)
        reader = csv.reader(lines, strict=True)
        header_row = _next_csv(reader, lines, path.name)
        if header_row is None:
            raise MalformedFile(f"{path.name} is empty: it needs a header row")
        names = _header(header_row, path.name)
    except BaseException:
        handle.close()
        raise
    return _csv_data(handle, reader, lines, names, path.name)


_LINE_END = re.compile(rb"\r\n|\r|\n")
_MAX_LINE = 1 << 20


class _TextLines:
    """A binary file's lines as UTF-8 text (a BOM first is dropped), decoded one line at a
    time so that a byte that is not UTF-8 is reported on its own line, not on the line where
    a block of text began. Lines end as text files end them anywhere: CRLF, LF, or a lone CR
    (Excel for Mac's CSV)."""

    def __init__(self, handle: BinaryIO, source: str) -> None:
        self.handle = handle
        self.source = source
        self.line = 0
        self.buffer = b""
        self.pos = 0
        self.ended = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._raw_line()
        self.line += 1
        try:
            return raw.decode("utf-8-sig" if self.line == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedFile(
                f"{self.source} line {self.line} is not UTF-8 text (byte 0x{raw[exc.start]:02x} "
                f"at column {exc.start + 1}): save the file as CSV UTF-8"
            ) from None

    def _raw_line(self) -> bytes:
        while True:
            end = _LINE_END.search(self.buffer, self.pos)
            # A CR last in the buffer may be the first half of a CRLF: read on to know.
            if end is not None and not (end.end() == len(self.buffer) and end.group() == b"\r"
                                        and not self.ended):  # fmt: skip
                raw, self.pos = self.buffer[self.pos : end.end()], end.end()
                return raw
            if self.ended:
                if self.pos >= len(self.buffer):
                    raise StopIteration
                raw, self.pos = self.buffer[self.pos :], len(self.buffer)
                return raw
            if len(self.buffer) - self.pos > _MAX_LINE:
                raise MalformedFile(
                    f"{self.source} line {self.line + 1} runs past {_MAX_LINE} bytes without "
                    "ending: not a table of declarations"
                )
            block = self.handle.read(1 << 16)
            self.buffer, self.pos = self.buffer[self.pos :] + block, 0
            self.ended = not block


def _next_csv(reader: Any, lines: _TextLines, source: str) -> list[str] | None:
    try:
        values: list[str] | None = next(reader, None)
    except csv.Error as exc:
        raise MalformedFile(f"{source} line {lines.line}: {exc}") from None
    if values is not None and any("\x00" in v for v in values):
        raise MalformedFile(f"{source} line {lines.line} contains NUL bytes: not CSV text")
    return values


def _csv_data(
    handle: Any, reader: Any, lines: _TextLines, names: list[str], source: str
) -> Iterator[Row]:
    """Rows numbered as a spreadsheet shows the file: by record, the header row 1 (a quoted
    field may hold line breaks, so a record may span lines)."""
    with handle:
        number = 1
        while (values := _next_csv(reader, lines, source)) is not None:
            number += 1
            if any(v.strip() for v in values):
                yield _row(number, names, values)


def _row(row_number: int, names: list[str], values: list[str]) -> Row:
    cells = {n: v.strip() for n, v in zip(names, values, strict=False) if n}
    if len(values) != len(names):
        cells["_malformed"] = f"{len(values)} fields where the header has {len(names)}"
    return Row(row_number, cells)


def _xlsx_rows(path: Path) -> Iterator[Row]:
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise MalformedFile(f"{path.name} has no worksheet")
        # Only the columns a declaration can have (and room for a few unknown ones to refuse):
        # openpyxl pads a row out to its last cell, 16,384 at most.
        rows = _numbered(sheet.iter_rows(values_only=True, max_col=_MAX_COLUMNS), path.name)
        header_row = next(rows, None)
        if header_row is None:
            raise MalformedFile(f"{path.name} is empty: it needs a header row")
        names = _header([_cell(v) for v in header_row[1]], path.name)
    except BaseException:
        workbook.close()
        raise
    return _xlsx_data(workbook, rows, names)


def _xlsx_data(
    workbook: Any, rows: Iterator[tuple[int, tuple[Any, ...]]], names: list[str]
) -> Iterator[Row]:
    try:
        for number, values in rows:
            cells = [_cell(v) for v in values]
            if not any(c for c in cells):
                continue
            # Trailing empty cells are formatting, not extra fields.
            while len(cells) > len(names) and not cells[-1]:
                cells.pop()
            cells += [""] * (len(names) - len(cells))
            yield _row(number, names, cells)
    finally:
        workbook.close()


def _numbered(
    rows: Iterator[tuple[Any, ...]], source: str
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The sheet's rows with their numbers (the header is row 1). The sheet's XML is parsed as
    it is read, so XML cut short or broken halfway is found here, and named by its row."""
    number = 1
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except (ParseError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError) as exc:
            raise MalformedFile(
                f"{source}: the sheet cannot be read from row {number} on ({exc})"
            ) from None
        yield number, values
        number += 1


def _open_workbook(path: Path) -> Any:
    # Imported on use: the CLI starts faster, and openpyxl ships no type information.
    from openpyxl import load_workbook  # type: ignore[import-untyped]
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (
        zipfile.BadZipFile, zlib.error, ParseError, InvalidFileException, KeyError, OSError,
        ValueError, TypeError, EOFError,
    ) as exc:  # fmt: skip
        raise MalformedFile(f"{path.name} is not a readable XLSX workbook ({exc})") from None
    return workbook


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        # A spreadsheet keeps numbers as binary floats: the shortest repr is the figure typed.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()
