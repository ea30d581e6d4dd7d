"""Administration: health, users and tokens, exporters, the official calendar, audit checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict

from rarex import __version__
from rarex.api.deps import ActorDep, ClockDep, SessionDep
from rarex.audit.service import verify
from rarex.auth.roles import Role
from rarex.auth.service import create_user, issue_token
from rarex.licensing.calendar_store import load_schedule
from rarex.licensing.schemas import ExporterRead
from rarex.parties.service import company_by_uscc, register_company

router = APIRouter(tags=["system"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UserCreate(_In):
    username: str
    display_name: str
    role: Role
    company_uscc: str | None = None
    partner_countries: list[str] = []


class CompanyCreate(_In):
    uscc: str
    name: str
    name_zh: str | None = None
    address: str | None = None
    compliance_programme_on: date | None = None


class ScheduleUpload(_In):
    source: str
    content: str


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/me")
def me(actor: ActorDep) -> dict[str, Any]:
    return {
        "username": actor.username,
        "role": actor.role.value,
        "company_id": str(actor.company_id) if actor.company_id else None,
        "partner_countries": sorted(actor.partner_countries),
    }


@router.post("/companies", status_code=status.HTTP_201_CREATED)
def add_company(
    body: CompanyCreate, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> ExporterRead:
    company = register_company(session, clock=clock, actor=actor, **body.model_dump())
    return ExporterRead.model_validate(company)


@router.post("/users", status_code=status.HTTP_201_CREATED)
def add_user(
    body: UserCreate, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> dict[str, Any]:
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
    )
    token = issue_token(
        session, clock=clock, actor=actor, user_id=user.id, label="issued at creation"
    )
    return {"username": user.username, "role": user.role, "token": token}


@router.post("/calendar/schedules", status_code=status.HTTP_201_CREATED)
def upload_schedule(
    body: ScheduleUpload, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> dict[str, Any]:
    schedule = load_schedule(
        session, actor=actor, clock=clock, text=body.content, source=body.source
    )
    return {"year": schedule.year, "days": len(schedule.days), "source": schedule.source}


@router.get("/audit/verify")
def audit_verify(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    result = verify(session, actor=actor)
    return {
        "ok": result.ok,
        "checked": result.checked,
        "first_bad_seq": result.first_bad_seq,
        "problem": result.problem,
        "message": result.message,
    }
