"""The official calendar in the administration pages (issue 12, item 3), on SQLite and
PostgreSQL: the years it knows, official or provisional; a year's schedule loaded from a file
or typed in, after which the year is official and deadlines into it are no longer provisional;
a malformed schedule, a year the package covers without *force*, or no source refused beside
the field at fault with what was typed kept; nobody but an administrator gets in."""

from __future__ import annotations

import re
from datetime import date, timedelta
from importlib.resources import files
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.licensing.calendar import WorkingCalendar
from rarex.licensing.calendar_store import statutory_deadline
from rarex.models import CalendarDay
from rarex.web.i18n import LANGUAGE_COOKIE
from tests.factories import make_company
from tests.web.site_helpers import SITE, TestClient, csrf_of, sign_in, user_with_password

EXAMPLE = files("rarex.licensing").joinpath("data/example-schedule-2027.yaml").read_text("utf-8")
FIRST_PROVISIONAL = max(WorkingCalendar().covered_years) + 1


def schedule_for(year: int) -> str:
    """A plausible schedule of any year: two holidays and a Saturday made a working day."""
    saturday = next(
        day for day in (date(year, 9, 20) + timedelta(i) for i in range(7)) if day.weekday() == 5
    )
    return (
        f"year: {year}\nholidays:\n"
        f'  - {{name: "New Year\'s Day", from: {year}-01-01, to: {year}-01-03}}\n'
        f'  - {{name: "National Day", from: {year}-10-01, to: {year}-10-07}}\n'
        f'workdays:\n  - {{name: "National Day make-up", date: {saturday.isoformat()}}}\n'
    )


def _post(site: TestClient, token: str, file: str | None = None, **form: str) -> Any:
    return site.post(
        "/admin/calendar",
        data={"csrf_token": token} | form,
        files=[("file", ("schedule.yaml", file.encode(), "application/yaml"))] if file else None,
        headers={"Origin": SITE},
    )


def _year_row(page: str, year: int) -> str:
    found = re.search(rf'<th scope="row">{year}</th>(.*?)</tr>', page, re.S)
    assert found is not None, year
    return found.group(1)


def _admin(site: TestClient, session: Session, clock: FixedClock) -> str:
    sign_in(site, user_with_password(session, clock, Role.ADMINISTRATOR))
    page = site.get("/admin/calendar")
    assert page.status_code == 200
    return csrf_of(page.text)


def _loaded_days(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CalendarDay)) or 0


def test_a_year_is_loaded_from_a_file_and_is_official_from_then_on(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    token = _admin(site, session, clock)
    before = site.get("/admin/calendar").text
    assert "Provisional" in _year_row(before, FIRST_PROVISIONAL)
    assert "published with Rarex" in _year_row(before, FIRST_PROVISIONAL - 1)
    # the example's year, whether or not the package has come to cover it since
    loaded = _post(site, token, file=EXAMPLE, force="true")
    assert loaded.status_code == 303, loaded.text
    after = site.get(loaded.headers["location"]).text
    assert "The official schedule of 2027 is loaded." in after
    row = _year_row(after, 2027)
    assert "Official: loaded" in row
    assert "schedule.yaml" in row  # the file's name is the source
    session.expire_all()
    holidays = session.scalar(
        select(func.count()).select_from(CalendarDay).where(CalendarDay.is_working.is_(False))
    )
    assert holidays
    assert f'<td class="number">{holidays}</td>' in row
    assert "Provisional" in _year_row(after, max(FIRST_PROVISIONAL, 2028))  # the next to load
    due = statutory_deadline(session, settings=settings, accepted_on=date(2027, 3, 1))
    assert not due.provisional


def test_a_year_typed_in_is_loaded_and_the_source_is_what_was_typed(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    token = _admin(site, session, clock)
    loaded = _post(
        site, token, content=schedule_for(FIRST_PROVISIONAL), source="国办发明电 example notice"
    )
    assert loaded.status_code == 303, loaded.text
    row = _year_row(site.get("/admin/calendar").text, FIRST_PROVISIONAL)
    assert "国办发明电 example notice" in row
    assert "Official: loaded" in row
    assert _loaded_days(session) == 3 + 7 + 1


def test_a_bad_schedule_is_refused_beside_its_field_with_the_text_kept(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    token = _admin(site, session, clock)
    year = FIRST_PROVISIONAL
    broken = schedule_for(year).replace(f"to: {year}-01-03", f"to: {year - 1}-12-31")
    answer = _post(site, token, content=broken, source="notice")
    assert answer.status_code == 422
    problem = re.search(r'id="content-error">([^<]+)<', answer.text)
    assert problem is not None
    assert problem.group(1).startswith("holidays[0].to")
    assert f"to: {year - 1}-12-31" in answer.text  # the text typed, kept in the field
    assert 'value="notice"' in answer.text

    no_source = _post(site, token, content=schedule_for(year))
    assert no_source.status_code == 422
    assert re.search(r'id="source-error">[^<]+<', no_source.text)

    covered = _post(site, token, content=schedule_for(year - 1), source="notice")
    assert covered.status_code == 422
    assert re.search(r'id="force-error">[^<]*already in the package', covered.text)
    not_text = site.post(
        "/admin/calendar", data={"csrf_token": token, "source": "x"},
        files=[("file", ("schedule.yaml", b"\xff\xfe\x00bad", "application/yaml"))],
        headers={"Origin": SITE},
    )  # fmt: skip
    assert not_text.status_code == 422
    assert re.search(r'id="file-error">[^<]*UTF-8', not_text.text)
    assert _loaded_days(session) == 0


def test_a_covered_year_is_replaced_only_with_force(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    token = _admin(site, session, clock)
    year = FIRST_PROVISIONAL - 1
    forced = _post(site, token, content=schedule_for(year), source="re-issued", force="true")
    assert forced.status_code == 303, forced.text
    row = _year_row(site.get("/admin/calendar").text, year)
    assert "Official: loaded" in row
    assert "re-issued" in row
    assert session.scalar(select(func.min(CalendarDay.day))) == date(year, 1, 1)


def test_the_calendar_is_the_administrators_only_and_a_form_needs_its_token(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    assert site.get("/admin/calendar").headers["location"] == "/login?next=/admin/calendar"
    company = make_company(session, clock)
    others = [
        user_with_password(session, clock, Role.EXPORTER, company=company),
        user_with_password(session, clock, Role.CUSTOMS_OFFICER),
    ]
    admin = user_with_password(session, clock, Role.ADMINISTRATOR)
    for username in others:
        sign_in(site, username)
        assert site.get("/admin/calendar").status_code == 403
        token = csrf_of(site.get("/").text)
        assert _post(site, token, content=EXAMPLE, source="x").status_code == 403
    sign_in(site, admin)
    assert _post(site, "not-the-token", content=EXAMPLE, source="x").status_code == 403
    assert _loaded_days(session) == 0


def test_the_room_reads_in_chinese_and_links_its_pages(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    _admin(site, session, clock)
    site.cookies.set(LANGUAGE_COOKIE, "zh")
    home = site.get("/admin").text
    assert 'href="/admin/lists"' in home
    assert 'href="/admin/calendar"' in home
    for path in ("/admin/lists", "/admin/calendar"):
        page = site.get(path)
        assert page.status_code == 200
        assert '<html lang="zh' in page.text
        assert "系统管理" in page.text  # "Administration", from the catalog
