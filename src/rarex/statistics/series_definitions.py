"""The series Rarex knows, each with the unit it is published in (pure).

``data/series.csv`` (``id,unit,description``) ships with the package and is the one place a
series is declared. An import refuses a series that is not listed there, and a row whose unit
is not the declared one, whatever was imported before: the unit of a series is a fact about
the publication, reviewed like code, not whatever the first file happened to say (a one-row
file in kilograms once locked the tonnes series against the official file). A new series, or
a corrected unit, comes with a new release of the package.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Final

UNITS: Final = {"t": "tonnes", "kg": "kilograms", "musd": "USD millions", "usd": "USD"}
SERIES_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
COLUMNS: Final = ("id", "unit", "description")
DEFINITIONS_FILE: Final = "series.csv"


@dataclass(frozen=True)
class SeriesDefinition:
    id: str
    unit: str
    description: str

    @property
    def unit_name(self) -> str:
        return UNITS[self.unit]


def read_series_definitions(text: str) -> dict[str, SeriesDefinition]:
    """Validate a definitions file; a mistake in it is a packaging error (``ValueError``
    naming the line), never something an import works around."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise ValueError(f"{DEFINITIONS_FILE}: the header must be {','.join(COLUMNS)}")
    out: dict[str, SeriesDefinition] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(COLUMNS):
            raise ValueError(f"{DEFINITIONS_FILE} line {line}: {len(record)} field(s), not 3")
        series, unit, description = (cell.strip() for cell in record)
        if not SERIES_NAME.match(series):
            raise ValueError(f"{DEFINITIONS_FILE} line {line}: {series!r} is not a series name")
        if unit not in UNITS:
            raise ValueError(
                f"{DEFINITIONS_FILE} line {line}: unit {unit!r} is not one of {', '.join(UNITS)}"
            )
        if not description:
            raise ValueError(f"{DEFINITIONS_FILE} line {line}: {series} needs a description")
        if series in out:
            raise ValueError(f"{DEFINITIONS_FILE} line {line}: {series} is declared twice")
        out[series] = SeriesDefinition(series, unit, description)
    return out


@cache
def declared_series() -> Mapping[str, SeriesDefinition]:
    """The shipped definitions by series id (read once per process, read-only)."""
    path = files("rarex.statistics").joinpath("data", DEFINITIONS_FILE)
    return MappingProxyType(read_series_definitions(path.read_text(encoding="utf-8")))


def series_description(series: str) -> str | None:
    definition = declared_series().get(series)
    return definition.description if definition else None
