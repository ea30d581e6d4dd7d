"""SDMX: the structure Rarex publishes (``data/sdmx-structure.xml``) and its data as SDMX-CSV
1.0 and 2.0, written against that structure (pure).

The structure file is an SDMX-ML 2.1 structure message: the dataflow ``RAREX:CN_RE_TRADE(2.0)``,
its data structure definition, its concepts and every codelist its coded components use. It
is shipped as written and reviewed (a new code is a new version of its codelist, as SDMX wants
of final artefacts), served as it is, and read here only for its codes: every row an export
writes is checked against them, so no file leaves with a code its structure does not define.

A series of Rarex's is a unit-free indicator in a unit: ``rare_earth_exports_t`` is
``RE_EXPORTS`` in tonnes (``UNIT_MEASURE=TNE``), ``rare_earth_exports_value_musd`` the same
indicator in millions of US dollars (``USD``, ``UNIT_MULT=6``). All partners together, stored
as ``WLD``, are ``001`` ("World" in SDMX:CL_AREA, from UN M49; the file says why not W0, W1 or
W00).

SDMX-CSV 1.0 starts each row with ``DATAFLOW`` (``AGENCY:ID(VERSION)``); 2.0 with
``STRUCTURE`` (``dataflow``), ``STRUCTURE_ID`` and ``ACTION`` (``I``: data for information,
which a loading database appends). Then, in both, the dimensions in their order,
``TIME_PERIOD``, ``OBS_VALUE`` and the attributes. A derived figure carries ``OBS_STATUS=E``
(CL_OBS_STATUS "estimated value": obtained by calculation, not published) and its formula in
``COMMENT_OBS``; a published one carries ``A`` (normal value).
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Final, Protocol

from rarex.errors import Conflict
from rarex.statistics.derivation import Figure
from rarex.statistics.periods import Basis
from rarex.statistics.rows import WORLD

STRUCTURE_FILE: Final = "sdmx-structure.xml"
STRUCTURE_MEDIA_TYPE: Final = "application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8"
AGENCY, DATAFLOW_ID, VERSION = "RAREX", "CN_RE_TRADE", "2.0"
DATAFLOW: Final = f"{AGENCY}:{DATAFLOW_ID}({VERSION})"
# The figures are China's trade as China Customs reports it: the reporter is always China.
REPORTER_AREA: Final = "CN"
# SDMX:CL_AREA(2.0) "World" (UN M49 001): every partner together, Rarex's WLD.
WORLD_AREA: Final = "001"
# SDMX-CSV 2.0 ACTION "I" (information): a dissemination file, not an instruction to delete
# or replace what a receiving database holds.
ACTION_INFORMATION: Final = "I"

# Each declared series (``data/series.csv``) as an indicator of CL_RE_INDICATOR; its unit goes
# to UNIT_MEASURE. tests/statistics/test_stats_sdmx.py checks that every declared series is here.
SERIES_INDICATORS: Final = MappingProxyType(
    {
        "rare_earth_exports_t": "RE_EXPORTS",
        "rare_earth_exports_value_musd": "RE_EXPORTS",
        "rare_earth_imports_t": "RE_IMPORTS",
        "magnet_exports_t": "RE_MAGNET_EXPORTS",
        "magnet_and_alloy_exports_t": "RE_MAGNET_ALLOY_EXPORTS",
    }
)
# A series unit (``series_definitions.UNITS``) as UNIT_MEASURE and UNIT_MULT: UN/CEFACT
# Recommendation 20 codes for quantities, ISO 4217 for money, the size in the multiplier.
UNIT_CODES: Final = MappingProxyType(
    {"t": ("TNE", "0"), "kg": ("KGM", "0"), "musd": ("USD", "6"), "usd": ("USD", "0")}
)
BASIS_CODES: Final = MappingProxyType({Basis.MONTH: "M", Basis.YTD: "YTD"})

DIMENSIONS: Final = (
    "FREQ",
    "REF_AREA",
    "INDICATOR",
    "COUNTERPART_AREA",
    "BASIS",
    "UNIT_MEASURE",
    "TIME_PERIOD",
)
MEASURE: Final = "OBS_VALUE"
ATTRIBUTES: Final = ("UNIT_MULT", "OBS_STATUS", "COMMENT_OBS", "SOURCE_DETAIL")
COMPONENTS: Final = (*DIMENSIONS, MEASURE, *ATTRIBUTES)

CSV_FORMATS: Final = MappingProxyType(
    {
        "sdmx": ("1.0", "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8"),
        "sdmx2": ("2.0", "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"),
    }
)

_NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
}


class Exported(Protocol):
    """One figure to export (``exports.Record`` is one)."""

    @property
    def series(self) -> str: ...
    @property
    def partner(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def figure(self) -> Figure: ...


@dataclass(frozen=True)
class Structure:
    """What an export needs of the structure file: the codes each coded component allows."""

    codes: Mapping[str, frozenset[str]]  # component id → its codelist's codes


@cache  # shipped with the package: read once, not at every request
def structure_xml() -> bytes:
    """The structure message as shipped (SDMX-ML 2.1)."""
    return files("rarex.statistics").joinpath("data", STRUCTURE_FILE).read_bytes()


def read_structure(xml: bytes) -> Structure:
    """The codes of each coded component of the data structure in ``xml`` (a structure
    message of our own: trusted input). ``ValueError`` when a component's codelist is missing,
    which is a packaging error."""
    root = ET.fromstring(xml)
    codelists: dict[tuple[str, str, str], frozenset[str]] = {}
    for codelist in root.iterfind(".//str:Codelists/str:Codelist", _NS):
        key = (codelist.get("agencyID", ""), codelist.get("id", ""), codelist.get("version", ""))
        found = codelist.iterfind("str:Code", _NS)
        codelists[key] = frozenset(code.get("id", "") for code in found)
    codes: dict[str, frozenset[str]] = {}
    components = root.iterfind(".//str:DataStructure//str:DataStructureComponents/*/*", _NS)
    for component in components:
        ref = component.find("str:LocalRepresentation/str:Enumeration/Ref", _NS)
        if ref is None:
            continue
        key = (ref.get("agencyID", ""), ref.get("id", ""), ref.get("version", ""))
        if key not in codelists:
            raise ValueError(f"{STRUCTURE_FILE}: {component.get('id')} uses {key}, not in the file")
        codes[component.get("id", "")] = codelists[key]
    return Structure(MappingProxyType(codes))


@cache
def shipped_structure() -> Structure:
    return read_structure(structure_xml())


def observation(record: Exported) -> dict[str, str]:
    """One figure as the components of the data structure, by component id."""
    figure = record.figure
    indicator = SERIES_INDICATORS.get(record.series)
    unit = UNIT_CODES.get(record.unit)
    if indicator is None or unit is None:
        raise Conflict(
            f"{record.series} ({record.unit}) has no SDMX indicator and unit in {DATAFLOW}",
            code="stats.sdmx_unmapped_series",
        )
    return {
        "FREQ": "M",
        "REF_AREA": REPORTER_AREA,
        "INDICATOR": indicator,
        "COUNTERPART_AREA": WORLD_AREA if record.partner == WORLD else record.partner,
        "BASIS": BASIS_CODES[figure.key.basis],
        "UNIT_MEASURE": unit[0],
        "TIME_PERIOD": str(figure.key.period),
        "OBS_VALUE": str(figure.value),
        "UNIT_MULT": unit[1],
        "OBS_STATUS": "E" if figure.derived else "A",
        "COMMENT_OBS": f"{figure.key} = {figure.formula}" if figure.derived else "",
        "SOURCE_DETAIL": ";".join(figure.sources),
    }


def observations(records: Iterable[Exported], structure: Structure) -> list[dict[str, str]]:
    """Every figure as components, each code checked against ``structure``: a code the
    structure lacks (a partner stored before imports checked ISO 3166) refuses the export
    rather than send a file its own structure calls invalid."""
    out = []
    for record in records:
        row = observation(record)
        for component, allowed in structure.codes.items():
            value = row.get(component)
            if value is not None and value not in allowed:
                raise Conflict(
                    f"{component} {value!r} ({record.series} {record.partner} "
                    f"{record.figure.key}) is not a code of {DATAFLOW}'s structure",
                    code="stats.sdmx_unknown_code",
                    component=component,
                    value=value,
                )
        out.append(row)
    return out


def to_csv(records: Iterable[Exported], *, version: str = "1.0") -> bytes:
    """SDMX-CSV ``version`` 1.0 or 2.0 of the figures, checked against the shipped structure."""
    if version not in ("1.0", "2.0"):
        raise ValueError(f"SDMX-CSV {version} is neither 1.0 nor 2.0")
    rows = observations(records, shipped_structure())
    lead = ("DATAFLOW",) if version == "1.0" else ("STRUCTURE", "STRUCTURE_ID", "ACTION")
    lead_values = (DATAFLOW,) if version == "1.0" else ("dataflow", DATAFLOW, ACTION_INFORMATION)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow((*lead, *COMPONENTS))
    for row in rows:
        writer.writerow((*lead_values, *(row[c] for c in COMPONENTS)))
    return buffer.getvalue().encode("utf-8")
