"""Browser tests: Playwright drives Debian's chromium (never a downloaded browser) against a
live server (uvicorn in a thread) on a database of its own, SQLite or PostgreSQL. Without
chromium they skip locally and fail in CI (``CI`` set), as the PostgreSQL tests do."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.auth.service import actor_for_username, create_user, declare_conflict, issue_token
from rarex.auth.sign_in import set_password
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db_engine import make_engine
from rarex.licensing.filing import file_application
from rarex.licensing.review import transition
from rarex.licensing.states import Action
from rarex.screening.lists import import_list
from rarex.statistics.importer import import_files
from rarex.statistics.published import published_files
from rarex.web.pages import SESSION_COOKIE
from rarex.web.site import create_site
from tests.conftest import BACKENDS, CHEAP_HASHING, whole_database
from tests.factories import (
    application_data,
    approve,
    attach_required_documents,
    filed_and_accepted,
    make_actor,
    make_company,
)
from tests.web.site_helpers import CHEAP_POLICY

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
# Screenshots are taken when asked (RAREX_SCREENSHOTS=1), on the SQLite run: they are pictures
# for the docs, not checks, and taking them at every run cost the suite 5 s of a browser's time
# and rewrote tracked files.
SCREENSHOTS_WANTED = os.environ.get("RAREX_SCREENSHOTS") == "1"
PASSWORD = "browser test secret"
LISTED = "Rotor Werke Leipzig GmbH"  # on the seed's control list


def chromium_path() -> str:
    """Debian's chromium: its headless shell (``chromium-headless-shell``, the build Playwright
    itself tests headless pages with) when installed, which takes a third less time and CPU
    than the whole browser on these tests; else the whole browser (``chromium``)."""
    found = (
        shutil.which("chromium-headless-shell")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if found is None:
        message = "chromium is not installed (apt-get install -y chromium-headless-shell)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


@dataclass(frozen=True)
class LiveSite:
    url: str
    backend: str
    exporter: str
    other_exporter: str
    officer_token: str  # a licensing officer's API token: the authority's side, through the API
    officer: str  # the same officer's username, for the desk in the browser
    customs: str  # a customs officer's username
    admin: str  # an administrator's username
    analyst: str  # an analyst's username
    conflicted: str  # a licensing officer with a declared conflict on the exporter's company
    filer: str  # a licensing officer who filed the other exporter's submitted case for it
    database_url: str = ""  # the site's database, for a test that adds rows of its own


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def control_list(*names: str) -> bytes:
    """A control list (MOFCOM's CSV) naming ``names``, each in Germany."""
    header = (
        "list,entry_no,name_en,name_zh,country,announcement,announced_on,effective_on,status,"
        "status_changed_on,status_announcement,source\n"
    )
    rows = "".join(
        f"control_list,{n},{name},,DE,商务部公告2025年第1号,2025-01-02,2025-01-02,active,,,\n"
        for n, name in enumerate(names, start=1)
    )
    return (header + rows).encode()


def _listed(session: Session, clock: FixedClock, settings: Settings, name: str) -> None:
    """A one-entry control list naming ``name``: a screening hit for a party of that name."""
    import_list(
        session, actor=None, clock=clock, fmt="cn-mofcom-csv", files=[control_list(name)],
        file_names=["cn"], shrink_limit=settings.list_shrink_limit,
    )  # fmt: skip


def _user(session: Session, clock: FixedClock, role: Role) -> Actor:
    user = make_actor(session, clock, role)
    set_password(
        session, clock=clock, actor=None, username=user.username, password=PASSWORD,
        policy=CHEAP_POLICY,
    )  # fmt: skip
    return user


def _seed(url: str) -> dict[str, str]:
    engine = make_engine(url)
    # ten days back: the licenses the seed approves are in force by the time the tests run
    clock = FixedClock(datetime.now(UTC) - timedelta(days=10))
    with Session(engine) as session:
        exporters = []
        officer_token = officer_name = customs_name = admin_name = analyst_name = ""
        conflicted_name = filer_name = ""
        for n, name in enumerate(("Ganzhou Rare Earth Trading", "Baotou Magnet Materials")):
            company = make_company(session, clock, name=name)
            username = f"exporter.{n}"
            create_user(
                session, clock=clock, actor=None, username=username,
                display_name=username, role=Role.EXPORTER, company_id=company.id,
            )  # fmt: skip
            set_password(
                session, clock=clock, actor=None, username=username, password=PASSWORD,
                policy=CHEAP_POLICY,
            )  # fmt: skip
            exporters.append(username)
            if n == 0:  # a draft, and a case the authority asked information about
                exporter = actor_for_username(session, username=username)
                settings = Settings(environment="test")
                file_application(
                    session, clock=clock, actor=exporter, settings=settings,
                    data=application_data(),
                )  # fmt: skip
                officer = make_actor(session, clock, Role.LICENSING_OFFICER)
                officer_token = issue_token(
                    session, clock=clock, actor=None, user_id=officer.user_id, label="browser"
                )
                # a record that puts its next application to this end user in the green lane
                for _ in range(3):
                    approve(
                        session, clock, settings, officer,
                        filed_and_accepted(session, clock, settings, exporter, officer),
                    )  # fmt: skip
                asked = filed_and_accepted(session, clock, settings, exporter, officer)
                transition(
                    session, actor=officer, clock=clock, settings=settings,
                    application_id=asked.id, action=Action.REQUEST_INFORMATION,
                    reason="Send product photos of the magnets",
                )  # fmt: skip
                set_password(
                    session, clock=clock, actor=None, username=officer.username,
                    password=PASSWORD, policy=CHEAP_POLICY,
                )  # fmt: skip
                officer_name = officer.username
                customs_name = _user(session, clock, Role.CUSTOMS_OFFICER).username
                admin_name = _user(session, clock, Role.ADMINISTRATOR).username
                analyst_name = _user(session, clock, Role.ANALYST).username
                conflicted = _user(session, clock, Role.LICENSING_OFFICER)
                declare_conflict(
                    session, clock=clock, actor=None, user_id=conflicted.user_id,
                    company_id=company.id, reason="Was this exporter's compliance adviser",
                )  # fmt: skip
                conflicted_name = conflicted.username
                # in the officers' intake: a case whose consignee is a namesake of a listed one
                _listed(session, clock, settings, LISTED)
                leipzig = {"name": LISTED, "country": "DE"}
                intake = file_application(
                    session, clock=clock, actor=exporter, settings=settings,
                    data=application_data(consignee=leipzig, end_user=leipzig),
                )  # fmt: skip
                attach_required_documents(session, clock, settings, exporter, intake)
                transition(
                    session, actor=exporter, clock=clock, settings=settings,
                    application_id=intake.id, action=Action.SUBMIT,
                )  # fmt: skip
            if n == 1:  # a case an officer filed for the company: that officer may not handle it
                filer = _user(session, clock, Role.LICENSING_OFFICER)
                settings = Settings(environment="test")
                filed = file_application(
                    session, clock=clock, actor=filer, settings=settings,
                    data=application_data(exporter_uscc=company.uscc),
                )  # fmt: skip
                exporter = actor_for_username(session, username=username)
                attach_required_documents(session, clock, settings, exporter, filed)
                transition(
                    session, actor=exporter, clock=clock, settings=settings,
                    application_id=filed.id, action=Action.SUBMIT,
                )  # fmt: skip
                filer_name = filer.username
        import_files(session, clock=clock, actor=None, files=published_files())
        session.commit()
    engine.dispose()
    return {
        "exporter": exporters[0], "other_exporter": exporters[1], "officer_token": officer_token,
        "officer": officer_name, "customs": customs_name, "admin": admin_name,
        "analyst": analyst_name, "conflicted": conflicted_name, "filer": filer_name,
    }  # fmt: skip


@pytest.fixture(scope="session", params=BACKENDS)
def live_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveSite]:
    """One live site per database for the whole run (per worker): its seed is what every
    browser test starts from, and each test adds to it only what it files itself."""
    chromium_path()
    folder = tmp_path_factory.mktemp("site")
    with whole_database(request.param, folder, name="browser", migrated=True) as url:
        engine = make_engine(url)
        seeded = _seed(url)
        settings = Settings(environment="test", database_url=url, **CHEAP_HASHING)
        app = create_site(settings, engine=engine)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "the live server did not start"
        try:
            yield LiveSite(
                url=f"http://127.0.0.1:{port}", backend=request.param, database_url=url, **seeded
            )
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            engine.dispose()


@pytest.fixture(scope="session")
def browser(live_site: LiveSite) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            launched.close()


SERVER_ERRORS: list[str] = []  # every answer of 500 or more a test's pages got


@pytest.fixture(autouse=True)
def _no_server_error() -> Iterator[None]:
    """No page, image or form answer is a server error under any browser test."""
    SERVER_ERRORS.clear()
    yield
    assert SERVER_ERRORS == [], SERVER_ERRORS


def new_page(browser: Any) -> Any:
    """A page in a browser of its own (its own cookies): one per user in a test."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(5000)
    context.on(
        "response",
        lambda answer: (
            SERVER_ERRORS.append(f"{answer.status} {answer.url}") if answer.status >= 500 else None
        ),
    )
    return context.new_page()


def signed_in(browser: Any, site: LiveSite, username: str) -> Any:
    """A fresh browser of ``username``, signed in, on their home page. The form is posted over
    HTTP and the browser given the session it opened: filling the form in is the sign-in test's
    (test_browser_sign_in), and here it took twice as long as the rest of this function."""
    with httpx.Client(base_url=site.url, timeout=10) as client:
        form = client.get("/login")
        token = re.search(r'name="form_token" value="([^"]+)"', form.text)
        assert token is not None, form.text
        answer = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "form_token": token[1]},
            headers={"Origin": site.url},
        )
        assert answer.status_code == 303, answer.text
        session = client.cookies.get(SESSION_COOKIE)
    assert session, "the sign-in opened no session"
    page = new_page(browser)
    page.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": session, "url": site.url, "httpOnly": True}]
    )
    page.goto(site.url + answer.headers["location"])
    return page


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    opened = new_page(browser)
    try:
        yield opened
    finally:
        opened.context.close()
