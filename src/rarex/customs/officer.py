"""A customs officer's steps on a declaration: hold, release or refuse a line; cancel.

Each step names its reason and lands with its balance change, aggregate change and audit
event in the caller's unit of work. Releasing a held line runs the clearance check again on
the balances as they stand: the officer overrides a mismatch (destination, consignee, HS
code), never a refusal or a balance that is no longer there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor
from rarex.catalog import load_control_list
from rarex.clock import Clock, authority_date
from rarex.customs import drawdown, history, repository
from rarex.customs.access import ensure_can_view, ensure_officer, not_found
from rarex.customs.clearance import check_line
from rarex.customs.drawdown import AggregateChanges, LockedLicense
from rarex.customs.facts import DeclarationFacts, GoodsLine, Party
from rarex.customs.states import (
    LINE_ACTIONS,
    LineAction,
    LineStatus,
    declaration_status,
    next_status,
)
from rarex.customs.validation import normalise_number
from rarex.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from rarex.models.customs import Declaration, DeclarationLine


def parse_line_action(name: str) -> LineAction:
    try:
        action = LineAction(name.strip().lower())
    except ValueError:
        action = None
    if action is None or action not in LINE_ACTIONS:
        known = ", ".join(a.value for a in LINE_ACTIONS)
        raise InvalidInput(
            f"unknown line action {name!r}; known: {known}", code="customs.unknown_action"
        )
    return action


def act_on_line(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    number: str,
    line_no: int,
    action: LineAction,
    reason: str,
) -> Declaration:
    """Hold a cleared line (its balance comes back), release a held one (its balance is
    drawn, if still there) or refuse a held one."""
    ensure_officer(actor, action=f"{action.value} a declaration line")
    reason = _reason(reason)
    now = clock.now()
    declaration = _locked(session, actor, number)
    lines = repository.current_lines(session, declaration, lock=True)
    line = next((ln for ln in lines if ln.line_no == line_no), None)
    if line is None:
        raise NotFound(
            f"declaration {declaration.number} has no line {line_no}",
            code="customs.line_not_found",
            line=line_no,
        )
    target = next_status(LineStatus(line.status), action, line_no=line_no)
    locked = drawdown.lock_license_id(session, declaration.license_id)
    changes = AggregateChanges()
    details: dict[str, object] = {"from": line.status, "to": target.value}
    if action is LineAction.HOLD:
        details["restored_kg"] = drawdown.unclear(
            session,
            declaration=declaration,
            line=line,
            license_line=locked.line(line.license_line_id) if locked else None,
            actor_label=actor.label,
            now=now,
            changes=changes,
        )
        line.status = target.value
    elif action is LineAction.RELEASE:
        details.update(_release(session, declaration, line, locked, actor, now, changes))
        if declaration.clearance_date is None:
            declaration.clearance_date = line.cleared_on
    else:
        line.status = target.value
    changes.flush(session)
    status_change = drawdown.refresh_license_status(locked)
    if status_change is not None:
        details["license_status"] = status_change
    declaration.status = declaration_status(LineStatus(ln.status) for ln in lines).value
    session.flush()
    history.record(
        session,
        declaration=declaration,
        actor=actor,
        clock=clock,
        now=now,
        action={
            LineAction.HOLD: "line_held",
            LineAction.RELEASE: "line_released",
            LineAction.REFUSE: "line_refused",
        }[action],
        reason=reason,
        line_no=line_no,
        details=details,
    )
    return declaration


def cancel_declaration(
    session: Session, *, actor: Actor, clock: Clock, number: str, reason: str
) -> Declaration:
    """Cancel every line; what cleared lines drew is restored and uncounted."""
    ensure_officer(actor, action="cancel a declaration")
    reason = _reason(reason)
    now = clock.now()
    declaration = _locked(session, actor, number)
    if declaration.status == "cancelled":
        raise InvalidTransition(
            f"declaration {declaration.number} is already cancelled",
            code="customs.illegal_transition",
        )
    lines = repository.current_lines(session, declaration, lock=True)
    locked = drawdown.lock_license_id(session, declaration.license_id)
    for line in lines:  # every line must be cancellable before any is touched
        next_status(LineStatus(line.status), LineAction.CANCEL, line_no=line.line_no)
    changes = AggregateChanges()
    restored = drawdown.cancel_lines(
        session,
        declaration=declaration,
        lines=lines,
        locked=locked,
        actor_label=actor.label,
        now=now,
        changes=changes,
    )
    changes.flush(session)
    details: dict[str, object] = {"restored": restored}
    status_change = drawdown.refresh_license_status(locked)
    if status_change is not None:
        details["license_status"] = status_change
    declaration.status = declaration_status(LineStatus(ln.status) for ln in lines).value
    session.flush()
    history.record(
        session,
        declaration=declaration,
        actor=actor,
        clock=clock,
        now=now,
        action="cancelled",
        reason=reason,
        details=details,
    )
    return declaration


def _release(
    session: Session,
    declaration: Declaration,
    line: DeclarationLine,
    locked: LockedLicense | None,
    actor: Actor,
    now: datetime,
    changes: AggregateChanges,
) -> dict[str, object]:
    control_list = load_control_list()
    facts = DeclarationFacts(
        exporter_id=declaration.exporter_id,
        declared_on=declaration.declared_date,
        destination=declaration.destination,
        consignee=Party(declaration.consignee_name, declaration.consignee_country),
        license_number=declaration.license_number,
        license=drawdown.license_facts(session, locked),
        lines=(),
    )
    outcome = check_line(
        facts,
        GoodsLine(line.line_no, line.hs_code, line.control_code, line.net_kg),
        control_list=control_list,
    )
    blockers = outcome.release_blockers
    if blockers:
        first = blockers[0]
        raise Conflict(
            f"line {line.line_no} cannot be released: {first.message}",
            code=first.code,
            line=line.line_no,
            reasons=[r.to_dict() for r in blockers],
        )
    license_line = locked.line_no(outcome.license_line_no) if locked is not None else None
    line.license_line_id = license_line.id if license_line is not None else None
    drawdown.clear(
        session,
        declaration=declaration,
        line=line,
        license_line=license_line,
        on=authority_date(now),
        actor_label=actor.label,
        now=now,
        changes=changes,
    )
    return {
        "drawn_kg": line.drawn_kg,
        "overridden": [r.code for r in outcome.holds],
    }


def _locked(session: Session, actor: Actor, number: str) -> Declaration:
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
