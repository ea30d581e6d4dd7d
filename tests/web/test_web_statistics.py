"""The public statistics pages (issue 11, item 3) over HTTP, on SQLite and PostgreSQL, with
GACC's published figures imported: the May 2025 permalink says the month in a sentence in
English and Chinese, the series page lists every month, shows its charts (accessible SVG in
the page's language) and the CSV download it links to holds the same figures. No sign-in."""

from __future__ import annotations

import csv
import html
import io
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.statistics.importer import import_files
from rarex.statistics.published import published_files
from rarex.web.site import create_site
from tests.apps import app_for

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

FLAGS = ("unusually_high", "unusually_low")


@pytest.fixture
def site(session: Session, clock: FixedClock, settings: Settings) -> Iterator[TestClient]:
    import_files(session, clock=clock, actor=None, files=published_files())
    sessions = sessionmaker(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    app = app_for(create_site, settings, session_factory=sessions, clock=clock)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def test_may_2025_in_a_sentence_in_english_and_chinese(site: TestClient) -> None:
    english = site.get("/statistics/rare_earth_exports_t/2025-05")
    assert english.status_code == 200
    assert (
        "May 2025: 5,864.6 t, +22.6% on April; January\u2013May 2025: 24,827 t, +2.3% year on year."
        in english.text
    )
    chinese = site.get(
        "/statistics/rare_earth_exports_t/2025-05", headers={"Accept-Language": "zh-CN"}
    )
    assert "2025年5月\uff1a5,864.6吨\uff0c环比增长22.6%" in chinese.text
    assert "2025年1\u20145月累计24,827吨\uff0c同比增长2.3%" in chinese.text


def test_the_series_page_and_its_csv_download_hold_the_same_figures(site: TestClient) -> None:
    page = site.get("/statistics/rare_earth_exports_t")
    assert page.status_code == 200
    assert "5,864.6" in page.text
    assert 'href="/api/v1/statistics/series/rare_earth_exports_t/export?format=csv"' in page.text
    download = site.get("/api/v1/statistics/series/rare_earth_exports_t/export?format=csv")
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.text)))
    values = {
        (r["period"], r["basis"]): r["value"]
        for r in rows
        if r["partner"] == "WLD" and r["period"] == "2025-05"
    }
    assert values[("2025-05", "month")] == "5864.6"
    assert values[("2025-05", "ytd")] == "24827"


def test_the_statistics_home_lists_the_series_with_their_latest_month(site: TestClient) -> None:
    page = site.get("/statistics")
    assert page.status_code == 200
    assert 'href="/statistics/rare_earth_exports_t"' in page.text
    assert "Exports of rare earths" in page.text
    assert "稀土出口" in site.get("/statistics", headers={"Accept-Language": "zh"}).text


@pytest.mark.parametrize(
    "path",
    ["/statistics/no_such_series", "/statistics/rare_earth_exports_t/1999-01",
     "/statistics/rare_earth_exports_t/not-a-month"],
)  # fmt: skip
def test_an_unknown_series_or_month_is_a_page_not_found(site: TestClient, path: str) -> None:
    answer = site.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


def test_a_latest_february_reads_as_january_february(site: TestClient, session: Session) -> None:
    from rarex.statistics import tables

    februaries = [s for s in tables.list_series(session) if str(s["last_period"]).endswith("-02")]
    assert februaries  # the shipped data ends several series with a Jan-Feb release
    page = site.get("/statistics").text
    for entry in februaries:
        year = str(entry["last_period"])[:4]
        assert f">January\u2013February {year}</a>" in page


def test_the_series_page_shows_its_charts_before_the_table(site: TestClient) -> None:
    page = site.get("/statistics/rare_earth_exports_t").text
    figures = re.findall(r'<figure class="chart"[^>]*>\s*<img src="([^"]+)" alt="([^"]+)"', page)
    assert [src.split("?")[0] for src, _ in figures] == [
        "/statistics/rare_earth_exports_t/charts/monthly.svg",
        "/statistics/rare_earth_exports_t/charts/growth.svg",
    ]
    monthly_alt = html.unescape(figures[0][1])
    assert monthly_alt.startswith("Exports of rare earths per month, January 2025 to February 2026")
    assert "10,460 tonnes together" in monthly_alt  # the latest release, Jan-Feb 2026
    assert "<figcaption>Exports of rare earths, monthly, 2025\u20132026." in page
    assert page.index("<figure") < page.index("<table")


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Exports of rare earths, monthly, 2025\u20132026"),
     ("zh-CN", "稀土出口\uff0c月度\uff0c2025年\u20142026年")],
)  # fmt: skip
def test_the_chart_is_an_svg_in_the_pages_language(
    site: TestClient, language: str, title: str
) -> None:
    headers = {"Accept-Language": language}
    page = site.get("/statistics/rare_earth_exports_t", headers=headers).text
    src = html.unescape(re.findall(r'<img src="([^"]+monthly\.svg[^"]*)"', page)[0])
    answer = site.get(src, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/svg+xml"
    assert answer.headers["cache-control"].startswith("public")
    root = ET.fromstring(answer.content)
    assert root.get("role") == "img"
    assert root.findtext("{http://www.w3.org/2000/svg}title") == title
    assert "10,460" in (root.findtext("{http://www.w3.org/2000/svg}desc") or "")
    again = site.get(src, headers={**headers, "If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304
    growth = site.get("/statistics/rare_earth_exports_t/charts/growth.svg", headers=headers)
    assert growth.status_code == 200
    assert "%" in growth.text


@pytest.mark.parametrize(
    "path",
    ["/statistics/rare_earth_exports_t/charts/pie.svg", "/statistics/no_such/charts/monthly.svg"],
)
def test_an_unknown_chart_is_not_found(site: TestClient, path: str) -> None:
    assert site.get(path).status_code == 404


@pytest.mark.parametrize(
    ("language", "computed", "reported"),
    [("en", "+22.6%", "+23%"), ("zh-CN", "+22.6%", "+23%")],
)
def test_the_month_shows_the_reported_rates_beside_the_computed_ones(
    site: TestClient, language: str, computed: str, reported: str
) -> None:
    """May 2025: the seed article's "+23% from April" (S1, Global Times) beside the +22.6%
    the figures give, linked to the article; "+2.3%" year to date beside +2.3%."""
    page = site.get(
        "/statistics/rare_earth_exports_t/2025-05", headers={"Accept-Language": language}
    ).text
    table = page[page.index("<table") : page.index("</table>")]
    rows = [re.sub(r"<[^>]+>", "", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    month_row = next(r for r in rows if "+23%" in r)
    assert computed in month_row
    assert "Global Times" in month_row
    assert 'href="https://www.globaltimes.cn/page/202506/1335771.shtml"' in table
    assert any(r.count("+2.3%") == 2 for r in rows)  # ours and S1's, year to date
    assert "\u22125.7%" in table  # S3's year on year, with a true minus sign


def test_the_series_table_rounds_each_change_once(site: TestClient) -> None:
    page = site.get("/statistics/rare_earth_exports_t").text
    may = next(r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if '/2025-05"' in r)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", may)]
    assert cells[1:3] == ["+22.6%", "\u22125.7%"]


def test_a_flagged_month_says_why_in_the_pages_language(site: TestClient) -> None:
    """The volume monitor's reasons: in English the monitor's own sentence (the API's
    ``monitor_reason``), in Chinese the same figures in Chinese, with no English left in
    them. The expected Chinese was written by hand from the English reason of June 2025."""
    english = html.unescape(site.get("/statistics/rare_earth_exports_t").text)
    api = site.get("/api/v1/statistics/series/rare_earth_exports_t")
    june = next(r for r in api.json()["rows"] if r["period"] == "2025-06")
    assert june["monitor"] == "unusually_high"
    assert f"<li>June 2025: {june['monitor_reason']}</li>" in english
    assert f'title="{june["monitor_reason"]}"' in english
    for row in api.json()["rows"]:  # the low ones too
        if row["monitor"] in FLAGS:
            assert f": {row['monitor_reason']}</li>" in english, row["period"]

    chinese = html.unescape(
        site.get("/statistics/rare_earth_exports_t", headers={"Accept-Language": "zh-CN"}).text
    )
    assert (
        "<li>2025年6月\uff1a7,742.2高于此前区间\uff1b稳健 z 值 7.70 不低于3.5"
        "\uff08此前12个月中的10个月\uff1a中位数4,768.9\uff0c区间3,326\u20135,864.6\uff0c中位数绝对偏差260.5\uff09</li>"
    ) in chinese
    notes = re.findall(r"<li>(\d{4}年\d{1,2}月\uff1a[^<]*)</li>", chinese)
    assert len(notes) == sum(1 for r in api.json()["rows"] if r["monitor"] in FLAGS) >= 2
    for note in notes:
        assert not re.search(r"[A-Za-z]{2,}", note), note


def test_a_rate_reported_to_three_places_is_shown_to_three_places(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    """A source's rate at its own precision: the month page once rebuilt it from the two-place
    JSON value, and showed +22.580% for a source that printed +22.583%."""
    reported = (
        "period,series,partner,measure,value,source\n"
        "2025-05,rare_earth_exports_t,WLD,mom_pct,22.583,S1\n"
    )
    import_files(session, clock=clock, actor=None, files=[("more-reported.csv", reported.encode())])
    page = html.unescape(site.get("/statistics/rare_earth_exports_t/2025-05").text)
    assert "+22.583%" in page
    assert "+22.580%" not in page
