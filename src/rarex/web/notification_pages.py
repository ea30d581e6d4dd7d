"""Notifications in the browser: every signed-in user's own (newest first, the unread marked,
marked read one by one or all at once) with their e-mail address and language, and the
outbox's delivery for administrators. Over ``notify.service``, ``notify.outbox`` and
``auth.contact``, as the API and the CLI."""

from __future__ import annotations

import uuid
from typing import Any, Final

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.auth.contact import set_contact
from rarex.auth.roles import Role
from rarex.auth.service import user_named
from rarex.errors import InvalidInput, NotFound
from rarex.models import Notification
from rarex.notify.outbox import STATES, outbox_page, outbox_status
from rarex.notify.service import mark_read, notifications_of
from rarex.web.admin_room import ADMINS
from rarex.web.i18n import Language
from rarex.web.pages import MAX_FIELD, LanguageDep, Problem, Room, ViewerDep, not_found_page
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

EVERYONE: Final = Room(frozenset(Role), "web.signed_in_only", "sign in to read notifications")


def _item(n: Notification) -> dict[str, Any]:
    """A notification as the page shows it (a view, never the ORM row)."""
    return {
        "id": str(n.id), "kind": n.kind, "subject": n.subject, "body": n.body, "link": n.link,
        "created_at": n.created_at, "unread": n.read_at is None, "state": n.state,
        "language": n.language,
    }  # fmt: skip


def _page(
    request: Request,
    session: SessionDep,
    viewer: Any,
    language: Language,
    *,
    page_token: str | None = None,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        page = notifications_of(session, actor=viewer.actor, page_token=page_token)
    except InvalidInput:  # a token of another list, or altered: the first page
        page = notifications_of(session, actor=viewer.actor)
    user = user_named(session, viewer.actor.username)
    return render(
        request, "notifications.html",
        {"viewer": viewer, "items": [_item(n) for n in page.items], "total": page.total,
         "next_page_token": page.next_page_token, "errors": errors or {},
         "typed": typed or {"email": user.email or "", "language": user.language}},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/notifications")
def notifications(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    language: LanguageDep,
    page_token: str | None = None,
) -> Response:
    admitted = EVERYONE.admit(request, viewer, language)
    if isinstance(admitted, Response):
        return admitted
    token = page_token[:2000] if page_token else None
    return _page(request, session, admitted, language, page_token=token)


@router.post("/notifications/read")
async def read_all(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    posted = await EVERYONE.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    admitted, _ = posted
    mark_read(session, clock=clock, actor=admitted.actor)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/contact")
async def contact(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """The user's own address and language (``auth.contact.set_contact``); a refusal beside
    its field with what was typed."""
    posted = await EVERYONE.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    admitted, form = posted
    typed = {key: str(form.get(key, ""))[:MAX_FIELD] for key in ("email", "language")}
    try:
        set_contact(
            session, clock=clock, actor=admitted.actor, username=admitted.actor.username,
            email=typed["email"], language=typed["language"],
        )  # fmt: skip
    except InvalidInput as refused:
        field = "language" if refused.code == "auth.unknown_language" else "email"
        return _page(
            request, session, admitted, language,
            errors={field: Problem(refused.code, refused.message)}, typed=typed,
            status_code=422,
        )  # fmt: skip
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/{notification_id}/read")
async def read_one(
    request: Request,
    notification_id: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """One of the user's own marked read; another's is the page of one not found."""
    posted = await EVERYONE.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    admitted, _ = posted
    try:
        wanted = uuid.UUID(notification_id[:64])
        mark_read(session, clock=clock, actor=admitted.actor, notification_id=wanted)
    except (ValueError, NotFound):
        return not_found_page(request, language, admitted, "notify.not_found")
    return RedirectResponse("/notifications", status_code=303)


@router.get("/admin/notifications")
def admin_outbox(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
    state: str | None = None,
    page_token: str | None = None,
) -> Response:
    """The outbox's delivery: each notification's recipient, kind, state, attempts, next
    attempt and last error (never its subject or body: those are the recipient's)."""
    admin = ADMINS.admit(request, viewer, language)
    if isinstance(admin, Response):
        return admin
    shown = state if state in STATES else None
    try:
        page = outbox_page(session, actor=admin.actor, state=shown, page_token=page_token)
    except InvalidInput:
        page = outbox_page(session, actor=admin.actor, state=shown)
    return render(
        request, "admin_notifications.html",
        {"viewer": admin, "rows": page.items, "total": page.total, "state": shown,
         "states": STATES, "next_page_token": page.next_page_token,
         "status": outbox_status(session, actor=admin.actor, now=clock.now())},
        language=language,
    )  # fmt: skip
