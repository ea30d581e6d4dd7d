"""Read models of declarations, each behind the access check for the asker."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role, require_role
from rarex.customs import repository
from rarex.customs.access import VIEW_ROLES, can_view, ensure_can_view, not_found, sees_all
from rarex.customs.schemas import (
    ConsigneeRead,
    DeclarationActionRead,
    DeclarationLineRead,
    DeclarationRead,
    DeclarationSummary,
    DrawdownRead,
    ExporterRef,
    ReasonRead,
)
from rarex.customs.states import DeclarationStatus
from rarex.customs.validation import normalise_number
from rarex.errors import InvalidInput
from rarex.licensing.views import license_view
from rarex.models.customs import Declaration, DeclarationLine, LicenseDrawdown
from rarex.models.licenses import License, LicenseLine
from rarex.pagination import Page, page_of, page_request
from rarex.parties import service as parties


def declaration_view(session: Session, *, actor: Actor, number: str) -> DeclarationRead:
    require_role(actor, *VIEW_ROLES, action="see declarations")
    declaration = repository.declaration_by_number(session, normalise_number(number))
    if declaration is None:
        raise not_found(number)
    ensure_can_view(actor, declaration)
    return read(session, declaration)


def read(session: Session, declaration: Declaration) -> DeclarationRead:
    """The full view; the caller has checked that the asker may see it."""
    lines = repository.current_lines(session, declaration)
    actions = repository.actions_for(session, declaration.id)
    names = repository.usernames(session, {declaration.filed_by_id} | {a.actor_id for a in actions})
    license_lines = repository.license_line_numbers(
        session, (ln.license_line_id for ln in lines if ln.license_line_id is not None)
    )
    exporter = parties.get_company(session, company_id=declaration.exporter_id)
    return DeclarationRead(
        id=declaration.id,
        number=declaration.number,
        status=declaration.status,
        revision=declaration.revision,
        exporter=ExporterRef(id=exporter.id, uscc=exporter.uscc, name=exporter.name),
        license_number=declaration.license_number,
        destination=declaration.destination,
        consignee=ConsigneeRead(
            name=declaration.consignee_name, country=declaration.consignee_country
        ),
        port=declaration.port,
        declared_date=declaration.declared_date,
        clearance_date=declaration.clearance_date,
        filed_by=names.get(declaration.filed_by_id, "?"),
        # In UTC, as stored: the object just filed still holds the clock's own offset.
        filed_at=declaration.filed_at.astimezone(UTC),
        lines=[
            DeclarationLineRead(
                line_no=ln.line_no,
                hs_code=ln.hs_code,
                control_code=ln.control_code,
                description=ln.description,
                net_kg=ln.net_kg,
                fob_value=ln.fob_value,
                currency=ln.currency,
                series=ln.series,
                element=ln.element,
                controlled=ln.controlled,
                outcome=ln.outcome,
                status=ln.status,
                license_line_no=(
                    license_lines.get(ln.license_line_id) if ln.license_line_id else None
                ),
                drawn_kg=ln.drawn_kg,
                cleared_on=ln.cleared_on,
                reasons=[ReasonRead.model_validate(r) for r in ln.reasons],
            )
            for ln in lines
        ],
        history=[
            DeclarationActionRead(
                seq=a.seq,
                action=a.action,
                line_no=a.line_no,
                revision=a.revision,
                at=a.at.astimezone(UTC),
                actor=names.get(a.actor_id, "?"),
                reason=a.reason,
                details=a.details,
            )
            for a in actions
        ],
    )


def list_declarations(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    license_number: str | None = None,
    limit: int | None = None,
    page_token: str | None = None,
) -> Page[DeclarationSummary]:
    """What the asker may see, a page at a time, latest declared first: an exporter its own
    company's declarations, authorities all."""
    require_role(actor, *VIEW_ROLES, action="see declarations")
    request = page_request(limit, page_token, order=repository.DECLARATIONS_ORDER)
    if status is not None and status not in {s.value for s in DeclarationStatus}:
        raise InvalidInput(
            f"unknown status {status!r}; known: {', '.join(s.value for s in DeclarationStatus)}",
            code="customs.unknown_status",
            field="status",
        )
    empty: Page[DeclarationSummary] = Page([], None, 0, request.order)
    license_id = None
    if license_number is not None:
        license_ = repository.license_by_number(session, normalise_number(license_number))
        if license_ is None:
            return empty
        license_id = license_.id
    exporter_id = None if sees_all(actor) else actor.company_id
    if actor.role is Role.EXPORTER and exporter_id is None:
        return empty
    rows, total = repository.declarations_page(
        session,
        exporter_id=exporter_id,
        status=status,
        license_id=license_id,
        after=request.after,
        limit=request.limit + 1,
    )
    page = page_of(rows, request, key=repository.declaration_key, total=total)
    declarations = [d for d in page.items if can_view(actor, d)]
    totals = repository.line_totals(session, declarations)
    companies = parties.companies_by_id(session, (d.exporter_id for d in declarations))
    summaries = []
    for d in declarations:
        lines, net_kg, cleared_kg = totals.get(d.id, (0, Decimal(0), Decimal(0)))
        company = companies.get(d.exporter_id)
        summaries.append(
            DeclarationSummary(
                number=d.number,
                status=d.status,
                exporter=company.name if company else "?",
                exporter_uscc=company.uscc if company else "?",
                license_number=d.license_number,
                destination=d.destination,
                declared_date=d.declared_date,
                clearance_date=d.clearance_date,
                lines=lines,
                net_kg=net_kg,
                cleared_kg=cleared_kg,
            )
        )
    return Page(summaries, page.next_page_token, total, page.order)


MAX_DRAWDOWNS = 500


def license_drawdowns(
    session: Session, *, actor: Actor, number: str, limit: int = MAX_DRAWDOWNS
) -> list[DrawdownRead]:
    """What drew on a license, newest first: whoever may see the license sees its ledger
    (the license is looked up through the licensing room's own access check)."""
    license_view(session, actor=actor, number=number)
    rows = session.execute(
        select(
            LicenseDrawdown.at,
            LicenseDrawdown.kind,
            LicenseDrawdown.kg,
            LicenseLine.line_no.label("license_line_no"),
            LicenseLine.control_code,
            Declaration.number.label("declaration_number"),
            DeclarationLine.line_no.label("declaration_line_no"),
            Declaration.declared_date,
        )
        .join(LicenseLine, LicenseLine.id == LicenseDrawdown.license_line_id)
        .join(License, License.id == LicenseLine.license_id)
        .join(DeclarationLine, DeclarationLine.id == LicenseDrawdown.declaration_line_id)
        .join(Declaration, Declaration.id == DeclarationLine.declaration_id)
        .where(License.number == number)
        .order_by(LicenseDrawdown.at.desc(), Declaration.number, DeclarationLine.line_no)
        .limit(min(limit, MAX_DRAWDOWNS))
    ).mappings()
    return [DrawdownRead.model_validate(dict(row)) for row in rows]
