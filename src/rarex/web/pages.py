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
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.api.uploads import file_name
from rarex.auth.roles import Role
from rarex.auth.sign_in import (
    Resumed,
    SignInPolicy,
    resume,
    sign_in,
    sign_out,
    touch_session,
)
from rarex.config import Settings
from rarex.errors import (
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    TooManyAttempts,
    Unauthenticated,
)
from rarex.licensing.end_uses import END_USE_CATEGORIES
from rarex.licensing.filing import DocumentUpload, attach_document, file_application
from rarex.licensing.review import supply_information, transition
from rarex.licensing.schemas import ApplicationCreate
from rarex.licensing.states import Action
from rarex.licensing.views import (
    application_view,
    license_view,
    list_application_summaries,
    resolve_application_id,
)
from rarex.web.i18n import LANGUAGE_COOKIE, LANGUAGES, Language, language_of
from rarex.web.requests import client_address, is_https, origin_of
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

SESSION_COOKIE: Final = "rarex_session"
FORM_COOKIE: Final = "rarex_form"
MAX_FIELD: Final = 256
PAGE_SIZE: Final = 50
MAX_ANSWER: Final = 4000


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
    return viewer


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


def _same_origin(request: Request, settings: Settings) -> None:
    expected = origin_of(request, settings.trusted_proxies)
    origin = request.headers.get("origin")
    if origin is not None:
        trusted = origin == expected
    else:
        referer = request.headers.get("referer", "")
        trusted = referer == expected or referer.startswith(expected + "/")
    if not trusted:
        raise Forbidden("this form was not sent from this site", code="web.cross_origin")


def _form_token(sent: str, expected: str | None) -> None:
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


def _home_of(viewer: Resumed) -> str:
    return "/exporter" if viewer.actor.role is Role.EXPORTER else "/"


def _refused(request: Request, language: Language, error: Forbidden) -> Response:
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
        return RedirectResponse(_next(next, _home_of(viewer)), status_code=303)
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
        _same_origin(request, settings)
        _form_token(form_token, request.cookies.get(FORM_COOKIE))
    except Forbidden as refused:
        return _refused(request, language, refused)
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
    response = RedirectResponse(
        _next(next, "/exporter" if signed.actor.role is Role.EXPORTER else "/"), 303
    )
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
        _same_origin(request, settings)
        if viewer is not None:  # a session that already ended has nothing left to protect
            _form_token(csrf_token, viewer.csrf_token)
    except Forbidden as refused:
        return _refused(request, language, refused)
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


def _sign_in_first(request: Request) -> Response:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


@router.get("/exporter")
def exporter_dashboard(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    page_token: str | None = None,
) -> Response:
    """The exporter's applications, newest first, a page at a time."""
    exporter = _exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    viewer = exporter
    try:
        page = list_application_summaries(
            session, actor=viewer.actor, clock=clock, settings=settings,
            limit=PAGE_SIZE, page_token=page_token,
        )  # fmt: skip
    except InvalidInput as bad:
        return not_found_page(request, language, viewer, bad.code)
    return render(request, "exporter.html", {"viewer": viewer, "page": page}, language=language)


def _exporter_only(
    request: Request, viewer: Resumed | None, language: Language
) -> Resumed | Response:
    """The signed-in exporter, or the answer for anyone else (sign in first, or not allowed)."""
    if viewer is None:
        return _sign_in_first(request)
    if viewer.actor.role is not Role.EXPORTER:
        refused = Forbidden("this page is the exporters' own", code="web.exporters_only")
        return _refused(request, language, refused)
    return viewer


def not_found_page(
    request: Request, language: Language, viewer: Resumed | None, code: str
) -> Response:
    return render(
        request, "error.html", {"viewer": viewer, "status": 404, "code": code, "message": ""},
        language=language, status_code=404,
    )  # fmt: skip


# The filing form's fields, as the form names them, and where each goes in ApplicationCreate.
FILING_FIELDS: Final = (
    "license_type", "consignee_name", "consignee_country", "end_user_name", "end_user_country",
    "end_use_category", "end_use_statement", "contract_reference", "control_code", "hs_code",
    "description", "quantity_kg", "value", "currency",
)  # fmt: skip
_FIELD_OF_LOCATION: Final = {
    ("consignee", "name"): "consignee_name", ("consignee", "country"): "consignee_country",
    ("end_user", "name"): "end_user_name", ("end_user", "country"): "end_user_country",
    ("lines", 0, "control_code"): "control_code", ("lines", 0, "hs_code"): "hs_code",
    ("lines", 0, "description"): "description", ("lines", 0, "quantity_kg"): "quantity_kg",
    ("lines", 0, "value"): "value", ("lines", 0, "currency"): "currency",
}  # fmt: skip


_FIELD_OF_CODE: Final = {
    "application.invalid_quantity": "quantity_kg",
    "application.quantity_not_positive": "quantity_kg",
    "application.quantity_absurd": "quantity_kg",
    "application.invalid_value": "value",
    "application.unknown_currency": "currency",
    "application.item_not_controlled": "control_code",
    "application.end_use_statement_required": "end_use_statement",
    "application.general_license_requires_icp": "license_type",
}


def _filing_data(form: dict[str, str]) -> dict[str, Any]:
    return {
        "license_type": form["license_type"] or "single",
        "consignee": {"name": form["consignee_name"], "country": form["consignee_country"]},
        "end_user": {"name": form["end_user_name"], "country": form["end_user_country"]},
        "end_use_category": form["end_use_category"],
        "end_use_statement": form["end_use_statement"],
        "contract_reference": form["contract_reference"],
        "lines": [
            {
                "control_code": form["control_code"], "hs_code": form["hs_code"],
                "description": form["description"], "quantity_kg": form["quantity_kg"],
                "value": form["value"], "currency": form["currency"] or "USD",
            }
        ],
    }  # fmt: skip


def _filing_page(
    request: Request,
    viewer: Resumed,
    language: Language,
    form: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request, "exporter_new.html",
        {"viewer": viewer, "form": form, "errors": errors, "end_uses": END_USE_CATEGORIES},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/exporter/applications/new")
def new_application(request: Request, viewer: ViewerDep, language: LanguageDep) -> Response:
    exporter = _exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    viewer = exporter
    blank = dict.fromkeys(FILING_FIELDS, "") | {"license_type": "single", "currency": "USD"}
    return _filing_page(request, viewer, language, blank, {})


@router.post("/exporter/applications/new")
async def file_new_application(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """A draft from the form: every problem shown at once beside its field, what was typed
    kept; filed, the draft's page, where its documents are added and it is submitted."""
    exporter = _exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    viewer = exporter
    posted = await request.form()
    form = {name: str(posted.get(name, ""))[:MAX_ANSWER] for name in FILING_FIELDS}
    try:
        _same_origin(request, settings)
        _form_token(str(posted.get("csrf_token", ""))[:MAX_FIELD], viewer.csrf_token)
    except Forbidden as forbidden:
        return _refused(request, language, forbidden)
    errors: dict[str, str] = {}
    try:
        data = ApplicationCreate.model_validate(_filing_data(form))
    except ValidationError as invalid:
        for problem in invalid.errors():
            location = tuple(problem["loc"])
            field = _FIELD_OF_LOCATION.get(location) or str(location[0])
            errors.setdefault(field if field in FILING_FIELDS else "form", problem["msg"])
        return _filing_page(request, viewer, language, form, errors, 422)
    try:
        filed = await run_in_threadpool(
            file_application, session, actor=viewer.actor, clock=clock, settings=settings,
            data=data,
        )  # fmt: skip
    except (InvalidInput, NotFound) as problem:
        # "lines[0].control_code", "consignee.country", "end_use_category": the form's names;
        # a line's problems name their line, not their field: their code says which
        field = str(problem.details.get("field") or "").replace("lines[0].", "")
        key = field.replace(".", "_") or _FIELD_OF_CODE.get(problem.code, "form")
        errors[key if key in FILING_FIELDS else "form"] = problem.message
        return _filing_page(request, viewer, language, form, errors, 422)
    return RedirectResponse(f"/exporter/applications/{quote(filed.reference)}", status_code=303)


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
    exporter = _exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    viewer = exporter
    try:
        view = application_view(
            session, actor=viewer.actor, clock=clock, settings=settings, key=reference[:64]
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)
    return render(
        request, "exporter_application.html",
        {"viewer": viewer, "application": view, "errors": {}, "answer": "", "kind": "other"},
        language=language,
    )  # fmt: skip


@router.get("/exporter/licenses/{number}")
def exporter_license(
    request: Request,
    number: str,
    session: SessionDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """One license of the company: lines with what is left of each, validity, conditions."""
    exporter = _exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    viewer = exporter
    try:
        view = license_view(session, actor=viewer.actor, number=number[:64])
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)
    return render(
        request, "exporter_license.html", {"viewer": viewer, "license": view},
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
    checked = _checked_post(request, session, settings, viewer, language, csrf_token, reference)
    if not isinstance(checked, tuple):
        return checked
    who, application_id = checked
    errors: dict[str, str] = {}
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
            errors["file"] = problem.message
        else:
            errors["form"] = problem.message
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
    errors: dict[str, str],
    status_code: int,
    *,
    answer: str = "",
    kind: str = "other",
) -> Response:
    """The application's page again, each problem beside its form, what was typed kept."""
    view = application_view(
        session, actor=viewer.actor, clock=clock, settings=settings, key=application_id
    )
    return render(
        request, "exporter_application.html",
        {"viewer": viewer, "application": view, "errors": errors, "answer": answer, "kind": kind},
        language=language, status_code=status_code,
    )  # fmt: skip


def _checked_post(
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
    exporter = _exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    viewer = exporter
    try:
        _same_origin(request, settings)
        _form_token(csrf_token, viewer.csrf_token)
    except Forbidden as forbidden:
        return _refused(request, language, forbidden)
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
    checked = _checked_post(request, session, settings, viewer, language, csrf_token, reference)
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
            {"document": problem.message}, 413 if isinstance(problem, PayloadTooLarge) else 422,
        )  # fmt: skip
    return RedirectResponse(f"/exporter/applications/{quote(reference[:64])}", status_code=303)


@router.post("/exporter/applications/{reference}/submit")
def submit_application(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    """Submit a draft (or a returned application): refused, naming them, while a required
    document is missing."""
    checked = _checked_post(request, session, settings, viewer, language, csrf_token, reference)
    if not isinstance(checked, tuple):
        return checked
    who, application_id = checked
    try:
        transition(
            session, actor=who.actor, clock=clock, settings=settings,
            application_id=application_id, action=Action.SUBMIT,
        )  # fmt: skip
    except (InvalidInput, InvalidTransition, Forbidden) as problem:
        return _application_form_error(
            request, session, clock, settings, who, language, application_id,
            {"submit": problem.code}, 422,
        )  # fmt: skip
    return RedirectResponse(f"/exporter/applications/{quote(reference[:64])}", status_code=303)
