"""The public statistics pages in the browser (issue 11, item 3): no sign-in, the May 2025
figures in English and Chinese, the series page with its charts drawn (server-rendered SVG in
the page's language), each page free of serious or critical axe-core violations, screenshots
in both languages (the charts also on their own)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser.conftest import SCREENSHOTS, SCREENSHOTS_WANTED, LiveSite
from tests.web.browser.test_browser_sign_in import _accessible, _shot

PAGES = (
    ("statistics", "/statistics"),
    ("statistics-series", "/statistics/rare_earth_exports_t"),
    ("statistics-may-2025", "/statistics/rare_earth_exports_t/2025-05"),
)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_statistics_pages_read_in_both_languages(
    browser: Any, live_site: LiveSite, language: str
) -> None:
    context = browser.new_context(
        locale="zh-CN" if language == "zh" else "en-GB", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(5000)
    page = context.new_page()
    try:
        for name, path in PAGES:
            response = page.goto(f"{live_site.url}{path}")
            assert response is not None
            assert response.status == 200, path
            if name == "statistics-series":
                _charts_drawn(page, live_site, language)
            _accessible(page, live_site)
            _shot(page, live_site, f"{name}-{language}")
        sentence = page.locator("p.sentence").inner_text()
        if language == "zh":
            assert sentence.startswith("2025年5月：5,864.6吨，环比增长22.6%")  # noqa: RUF001
            assert "1—5月累计24,827吨，同比增长2.3%" in sentence  # noqa: RUF001
        else:
            assert sentence.startswith("May 2025: 5,864.6 t, +22.6% on April")
            assert "24,827 t, +2.3% year on year" in sentence
    finally:
        context.close()


def _charts_drawn(page: Any, site: LiveSite, language: str) -> None:
    """Both charts loaded as images (drawn by the server, in the page's language), each with
    its text alternative, before the table."""
    charts = page.locator("figure.chart img")
    assert charts.count() == 2
    for n in range(2):
        chart = charts.nth(n)
        assert chart.evaluate("img => img.complete && img.naturalWidth > 600")
        assert len(chart.get_attribute("alt") or "") > 40
    assert page.evaluate(
        "() => document.querySelector('figure.chart').compareDocumentPosition("
        "document.querySelector('table')) === Node.DOCUMENT_POSITION_FOLLOWING"
    )
    caption = page.locator("figure.chart figcaption").first.inner_text()
    assert caption.startswith("稀土出口" if language == "zh" else "Exports of rare earths")
    if SCREENSHOTS_WANTED and site.backend == "sqlite":  # one set, not one per database
        for n, kind in enumerate(("monthly", "growth")):
            path = SCREENSHOTS / f"statistics-chart-{kind}-{language}.png"
            page.locator("figure.chart").nth(n).screenshot(path=str(path))
