"""CSV, XLSX and SDMX-CSV exports, and SVG/PNG charts, of the shared series."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy.orm import Session

from rarex.errors import InvalidInput
from rarex.statistics import charts
from rarex.statistics.exports import export_series

pytestmark = pytest.mark.usefixtures("published")


def rows_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_csv_has_every_published_and_derived_figure(session: Session) -> None:
    result = export_series(session, series="rare_earth_exports_t", fmt="csv")
    rows = {(r["basis"], r["period"]): r for r in rows_of(result.content)}
    assert rows[("month", "2025-05")]["status"] == "published"
    assert rows[("month", "2025-05")]["sources"] == "S1"
    derived = rows[("month", "2024-03")]
    assert (derived["status"], derived["value"]) == ("derived", "4709.5")
    assert derived["formula"] == "YTD(2024-03) - YTD(2024-02)"
    assert ("month", "2025-01") not in rows  # Jan-Feb is never split
    assert ("month", "2025-02") not in rows
    assert result.filename == "rare_earth_exports_t.csv"


def test_sdmx_csv_follows_the_1_0_layout(session: Session) -> None:
    result = export_series(session, series="rare_earth_exports_t", fmt="sdmx", partner="wld")
    assert result.filename == "rare_earth_exports_t-WLD-sdmx.csv"
    content = result.content.decode("utf-8")
    header = content.splitlines()[0].split(",")
    assert header[0] == "DATAFLOW"
    assert header.index("TIME_PERIOD") < header.index("OBS_VALUE") < header.index("OBS_STATUS")
    rows = rows_of(result.content)
    assert {r["DATAFLOW"] for r in rows} == {"RAREX:CN_RE_TRADE(2.0)"}
    # All destinations are SDMX's World (M49 001), never WLD; the unit is its own dimension.
    assert {(r["REF_AREA"], r["COUNTERPART_AREA"], r["INDICATOR"]) for r in rows} == {
        ("CN", "001", "RE_EXPORTS")
    }
    march = next(r for r in rows if r["TIME_PERIOD"] == "2024-03" and r["BASIS"] == "M")
    assert (march["OBS_VALUE"], march["OBS_STATUS"]) == ("4709.5", "E")
    assert march["COMMENT_OBS"] == "M(2024-03) = YTD(2024-03) - YTD(2024-02)"
    may = next(r for r in rows if r["TIME_PERIOD"] == "2025-05" and r["BASIS"] == "M")
    assert (may["OBS_VALUE"], may["OBS_STATUS"], may["UNIT_MEASURE"]) == ("5864.6", "A", "TNE")
    assert may["SOURCE_DETAIL"] == "S1"
    value = export_series(session, series="rare_earth_exports_value_musd", fmt="sdmx")
    first = rows_of(value.content)[0]
    # The same indicator as the tonnes, in another unit: the unit is not in the code.
    assert (first["INDICATOR"], first["UNIT_MEASURE"], first["UNIT_MULT"]) == (
        "RE_EXPORTS",
        "USD",
        "6",
    )


def test_sdmx_csv_2_0_names_its_structure_and_action(session: Session) -> None:
    one = export_series(session, series="magnet_exports_t", fmt="sdmx")
    two = export_series(session, series="magnet_exports_t", fmt="sdmx2")
    assert two.media_type.startswith("application/vnd.sdmx.data+csv; version=2.0.0")
    assert two.filename == "magnet_exports_t-sdmx2.csv"
    header = two.content.decode("utf-8").splitlines()[0].split(",")
    assert header[:4] == ["STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ"]
    rows = rows_of(two.content)
    assert {(r["STRUCTURE"], r["STRUCTURE_ID"], r["ACTION"]) for r in rows} == {
        ("dataflow", "RAREX:CN_RE_TRADE(2.0)", "I")
    }
    # Past the structure's columns, the same observations as SDMX-CSV 1.0.
    assert [{k: v for k, v in r.items() if k not in ("STRUCTURE", "STRUCTURE_ID", "ACTION")}
            for r in rows] == [
        {k: v for k, v in r.items() if k != "DATAFLOW"} for r in rows_of(one.content)
    ]  # fmt: skip
    assert {"US", "DE", "001"} <= {r["COUNTERPART_AREA"] for r in rows}


def test_xlsx_keeps_exact_values_sources_and_findings(session: Session) -> None:
    result = export_series(session, series="rare_earth_imports_t", fmt="xlsx")
    book = load_workbook(io.BytesIO(result.content))
    figures = book["figures"]
    header = [c.value for c in figures[1]]
    values = {
        (row[header.index("basis")], row[header.index("period")]): row
        for row in figures.iter_rows(min_row=2, values_only=True)
    }
    row = values[("ytd", "2024-09")]
    assert Decimal(str(row[header.index("value")])) == Decimal("102489.1")
    assert book["sources"].max_row > 1
    findings = [r[0] for r in book["findings"].iter_rows(min_row=2, values_only=True)]
    assert any("more than press rounding explains" in f for f in findings)


def test_charts_are_svg_and_png_and_reproducible(session: Session) -> None:
    svg = charts.chart(session, series="rare_earth_exports_t", fmt="svg")
    assert svg.lstrip().startswith(b"<?xml")
    assert b"<svg" in svg
    assert svg == charts.chart(session, series="rare_earth_exports_t", fmt="svg")
    png = charts.chart(session, series="rare_earth_exports_t", kind="yoy", fmt="png", year=2025)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    ranged = charts.chart(
        session, series="magnet_exports_t", fmt="png", partner="US", start="2025-01", end="2025-12"
    )
    assert ranged[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "call",
    [
        lambda s: export_series(s, series="rare_earth_exports_t", fmt="ods"),
        lambda s: charts.chart(s, series="rare_earth_exports_t", fmt="gif"),
        lambda s: charts.chart(s, series="rare_earth_exports_t", start="2025-06", end="2025-01"),
        lambda s: charts.chart(s, series="rare_earth_exports_t", kind="pie"),
        lambda s: charts.chart(s, series="rare_earth_exports_t", year=2025, start="2025-01"),
    ],
)
def test_bad_output_requests_are_refused(session: Session, call: object) -> None:
    with pytest.raises(InvalidInput):
        call(session)  # type: ignore[operator]
