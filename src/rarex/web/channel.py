"""What the partner channel's pages share, on both sides: who the partners' pages are for, a
refused form's problems beside the fields that caused them, an inquiry's thread (read, a
message written, closed) and what the channel holds about one case (its inquiries and its
priority-list items), over ``partners.inquiries`` and ``partners.priorities`` as the API.

A partner's pages render the partner view models only (``partners.schemas``): the services
choose what each side reads (a partner reads "authority" where an officer reads a name)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlencode

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from rarex.auth.roles import Actor, Role
from rarex.auth.sign_in import Resumed
from rarex.clock import Clock
from rarex.config import Settings
from rarex.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from rarex.partners import inquiries, priorities
from rarex.partners.schemas import (
    InquiryClose,
    InquirySummary,
    InquiryWrite,
    PriorityItemRead,
)
from rarex.web.i18n import Language
from rarex.web.pages import Problem, Room, not_found_page
from rarex.web.templates import render

PARTNERS: Final = Room(
    frozenset({Role.PARTNER_AUTHORITY}), "web.partners_only", "these pages are the partner desks'"
)
PAGE_SIZE: Final = 50
# the longest text a channel's form takes (a trusted party's basis), and one more, so that
# the schema refuses an overlong value rather than take it cut
MAX_TYPED: Final = 10_001


def typed_of(form: FormData) -> dict[str, str]:
    """A form's text fields as typed, to show again beside a refusal."""
    return {
        key: value[:MAX_TYPED]
        for key, value in form.items()
        if isinstance(value, str) and key != "csrf_token"
    }


def field_name(location: str | tuple[Any, ...]) -> str:
    """A problem's place as the form names its field: ``items[1].reason`` and
    ``("items", 1, "reason")`` are ``items-1-reason``; ``subject`` is ``subject``."""
    parts = (
        [str(p) for p in location]
        if isinstance(location, tuple)
        else [p for p in re.split(r"[.\[\]]+", location) if p]
    )
    return "-".join(parts)


def problems_of(
    error: ValidationError | DomainError,
    fields: Collection[str],
    *,
    renamed: dict[str, str] | None = None,
) -> dict[str, Problem]:
    """A refusal beside the field that caused it (``renamed`` maps the schema's name to the
    form's, for rows the form numbers otherwise); else the form's own."""
    renamed = renamed or {}

    def place(location: str | tuple[Any, ...]) -> str:
        name = field_name(location) if location else "form"
        name = renamed.get(name, name)
        return name if name in fields else "form"

    if isinstance(error, ValidationError):
        found: dict[str, Problem] = {}
        for problem in error.errors():
            found.setdefault(
                place(tuple(problem["loc"])), Problem(f"input.{problem['type']}", problem["msg"])
            )
        return found
    return {place(str(error.details.get("field") or "")): Problem(error.code, error.message)}


def status_of(error: DomainError | ValidationError) -> int:
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, Conflict | InvalidTransition):
        return 409
    return 422


@dataclass(frozen=True, slots=True)
class CaseChannel:
    """What the channel holds about one case: its inquiries, newest first, and its items on
    priority lists, each with the list's number."""

    inquiries: list[InquirySummary]
    priority_items: list[tuple[str, PriorityItemRead]]


def case_channel(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings, reference: str
) -> CaseChannel:
    asked = inquiries.list_inquiries(
        session, actor=actor, clock=clock, settings=settings, application_reference=reference,
        limit=PAGE_SIZE,
    )  # fmt: skip
    lists = priorities.list_priority_lists(session, actor=actor, application_reference=reference)
    items = [
        (listed.number, item)
        for listed in lists
        for item in listed.items
        if item.application_reference == reference
    ]
    return CaseChannel(asked.items, items)


# --- an inquiry's thread, for either side: ``room`` is where its pages are (/partner, /officer)


def inquiry_page(
    request: Request,
    session: Session,
    clock: Clock,
    settings: Settings,
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
        inquiry = inquiries.inquiry_view(
            session, actor=viewer.actor, clock=clock, settings=settings, number=number[:120]
        )
    except (NotFound, InvalidInput) as missing:
        return not_found_page(request, language, viewer, missing.code)
    return render(
        request, "inquiry.html",
        {"viewer": viewer, "inquiry": inquiry, "room": room, "errors": errors or {},
         "typed": typed or {}, "answers": viewer.actor.role is not Role.ADMINISTRATOR},
        language=language, status_code=status_code,
    )  # fmt: skip


def inquiry_step(
    request: Request,
    session: Session,
    clock: Clock,
    settings: Settings,
    viewer: Resumed,
    language: Language,
    form: FormData,
    number: str,
    *,
    room: str,
    step: str,
) -> Response:
    """A message written (``step`` "write") or the inquiry closed ("close"), for the writer's
    own side; a refusal beside its form, what was typed kept."""
    typed = typed_of(form)
    number = number[:120]
    try:
        if step == "write":
            body = InquiryWrite.model_validate({"body": typed.get("body", "")}).body
            inquiries.write(
                session,
                actor=viewer.actor,
                clock=clock,
                settings=settings,
                number=number,
                body=body,
            )
        else:
            reason = InquiryClose.model_validate({"reason": typed.get("reason", "")}).reason
            inquiries.close(session, actor=viewer.actor, clock=clock, number=number, reason=reason)
    except NotFound as missing:
        return not_found_page(request, language, viewer, missing.code)
    except (ValidationError, InvalidInput, InvalidTransition, Forbidden, Conflict) as refused:
        fields = {"body"} if step == "write" else {"reason"}
        errors = {
            (name if name != "form" else f"{step}-form"): problem
            for name, problem in problems_of(refused, fields).items()
        }
        return inquiry_page(
            request, session, clock, settings, viewer, language, number, room=room,
            errors=errors, typed=typed, status_code=status_of(refused),
        )  # fmt: skip
    return RedirectResponse(f"{room}/inquiries/{quote(number.upper())}", status_code=303)


def inquiry_list(
    request: Request,
    session: Session,
    clock: Clock,
    settings: Settings,
    viewer: Resumed,
    language: Language,
    *,
    room: str,
    state: str | None,
    overdue: bool,
    page_token: str | None,
) -> Response:
    """The inquiries either side reads, as one page: ``room`` says whose."""
    actor = viewer.actor
    errors: dict[str, Problem] = {}
    try:
        page = inquiries.list_inquiries(
            session, actor=actor, clock=clock, settings=settings, state=state, overdue=overdue,
            limit=PAGE_SIZE, page_token=page_token,
        )  # fmt: skip
    except InvalidInput as bad:
        errors = {"state" if bad.details.get("field") == "state" else "form": Problem(
            bad.code, bad.message
        )}  # fmt: skip
        page = None
    chosen = {"state": state or "", "overdue": "true" if overdue else ""}
    return render(
        request, "inquiries.html",
        {"viewer": viewer, "page": page, "room": room, "chosen": chosen,
         "states": inquiries.STATE_FILTERS, "errors": errors,
         "overdue_count": inquiries.overdue_count(
             session, actor=actor, clock=clock, settings=settings),
         "next_address": (
             f"{room}/inquiries?" + urlencode(
                 {k: v for k, v in chosen.items() if v} | {"page_token": page.next_page_token})
             if page is not None and page.next_page_token else None)},
        language=language, status_code=422 if errors else 200,
    )  # fmt: skip
