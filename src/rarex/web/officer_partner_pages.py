"""The authority's side of the partner channel (issue 13), at the licensing desk: every
partner's inquiries (those past their reply target tagged overdue) answered and closed in
the thread; priority lists, pending first, each item accepted or declined with a reason (here
or on the case's page); trusted end users proposed by partners, approved or rejected with a
reason and withdrawn. Licensing officers act; administrators read. Over
``partners.inquiries``, ``partners.priorities`` and ``parties.trusted``, as the API."""

from __future__ import annotations

import uuid
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.auth.sign_in import Resumed
from rarex.errors import Conflict, Forbidden, InvalidInput, NotFound
from rarex.parties import trusted
from rarex.parties.schemas import TrustedPartyDecisionIn
from rarex.partners import priorities
from rarex.partners.schemas import PriorityDecisionIn
from rarex.web.channel import (
    inquiry_list,
    inquiry_page,
    inquiry_step,
    problems_of,
    status_of,
    typed_of,
)
from rarex.web.i18n import Language
from rarex.web.officer_pages import DESK, case_page
from rarex.web.pages import LanguageDep, Problem, ViewerDep, not_found_page
from rarex.web.partner_lists_pages import trusted_list, withdraw, withdrawal_page
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

ROOM: Final = "/officer"


@router.get("/officer/inquiries")
def officer_inquiries(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    state: Annotated[str | None, Query(max_length=40)] = None,
    overdue: bool = False,
    page_token: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """Every partner's inquiries, newest first, narrowed to open, a turn, closed, or those
    past the reply target."""
    officer = DESK.admit(request, viewer, language)
    if isinstance(officer, Response):
        return officer
    return inquiry_list(
        request, session, clock, settings, officer, language, room=ROOM, state=state or None,
        overdue=overdue, page_token=page_token,
    )  # fmt: skip


@router.get("/officer/inquiries/{inquiry}")
def officer_inquiry(
    request: Request,
    inquiry: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """The thread with every writer named (officers too), a reply and closing it."""
    officer = DESK.admit(request, viewer, language)
    if isinstance(officer, Response):
        return officer
    return inquiry_page(request, session, clock, settings, officer, language, inquiry, room=ROOM)


@router.post("/officer/inquiries/{inquiry}/messages")
async def officer_write(
    request: Request,
    inquiry: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    posted = await DESK.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    officer, form = posted
    return inquiry_step(
        request, session, clock, settings, officer, language, form, inquiry, room=ROOM,
        step="write",
    )  # fmt: skip


@router.post("/officer/inquiries/{inquiry}/close")
async def officer_close(
    request: Request,
    inquiry: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    posted = await DESK.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    officer, form = posted
    return inquiry_step(
        request, session, clock, settings, officer, language, form, inquiry, room=ROOM,
        step="close",
    )  # fmt: skip


# --- priority lists ---------------------------------------------------------------------


def _lists_page(
    request: Request,
    session: SessionDep,
    officer: Resumed,
    language: Language,
    *,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    lists = priorities.list_priority_lists(session, actor=officer.actor)
    # the lists with an item still to decide first, each group newest first (a stable sort)
    lists.sort(key=lambda listed: not any(i.status == "pending" for i in listed.items))
    return render(
        request, "priority_lists.html",
        {"viewer": officer, "lists": lists, "room": ROOM, "errors": errors or {},
         "typed": typed or {}},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/officer/priority-lists")
def officer_priority_lists(
    request: Request, session: SessionDep, viewer: ViewerDep, language: LanguageDep
) -> Response:
    """Every partner's priority lists, those with an item to decide first; each pending item
    accepted or declined with a reason."""
    officer = DESK.admit(request, viewer, language)
    if isinstance(officer, Response):
        return officer
    return _lists_page(request, session, officer, language)


@router.post("/officer/priority-items/{item_id}/decision")
async def officer_decide_priority_item(
    request: Request,
    item_id: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """One item accepted or declined with a reason, back where it was decided (the case's
    page, or the lists); a refusal beside the item's form, the reason typed kept."""
    posted = await DESK.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    officer, form = posted
    typed = typed_of(form) | {"item": item_id[:64]}
    reference = typed.get("reference", "")[:120]
    try:
        item = uuid.UUID(item_id[:64])
    except ValueError:
        return not_found_page(request, language, officer, "priority.not_found")
    try:
        data = PriorityDecisionIn.model_validate(
            {"outcome": typed.get("outcome", ""), "reason": typed.get("reason", "")}
        )
        priorities.decide_priority_item(
            session, actor=officer.actor, clock=clock, settings=settings, item_id=item, data=data
        )
    except NotFound as missing:
        return not_found_page(request, language, officer, missing.code)
    except (ValidationError, InvalidInput, Forbidden, Conflict) as refused:
        errors = {
            f"priority-{item}-{name}": problem
            for name, problem in problems_of(refused, {"reason", "outcome"}).items()
        }
        if reference:
            return case_page(
                request, session, clock, settings, officer, language, reference,
                errors=errors, typed=typed, status_code=status_of(refused),
            )  # fmt: skip
        return _lists_page(
            request, session, officer, language, errors=errors, typed=typed,
            status_code=status_of(refused),
        )  # fmt: skip
    if reference:
        return RedirectResponse(f"{ROOM}/applications/{reference}", status_code=303)
    return RedirectResponse(f"{ROOM}/priority-lists", status_code=303)


# --- trusted end users ------------------------------------------------------------------


@router.get("/officer/trusted-parties")
def officer_trusted_parties(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
    status: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Every partner's trusted end users; proposals approved or rejected with a reason (and,
    if need be, another review date)."""
    officer = DESK.admit(request, viewer, language)
    if isinstance(officer, Response):
        return officer
    return trusted_list(
        request, session, clock, officer, language, room=ROOM, status=status or None
    )


@router.post("/officer/trusted-parties/{trusted_party}/decision")
async def officer_decide_trusted_party(
    request: Request,
    trusted_party: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    posted = await DESK.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    officer, form = posted
    typed = typed_of(form) | {"number": trusted_party[:120]}
    try:
        data = TrustedPartyDecisionIn.model_validate(
            {"outcome": typed.get("outcome", ""), "reason": typed.get("reason", ""),
             "review_on": typed.get("review_on", "").strip() or None}
        )  # fmt: skip
        trusted.decide(
            session, actor=officer.actor, clock=clock, number=trusted_party[:120], data=data
        )
    except NotFound as missing:
        return not_found_page(request, language, officer, missing.code)
    except (ValidationError, InvalidInput, Forbidden, Conflict) as refused:
        errors = {
            f"decide-{name}": problem
            for name, problem in problems_of(refused, {"outcome", "reason", "review_on"}).items()
        }
        return trusted_list(
            request, session, clock, officer, language, room=ROOM, status=None, errors=errors,
            typed=typed, status_code=status_of(refused),
        )  # fmt: skip
    return RedirectResponse(f"{ROOM}/trusted-parties", status_code=303)


@router.get("/officer/trusted-parties/{trusted_party}/withdraw")
def officer_withdrawal(
    request: Request,
    trusted_party: str,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    officer = DESK.admit(request, viewer, language)
    if isinstance(officer, Response):
        return officer
    return withdrawal_page(request, session, clock, officer, language, trusted_party, room=ROOM)


@router.post("/officer/trusted-parties/{trusted_party}/withdraw")
async def officer_withdraw(
    request: Request,
    trusted_party: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    return await withdraw(
        request, session, clock, settings, viewer, language, trusted_party, room=DESK, base=ROOM
    )
