"""An exporter's record: what the authority weighs (and the green channel reads) about it."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.errors import NotFound
from rarex.licensing import repository
from rarex.parties.service import company_by_uscc


class ViolationRead(BaseModel):
    occurred_on: date
    description: str
    penalty_reference: str | None


class ExporterRecord(BaseModel):
    uscc: str
    name: str
    name_zh: str | None
    compliance_programme_on: date | None
    applications_by_state: dict[str, int]
    approved_applications: int
    licenses_by_status: dict[str, int]
    violations: list[ViolationRead]


def exporter_record(session: Session, *, actor: Actor, uscc: str) -> ExporterRecord:
    company = company_by_uscc(session, uscc=uscc)
    allowed = actor.role in (Role.LICENSING_OFFICER, Role.ADMINISTRATOR) or (
        actor.role is Role.EXPORTER and actor.company_id == company.id
    )
    if not allowed:
        raise NotFound(
            f"no exporter registered with USCC {company.uscc}", code="party.company_not_found"
        )
    by_state = repository.application_counts_by_state(session, exporter_id=company.id)
    by_status = repository.license_counts_by_status(session, exporter_id=company.id)
    violations = repository.violations_of(session, company_id=company.id)
    return ExporterRecord(
        uscc=company.uscc,
        name=company.name,
        name_zh=company.name_zh,
        compliance_programme_on=company.compliance_programme_on,
        applications_by_state={k: int(v) for k, v in sorted(by_state.items())},
        approved_applications=int(by_state.get("approved", 0)),
        licenses_by_status={k: int(v) for k, v in sorted(by_status.items())},
        violations=[
            ViolationRead(
                occurred_on=v.occurred_on,
                description=v.description,
                penalty_reference=v.penalty_reference,
            )
            for v in violations
        ],
    )
