"""The customs desk: the held lines to decide, a declaration filed and checked line by line
against its license, a declaration's page with the officer's steps, and a batch of
declarations uploaded with its report. Each route parses, calls one service of the customs
room (the ones the API calls), renders."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from rarex.api.customs import import_upload
from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.api.uploads import client_gone
from rarex.auth.roles import Role
from rarex.auth.sign_in import Resumed
from rarex.customs import filing, officer, reconciliation, views
from rarex.customs.schemas import DeclarationIn, DeclarationRead
from rarex.customs.validation import InvalidDeclaration
from rarex.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from rarex.licensing.views import license_view
from rarex.quantities import NotANumber, parse_amount
from rarex.web.i18n import Language
from rarex.web.pages import (
    LanguageDep,
    Problem,
    Room,
    ViewerDep,
    not_found_page,
)
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

CUSTOMS_ROLES: Final = (Role.CUSTOMS_OFFICER, Role.ADMINISTRATOR)
HEADER_FIELDS: Final = (
    "number", "exporter_uscc", "license_number", "destination", "consignee_name",
    "consignee_country", "port",
)  # fmt: skip
LINE_FIELDS: Final = ("hs_code", "control_code", "description", "net_kg", "fob_value", "currency")
MAX_LINES: Final = 20
MAX_TEXT: Final = 4000
PAGE_SIZE: Final = 50
_LINE_NAME = re.compile(r"line-(\d{1,2})-([a-z_]+)")


CUSTOMS: Final = Room(frozenset(CUSTOMS_ROLES), "web.customs_only", "this desk is customs'")


def customs_only(
    request: Request, viewer: Resumed | None, language: Language
) -> Resumed | Response:
    """The signed-in customs officer (or administrator), or the answer for anyone else."""
    return CUSTOMS.admit(request, viewer, language)


@router.get("/customs")
def customs_desk(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    language: LanguageDep,
    status: Annotated[str, Query(max_length=32)] = "held",
    page_token: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """Declarations with lines held for a decision (or of another status), latest first."""
    desk = customs_only(request, viewer, language)
    if isinstance(desk, Response):
        return desk
    try:
        page = views.list_declarations(
            session, actor=desk.actor, status=status or None, limit=PAGE_SIZE,
            page_token=page_token,
        )  # fmt: skip
    except InvalidInput as bad:
        return not_found_page(request, language, desk, bad.code)
    return render(
        request, "customs.html", {"viewer": desk, "page": page, "status": status},
        language=language,
    )  # fmt: skip


def _blank_line() -> dict[str, str]:
    return dict.fromkeys(LINE_FIELDS, "") | {"currency": "USD"}


def _posted_form(form: FormData) -> tuple[dict[str, str], list[dict[str, str]]]:
    header = {name: str(form.get(name, ""))[:MAX_TEXT] for name in HEADER_FIELDS}
    numbered: dict[int, dict[str, str]] = {}
    for name, value in form.multi_items():
        match = _LINE_NAME.fullmatch(name)
        if match and match[2] in LINE_FIELDS and int(match[1]) < MAX_LINES:
            numbered.setdefault(int(match[1]), _blank_line())[match[2]] = str(value)[:MAX_TEXT]
    return header, [numbered[n] for n in sorted(numbered)] or [_blank_line()]


def _declaration_data(header: dict[str, str], lines: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "number": header["number"], "exporter_uscc": header["exporter_uscc"],
        "license_number": header["license_number"] or None,
        "destination": header["destination"],
        "consignee": {"name": header["consignee_name"], "country": header["consignee_country"]},
        "port": header["port"],
        "lines": [
            line | {"control_code": line["control_code"] or None,
                    "currency": line["currency"] or "USD"}
            for line in lines
        ],
    }  # fmt: skip


def _form_name(line_no: int | None, field: str) -> str:
    """Where a problem is, as the form names its field."""
    field = field.rsplit(".", 1)[-1]
    if line_no is not None:
        return f"line-{line_no - 1}-{field}"
    name = {"name": "consignee_name", "country": "consignee_country"}.get(field, field)
    return name if name in HEADER_FIELDS else "form"


def _declaration_form(
    request: Request,
    viewer: Resumed,
    language: Language,
    header: dict[str, str],
    lines: list[dict[str, str]],
    errors: dict[str, Problem] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request, "customs_new.html",
        {"viewer": viewer, "header": header, "lines": lines, "errors": errors or {},
         "max_lines": MAX_LINES},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/customs/declarations/new")
def new_declaration(request: Request, viewer: ViewerDep, language: LanguageDep) -> Response:
    desk = customs_only(request, viewer, language)
    if isinstance(desk, Response):
        return desk
    header = dict.fromkeys(HEADER_FIELDS, "")
    return _declaration_form(request, desk, language, header, [_blank_line()])


async def _checked(
    request: Request, settings: SettingsDep, viewer: Resumed | None, language: Language
) -> tuple[Resumed, FormData] | Response:
    return await CUSTOMS.posted(
        request, settings, viewer, language, max_part_size=settings.max_import_bytes
    )


@router.post("/customs/declarations/new")
async def file_new_declaration(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """File a declaration: every line cleared, held or refused with its reasons, drawing on
    its license; every problem of the form at once beside its field, what was typed kept."""
    checked = await _checked(request, settings, viewer, language)
    if isinstance(checked, Response):
        return checked
    desk, form = checked
    header, lines = _posted_form(form)
    command = str(form.get("command", ""))[:32]
    if command == "add_line" and len(lines) < MAX_LINES:
        return _declaration_form(request, desk, language, header, [*lines, _blank_line()])
    try:
        data = DeclarationIn.model_validate(_declaration_data(header, lines))
    except ValidationError as invalid:
        errors: dict[str, Problem] = {}
        for problem in invalid.errors():
            loc = list(problem["loc"])
            line_no = int(loc[1]) + 1 if loc and loc[0] == "lines" and len(loc) > 2 else None
            field = str(loc[-1]) if loc else "form"
            if loc and loc[0] == "consignee":
                field = f"consignee_{loc[-1]}"
            errors.setdefault(
                _form_name(line_no, field), Problem(f"input.{problem['type']}", problem["msg"])
            )
        return _declaration_form(request, desk, language, header, lines, errors, 422)
    try:
        filed = await run_in_threadpool(
            filing.file_declaration, session, actor=desk.actor, clock=clock, settings=settings,
            data=data,
        )  # fmt: skip
    except InvalidDeclaration as refused:
        errors = {}
        for problem in refused.details.get("problems", []):
            name = _form_name(problem.get("line_no"), str(problem.get("field", "")))
            errors.setdefault(name, Problem(str(problem["code"]), str(problem["message"])))
        return _declaration_form(request, desk, language, header, lines, errors, 422)
    except (InvalidInput, Conflict, NotFound) as problem:
        errors = {_form_name(None, str(problem.details.get("field", "form"))): Problem(
            problem.code, problem.message)}  # fmt: skip
        if problem.code == "customs.duplicate_declaration":
            errors = {"number": Problem(problem.code, problem.message)}
        return _declaration_form(request, desk, language, header, lines, errors, 422)
    return RedirectResponse(f"/customs/declarations/{quote(filed.number)}", status_code=303)


def _declaration_page(
    request: Request,
    session: SessionDep,
    viewer: Resumed,
    language: Language,
    number: str,
    *,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        declaration: DeclarationRead = views.declaration_view(
            session, actor=viewer.actor, number=number[:64]
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)
    balances = None
    if declaration.license_number:
        try:
            balances = license_view(session, actor=viewer.actor, number=declaration.license_number)
        except NotFound:
            balances = None
    return render(
        request, "customs_declaration.html",
        {"viewer": viewer, "declaration": declaration, "license": balances,
         "errors": errors or {}, "typed": typed or {}},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/customs/declarations/{number}")
def customs_declaration(
    request: Request, number: str, session: SessionDep, viewer: ViewerDep, language: LanguageDep
) -> Response:
    """A declaration: each line's outcome with every reason, the license line it drew on with
    the balance left; held lines released (naming a covering license where its own does not
    cover the destination) or refused, the declaration cancelled, each with a reason."""
    desk = customs_only(request, viewer, language)
    if isinstance(desk, Response):
        return desk
    return _declaration_page(request, session, desk, language, number)


def _status(problem: DomainError) -> int:
    return 403 if isinstance(problem, Forbidden) else 409 if isinstance(problem, Conflict) else 422


@router.post("/customs/declarations/{number}/lines/{line_no}")
async def customs_line_action(
    request: Request,
    number: str,
    line_no: int,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    checked = await _checked(request, settings, viewer, language)
    if isinstance(checked, Response):
        return checked
    desk, form = checked
    typed = {k: str(v)[:MAX_TEXT] for k, v in form.items() if k != "csrf_token"}
    try:
        action = officer.parse_line_action(typed.get("action", ""))
        await run_in_threadpool(
            officer.act_on_line, session, actor=desk.actor, clock=clock, number=number[:64],
            line_no=line_no, action=action, reason=typed.get("reason", ""),
            covering_license=typed.get("license_number") or None,
        )  # fmt: skip
    except NotFound as missing:
        return not_found_page(request, language, desk, missing.code)
    except (InvalidInput, Conflict, Forbidden) as refused:
        return _declaration_page(
            request, session, desk, language, number,
            errors={f"line-{line_no}": Problem(refused.code, refused.message)},
            typed=typed | {"line": str(line_no)}, status_code=_status(refused),
        )  # fmt: skip
    return RedirectResponse(f"/customs/declarations/{quote(number[:64])}", status_code=303)


@router.post("/customs/declarations/{number}/cancellation")
async def customs_cancel(
    request: Request,
    number: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    checked = await _checked(request, settings, viewer, language)
    if isinstance(checked, Response):
        return checked
    desk, form = checked
    reason = str(form.get("reason", ""))[:MAX_TEXT]
    try:
        await run_in_threadpool(
            officer.cancel_declaration, session, actor=desk.actor, clock=clock,
            number=number[:64], reason=reason,
        )  # fmt: skip
    except NotFound as missing:
        return not_found_page(request, language, desk, missing.code)
    except (InvalidInput, Conflict, Forbidden) as refused:
        return _declaration_page(
            request, session, desk, language, number,
            errors={"cancel": Problem(refused.code, refused.message)},
            typed={"cancel_reason": reason}, status_code=_status(refused),
        )  # fmt: skip
    return RedirectResponse(f"/customs/declarations/{quote(number[:64])}", status_code=303)


@router.get("/customs/imports")
def customs_import_form(request: Request, viewer: ViewerDep, language: LanguageDep) -> Response:
    desk = customs_only(request, viewer, language)
    if isinstance(desk, Response):
        return desk
    return render(
        request, "customs_import.html", {"viewer": desk, "report": None, "errors": {}},
        language=language,
    )  # fmt: skip


@router.post("/customs/imports")
async def customs_import(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """A CSV or XLSX batch: every row filed or refused, the report naming each refused row's
    field; the same file again files only what was not filed (numbers apply once)."""
    checked = await _checked(request, settings, viewer, language)
    if isinstance(checked, Response):
        return checked
    desk, form = checked
    upload = form.get("file")
    errors: dict[str, Problem] = {}
    report: dict[str, Any] | None = None
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = Problem("input.missing", "Choose a file.")
    else:
        try:
            report = await run_in_threadpool(
                _import, session, desk, clock, settings, upload, client_gone(request)
            )
        except (InvalidInput, PayloadTooLarge) as refused:
            errors["file"] = Problem(refused.code, refused.message)
    return render(
        request, "customs_import.html", {"viewer": desk, "report": report, "errors": errors},
        language=language, status_code=422 if errors else 200,
    )  # fmt: skip


def _import(
    session: SessionDep,
    desk: Resumed,
    clock: ClockDep,
    settings: SettingsDep,
    upload: UploadFile,
    gone: Callable[[], bool],
) -> dict[str, Any]:
    report = import_upload(
        session, upload=upload, actor=desk.actor, clock=clock, settings=settings,
        all_or_nothing=False, cancelled=gone,
    )  # fmt: skip
    return report.to_dict()


@router.get("/customs/reconciliation")
def customs_reconciliation(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    language: LanguageDep,
    period: Annotated[str, Query(max_length=16)] = "",
    published_rare_earths_t: Annotated[str, Query(max_length=32)] = "",
    published_magnets_t: Annotated[str, Query(max_length=32)] = "",
    license_number: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """A month's cleared exports against the published figures typed in, and a license's
    granted, drawn and declared quantities, with every flag the customs room raises."""
    desk = customs_only(request, viewer, language)
    if isinstance(desk, Response):
        return desk
    asked = {
        "period": period.strip(), "published_rare_earths_t": published_rare_earths_t.strip(),
        "published_magnets_t": published_magnets_t.strip(),
        "license_number": "".join(license_number.split()).upper(),
    }  # fmt: skip
    errors: dict[str, Problem] = {}
    month = licenses = None
    if asked["period"]:
        published: dict[str, Decimal] = {}
        for series, name in (("rare_earths", "published_rare_earths_t"),
                             ("magnets", "published_magnets_t")):  # fmt: skip
            if asked[name]:
                try:
                    figure = parse_amount(asked[name])
                except NotANumber as exc:
                    errors[name] = Problem(exc.code, str(exc))
                    continue
                if figure < 0:  # as the API's query parameter: ge=0
                    errors[name] = Problem("input.greater_than_equal", "at least 0 tonnes")
                else:
                    published[series] = figure
        if not errors:
            try:
                month = reconciliation.reconcile_month(
                    session, actor=desk.actor, period=asked["period"], published_t=published
                ).to_dict()
            except InvalidInput as bad:
                errors["period"] = Problem(bad.code, bad.message)
    if asked["license_number"]:
        try:
            found = reconciliation.reconcile_licenses(
                session, actor=desk.actor, number=asked["license_number"]
            )
        except (NotFound, InvalidInput) as missing:
            found = []
            errors["license_number"] = Problem(missing.code, missing.message)
        if found:
            licenses = [report.to_dict() for report in found]
        elif "license_number" not in errors:
            errors["license_number"] = Problem("license.not_found", "no such license")
    return render(
        request, "customs_reconciliation.html",
        {"viewer": desk, "asked": asked, "month": month, "licenses": licenses,
         "errors": errors},
        language=language, status_code=422 if errors else 200,
    )  # fmt: skip
