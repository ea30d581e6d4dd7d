"""A partner authority's pages (issue 13): the cases and licenses in its jurisdiction as the
channel shares them (``partners.views``: the partner view models and nothing else), and its
inquiries to the authority (``partners.inquiries``). A case or license outside the
jurisdiction is the page of one not found, as one that does not exist. Priority lists and
trusted end users are in ``partner_lists_pages``."""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.auth.sign_in import Resumed
from rarex.clock import authority_date
from rarex.errors import InvalidInput, NotFound
from rarex.licensing.states import State
from rarex.partners import inquiries, priorities, views
from rarex.partners.schemas import InquiryOpen
from rarex.web.channel import (
    PAGE_SIZE,
    PARTNERS,
    case_channel,
    inquiry_list,
    inquiry_page,
    inquiry_step,
    problems_of,
    status_of,
    typed_of,
)
from rarex.web.pages import LanguageDep, Problem, ViewerDep, not_found_page
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

CASE_STATES: Final = tuple(s.value for s in State if s is not State.DRAFT)
INQUIRY_FIELDS: Final = frozenset({"subject", "body", "application_reference"})
Token = Annotated[str | None, Query(max_length=2000)]


@router.get("/partner")
def partner_home(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    state: Annotated[str | None, Query(max_length=40)] = None,
    page_token: Token = None,
) -> Response:
    """The submitted cases in the partner's jurisdiction, newest filed first, narrowed to a
    state; how many of its inquiries are open and overdue, and its priority items pending."""
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    actor, chosen = partner.actor, state or None
    errors: dict[str, Problem] = {}
    try:
        page = views.partner_applications(
            session, actor=actor, clock=clock, settings=settings, state=chosen,
            limit=PAGE_SIZE, page_token=page_token,
        )  # fmt: skip
    except InvalidInput as bad:
        errors = {"state" if bad.details.get("field") == "state" else "form": Problem(
            bad.code, bad.message
        )}  # fmt: skip
        page = None
    opened = inquiries.list_inquiries(
        session, actor=actor, clock=clock, settings=settings, state="open", limit=1
    )
    pending = sum(
        item.status == "pending"
        for listed in priorities.list_priority_lists(session, actor=actor, pending_only=True)
        for item in listed.items
    )
    return render(
        request, "partner.html",
        {"viewer": partner, "page": page, "state": chosen or "", "states": CASE_STATES,
         "errors": errors, "open_inquiries": opened.total or 0, "pending_items": pending,
         "overdue_inquiries": inquiries.overdue_count(
             session, actor=actor, clock=clock, settings=settings),
         "next_address": (
             "/partner?" + urlencode({"state": chosen or "", "page_token": page.next_page_token})
             if page is not None and page.next_page_token else None)},
        language=language, status_code=422 if errors else 200,
    )  # fmt: skip


@router.get("/partner/applications/{reference}")
def partner_application(
    request: Request,
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """One case as the channel shares it, its inquiries and its priority standing; a case
    outside the jurisdiction (or a draft, or none) is not found."""
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    try:
        case = views.partner_application(
            session, actor=partner.actor, clock=clock, settings=settings,
            reference=reference[:120],
        )  # fmt: skip
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, partner, missing.code)
    channel = case_channel(
        session, actor=partner.actor, clock=clock, settings=settings, reference=case.reference
    )
    return render(
        request, "partner_application.html",
        {"viewer": partner, "case": case, "channel": channel, "errors": {}, "typed": {}},
        language=language,
    )  # fmt: skip


@router.get("/partner/licenses")
def partner_licenses(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
    page_token: Token = None,
) -> Response:
    """The licenses issued for the jurisdiction, newest first, with what each grants."""
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    try:
        page = views.partner_licenses(
            session, actor=partner.actor, on=authority_date(clock.now()), limit=PAGE_SIZE,
            page_token=page_token,
        )  # fmt: skip
    except InvalidInput as bad:
        return not_found_page(request, language, partner, bad.code)
    return render(
        request, "partner_licenses.html", {"viewer": partner, "page": page}, language=language
    )


@router.get("/partner/licenses/{number}")
def partner_license(
    request: Request,
    number: str,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    try:
        license_ = views.partner_license(
            session, actor=partner.actor, number=number[:120], on=authority_date(clock.now())
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, partner, missing.code)
    return render(
        request, "partner_license.html", {"viewer": partner, "license": license_},
        language=language,
    )  # fmt: skip


@router.get("/partner/inquiries")
def partner_inquiries(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
    state: Annotated[str | None, Query(max_length=40)] = None,
    overdue: bool = False,
    page_token: Token = None,
) -> Response:
    """The partner desk's inquiries, newest first; those past the authority's reply target
    tagged overdue."""
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    return inquiry_list(
        request, session, clock, settings, partner, language, room="/partner",
        state=state or None, overdue=overdue, page_token=page_token,
    )  # fmt: skip


def _new_inquiry_page(
    request: Request,
    viewer: Resumed,
    language: LanguageDep,
    typed: dict[str, str],
    errors: dict[str, Problem] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request, "inquiry_new.html", {"viewer": viewer, "typed": typed, "errors": errors or {}},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/partner/inquiries/new")
def partner_new_inquiry(
    request: Request,
    viewer: ViewerDep,
    language: LanguageDep,
    application: Annotated[str | None, Query(max_length=120)] = None,
) -> Response:
    """Ask the authority: in general, or about one case (its reference)."""
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    return _new_inquiry_page(
        request, partner, language, {"application_reference": application or ""}
    )


@router.post("/partner/inquiries/new")
async def partner_open_inquiry(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    posted = await PARTNERS.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    partner, form = posted
    typed = typed_of(form)
    try:
        data = InquiryOpen.model_validate(
            {
                "subject": typed.get("subject", ""),
                "body": typed.get("body", ""),
                "application_reference": typed.get("application_reference", "").strip() or None,
            }
        )
        opened = inquiries.open_inquiry(
            session, actor=partner.actor, clock=clock, settings=settings, subject=data.subject,
            body=data.body,
            application_reference=data.application_reference,
        )  # fmt: skip
    except NotFound as missing:  # a case the partner may not read: said beside its field
        errors = {"application_reference": Problem(missing.code, missing.message)}
        return _new_inquiry_page(request, partner, language, typed, errors, 422)
    except (ValidationError, InvalidInput) as refused:
        errors = problems_of(refused, INQUIRY_FIELDS)
        return _new_inquiry_page(request, partner, language, typed, errors, status_of(refused))
    return RedirectResponse(f"/partner/inquiries/{quote(opened.number)}", status_code=303)


@router.get("/partner/inquiries/{inquiry}")
def partner_inquiry(
    request: Request,
    inquiry: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """The thread: the partner's own messages by its users' names, the authority's as the
    authority's (never an officer's name); a reply, and closing it."""
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    return inquiry_page(
        request, session, clock, settings, partner, language, inquiry, room="/partner"
    )


@router.post("/partner/inquiries/{inquiry}/messages")
async def partner_write(
    request: Request,
    inquiry: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    posted = await PARTNERS.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    partner, form = posted
    return inquiry_step(
        request, session, clock, settings, partner, language, form, inquiry,
        room="/partner", step="write",
    )  # fmt: skip


@router.post("/partner/inquiries/{inquiry}/close")
async def partner_close(
    request: Request,
    inquiry: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    posted = await PARTNERS.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    partner, form = posted
    return inquiry_step(
        request, session, clock, settings, partner, language, form, inquiry,
        room="/partner", step="close",
    )  # fmt: skip
