"""Reading declaration files (CSV and XLSX) into declarations, row by row. Pure.

One row is one declaration line; the header fields repeat on every row of a declaration, and
a declaration's rows are consecutive. Rows are numbered as a spreadsheet shows them (the
header is row 1), so an error report points at the cell to fix. A file that cannot be read
at all raises ``MalformedFile``; a row that cannot be understood becomes a ``RowProblem`` and
only its declaration is refused.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rarex.customs.schemas import DeclarationIn
from rarex.errors import InvalidInput

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


class MalformedFile(InvalidInput):
    """The file cannot be read as a declaration table. Found in the header, before anything is
    imported; found further down (a bad byte late in a large CSV), it stops the import there:
    with all-or-nothing nothing stays, otherwise the chunks committed before it stay."""

    default_code = "customs.malformed_file"


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


def estimate_rows(path: Path) -> int | None:
    """About how many data rows the file has (for a progress bar), without parsing it."""
    try:
        if file_format(path) == "csv":
            with path.open("rb") as handle:
                blocks = iter(lambda: handle.read(1 << 20), b"")
                return max(sum(block.count(b"\n") for block in blocks) - 1, 0)
        workbook = _open_workbook(path)
        try:
            rows = workbook.worksheets[0].max_row if workbook.worksheets else None
        finally:
            workbook.close()
        return max(int(rows) - 1, 0) if rows else None
    except Exception:
        return None


def read_rows(path: Path) -> Iterator[Row]:
    """The data rows of a CSV (UTF-8, optional BOM) or XLSX (first sheet) file."""
    if file_format(path) == "csv":
        return _csv_rows(path)
    return _xlsx_rows(path)


def declarations(rows: Iterable[Row]) -> Iterator[ParsedDeclaration]:
    """Group consecutive rows by declaration number and build each declaration.

    A number seen again after other rows is refused as a duplicate: a declaration is filed
    once, and its lines are listed together.
    """
    seen: dict[str, int] = {}
    current: list[Row] = []
    for row in rows:
        number = "".join(row.cells.get("number", "").split()).upper()
        if current and number != current[0].cells["_number"]:
            yield _build(current)
            current = []
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
        current.append(Row(row.number, {**row.cells, "_number": number}))
    if current:
        yield _build(current)


def _build(rows: list[Row]) -> ParsedDeclaration:
    number = rows[0].cells["_number"]
    parsed = ParsedDeclaration(number=number, rows=[r.number for r in rows])
    problems = parsed.problems

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
    handle = path.open(encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(handle, strict=True)
        header_row = _next_csv(reader, path.name)
        if header_row is None:
            raise MalformedFile(f"{path.name} is empty: it needs a header row")
        names = _header(header_row, path.name)
    except BaseException:
        handle.close()
        raise
    return _csv_data(handle, reader, names, path.name)


def _next_csv(reader: Any, source: str) -> list[str] | None:
    try:
        values: list[str] | None = next(reader, None)
    except UnicodeDecodeError as exc:
        raise MalformedFile(
            f"{source} line {reader.line_num + 1} is not UTF-8 text (byte {exc.start} of its "
            "block): save the file as CSV UTF-8"
        ) from None
    except csv.Error as exc:
        raise MalformedFile(f"{source} line {reader.line_num}: {exc}") from None
    if values is not None and any("\x00" in v for v in values):
        raise MalformedFile(f"{source} line {reader.line_num} contains NUL bytes: not CSV text")
    return values


def _csv_data(handle: Any, reader: Any, names: list[str], source: str) -> Iterator[Row]:
    with handle:
        while (values := _next_csv(reader, source)) is not None:
            if any(v.strip() for v in values):
                yield _row(reader.line_num, names, values)


def _row(row_number: int, names: list[str], values: list[str]) -> Row:
    cells = {n: v.strip() for n, v in zip(names, values, strict=False) if n}
    if len(values) != len(names):
        cells["_malformed"] = f"{len(values)} fields where the header has {len(names)}"
    return Row(row_number, cells)


def _xlsx_rows(path: Path) -> Iterator[Row]:
    workbook = _open_workbook(path)
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        workbook.close()
        raise MalformedFile(f"{path.name} has no worksheet")
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None:
        workbook.close()
        raise MalformedFile(f"{path.name} is empty: it needs a header row")
    names = _header([_cell(v) for v in header_row], path.name)
    return _xlsx_data(workbook, rows, names)


def _xlsx_data(workbook: Any, rows: Iterator[tuple[Any, ...]], names: list[str]) -> Iterator[Row]:
    try:
        for offset, values in enumerate(rows, start=2):
            cells = [_cell(v) for v in values]
            if not any(c for c in cells):
                continue
            # Trailing empty cells are formatting, not extra fields.
            while len(cells) > len(names) and not cells[-1]:
                cells.pop()
            cells += [""] * (len(names) - len(cells))
            yield _row(offset, names, cells)
    finally:
        workbook.close()


def _open_workbook(path: Path) -> Any:
    # Imported on use: the CLI starts faster, and openpyxl ships no type information.
    from openpyxl import load_workbook  # type: ignore[import-untyped]
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise MalformedFile(f"{path.name} is not a readable XLSX workbook ({exc})") from None


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
