"""The GACC figures the package ships are the shared data set's, byte for byte: the demo and
the public pages show what the data set says; and every series in it is declared, with its
unit, in the series definitions the package ships."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rarex.statistics.parsing import parse_file
from rarex.statistics.published import (
    PUBLISHED_FILES,
    REPORTED_FILE,
    SHARED_FILES,
    published_files,
)
from rarex.statistics.series_definitions import declared_series, read_series_definitions

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def test_the_shipped_figures_are_the_shared_data_sets() -> None:
    shipped = dict(published_files())
    assert set(shipped) == set(PUBLISHED_FILES) == {*SHARED_FILES, REPORTED_FILE}
    for name in SHARED_FILES:
        assert shipped[name] == (SHARED / name).read_bytes(), name


def test_every_shipped_reported_rate_cites_a_shipped_source_of_its_own_figures() -> None:
    """The package's own file (the press's printed rates) parses, and each rate's source is
    in the shipped sources file: a rate never stands without the report that printed it."""
    shipped = dict(published_files())
    reported = parse_file(REPORTED_FILE, shipped[REPORTED_FILE]).reported
    sources = {row.id for row in parse_file("s.csv", shipped[SHARED_FILES[1]]).sources}
    assert reported
    assert {row.source for row in reported} <= sources
    # The seed article (S1, Global Times, 9 June 2025): +23% on April, +2.3% Jan-May y/y.
    seed = {(str(r.period), r.measure): str(r.value) for r in reported if r.source == "S1"}
    assert seed == {("2025-05", "mom_pct"): "23", ("2025-05", "ytd_yoy_pct"): "2.3"}


def test_every_series_of_the_shared_data_set_is_declared_in_the_unit_it_uses() -> None:
    with (SHARED / "china-rare-earth-trade.csv").open(encoding="utf-8", newline="") as f:
        used = {(row["series"], row["unit"]) for row in csv.DictReader(f)}
    declared = declared_series()
    assert {(s, d.unit) for s, d in declared.items()} >= used
    assert set(declared) == {
        "rare_earth_exports_t",
        "rare_earth_imports_t",
        "rare_earth_exports_value_musd",
        "magnet_exports_t",
        "magnet_and_alloy_exports_t",
    }
    assert declared["rare_earth_exports_value_musd"].unit == "musd"
    assert all(d.description for d in declared.values())


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("id,unit\nx_t,t\n", "header"),
        ("id,unit,description\nx_t,tonnes,X\n", "unit"),
        ("id,unit,description\nx_t,t,X\nx_t,t,Y\n", "twice"),
        ("id,unit,description\nX T,t,X\n", "series name"),
        ("id,unit,description\nx_t,t,\n", "description"),
    ],
)
def test_a_broken_series_definitions_file_is_a_packaging_error(text: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        read_series_definitions(text)


def test_every_declared_unit_is_named_in_the_charts() -> None:
    """Found in review: the value series' unit (musd) was shown as its code in charts."""
    from rarex.statistics.chart_text import UNIT_NAMES
    from rarex.statistics.series_definitions import declared_series

    assert {d.unit for d in declared_series().values()} <= set(UNIT_NAMES)
