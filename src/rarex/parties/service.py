"""Exporters and foreign parties: registration with validated identifiers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock, authority_date
from rarex.errors import Conflict, InvalidInput, NotFound
from rarex.models import Company, ForeignParty, Violation
from rarex.parties.identifiers import canonical_identifier, normalize_country, validate_uscc


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


def companies_by_id(session: Session, company_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Company]:
    """The companies a page of rows refers to, in one query."""
    ids = sorted(set(company_ids))
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))}


def foreign_parties_by_id(
    session: Session, party_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ForeignParty]:
    """The foreign parties a page of rows refers to, in one query."""
    ids = sorted(set(party_ids))
    if not ids:
        return {}
    rows = session.scalars(select(ForeignParty).where(ForeignParty.id.in_(ids)))
    return {p.id: p for p in rows}


def company_names(session: Session, company_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Names of the companies a page of rows refers to, in one query."""
    ids = sorted(set(company_ids))
    if not ids:
        return {}
    rows = session.execute(select(Company.id, Company.name).where(Company.id.in_(ids)))
    return {company_id: name for company_id, name in rows}


def check_foreign_party(name: str, country: str) -> tuple[str, str]:
    """The party's name with its spacing normalised, and its ISO alpha-2 country; raises
    ``party.name_required`` or ``party.unknown_country``. Writes nothing, so callers can check
    every party before they store the first one."""
    clean = " ".join(name.split())
    if not clean:
        raise InvalidInput("a foreign party needs a name", code="party.name_required")
    return clean, normalize_country(country).alpha2


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def foreign_party(
    session: Session,
    *,
    clock: Clock,
    exporter_id: uuid.UUID,
    name: str,
    country: str,
    address: str | None = None,
    identifiers: Sequence[tuple[str, str]] = (),
) -> ForeignParty:
    """This exporter's party of that name in that country, created on first sight.

    Reusing the record is what lets the green channel recognise an end user approved before;
    a newer address or identifiers given by the same exporter replace the old ones.
    """
    clean, alpha2 = check_foreign_party(name, country)
    ids = canonical_identifiers(identifiers)
    key = name_key(clean)
    query = select(ForeignParty).where(
        ForeignParty.exporter_id == exporter_id,
        ForeignParty.name_key == key,
        ForeignParty.country == alpha2,
    )
    existing = session.scalar(query)
    if existing is None:
        party = ForeignParty(
            exporter_id=exporter_id,
            name=clean,
            name_key=key,
            country=alpha2,
            address=address,
            identifiers=ids,
            created_at=clock.now(),
        )
        try:
            with session.begin_nested():
                session.add(party)
        except IntegrityError:
            # A concurrent filing of the same exporter created it first: use that one.
            existing = session.scalar(query)
            if existing is None:
                raise
        else:
            return party
    if address and address != existing.address:
        existing.address = address
        session.flush()
    if ids and ids != existing.identifiers:
        existing.identifiers = ids
        session.flush()
    return existing


def canonical_identifiers(
    identifiers: Iterable[tuple[str, str]], *, field: str = "identifiers"
) -> list[dict[str, str]]:
    """(scheme, value) pairs as stored: canonical, each once, in a stable order. A refusal
    names the pair's place (``identifiers[1].value``, under ``field``)."""
    found = set()
    for n, (scheme, value) in enumerate(identifiers):
        try:
            found.add((scheme.strip().lower(), canonical_identifier(scheme, value)))
        except InvalidInput as problem:
            part = "scheme" if problem.code.endswith("scheme") else "value"
            problem.details.setdefault("field", f"{field}[{n}].{part}")
            raise
    return [{"scheme": scheme, "value": value} for scheme, value in sorted(found)]


def get_foreign_party(session: Session, *, party_id: uuid.UUID) -> ForeignParty:
    party = session.get(ForeignParty, party_id)
    if party is None:
        raise NotFound(f"foreign party {party_id} does not exist", code="party.not_found")
    return party


def record_violation(
    session: Session,
    *,
    clock: Clock,
    actor: Actor | None,
    company_id: uuid.UUID,
    occurred_on: date,
    description: str,
    penalty_reference: str | None = None,
) -> Violation:
    """An established breach: it weighs on the exporter's standing (and its green channel)."""
    if actor is not None:
        require_role(actor, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, action="record a violation")
    company = get_company(session, company_id=company_id)
    if not description.strip():
        raise InvalidInput("a violation needs a description", code="party.description_required")
    if occurred_on > authority_date(clock.now()):
        raise InvalidInput(
            f"a violation cannot be dated in the future ({occurred_on})", code="party.future_date"
        )
    violation = Violation(
        company_id=company_id,
        occurred_on=occurred_on,
        description=description,
        penalty_reference=penalty_reference,
    )
    session.add(violation)
    session.flush()
    record_event(
        session,
        clock=clock,
        actor=actor.label if actor is not None else "operator (cli)",
        action="party.violation_recorded",
        subject_type="company",
        subject_id=str(company.id),
        payload={
            "uscc": company.uscc,
            "occurred_on": occurred_on,
            "description": description,
            "penalty_reference": penalty_reference,
        },
    )
    return violation


def violations_since(session: Session, *, company_id: uuid.UUID, since: date) -> int:
    count = session.scalar(
        select(func.count(Violation.id)).where(
            Violation.company_id == company_id, Violation.occurred_on >= since
        )
    )
    return int(count or 0)
