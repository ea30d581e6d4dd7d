"""What a customs step does to the books, computed as a value. Pure.

Filing, amending, holding, releasing, refusing and cancelling are all *postings*: given a
declaration (as filed, or as stored now) and the licenses held for it, each step returns a
``Posting``: every line's outcome with its reasons, the draw and restore entries of the
license ledger, the monthly aggregate deltas, the license status changes, the action row and
the audit payload. ``customs.posting_store.write`` applies any number of them, set-based, on
either database; nothing else writes these rows.

Every rule lives here once:

* a line is cleared by ``_clear`` (the license draws, the month counts it) and taken back out
  by ``_unclear`` (the license gets it back, the month uncounts it, the line stops saying it
  draws);
* a cell of the monthly aggregates is keyed by ``aggregate_key``, on the day the line cleared
  and the destination it cleared for;
* a released line is checked again on the balances as they stand: an officer overrides a
  paperwork mismatch (consignee, HS code), never a refusal, and never a destination the
  license does not cover, which only a license that covers it (named by the officer) can
  release.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rarex.catalog import ControlList
from rarex.clock import authority_date
from rarex.customs.clearance import check_declaration, check_line
from rarex.customs.facts import (
    ClearanceResult,
    DeclarationFacts,
    GoodsLine,
    LicenseFacts,
    LicenseLineFacts,
    LineOutcome,
    Party,
    Severity,
)
from rarex.customs.series import element_for, series_for
from rarex.customs.states import (
    DeclarationStatus,
    LineAction,
    LineStatus,
    declaration_status,
    next_status,
)
from rarex.customs.validation import LineDraft
from rarex.errors import Conflict, InvalidTransition
from rarex.licensing.license_states import HeldLicense, HeldLine

# A mismatch an officer may not wave through: the license does not cover that country.
NOT_OVERRIDABLE = frozenset({"customs.destination_mismatch"})
_DRAWN = "customs.drawn"


@dataclass(frozen=True, slots=True)
class AggregateKey:
    period: str
    series: str
    element: str
    hs_code: str
    destination: str
    currency: str

    def sort_key(self) -> tuple[str, ...]:
        return (
            self.period,
            self.series,
            self.element,
            self.hs_code,
            self.destination,
            self.currency,
        )


@dataclass(frozen=True, slots=True)
class Delta:
    """A signed change of an aggregate cell."""

    net_kg: Decimal = Decimal(0)
    fob_value: Decimal = Decimal(0)
    lines: int = 0

    def __add__(self, other: Delta) -> Delta:
        return Delta(
            self.net_kg + other.net_kg, self.fob_value + other.fob_value, self.lines + other.lines
        )

    @property
    def is_zero(self) -> bool:
        return self.net_kg == 0 and self.fob_value == 0 and self.lines == 0

    @property
    def takes_out(self) -> bool:
        """Something counted in the cell is taken out, so the cell exists already."""
        return self.net_kg < 0 or self.fob_value < 0 or self.lines < 0


def aggregate_key(line: Mapping[str, Any], *, destination: str, on: date) -> AggregateKey:
    """The cell a cleared line counts in: the month it cleared, what it is, where it went."""
    return AggregateKey(
        period=on.strftime("%Y-%m"),
        series=line["series"],
        element=line["element"] or "",
        hs_code=line["hs_code"],
        destination=destination,
        currency=line["currency"],
    )


@dataclass(frozen=True, slots=True)
class StoredLine:
    """A current line of a stored declaration, as the writer stored it."""

    id: uuid.UUID
    line_no: int
    hs_code: str
    control_code: str | None
    description: str
    net_kg: Decimal
    fob_value: Decimal
    currency: str
    series: str
    element: str | None
    controlled: bool
    outcome: LineStatus
    status: LineStatus
    reasons: tuple[dict[str, Any], ...]
    license_line_id: uuid.UUID | None
    drawn_kg: Decimal
    cleared_on: date | None


@dataclass(frozen=True, slots=True)
class StoredDeclaration:
    id: uuid.UUID
    number: str
    exporter_id: uuid.UUID
    license_number: str | None
    license_id: uuid.UUID | None
    destination: str
    consignee_name: str
    consignee_country: str
    port: str
    declared_date: date
    clearance_date: date | None
    status: DeclarationStatus
    revision: int
    lines: tuple[StoredLine, ...]
    last_seq: int


@dataclass(frozen=True, slots=True)
class Header:
    """What a filing or an amendment declares about the shipment as a whole."""

    number: str
    exporter_id: uuid.UUID
    license_number: str | None
    destination: str
    consignee_name: str
    consignee_country: str
    port: str
    declared_date: date
    # The filed content's fingerprint (``DeclarationDraft.content_sha256``); an amendment
    # leaves the stored one as it was.
    content_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """Who takes the step, when, and why."""

    actor_id: uuid.UUID
    actor_label: str
    now: datetime
    reason: str = ""

    @property
    def today(self) -> date:
        return authority_date(self.now)


@dataclass
class Posting:
    """Everything one step writes. Rows are dicts of column values; ``lines_changed`` carries
    each changed line's ``id`` with its new status, draw, clearance day and reasons."""

    declaration_id: uuid.UUID
    number: str
    status: DeclarationStatus
    new_declaration: dict[str, Any] | None = None
    declaration_changes: dict[str, Any] | None = None
    lines_added: list[dict[str, Any]] = field(default_factory=list)
    lines_changed: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    aggregates: dict[AggregateKey, Delta] = field(default_factory=dict)
    license_statuses: dict[str, str] = field(default_factory=dict)
    action: dict[str, Any] = field(default_factory=dict)
    audit_action: str = ""
    audit_payload: dict[str, Any] = field(default_factory=dict)
    result: ClearanceResult | None = None

    def count(self, key: AggregateKey, delta: Delta) -> None:
        self.aggregates[key] = self.aggregates.get(key, Delta()) + delta


def license_facts(held: HeldLicense | None) -> LicenseFacts | None:
    if held is None:
        return None
    return LicenseFacts(
        number=held.number,
        exporter_id=held.exporter_id,
        license_type=held.license_type,
        status=held.status.value,
        valid_from=held.valid_from,
        valid_until=held.valid_until,
        destination=held.destination,
        consignee=Party(*held.consignee),
        end_user=Party(*held.end_user),
        lines=tuple(
            LicenseLineFacts(ln.line_no, ln.control_code, ln.hs_code, ln.remaining_kg)
            for ln in held.lines
        ),
    )


# The steps.


def post_filing(
    header: Header,
    lines: Sequence[LineDraft],
    *,
    held: HeldLicense | None,
    control_list: ControlList,
    step: Step,
    clearance_on: date | None = None,
    audit_batch: str | None = None,
) -> Posting:
    """A new declaration: every line checked in order against the held balances, the cleared
    ones drawn and counted on ``clearance_on`` (an import of goods cleared elsewhere) or today.
    ``audit_batch`` names the chunk event that commits to it instead of an event of its own."""
    declaration_id = uuid.uuid4()
    posting = Posting(declaration_id, header.number, DeclarationStatus.CLEARED)
    on = clearance_on or step.today
    rows = _check_lines(posting, header, lines, held=held, control_list=control_list, step=step)
    statuses = [_clear_if_passed(posting, row, header.destination, held, on, step) for row in rows]
    status = declaration_status(statuses)
    posting.status = status
    posting.lines_added = rows
    posting.new_declaration = {
        "id": declaration_id,
        "number": header.number,
        "exporter_id": header.exporter_id,
        "license_number": header.license_number,
        "license_id": held.id if held is not None else None,
        "destination": header.destination,
        "consignee_name": header.consignee_name,
        "consignee_country": header.consignee_country,
        "port": header.port,
        "declared_date": header.declared_date,
        "clearance_date": on if LineStatus.CLEARED in statuses else clearance_on,
        "status": status.value,
        "revision": 1,
        "filed_by_id": step.actor_id,
        "filed_at": step.now,
        "content_sha256": header.content_sha256,
    }
    details = _summary(posting, held)
    if audit_batch is not None:
        details["audit_batch"] = audit_batch
    _record(posting, "filed", revision=1, seq=1, step=step, details=details)
    return posting


def post_amendment(
    stored: StoredDeclaration,
    header: Header,
    lines: Sequence[LineDraft],
    *,
    held: Mapping[str, HeldLicense],
    control_list: ControlList,
    step: Step,
) -> Posting:
    """Replace the declaration's header and lines: the old lines are cancelled (what they drew
    restored, what they counted uncounted), then the new ones are checked against the license
    now cited and cleared as a filing would be."""
    if stored.status is DeclarationStatus.CANCELLED:
        raise InvalidTransition(
            f"declaration {stored.number} is cancelled and cannot be amended",
            code="customs.illegal_transition",
        )
    posting = Posting(stored.id, stored.number, stored.status)
    restored = _cancel_lines(posting, stored, held, step)
    new_license = held.get(header.license_number) if header.license_number else None
    revision = stored.revision + 1
    rows = _check_lines(
        posting,
        header,
        lines,
        held=new_license,
        control_list=control_list,
        step=step,
        declaration_id=stored.id,
        revision=revision,
    )
    on = stored.clearance_date or step.today
    statuses = [
        _clear_if_passed(posting, row, header.destination, new_license, on, step) for row in rows
    ]
    posting.status = declaration_status(statuses)
    posting.lines_added = rows
    posting.declaration_changes = {
        "license_number": header.license_number,
        "license_id": new_license.id if new_license is not None else None,
        "destination": header.destination,
        "consignee_name": header.consignee_name,
        "consignee_country": header.consignee_country,
        "port": header.port,
        "revision": revision,
        "status": posting.status.value,
        "clearance_date": stored.clearance_date or (on if LineStatus.CLEARED in statuses else None),
    }
    details = _summary(posting, new_license)
    details["restored"] = restored
    _record(
        posting, "amended", revision=revision, seq=stored.last_seq + 1, step=step, details=details
    )
    return posting


def post_line_action(
    stored: StoredDeclaration,
    *,
    line_no: int,
    action: LineAction,
    held: Mapping[str, HeldLicense],
    covering_license: str | None,
    control_list: ControlList,
    step: Step,
) -> Posting:
    """Hold a cleared line (its balance comes back), release a held one (checked again and
    drawn, from ``covering_license`` when the officer names one) or refuse a held one."""
    line = next((ln for ln in stored.lines if ln.line_no == line_no), None)
    if line is None:
        raise LookupError(line_no)
    target = next_status(line.status, action, line_no=line_no)
    posting = Posting(stored.id, stored.number, stored.status)
    row = _row_of(line)
    details: dict[str, Any] = {"from": line.status.value, "to": target.value}
    clearance_date = stored.clearance_date
    if action is LineAction.HOLD:
        details["restored_kg"] = _unclear(posting, row, stored.destination, held, step)
    elif action is LineAction.RELEASE:
        number = covering_license or stored.license_number
        license_ = held.get(number) if number is not None else None
        outcome = _release_check(stored, line, license_, control_list, covering_license)
        license_line = license_.line_no(outcome.license_line_no) if license_ else None
        row["reasons"] = [r.to_dict() for r in outcome.reasons]
        row["controlled"] = outcome.controlled
        _clear(posting, row, stored.destination, license_, license_line, step.today, step)
        details["drawn_kg"] = row["drawn_kg"]
        details["overridden"] = [r.code for r in outcome.holds]
        if covering_license is not None:
            details["license"] = covering_license
        clearance_date = clearance_date or step.today
    row["status"] = target.value
    posting.lines_changed.append(_changes(row))
    statuses = [target if ln.line_no == line_no else ln.status for ln in stored.lines]
    posting.status = declaration_status(statuses)
    posting.declaration_changes = {"status": posting.status.value, "clearance_date": clearance_date}
    details.update(_license_changes(posting))
    name = {
        LineAction.HOLD: "line_held",
        LineAction.RELEASE: "line_released",
        LineAction.REFUSE: "line_refused",
    }[action]
    _record(
        posting,
        name,
        revision=stored.revision,
        seq=stored.last_seq + 1,
        step=step,
        details=details,
        line_no=line_no,
    )
    return posting


def post_cancellation(
    stored: StoredDeclaration, *, held: Mapping[str, HeldLicense], step: Step
) -> Posting:
    """Cancel every line; what the cleared ones drew is restored and uncounted."""
    if stored.status is DeclarationStatus.CANCELLED:
        raise InvalidTransition(
            f"declaration {stored.number} is already cancelled",
            code="customs.illegal_transition",
        )
    for line in stored.lines:  # every line must be cancellable before any is touched
        next_status(line.status, LineAction.CANCEL, line_no=line.line_no)
    posting = Posting(stored.id, stored.number, DeclarationStatus.CANCELLED)
    restored = _cancel_lines(posting, stored, held, step)
    posting.declaration_changes = {"status": DeclarationStatus.CANCELLED.value}
    details: dict[str, Any] = {"restored": restored, **_license_changes(posting)}
    _record(
        posting,
        "cancelled",
        revision=stored.revision,
        seq=stored.last_seq + 1,
        step=step,
        details=details,
    )
    return posting


# The rules each step shares.


def _check_lines(
    posting: Posting,
    header: Header,
    lines: Sequence[LineDraft],
    *,
    held: HeldLicense | None,
    control_list: ControlList,
    step: Step,
    declaration_id: uuid.UUID | None = None,
    revision: int = 1,
) -> list[dict[str, Any]]:
    """Check the lines in order against the held balances and make their rows (not yet
    cleared: ``_clear_if_passed`` draws and counts what passed)."""
    facts = DeclarationFacts(
        exporter_id=header.exporter_id,
        declared_on=header.declared_date,
        destination=header.destination,
        consignee=Party(header.consignee_name, header.consignee_country),
        license_number=header.license_number,
        license=license_facts(held),
        lines=tuple(GoodsLine(ln.line_no, ln.hs_code, ln.control_code, ln.net_kg) for ln in lines),
    )
    result = check_declaration(facts, control_list=control_list)
    posting.result = result
    rows = []
    for draft, outcome in zip(lines, result.lines, strict=True):
        license_line = held.line_no(outcome.license_line_no) if held is not None else None
        code = draft.control_code or (license_line.control_code if license_line else None)
        rows.append(
            {
                "id": uuid.uuid4(),
                "declaration_id": declaration_id or posting.declaration_id,
                "revision": revision,
                "line_no": draft.line_no,
                "hs_code": draft.hs_code,
                "control_code": draft.control_code,
                "description": draft.description,
                "net_kg": draft.net_kg,
                "fob_value": draft.fob_value,
                "currency": draft.currency,
                "series": series_for(draft.hs_code).value,
                "element": element_for(draft.hs_code, code, control_list),
                "controlled": outcome.controlled,
                "outcome": outcome.status.value,
                "status": outcome.status.value,
                "reasons": [reason.to_dict() for reason in outcome.reasons],
                "license_line_id": license_line.id if license_line is not None else None,
                "drawn_kg": Decimal(0),
                "cleared_on": None,
            }
        )
    return rows


def _clear_if_passed(
    posting: Posting,
    row: dict[str, Any],
    destination: str,
    held: HeldLicense | None,
    on: date,
    step: Step,
) -> LineStatus:
    status = LineStatus(row["status"])
    if status is LineStatus.CLEARED:
        license_line = held.line(row["license_line_id"]) if held is not None else None
        _clear(posting, row, destination, held, license_line, on, step)
    return status


def _clear(
    posting: Posting,
    row: dict[str, Any],
    destination: str,
    held: HeldLicense | None,
    license_line: HeldLine | None,
    on: date,
    step: Step,
) -> None:
    """Clear the line: draw its kilograms when it needs a license, and count it in ``on``'s
    month for ``destination``."""
    if row["controlled"]:
        if held is None or license_line is None:
            raise Conflict(
                f"line {row['line_no']} is controlled and has no license line to draw from",
                code="customs.item_not_covered",
                line=row["line_no"],
            )
        status = held.draw(license_line, row["net_kg"], for_line=row["line_no"])
        if status is not None:
            posting.license_statuses[held.number] = status.value
        row["drawn_kg"] = row["net_kg"]
        row["license_line_id"] = license_line.id
        posting.ledger.append(_entry(license_line, row, "draw", row["net_kg"], step))
    row["status"] = LineStatus.CLEARED.value
    row["cleared_on"] = on
    key = aggregate_key(row, destination=destination, on=on)
    posting.count(key, Delta(row["net_kg"], row["fob_value"], 1))


def _unclear(
    posting: Posting,
    row: dict[str, Any],
    destination: str,
    held: Mapping[str, HeldLicense],
    step: Step,
) -> Decimal:
    """Take a cleared line back out: restore what it drew, uncount it from the month it
    counted in, and stop it saying it draws. Returns the kg restored. The caller sets the
    line's new status."""
    restored: Decimal = row["drawn_kg"]
    if restored > 0:
        license_, license_line = _holder(held, row["license_line_id"])
        status = license_.restore(license_line, restored)
        if status is not None:
            posting.license_statuses[license_.number] = status.value
        posting.ledger.append(_entry(license_line, row, "restore", -restored, step))
        row["drawn_kg"] = Decimal(0)
        row["reasons"] = [r for r in row["reasons"] if r.get("code") != _DRAWN] + [
            {
                "code": "customs.restored",
                "severity": Severity.INFO.value,
                "message": f"{restored} kg given back to license {license_.number} line "
                f"{license_line.line_no}: the line no longer draws",
                "details": {"license": license_.number, "restored_kg": str(restored)},
            }
        ]
    if row["cleared_on"] is not None:
        key = aggregate_key(row, destination=destination, on=row["cleared_on"])
        posting.count(key, Delta(-row["net_kg"], -row["fob_value"], -1))
    row["cleared_on"] = None
    return restored


def _cancel_lines(
    posting: Posting, stored: StoredDeclaration, held: Mapping[str, HeldLicense], step: Step
) -> list[dict[str, Any]]:
    restored: list[dict[str, Any]] = []
    for line in stored.lines:
        row = _row_of(line)
        if line.status is LineStatus.CLEARED:
            kg = _unclear(posting, row, stored.destination, held, step)
            restored.append({"line_no": line.line_no, "kg": kg})
        row["status"] = LineStatus.CANCELLED.value
        posting.lines_changed.append(_changes(row))
    return restored


def _release_check(
    stored: StoredDeclaration,
    line: StoredLine,
    license_: HeldLicense | None,
    control_list: ControlList,
    covering_license: str | None,
) -> LineOutcome:
    """The line checked again on the balances as they stand, against the license named (or
    the declaration's); raises when a release cannot override what it finds."""
    if covering_license is not None and license_ is None:
        raise Conflict(
            f"no license numbered {covering_license} exists",
            code="customs.license_not_found",
            license=covering_license,
        )
    facts = DeclarationFacts(
        exporter_id=stored.exporter_id,
        declared_on=stored.declared_date,
        destination=stored.destination,
        consignee=Party(stored.consignee_name, stored.consignee_country),
        license_number=license_.number if license_ is not None else stored.license_number,
        license=license_facts(license_),
        lines=(),
    )
    outcome = check_line(
        facts,
        GoodsLine(line.line_no, line.hs_code, line.control_code, line.net_kg),
        control_list=control_list,
    )
    blockers = outcome.release_blockers or tuple(
        r for r in outcome.holds if r.code in NOT_OVERRIDABLE
    )
    if blockers:
        first = blockers[0]
        code = first.code
        message = f"line {line.line_no} cannot be released: {first.message}"
        if code in NOT_OVERRIDABLE:
            code = "customs.release_needs_covering_license"
            message += "; name a license that covers it, or refuse the line"
        raise Conflict(
            message,
            code=code,
            line=line.line_no,
            reasons=[r.to_dict() for r in blockers],
        )
    return outcome


def _holder(
    held: Mapping[str, HeldLicense], line_id: uuid.UUID | None
) -> tuple[HeldLicense, HeldLine]:
    for license_ in held.values():
        license_line = license_.line(line_id)
        if license_line is not None:
            return license_, license_line
    raise RuntimeError(f"license line {line_id} was drawn from but is not held")


def _entry(
    license_line: HeldLine, row: Mapping[str, Any], kind: str, kg: Decimal, step: Step
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "license_line_id": license_line.id,
        "declaration_line_id": row["id"],
        "kind": kind,
        "kg": kg,
        "at": step.now,
        "actor": step.actor_label,
    }


def _row_of(line: StoredLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "line_no": line.line_no,
        "hs_code": line.hs_code,
        "net_kg": line.net_kg,
        "fob_value": line.fob_value,
        "currency": line.currency,
        "series": line.series,
        "element": line.element,
        "controlled": line.controlled,
        "status": line.status.value,
        "reasons": list(line.reasons),
        "license_line_id": line.license_line_id,
        "drawn_kg": line.drawn_kg,
        "cleared_on": line.cleared_on,
    }


_CHANGED = ("id", "status", "drawn_kg", "cleared_on", "license_line_id", "reasons", "controlled")


def _changes(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in _CHANGED}


def _license_changes(posting: Posting) -> dict[str, Any]:
    return {"license_status": dict(posting.license_statuses)} if posting.license_statuses else {}


def _summary(posting: Posting, held: HeldLicense | None) -> dict[str, Any]:
    assert posting.result is not None
    return {
        "license": held.number if held is not None else None,
        "lines": [
            {
                "line_no": outcome.line_no,
                "outcome": outcome.status.value,
                "reasons": [r.code for r in outcome.reasons if r.severity is not Severity.INFO],
            }
            for outcome in posting.result.lines
        ],
        **_license_changes(posting),
    }


def _record(
    posting: Posting,
    action: str,
    *,
    revision: int,
    seq: int,
    step: Step,
    details: dict[str, Any],
    line_no: int | None = None,
) -> None:
    """The declaration's history row and the audit payload, one shape for every step."""
    details = jsonable(details)
    posting.action = {
        "id": uuid.uuid4(),
        "declaration_id": posting.declaration_id,
        "seq": seq,
        "action": action,
        "line_no": line_no,
        "revision": revision,
        "actor_id": step.actor_id,
        "at": step.now,
        "reason": step.reason,
        "details": details,
    }
    posting.audit_action = f"customs.declaration_{action}"
    posting.audit_payload = {
        "number": posting.number,
        "revision": revision,
        "status": posting.status.value,
        "line_no": line_no,
        "reason": step.reason,
        **{k: v for k, v in details.items() if k != "audit_batch"},
    }


_PLAIN = (str, int, bool, type(None))


def jsonable(value: Any) -> Any:
    """Decimals and dates as strings, the way every ``--json`` shape shows them."""
    kind = type(value)
    if kind in _PLAIN:  # most values: checked first, and by type, on every filing's path
        return value
    if kind is dict:
        return {str(k): jsonable(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [jsonable(v) for v in value]
    if isinstance(value, _PLAIN):  # a subclass (an enum that is a str)
        return value
    return str(value)
