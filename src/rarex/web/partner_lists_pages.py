"""A partner authority's lists (issue 13): its priority lists, each item with the authority's
answer and reason (``partners.priorities``), and the end users it proposes as trusted, with
their status and withdrawal (``parties.trusted``), as the API. A form of several rows numbers
its rows (``items-2-reason``); empty rows are left out, and a refusal of the service's
``items[1].reason`` is shown beside the row it came from."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.auth.sign_in import Resumed
from rarex.clock import authority_date
from rarex.errors import Conflict, InvalidInput, NotFound
from rarex.parties import trusted
from rarex.parties.identifiers import IDENTIFIER_SCHEMES
from rarex.parties.schemas import TrustedPartyIn, TrustedPartyWithdrawIn
from rarex.partners import priorities
from rarex.partners.schemas import PriorityListIn
from rarex.web.channel import PARTNERS, problems_of, status_of, typed_of
from rarex.web.i18n import Language
from rarex.web.pages import LanguageDep, Problem, Room, ViewerDep, not_found_page
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

PRIORITY_ROWS: Final = 10
IDENTIFIER_ROWS: Final = 3
TRUSTED_FIELDS: Final = ("name", "name_zh", "country", "address", "basis", "review_on")


def _rows(typed: dict[str, str], prefix: str, parts: tuple[str, ...], count: int) -> list[int]:
    """The numbers of the rows something was typed in, in order."""
    return [
        n for n in range(count) if any(typed.get(f"{prefix}-{n}-{p}", "").strip() for p in parts)
    ]


def _renamed(prefix: str, rows: list[int], parts: tuple[str, ...]) -> dict[str, str]:
    """The schema's ``items-0-reason`` (the first row typed) as the form's ``items-3-reason``."""
    return {
        f"{prefix}-{k}-{part}": f"{prefix}-{n}-{part}" for k, n in enumerate(rows) for part in parts
    }


# --- priority lists ---------------------------------------------------------------------


@router.get("/partner/priority-lists")
def partner_priority_lists(
    request: Request, session: SessionDep, viewer: ViewerDep, language: LanguageDep
) -> Response:
    """The partner desk's priority lists, newest first: each item's case, reason, and the
    authority's answer with its reason (never the officer's name)."""
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    lists = priorities.list_priority_lists(session, actor=partner.actor)
    return render(
        request, "priority_lists.html",
        {"viewer": partner, "lists": lists, "room": "/partner", "errors": {}, "typed": {}},
        language=language,
    )  # fmt: skip


def _new_list_page(
    request: Request,
    viewer: Resumed,
    language: Language,
    typed: dict[str, str],
    errors: dict[str, Problem] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request, "priority_new.html",
        {"viewer": viewer, "typed": typed, "errors": errors or {}, "rows": PRIORITY_ROWS},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/partner/priority-lists/new")
def partner_new_priority_list(
    request: Request,
    viewer: ViewerDep,
    language: LanguageDep,
    application: Annotated[str | None, Query(max_length=120)] = None,
) -> Response:
    """A list of up to ten of the partner's open cases to examine first, a reason each."""
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    return _new_list_page(
        request, partner, language, {"items-0-application_reference": application or ""}
    )


@router.post("/partner/priority-lists/new")
async def partner_submit_priority_list(
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
    parts = ("application_reference", "reason")
    rows = _rows(typed, "items", parts, PRIORITY_ROWS)
    fields = {f"items-{n}-{p}" for n in range(PRIORITY_ROWS) for p in parts} | {"note"}
    renamed = _renamed("items", rows, parts) | {"items": "items-0-application_reference"}
    try:
        data = PriorityListIn.model_validate(
            {
                "items": [{p: typed.get(f"items-{n}-{p}", "") for p in parts} for n in rows],
                "note": typed.get("note", ""),
            }
        )
        priorities.submit_priority_list(session, actor=partner.actor, clock=clock, data=data)
    except (ValidationError, InvalidInput, NotFound) as refused:
        errors = problems_of(refused, fields, renamed=renamed)
        status = 422 if isinstance(refused, NotFound) else status_of(refused)
        return _new_list_page(request, partner, language, typed, errors, status)
    return RedirectResponse("/partner/priority-lists", status_code=303)


# --- trusted end users ------------------------------------------------------------------


def trusted_list(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: Resumed,
    language: Language,
    *,
    room: str,
    status: str | None,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The trusted end users either side reads (a partner its own, the authority every
    partner's), narrowed to a status: ``room`` says whose page it is."""
    problems = dict(errors or {})
    try:
        parties = trusted.list_trusted_parties(
            session, actor=viewer.actor, clock=clock, status=status
        )
    except InvalidInput as bad:
        problems["status"] = Problem(bad.code, bad.message)
        parties = []
        status_code = 422
    return render(
        request, "trusted_parties.html",
        {"viewer": viewer, "parties": parties, "room": room, "status": status or "",
         "statuses": trusted.STATUSES, "errors": problems, "typed": typed or {},
         "today": authority_date(clock.now())},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/partner/trusted-parties")
def partner_trusted_parties(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
    status: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The end users the partner desk proposed: status (proposed, approved, rejected,
    withdrawn, lapsed after its review date), the authority's reason, the review date."""
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    return trusted_list(
        request, session, clock, partner, language, room="/partner", status=status or None
    )


def _proposal_page(
    request: Request,
    viewer: Resumed,
    language: Language,
    typed: dict[str, str],
    errors: dict[str, Problem] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request, "trusted_new.html",
        {"viewer": viewer, "typed": typed, "errors": errors or {}, "rows": IDENTIFIER_ROWS,
         "schemes": IDENTIFIER_SCHEMES},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/partner/trusted-parties/new")
def partner_new_trusted_party(
    request: Request, viewer: ViewerDep, language: LanguageDep
) -> Response:
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    return _proposal_page(request, partner, language, {})


@router.post("/partner/trusted-parties/new")
async def partner_propose_trusted_party(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """A company in the jurisdiction proposed as a trusted end user (``trusted.propose``)."""
    posted = await PARTNERS.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    partner, form = posted
    typed = typed_of(form)
    parts = ("scheme", "value")
    rows = _rows(typed, "identifiers", ("value",), IDENTIFIER_ROWS)
    fields = {f"identifiers-{n}-{p}" for n in range(IDENTIFIER_ROWS) for p in parts}
    data: dict[str, Any] = {
        name: typed.get(name, "").strip() or None for name in TRUSTED_FIELDS
    } | {
        "identifiers": [{p: typed.get(f"identifiers-{n}-{p}", "") for p in parts} for n in rows],
        "name": typed.get("name", ""), "country": typed.get("country", "").strip().upper(),
        "basis": typed.get("basis", ""),
    }  # fmt: skip
    try:
        proposal = TrustedPartyIn.model_validate(data)
        trusted.propose(session, actor=partner.actor, clock=clock, data=proposal)
    except (ValidationError, InvalidInput, Conflict) as refused:
        errors = problems_of(
            refused, fields | set(TRUSTED_FIELDS), renamed=_renamed("identifiers", rows, parts)
        )
        return _proposal_page(request, partner, language, typed, errors, status_of(refused))
    return RedirectResponse("/partner/trusted-parties", status_code=303)


# --- a withdrawal, confirmed on its own page (either side) ------------------------------


def withdrawal_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: Resumed,
    language: Language,
    number: str,
    *,
    room: str,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        party = trusted.trusted_party_view(
            session, actor=viewer.actor, clock=clock, number=number[:120]
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)
    return render(
        request, "trusted_withdraw.html",
        {"viewer": viewer, "party": party, "room": room, "errors": errors or {},
         "typed": typed or {}},
        language=language, status_code=status_code,
    )  # fmt: skip


async def withdraw(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: Resumed | None,
    language: Language,
    number: str,
    *,
    room: Room,
    base: str,
) -> Response:
    """The withdrawal confirmed, with its reason; refused beside the reason, typing kept."""
    posted = await room.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    typed = typed_of(form)
    try:
        data = TrustedPartyWithdrawIn.model_validate({"reason": typed.get("reason", "")})
        trusted.withdraw(session, actor=who.actor, clock=clock, number=number[:120], data=data)
    except NotFound as missing:
        return not_found_page(request, language, who, missing.code)
    except (ValidationError, InvalidInput, Conflict) as refused:
        return withdrawal_page(
            request, session, clock, who, language, number, room=base,
            errors=problems_of(refused, {"reason"}), typed=typed,
            status_code=status_of(refused),
        )  # fmt: skip
    return RedirectResponse(f"{base}/trusted-parties", status_code=303)


@router.get("/partner/trusted-parties/{trusted_party}/withdraw")
def partner_withdrawal(
    request: Request,
    trusted_party: str,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """Withdrawing a proposal or an approval: what it ends, and a reason, on a page of its
    own."""
    partner = PARTNERS.admit(request, viewer, language)
    if isinstance(partner, Response):
        return partner
    return withdrawal_page(
        request, session, clock, partner, language, trusted_party, room="/partner"
    )


@router.post("/partner/trusted-parties/{trusted_party}/withdraw")
async def partner_withdraw(
    request: Request,
    trusted_party: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    return await withdraw(
        request, session, clock, settings, viewer, language, trusted_party, room=PARTNERS,
        base="/partner",
    )  # fmt: skip
