"""In the browser (issue 11): an exporter signs in (a wrong password first, answered beside
the form), sees its dashboard, reads it in Chinese, and signs out; a signed-out visitor is
sent to sign in; every page visited passes axe-core without a serious or critical violation.
The screenshots of the pages, in both languages, go to ``docs/screenshots/`` (with
RAREX_SCREENSHOTS=1)."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

from tests.web.browser.conftest import PASSWORD, SCREENSHOTS, SCREENSHOTS_WANTED, LiveSite

_AXE = Axe()


def _accessible(page: Any, site: LiveSite | None = None) -> None:
    """No serious or critical axe-core violation on the page as it stands. A page is the same
    page on either database: with ``site``, it is checked once, on the SQLite run."""
    if site is not None and site.backend != "sqlite":
        return
    results = _AXE.run(page)
    grave = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert grave == [], grave


def _shot(page: Any, site: LiveSite, name: str) -> None:
    if SCREENSHOTS_WANTED and site.backend == "sqlite":  # one set, not one per database
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_an_exporter_signs_in_reads_its_dashboard_in_both_languages_and_signs_out(
    page: Any, live_site: LiveSite
) -> None:
    page.goto(f"{live_site.url}/exporter")
    assert page.url == f"{live_site.url}/login?next=/exporter"  # sent to sign in first
    assert page.locator("h1").inner_text() == "Sign in"
    _accessible(page, live_site)
    _shot(page, live_site, "login-en")

    page.get_by_label("Username").fill(live_site.exporter)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong username or password."
    assert page.get_by_label("Username").input_value() == live_site.exporter  # kept
    _accessible(page, live_site)

    page.wait_for_timeout(1100)  # after a failure, this address waits a second
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_site.url}/exporter")
    assert page.locator("h1").inner_text() == "My applications"
    assert page.get_by_role("table").locator("tbody tr").count() >= 2  # its own, not the other's
    _accessible(page, live_site)
    _shot(page, live_site, "exporter-dashboard-en")
    licenses = page.locator("#licenses + table")
    licenses.get_by_role("link").first.click()
    assert page.locator("h1").inner_text().startswith("License ")
    assert "What drew on it" in page.content()
    _accessible(page, live_site)
    _shot(page, live_site, "exporter-license-en")
    page.go_back()
    page.get_by_role("link", name="简体中文").click()
    page.wait_for_url(f"{live_site.url}/exporter")
    assert page.locator("h1").inner_text() == "我的申请"
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    _accessible(page, live_site)
    _shot(page, live_site, "exporter-dashboard-zh")
    page.locator("#licenses + table").get_by_role("link").first.click()
    assert page.locator("h1").inner_text().startswith("许可证")
    _accessible(page, live_site)
    _shot(page, live_site, "exporter-license-zh")
    page.go_back()
    page.get_by_role("row").filter(has_text="草稿").get_by_role("link").first.click()
    assert page.locator("h1").inner_text().startswith("申请 RX-")
    assert "完成申请" in page.content()  # a draft's task list
    _accessible(page, live_site)
    _shot(page, live_site, "exporter-draft-zh")
    page.go_back()

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_site.url}/")
    page.goto(f"{live_site.url}/login")
    assert page.locator("h1").inner_text() == "登录"
    _accessible(page, live_site)
    _shot(page, live_site, "login-zh")
    page.goto(f"{live_site.url}/exporter")
    assert page.url.startswith(f"{live_site.url}/login")  # signed out for good


def test_the_home_and_not_found_pages_are_accessible(page: Any, live_site: LiveSite) -> None:
    page.goto(f"{live_site.url}/")
    _accessible(page, live_site)
    _shot(page, live_site, "home-en")
    page.get_by_role("link", name="简体中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    _accessible(page, live_site)
    _shot(page, live_site, "home-zh")
    page.get_by_role("link", name="English").click()
    response = page.goto(f"{live_site.url}/no/such/page")
    assert response is not None
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    _accessible(page, live_site)
