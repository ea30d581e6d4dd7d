"""Validate the rows of a statistics file field by field (pure).

Each validator records a problem (line, field, code, text) instead of stopping, so one refusal
can list everything wrong with a file. Series and their units are checked against the declared
series definitions (``series_definitions``), never against what an earlier file said.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pycountry

from rarex.quantities import ascii_figure
from rarex.statistics.periods import Basis, Key, Period, PeriodError
from rarex.statistics.series_definitions import (
    SERIES_NAME,
    UNITS,
    SeriesDefinition,
    declared_series,
)

OBSERVATION_COLUMNS = ("period", "series", "partner", "basis", "value", "unit", "source")
OPTIONAL_OBSERVATION_COLUMNS = ("release",)
SOURCE_COLUMNS = ("id", "title", "url")
REPORTED_COLUMNS = ("period", "series", "partner", "measure", "value", "source")
MEASURES = ("mom_pct", "yoy_pct", "ytd_yoy_pct")
WORLD = "WLD"
MAX_DECIMALS = 6
MAX_PROBLEMS = 50

_SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_PARTNER = re.compile(r"^[A-Z]{2}$")
# [0-9], never \d: \d also matches the digits of every other script (the one number rule of
# rarex.quantities; full-width digits are made ASCII first, by ascii_figure).
_QUANTITY = re.compile(r"[0-9]{1,18}(\.[0-9]+)?")
_PERCENT = re.compile(r"[+-]?[0-9]{1,9}(\.[0-9]+)?")
_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str | None
    code: str
    problem: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "code": self.code, "problem": self.problem}

    def text(self, filename: str) -> str:
        where = filename
        if self.line is not None:
            where += f" line {self.line}"
        if self.field is not None:
            where += f", field {self.field!r}"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class ObservationRow:
    line: int
    series: str
    partner: str
    key: Key
    value: Decimal
    unit: str
    source: str
    released_on: date | None


@dataclass(frozen=True)
class SourceRow:
    line: int
    id: str
    title: str
    url: str


@dataclass(frozen=True)
class ReportedRow:
    line: int
    series: str
    partner: str
    period: Period
    measure: str
    value: Decimal
    source: str


class RowReader:
    """Validates one field at a time, recording a problem instead of stopping."""

    def __init__(self, declared: Mapping[str, SeriesDefinition] | None = None) -> None:
        self.problems: list[Problem] = []
        self.declared = declared_series() if declared is None else declared

    def problem(self, line: int, field: str | None, code: str, text: str) -> None:
        self.problems.append(Problem(line, field, code, text))

    def period(self, line: int, raw: str) -> Period | None:
        try:
            return Period.parse(raw)
        except PeriodError as exc:
            self.problem(line, "period", "stats.bad_period", str(exc))
            return None

    def series(self, line: int, raw: str) -> str | None:
        if not SERIES_NAME.match(raw):
            self.problem(
                line,
                "series",
                "stats.bad_series",
                f"{raw!r} is not a series name (lower-case letters, digits, underscores)",
            )
            return None
        if raw not in self.declared:
            self.problem(
                line,
                "series",
                "stats.unknown_series",
                f"{raw!r} is not a declared series (declared: {', '.join(sorted(self.declared))})",
            )
            return None
        return raw

    def unit(self, line: int, raw: str, series: str | None) -> str | None:
        """The declared unit of ``series`` and nothing else (``series`` None: already refused,
        so only the unit's spelling is checked)."""
        expected = self.declared[series] if series is not None else None
        if expected is not None and raw == expected.unit:
            return raw
        if raw not in UNITS:
            text = f"{raw!r} is not a known unit ({', '.join(UNITS)})"
            if expected is not None:
                text += f"; {series} is declared in {expected.unit!r} ({expected.unit_name})"
            self.problem(line, "unit", "stats.unknown_unit", text)
            return None
        if expected is None:
            return raw
        self.problem(
            line,
            "unit",
            "stats.unit_mismatch",
            f"{series} is declared in {expected.unit!r} ({expected.unit_name}); "
            f"this row gives {raw!r} ({UNITS[raw]})",
        )
        return None

    def partner(self, line: int, raw: str) -> str | None:
        """WLD, or a country ISO 3166-1 assigns (pycountry's list): an unassigned pair of
        letters (XX, XK) would have no code in the SDMX structure the exports are written in."""
        if raw == WORLD or (_PARTNER.match(raw) and pycountry.countries.get(alpha_2=raw)):
            return raw
        self.problem(
            line,
            "partner",
            "stats.bad_partner",
            f"{raw!r} is neither WLD nor an ISO 3166-1 alpha-2 country code in capitals",
        )
        return None

    def source(self, line: int, raw: str, field: str = "source") -> str | None:
        if _SOURCE_ID.match(raw):
            return raw
        self.problem(line, field, "stats.bad_source", f"{raw!r} is not a source id")
        return None

    def number(self, line: int, raw: str, *, signed: bool) -> Decimal | None:
        pattern = _PERCENT if signed else _QUANTITY
        text = ascii_figure(raw)
        if not pattern.fullmatch(text):
            kind = "a signed decimal percentage" if signed else "a non-negative decimal number"
            self.problem(line, "value", "stats.bad_value", f"{raw!r} is not {kind}")
            return None
        value = Decimal(text)
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > MAX_DECIMALS:
            self.problem(
                line, "value", "stats.bad_value", f"{raw!r} has more than {MAX_DECIMALS} decimals"
            )
            return None
        return value


def parse_sources(reader: RowReader, rows: list[tuple[int, dict[str, str]]]) -> list[SourceRow]:
    out: list[SourceRow] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        source_id = reader.source(line, row["id"], "id")
        if not row["title"]:
            reader.problem(line, "title", "stats.bad_source", "a source needs a title")
        if not _URL.match(row["url"]):
            reader.problem(line, "url", "stats.bad_source", f"{row['url']!r} is not an http(s) URL")
        if source_id is None:
            continue
        if source_id in first_line:
            reader.problem(
                line,
                "id",
                "stats.duplicate_row",
                f"source {source_id} is already defined on line {first_line[source_id]}",
            )
            continue
        first_line[source_id] = line
        out.append(SourceRow(line, source_id, row["title"], row["url"]))
    return out


def parse_reported(reader: RowReader, rows: list[tuple[int, dict[str, str]]]) -> list[ReportedRow]:
    out: list[ReportedRow] = []
    first_line: dict[tuple[str, str, Period, str, str], int] = {}
    for line, row in rows:
        period = reader.period(line, row["period"])
        series = reader.series(line, row["series"])
        partner = reader.partner(line, row["partner"])
        source = reader.source(line, row["source"])
        value = reader.number(line, row["value"], signed=True)
        measure = row["measure"]
        if measure not in MEASURES:
            reader.problem(
                line,
                "measure",
                "stats.unknown_measure",
                f"{measure!r} is not one of {', '.join(MEASURES)}",
            )
            continue
        if period is None or series is None or partner is None or source is None or value is None:
            continue
        key = (series, partner, period, measure, source)
        if key in first_line:
            reader.problem(line, None, "stats.duplicate_row", f"repeats line {first_line[key]}")
            continue
        first_line[key] = line
        out.append(ReportedRow(line, series, partner, period, measure, value, source))
    return out


def parse_observations(
    reader: RowReader, rows: list[tuple[int, dict[str, str]]]
) -> list[ObservationRow]:
    out: list[ObservationRow] = []
    seen: dict[tuple[str, str, Key], list[tuple[int, date | None]]] = {}
    for line, row in rows:
        period = reader.period(line, row["period"])
        series = reader.series(line, row["series"])
        partner = reader.partner(line, row["partner"])
        source = reader.source(line, row["source"])
        value = reader.number(line, row["value"], signed=False)
        basis: Basis | None = None
        try:
            basis = Basis(row["basis"])
        except ValueError:
            reader.problem(
                line, "basis", "stats.unknown_basis", f"{row['basis']!r} is not month or ytd"
            )
        unit = reader.unit(line, row["unit"], series)
        released_on: date | None = None
        if row.get("release"):
            try:
                released_on = date.fromisoformat(row["release"])
            except ValueError:
                reader.problem(
                    line, "release", "stats.bad_release", f"{row['release']!r} is not YYYY-MM-DD"
                )
                continue
        if (
            period is None
            or series is None
            or partner is None
            or source is None
            or value is None
            or basis is None
            or unit is None
        ):
            continue
        key = Key(basis, period)
        # The same figure twice in one file is ambiguous unless release dates order them.
        plain_key = (series, partner, key)
        clash = next(
            (
                earlier
                for earlier, earlier_release in seen.get(plain_key, [])
                if earlier_release is None or released_on is None or earlier_release == released_on
            ),
            None,
        )
        if clash is not None:
            reader.problem(
                line,
                None,
                "stats.duplicate_row",
                f"{series} {partner} {key} repeats line {clash}; give each a distinct release "
                "date to keep both as vintages",
            )
            continue
        seen.setdefault(plain_key, []).append((line, released_on))
        out.append(ObservationRow(line, series, partner, key, value, unit, source, released_on))
    return out
