"""Read models of applications and licenses, each behind the access check for the asker."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import InvalidInput, NotFound
from rarex.licensing import repository
from rarex.licensing.access import can_view_license, ensure_can_view, refuse_partner
from rarex.licensing.calendar_store import working_calendar
from rarex.licensing.clock_service import clocks_for, clocks_from_changes
from rarex.licensing.filing import missing_documents
from rarex.licensing.license_states import LicenseStatus, standing
from rarex.licensing.repository import APPLICATION_NOT_FOUND
from rarex.licensing.schemas import (
    ApplicationRead,
    ApplicationSummary,
    DecisionRead,
    DocumentRead,
    ExporterRead,
    LicenseLineRead,
    LicenseRead,
    LineRead,
    PartyRead,
    StateChangeRead,
)
from rarex.licensing.screening import hit_view
from rarex.licensing.states import ACTION_ROLES, TRANSITIONS, State
from rarex.models import Application, Document, License
from rarex.pagination import Page, page_of, page_request
from rarex.parties import service as parties
from rarex.screening import service as screening_service


def _resolve(session: Session, key: str | uuid.UUID) -> Application:
    """Applications are addressed by id or by their reference (RX-2025-…)."""
    if isinstance(key, uuid.UUID):
        return repository.get_application(session, key)
    try:
        return repository.get_application(session, uuid.UUID(key))
    except ValueError:
        found = repository.application_by_reference(session, key.strip())
        if found is None:
            raise NotFound(APPLICATION_NOT_FOUND, code="application.not_found") from None
        return found


def resolve_application_id(session: Session, *, actor: Actor, key: str) -> uuid.UUID:
    application = _resolve(session, key)
    ensure_can_view(session, actor, application)
    return application.id


def allowed_actions(actor: Actor, application: Application) -> list[str]:
    moves = TRANSITIONS[State(application.state)]
    return [action.value for action in moves if actor.role in ACTION_ROLES[action]]


def application_view(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings, key: str | uuid.UUID
) -> ApplicationRead:
    application = _resolve(session, key)
    ensure_can_view(session, actor, application)
    today = authority_date(clock.now())
    changes = repository.changes_for(session, application.id)
    decision = repository.decision_for(session, application.id)
    names = repository.usernames(
        session,
        {c.actor_id for c in changes}
        | {application.filed_by_id}
        | ({decision.officer_id} if decision else set()),
    )
    clocks = clocks_from_changes(
        working_calendar(session), application, changes, today=today, settings=settings
    )
    status, target = clocks.legal, clocks.lane_target
    clock_view = status.to_dict() if status is not None else None
    if clock_view is not None:
        clock_view["lane_target_working_days"] = (
            settings.green_channel_target_working_days if target else None
        )
        clock_view["lane_target_due_date"] = (
            target.due_date.isoformat() if target and target.due_date else None
        )
    check = repository.latest_green_check(session, application.id)
    license_ = repository.license_for_application(session, application.id)
    officer = actor.role in (Role.LICENSING_OFFICER, Role.ADMINISTRATOR)
    return ApplicationRead(
        id=application.id,
        reference=application.reference,
        state=application.state,
        lane=application.lane,
        license_type=application.license_type,
        exporter=ExporterRead.model_validate(
            parties.get_company(session, company_id=application.exporter_id)
        ),
        filed_by=names.get(application.filed_by_id, "?"),
        consignee=PartyRead.model_validate(
            parties.get_foreign_party(session, party_id=application.consignee_id)
        ),
        end_user=PartyRead.model_validate(
            parties.get_foreign_party(session, party_id=application.end_user_id)
        ),
        destination=application.destination,
        end_use_category=application.end_use_category,
        end_use_statement=application.end_use_statement,
        contract_reference=application.contract_reference,
        created_at=application.created_at,
        submitted_at=application.submitted_at,
        accepted_on=application.accepted_on,
        decided_on=application.decided_on,
        lines=[LineRead.model_validate(ln) for ln in repository.lines_for(session, application.id)],
        documents=[
            DocumentRead.model_validate(d)
            for d in repository.documents_for(session, application.id)
        ],
        missing_documents=missing_documents(session, application.id),
        allowed_actions=allowed_actions(actor, application),
        clock=clock_view,
        green_channel=(
            {
                "eligible": check.eligible,
                "policy_version": check.policy_version,
                "evaluated_at": check.evaluated_at.isoformat(),
                "results": check.results if officer else _without_screening(check.results),
            }
            if check is not None
            else None
        ),
        screening=_screening_summary(session, application.id) if officer else None,
        decision=(
            DecisionRead(
                outcome=decision.outcome,
                decided_at=decision.decided_at,
                officer=names.get(decision.officer_id, "?"),
                reason_codes=decision.reason_codes,
                reason=decision.reason,
                conditions=decision.conditions,
                legal_basis=decision.legal_basis,
            )
            if decision is not None
            else None
        ),
        license_number=license_.number if license_ is not None else None,
        history=[
            StateChangeRead(
                seq=c.seq,
                action=c.action,
                from_state=c.from_state,
                to_state=c.to_state,
                at=c.at,
                on_date=c.on_date,
                actor=names.get(c.actor_id, "?"),
                reason=c.reason,
                legal_basis=c.legal_basis,
                details=c.details,
            )
            for c in changes
        ],
    )


def list_application_summaries(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    state: str | None = None,
    limit: int | None = None,
    page_token: str | None = None,
) -> Page[ApplicationSummary]:
    """What the asker may see, a page at a time, newest filed first: exporters their own
    company's, officers all (partners read theirs through ``rarex.partners``).

    Due dates are computed as of today, not read from the stored column: while the clock is
    stopped the predicted date moves every working day. A page costs the same few queries
    whatever its size.
    """
    request = page_request(limit, page_token, order=repository.APPLICATIONS_ORDER)
    today = authority_date(clock.now())
    exporter_id = actor.company_id if actor.role is Role.EXPORTER else None
    refuse_partner(actor)
    if actor.role in (Role.CUSTOMS_OFFICER, Role.ANALYST) or (
        actor.role is Role.EXPORTER and exporter_id is None
    ):
        return Page([], None, 0, request.order)
    if state is not None and state not in State.__members__.values():
        # An unknown state is an error, not an empty list.
        raise InvalidInput(
            f"unknown state {state!r}; known: {', '.join(s.value for s in State)}",
            code="application.unknown_state",
            field="state",
        )
    rows, total = repository.applications_page(
        session,
        exporter_id=exporter_id,
        states=[state] if state else None,
        after=request.after,
        limit=request.limit + 1,
    )
    page = page_of(rows, request, key=repository.application_key, total=total)
    ids = [a.id for a in page.items]
    totals = repository.totals_by_application(session, ids)
    companies = parties.company_names(session, (a.exporter_id for a in page.items))
    clocks = clocks_for(session, page.items, today=today, settings=settings)

    def summary(a: Application) -> ApplicationSummary:
        status = clocks[a.id].legal if a.accepted_on is not None else None
        return ApplicationSummary(
            id=a.id,
            reference=a.reference,
            state=a.state,
            lane=a.lane,
            license_type=a.license_type,
            exporter=companies.get(a.exporter_id, "?"),
            destination=a.destination,
            end_use_category=a.end_use_category,
            total_kg=Decimal(str(totals.get(a.id) or 0)),
            accepted_on=a.accepted_on,
            due_on=status.due_date if status is not None else None,
            decided_on=a.decided_on,
            working_days_used=status.used if status is not None else None,
            working_days_left=status.remaining if status is not None else None,
            clock_stopped=status.stopped if status is not None else False,
        )

    return page.map(summary)


def effective_status(license_: License, on: date | None) -> str:
    """The status as read on ``on`` (expired is derived, never stored)."""
    return standing(LicenseStatus(license_.status), valid_until=license_.valid_until, on=on).value


def _license_reads(session: Session, licenses: list[License], on: date | None) -> list[LicenseRead]:
    """Licenses as read, with what they refer to loaded for all of them at once."""
    references = repository.references_of(session, [lic.application_id for lic in licenses])
    companies = parties.companies_by_id(session, (lic.exporter_id for lic in licenses))
    foreign = parties.foreign_parties_by_id(
        session, [p for lic in licenses for p in (lic.consignee_id, lic.end_user_id)]
    )
    lines = repository.lines_of_licenses(session, [lic.id for lic in licenses])
    return [
        LicenseRead(
            id=lic.id,
            number=lic.number,
            application_reference=references[lic.application_id],
            exporter=ExporterRead.model_validate(companies[lic.exporter_id]),
            license_type=lic.license_type,
            status=effective_status(lic, on),
            consignee=PartyRead.model_validate(foreign[lic.consignee_id]),
            end_user=PartyRead.model_validate(foreign[lic.end_user_id]),
            destination=lic.destination,
            valid_from=lic.valid_from,
            valid_until=lic.valid_until,
            conditions=lic.conditions,
            supervision_code=lic.supervision_code,
            issued_at=lic.issued_at,
            lines=[LicenseLineRead.model_validate(ln) for ln in lines[lic.id]],
        )
        for lic in licenses
    ]


def license_view(
    session: Session, *, actor: Actor, number: str, on: date | None = None
) -> LicenseRead:
    """``on``: the date the status is read for (an active license past validity is expired)."""
    license_ = repository.get_license_by_number(session, number)
    if license_ is None or not can_view_license(session, actor, license_):
        raise NotFound("no such license, or not one you may see", code="license.not_found")
    (read,) = _license_reads(session, [license_], on)
    return read


def list_license_views(
    session: Session,
    *,
    actor: Actor,
    on: date | None = None,
    limit: int | None = None,
    page_token: str | None = None,
) -> Page[LicenseRead]:
    """The licenses the asker may see, a page at a time, newest issued first."""
    request = page_request(limit, page_token, order=repository.LICENSES_ORDER)
    exporter_id = actor.company_id if actor.role is Role.EXPORTER else None
    refuse_partner(actor)
    if actor.role is Role.ANALYST or (actor.role is Role.EXPORTER and exporter_id is None):
        return Page([], None, 0, request.order)
    rows, total = repository.licenses_page(
        session,
        exporter_id=exporter_id,
        after=request.after,
        limit=request.limit + 1,
    )
    # the query holds can_view_license's rule for every role that gets this far
    page = page_of(rows, request, key=repository.license_key, total=total)
    return Page(_license_reads(session, page.items, on), page.next_page_token, total, page.order)


def _screening_summary(session: Session, application_id: uuid.UUID) -> dict[str, Any]:
    hits = screening_service.hits(session, application_id)
    counts = {status: 0 for status in ("open", "confirmed", "dismissed")}
    for hit in hits:
        counts[hit.status] += 1
    return {**counts, "hits": [hit_view(h) for h in hits]}


SCREENING_HIDDEN = "party screening is done by the authority and not shown to applicants"


def _without_screening(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Applicants see the same screening rule whatever the hits: a
    listed party must not learn of a hit from its own application. (The lane itself stays
    visible; an ordinary lane with every other rule passed remains an inference we accept.)"""
    return [
        {**r, "passed": None, "explanation": SCREENING_HIDDEN}
        if r.get("rule") == "no_open_screening_hits"
        else r
        for r in results
    ]


DOCUMENT_NOT_FOUND = "no such document on this application, or not one you may see"


def document_for_download(
    session: Session, *, actor: Actor, key: str | uuid.UUID, document_id: str
) -> Document:
    """A document of an application, content included, for whoever may see the application's
    documents: the applicant and the authority. Anyone else (a partner authority included),
    or a document of another application, is not found."""
    application = _resolve(session, key)
    ensure_can_view(session, actor, application)
    try:
        wanted = uuid.UUID(document_id)
    except ValueError:
        raise NotFound(DOCUMENT_NOT_FOUND, code="document.not_found") from None
    document = repository.document_of(session, application.id, wanted)
    if document is None:
        raise NotFound(DOCUMENT_NOT_FOUND, code="document.not_found")
    return document
