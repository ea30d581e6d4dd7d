"""The SDMX structure Rarex ships, read and validated by pysdmx (the SDMX-ML 2.1 schemas and
its own model), and the SDMX-CSV 1.0 and 2.0 exports checked code by code against it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pycountry
import pytest
from pysdmx.errors import Invalid
from pysdmx.io import read_sdmx
from pysdmx.model import DataStructureDefinition, Role
from pysdmx.model.message import Message
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from rarex.cli.main import app as cli
from rarex.errors import Conflict
from rarex.statistics import sdmx
from rarex.statistics.derivation import Figure
from rarex.statistics.exports import export_series
from rarex.statistics.periods import Period, month
from rarex.statistics.rows import RowReader
from rarex.statistics.series_definitions import UNITS, declared_series

DSD_URN = "DataStructure=RAREX:DSD_CN_RE_TRADE(2.0)"


def _message(xml: bytes) -> Message:
    return read_sdmx(xml.decode("utf-8"), validate=True)


@pytest.fixture(scope="module")
def dsd() -> DataStructureDefinition:
    (found,) = _message(sdmx.structure_xml()).get_data_structure_definitions()
    return found


def _codes(dsd: DataStructureDefinition) -> dict[str, set[str]]:
    """Each coded component's codes, as pysdmx resolved its codelist."""
    return {c.id: {code.id for code in c.local_codes} for c in dsd.components if c.local_codes}


def test_the_shipped_structure_validates_and_a_broken_one_does_not() -> None:
    message = _message(sdmx.structure_xml())
    assert {s.short_urn for s in message.structures} >= {
        "Dataflow=RAREX:CN_RE_TRADE(2.0)",
        DSD_URN,
        "ConceptScheme=RAREX:CS_RE_TRADE(2.0)",
        "Codelist=SDMX:CL_AREA(2.0)",
        "Codelist=RAREX:CL_RE_INDICATOR(2.0)",
        "Codelist=RAREX:CL_UNIT_MEASURE(2.0)",
    }
    (flow,) = message.get_dataflows()
    assert sdmx.DATAFLOW == "RAREX:CN_RE_TRADE(2.0)" == flow.short_urn.split("=")[1]
    assert flow.structure == DSD_URN
    # The validation is real: the schemas refuse an attribute status they do not define.
    broken = sdmx.structure_xml().replace(b'"Conditional"', b'"Optional"', 1)
    with pytest.raises(Invalid, match="assignmentStatus"):
        _message(broken)


def test_the_dsd_has_the_exports_columns_in_order(dsd: DataStructureDefinition) -> None:
    roles = {
        role: [c.id for c in dsd.components if c.role == role]
        for role in (Role.DIMENSION, Role.MEASURE, Role.ATTRIBUTE)
    }
    assert tuple(roles[Role.DIMENSION]) == sdmx.DIMENSIONS
    assert roles[Role.MEASURE] == [sdmx.MEASURE]
    assert tuple(roles[Role.ATTRIBUTE]) == sdmx.ATTRIBUTES
    codelists = {c.id: c.local_codes.short_urn for c in dsd.components if c.local_codes}
    assert codelists == {
        "FREQ": "Codelist=SDMX:CL_FREQ(2.1)",
        "REF_AREA": "Codelist=SDMX:CL_AREA(2.0)",
        "INDICATOR": "Codelist=RAREX:CL_RE_INDICATOR(2.0)",
        "COUNTERPART_AREA": "Codelist=SDMX:CL_AREA(2.0)",
        "BASIS": "Codelist=RAREX:CL_RE_BASIS(2.0)",
        "UNIT_MEASURE": "Codelist=RAREX:CL_UNIT_MEASURE(2.0)",
        "UNIT_MULT": "Codelist=SDMX:CL_UNIT_MULT(1.1)",
        "OBS_STATUS": "Codelist=SDMX:CL_OBS_STATUS(2.2)",
    }
    # The runtime's own reading of the file (no pysdmx at run time) agrees with pysdmx's.
    assert {k: set(v) for k, v in sdmx.shipped_structure().codes.items()} == _codes(dsd)


def test_codes_carry_no_unit_and_the_world_is_sdmxs(dsd: DataStructureDefinition) -> None:
    codes = _codes(dsd)
    assert codes["INDICATOR"] == {
        "RE_EXPORTS",
        "RE_IMPORTS",
        "RE_MAGNET_EXPORTS",
        "RE_MAGNET_ALLOY_EXPORTS",
    }
    units = {"T", "KG", "MUSD", "USD", "TNE", "KGM"}
    assert not [c for c in codes["INDICATOR"] if c.rsplit("_", 1)[-1] in units]
    assert codes["UNIT_MEASURE"] == {"TNE", "KGM", "USD"}
    assert "001" in codes["COUNTERPART_AREA"]
    assert "WLD" not in codes["COUNTERPART_AREA"]
    # Every destination an import accepts (ISO 3166-1 as pycountry has it) can be exported.
    assert {c.alpha_2 for c in pycountry.countries} <= codes["COUNTERPART_AREA"]


def test_every_declared_series_and_unit_has_its_codes(dsd: DataStructureDefinition) -> None:
    codes = _codes(dsd)
    assert set(sdmx.SERIES_INDICATORS) == set(declared_series())
    assert set(sdmx.SERIES_INDICATORS.values()) == codes["INDICATOR"]
    assert set(sdmx.UNIT_CODES) == set(UNITS)
    assert {unit for unit, _ in sdmx.UNIT_CODES.values()} == codes["UNIT_MEASURE"]
    assert {mult for _, mult in sdmx.UNIT_CODES.values()} == codes["UNIT_MULT"]


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(("fmt", "lead"), [("sdmx", 1), ("sdmx2", 3)])
def test_every_code_of_every_export_is_in_the_structure(
    session: Session, dsd: DataStructureDefinition, fmt: str, lead: int
) -> None:
    codes = _codes(dsd)
    components = [c.id for c in dsd.components]
    seen: dict[str, set[str]] = {}
    for series in declared_series():
        content = export_series(session, series=series, fmt=fmt).content
        header = content.decode("utf-8").splitlines()[0].split(",")
        assert header[lead:] == components  # every component, in the DSD's order, and no more
        for row in _rows(content):
            for component, allowed in codes.items():
                assert row[component] in allowed, (series, component, row[component])
                seen.setdefault(component, set()).add(row[component])
            Decimal(row["OBS_VALUE"])  # a number, as the DSD's Decimal says
            Period.parse(row["TIME_PERIOD"])
    # The shared data set reaches every indicator, both bases and both statuses.
    assert seen["INDICATOR"] == codes["INDICATOR"]
    assert seen["OBS_STATUS"] == {"A", "E"}
    assert seen["BASIS"] == {"M", "YTD"}


@dataclass(frozen=True)
class _Stored:
    series: str
    partner: str
    unit: str
    figure: Figure


def _figure() -> Figure:
    key = month(Period(2025, 5))
    return Figure(key, Decimal(1), False, None, None, (), ("S1",), Decimal("0.5"))


def test_a_stored_code_the_structure_lacks_refuses_the_export() -> None:
    kosovo = _Stored("magnet_exports_t", "XK", "t", _figure())  # stored before imports checked
    with pytest.raises(Conflict) as caught:
        sdmx.to_csv([kosovo])
    assert caught.value.code == "stats.sdmx_unknown_code"
    assert caught.value.details == {"component": "COUNTERPART_AREA", "value": "XK"}
    unmapped = _Stored("gold_exports_t", "WLD", "t", _figure())
    with pytest.raises(Conflict) as caught:
        sdmx.to_csv([unmapped])
    assert caught.value.code == "stats.sdmx_unmapped_series"
    # ... and imports no longer store such a partner.
    reader = RowReader()
    assert reader.partner(2, "XK") is None
    assert reader.partner(3, "DE") == "DE"
    assert [p.code for p in reader.problems] == ["stats.bad_partner"]


def test_the_structure_is_served_and_written(
    client: Any, runner: CliRunner, tmp_path: Path
) -> None:
    response = client.get("/api/v1/statistics/sdmx/structure")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.sdmx.structure+xml")
    assert response.content == sdmx.structure_xml()
    printed = runner.invoke(cli, ["stats", "sdmx-structure"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.encode("utf-8") == sdmx.structure_xml()
    target = tmp_path / "structure.xml"
    written = runner.invoke(cli, ["stats", "sdmx-structure", "--output", str(target)])
    assert written.exit_code == 0, written.output
    assert _message(target.read_bytes()).get_data_structure_definitions()
