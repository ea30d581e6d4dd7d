"""Administration: health, users and tokens, exporters, the official calendar, audit checks."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from rarex import __version__
from rarex.api.deps import ActorDep, ClockDep, SessionDep
from rarex.api.idempotency import IdempotentRoute, holds_secret
from rarex.api.schemas.system import (
    AuditVerification,
    ConflictDeclared,
    Health,
    Me,
    Readiness,
    ScheduleLoaded,
    SignInUnlocked,
    TokenIssued,
    TokenRead,
    TokensRevoked,
    UserCreated,
    UserDeactivated,
    UserRead,
    ViolationRecorded,
)
from rarex.audit.service import verify
from rarex.auth.contact import set_contact
from rarex.auth.roles import Role, require_role
from rarex.auth.service import (
    actor_for_username,
    change_role,
    create_user,
    deactivate_user,
    declare_conflict,
    hash_token,
    issue_token,
    list_users,
    revoke_token,
    revoke_tokens,
    rotate_token,
    tokens_of,
    user_named,
)
from rarex.auth.sign_in import unlock_sign_in
from rarex.clock import end_of_authority_day
from rarex.errors import Unavailable
from rarex.inputs import Address, Code, Name, Reason, Reference, Statement
from rarex.licensing.calendar_schedules import load_schedule
from rarex.licensing.records import ExporterRecord, exporter_record
from rarex.licensing.schemas import ExporterRead
from rarex.migrations import current_revision, head_revision
from rarex.models import ApiToken, User
from rarex.parties.service import company_by_uscc, record_violation, register_company

router = APIRouter(route_class=IdempotentRoute, tags=["system"])
Username = Annotated[Code, Path(description="A user's name")]
Uscc = Annotated[Code, Path(description="A unified social credit code")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RoleChange(_In):
    """A role and what it belongs to: an exporter's company, a partner's jurisdiction."""

    role: Role
    company_uscc: Code | None = None
    partner_countries: list[Code] = Field(default_factory=list, max_length=60)
    partner_groups: list[Code] = Field(
        default_factory=list, max_length=10, description='country groups, e.g. "EU"'
    )


class UserCreate(RoleChange):
    username: Code
    display_name: Name
    email: Name | None = Field(default=None, description="where notifications are mailed")
    language: Code = Field(default="en", description="of the user's notifications: en or zh")


class ContactChange(_In):
    """Either or both; what is not sent stays. ``email`` null or "" removes the address."""

    email: Name | None = None
    language: Code | None = None


class CompanyCreate(_In):
    uscc: Code
    name: Name
    name_zh: Name | None = None
    address: Address | None = None
    compliance_programme_on: date | None = None


class ScheduleUpload(_In):
    source: Reference
    content: Statement
    force: bool = False


class ConflictIn(_In):
    company_uscc: Code
    reason: Reason


class ViolationIn(_In):
    occurred_on: date
    description: Reason
    penalty_reference: Reference | None = None


@router.get("/health")
def health() -> Health:
    """The process answers (as ``/health/live``)."""
    return Health(status="ok", version=__version__)


@router.get("/health/live")
def live() -> Health:
    """Liveness: the process answers; nothing else is touched, so a busy database never
    gets a healthy server restarted."""
    return Health(status="ok", version=__version__)


@router.get("/health/ready")
def ready(session: SessionDep) -> Readiness:
    """Readiness: the database answers and its schema is this release's (503 otherwise:
    ``db.unavailable``, or ``health.schema_outdated`` until `rarex db upgrade` has run)."""
    current = current_revision(session.connection())
    expected = head_revision()
    if current != expected:
        raise Unavailable(
            f"the database's schema is at {current or 'no revision'}, this release needs "
            f"{expected}: run `rarex db upgrade`",
            code="health.schema_outdated",
            schema=current,
            expected=expected,
        )
    return Readiness(status="ready", version=__version__, schema_revision=current)


@router.get("/me")
def me(session: SessionDep, actor: ActorDep) -> Me:
    return _me(user_named(session, actor.username))


@router.patch("/me")
def change_my_contact(
    body: ContactChange, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> Me:
    """The caller's own e-mail address and the language of their notifications (every user;
    an administrator changes another's through the pages or the CLI). 422
    ``auth.invalid_email``, ``auth.unknown_language``."""
    if "email" in body.model_fields_set:
        user = set_contact(
            session, clock=clock, actor=actor, username=actor.username, email=body.email,
            language=body.language,
        )  # fmt: skip
    else:
        user = set_contact(
            session, clock=clock, actor=actor, username=actor.username, language=body.language
        )
    return _me(user)


def _me(user: User) -> Me:
    return Me(
        username=user.username,
        role=user.role,
        company_id=str(user.company_id) if user.company_id else None,
        partner_countries=sorted(user.partner_countries or []),
        partner_groups=sorted(user.partner_groups or []),
        email=user.email,
        language=user.language,
    )


@router.post("/companies", status_code=status.HTTP_201_CREATED)
def add_company(
    body: CompanyCreate, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> ExporterRead:
    company = register_company(session, clock=clock, actor=actor, **body.model_dump())
    return ExporterRead.model_validate(company)


@router.post("/users", status_code=status.HTTP_201_CREATED)
def add_user(
    body: UserCreate, session: SessionDep, actor: ActorDep, clock: ClockDep, response: Response
) -> UserCreated:
    # The role first: a lookup before it would tell anyone which companies are registered.
    require_role(actor, Role.ADMINISTRATOR, action="create users")
    holds_secret(response)
    company_id = None
    if body.company_uscc is not None:
        company_id = company_by_uscc(session, uscc=body.company_uscc).id
    user = create_user(
        session,
        clock=clock,
        actor=actor,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        company_id=company_id,
        partner_countries=body.partner_countries,
        partner_groups=body.partner_groups,
        email=body.email,
        language=body.language,
    )
    token = issue_token(
        session, clock=clock, actor=actor, user_id=user.id, label="issued at creation"
    )
    return UserCreated(username=user.username, role=user.role, token=token)


@router.post("/calendar/schedules", status_code=status.HTTP_201_CREATED)
def upload_schedule(
    body: ScheduleUpload, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> ScheduleLoaded:
    schedule = load_schedule(
        session,
        actor=actor,
        clock=clock,
        text=body.content,
        source=body.source,
        force=body.force,
    )
    return ScheduleLoaded(year=schedule.year, days=len(schedule.days), source=schedule.source)


@router.get("/audit/verify")
def audit_verify(session: SessionDep, actor: ActorDep) -> AuditVerification:
    return AuditVerification.model_validate(verify(session, actor=actor).to_dict())


@router.post("/users/{username}/deactivate")
def deactivate(
    username: Username, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> UserDeactivated:
    user = deactivate_user(session, clock=clock, actor=actor, username=username)
    return UserDeactivated(username=user.username, active=user.active)


@router.post("/users/{username}/revoke-tokens")
def revoke(
    username: Username, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> TokensRevoked:
    count = revoke_tokens(session, clock=clock, actor=actor, username=username)
    return TokensRevoked(username=username, tokens_revoked=count)


@router.post("/users/{username}/conflicts", status_code=status.HTTP_201_CREATED)
def add_conflict(
    username: Username, body: ConflictIn, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> ConflictDeclared:
    if actor.username != username:
        require_role(actor, Role.ADMINISTRATOR, action="declare another user's conflict")
    officer = actor_for_username(session, username=username)
    company = company_by_uscc(session, uscc=body.company_uscc)
    declare_conflict(
        session,
        clock=clock,
        actor=actor,
        user_id=officer.user_id,
        company_id=company.id,
        reason=body.reason,
    )
    return ConflictDeclared(username=username, company_uscc=company.uscc, reason=body.reason)


@router.get("/companies/{uscc}")
def company_record(uscc: Uscc, session: SessionDep, actor: ActorDep) -> ExporterRecord:
    return exporter_record(session, actor=actor, uscc=uscc)


@router.post("/companies/{uscc}/violations", status_code=status.HTTP_201_CREATED)
def add_violation(
    uscc: Uscc, body: ViolationIn, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> ViolationRecorded:
    require_role(actor, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, action="record a violation")
    company = company_by_uscc(session, uscc=uscc)
    violation = record_violation(
        session,
        clock=clock,
        actor=actor,
        company_id=company.id,
        occurred_on=body.occurred_on,
        description=body.description,
        penalty_reference=body.penalty_reference,
    )
    return ViolationRecorded(
        uscc=company.uscc,
        occurred_on=violation.occurred_on.isoformat(),
        description=violation.description,
        penalty_reference=violation.penalty_reference,
    )


class TokenIn(_In):
    label: Name
    expires_on: date | None = Field(
        default=None, description="The last day the token works (Beijing time); none: no expiry"
    )


def _user_read(user: Any) -> UserRead:
    return UserRead(
        username=user.username, display_name=user.display_name, role=user.role,
        company_id=user.company_id, partner_countries=list(user.partner_countries or []),
        partner_groups=list(user.partner_groups or []),
        active=user.active, has_password=user.password_hash is not None,
        email=user.email, language=user.language,
    )  # fmt: skip


@router.get("/users")
def users(session: SessionDep, actor: ActorDep) -> list[UserRead]:
    """Every user, by username (administrators)."""
    return [_user_read(user) for user in list_users(session, actor=actor)]


@router.post("/users/{username}/tokens", status_code=status.HTTP_201_CREATED)
def issue_user_token(
    username: Username,
    body: TokenIn,
    session: SessionDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> TokenIssued:
    """A new API token for an existing, active user (also one whose tokens were revoked),
    named and optionally expiring; its value is in this answer only."""
    holds_secret(response)
    require_role(actor, Role.ADMINISTRATOR, action="issue tokens for other users")
    user = user_named(session, username)
    expires = end_of_authority_day(body.expires_on) if body.expires_on is not None else None
    token = issue_token(
        session, clock=clock, actor=actor, user_id=user.id, label=body.label, expires_at=expires
    )
    return TokenIssued(username=username, label=body.label, expires_at=expires, token=token)


@router.get("/users/{username}/tokens")
def user_tokens(username: Username, session: SessionDep, actor: ActorDep) -> list[TokenRead]:
    """A user's tokens, newest first, never their values (the user's own, or an admin's)."""
    return [
        TokenRead.model_validate(t, from_attributes=True)
        for t in tokens_of(session, actor=actor, username=username)
    ]


@router.post("/tokens/{token_id}/revoke")
def revoke_one_token(
    token_id: uuid.UUID, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> TokenRead:
    token = revoke_token(session, clock=clock, actor=actor, token_id=token_id)
    return TokenRead.model_validate(token, from_attributes=True)


@router.post("/tokens/{token_id}/rotate", status_code=status.HTTP_201_CREATED)
def rotate_one_token(
    token_id: uuid.UUID, session: SessionDep, actor: ActorDep, clock: ClockDep, response: Response
) -> TokenIssued:
    """A new token in place of this one (same name, same length of life); this one revoked."""
    holds_secret(response)
    value = rotate_token(session, clock=clock, actor=actor, token_id=token_id)
    issued = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(value))).one()
    owner = session.get(User, issued.user_id)
    assert owner is not None
    return TokenIssued(
        username=owner.username, label=issued.label, expires_at=issued.expires_at, token=value
    )


@router.post("/users/{username}/unlock")
def unlock(
    username: Username, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> SignInUnlocked:
    """Forget the user's failed sign-ins from every address (a user locked out)."""
    freed = unlock_sign_in(session, clock=clock, actor=actor, username=username)
    return SignInUnlocked(username=username, addresses_freed=freed)


@router.post("/users/{username}/role")
def set_role(
    username: Username, body: RoleChange, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> UserRead:
    """Another role, company or jurisdiction for a user (administrators), checked as at
    creation; a partner authority needs a country or group; the last active administrator keeps the
    role (409 ``auth.last_administrator``). Ends the user's web sessions; tokens stay."""
    # The role first: a lookup before it would tell anyone which companies are registered.
    require_role(actor, Role.ADMINISTRATOR, action="change users' roles")
    company_id = None
    if body.company_uscc is not None:
        company_id = company_by_uscc(session, uscc=body.company_uscc).id
    user = change_role(
        session, clock=clock, actor=actor, username=username, role=body.role,
        company_id=company_id, partner_countries=body.partner_countries,
        partner_groups=body.partner_groups,
    )  # fmt: skip
    return _user_read(user)
