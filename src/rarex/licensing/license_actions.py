"""An officer suspends, reinstates or revokes a license, with a reason, audited.

A suspended or revoked license clears nothing (the clearance check refuses any status but
active); what it already drew stays drawn, and a cancelled declaration still gives its
kilograms back. Revocation is final.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.clock import Clock
from rarex.errors import InvalidInput, NotFound
from rarex.licensing import license_store
from rarex.licensing.license_states import OFFICER_ACTIONS, LicenseAction, LicenseStatus

log = logging.getLogger(__name__)

LICENSE_ACTION_ROLES = (Role.LICENSING_OFFICER, Role.ADMINISTRATOR)
MAX_REASON = 4000


def parse_license_action(name: str) -> LicenseAction:
    try:
        action = LicenseAction(name.strip().lower())
    except ValueError:
        action = None
    if action is None or action not in OFFICER_ACTIONS:
        known = ", ".join(a.value for a in OFFICER_ACTIONS)
        raise InvalidInput(
            f"unknown license action {name!r}; known: {known}",
            code="license.unknown_action",
            field="action",
        )
    return action


def act_on_license(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    number: str,
    action: LicenseAction,
    reason: str,
) -> LicenseStatus:
    """Move the license by ``action`` under its lock; returns the new status."""
    require_role(actor, *LICENSE_ACTION_ROLES, action=f"{action.value} a license")
    if action not in OFFICER_ACTIONS:
        raise InvalidInput(
            f"{action.value} follows the balance and is never asked for",
            code="license.unknown_action",
        )
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("this step needs a reason", code="license.reason_required")
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            f"a reason has at most {MAX_REASON} characters", code="license.reason_too_long"
        )
    wanted = "".join(number.split()).upper()
    held = license_store.lock_licenses(session, numbers=[wanted]).get(wanted)
    if held is None:
        raise NotFound("no such license, or not one you may see", code="license.not_found")
    before = held.status
    after = held.act(action)
    license_store.store(session, [held])
    record_event(
        session,
        clock=clock,
        actor=actor.label,
        action=f"license.{action.value}",
        subject_type="license",
        subject_id=str(held.id),
        payload={
            "number": held.number,
            "from": before.value,
            "to": after.value,
            "reason": reason,
        },
    )
    log.info(
        "license.status_changed",
        extra={"license": held.number, "from": before.value, "to": after.value},
    )
    return after
