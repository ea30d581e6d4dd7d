"""Export a series as CSV, XLSX or SDMX-CSV 1.0 or 2.0: every published and derived figure,
flagged. SDMX-CSV is written against the structure Rarex ships (``sdmx``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import Font  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy.orm import Session

from rarex.errors import InvalidInput
from rarex.statistics import repository, sdmx
from rarex.statistics.derivation import Figure
from rarex.statistics.measures import decimals_of
from rarex.statistics.periods import Period
from rarex.statistics.series_data import SeriesData, load_series, parse_period

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    # SDMX-CSV 1.0 (``sdmx``, as before) and 2.0 (``sdmx2``).
    **{fmt: (media_type, "csv") for fmt, (_, media_type) in sdmx.CSV_FORMATS.items()},
}
COLUMNS = (
    "series",
    "partner",
    "basis",
    "period",
    "value",
    "unit",
    "status",
    "formula",
    "expression",
    "sources",
    "vintage",
    "released_on",
)


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True)
class Record:
    series: str
    partner: str
    figure: Figure
    unit: str

    def row(self) -> dict[str, Any]:
        obs = self.figure.observation
        return {
            "series": self.series,
            "partner": self.partner,
            "basis": self.figure.key.basis.value,
            "period": str(self.figure.key.period),
            "value": self.figure.value,
            "unit": self.unit,
            "status": self.figure.status,
            "formula": self.figure.formula or "",
            "expression": self.figure.expression or "",
            "sources": ";".join(self.figure.sources),
            "vintage": obs.vintage if obs else "",
            "released_on": obs.released_on.isoformat() if obs and obs.released_on else "",
        }


def records(
    data: SeriesData, *, partner: str | None, start: Period | None, end: Period | None
) -> list[Record]:
    partners = [partner] if partner else sorted(data.by_partner)
    out: list[Record] = []
    for p in partners:
        derived = data.partner(p)
        for key in sorted(derived.figures, key=lambda k: (k.basis.value, k.period)):
            if (start and key.period < start) or (end and key.period > end):
                continue
            out.append(Record(data.series, p, derived.figures[key], data.unit))
    return out


def to_csv(rows: list[Record]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in rows:
        writer.writerow(record.row())
    return buffer.getvalue().encode("utf-8")


def _number_format(value: Decimal) -> str:
    places = decimals_of(value)
    return "#,##0" + ("." + "0" * places if places else "")


def to_xlsx(rows: list[Record], sources: list[tuple[str, str, str]], notes: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "figures"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in rows:
        values = record.row()
        sheet.append([values[c] for c in COLUMNS])
        sheet.cell(
            row=sheet.max_row, column=COLUMNS.index("value") + 1
        ).number_format = _number_format(record.figure.value)
    sheet.freeze_panes = "A2"
    cited = book.create_sheet("sources")
    cited.append(["id", "title", "url"])
    for source in sources:
        cited.append(list(source))
    findings = book.create_sheet("findings")
    findings.append(["finding"])
    for note in notes:
        findings.append([note])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_series(
    session: Session,
    *,
    series: str,
    fmt: str,
    partner: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Export:
    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}",
            code="stats.unknown_format",
        )
    first = parse_period(start, option="from") if start else None
    last = parse_period(end, option="to") if end else None
    data = load_series(session, series=series)
    wanted = partner.strip().upper() if partner else None
    rows = records(data, partner=wanted, start=first, end=last)
    media_type, suffix = FORMATS[fmt]
    tag = f"-{fmt}" if fmt in sdmx.CSV_FORMATS else ""
    name = f"{series}{'-' + wanted if wanted else ''}{tag}.{suffix}"
    if fmt == "csv":
        return Export(to_csv(rows), media_type, name)
    if fmt in sdmx.CSV_FORMATS:
        version, _ = sdmx.CSV_FORMATS[fmt]
        return Export(sdmx.to_csv(rows, version=version), media_type, name)
    cited = sorted({s for r in rows for s in r.figure.sources})
    stored = repository.sources_by_id(session, cited)
    source_rows = [
        (s, stored[s].title if s in stored else "", stored[s].url if s in stored else "")
        for s in cited
    ]
    notes = [
        f"{p}: {f.message}"
        for p in ([wanted] if wanted else sorted(data.by_partner))
        for f in data.partner(p).findings
    ]
    return Export(to_xlsx(rows, source_rows, notes), media_type, name)
