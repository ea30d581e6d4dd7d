"""Exporters and foreign parties: registration with validated identifiers."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.errors import Conflict, InvalidInput, NotFound
from rarex.models import Company, ForeignParty, Violation
from rarex.parties.identifiers import normalize_country, validate_uscc


def register_company(
    session: Session,
    *,
    clock: Clock,
    actor: Actor | None,
    uscc: str,
    name: str,
    name_zh: str | None = None,
    address: str | None = None,
    compliance_programme_on: date | None = None,
) -> Company:
    """``actor`` None is the operator's own bootstrap (CLI, demo); over the API it is the caller."""
    if actor is not None:
        require_role(
            actor, Role.ADMINISTRATOR, Role.LICENSING_OFFICER, action="register an exporter"
        )
    code = validate_uscc(uscc)
    if not name.strip():
        raise InvalidInput("a company needs a name", code="party.name_required")
    if session.scalar(select(Company.id).where(Company.uscc == code)) is not None:
        raise Conflict(f"a company with USCC {code} is already registered", code="party.duplicate")
    company = Company(
        uscc=code,
        name=name.strip(),
        name_zh=name_zh,
        address=address,
        compliance_programme_on=compliance_programme_on,
        created_at=clock.now(),
    )
    session.add(company)
    session.flush()
    return company


def get_company(session: Session, *, company_id: uuid.UUID) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"company {company_id} does not exist", code="party.company_not_found")
    return company


def company_by_uscc(session: Session, *, uscc: str) -> Company:
    code = validate_uscc(uscc)
    company = session.scalar(select(Company).where(Company.uscc == code))
    if company is None:
        raise NotFound(f"no exporter registered with USCC {code}", code="party.company_not_found")
    return company


def list_companies(session: Session) -> list[Company]:
    return list(session.scalars(select(Company).order_by(Company.name)))


def check_foreign_party(name: str, country: str) -> tuple[str, str]:
    """The party's name with its spacing normalised, and its ISO alpha-2 country; raises
    ``party.name_required`` or ``party.unknown_country``. Writes nothing, so callers can check
    every party before they store the first one."""
    clean = " ".join(name.split())
    if not clean:
        raise InvalidInput("a foreign party needs a name", code="party.name_required")
    return clean, normalize_country(country).alpha2


def foreign_party(
    session: Session, *, clock: Clock, name: str, country: str, address: str | None = None
) -> ForeignParty:
    """The party with this exact name in this country, created on first sight.

    Reusing the record is what lets the green channel recognise an end user approved before.
    """
    clean, alpha2 = check_foreign_party(name, country)
    existing = session.scalar(
        select(ForeignParty).where(
            func.lower(ForeignParty.name) == clean.lower(), ForeignParty.country == alpha2
        )
    )
    if existing is not None:
        return existing
    party = ForeignParty(name=clean, country=alpha2, address=address, created_at=clock.now())
    session.add(party)
    session.flush()
    return party


def get_foreign_party(session: Session, *, party_id: uuid.UUID) -> ForeignParty:
    party = session.get(ForeignParty, party_id)
    if party is None:
        raise NotFound(f"foreign party {party_id} does not exist", code="party.not_found")
    return party


def record_violation(
    session: Session,
    *,
    company_id: uuid.UUID,
    occurred_on: date,
    description: str,
    penalty_reference: str | None = None,
) -> Violation:
    get_company(session, company_id=company_id)
    violation = Violation(
        company_id=company_id,
        occurred_on=occurred_on,
        description=description,
        penalty_reference=penalty_reference,
    )
    session.add(violation)
    session.flush()
    return violation


def violations_since(session: Session, *, company_id: uuid.UUID, since: date) -> int:
    count = session.scalar(
        select(func.count(Violation.id)).where(
            Violation.company_id == company_id, Violation.occurred_on >= since
        )
    )
    return int(count or 0)
