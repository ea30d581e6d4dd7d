"""Administration in the browser: users (create, role and jurisdiction, password, deactivate,
unlock a sign-in lock), their API tokens (issue with a name and an expiry, rotate, revoke; a
value shown once), and the audit chain's verification. Each form is the service the API and
the CLI call (``auth.service``, ``auth.sign_in``, ``audit.service``). The room's other pages,
watch lists and the official calendar, are their own modules, included in this router."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.api.system import RoleChange
from rarex.audit.service import verify
from rarex.auth.contact import set_contact
from rarex.auth.roles import Role
from rarex.auth.service import (
    change_role,
    create_user,
    deactivate_user,
    issue_token,
    list_users,
    revoke_token,
    rotate_token,
    tokens_of,
    user_named,
)
from rarex.auth.sign_in import Resumed, SignInPolicy, set_password, sign_in_locks, unlock_sign_in
from rarex.clock import end_of_authority_day
from rarex.errors import Conflict, InvalidInput, NotFound
from rarex.inputs import listed_codes
from rarex.models import Company, User
from rarex.parties.service import company_by_uscc, get_company
from rarex.web import admin_calendar_pages, admin_lists_pages
from rarex.web.admin_room import ADMINS, schema_problems, typed_of
from rarex.web.i18n import Language
from rarex.web.pages import (
    MAX_FIELD,
    LanguageDep,
    Problem,
    ViewerDep,
    not_found_page,
)
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

ROLES: Final = tuple(role.value for role in Role)
ROLE_FIELDS: Final = frozenset({"role", "company_uscc", "partner_countries", "partner_groups"})
# A refusal of a role change, beside the field that caused it: a company's refusals (party.*)
# beside the USCC, any other beside the role.
_ROLE_REFUSED: Final = {
    "auth.company_required": "company_uscc", "auth.company_not_allowed": "company_uscc",
    "auth.unknown_country": "partner_countries",
    "auth.countries_not_allowed": "partner_countries",
    "auth.countries_required": "partner_countries",
    "auth.unknown_group": "partner_groups",
}  # fmt: skip


def admin_only(request: Request, viewer: Resumed | None, language: Language) -> Resumed | Response:
    return ADMINS.admit(request, viewer, language)


async def _posted(
    request: Request, settings: SettingsDep, viewer: Resumed | None, language: Language
) -> tuple[Resumed, FormData] | Response:
    return await ADMINS.posted(request, settings, viewer, language)


def _users_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    admin: Resumed,
    language: Language,
    *,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request, "admin.html",
        {"viewer": admin, "users": list_users(session, actor=admin.actor),
         "locks": sign_in_locks(session, actor=admin.actor, now=clock.now()), "roles": ROLES,
         "errors": errors or {}, "typed": typed or {}},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/admin")
def admin_home(
    request: Request, session: SessionDep, clock: ClockDep, viewer: ViewerDep, language: LanguageDep
) -> Response:
    """Every user, with their role, company, state and any sign-in lock; a user created."""
    admin = admin_only(request, viewer, language)
    if isinstance(admin, Response):
        return admin
    return _users_page(request, session, clock, admin, language)


@router.post("/admin/users")
async def admin_create_user(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    posted = await _posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    admin, form = posted
    typed = {k: str(v)[:MAX_FIELD] for k, v in form.items() if k != "csrf_token"}
    try:
        role = Role(typed.get("role", ""))
    except ValueError:
        return _users_page(
            request, session, clock, admin, language,
            errors={"role": Problem("auth.unknown_role", "choose a role")}, typed=typed,
            status_code=422,
        )  # fmt: skip
    try:
        uscc = typed.get("company_uscc", "").strip()
        company_id = company_by_uscc(session, uscc=uscc).id if uscc else None
        user = create_user(
            session, clock=clock, actor=admin.actor, username=typed.get("username", "").strip(),
            display_name=typed.get("display_name", "").strip() or typed.get("username", ""),
            role=role, company_id=company_id,
            partner_countries=listed_codes(typed.get("partner_countries")),
            partner_groups=listed_codes(typed.get("partner_groups")),
            email=typed.get("email"), language=typed.get("language", "en") or "en",
        )  # fmt: skip
    except (InvalidInput, NotFound, Conflict) as refused:
        field = {
            "auth.invalid_username": "username", "auth.username_taken": "username",
            "auth.invalid_email": "email", "auth.unknown_language": "language",
            "party.company_not_found": "company_uscc", **_ROLE_REFUSED,
        }.get(refused.code, "form")  # fmt: skip
        return _users_page(
            request, session, clock, admin, language,
            errors={field: Problem(refused.code, refused.message)}, typed=typed, status_code=422,
        )  # fmt: skip
    return RedirectResponse(f"/admin/users/{quote(user.username)}", status_code=303)


def _user_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    admin: Resumed,
    language: Language,
    username: str,
    *,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    shown_token: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        user = user_named(session, username[:80])
    except NotFound as missing:
        return not_found_page(request, language, admin, missing.code)
    company = get_company(session, company_id=user.company_id) if user.company_id else None
    return render(
        request, "admin_user.html",
        {"viewer": admin, "user": user, "roles": ROLES,
         "company": {"uscc": company.uscc, "name": company.name} if company else None,
         "tokens": tokens_of(session, actor=admin.actor, username=user.username),
         "locked": sign_in_locks(session, actor=admin.actor, now=clock.now()).get(
             user.username, 0),
         "errors": errors or {}, "typed": typed or _membership_typed(user, company),
         "shown_token": shown_token, "now": clock.now()},
        language=language, status_code=status_code,
    )  # fmt: skip


def _membership_typed(user: User, company: Company | None) -> dict[str, str]:
    """The role form as it stands before anything is typed: the user's own."""
    return {
        "role": user.role,
        "company_uscc": company.uscc if company is not None else "",
        "partner_countries": " ".join(user.partner_countries or []),
        "partner_groups": " ".join(user.partner_groups or []),
    }


@router.get("/admin/users/{username}")
def admin_user(
    request: Request,
    username: str,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """One user: tokens (issue, rotate, revoke), password, deactivation, sign-in lock."""
    admin = admin_only(request, viewer, language)
    if isinstance(admin, Response):
        return admin
    return _user_page(request, session, clock, admin, language, username)


@router.post("/admin/users/{username}/role")
async def admin_user_role(
    request: Request,
    username: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """Another role, company or partner countries (``auth.service.change_role``); a refusal
    beside its field with what was typed. The user's web sessions end; their tokens stay."""
    posted = await _posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    admin, form = posted
    typed = typed_of(form)
    try:
        user = user_named(session, username[:80])
    except NotFound as missing:
        return not_found_page(request, language, admin, missing.code)
    try:
        change = RoleChange.model_validate(
            {"role": typed.get("role", ""),
             "company_uscc": typed.get("company_uscc", "").strip() or None,
             "partner_countries": listed_codes(typed.get("partner_countries")),
             "partner_groups": listed_codes(typed.get("partner_groups"))}
        )  # fmt: skip
        company_id = (
            company_by_uscc(session, uscc=change.company_uscc).id if change.company_uscc else None
        )
        change_role(
            session, clock=clock, actor=admin.actor, username=user.username, role=change.role,
            company_id=company_id, partner_countries=change.partner_countries,
            partner_groups=change.partner_groups,
        )  # fmt: skip
    except ValidationError as invalid:
        errors = schema_problems(invalid, ROLE_FIELDS)
    except (InvalidInput, NotFound, Conflict) as refused:
        field = _ROLE_REFUSED.get(refused.code, "role")
        if refused.code.startswith("party."):  # a USCC malformed or not registered
            field = "company_uscc"
        errors = {field: Problem(refused.code, refused.message)}
    else:
        return RedirectResponse(f"/admin/users/{quote(user.username)}", status_code=303)
    return _user_page(
        request, session, clock, admin, language, user.username,
        errors=errors, typed=typed, status_code=422,
    )  # fmt: skip


@router.post("/admin/users/{username}/{step}")
async def admin_user_step(
    request: Request,
    username: str,
    step: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """A step on a user: ``token`` (issue), ``rotate`` and ``revoke`` (a token, by its id),
    ``password``, ``deactivate``, ``unlock``, ``contact`` (e-mail and language). A token's
    value is shown on the answer, once."""
    posted = await _posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    admin, form = posted
    typed = {k: str(v)[:MAX_FIELD] for k, v in form.items() if k != "csrf_token"}
    try:
        user = user_named(session, username[:80])
    except NotFound as missing:
        return not_found_page(request, language, admin, missing.code)
    shown: dict[str, Any] | None = None
    try:
        if step == "token":
            expires = typed.get("expires_on", "").strip()
            try:
                expires_at = end_of_authority_day(date.fromisoformat(expires)) if expires else None
            except ValueError:
                raise InvalidInput(
                    "the expiry is a date, YYYY-MM-DD", code="auth.token_expiry"
                ) from None
            value = issue_token(
                session, clock=clock, actor=admin.actor, user_id=user.id,
                label=typed.get("label", ""), expires_at=expires_at,
            )  # fmt: skip
            shown = {"label": " ".join(typed.get("label", "").split()), "token": value}
        elif step in ("rotate", "revoke"):
            try:
                token_id = uuid.UUID(typed.get("token_id", ""))
            except ValueError:
                raise NotFound("no such token", code="auth.token_not_found") from None
            if step == "rotate":
                value = rotate_token(session, clock=clock, actor=admin.actor, token_id=token_id)
                shown = {"label": typed.get("label", ""), "token": value}
            else:
                revoke_token(session, clock=clock, actor=admin.actor, token_id=token_id)
        elif step == "password":
            if typed.get("password", "") != typed.get("password_again", ""):
                raise InvalidInput("the two passwords differ", code="auth.password_mismatch")
            await run_in_threadpool(
                set_password, session, clock=clock, actor=admin.actor, username=user.username,
                password=typed.get("password", ""), policy=SignInPolicy.of(settings),
            )  # fmt: skip
        elif step == "deactivate":
            deactivate_user(session, clock=clock, actor=admin.actor, username=user.username)
        elif step == "unlock":
            unlock_sign_in(session, clock=clock, actor=admin.actor, username=user.username)
        elif step == "contact":
            set_contact(
                session, clock=clock, actor=admin.actor, username=user.username,
                email=typed.get("email", ""), language=typed.get("language", "en"),
            )  # fmt: skip
        else:
            return not_found_page(request, language, admin, "web.not_found")
    except (InvalidInput, NotFound, Conflict) as refused:
        return _user_page(
            request, session, clock, admin, language, user.username,
            errors={step: Problem(refused.code, refused.message)}, status_code=422,
        )  # fmt: skip
    if shown is not None:  # the value, once: an answer of its own, never a page to come back to
        return _user_page(request, session, clock, admin, language, user.username,
                          shown_token=shown, status_code=201)  # fmt: skip
    return RedirectResponse(f"/admin/users/{quote(user.username)}", status_code=303)


@router.get("/admin/audit")
def admin_audit(request: Request, viewer: ViewerDep, language: LanguageDep) -> Response:
    admin = admin_only(request, viewer, language)
    if isinstance(admin, Response):
        return admin
    return render(request, "admin_audit.html", {"viewer": admin, "result": None}, language=language)


@router.post("/admin/audit")
async def admin_audit_verify(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """Verify the audit chain now: every event's hash and link, and nothing missing."""
    posted = await _posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    admin, _ = posted
    result = await run_in_threadpool(verify, session, actor=admin.actor)
    return render(
        request, "admin_audit.html", {"viewer": admin, "result": result.to_dict()},
        language=language,
    )  # fmt: skip


# The room's other pages: after the users', whose addresses they do not share.
router.include_router(admin_lists_pages.router)
router.include_router(admin_calendar_pages.router)
