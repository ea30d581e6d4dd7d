"""The clearing engine: check a batch of validated declarations against their licenses and
record them, set-based, inside the caller's unit of work.

A batch is one declaration from the API or CLI, or a chunk of a file. The work is the same:
look the exporters up, lock every cited license with its lines in one statement, check each
declaration in memory in file order (each one sees the balances the ones before it left),
then write each table once. Nothing is written before every declaration of the batch has
been checked, so a declaration that cannot be filed is reported without a savepoint, and a
write that fails (a race the checks could not see) fails the whole batch: it can refuse, never
half-record. Locks are taken in one order: licenses (by number), declarations (unique index),
aggregate cells (by key), audit chain last.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from rarex.audit.service import EventDraft, append_events
from rarex.auth.roles import Actor
from rarex.catalog import ControlList
from rarex.clock import Clock, authority_date
from rarex.customs import batch_postgresql
from rarex.customs import batch_repository as store
from rarex.customs.batch_repository import HeldLicense
from rarex.customs.clearance import check_declaration
from rarex.customs.facts import ClearanceResult, DeclarationFacts, GoodsLine, Party
from rarex.customs.history import jsonable
from rarex.customs.repository import AggregateKey
from rarex.customs.series import element_for, series_for
from rarex.customs.states import LineStatus, declaration_status
from rarex.customs.validation import DeclarationDraft, Problem
from rarex.errors import Conflict
from rarex.models.customs import DeclarationAction, DeclarationLine, LicenseDrawdown
from rarex.pipeline import is_postgresql


@dataclass(frozen=True, slots=True)
class Filed:
    """A declaration recorded by the batch (cleared, held, refused or partly cleared)."""

    id: uuid.UUID
    number: str
    status: str
    row: dict[str, Any]
    result: ClearanceResult


@dataclass(frozen=True, slots=True)
class NotFiled:
    """A declaration the batch did not record, and why (nothing of it was written)."""

    number: str
    problems: tuple[Problem, ...]


Outcome = Filed | NotFiled


@dataclass
class _Writes:
    declarations: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    drawdowns: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    events: list[EventDraft] = field(default_factory=list)
    aggregates: dict[AggregateKey, tuple[Decimal, Decimal, int]] = field(default_factory=dict)

    def count(self, key: AggregateKey, kg: Decimal, value: Decimal) -> None:
        total_kg, total_value, lines = self.aggregates.get(key, (Decimal(0), Decimal(0), 0))
        self.aggregates[key] = (total_kg + kg, total_value + value, lines + 1)


def file_batch(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    control_list: ControlList,
    drafts: Sequence[DeclarationDraft],
    audit_each: bool = True,
    batch_event: dict[str, Any] | None = None,
    batch_subject: str | None = None,
    actors: Sequence[Actor] | None = None,
) -> list[Outcome]:
    """Check and record ``drafts`` (already validated, numbers unique within the batch is not
    required: a repeated number is refused as a duplicate). One ``Outcome`` per draft, in order.

    With ``audit_each`` every filed declaration gets its own audit event; otherwise the batch
    gets one (``customs.declarations_imported``, ``batch_event`` merged into its payload) that
    names every declaration with its status, so the chain still commits to each of them. Its
    subject is ``batch_subject`` (a fresh id when not given), and every declaration's ``filed``
    action names it as ``audit_batch``: a declaration's trail finds the event that covers it.

    ``actors``, one per draft, files each draft as its own officer (concurrent requests
    committed together, ``group_filing``); otherwise ``actor`` files them all.
    """
    if actors is not None and len(actors) != len(drafts):
        raise ValueError("one actor per draft")
    if not audit_each and batch_subject is None:
        batch_subject = f"batch-{uuid.uuid4()}"
    now = clock.now()
    cited = [d.license_number for d in drafts if d.license_number is not None]
    # On PostgreSQL a batch small enough for single-row statements goes through statements
    # compiled once and sent by psycopg (``batch_postgresql``: the reads in turn, the writes in
    # one pipeline); a file's chunks are written by COPY.
    pipelined = is_postgresql(session) and len(drafts) < store.COPY_FROM
    if pipelined:
        already, licenses = batch_postgresql.read_and_lock(
            session, numbers=(d.number for d in drafts), license_numbers=cited
        )
    else:
        # A single filing learns of a duplicate from the insert (one statement fewer); a batch
        # asks first, so one known number refuses that declaration, not the batch.
        single = audit_each and len(drafts) == 1
        already = {} if single else store.existing_numbers(session, (d.number for d in drafts))
        licenses = store.lock_licenses(session, cited)
    # The cited licenses name their exporters: only exporters not among them are looked up
    # (none, on the usual path of one exporter citing its own license).
    exporters = {held.exporter_uscc: held.exporter_id for held in licenses.values()}
    exporters.update(
        store.company_ids(session, {d.exporter_uscc for d in drafts} - exporters.keys())
    )
    writes = _Writes()
    outcomes: list[Outcome] = []
    seen: dict[str, str] = {}
    for i, draft in enumerate(drafts):
        problem = _refusal(draft, exporters, already, seen)
        if problem is not None:
            outcomes.append(NotFiled(draft.number, (problem,)))
            continue
        filed = _check_one(
            draft,
            exporter_id=exporters[draft.exporter_uscc],
            held=licenses.get(draft.license_number) if draft.license_number else None,
            control_list=control_list,
            actor=actors[i] if actors is not None else actor,
            now=now,
            writes=writes,
            audit_batch=None if audit_each else batch_subject,
        )
        seen[draft.number] = filed.status
        outcomes.append(filed)
    if pipelined:
        # Everything in one round trip, the aggregate cells and the audit head locked last.
        inserted = batch_postgresql.write(
            session,
            declarations=writes.declarations,
            lines=writes.lines,
            drawdowns=writes.drawdowns,
            actions=writes.actions,
            licenses=licenses.values(),
            aggregates=writes.aggregates,
            lock_audit_head=bool(writes.declarations),
        )
    else:
        inserted = store.insert_declarations(session, writes.declarations)
    raced = [row["number"] for row in writes.declarations if row["number"] not in inserted]
    if raced:
        statuses = store.existing_numbers(session, raced)
        raise Conflict(
            f"declaration {raced[0]} was already filed (status {statuses.get(raced[0])}); "
            "it is applied once",
            code="customs.duplicate_declaration",
            number=raced[0],
            status=statuses.get(raced[0]),
        )
    if not pipelined:
        store.insert_rows(session, DeclarationLine, writes.lines)
        store.insert_rows(session, LicenseDrawdown, writes.drawdowns)
        store.insert_rows(session, DeclarationAction, writes.actions)
        store.store_balances(session, licenses.values())
        # The two locks every filing shares come last, so they are held for the fewest
        # statements before the commit: the month's aggregate cells, then the audit chain.
        store.add_to_aggregates(session, writes.aggregates)
    if audit_each:
        append_events(session, clock=clock, events=writes.events)
    elif writes.declarations:
        assert batch_subject is not None
        event = _batch_event(actor, outcomes, batch_event or {}, subject=batch_subject)
        append_events(session, clock=clock, events=[event])
    store.expire_stale(session)
    return outcomes


def _refusal(
    draft: DeclarationDraft,
    exporters: dict[str, uuid.UUID],
    already: dict[str, str],
    seen: dict[str, str],
) -> Problem | None:
    status = already.get(draft.number) or seen.get(draft.number)
    if status is not None:
        return Problem(
            "number",
            "customs.duplicate_declaration",
            f"declaration {draft.number} was already filed (status {status}); it is applied once",
        )
    if draft.exporter_uscc not in exporters:
        return Problem(
            "exporter_uscc",
            "customs.unknown_exporter",
            f"no exporter is registered with USCC {draft.exporter_uscc}",
        )
    return None


def _check_one(
    draft: DeclarationDraft,
    *,
    exporter_id: uuid.UUID,
    held: HeldLicense | None,
    control_list: ControlList,
    actor: Actor,
    now: datetime,
    writes: _Writes,
    audit_batch: str | None = None,
) -> Filed:
    facts = DeclarationFacts(
        exporter_id=exporter_id,
        declared_on=draft.declared_on,
        destination=draft.destination,
        consignee=Party(draft.consignee_name, draft.consignee_country),
        license_number=draft.license_number,
        license=held.facts() if held is not None else None,
        lines=tuple(
            GoodsLine(ln.line_no, ln.hs_code, ln.control_code, ln.net_kg) for ln in draft.lines
        ),
    )
    result = check_declaration(facts, control_list=control_list)
    declaration_id = uuid.uuid4()
    on = draft.clearance_on or authority_date(now)
    statuses: list[LineStatus] = []
    for line, outcome in zip(draft.lines, result.lines, strict=True):
        license_line = held.line_no(outcome.license_line_no) if held is not None else None
        code = line.control_code or (license_line.control_code if license_line else None)
        cleared = outcome.status is LineStatus.CLEARED
        line_id = uuid.uuid4()
        drawn = Decimal(0)
        if cleared and outcome.controlled:
            drawn = _draw(line.line_no, line.net_kg, license_line)
            writes.drawdowns.append(
                {
                    "id": uuid.uuid4(),
                    "license_line_id": license_line.id if license_line else None,
                    "declaration_line_id": line_id,
                    "kind": "draw",
                    "kg": drawn,
                    "at": now,
                    "actor": actor.label,
                }
            )
        series = series_for(line.hs_code).value
        element = element_for(line.hs_code, code, control_list)
        writes.lines.append(
            {
                "id": line_id,
                "declaration_id": declaration_id,
                "revision": 1,
                "line_no": line.line_no,
                "hs_code": line.hs_code,
                "control_code": line.control_code,
                "description": line.description,
                "net_kg": line.net_kg,
                "fob_value": line.fob_value,
                "currency": line.currency,
                "series": series,
                "element": element,
                "controlled": outcome.controlled,
                "outcome": outcome.status.value,
                "status": outcome.status.value,
                "reasons": [reason.to_dict() for reason in outcome.reasons],
                "license_line_id": license_line.id if license_line is not None else None,
                "drawn_kg": drawn,
                "cleared_on": on if cleared else None,
            }
        )
        if cleared:
            key = AggregateKey(
                period=on.strftime("%Y-%m"),
                series=series,
                element=element or "",
                hs_code=line.hs_code,
                destination=draft.destination,
                currency=line.currency,
            )
            writes.count(key, line.net_kg, line.fob_value)
        statuses.append(outcome.status)
    status = declaration_status(statuses).value
    license_status = _refresh_status(held)
    row = {
        "id": declaration_id,
        "number": draft.number,
        "exporter_id": exporter_id,
        "license_number": draft.license_number,
        "license_id": held.id if held is not None else None,
        "destination": draft.destination,
        "consignee_name": draft.consignee_name,
        "consignee_country": draft.consignee_country,
        "port": draft.port,
        "declared_date": draft.declared_on,
        "clearance_date": on if LineStatus.CLEARED in statuses else draft.clearance_on,
        "status": status,
        "revision": 1,
        "filed_by_id": actor.user_id,
        "filed_at": now,
    }
    writes.declarations.append(row)
    details = _summary(result, held, license_status)
    action_details = details if audit_batch is None else {**details, "audit_batch": audit_batch}
    writes.actions.append(
        {
            "id": uuid.uuid4(),
            "declaration_id": declaration_id,
            "seq": 1,
            "action": "filed",
            "line_no": None,
            "revision": 1,
            "actor_id": actor.user_id,
            "at": now,
            "reason": "",
            "details": action_details,
        }
    )
    writes.events.append(
        EventDraft(
            actor=actor.label,
            action="customs.declaration_filed",
            subject_type="declaration",
            subject_id=str(declaration_id),
            payload={
                "number": draft.number,
                "revision": 1,
                "status": status,
                "line_no": None,
                "reason": "",
                **details,
            },
        )
    )
    return Filed(declaration_id, draft.number, status, row, result)


def _draw(line_no: int, kg: Decimal, license_line: store.HeldLine | None) -> Decimal:
    """Take ``kg`` off the held balance. The check already compared them; this re-checks, so a
    mistake can only ever refuse the batch, never overdraw (the CHECK is the last guard)."""
    if license_line is None:
        raise Conflict(
            f"line {line_no} is controlled and has no license line to draw from",
            code="customs.item_not_covered",
            line=line_no,
        )
    if kg > license_line.remaining_kg:
        raise Conflict(
            f"line {line_no}: {kg} kg exceeds the {license_line.remaining_kg} kg remaining on "
            f"license line {license_line.line_no}",
            code="customs.quantity_exceeded",
            line=line_no,
            requested_kg=str(kg),
            remaining_kg=str(license_line.remaining_kg),
        )
    license_line.remaining_kg -= kg
    license_line.changed = True
    return kg


def _refresh_status(held: HeldLicense | None) -> str | None:
    """A single license is exhausted at zero balance (a general license stays active)."""
    if held is None or held.license_type != "single" or held.status != "active":
        return None
    if all(ln.remaining_kg == 0 for ln in held.lines):
        held.status = "exhausted"
        held.status_changed = True
        return "exhausted"
    return None


def _summary(
    result: ClearanceResult, held: HeldLicense | None, license_status: str | None
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "license": held.number if held is not None else None,
        "lines": [
            {
                "line_no": outcome.line_no,
                "outcome": outcome.status.value,
                "reasons": [r.code for r in outcome.reasons if r.severity.value != "info"],
            }
            for outcome in result.lines
        ],
    }
    if license_status is not None:
        summary["license_status"] = license_status
    return jsonable(summary)  # type: ignore[no-any-return]


def _batch_event(
    actor: Actor, outcomes: list[Outcome], extra: dict[str, Any], *, subject: str
) -> EventDraft:
    filed = [o for o in outcomes if isinstance(o, Filed)]
    return EventDraft(
        actor=actor.label,
        action="customs.declarations_imported",
        subject_type="declaration_batch",
        subject_id=subject,
        payload={
            **jsonable(extra),
            "declarations": [[o.number, str(o.id), o.status] for o in filed],
        },
    )
