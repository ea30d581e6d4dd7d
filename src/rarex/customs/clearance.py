"""The clearance check: may this declaration line leave, under which license, and why. Pure.

Every line gets an outcome and *every* reason that bears on it, each with a severity:

* ``refuse``: the goods may not go (controlled goods without a usable license, an expired,
  exhausted or someone else's license, goods the license does not cover, not enough balance);
* ``hold``: the paperwork does not match the license (destination, consignee or end user, HS
  code, an unstated control status); an officer looks and releases or refuses;
* ``info``: why the goods are (not) controlled, what the clearance draws.

Any refusal refuses the line; otherwise any hold holds it; otherwise it is cleared. Lines are
checked in order against running balances, so two lines of one declaration cannot both spend
the same kilograms. Nothing here reads a database or a clock: the caller passes the facts,
including the license balances it has locked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from rarex.catalog import ControlList
from rarex.catalog.model import ControlEntry
from rarex.customs.facts import (
    ClearanceResult,
    DeclarationFacts,
    GoodsLine,
    LicenseFacts,
    LicenseLineFacts,
    LineOutcome,
    Reason,
    Severity,
)
from rarex.customs.states import LineStatus
from rarex.licensing.license_states import LicenseStatus


def check_declaration(facts: DeclarationFacts, *, control_list: ControlList) -> ClearanceResult:
    """Check every line in order; a cleared line spends its kilograms before the next is checked."""
    balances = _balances(facts.license)
    outcomes: list[LineOutcome] = []
    for line in facts.lines:
        outcome = check_line(facts, line, control_list=control_list, balances=balances)
        if outcome.status is LineStatus.CLEARED and outcome.license_line_no is not None:
            balances[outcome.license_line_no] -= line.net_kg
        outcomes.append(outcome)
    return ClearanceResult(lines=tuple(outcomes))


def check_line(
    facts: DeclarationFacts,
    line: GoodsLine,
    *,
    control_list: ControlList,
    balances: Mapping[int, Decimal] | None = None,
) -> LineOutcome:
    """One line's outcome against the license balances given (default: the license's own).

    Also used when an officer releases a held line: the same rules, on the balances as they
    stand at release.
    """
    if balances is None:
        balances = _balances(facts.license)
    reasons: list[Reason] = []
    on = facts.declared_on
    in_force, stated = _control_status(line, on, control_list, reasons)
    controlled = bool(in_force)
    matched: LicenseLineFacts | None = None
    if not controlled:
        if facts.license_number is not None:
            reasons.append(
                Reason(
                    "customs.license_not_needed",
                    Severity.INFO,
                    f"license {facts.license_number} is cited but the goods need none; "
                    "nothing is drawn",
                    {"license": facts.license_number},
                )
            )
    else:
        if stated is None:
            reasons.append(_control_code_missing(line, in_force, on))
        matched = _license_checks(facts, line, stated, in_force, balances, reasons)
    status = _status(reasons)
    return LineOutcome(
        line_no=line.line_no,
        status=status,
        controlled=controlled,
        control_codes=tuple(entry.code for entry in in_force),
        license_line_no=matched.line_no if matched is not None else None,
        reasons=tuple(reasons),
    )


def _control_status(
    line: GoodsLine, on: date, control_list: ControlList, reasons: list[Reason]
) -> tuple[tuple[ControlEntry, ...], str | None]:
    """In-force entries the goods fall under, and the declared code if it is one of them.

    The declared control code and the HS cross-walk are both consulted: the cross-walk is a
    reference, not the criterion, so goods under an in-force code are controlled whatever
    their HS code, and goods whose HS code is cross-walked to an in-force entry are controlled
    even when the declaration says nothing.
    """
    entries: dict[str, ControlEntry] = {}
    stated: str | None = None
    if line.control_code is not None:
        check = control_list.check_code(line.control_code, on)
        for match in check.matches:
            if match.in_force:
                entries[match.code] = match.entry
                stated = match.code
            else:
                reasons.append(
                    Reason(
                        "customs.control_code_not_in_force",
                        Severity.INFO,
                        f"{match.code} is {match.status.value} on {on.isoformat()}: {match.reason}",
                        {"control_code": match.code, "status": match.status.value},
                    )
                )
        entry = control_list.get(line.control_code)
        if line.hs_code not in entry.hs_codes:
            reasons.append(
                Reason(
                    "customs.hs_not_in_crosswalk",
                    Severity.INFO,
                    f"HS {line.hs_code} is not among the reference HS codes of {entry.code} "
                    f"({', '.join(entry.hs_codes) or 'none'}); the control code decides",
                    {"control_code": entry.code, "hs_code": line.hs_code},
                )
            )
    by_hs = control_list.check_hs(line.hs_code, on)
    for match in by_hs.matches:
        if match.in_force:
            entries.setdefault(match.code, match.entry)
    in_force = tuple(entries.values())
    if in_force:
        reasons.append(
            Reason(
                "customs.controlled",
                Severity.INFO,
                f"controlled on {on.isoformat()} under {', '.join(entries)}: "
                f"{in_force[0].reason_on(on)}",
                {"control_codes": list(entries)},
            )
        )
    else:
        reasons.append(
            Reason(
                "customs.not_controlled",
                Severity.INFO,
                f"HS {line.hs_code}"
                + (f" / {line.control_code}" if line.control_code else "")
                + f" is not controlled on {on.isoformat()}; no license is needed",
                {"hs_code": line.hs_code},
            )
        )
    return in_force, stated


def _control_code_missing(line: GoodsLine, in_force: tuple[ControlEntry, ...], on: date) -> Reason:
    codes = ", ".join(entry.code for entry in in_force)
    said = f"declares {line.control_code}, not in force," if line.control_code else "states no"
    return Reason(
        "customs.control_code_missing",
        Severity.HOLD,
        f"HS {line.hs_code} is controlled on {on.isoformat()} ({codes}) but the line {said} "
        "control code; the declaration must state that the goods are controlled",
        {"candidates": [entry.code for entry in in_force]},
    )


def _license_checks(
    facts: DeclarationFacts,
    line: GoodsLine,
    stated: str | None,
    in_force: tuple[ControlEntry, ...],
    balances: Mapping[int, Decimal],
    reasons: list[Reason],
) -> LicenseLineFacts | None:
    on = facts.declared_on
    if facts.license_number is None:
        reasons.append(
            Reason(
                "customs.license_required",
                Severity.REFUSE,
                "controlled goods declared without an export license",
            )
        )
        return None
    license_ = facts.license
    if license_ is None:
        reasons.append(
            Reason(
                "customs.license_not_found",
                Severity.REFUSE,
                f"no license numbered {facts.license_number} exists",
                {"license": facts.license_number},
            )
        )
        return None
    number = license_.number
    if license_.exporter_id != facts.exporter_id:
        reasons.append(
            Reason(
                "customs.license_wrong_exporter",
                Severity.REFUSE,
                f"license {number} was issued to another exporter",
                {"license": number},
            )
        )
    if license_.status == LicenseStatus.EXHAUSTED:
        reasons.append(
            Reason(
                "customs.license_exhausted",
                Severity.REFUSE,
                f"single license {number} is exhausted: its whole balance has been exported",
                {"license": number},
            )
        )
    elif license_.status != LicenseStatus.ACTIVE:
        reasons.append(
            Reason(
                "customs.license_not_active",
                Severity.REFUSE,
                f"license {number} is {license_.status}",
                {"license": number, "status": license_.status},
            )
        )
    if on > license_.valid_until:
        reasons.append(
            Reason(
                "customs.license_expired",
                Severity.REFUSE,
                f"license {number} expired on {license_.valid_until.isoformat()}, before the "
                f"declared date {on.isoformat()}",
                {"license": number, "valid_until": license_.valid_until.isoformat()},
            )
        )
    elif on < license_.valid_from:
        reasons.append(
            Reason(
                "customs.license_not_yet_valid",
                Severity.REFUSE,
                f"license {number} is valid from {license_.valid_from.isoformat()}, after the "
                f"declared date {on.isoformat()}",
                {"license": number, "valid_from": license_.valid_from.isoformat()},
            )
        )
    if facts.destination != license_.destination:
        reasons.append(
            Reason(
                "customs.destination_mismatch",
                Severity.HOLD,
                f"declared destination {facts.destination} differs from {license_.destination} "
                f"on license {number}",
                {"declared": facts.destination, "licensed": license_.destination},
            )
        )
    if not (
        facts.consignee.matches(license_.consignee) or facts.consignee.matches(license_.end_user)
    ):
        reasons.append(
            Reason(
                "customs.consignee_mismatch",
                Severity.HOLD,
                f"consignee {facts.consignee} is neither the consignee {license_.consignee} nor "
                f"the end user {license_.end_user} of license {number}",
                {"declared": str(facts.consignee)},
            )
        )
    matched = _covering_line(license_, line, stated, in_force, reasons)
    if matched is None:
        return None
    remaining = balances.get(matched.line_no, Decimal(0))
    if line.net_kg > remaining:
        reasons.append(
            Reason(
                "customs.quantity_exceeded",
                Severity.REFUSE,
                f"{line.net_kg} kg exceeds the {remaining} kg remaining on license {number} "
                f"line {matched.line_no} ({matched.control_code})",
                {
                    "license": number,
                    "license_line": matched.line_no,
                    "requested_kg": str(line.net_kg),
                    "remaining_kg": str(remaining),
                },
            )
        )
    elif not any(r.severity is not Severity.INFO for r in reasons):
        reasons.append(
            Reason(
                "customs.drawn",
                Severity.INFO,
                f"draws {line.net_kg} kg from license {number} line {matched.line_no} "
                f"({matched.control_code}), leaving {remaining - line.net_kg} kg",
                {
                    "license": number,
                    "license_line": matched.line_no,
                    "drawn_kg": str(line.net_kg),
                    "remaining_kg": str(remaining - line.net_kg),
                },
            )
        )
    return matched


def _covering_line(
    license_: LicenseFacts,
    line: GoodsLine,
    stated: str | None,
    in_force: tuple[ControlEntry, ...],
    reasons: list[Reason],
) -> LicenseLineFacts | None:
    """The license line that covers the goods: by the stated control code, else by HS code."""
    number = license_.number
    if stated is not None:
        candidates = [ll for ll in license_.lines if ll.control_code == stated]
    else:
        codes = {entry.code for entry in in_force}
        candidates = [
            ll for ll in license_.lines if ll.hs_code == line.hs_code and ll.control_code in codes
        ]
    if not candidates:
        covered = ", ".join(f"{ll.control_code} ({ll.hs_code})" for ll in license_.lines)
        reasons.append(
            Reason(
                "customs.item_not_covered",
                Severity.REFUSE,
                f"license {number} does not cover "
                + (stated or f"HS {line.hs_code}")
                + f"; it covers {covered or 'nothing'}",
                {"license": number},
            )
        )
        return None
    if stated is None and len({ll.control_code for ll in candidates}) > 1:
        # Which item is it? Only the declarant can say: amend the line with its control code.
        return None
    same_hs = [ll for ll in candidates if ll.hs_code == line.hs_code]
    chosen = same_hs[0] if same_hs else candidates[0]
    if not same_hs:
        reasons.append(
            Reason(
                "customs.hs_code_mismatch",
                Severity.HOLD,
                f"license {number} line {chosen.line_no} covers {chosen.control_code} under "
                f"HS {chosen.hs_code}, the goods are declared under HS {line.hs_code}",
                {"license_line": chosen.line_no, "licensed_hs": chosen.hs_code},
            )
        )
    return chosen


def _status(reasons: list[Reason]) -> LineStatus:
    if any(r.severity is Severity.REFUSE for r in reasons):
        return LineStatus.REFUSED
    if any(r.severity is Severity.HOLD for r in reasons):
        return LineStatus.HELD
    return LineStatus.CLEARED


def _balances(license_: LicenseFacts | None) -> dict[int, Decimal]:
    if license_ is None:
        return {}
    return {ll.line_no: ll.remaining_kg for ll in license_.lines}
