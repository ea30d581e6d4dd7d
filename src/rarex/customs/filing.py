"""Filing and amending declarations: validate, check each line, draw the license down.

One step is one unit of work owned by the caller: the declaration, its lines, the drawdowns,
the license status, the monthly aggregates and the audit event land together or not at all.
Locks are always taken in the same order (declaration, license, aggregate cells in key
order, audit chain), so concurrent steps wait for each other but never deadlock.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.orm import Session, make_transient_to_detached

from rarex.auth.roles import Actor
from rarex.catalog import ControlList, load_control_list
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.customs import clearing, drawdown, history, repository
from rarex.customs.access import ensure_can_view, ensure_officer, not_found
from rarex.customs.clearance import check_declaration
from rarex.customs.drawdown import AggregateChanges, LockedLicense
from rarex.customs.facts import ClearanceResult, DeclarationFacts, GoodsLine, Party
from rarex.customs.schemas import DeclarationAmend, DeclarationIn
from rarex.customs.series import element_for, series_for
from rarex.customs.states import LineStatus, declaration_status
from rarex.customs.validation import (
    DeclarationDraft,
    InvalidDeclaration,
    LineDraft,
    Problem,
    license_number_of,
    normalise_number,
    validate_declaration,
    validate_lines,
)
from rarex.errors import Conflict, InvalidInput, InvalidTransition
from rarex.models.customs import Declaration, DeclarationLine
from rarex.parties.identifiers import normalize_country


def duplicate(declaration: Declaration) -> Conflict:
    return Conflict(
        f"declaration {declaration.number} was already filed (status {declaration.status}); "
        "it is applied once",
        code="customs.duplicate_declaration",
        number=declaration.number,
        status=declaration.status,
    )


def file_declaration(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings, data: DeclarationIn
) -> Declaration:
    """Record a declaration and clear, hold or refuse each line, drawing cleared controlled
    goods from the cited license.

    Refused and held declarations are recorded too (reconciliation counts the attempts);
    input that cannot be a declaration raises ``InvalidDeclaration`` and writes nothing. The
    number is the idempotency key: filing it again raises ``customs.duplicate_declaration``
    and changes nothing, even when two filings race (the unique index decides).
    """
    draft, control_list = checked_draft(actor=actor, clock=clock, settings=settings, data=data)
    (outcome,) = clearing.file_batch(
        session, actor=actor, clock=clock, control_list=control_list, drafts=[draft]
    )
    if isinstance(outcome, clearing.NotFiled):
        raise not_filed(session, outcome)
    return _attached(session, outcome.row)


def checked_draft(
    *, actor: Actor, clock: Clock, settings: Settings, data: DeclarationIn
) -> tuple[DeclarationDraft, ControlList]:
    """What every filing does first: the caller may file, and the input is a declaration."""
    ensure_officer(actor, action="file a declaration")
    control_list = load_control_list()
    draft = validate_declaration(
        data,
        today=authority_date(clock.now()),
        max_kg=settings.max_quantity_kg,
        control_list=control_list,
    )
    return draft, control_list


def not_filed(session: Session, outcome: clearing.NotFiled) -> Conflict | InvalidDeclaration:
    """The error a single filing answers when the engine did not record it: a duplicate names
    the stored declaration's status, anything else lists the problems."""
    if any(p.code == "customs.duplicate_declaration" for p in outcome.problems):
        existing = repository.declaration_by_number(session, outcome.number)
        if existing is not None:
            return duplicate(existing)
    return InvalidDeclaration(list(outcome.problems))


def _attached(session: Session, row: dict[str, object]) -> Declaration:
    """The ORM object of a declaration the clearing engine has just inserted, attached to the
    session as persistent without reading it back (every column's value is known)."""
    declaration = Declaration(**row)
    make_transient_to_detached(declaration)
    session.add(declaration)
    return declaration


def amend_declaration(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    number: str,
    data: DeclarationAmend,
) -> Declaration:
    """Replace the given fields (``lines`` replaces every line) and check the declaration
    again: what the old lines drew is restored first, then the new lines are checked and
    drawn, in one unit of work, with an audit event naming both."""
    ensure_officer(actor, action="amend a declaration")
    reason = _reason(data.reason)
    now = clock.now()
    control_list = load_control_list()
    declaration = _locked_declaration(session, actor, number)
    if declaration.status == "cancelled":
        raise InvalidTransition(
            f"declaration {declaration.number} is cancelled and cannot be amended",
            code="customs.illegal_transition",
        )
    old_lines = repository.current_lines(session, declaration, lock=True)
    problems: list[Problem] = []
    new_license = declaration.license_number
    if data.remove_license:
        new_license = None
    elif data.license_number is not None:
        new_license = license_number_of(data.license_number, problems)
    destination = _amended_country(data.destination, "destination", problems)
    consignee_country = (
        _amended_country(data.consignee.country, "consignee.country", problems)
        if data.consignee is not None
        else None
    )
    if data.lines is not None:
        drafts = validate_lines(
            data.lines, max_kg=settings.max_quantity_kg, control_list=control_list, into=problems
        )
    else:
        drafts = [_draft_of(line) for line in old_lines]
    if problems:
        raise InvalidDeclaration(problems)
    # Both licenses locked up front, in number order, so two amendments moving declarations
    # between the same two licenses in opposite directions cannot deadlock.
    old_number = declaration.license_number if declaration.license_id is not None else None
    locks = {
        n: drawdown.lock_license(session, number=n)
        for n in sorted({n for n in (old_number, new_license) if n is not None})
    }
    old_locked = locks.get(old_number) if old_number is not None else None
    changes = AggregateChanges()
    restored = drawdown.cancel_lines(
        session,
        declaration=declaration,
        lines=old_lines,
        locked=old_locked,
        actor_label=actor.label,
        now=now,
        changes=changes,
    )
    changes.flush(session)
    old_status = drawdown.refresh_license_status(old_locked)
    session.flush()

    declaration.license_number = new_license
    if destination is not None:
        declaration.destination = destination
    if data.consignee is not None and consignee_country is not None:
        declaration.consignee_name = " ".join(data.consignee.name.split())
        declaration.consignee_country = consignee_country
    if data.port is not None:
        declaration.port = " ".join(data.port.split())
    declaration.revision += 1
    locked = locks.get(new_license) if new_license is not None else None
    result, new_changes = _check_and_apply(
        session,
        declaration=declaration,
        lines=tuple(drafts),
        locked=locked,
        actor=actor,
        now=now,
        control_list=control_list,
    )
    details = _summary(result, locked, new_changes)
    details["restored"] = restored
    if old_status is not None and old_locked is not locked and old_locked is not None:
        details["previous_license_status"] = {old_locked.license.number: old_status}
    history.record(
        session,
        declaration=declaration,
        actor=actor,
        clock=clock,
        now=now,
        action="amended",
        reason=reason,
        details=details,
    )
    return declaration


def _check_and_apply(
    session: Session,
    *,
    declaration: Declaration,
    lines: tuple[LineDraft, ...],
    locked: LockedLicense | None,
    actor: Actor,
    now: datetime,
    control_list: ControlList,
) -> tuple[ClearanceResult, dict[str, object]]:
    """Check the lines against the locked license, store them, clear what passed."""
    declaration.license_id = locked.license.id if locked is not None else None
    facts = DeclarationFacts(
        exporter_id=declaration.exporter_id,
        declared_on=declaration.declared_date,
        destination=declaration.destination,
        consignee=Party(declaration.consignee_name, declaration.consignee_country),
        license_number=declaration.license_number,
        license=drawdown.license_facts(session, locked),
        lines=tuple(GoodsLine(ln.line_no, ln.hs_code, ln.control_code, ln.net_kg) for ln in lines),
    )
    result = check_declaration(facts, control_list=control_list)
    stored: list[tuple[DeclarationLine, int | None]] = []
    for draft, outcome in zip(lines, result.lines, strict=True):
        license_line = locked.line_no(outcome.license_line_no) if locked is not None else None
        code = draft.control_code or (
            license_line.control_code if license_line is not None else None
        )
        line = DeclarationLine(
            # Set here, not at flush, so the drawdown can cite it before anything is written.
            id=uuid.uuid4(),
            declaration_id=declaration.id,
            revision=declaration.revision,
            line_no=draft.line_no,
            hs_code=draft.hs_code,
            control_code=draft.control_code,
            description=draft.description,
            net_kg=draft.net_kg,
            fob_value=draft.fob_value,
            currency=draft.currency,
            series=series_for(draft.hs_code).value,
            element=element_for(draft.hs_code, code, control_list),
            controlled=outcome.controlled,
            outcome=outcome.status.value,
            status=outcome.status.value,
            reasons=[reason.to_dict() for reason in outcome.reasons],
            license_line_id=license_line.id if license_line is not None else None,
            drawn_kg=0,
            cleared_on=None,
        )
        session.add(line)
        stored.append((line, outcome.license_line_no))
    changes = AggregateChanges()
    on = clearance_day(declaration, now)
    cleared = 0
    for line, license_line_no in stored:
        if line.status != LineStatus.CLEARED.value:
            continue
        drawdown.clear(
            session,
            declaration=declaration,
            line=line,
            license_line=locked.line_no(license_line_no) if locked is not None else None,
            on=on,
            actor_label=actor.label,
            now=now,
            changes=changes,
        )
        cleared += 1
    if cleared and declaration.clearance_date is None:
        declaration.clearance_date = on
    declaration.status = declaration_status(LineStatus(line.status) for line, _ in stored).value
    changes.flush(session)
    status_change = drawdown.refresh_license_status(locked)
    session.flush()
    return result, {"license_status": status_change} if status_change else {}


def _summary(
    result: ClearanceResult, locked: LockedLicense | None, extra: dict[str, object]
) -> dict[str, object]:
    return {
        "license": locked.license.number if locked is not None else None,
        "lines": [
            {
                "line_no": outcome.line_no,
                "outcome": outcome.status.value,
                "reasons": [r.code for r in outcome.reasons if r.severity.value != "info"],
            }
            for outcome in result.lines
        ],
        **extra,
    }


def _locked_declaration(session: Session, actor: Actor, number: str) -> Declaration:
    declaration = repository.declaration_by_number(session, normalise_number(number), lock=True)
    if declaration is None:
        raise not_found(number)
    ensure_can_view(actor, declaration)
    return declaration


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason:
        raise InvalidInput("this step needs a reason", code="customs.reason_required")
    return reason


def _amended_country(raw: str | None, field: str, problems: list[Problem]) -> str | None:
    if raw is None:
        return None
    try:
        return normalize_country(raw).alpha2
    except InvalidInput as exc:
        problems.append(Problem(field, exc.code, exc.message))
        return None


def _draft_of(line: DeclarationLine) -> LineDraft:
    return LineDraft(
        line_no=line.line_no,
        hs_code=line.hs_code,
        control_code=line.control_code,
        description=line.description,
        net_kg=line.net_kg,
        fob_value=line.fob_value,
        currency=line.currency,
    )


def clearance_day(declaration: Declaration, now: datetime) -> date:
    """The day a line clearing now counts in: the declared clearance date when one was given."""
    return declaration.clearance_date or authority_date(now)
