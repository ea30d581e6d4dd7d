"""A license looked up by number at the desks: its lines and balances, validity, status,
what drew on it; licensing officers suspend, reinstate or revoke it there with a reason
(``licensing.license_actions``, as the API)."""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.auth.roles import Role
from rarex.auth.sign_in import Resumed
from rarex.clock import authority_date
from rarex.customs.views import license_drawdowns
from rarex.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from rarex.licensing.license_actions import (
    LICENSE_ACTION_ROLES,
    act_on_license,
    parse_license_action,
)
from rarex.licensing.license_states import OFFICER_ACTIONS, TRANSITIONS, LicenseStatus
from rarex.licensing.views import license_view
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

DESK_ROLES: Final = (Role.LICENSING_OFFICER, Role.CUSTOMS_OFFICER, Role.ADMINISTRATOR)


DESKS: Final = Room(frozenset(DESK_ROLES), "web.desks_only", "this page is the desks'")


@router.get("/licenses")
def look_up_license(
    request: Request,
    viewer: ViewerDep,
    language: LanguageDep,
    number: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    desk = DESKS.admit(request, viewer, language)
    if isinstance(desk, Response):
        return desk
    wanted = "".join(number.split()).upper()
    if wanted:
        return RedirectResponse(f"/licenses/{quote(wanted)}", status_code=303)
    return render(
        request, "license_lookup.html", {"viewer": desk, "number": "", "errors": {}},
        language=language,
    )  # fmt: skip


def _license_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    desk: Resumed,
    language: Language,
    number: str,
    *,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    wanted = "".join(number.split()).upper()[:64]
    try:
        view = license_view(
            session, actor=desk.actor, number=wanted, on=authority_date(clock.now())
        )
        drawdowns = license_drawdowns(session, actor=desk.actor, number=view.number)
    except (NotFound, InvalidInput):
        return render(
            request, "license_lookup.html",
            {"viewer": desk, "number": number[:64],
             "errors": {"number": Problem("license.not_found", "no such license")}},
            language=language, status_code=404,
        )  # fmt: skip
    actions: list[str] = []
    if (
        desk.actor.role in LICENSE_ACTION_ROLES
        and view.status in LicenseStatus.__members__.values()
    ):
        moves = TRANSITIONS[LicenseStatus(view.status)]
        actions = [a.value for a in OFFICER_ACTIONS if a in moves]
    return render(
        request, "license.html",
        {"viewer": desk, "license": view, "drawdowns": drawdowns, "actions": actions,
         "errors": errors or {}, "typed": typed or {}},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/licenses/{number}")
def desk_license(
    request: Request,
    number: str,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    desk = DESKS.admit(request, viewer, language)
    if isinstance(desk, Response):
        return desk
    return _license_page(request, session, clock, desk, language, number)


@router.post("/licenses/{number}/actions")
async def desk_license_action(
    request: Request,
    number: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    posted = await DESKS.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    desk, form = posted
    reason = str(form.get("reason", ""))[:4000]
    try:
        action = parse_license_action(str(form.get("action", ""))[:32])
        await run_in_threadpool(
            act_on_license, session, actor=desk.actor, clock=clock, number=number[:64],
            action=action, reason=reason,
        )  # fmt: skip
    except NotFound as missing:
        return not_found_page(request, language, desk, missing.code)
    except (InvalidInput, InvalidTransition, Conflict, Forbidden) as refused:
        status = 403 if isinstance(refused, Forbidden) else 422
        return _license_page(
            request, session, clock, desk, language, number,
            errors={"action": Problem(refused.code, refused.message)},
            typed={"reason": reason}, status_code=status,
        )  # fmt: skip
    return RedirectResponse(f"/licenses/{quote(number[:64])}", status_code=303)
