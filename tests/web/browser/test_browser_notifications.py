"""In the browser (issue 13, item 7): a user's notifications, in English and in Chinese, each
written in its recipient's language; the unread count in the header; one marked read, then
all; the address and language saved; every page passes axe-core; screenshots in
``docs/screenshots/`` (notifications-en.png, notifications-zh.png)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy.orm import Session

from rarex.auth.contact import set_contact
from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db_engine import make_engine
from rarex.notify.kinds import Facts, Kind
from rarex.notify.service import notify
from tests.web.browser.conftest import LiveSite, _user, signed_in
from tests.web.browser.test_browser_sign_in import _accessible, _shot

CASE = Facts(
    reference="RX-2025-7Q4M2K9D",
    exporter="Ganzhou Rare Earth Trading",
    destination="DE",
    state="under_review",
    lane="green",
    due_on=date(2025, 8, 4),
)


def _reader(site: LiveSite, language: str) -> str:
    """A partner authority reading in ``language``, with three notifications: a state change,
    an inquiry's reply, and a decision (the newest)."""
    engine = make_engine(site.database_url)
    clock = FixedClock(datetime.now(UTC) - timedelta(hours=3))
    settings = Settings(environment="test", public_url=site.url)
    with Session(engine) as session:
        user = _user(session, clock, Role.PARTNER_AUTHORITY)
        set_contact(
            session, clock=clock, actor=None, username=user.username, language=language,
            email=f"{user.username}@partner.example",
        )  # fmt: skip
        decided = CASE.model_copy(
            update={"state": "approved", "decision": "approved", "decided_on": date(2025, 7, 25)}
        )
        for kind, facts in ((Kind.STATE_CHANGED, CASE), (Kind.INQUIRY_REPLY, CASE),
                            (Kind.DECISION, decided)):  # fmt: skip
            clock.advance(timedelta(minutes=20))
            notify(
                session, clock=clock, settings=settings, recipients=[user.user_id], kind=kind,
                facts=facts,
            )  # fmt: skip
        session.commit()
    engine.dispose()
    return user.username


def _read_the_page(page: Any, site: LiveSite, *, unread: str, mark: str, shot: str) -> None:
    page.goto(f"{site.url}/notifications")
    assert page.get_by_role("navigation").first.inner_text().count(unread) == 1
    items = page.locator("li.notification")
    assert items.count() == 3
    assert (
        items.first.locator("h2")
        .inner_text()
        .endswith(
            "RX-2025-7Q4M2K9D: approved on 25 Jul 2025"
            if "unread" in unread
            else "RX-2025-7Q4M2K9D：已批准（2025年7月25日）"  # noqa: RUF001
        )
    )
    _accessible(page, site)
    _shot(page, site, shot)
    items.nth(2).get_by_role("button", name=mark).click()
    # the same address before and after: wait for the reloaded page, not for the address
    expect(page.locator("li.notification.unread")).to_have_count(2)


def test_a_user_reads_their_notifications_in_english_and_in_chinese(
    browser: Any, live_site: LiveSite
) -> None:
    english = signed_in(browser, live_site, _reader(live_site, "en"))
    try:
        _read_the_page(english, live_site, unread="3 unread", mark="Mark as read",
                       shot="notifications-en")  # fmt: skip
        english.locator("li.notification").first.get_by_text("The message").click()
        assert "Destination:  Germany (DE)" in english.locator("pre.message").first.inner_text()
        english.get_by_role("button", name="Mark all as read").click()
        expect(english.locator("li.notification.unread")).to_have_count(0)
        english.get_by_label("E-mail address (optional)").fill("not an address")
        english.get_by_role("button", name="Save").click()
        # is_visible() does not wait: the answer to the click may not be drawn yet
        expect(english.locator("#email-error")).to_be_visible()
        _accessible(english, live_site)
    finally:
        english.context.close()
    chinese = signed_in(browser, live_site, _reader(live_site, "zh"))
    try:
        chinese.goto(f"{live_site.url}/language?to=zh&next=/notifications")
        _read_the_page(chinese, live_site, unread="3 条未读", mark="标为已读",
                       shot="notifications-zh")  # fmt: skip
        chinese.get_by_label("通知语言").select_option("en")
        chinese.get_by_role("button", name="保存").click()
        chinese.wait_for_url(f"{live_site.url}/notifications")
        assert chinese.get_by_label("通知语言").input_value() == "en"
    finally:
        chinese.context.close()
