"""The licensing officer's desk: the queues, and a case with everything needed to act on it.
Each route parses, calls one service of the licensing room, renders; each action is the
service the API calls (``review.transition``, ``approval.decide_case``,
``screening.resolve_case_hit``), so the transition table and the conflict rules decide what
is allowed here exactly as there."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Final
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.api.uploads import document_response
from rarex.auth.sign_in import Resumed
from rarex.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from rarex.licensing.approval import decide_case
from rarex.licensing.case_file import DESK_ROLES, case_file
from rarex.licensing.news import news_for
from rarex.licensing.queue import (
    DESK_QUEUES,
    DESK_SORTS,
    PRIORITIES,
    DeskQuery,
    desk_queue,
)
from rarex.licensing.review import transition
from rarex.licensing.schemas import DecisionIn
from rarex.licensing.screening import resolve_case_hit
from rarex.licensing.states import Action
from rarex.licensing.views import document_for_download, resolve_application_id
from rarex.partners.inquiries import overdue_count
from rarex.quantities import NotANumber, parse_amount
from rarex.web.channel import case_channel
from rarex.web.i18n import Language
from rarex.web.pages import (
    MAX_FIELD,
    LanguageDep,
    Problem,
    Room,
    ViewerDep,
    not_found_page,
)
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE: Final = 50
MAX_TEXT: Final = 4000
# The steps an officer takes from the case page with a reason (a decision has its own form).
OFFICER_ACTIONS: Final = (
    "accept", "return", "start_review", "request_information", "start_consultation",
    "end_consultation", "refer",
)  # fmt: skip


DESK: Final = Room(
    frozenset(DESK_ROLES), "web.officers_only", "this desk is the licensing authority's"
)


def desk_only(request: Request, viewer: Resumed | None, language: Language) -> Resumed | Response:
    """The signed-in licensing officer (or administrator), or the answer for anyone else."""
    return DESK.admit(request, viewer, language)


def _text(value: str | None) -> str | None:
    cleaned = " ".join((value or "").split())[:MAX_FIELD]
    return cleaned or None


@router.get("/officer")
def officer_desk(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    queue: Annotated[str, Query(max_length=32)] = "intake",
    sort: Annotated[str, Query(max_length=32)] = "due",
    lane: Annotated[str | None, Query(max_length=32)] = None,
    destination: Annotated[str | None, Query(max_length=8)] = None,
    control_code: Annotated[str | None, Query(max_length=32)] = None,
    exporter: Annotated[str | None, Query(max_length=MAX_FIELD)] = None,
    priority: Annotated[str | None, Query(max_length=32)] = None,
    page_token: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """One queue of the desk, a page at a time, with every queue's count; sorted and narrowed
    as asked (to the cases on a partner's priority list too), each choice kept in the
    address; and how many partners' inquiries are past their reply target."""
    officer = desk_only(request, viewer, language)
    if isinstance(officer, Response):
        return officer
    query = DeskQuery(
        queue=queue, sort=sort, lane=_text(lane), destination=_text(destination),
        control_code=_text(control_code), exporter=_text(exporter), priority=_text(priority),
    )  # fmt: skip
    chosen = {
        "queue": query.queue, "sort": query.sort, "lane": query.lane or "",
        "destination": query.destination or "", "control_code": query.control_code or "",
        "exporter": query.exporter or "", "priority": query.priority or "",
    }  # fmt: skip
    shared = {
        "viewer": officer, "chosen": chosen, "queues": DESK_QUEUES, "sorts": DESK_SORTS,
        "priorities": PRIORITIES, "news": news_for(session, actor=officer.actor),
        "overdue_inquiries": overdue_count(
            session, actor=officer.actor, clock=clock, settings=settings),
    }  # fmt: skip
    try:
        page, counts = desk_queue(
            session, actor=officer.actor, clock=clock, settings=settings, query=query,
            limit=PAGE_SIZE, page_token=page_token,
        )  # fmt: skip
    except InvalidInput as bad:
        errors = {str(bad.details.get("field") or "form"): Problem(bad.code, bad.message)}
        return render(
            request, "officer.html",
            shared | {"page": None, "counts": {}, "errors": errors,
                       "address": lambda **_: "/officer"},
            language=language, status_code=422,
        )  # fmt: skip

    def address(**changes: str) -> str:
        """This page's address with some choices changed (a queue, an order, the next page)."""
        wanted = {k: v for k, v in (chosen | changes).items() if v}
        return "/officer?" + urlencode(wanted)

    return render(
        request, "officer.html",
        shared | {"page": page, "counts": counts, "errors": {}, "address": address},
        language=language,
    )  # fmt: skip


def case_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    officer: Resumed,
    language: Language,
    reference: str,
    *,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        case = case_file(
            session, actor=officer.actor, clock=clock, settings=settings, key=reference[:64]
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, officer, missing.code)
    channel = case_channel(
        session, actor=officer.actor, clock=clock, settings=settings,
        reference=case.application.reference,
    )  # fmt: skip
    return render(
        request, "officer_case.html",
        {"viewer": officer, "case": case, "application": case.application, "channel": channel,
         "errors": errors or {}, "typed": typed or {}, "actions": OFFICER_ACTIONS},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/officer/applications/{reference}")
def officer_case(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """The case: applicant and record, parties, lines with the list's answer on the filing
    date, documents, the clock and its ledger, the green channel, screening hits, history;
    and the forms of the steps the transition table allows, unless this officer may not act
    on the case (the page says why)."""
    officer = desk_only(request, viewer, language)
    if isinstance(officer, Response):
        return officer
    return case_page(request, session, clock, settings, officer, language, reference)


@router.get("/officer/applications/{reference}/documents/{document_id}")
def officer_document(
    request: Request,
    reference: str,
    document_id: str,
    session: SessionDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    officer = desk_only(request, viewer, language)
    if isinstance(officer, Response):
        return officer
    try:
        document = document_for_download(
            session, actor=officer.actor, key=reference[:64], document_id=document_id[:64]
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, officer, missing.code)
    return document_response(document)


async def _posted(
    request: Request, settings: SettingsDep, viewer: Resumed | None, language: Language
) -> tuple[Resumed, FormData] | Response:
    return await DESK.posted(request, settings, viewer, language)


def _typed(form: FormData) -> dict[str, str]:
    return {name: str(value)[:MAX_TEXT] for name, value in form.items() if name != "csrf_token"}


def _back(reference: str) -> Response:
    return RedirectResponse(f"/officer/applications/{quote(reference[:64])}", status_code=303)


@router.post("/officer/applications/{reference}/transition")
async def officer_transition(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """A step of the case with its reason (and, for a return, what is missing)."""
    posted = await _posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    officer, form = posted
    typed = _typed(form)
    name = typed.get("action", "")
    missing = [line.strip() for line in typed.get("missing_items", "").splitlines() if line.strip()]
    try:
        if name not in OFFICER_ACTIONS:
            raise InvalidInput(f"unknown step {name!r}", code="application.unknown_action")
        application_id = resolve_application_id(session, actor=officer.actor, key=reference[:64])
        await run_in_threadpool(
            transition, session, actor=officer.actor, clock=clock, settings=settings,
            application_id=application_id, action=Action(name),
            reason=typed.get("reason", "").strip(), missing_items=missing[:50],
        )  # fmt: skip
    except NotFound as hidden:
        return not_found_page(request, language, officer, hidden.code)
    except (InvalidInput, InvalidTransition, Forbidden, Conflict) as refused:
        return case_page(
            request, session, clock, settings, officer, language, reference,
            errors={f"step-{name}": Problem(refused.code, refused.message)},
            typed=typed, status_code=_status(refused),
        )  # fmt: skip
    return _back(reference)


def _status(problem: DomainError) -> int:
    if isinstance(problem, Forbidden):
        return 403
    if isinstance(problem, Conflict | InvalidTransition):
        return 409
    return 422


def _granted(typed: dict[str, str]) -> dict[int, Decimal]:
    """The quantities typed per line, read by the one number rule; a blank grants in full."""
    granted: dict[int, Decimal] = {}
    for name, value in typed.items():
        if name.startswith("granted-") and value.strip():
            line = name.removeprefix("granted-")
            try:
                granted[int(line)] = parse_amount(value)
            except NotANumber as exc:
                raise InvalidInput(f"line {line}: {exc}", code=exc.code, field=name) from None
            except ValueError:  # a field name the form never makes
                raise InvalidInput(
                    f"{name} names no line", code="decision.unknown_line", field=name
                ) from None
    return granted


@router.post("/officer/applications/{reference}/decision")
async def officer_decision(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """Approve (the parties screened again first; a line's quantity up to what was asked,
    conditions, validity) or deny (reason codes), with the reason."""
    posted = await _posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    officer, form = posted
    typed = _typed(form)
    lines = [c.strip() for c in typed.get("conditions", "").splitlines() if c.strip()]
    codes = [c.strip() for c in typed.get("reason_codes", "").split(",") if c.strip()]
    try:
        data = DecisionIn.model_validate(
            {
                "outcome": typed.get("outcome", ""),
                "reason": typed.get("reason", ""),
                "reason_codes": codes,
                "conditions": lines,
                "granted_kg": _granted(typed) or None,
                "valid_until": typed.get("valid_until") or None,
            }
        )
    except ValidationError as invalid:
        first = invalid.errors()[0]
        where = str(first["loc"][0]) if first["loc"] else "form"
        return case_page(
            request, session, clock, settings, officer, language, reference,
            errors={f"decision-{where}": Problem(f"input.{first['type']}", first["msg"])},
            typed=typed, status_code=422,
        )  # fmt: skip
    except InvalidInput as bad:
        return case_page(
            request, session, clock, settings, officer, language, reference,
            errors={f"decision-{bad.details.get('field', 'form')}": Problem(bad.code, bad.message)},
            typed=typed, status_code=422,
        )  # fmt: skip
    try:
        await run_in_threadpool(
            decide_case, session, actor=officer.actor, clock=clock, settings=settings,
            key=reference[:64], data=data, keep_hits=session.commit,
        )  # fmt: skip
    except NotFound as hidden:
        return not_found_page(request, language, officer, hidden.code)
    except (InvalidInput, InvalidTransition, Forbidden, Conflict) as refused:
        return case_page(
            request, session, clock, settings, officer, language, reference,
            errors={"decision-form": Problem(refused.code, refused.message)},
            typed=typed, status_code=_status(refused),
        )  # fmt: skip
    return _back(reference)


@router.post("/officer/hits/{hit_id}")
async def officer_resolve_hit(
    request: Request,
    hit_id: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """Confirm or dismiss a screening hit with a reason, back on its case."""
    posted = await _posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    officer, form = posted
    typed = _typed(form)
    reference = typed.get("reference", "")[:64]
    try:
        hit = uuid.UUID(hit_id[:64])
    except ValueError:
        return not_found_page(request, language, officer, "screening.hit_not_found")
    try:
        await run_in_threadpool(
            resolve_case_hit, session, actor=officer.actor, clock=clock, hit_id=hit,
            decision=typed.get("decision", ""), reason=typed.get("reason", "").strip(),
        )  # fmt: skip
    except NotFound as hidden:
        return not_found_page(request, language, officer, hidden.code)
    except (InvalidInput, Forbidden, Conflict) as refused:
        return case_page(
            request, session, clock, settings, officer, language, reference,
            errors={f"hit-{hit}": Problem(refused.code, refused.message)},
            typed=typed, status_code=_status(refused),
        )  # fmt: skip
    return _back(reference)
