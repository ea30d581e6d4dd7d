"""Filing an application in steps, as the exporter's portal offers it: the items (found in the
control list by code, element or HS code, with the list's answer for today), then the parties
and the end use; the draft is then filed, and its page is the task list (documents, then a
check of every answer before submission). A draft's items or parties are changed with the same
two steps.

Until the draft exists, the answers travel with the form (hidden fields), so nothing half
typed is stored; from then on the draft is the record, changed through the licensing room's
``amend_application`` and submitted through its ``transition``, as the API does."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.api.uploads import document_response
from rarex.auth.sign_in import Resumed
from rarex.catalog.service import load_control_list
from rarex.clock import Clock, authority_date
from rarex.errors import DomainError, Forbidden, InvalidInput, InvalidTransition, NotFound
from rarex.licensing.end_uses import END_USE_CATEGORIES
from rarex.licensing.filing import amend_application, check_lines, file_application
from rarex.licensing.review import transition
from rarex.licensing.schemas import ApplicationAmend, ApplicationCreate, ApplicationRead, LineIn
from rarex.licensing.states import Action
from rarex.licensing.views import application_view, document_for_download, resolve_application_id
from rarex.web.i18n import Language
from rarex.web.pages import (
    EXPORTERS,
    LanguageDep,
    Problem,
    ViewerDep,
    exporter_only,
    not_found_page,
)
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

# The answers of the parties step, as the form names them.
PARTY_FIELDS: Final = (
    "license_type", "contract_reference", "consignee_name", "consignee_country",
    "end_user_name", "end_user_country", "end_use_category", "end_use_statement",
)  # fmt: skip
LINE_FIELDS: Final = ("control_code", "hs_code", "description", "quantity_kg", "value", "currency")
MAX_LINES: Final = 20  # a form's worth; the API takes up to 200
MAX_TEXT: Final = 4000
_LINE_NAME = re.compile(r"line-(\d{1,2})-([a-z_]+)")
EDITABLE: Final = ("draft", "returned")


@dataclass
class FilingForm:
    """What the exporter has answered so far, as typed (strings, nothing parsed)."""

    answers: dict[str, str]
    lines: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def blank(cls) -> FilingForm:
        answers = dict.fromkeys(PARTY_FIELDS, "") | {"license_type": "single"}
        return cls(answers, [_blank_line()])

    @classmethod
    def posted(cls, form: FormData) -> FilingForm:
        answers = {name: str(form.get(name, ""))[:MAX_TEXT] for name in PARTY_FIELDS}
        numbered: dict[int, dict[str, str]] = {}
        for name, value in form.multi_items():
            match = _LINE_NAME.fullmatch(name)
            if match and match[2] in LINE_FIELDS and int(match[1]) < MAX_LINES:
                line = numbered.setdefault(int(match[1]), _blank_line())
                line[match[2]] = str(value)[:MAX_TEXT]
        lines = [numbered[n] for n in sorted(numbered)] or [_blank_line()]
        return cls(answers, lines)

    @classmethod
    def of_application(cls, view: ApplicationRead) -> FilingForm:
        answers = {
            "license_type": view.license_type, "contract_reference": view.contract_reference,
            "consignee_name": view.consignee.name, "consignee_country": view.consignee.country,
            "end_user_name": view.end_user.name, "end_user_country": view.end_user.country,
            "end_use_category": view.end_use_category,
            "end_use_statement": view.end_use_statement,
        }  # fmt: skip
        lines = [
            {
                "control_code": line.control_code,
                "hs_code": line.hs_code,
                "description": line.description,
                "quantity_kg": f"{line.quantity_kg.normalize():f}",
                "value": f"{line.value_amount:f}",
                "currency": line.currency,
            }
            for line in view.lines
        ]
        return cls(answers, lines)

    def hidden_answers(self) -> list[tuple[str, str]]:
        return [(name, self.answers[name]) for name in PARTY_FIELDS]

    def hidden_lines(self) -> list[tuple[str, str]]:
        return [
            (f"line-{n}-{name}", line[name])
            for n, line in enumerate(self.lines)
            for name in LINE_FIELDS
        ]

    def line_data(self) -> list[dict[str, str]]:
        return [{**line, "currency": line["currency"] or "USD"} for line in self.lines]

    def party_data(self) -> dict[str, Any]:
        a = self.answers
        return {
            "license_type": a["license_type"] or "single",
            "consignee": {"name": a["consignee_name"], "country": a["consignee_country"]},
            "end_user": {"name": a["end_user_name"], "country": a["end_user_country"]},
            "end_use_category": a["end_use_category"],
            "end_use_statement": a["end_use_statement"],
            "contract_reference": a["contract_reference"],
        }


def _blank_line() -> dict[str, str]:
    return dict.fromkeys(LINE_FIELDS, "") | {"currency": "USD"}


def form_name(location: str | tuple[Any, ...]) -> str:
    """Where a problem is, as the form names its field: ``lines[1].hs_code`` and
    ``("lines", 1, "hs_code")`` are ``line-1-hs_code``; ``consignee.country`` is
    ``consignee_country``; anything the form does not show is the form's own."""
    parts: list[Any] = (
        list(location)
        if isinstance(location, tuple)
        else [int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", location) if p]
    )
    if len(parts) >= 3 and parts[0] == "lines" and isinstance(parts[1], int):
        name = f"line-{parts[1]}-{parts[2]}"
        return name if parts[2] in LINE_FIELDS else "form"
    name = "_".join(str(p) for p in parts)
    return name if name in PARTY_FIELDS else "form"


def _schema_problems(invalid: ValidationError) -> dict[str, Problem]:
    problems: dict[str, Problem] = {}
    for problem in invalid.errors():
        found = Problem(f"input.{problem['type']}", problem["msg"])
        problems.setdefault(form_name(tuple(problem["loc"])), found)
    return problems


def _domain_problem(problem: DomainError) -> dict[str, Problem]:
    """A domain refusal beside its field: the service names the field it refused."""
    where = str(problem.details.get("field") or "")
    return {form_name(where) if where else "form": Problem(problem.code, problem.message)}


class _Lines(BaseModel):
    lines: list[LineIn]


def _items_page(
    request: Request,
    viewer: Resumed,
    language: Language,
    form: FilingForm,
    *,
    clock: Clock,
    action: str,
    reference: str | None = None,
    errors: dict[str, Problem] | None = None,
    query: str = "",
    status_code: int = 200,
) -> Response:
    today = authority_date(clock.now())
    found = load_control_list().find(query, today) if query else ()
    return render(
        request, "filing_items.html",
        {
            "viewer": viewer, "form": form, "errors": errors or {}, "action": action,
            "reference": reference, "query": query, "found": found, "searched": bool(query),
            "today": today, "max_lines": MAX_LINES,
        },
        language=language, status_code=status_code,
    )  # fmt: skip


def _parties_page(
    request: Request,
    viewer: Resumed,
    language: Language,
    form: FilingForm,
    *,
    clock: Clock,
    action: str,
    reference: str | None = None,
    errors: dict[str, Problem] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request, "filing_parties.html",
        {
            "viewer": viewer, "form": form, "errors": errors or {}, "action": action,
            "reference": reference, "end_uses": END_USE_CATEGORIES,
        },
        language=language, status_code=status_code,
    )  # fmt: skip


def _edit_items(form: FilingForm, command: str, query: str) -> tuple[FilingForm, str]:
    """The items step's own buttons: find an item, use one found, add or remove a line."""
    if command == "add_line" and len(form.lines) < MAX_LINES:
        form.lines.append(_blank_line())
    elif command.startswith("remove:") and len(form.lines) > 1:
        index = command.removeprefix("remove:")
        if index.isdigit() and int(index) < len(form.lines):
            del form.lines[int(index)]
    elif command.startswith("use:"):
        _, code, hs = [*command.split(":"), "", ""][:3]
        entry_codes = {e.code for e in load_control_list().entries}
        if code in entry_codes:
            last = form.lines[-1]
            if last["control_code"] and len(form.lines) < MAX_LINES:
                form.lines.append(last := _blank_line())
            last["control_code"], last["hs_code"] = code, hs[:10]
        query = ""
    return form, query


def _items_problems(
    form: FilingForm, clock: Clock, settings: SettingsDep
) -> dict[str, Problem] | None:
    try:
        lines = _Lines.model_validate({"lines": form.line_data()}).lines
    except ValidationError as invalid:
        return _schema_problems(invalid)
    try:
        check_lines(lines, clock=clock, settings=settings)
    except InvalidInput as problem:
        return _domain_problem(problem)
    return None


@router.get("/exporter/applications/new")
def new_application(
    request: Request, clock: ClockDep, viewer: ViewerDep, language: LanguageDep
) -> Response:
    exporter = exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    return _items_page(request, exporter, language, FilingForm.blank(), clock=clock, action="new")


@router.post("/exporter/applications/new")
async def filing_step(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """One step of a new filing. The items step checks its lines against the control list
    before the parties step is shown; the parties step files the draft, and a refusal of a
    line found only then goes back to the items, beside that line's field."""
    checked = await EXPORTERS.posted(request, settings, viewer, language)
    if isinstance(checked, Response):
        return checked
    exporter, posted = checked
    form = FilingForm.posted(posted)
    step, command = str(posted.get("step", "items")), str(posted.get("command", ""))[:64]
    query = str(posted.get("item_query", ""))[:100]
    if step == "items":
        if command != "continue":
            form, query = _edit_items(form, command, query)
            return _items_page(
                request, exporter, language, form, clock=clock, action="new", query=query
            )
        problems = await run_in_threadpool(_items_problems, form, clock, settings)
        if problems:
            return _items_page(
                request, exporter, language, form, clock=clock, action="new", errors=problems,
                status_code=422,
            )  # fmt: skip
        return _parties_page(request, exporter, language, form, clock=clock, action="new")
    if command == "back":
        return _items_page(request, exporter, language, form, clock=clock, action="new")
    try:
        data = ApplicationCreate.model_validate(form.party_data() | {"lines": form.line_data()})
    except ValidationError as invalid:
        problems = _schema_problems(invalid)
        if any(name.startswith("line-") for name in problems):
            return _items_page(
                request, exporter, language, form, clock=clock, action="new", errors=problems,
                status_code=422,
            )  # fmt: skip
        return _parties_page(
            request,
            exporter,
            language,
            form,
            clock=clock,
            action="new",
            errors=problems,
            status_code=422,
        )
    try:
        filed = await run_in_threadpool(
            file_application, session, actor=exporter.actor, clock=clock, settings=settings,
            data=data,
        )  # fmt: skip
    except (InvalidInput, NotFound) as problem:
        problems = _domain_problem(problem)
        page = _items_page if any(n.startswith("line-") for n in problems) else _parties_page
        return page(
            request,
            exporter,
            language,
            form,
            clock=clock,
            action="new",
            errors=problems,
            status_code=422,
        )
    return RedirectResponse(f"/exporter/applications/{quote(filed.reference)}", status_code=303)


def _editable_draft(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: Resumed,
    language: Language,
    reference: str,
) -> ApplicationRead | Response:
    """The company's own draft (or returned application), or the page that says why not."""
    try:
        view = application_view(
            session, actor=viewer.actor, clock=clock, settings=settings, key=reference[:64]
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)
    if view.state not in EDITABLE:
        return RedirectResponse(f"/exporter/applications/{quote(view.reference)}", status_code=303)
    return view


def _on_own_draft(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: Resumed | None,
    language: Language,
    show: Callable[[Resumed, ApplicationRead], Response],
) -> Response:
    """``show`` the company's own draft (or returned application) to its exporter; anyone
    else, or another state, gets the answer that says why not."""
    exporter = exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    view = _editable_draft(request, session, clock, settings, exporter, language, reference)
    if isinstance(view, Response):
        return view
    return show(exporter, view)


@router.get("/exporter/applications/{reference}/items")
def change_items(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    return _on_own_draft(
        request, reference, session, clock, settings, viewer, language,
        lambda exporter, view: _items_page(
            request, exporter, language, FilingForm.of_application(view), clock=clock,
            action="items", reference=view.reference,
        ),
    )  # fmt: skip


@router.get("/exporter/applications/{reference}/parties")
def change_parties(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    return _on_own_draft(
        request, reference, session, clock, settings, viewer, language,
        lambda exporter, view: _parties_page(
            request, exporter, language, FilingForm.of_application(view), clock=clock,
            action="parties", reference=view.reference,
        ),
    )  # fmt: skip


@router.post("/exporter/applications/{reference}/items")
async def save_items(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    return await _save_section(
        request, reference, "items", session, clock, settings, viewer, language
    )


@router.post("/exporter/applications/{reference}/parties")
async def save_parties(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    return await _save_section(
        request, reference, "parties", session, clock, settings, viewer, language
    )


async def _save_section(
    request: Request,
    reference: str,
    section: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: Resumed | None,
    language: Language,
) -> Response:
    """A draft's items or parties changed: the licensing room amends the draft, and refuses
    what it would refuse of a filing, beside the field at fault."""
    checked = await EXPORTERS.posted(request, settings, viewer, language)
    if isinstance(checked, Response):
        return checked
    exporter, posted = checked
    try:
        application_id = resolve_application_id(session, actor=exporter.actor, key=reference[:64])
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, exporter, missing.code)
    form = FilingForm.posted(posted)
    command = str(posted.get("command", ""))[:64]
    page = _items_page if section == "items" else _parties_page
    if section == "items" and command != "continue":
        form, query = _edit_items(form, command, str(posted.get("item_query", ""))[:100])
        return _items_page(
            request,
            exporter,
            language,
            form,
            clock=clock,
            action="items",
            reference=reference,
            query=query,
        )
    try:
        amendment = ApplicationAmend.model_validate(
            {"lines": form.line_data()} if section == "items" else form.party_data()
        )
    except ValidationError as invalid:
        return page(
            request, exporter, language, form, clock=clock, action=section, reference=reference,
            errors=_schema_problems(invalid), status_code=422,
        )  # fmt: skip
    try:
        await run_in_threadpool(
            amend_application, session, actor=exporter.actor, clock=clock, settings=settings,
            application_id=application_id, data=amendment,
        )  # fmt: skip
    except (InvalidInput, NotFound, Forbidden) as problem:
        return page(
            request, exporter, language, form, clock=clock, action=section, reference=reference,
            errors=_domain_problem(problem), status_code=422,
        )  # fmt: skip
    return RedirectResponse(f"/exporter/applications/{quote(reference[:64])}", status_code=303)


@router.get("/exporter/applications/{reference}/check")
def check_answers(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """Every answer of the draft on one page, each with its way to change it, and the
    submission."""
    return _on_own_draft(
        request, reference, session, clock, settings, viewer, language,
        lambda exporter, view: check_page(request, exporter, language, view),
    )  # fmt: skip


def check_page(
    request: Request,
    viewer: Resumed,
    language: Language,
    view: ApplicationRead,
    errors: dict[str, Problem] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request, "filing_check.html",
        {"viewer": viewer, "application": view, "errors": errors or {},
         "end_uses": {use.code: use for use in END_USE_CATEGORIES}},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.post("/exporter/applications/{reference}/submit")
async def submit_application(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """Submit a draft (or a returned application): refused, naming them, while a required
    document is missing."""
    checked = await EXPORTERS.posted(request, settings, viewer, language)
    if isinstance(checked, Response):
        return checked
    exporter, _ = checked
    try:
        application_id = resolve_application_id(session, actor=exporter.actor, key=reference[:64])
        await run_in_threadpool(
            transition, session, actor=exporter.actor, clock=clock, settings=settings,
            application_id=application_id, action=Action.SUBMIT,
        )  # fmt: skip
    except NotFound as missing:
        return not_found_page(request, language, exporter, missing.code)
    except (InvalidInput, InvalidTransition, Forbidden) as problem:
        view = application_view(
            session, actor=exporter.actor, clock=clock, settings=settings, key=reference[:64]
        )
        return check_page(
            request,
            exporter,
            language,
            view,
            {"submit": Problem(problem.code, problem.message)},
            422,
        )
    return RedirectResponse(f"/exporter/applications/{quote(reference[:64])}", status_code=303)


@router.get("/exporter/applications/{reference}/documents/{document_id}")
def download_document(
    request: Request,
    reference: str,
    document_id: str,
    session: SessionDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """One of the company's documents, as it was uploaded; another's is not found."""
    exporter = exporter_only(request, viewer, language)
    if isinstance(exporter, Response):
        return exporter
    try:
        document = document_for_download(
            session, actor=exporter.actor, key=reference[:64], document_id=document_id[:64]
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, exporter, missing.code)
    return document_response(document)
