"""The pages of the front door: home, sign-in and sign-out, the language switch, and the
exporter's dashboard. Each route parses, calls one service of a domain room, renders.

Every state-changing form is checked twice: its Origin (or, without one, its Referer) must be
this site, and it must carry its token: the session's own once signed in, before that a
random token also set as a cookie (a page of another site can make a browser post, but can
neither read nor set either token)."""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Final, NamedTuple
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.api.uploads import file_name
from rarex.auth.roles import Role
from rarex.auth.service import mark_news_seen
from rarex.auth.sign_in import (
    Resumed,
    SignInPolicy,
    resume,
    sign_in,
    sign_out,
    touch_session,
)
from rarex.clock import authority_date
from rarex.config import Settings
from rarex.customs.views import license_drawdowns
from rarex.errors import (
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    TooManyAttempts,
    Unauthenticated,
)
from rarex.licensing.filing import DocumentUpload, attach_document
from rarex.licensing.news import news_for
from rarex.licensing.review import supply_information
from rarex.licensing.schemas import ApplicationRead
from rarex.licensing.views import (
    application_view,
    license_view,
    list_application_summaries,
    list_license_views,
    resolve_application_id,
)
from rarex.notify.service import unread_count
from rarex.web.i18n import LANGUAGE_COOKIE, LANGUAGES, Language, language_of
from rarex.web.requests import client_address, is_https, origin_of
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

SESSION_COOKIE: Final = "rarex_session"
FORM_COOKIE: Final = "rarex_form"
MAX_FIELD: Final = 256
PAGE_SIZE: Final = 50
LICENSES_SHOWN: Final = 20
MAX_ANSWER: Final = 4000


class Problem(NamedTuple):
    """A refusal as a page shows it: its code (for the page's language) and the message."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Viewer(Resumed):
    """The signed-in user as every page shows it: with how many notifications they have not
    read (the count in the site's header)."""

    unread: int = 0


def _viewer(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Resumed | None:
    """The signed-in user, or None (no cookie, or a session that ended)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token or len(token) > MAX_FIELD:
        return None
    try:
        viewer = resume(
            session, clock=clock, token=token, policy=SignInPolicy.of(settings), touch=False
        )
    except Unauthenticated:
        return None
    if viewer.stale:
        _touch(request, clock, uuid.UUID(viewer.session_id))
    return Viewer(
        actor=viewer.actor, csrf_token=viewer.csrf_token, session_id=viewer.session_id,
        stale=viewer.stale, unread=unread_count(session, actor=viewer.actor),
    )  # fmt: skip


def _touch(request: Request, clock: ClockDep, session_id: uuid.UUID) -> None:
    """Best effort, in a transaction of its own: a page is read whether or not its session's
    last-seen time could be written (on SQLite another writer may hold the database)."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    try:
        with factory() as own, own.begin():
            touch_session(own, clock=clock, session_id=session_id)
    except DBAPIError:
        pass


ViewerDep = Annotated[Resumed | None, Depends(_viewer)]


def _language(request: Request) -> Language:
    return language_of(request)


LanguageDep = Annotated[Language, Depends(_language)]


def same_origin(request: Request, settings: Settings) -> None:
    expected = origin_of(request, settings.trusted_proxies)
    origin = request.headers.get("origin")
    if origin is not None:
        trusted = origin == expected
    else:
        referer = request.headers.get("referer", "")
        trusted = referer == expected or referer.startswith(expected + "/")
    if not trusted:
        raise Forbidden("this form was not sent from this site", code="web.cross_origin")


def form_token_matches(sent: str, expected: str | None) -> None:
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("this form has expired or was not sent from this site", code="web.csrf")


def _keep(
    response: Response,
    request: Request,
    settings: Settings,
    name: str,
    value: str,
    *,
    path: str = "/",
    max_age: int | None = None,
    httponly: bool = True,
) -> None:
    """A cookie of this site: SameSite=Lax, Secure whenever the browser speaks HTTPS."""
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=httponly, samesite="lax",
        secure=is_https(request, settings.trusted_proxies),
    )  # fmt: skip


def _next(target: str | None, default: str = "/") -> str:
    """Only a path of this site: never another site ("//evil.example", "https://…")."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target[:MAX_FIELD]


def _home_of(role: Role) -> str:
    """Where a user starts: an exporter at its applications, the authority at its desk, a
    partner authority at the cases in its jurisdiction."""
    if role is Role.EXPORTER:
        return "/exporter"
    if role in (Role.LICENSING_OFFICER, Role.ADMINISTRATOR):
        return "/officer"
    if role is Role.CUSTOMS_OFFICER:
        return "/customs"
    if role is Role.ANALYST:
        return "/analyst"
    if role is Role.PARTNER_AUTHORITY:
        return "/partner"
    return "/"


def refused_page(request: Request, language: Language, error: Forbidden) -> Response:
    return render(
        request,
        "error.html",
        {"viewer": None, "status": 403, "code": error.code, "message": error.message},
        language=language,
        status_code=403,
    )


@router.get("/")
def home(request: Request, viewer: ViewerDep, language: LanguageDep) -> Response:
    return render(request, "home.html", {"viewer": viewer}, language=language)


def _login_page(
    request: Request,
    language: Language,
    settings: Settings,
    *,
    username: str = "",
    next_path: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    # the browser's own form token while it has one: two tabs on /login both stay valid
    kept = request.cookies.get(FORM_COOKIE, "")
    token = kept if 32 <= len(kept) <= MAX_FIELD else secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {
            "viewer": None,
            "username": username,
            "next_path": next_path,
            "form_token": token,
            "errors": errors or {},
        },
        language=language,
        status_code=status_code,
        headers=headers,
    )
    _keep(response, request, settings, FORM_COOKIE, token, path="/login")
    return response


@router.get("/login")
def login_form(
    request: Request,
    viewer: ViewerDep,
    language: LanguageDep,
    settings: SettingsDep,
    next: str | None = None,
) -> Response:
    if viewer is not None:
        return RedirectResponse(_next(next, _home_of(viewer.actor.role)), status_code=303)
    return _login_page(request, language, settings, next_path=_next(next, ""))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    language: LanguageDep,
    username: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    form_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    try:
        same_origin(request, settings)
        form_token_matches(form_token, request.cookies.get(FORM_COOKIE))
    except Forbidden as refused:
        return refused_page(request, language, refused)
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = "missing"
    if not password:
        errors["password"] = "missing"
    if errors:
        return _login_page(
            request, language, settings, username=username, next_path=_next(next, ""),
            errors=errors, status_code=422,
        )  # fmt: skip
    try:
        signed = sign_in(
            session,
            clock=clock,
            username=username,
            password=password,
            client_address=client_address(request, settings.trusted_proxies),
            policy=SignInPolicy.of(settings),
        )
    except Unauthenticated:
        # the failure is counted (the request's transaction commits), and says no more
        return _login_page(
            request, language, settings, username=username, next_path=_next(next, ""),
            errors={"form": "sign_in_failed"}, status_code=401,
        )  # fmt: skip
    except TooManyAttempts as slowed:
        retry = int(slowed.details.get("retry_after", 1))
        return _login_page(
            request, language, settings, username=username, next_path=_next(next, ""),
            errors={"form": slowed.code.removeprefix("auth."), "retry_after": str(retry)},
            status_code=429, headers={"Retry-After": str(retry)},
        )  # fmt: skip
    previous = request.cookies.get(SESSION_COOKIE, "")
    if previous and len(previous) <= MAX_FIELD:
        sign_out(session, clock=clock, token=previous)  # one browser, one session
    response = RedirectResponse(_next(next, _home_of(signed.actor.role)), 303)
    lifetime = int(SignInPolicy.of(settings).absolute.total_seconds())
    _keep(response, request, settings, SESSION_COOKIE, signed.token, max_age=lifetime)
    response.delete_cookie(FORM_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    try:
        same_origin(request, settings)
        if viewer is not None:  # a session that already ended has nothing left to protect
            form_token_matches(csrf_token, viewer.csrf_token)
    except Forbidden as refused:
        return refused_page(request, language, refused)
    if viewer is not None:
        sign_out(session, clock=clock, token=request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/language")
def choose_language(
    request: Request,
    settings: SettingsDep,
    to: str = "en",
    next: str | None = None,
) -> Response:
    """The language switch: the choice is kept in a cookie, above the browser's preference."""
    response = RedirectResponse(_next(next), status_code=303)
    if to in LANGUAGES:
        year = 365 * 24 * 3600
        _keep(response, request, settings, LANGUAGE_COOKIE, to, max_age=year, httponly=False)
    return response


def sign_in_first(request: Request) -> Response:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


@router.get("/exporter")
def exporter_dashboard(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    page_token: Annotated[str | None, Query(max_length=2000)] = None,
    license_page_token: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The exporter's applications, newest first, a page at a time; those the authority
    waits for an answer on; and its licenses with what is left of each line."""
    exporter = exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    viewer = exporter
    try:
        page = list_application_summaries(
            session, actor=viewer.actor, clock=clock, settings=settings,
            limit=PAGE_SIZE, page_token=page_token,
        )  # fmt: skip
        waiting = list_application_summaries(
            session, actor=viewer.actor, clock=clock, settings=settings,
            state="information_requested", limit=PAGE_SIZE,
        )  # fmt: skip
        licenses = list_license_views(
            session, actor=viewer.actor, on=authority_date(clock.now()),
            limit=LICENSES_SHOWN, page_token=license_page_token,
        )  # fmt: skip
    except InvalidInput as bad:
        return not_found_page(request, language, viewer, bad.code)
    return render(
        request, "exporter.html",
        {"viewer": viewer, "page": page, "waiting": waiting, "licenses": licenses,
         "news": news_for(session, actor=viewer.actor)},
        language=language,
    )  # fmt: skip


@router.post("/news/seen")
def news_seen_by_viewer(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    upto: Annotated[int, Form(ge=0, le=2**62)] = 0,
    next: Annotated[str, Form(max_length=MAX_FIELD)] = "/",
) -> Response:
    """The signed-in user has seen the news of their pages up to ``upto``."""
    if viewer is None:
        return sign_in_first(request)
    try:
        same_origin(request, settings)
        form_token_matches(csrf_token, viewer.csrf_token)
    except Forbidden as refused:
        return refused_page(request, language, refused)
    mark_news_seen(session, actor=viewer.actor, upto=upto)
    return RedirectResponse(_next(next, _home_of(viewer.actor.role)), status_code=303)


@dataclass(frozen=True, slots=True)
class Room:
    """Who a set of pages is for: anyone else signed in is refused with ``code``."""

    roles: frozenset[Role]
    code: str
    message: str

    def admit(
        self, request: Request, viewer: Resumed | None, language: Language
    ) -> Resumed | Response:
        """The signed-in user of one of the roles, or the answer for anyone else (sign in
        first, or not allowed)."""
        if viewer is None:
            return sign_in_first(request)
        if viewer.actor.role not in self.roles:
            return refused_page(request, language, Forbidden(self.message, code=self.code))
        return viewer

    async def posted(
        self,
        request: Request,
        settings: Settings,
        viewer: Resumed | None,
        language: Language,
        *,
        max_part_size: int | None = None,
    ) -> tuple[Resumed, FormData] | Response:
        """A form of these pages, admitted and checked (its origin, its token): the user and
        the form, or the answer to give at once."""
        admitted = self.admit(request, viewer, language)
        if isinstance(admitted, Response):
            return admitted
        form = (
            await request.form(max_part_size=max_part_size)
            if max_part_size is not None
            else await request.form()
        )
        try:
            same_origin(request, settings)
            form_token_matches(str(form.get("csrf_token", ""))[:MAX_FIELD], admitted.csrf_token)
        except Forbidden as forbidden:
            return refused_page(request, language, forbidden)
        return admitted, form


EXPORTERS: Final = Room(
    frozenset({Role.EXPORTER}), "web.exporters_only", "this page is the exporters' own"
)


def exporter_only(
    request: Request, viewer: Resumed | None, language: Language
) -> Resumed | Response:
    """The signed-in exporter, or the answer for anyone else (sign in first, or not allowed)."""
    return EXPORTERS.admit(request, viewer, language)


def not_found_page(
    request: Request, language: Language, viewer: Resumed | None, code: str
) -> Response:
    return render(
        request, "error.html", {"viewer": viewer, "status": 404, "code": code, "message": ""},
        language=language, status_code=404,
    )  # fmt: skip


@router.get("/exporter/applications/{reference}")
def exporter_application(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """One application of the company: its clock, lines, documents and history. Another
    company's is not found, as if it did not exist."""
    exporter = exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    viewer = exporter
    try:
        view = application_view(
            session, actor=viewer.actor, clock=clock, settings=settings, key=reference[:64]
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)
    return application_page(request, viewer, language, settings, view)


@router.get("/exporter/licenses/{number}")
def exporter_license(
    request: Request,
    number: str,
    session: SessionDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """One license of the company: lines with what is left of each, validity, conditions."""
    exporter = exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    viewer = exporter
    try:
        view = license_view(session, actor=viewer.actor, number=number[:64])
        drawdowns = license_drawdowns(session, actor=viewer.actor, number=view.number)
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)
    return render(
        request, "exporter_license.html",
        {"viewer": viewer, "license": view, "drawdowns": drawdowns},
        language=language,
    )  # fmt: skip


@router.post("/exporter/applications/{reference}/answer")
def answer_request(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    answer: Annotated[str, Form(max_length=MAX_ANSWER)] = "",
    kind: Annotated[str, Form(max_length=64)] = "other",
    file: UploadFile | None = None,
) -> Response:
    """The applicant's answer to a request for information: its text and, if given, a
    document; the case goes back to review and its clock runs again."""
    checked = checked_post(request, session, settings, viewer, language, csrf_token, reference)
    if not isinstance(checked, tuple):
        return checked
    who, application_id = checked
    errors: dict[str, Any] = {}
    document = (
        DocumentUpload(
            kind=kind,
            filename=file_name(file, field="file", default="document"),
            media_type=file.content_type or "application/octet-stream",
            content=file.file.read(settings.max_document_bytes + 1),
        )
        if file is not None and file.filename
        else None
    )
    try:
        supply_information(
            session, actor=who.actor, clock=clock, settings=settings,
            application_id=application_id, answer=answer, document=document,
        )  # fmt: skip
    except (InvalidInput, PayloadTooLarge, InvalidTransition) as problem:
        field = str(problem.details.get("field") or "")
        if field == "answer":
            errors["answer"] = "missing"
        elif "file" in field or isinstance(problem, PayloadTooLarge):
            errors["file"] = Problem(problem.code, problem.message)
        else:
            errors["form"] = Problem(problem.code, problem.message)
    if errors:
        return _application_form_error(
            request, session, clock, settings, who, language, application_id, errors, 422,
            answer=answer, kind=kind,
        )  # fmt: skip
    return RedirectResponse(f"/exporter/applications/{quote(reference[:64])}", status_code=303)


def _application_form_error(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: Resumed,
    language: Language,
    application_id: uuid.UUID,
    errors: dict[str, Any],
    status_code: int,
    *,
    answer: str = "",
    kind: str = "other",
) -> Response:
    """The application's page again, each problem beside its form, what was typed kept."""
    view = application_view(
        session, actor=viewer.actor, clock=clock, settings=settings, key=application_id
    )
    return application_page(
        request, viewer, language, settings, view, errors, status_code, answer=answer, kind=kind
    )


ACCEPTED_FILES: Final = ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.txt,.xml"


def application_page(
    request: Request,
    viewer: Resumed,
    language: Language,
    settings: Settings,
    view: ApplicationRead,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
    *,
    answer: str = "",
    kind: str = "other",
) -> Response:
    return render(
        request, "exporter_application.html",
        {
            "viewer": viewer, "application": view, "errors": errors or {}, "answer": answer,
            "kind": kind, "accepted": ACCEPTED_FILES, "max_bytes": settings.max_document_bytes,
        },
        language=language, status_code=status_code,
    )  # fmt: skip


def checked_post(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: Resumed | None,
    language: Language,
    csrf_token: str,
    reference: str,
) -> Response | tuple[Resumed, uuid.UUID]:
    """An exporter's form about one of its applications: the answer to give at once, or the
    viewer and the application's id."""
    exporter = exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    viewer = exporter
    try:
        same_origin(request, settings)
        form_token_matches(csrf_token, viewer.csrf_token)
    except Forbidden as forbidden:
        return refused_page(request, language, forbidden)
    try:
        return viewer, resolve_application_id(session, actor=viewer.actor, key=reference[:64])
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)


@router.post("/exporter/applications/{reference}/documents")
def upload_document(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    kind: Annotated[str, Form(max_length=64)] = "other",
    file: UploadFile | None = None,
) -> Response:
    """A document of a draft or a returned application, kind and size checked."""
    checked = checked_post(request, session, settings, viewer, language, csrf_token, reference)
    if not isinstance(checked, tuple):
        return checked
    who, application_id = checked
    if file is None or not file.filename:
        return _application_form_error(
            request, session, clock, settings, who, language, application_id,
            {"document": "missing"}, 422,
        )  # fmt: skip
    try:
        attach_document(
            session, actor=who.actor, clock=clock, settings=settings,
            application_id=application_id, kind=kind,
            filename=file_name(file, field="file", default="document"),
            media_type=file.content_type or "application/octet-stream",
            content=file.file.read(settings.max_document_bytes + 1),
        )  # fmt: skip
    except (InvalidInput, PayloadTooLarge, InvalidTransition, Forbidden) as problem:
        return _application_form_error(
            request, session, clock, settings, who, language, application_id,
            {"document": Problem(problem.code, problem.message)},
            413 if isinstance(problem, PayloadTooLarge) else 422,
        )  # fmt: skip
    return RedirectResponse(f"/exporter/applications/{quote(reference[:64])}", status_code=303)
