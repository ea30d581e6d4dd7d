"""The API's own pages in chromium (issue 15): Swagger UI at /docs and ReDoc at /redoc draw
the API from the package alone, asking nothing of any other host (they loaded their scripts
and fonts from a CDN, and were blank offline; ReDoc's bundle also fetches its maker's logo,
which the pages' content security policy stops in the browser)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web.browser.conftest import LiveSite

PAGES = {
    "/docs": ".swagger-ui .opblock-summary-path",  # an operation of the API, drawn
    "/redoc": ".redoc-wrap",
}


def _outside(url: str, here: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != here


# The pages read the OpenAPI document, never the database: one site is enough.
@pytest.mark.parametrize("live_site", ["sqlite"], indirect=True)
def test_the_api_pages_draw_the_api_and_send_nothing_outside_the_server(
    browser: Any, live_site: LiveSite
) -> None:
    here = urlsplit(live_site.url).netloc
    for path, drawn in PAGES.items():
        page = browser.new_page()
        asked: list[str] = []
        stopped: list[str] = []
        page.on("request", lambda request, asked=asked: asked.append(request.url))
        # a request the content security policy stopped fails with "csp" before it leaves
        page.on(
            "requestfailed",
            lambda request, stopped=stopped: stopped.append(request.url)
            if request.failure == "csp" else None,
        )  # fmt: skip
        try:
            page.goto(f"{live_site.url}{path}")
            page.wait_for_selector(drawn, timeout=20_000)
            page.wait_for_load_state("networkidle")
            text = page.locator("body").inner_text()
        finally:
            page.close()
        assert "Rarex" in text, path  # the document's title: the API drawn, not an empty shell
        assert any(url.endswith("/openapi.json") for url in asked), path
        sent_out = [url for url in asked if _outside(url, here) and url not in stopped]
        assert not sent_out, (path, sent_out)
