"""The front door in HTTP (issue 11): sign-in and sign-out pages, the cookie's flags, the form
checks (token and origin), the throttle seen from the page, the language, and the exporter's
dashboard behind sign-in, on SQLite and PostgreSQL. The browser tests come with Playwright."""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.licensing.filing import file_application
from rarex.models import (
    Application,
    Document,
    License,
    SignInThrottle,
    User,
    WebSession,
)
from rarex.web.site import create_site
from tests.factories import application_data, make_actor, make_company

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from tests.web.site_helpers import (
    PASSWORD,
    SITE,
    csrf_of,
    form_token_of,
    sign_in,
    user_with_password,
)


def test_an_exporter_signs_in_sees_its_dashboard_and_signs_out(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    company = make_company(session, clock)
    username = user_with_password(session, clock, Role.EXPORTER, company)
    signed = sign_in(site, username)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/exporter"
    cookie = signed.headers["set-cookie"]
    assert "rarex_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain HTTP here; HTTPS below
    dashboard = site.get("/exporter")
    assert dashboard.status_code == 200
    assert "My applications" in dashboard.text
    left = site.post(
        "/logout", data={"csrf_token": csrf_of(dashboard.text)}, headers={"Origin": SITE}
    )
    assert left.status_code == 303
    assert site.get("/exporter").headers["location"] == "/login?next=/exporter"
    ended = session.scalars(select(WebSession)).one()
    assert ended.ended_at is not None


def test_the_dashboard_lists_the_companys_own_applications_only(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    mine, theirs = make_company(session, clock), make_company(session, clock)
    username = user_with_password(session, clock, Role.EXPORTER, mine)
    references = {}
    for company in (mine, theirs):
        actor = make_actor(session, clock, Role.EXPORTER, company=company)
        filed = file_application(
            session, clock=clock, actor=actor, settings=settings, data=application_data()
        )
        references[company.id] = filed.reference
    sign_in(site, username)
    page = site.get("/exporter").text
    assert references[mine.id] in page
    assert references[theirs.id] not in page


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    sent = site.get("/exporter")
    assert sent.status_code == 303
    assert sent.headers["location"] == "/login?next=/exporter"
    company = make_company(session, clock)
    username = user_with_password(session, clock, Role.EXPORTER, company)
    back = sign_in(site, username, next="/exporter")
    assert back.headers["location"] == "/exporter"
    # never to another site
    elsewhere = sign_in(site, username, next="//evil.example/x")
    assert elsewhere.headers["location"] == "/exporter"


def test_a_form_without_its_token_or_from_another_origin_is_refused_and_changes_nothing(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    username = user_with_password(session, clock, Role.LICENSING_OFFICER)
    page = site.get("/login")
    token = form_token_of(page.text)
    sessions_before = session.scalar(select(func.count()).select_from(WebSession))
    no_token = site.post(
        "/login", data={"username": username, "password": PASSWORD}, headers={"Origin": SITE}
    )
    other_origin = site.post(
        "/login",
        data={"username": username, "password": PASSWORD, "form_token": token},
        headers={"Origin": "https://evil.example"},
    )
    no_origin = site.post(
        "/login", data={"username": username, "password": PASSWORD, "form_token": token}
    )
    assert [r.status_code for r in (no_token, other_origin, no_origin)] == [403, 403, 403]
    assert "web.csrf" in no_token.text
    assert "web.cross_origin" in other_origin.text
    assert session.scalar(select(func.count()).select_from(WebSession)) == sessions_before
    # signed in, sign-out without the session's token is refused and the session lives on
    signed = sign_in(site, username)
    assert signed.status_code == 303
    refused = site.post("/logout", data={"csrf_token": "forged"}, headers={"Origin": SITE})
    assert refused.status_code == 403
    assert session.scalars(select(WebSession).where(WebSession.ended_at.is_(None))).first()


def test_a_wrong_password_keeps_the_username_and_says_no_more(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    username = user_with_password(session, clock, Role.LICENSING_OFFICER)
    wrong = sign_in(site, username, "not the password")
    unknown = sign_in(site, "nobody.at.all", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong username or password." in wrong.text
    assert f'value="{username}"' in wrong.text
    empty = sign_in(site, "", "")
    assert empty.status_code == 422
    assert 'id="username-error"' in empty.text
    assert 'aria-invalid="true"' in empty.text


def test_repeated_failures_slow_then_lock_one_address_while_another_signs_in(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    username = user_with_password(session, clock, Role.LICENSING_OFFICER)
    sessions = sessionmaker(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    behind_proxy = settings.model_copy(update={"trusted_proxies": "127.0.0.1/32"})
    app = create_site(behind_proxy, session_factory=sessions, clock=clock)
    with TestClient(app, base_url=SITE, follow_redirects=False, client=("127.0.0.1", 5000)) as site:

        def attempt(password: str, address: str) -> Any:
            page = site.get("/login")
            return site.post(
                "/login",
                data={"username": username, "password": password,
                      "form_token": form_token_of(page.text)},
                headers={"Origin": SITE, "X-Forwarded-For": f"{address}, 127.0.0.1"},
            )  # fmt: skip

        for _ in range(settings.sign_in_lock_failures - 1):
            assert attempt("not the password", "198.51.100.7").status_code == 401
            slowed = attempt(PASSWORD, "198.51.100.7")  # at once: slowed, even the right one
            assert slowed.status_code == 429
            assert "Sign-ins from this address are slowed" in slowed.text
            clock.advance(timedelta(seconds=int(slowed.headers["retry-after"])))
        assert attempt("not the password", "198.51.100.7").status_code == 401
        locked = attempt(PASSWORD, "198.51.100.7")
        assert locked.status_code == 429
        assert "Too many failed sign-ins" in locked.text
        # the owner, at another address, signs in as ever
        assert attempt(PASSWORD, "192.0.2.10").status_code == 303
    pairs = session.scalars(select(SignInThrottle)).all()
    assert [p.client_address for p in pairs] == ["198.51.100.7"]


def test_the_cookie_is_secure_over_https_through_a_trusted_proxy_only(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    username = user_with_password(session, clock, Role.LICENSING_OFFICER)
    sessions = sessionmaker(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    for trusted, secure in (("127.0.0.1", True), ("", False)):
        app = create_site(
            settings.model_copy(update={"trusted_proxies": trusted}),
            session_factory=sessions,
            clock=clock,
        )
        # the browser speaks HTTPS to the proxy, the proxy HTTP to us
        base = "https://testserver" if secure else SITE
        with TestClient(
            app, base_url=base, follow_redirects=False, client=("127.0.0.1", 1)
        ) as site:
            page = site.get("/login", headers={"X-Forwarded-Proto": "https"})
            origin = base
            signed = site.post(
                "/login",
                data={"username": username, "password": PASSWORD,
                      "form_token": form_token_of(page.text)},
                headers={"Origin": origin, "X-Forwarded-Proto": "https"},
            )  # fmt: skip
            assert signed.status_code == 303
            assert ("Secure" in signed.headers["set-cookie"]) is secure


def test_pages_speak_the_chosen_language_then_the_browsers(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    assert "登录" in site.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert 'lang="zh-Hans"' in site.get("/", headers={"Accept-Language": "zh-CN"}).text
    english = site.get("/", headers={"Accept-Language": "fr-FR, en;q=0.8, zh;q=0.5"})
    assert 'lang="en"' in english.text
    chosen = site.get("/language?to=zh&next=/login")
    assert chosen.headers["location"] == "/login"
    assert "rarex_lang=zh" in chosen.headers["set-cookie"]
    assert "用户名" in site.get("/login", headers={"Accept-Language": "en"}).text


def test_an_unknown_page_is_a_page_and_an_unknown_api_path_a_problem(site: TestClient) -> None:
    page = site.get("/no/such/page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    api = site.get("/api/v1/no/such/thing")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_a_deactivated_user_is_signed_out_at_the_next_request(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    from rarex.auth.service import deactivate_user

    company = make_company(session, clock)
    username = user_with_password(session, clock, Role.EXPORTER, company)
    sign_in(site, username)
    assert site.get("/exporter").status_code == 200
    # an administrator elsewhere, in a transaction of its own as the pages have theirs
    sessions = sessionmaker(bind=session.get_bind(), join_transaction_mode="create_savepoint")
    with sessions() as elsewhere:
        deactivate_user(elsewhere, clock=clock, actor=None, username=username)
        elsewhere.commit()
    assert site.get("/exporter").status_code == 303
    session.expire_all()
    assert session.scalars(select(User).where(User.username == username)).one().active is False


def test_an_exporter_opens_its_application_and_license_but_never_anothers(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    from tests.factories import approve, filed_and_accepted

    mine, theirs = make_company(session, clock), make_company(session, clock)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    cases = {}
    for company in (mine, theirs):
        exporter = make_actor(session, clock, Role.EXPORTER, company=company)
        application = filed_and_accepted(session, clock, settings, exporter, officer)
        approve(session, clock, settings, officer, application)
        cases[company.id] = application.reference
    session.expire_all()
    licenses = {
        company_id: session.scalars(
            select(License.number).join(Application).where(Application.reference == reference)
        ).one()
        for company_id, reference in cases.items()
    }
    username = user_with_password(session, clock, Role.EXPORTER, mine)
    sign_in(site, username)
    own = site.get(f"/exporter/applications/{cases[mine.id]}")
    assert own.status_code == 200
    assert "Approved" in own.text
    assert licenses[mine.id] in own.text
    license_page = site.get(f"/exporter/licenses/{licenses[mine.id]}")
    assert license_page.status_code == 200
    assert "Remaining (kg)" in license_page.text
    for path in (
        f"/exporter/applications/{cases[theirs.id]}",
        f"/exporter/licenses/{licenses[theirs.id]}",
        "/exporter/applications/RX-0000-NOTHING",
    ):
        hidden = site.get(path)
        assert hidden.status_code == 404, path
        assert "Page not found" in hidden.text
        assert f"Application {cases[theirs.id]}" not in hidden.text  # nothing of it shown
    # in Chinese too
    assert (
        "许可证"
        in site.get(
            f"/exporter/licenses/{licenses[mine.id]}", headers={"Accept-Language": "zh"}
        ).text
    )


def test_signing_in_again_ends_the_browsers_earlier_session(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    username = user_with_password(session, clock, Role.LICENSING_OFFICER)
    sign_in(site, username)
    page = site.get("/login")  # signed in: sent home; sign in afresh as a new form would
    assert page.status_code == 303
    token = site.cookies.get("rarex_session")
    form = site.get("/login", cookies={"rarex_session": "none"})
    again = site.post(
        "/login",
        data={"username": username, "password": PASSWORD, "form_token": form_token_of(form.text)},
        headers={"Origin": SITE},
        cookies={"rarex_session": token or ""},
    )
    assert again.status_code == 303
    session.expire_all()
    live = session.scalars(select(WebSession).where(WebSession.ended_at.is_(None))).all()
    assert len(live) == 1


def test_signing_out_of_an_expired_session_forgets_the_cookie(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    username = user_with_password(session, clock, Role.LICENSING_OFFICER)
    sign_in(site, username)
    clock.advance(timedelta(minutes=settings.session_idle_minutes + 1))
    left = site.post("/logout", data={"csrf_token": "whatever"}, headers={"Origin": SITE})
    assert left.status_code == 303
    assert 'rarex_session=""' in left.headers["set-cookie"]


def test_pages_refuse_to_be_framed_or_cached_and_answer_bad_input_with_a_page(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    home = site.get("/")
    assert home.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert home.headers["cache-control"] == "no-store"
    assert "x-frame-options" not in site.get("/api/v1/statistics/series").headers
    company = make_company(session, clock)
    sign_in(site, user_with_password(session, clock, Role.EXPORTER, company))
    garbled = site.get("/exporter?page_token=garbage")
    assert garbled.status_code == 404
    assert garbled.headers["content-type"].startswith("text/html")
    form = site.get("/login", cookies={"rarex_session": "none"})
    too_long = site.post(
        "/login",
        data={"username": "x", "password": "p" * 300, "form_token": form_token_of(form.text)},
        headers={"Origin": SITE},
    )
    assert too_long.status_code == 422
    assert too_long.headers["content-type"].startswith("text/html")
    assert "p" * 300 not in too_long.text


def test_an_exporter_answers_a_request_for_information_with_a_document(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    from rarex.licensing import review
    from rarex.licensing.states import Action
    from tests.factories import filed_and_accepted

    company = make_company(session, clock)
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    application = filed_and_accepted(session, clock, settings, exporter, officer)
    review.transition(
        session, actor=officer, clock=clock, settings=settings, application_id=application.id,
        action=Action.REQUEST_INFORMATION, reason="Send product photos of the magnets",
    )  # fmt: skip
    username = user_with_password(session, clock, Role.EXPORTER, company)
    sign_in(site, username)
    path = f"/exporter/applications/{application.reference}"
    page = site.get(path)
    assert "Send product photos of the magnets" in page.text
    assert "The clock is stopped" in page.text
    # an empty answer is refused beside its field, the file not kept
    empty = site.post(
        f"{path}/answer",
        data={"csrf_token": csrf_of(page.text), "answer": " ", "kind": "product_photos"},
        files={"file": ("photo.png", b"\x89PNG fake", "image/png")},
        headers={"Origin": SITE},
    )
    assert empty.status_code == 422
    assert 'id="answer-error"' in empty.text
    answered = site.post(
        f"{path}/answer",
        data={"csrf_token": csrf_of(page.text), "answer": "Photos attached.",
              "kind": "product_photos"},
        files={"file": ("photo.png", b"\x89PNG fake", "image/png")},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert answered.status_code == 303
    after = site.get(path).text
    assert "Under review" in after
    assert "photo.png" in after
    assert "The clock is stopped" not in after
    session.expire_all()
    kinds = [d.kind for d in session.scalars(select(Document).where(
        Document.application_id == application.id))]  # fmt: skip
    assert kinds.count("product_photos") == 1


def test_an_exporter_completes_and_submits_a_draft_refused_while_a_document_is_missing(
    site: TestClient, session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    draft = file_application(
        session, clock=clock, actor=exporter, settings=settings, data=application_data()
    )
    sign_in(site, user_with_password(session, clock, Role.EXPORTER, company))
    path = f"/exporter/applications/{draft.reference}"
    token = csrf_of(site.get(path).text)
    early = site.post(f"{path}/submit", data={"csrf_token": token}, headers={"Origin": SITE})
    assert early.status_code == 422
    assert "cannot be submitted while a required document is missing" in early.text
    nothing = site.post(
        f"{path}/documents", data={"csrf_token": token, "kind": "contract"},
        headers={"Origin": SITE},
    )  # fmt: skip
    assert nothing.status_code == 422
    assert "Choose a file." in nothing.text
    for kind in ("contract", "end_user_certificate", "end_use_statement", "technical_description"):
        uploaded = site.post(
            f"{path}/documents",
            data={"csrf_token": token, "kind": kind},
            files={"file": (f"{kind}.pdf", b"%PDF-1.4 " + kind.encode(), "application/pdf")},
            headers={"Origin": SITE},
        )
        assert uploaded.status_code == 303
    submitted = site.post(f"{path}/submit", data={"csrf_token": token}, headers={"Origin": SITE})
    assert submitted.status_code == 303
    page = site.get(path).text
    assert "Submitted" in page
    assert "starts at acceptance" in page


def test_two_sign_in_tabs_of_one_browser_both_work(
    site: TestClient, session: Session, clock: FixedClock
) -> None:
    username = user_with_password(session, clock, Role.LICENSING_OFFICER)
    first = form_token_of(site.get("/login").text)
    second = form_token_of(site.get("/login").text)  # another tab, later
    assert first == second
    signed = site.post(
        "/login",
        data={"username": username, "password": PASSWORD, "form_token": first},
        headers={"Origin": SITE},
    )
    assert signed.status_code == 303
