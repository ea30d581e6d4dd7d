"""A customs officer's steps on a declaration: hold, release or refuse a line; cancel.

Each step names its reason and is a posting (``customs.posting``) that lands with its balance
change, aggregate change and audit event in the caller's unit of work. Releasing a held line
runs the clearance check again on the balances as they stand: the officer overrides a
paperwork mismatch (consignee, HS code), never a refusal, a balance that is no longer there,
or a destination the license does not cover (only a license that covers it, named by the
officer, releases such a line).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor
from rarex.catalog import load_control_list
from rarex.clock import Clock
from rarex.customs import clearing
from rarex.customs.access import ensure_officer
from rarex.customs.posting import (
    Posting,
    Step,
    StoredDeclaration,
    post_cancellation,
    post_line_action,
)
from rarex.customs.states import LINE_ACTIONS, LineAction
from rarex.customs.validation import InvalidDeclaration, Problem, license_number_of
from rarex.errors import InvalidInput, NotFound
from rarex.licensing.license_states import HeldLicense
from rarex.models.customs import Declaration


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
    covering_license: str | None = None,
) -> Declaration:
    """Hold a cleared line (its balance comes back), release a held one (its balance is
    drawn, if still there, from ``covering_license`` when named) or refuse a held one."""
    ensure_officer(actor, action=f"{action.value} a declaration line")
    reason = _reason(reason)
    if covering_license is not None:
        if action is not LineAction.RELEASE:
            raise InvalidInput(
                "a license is named only to release a line",
                code="customs.license_only_on_release",
            )
        problems: list[Problem] = []
        covering_license = license_number_of(covering_license, problems)
        if problems:
            raise InvalidDeclaration(problems)
    control_list = load_control_list()

    def act(stored: StoredDeclaration, held: Mapping[str, HeldLicense]) -> Posting:
        try:
            return post_line_action(
                stored,
                line_no=line_no,
                action=action,
                held=held,
                covering_license=covering_license,
                control_list=control_list,
                step=Step(actor.user_id, actor.label, clock.now(), reason),
            )
        except LookupError:
            raise NotFound(
                f"declaration {stored.number} has no line {line_no}",
                code="customs.line_not_found",
                line=line_no,
            ) from None

    return clearing.post_step(
        session, actor=actor, clock=clock, number=number, post=act, also_lock=[covering_license]
    )


def cancel_declaration(
    session: Session, *, actor: Actor, clock: Clock, number: str, reason: str
) -> Declaration:
    """Cancel every line; what cleared lines drew is restored and uncounted."""
    ensure_officer(actor, action="cancel a declaration")
    reason = _reason(reason)

    def cancel(stored: StoredDeclaration, held: Mapping[str, HeldLicense]) -> Posting:
        return post_cancellation(
            stored, held=held, step=Step(actor.user_id, actor.label, clock.now(), reason)
        )

    return clearing.post_step(session, actor=actor, clock=clock, number=number, post=cancel)


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason:
        raise InvalidInput("this step needs a reason", code="customs.reason_required")
    return reason
