"""The cases and licenses a partner authority may read, as the partner view models.

A partner reads a case when it has been submitted and its destination, consignee or end user
is in the partner's jurisdiction on the day it was filed (a license: on the day it was
issued). Anything else (a draft, a case elsewhere, a reference that does not exist) is "not
found", the same answer, so the answer never confirms that a case exists. Other roles are
refused: the authority reads cases through its own views, exporters through theirs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, partner_jurisdiction
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import InvalidInput, NotFound
from rarex.licensing import repository as licensing
from rarex.licensing.access import partner_covers
from rarex.licensing.clock_service import clocks_for
from rarex.licensing.repository import APPLICATION_NOT_FOUND
from rarex.licensing.states import State
from rarex.licensing.views import effective_status
from rarex.models import Application, License
from rarex.pagination import Page, page_of, page_request
from rarex.parties import service as parties
from rarex.partners import repository
from rarex.partners.schemas import (
    PartnerApplication,
    PartnerDecision,
    PartnerExporter,
    PartnerItem,
    PartnerLicense,
    PartnerLicenseItem,
    PartnerParty,
)

LICENSE_NOT_FOUND = "no such license, or not one you may see"


def partner_case(session: Session, *, actor: Actor, reference: str) -> Application:
    """A submitted case in the asker's jurisdiction, by its reference; else not found."""
    jurisdiction = partner_jurisdiction(actor)
    application = licensing.application_by_reference(session, reference.strip().upper())
    if (
        application is None
        or application.submitted_at is None
        or not partner_covers(session, jurisdiction, application, at=application.created_at)
    ):
        raise NotFound(APPLICATION_NOT_FOUND, code="application.not_found")
    return application


def partner_application(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings, reference: str
) -> PartnerApplication:
    application = partner_case(session, actor=actor, reference=reference)
    (view,) = _application_views(session, [application], clock=clock, settings=settings)
    return view


def partner_applications(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    state: str | None = None,
    limit: int | None = None,
    page_token: str | None = None,
) -> Page[PartnerApplication]:
    """The submitted cases in the asker's jurisdiction, newest filed first, a page at a time."""
    jurisdiction = partner_jurisdiction(actor)
    request = page_request(limit, page_token, order=licensing.APPLICATIONS_ORDER)
    if state is not None and (state not in State.__members__.values() or state == State.DRAFT):
        raise InvalidInput(
            f"unknown state {state!r}; known: "
            + ", ".join(s.value for s in State if s is not State.DRAFT),
            code="application.unknown_state",
            field="state",
        )
    rows, total = licensing.applications_page(
        session,
        partner=jurisdiction,
        submitted_only=True,
        states=[state] if state else None,
        after=request.after,
        limit=request.limit + 1,
    )
    page = page_of(rows, request, key=licensing.application_key, total=total)
    views = _application_views(session, page.items, clock=clock, settings=settings)
    return Page(views, page.next_page_token, total, page.order)


def _exporters(
    session: Session, rows: Sequence[Application | License]
) -> dict[uuid.UUID, PartnerExporter]:
    companies = parties.companies_by_id(session, {row.exporter_id for row in rows})
    return {
        key: PartnerExporter(name=company.name, name_zh=company.name_zh)
        for key, company in companies.items()
    }


def _parties(
    session: Session, rows: Sequence[Application | License]
) -> dict[uuid.UUID, PartnerParty]:
    found = parties.foreign_parties_by_id(
        session, [p for row in rows for p in (row.consignee_id, row.end_user_id)]
    )
    return {key: PartnerParty(name=p.name, country=p.country) for key, p in found.items()}


def _application_views(
    session: Session, applications: Sequence[Application], *, clock: Clock, settings: Settings
) -> list[PartnerApplication]:
    """Partner views of a page of cases from a fixed number of queries, whatever its size."""
    ids = [a.id for a in applications]
    today = authority_date(clock.now())
    clocks = clocks_for(session, applications, today=today, settings=settings)
    lines = repository.lines_of_applications(session, ids)
    decisions = repository.decisions_of(session, ids)
    numbers = repository.license_numbers_of(session, ids)
    exporters = _exporters(session, applications)
    foreign = _parties(session, applications)

    def view(a: Application) -> PartnerApplication:
        status = clocks[a.id].legal if a.accepted_on is not None else None
        decision = decisions.get(a.id)
        submitted = a.submitted_at or a.created_at
        return PartnerApplication(
            reference=a.reference,
            exporter=exporters[a.exporter_id],
            destination=a.destination,
            consignee=foreign[a.consignee_id],
            end_user=foreign[a.end_user_id],
            items=[
                PartnerItem(
                    line_no=line.line_no,
                    control_code=line.control_code,
                    quantity_kg=line.quantity_kg,
                    granted_kg=line.granted_kg,
                )
                for line in lines[a.id]
            ],
            state=a.state,
            lane=a.lane,
            submitted_on=authority_date(submitted),
            accepted_on=a.accepted_on,
            due_on=status.due_date if status is not None else None,
            working_days_used=status.used if status is not None else None,
            working_days_left=status.remaining if status is not None else None,
            clock_stopped=status.stopped if status is not None else False,
            decision=(
                PartnerDecision(
                    outcome=decision.outcome,
                    decided_on=a.decided_on or authority_date(decision.decided_at),
                )
                if decision is not None
                else None
            ),
            license_number=numbers.get(a.id),
        )

    return [view(a) for a in applications]


def partner_license(session: Session, *, actor: Actor, number: str, on: date) -> PartnerLicense:
    """``on``: the day the status is read for (a license past its validity is expired)."""
    jurisdiction = partner_jurisdiction(actor)
    license_ = licensing.get_license_by_number(session, number)
    if license_ is None or not partner_covers(
        session, jurisdiction, license_, at=license_.issued_at
    ):
        raise NotFound(LICENSE_NOT_FOUND, code="license.not_found")
    (view,) = _license_views(session, [license_], on)
    return view


def partner_licenses(
    session: Session,
    *,
    actor: Actor,
    on: date,
    limit: int | None = None,
    page_token: str | None = None,
) -> Page[PartnerLicense]:
    """The licenses in the asker's jurisdiction, newest issued first, a page at a time."""
    jurisdiction = partner_jurisdiction(actor)
    request = page_request(limit, page_token, order=licensing.LICENSES_ORDER)
    rows, total = licensing.licenses_page(
        session, partner=jurisdiction, after=request.after, limit=request.limit + 1
    )
    page = page_of(rows, request, key=licensing.license_key, total=total)
    return Page(_license_views(session, page.items, on), page.next_page_token, total, page.order)


def _license_views(session: Session, licenses: Sequence[License], on: date) -> list[PartnerLicense]:
    references = licensing.references_of(session, [lic.application_id for lic in licenses])
    lines = licensing.lines_of_licenses(session, [lic.id for lic in licenses])
    exporters = _exporters(session, licenses)
    foreign = _parties(session, licenses)
    return [
        PartnerLicense(
            number=lic.number,
            application_reference=references[lic.application_id],
            exporter=exporters[lic.exporter_id],
            destination=lic.destination,
            consignee=foreign[lic.consignee_id],
            end_user=foreign[lic.end_user_id],
            status=effective_status(lic, on),
            valid_from=lic.valid_from,
            valid_until=lic.valid_until,
            issued_on=authority_date(lic.issued_at),
            items=[
                PartnerLicenseItem(
                    line_no=line.line_no, control_code=line.control_code, granted_kg=line.granted_kg
                )
                for line in lines[lic.id]
            ],
        )
        for lic in licenses
    ]
