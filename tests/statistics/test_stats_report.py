"""Reports from the shared CSV alone: GACC's May 2025 figures, derived bases flagged,
inconsistencies found, sources cited (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from rarex.errors import InvalidInput, NotFound
from rarex.statistics import tables
from rarex.statistics.derivation import ConsistencyPolicy
from rarex.statistics.published import published_files
from rarex.statistics.service import period_report
from tests.statistics.conftest import REPORTED_CSV, Importer


def report(session: Session, period: str, **kw: Any) -> dict[str, Any]:
    series = kw.pop("series", "rare_earth_exports_t")
    return period_report(session, series=series, period=period, **kw)


@pytest.mark.usefixtures("published")
def test_may_2025_reproduces_gacc(session: Session) -> None:
    body = report(session, "2025-05")
    assert body["value"] == "5864.6"
    assert body["unit"] == "t"
    assert body["value_status"] == "published"
    assert body["mom_display"] == "+22.6%"
    assert body["ytd"] == "24827"
    assert body["ytd_yoy_display"] == "+2.3%"
    assert body["yoy_display"] == "-5.7%"
    # Every base of May 2025 is itself published: nothing had to be derived.
    assert body["derivations"] == []
    assert {k: v["status"] for k, v in body["figures"].items()} == {
        "month": "published",
        "previous_month": "published",
        "same_period_last_year": "published",
        "ytd": "published",
        "ytd_last_year": "published",
    }
    assert body["figures"]["ytd_last_year"]["value"] == "24266.5"
    assert [s["id"] for s in body["sources"]] == ["S1", "S4", "S9"]
    assert body["sources"][0]["url"] == "https://www.globaltimes.cn/page/202506/1335771.shtml"
    # The month and the YTD difference (5865) disagree by press rounding only.
    codes = [f["code"] for f in body["flags"]]
    assert "consistency.mismatch" not in codes
    assert any("5865" in f["message"] for f in body["flags"])
    assert body["monitor"]["status"] == "normal"


@pytest.mark.usefixtures("published")
def test_whole_percent_rounding_shows_23(session: Session) -> None:
    body = report(session, "2025-05", decimals=0)
    assert body["mom_display"] == "+23%"
    # The machine's figure has its fixed scale whatever the display's places: 22.5672… %.
    assert body["mom_pct"] == "22.57"
    assert report(session, "2025-05", decimals=4)["mom_pct"] == "22.57"


@pytest.mark.usefixtures("published")
def test_march_2025_flags_its_derived_prior_year_bases(session: Session) -> None:
    body = report(session, "2025-03")
    assert body["value"] == "5666.3"
    assert body["mom_pct"] is None
    assert "January-February" in body["changes"]["mom"]["reason"]
    assert body["yoy_display"] == "+20.3%"
    assert body["changes"]["yoy"]["base"] == "M(2024-03)"
    assert body["changes"]["yoy"]["base_status"] == "derived"
    assert body["ytd_status"] == "derived"
    base_flags = [f["message"] for f in body["flags"] if f["code"] == "base.derived"]
    assert any("M(2024-03) = YTD(2024-03) - YTD(2024-02)" in m for m in base_flags)
    formulas = {d["figure"]: d for d in body["derivations"]}
    assert formulas["M(2024-03)"]["expression"] == "13483.5 - 8774 = 4709.5"
    assert formulas["YTD(2024-03)"]["formula"] == "YTD(2024-03) = YTD(2024-04) - M(2024-04)"
    assert formulas["YTD(2024-04)"]["sources"] == ["S4"]
    assert "S5" in {s["id"] for s in body["sources"]}


@pytest.mark.usefixtures("published")
def test_january_february_is_one_period(session: Session) -> None:
    body = report(session, "2025-02")
    assert body["jan_feb"] is True
    assert body["label"] == "January-February 2025"
    assert body["value"] == "8511"
    assert body["yoy_display"] == "-3.0%"
    assert body["mom_pct"] is None
    with pytest.raises(NotFound) as caught:
        report(session, "2025-01")
    assert caught.value.code == "stats.no_figure"
    assert "ask for 2025-02" in caught.value.message


@pytest.mark.usefixtures("published")
def test_imports_december_2024_is_an_inconsistency(session: Session) -> None:
    body = report(session, "2024-12", series="rare_earth_imports_t")
    mismatches = [f for f in body["findings"] if f["code"] == "consistency.mismatch"]
    assert len(mismatches) == 1
    assert mismatches[0]["difference"] == "2"
    loose = report(
        session,
        "2024-12",
        series="rare_earth_imports_t",
        policy=ConsistencyPolicy(absolute=Decimal("1")),
    )
    assert all(f["code"] != "consistency.mismatch" for f in loose["findings"])


@pytest.mark.usefixtures("published")
def test_june_2025_is_flagged_unusually_high(session: Session) -> None:
    body = report(session, "2025-06")
    assert body["monitor"]["status"] == "unusually_high"
    assert any(f["code"] == "monitor.unusually_high" for f in body["flags"])


def test_reported_percentages_sit_beside_the_computed_ones(
    session: Session, published: object, do_import: Importer
) -> None:
    do_import(("reported.csv", REPORTED_CSV.encode()))
    body = report(session, "2025-05")
    (mom,) = body["changes"]["mom"]["reported"]
    assert (mom["value"], mom["places"], mom["display"]) == ("23.00", 0, "+23%")
    assert mom["source_title"].startswith("Global Times")
    assert (mom["computed"], mom["difference_pp"]) == ("22.57", "0.43")
    assert mom["consistent_with_rounding"] is True
    assert mom["difference_display"] == "+0.4 pp"
    yoy = {r["source"]: r for r in body["changes"]["yoy"]["reported"]}
    assert yoy["S3"]["consistent_with_rounding"] is True
    assert yoy["S44"]["consistent_with_rounding"] is False
    assert any(f["code"] == "reported.differs" and "S44" in f["message"] for f in body["flags"])
    assert {"S3", "S44"} <= {s["id"] for s in body["sources"]}


@pytest.mark.usefixtures("published")
def test_destinations_and_shares(session: Session) -> None:
    world = report(session, "2025-09", series="magnet_exports_t")
    shares = {d["partner"]: d["share_display"] for d in world["destinations"]}
    assert shares == {"DE": "22.3%", "JP": "3.9%", "KR": "14.8%", "US": "7.3%", "VN": "7.9%"}
    germany = report(session, "2025-09", series="magnet_exports_t", partner="de")
    assert germany["partner"] == "DE"
    assert germany["share_of_world_display"] == "22.3%"
    assert germany["destinations"] == []


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize(
    ("kw", "error", "code"),
    [
        ({"series": "gold_exports_t"}, NotFound, "stats.unknown_series"),
        ({"partner": "XX"}, NotFound, "stats.unknown_partner"),
        ({"period": "2025-5"}, InvalidInput, "stats.bad_period"),
        ({"period": "2019-05"}, NotFound, "stats.no_figure"),
        ({"decimals": 9}, InvalidInput, "stats.bad_decimals"),
    ],
)
def test_bad_report_requests(
    session: Session, kw: dict[str, Any], error: type[Exception], code: str
) -> None:
    args = dict(kw)  # parametrized dicts are shared by both backends' runs
    period = args.pop("period", "2025-05")
    with pytest.raises(error) as caught:
        report(session, period, **args)
    assert getattr(caught.value, "code", None) == code


@pytest.mark.usefixtures("published")
def test_series_table_marks_derived_figures(session: Session) -> None:
    body = tables.series_table(
        session, series="rare_earth_exports_t", start="2024-01", end="2024-06"
    )
    rows = {r["period"]: r for r in body["rows"]}
    assert list(rows) == ["2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert rows["2024-02"]["jan_feb"] is True
    assert rows["2024-03"]["value_status"] == "derived"
    assert rows["2024-03"]["value"] == "4709.5"
    assert rows["2024-05"]["yoy_display"] == "+35.9%"
    assert body["sources"]
    listed = {s["series"]: s for s in tables.list_series(session)}
    assert listed["magnet_exports_t"]["partners"] == ["DE", "IN", "JP", "KR", "US", "VN", "WLD"]
    assert len(tables.list_sources(session)) == 80


def test_the_seed_articles_rates_sit_beside_the_computed_may_2025_figures(
    session: Session, do_import: Importer
) -> None:
    """The shipped files alone (figures, sources, the rates the press printed): S1, Global
    Times 9 June 2025, "+23% from April", "January to May +2.3% year on year", beside the
    changes computed from the shipped series (5,864.6 t on 4,784.8 t; 24,827 t on 24,266.5 t)."""
    do_import(*published_files())
    body = report(session, "2025-05")
    assert (body["value"], body["figures"]["previous_month"]["value"]) == ("5864.6", "4784.8")
    assert (body["ytd"], body["figures"]["ytd_last_year"]["value"]) == ("24827", "24266.5")
    mom, ytd_yoy = body["changes"]["mom"], body["changes"]["ytd_yoy"]
    assert (mom["display"], mom["pct"]) == ("+22.6%", "22.57")
    (press_mom,) = mom["reported"]
    assert (press_mom["display"], press_mom["source"]) == ("+23%", "S1")
    assert press_mom["consistent_with_rounding"] is True  # 22.57 is 23 at whole percent
    assert (ytd_yoy["display"], ytd_yoy["pct"]) == ("+2.3%", "2.31")
    (press_ytd,) = ytd_yoy["reported"]
    assert (press_ytd["display"], press_ytd["source"]) == ("+2.3%", "S1")
    assert press_ytd["consistent_with_rounding"] is True
    assert press_ytd["source_title"] == (
        "Global Times: China's rare-earth exports grow 23% in May from April (2025-06-09)"
    )
    assert "reported.differs" not in {f["code"] for f in body["flags"]}
    # The series table shows them on May's row too, and cites the source.
    table = tables.series_table(session, series="rare_earth_exports_t", start="2025-05")
    may = table["rows"][0]
    assert [(r["measure"], r["display"], r["source"]) for r in may["reported"]] == [
        ("mom_pct", "+23%", "S1"),
        ("yoy_pct", "-5.7%", "S3"),
        ("ytd_yoy_pct", "+2.3%", "S1"),
    ]
    assert {"S1", "S3"} <= {s["id"] for s in table["sources"]}
    assert may["reported"][1]["source_title"].startswith("rawmaterials.net")


PERCENT_KEY = re.compile(r"(^|_)pct$|_pp$|^computed$")
FIXED_SCALE = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


def _percentages(node: object, key: str = "", in_reported: bool = False) -> Iterator[str]:
    """Every percentage string of an answer: ``*_pct``, ``pct``, ``*_pp``, and a reported
    rate's ``value`` and ``computed``."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _percentages(v, k, in_reported or key == "reported")
    elif isinstance(node, list):
        for item in node:
            yield from _percentages(item, key, in_reported)
    elif isinstance(node, str) and (PERCENT_KEY.search(key) or (in_reported and key == "value")):
        yield node


def test_every_percentage_of_every_answer_has_the_fixed_scale(
    session: Session, do_import: Importer
) -> None:
    """Property over the whole shipped data set: each month's report (every series and
    partner, at 0 to 4 display places) and each series table; none is a 34-digit string."""
    do_import(*published_files())
    found: list[str] = []
    for entry in tables.list_series(session):
        for partner in entry["partners"]:
            table = tables.series_table(session, series=entry["series"], partner=partner)
            found += _percentages(table)
            for row in table["rows"]:
                for places in (0, 1, 4):
                    found += _percentages(
                        report(session, row["period"], series=entry["series"],
                               partner=partner, decimals=places)
                    )  # fmt: skip
    assert len(found) > 1000
    assert [text for text in found if not FIXED_SCALE.match(text)] == []
