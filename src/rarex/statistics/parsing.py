"""Read and validate the published-statistics CSV files before anything is written (pure).

Three layouts are recognised by their header row:

* observations: ``period,series,partner,basis,value,unit,source`` (+ optional ``release``,
  the publication date ``YYYY-MM-DD`` that orders vintages);
* sources: ``id,title,url`` (the citations);
* reported changes: ``period,series,partner,measure,value,source`` (a percentage as a
  source printed it: ``mom_pct``, ``yoy_pct`` or ``ytd_yoy_pct``).

Series must be declared, in their declared unit (``series_definitions``). A file is accepted
whole or refused whole: every problem is collected with its line and field, and the refusal
names the first and counts the rest. What needs the database (known sources, release dates of
revisions) the importer checks after this, with the same refusal.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass

from rarex.errors import InvalidInput
from rarex.statistics.rows import (
    MAX_PROBLEMS,
    OBSERVATION_COLUMNS,
    OPTIONAL_OBSERVATION_COLUMNS,
    REPORTED_COLUMNS,
    SOURCE_COLUMNS,
    ObservationRow,
    Problem,
    ReportedRow,
    RowReader,
    SourceRow,
    parse_observations,
    parse_reported,
    parse_sources,
)
from rarex.statistics.series_definitions import SeriesDefinition


class ImportRefused(InvalidInput):
    """The file was refused as a whole; ``problems`` lists every line and field at fault."""

    default_code = "stats.malformed_file"


@dataclass(frozen=True)
class ParsedFile:
    filename: str
    sha256: str
    kind: str  # observations | sources | reported
    observations: tuple[ObservationRow, ...] = ()
    sources: tuple[SourceRow, ...] = ()
    reported: tuple[ReportedRow, ...] = ()
    # Rows accepted after a repair the file's author should know about.
    notes: tuple[Problem, ...] = ()

    @property
    def rows(self) -> int:
        return len(self.observations) + len(self.sources) + len(self.reported)


def refusal(filename: str, problems: list[Problem]) -> ImportRefused:
    """One refusal for a whole file: the first problem in the message, every one (up to
    ``MAX_PROBLEMS``) in ``details["problems"]``."""
    first = problems[0]
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    return ImportRefused(
        first.text(filename) + more,
        code=first.code,
        file=filename,
        problems=[p.to_dict() for p in problems[:MAX_PROBLEMS]],
    )


def _decode(filename: str, content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise refusal(
            filename,
            [
                Problem(
                    line,
                    None,
                    "stats.bad_encoding",
                    f"not UTF-8 text (byte 0x{content[exc.start]:02x} at offset {exc.start})",
                )
            ],
        ) from None


def _layout(filename: str, header: list[str]) -> str:
    names = [h.strip() for h in header]
    seen = set(names)
    if len(seen) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise refusal(
            filename,
            [Problem(1, None, "stats.bad_header", f"repeated column(s): {', '.join(dupes)}")],
        )
    if seen == set(SOURCE_COLUMNS):
        return "sources"
    if "measure" in seen:
        expected: tuple[str, ...] = REPORTED_COLUMNS
        optional: tuple[str, ...] = ()
        kind = "reported"
    else:
        expected, optional, kind = OBSERVATION_COLUMNS, OPTIONAL_OBSERVATION_COLUMNS, "observations"
    missing = [c for c in expected if c not in seen]
    unknown = [c for c in names if c not in expected and c not in optional]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise refusal(
            filename,
            [
                Problem(
                    1,
                    None,
                    "stats.bad_header",
                    "; ".join(parts) + f" (expected {','.join(expected)})",
                )
            ],
        )
    return kind


def _fit_source_row(record: list[str]) -> tuple[list[str], str] | None:
    """Press URLs carry commas; an unquoted one splits the last column. The address is the
    field that starts with http(s) and everything after it, so the row can be rejoined."""
    for i in range(2, len(record)):
        if record[i].strip().startswith(("http://", "https://")):
            fixed = [record[0], ",".join(record[1:i]), ",".join(record[i:])]
            return fixed, "unquoted comma(s) rejoined into the title or URL"
    return None


def _rows(filename: str, text: str) -> tuple[str, list[tuple[int, dict[str, str]]], list[Problem]]:
    """The layout, the data rows by line number, and notes on rows that needed rejoining."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[Problem] = []
    notes: list[Problem] = []
    try:
        first = next(reader, None)
        if first is None:
            raise refusal(filename, [Problem(None, None, "stats.empty_file", "the file is empty")])
        header = [h.strip() for h in first]
        kind = _layout(filename, header)
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) > len(header) and kind == "sources":
                fitted = _fit_source_row(record)
                if fitted is not None:
                    record = fitted[0]
                    notes.append(Problem(line, None, "stats.row_rejoined", fitted[1]))
            if len(record) != len(header):
                problems.append(
                    Problem(
                        line,
                        None,
                        "stats.bad_row",
                        f"{len(record)} field(s) where the header has {len(header)}",
                    )
                )
                continue
            rows.append((line, {h: cell.strip() for h, cell in zip(header, record, strict=True)}))
    except csv.Error as exc:
        raise refusal(
            filename, [Problem(reader.line_num, None, "stats.bad_csv", f"not valid CSV: {exc}")]
        ) from None
    if problems:
        raise refusal(filename, problems)
    return kind, rows, notes


def parse_file(
    filename: str, content: bytes, *, declared: Mapping[str, SeriesDefinition] | None = None
) -> ParsedFile:
    """Validate a whole file; raise :class:`ImportRefused` naming every line and field at fault.
    ``declared`` defaults to the series definitions the package ships."""
    digest = hashlib.sha256(content).hexdigest()
    kind, rows, notes = _rows(filename, _decode(filename, content))
    if not rows:
        raise refusal(filename, [Problem(None, None, "stats.empty_file", "no data rows")])
    reader = RowReader(declared)
    sources: list[SourceRow] = []
    reported: list[ReportedRow] = []
    observations: list[ObservationRow] = []
    if kind == "sources":
        sources = parse_sources(reader, rows)
    elif kind == "reported":
        reported = parse_reported(reader, rows)
    else:
        observations = parse_observations(reader, rows)
    if reader.problems:
        raise refusal(filename, reader.problems)
    return ParsedFile(
        filename,
        digest,
        kind,
        observations=tuple(observations),
        sources=tuple(sources),
        reported=tuple(reported),
        notes=tuple(notes),
    )
