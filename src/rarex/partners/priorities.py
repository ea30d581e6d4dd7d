"""Priority lists: a partner desk asks to have some of its cases examined first, with a reason
for each; licensing officers accept or decline each item with a reason, and the partner reads
the outcome.

Priority orders the work and nothing else: it never stops, shortens or restarts the legal
clock, and no rule reads it (the desk filters on it, ``licensing.queue.DeskQuery.priority``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, partner_jurisdiction, require_role
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import Conflict, InvalidInput, NotFound
from rarex.licensing import repository as licensing
from rarex.licensing.access import ensure_no_conflict
from rarex.licensing.states import OPEN
from rarex.models import PriorityItem, PriorityRequest
from rarex.partners import notices, repository
from rarex.partners.schemas import (
    PriorityDecisionIn,
    PriorityItemRead,
    PriorityListIn,
    PriorityListRead,
)
from rarex.partners.views import partner_case

PRIORITY_NOT_FOUND = "no such priority list or item, or not one you may see"
_OPEN_STATES = frozenset(state.value for state in OPEN)


def _not_found() -> NotFound:
    return NotFound(PRIORITY_NOT_FOUND, code="priority.not_found")


def submit_priority_list(
    session: Session, *, actor: Actor, clock: Clock, data: PriorityListIn
) -> PriorityRequest:
    """Every item must be one of the partner's open cases, named once, with a reason."""
    jurisdiction = partner_jurisdiction(actor)
    seen: set[str] = set()
    cases = []
    for position, item in enumerate(data.items):
        field = f"items[{position}]"
        reference = item.application_reference.strip().upper()
        if reference in seen:
            raise InvalidInput(
                f"{reference} is on the list twice", code="priority.duplicate",
                field=f"{field}.application_reference",
            )  # fmt: skip
        seen.add(reference)
        if not item.reason.strip():
            raise InvalidInput(
                f"say why {reference} should come first", code="priority.reason_required",
                field=f"{field}.reason",
            )  # fmt: skip
        try:
            application = partner_case(session, actor=actor, reference=reference)
        except NotFound as missing:  # which item it was: the API's problem and the page say
            missing.details.setdefault("field", f"{field}.application_reference")
            raise
        if application.state not in _OPEN_STATES:
            raise InvalidInput(
                f"{reference} is {application.state}: only open cases can come first",
                code="priority.case_not_open", field=f"{field}.application_reference",
            )  # fmt: skip
        cases.append((application, item.reason.strip()))
    request = PriorityRequest(
        id=uuid.uuid4(),
        number=f"PL-{authority_date(clock.now()).year}-{uuid.uuid4().hex[:8].upper()}",
        partner_key=jurisdiction.key, submitted_by_id=actor.user_id,
        submitted_at=clock.now(), note=data.note.strip(),
    )  # fmt: skip
    session.add(request)
    session.flush()
    for position, (application, reason) in enumerate(cases, start=1):
        session.add(
            PriorityItem(
                request_id=request.id,
                application_id=application.id,
                position=position,
                reason=reason,
                status="pending",
                decision_reason="",
            )
        )
    session.flush()
    record_event(
        session, clock=clock, actor=actor.username, action="priority.submit",
        subject_type="priority_request", subject_id=str(request.id),
        payload={"number": request.number, "partner": request.partner_key,
                 "items": [[a.reference, reason] for a, reason in cases]},
    )  # fmt: skip
    notices.priority_listed(session, actor=actor, clock=clock, applications=[a for a, _ in cases])
    return request


def decide_priority_item(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    item_id: uuid.UUID,
    data: PriorityDecisionIn,
) -> PriorityItem:
    """An officer accepts or declines one item, with a reason; once."""
    require_role(actor, Role.LICENSING_OFFICER, action="decide a priority request")
    item = repository.priority_item(session, item_id, lock=True)
    if item is None:
        raise _not_found()
    application = licensing.get_application(session, item.application_id)
    ensure_no_conflict(session, actor, application)
    if item.status != "pending":
        raise Conflict(
            f"this item of the priority list was already {item.status}",
            code="priority.already_decided",
        )
    if not data.reason.strip():
        raise InvalidInput(
            "say why the item is accepted or declined", code="priority.reason_required",
            field="reason",
        )  # fmt: skip
    item.status, item.decision_reason = data.outcome, data.reason.strip()
    item.decided_by_id, item.decided_at = actor.user_id, clock.now()
    session.flush()
    record_event(
        session, clock=clock, actor=actor.username, action=f"priority.{data.outcome}",
        subject_type="priority_item", subject_id=str(item.id),
        payload={"application": application.reference, "reason": item.decision_reason},
    )  # fmt: skip
    notices.priority_decided(session, item=item, actor=actor, clock=clock, settings=settings)
    return item


def _readable_requests(
    session: Session, actor: Actor, requests: Sequence[PriorityRequest]
) -> list[PriorityRequest]:
    if actor.role is Role.PARTNER_AUTHORITY:
        key = partner_jurisdiction(actor).key
        return [r for r in requests if r.partner_key == key]
    require_role(
        actor, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, action="read partners' priority lists"
    )
    return list(requests)


def priority_list_view(session: Session, *, actor: Actor, number: str) -> PriorityListRead:
    request = repository.priority_request_by_number(session, number.strip().upper())
    if request is None or not _readable_requests(session, actor, [request]):
        raise _not_found()
    (view,) = _views(session, actor, [request])
    return view


def priority_list_view_of_item(
    session: Session, *, actor: Actor, item: PriorityItem
) -> PriorityListRead:
    request = repository.priority_request(session, item.request_id)
    (view,) = _views(session, actor, _readable_requests(session, actor, [request]))
    return view


def list_priority_lists(
    session: Session,
    *,
    actor: Actor,
    application_reference: str | None = None,
    pending_only: bool = False,
) -> list[PriorityListRead]:
    """A partner desk's lists, or every partner's for the authority; newest first. Narrowed
    to the lists naming one case, or to those with an item still to decide."""
    partner_key = partner_jurisdiction(actor).key if actor.role is Role.PARTNER_AUTHORITY else None
    application_id = None
    if application_reference:
        found = licensing.application_by_reference(session, application_reference.strip().upper())
        if found is None:
            return []
        application_id = found.id
    requests = repository.priority_requests(
        session, partner_key=partner_key, application_id=application_id, pending_only=pending_only
    )
    return _views(session, actor, _readable_requests(session, actor, requests))


def _views(
    session: Session, actor: Actor, requests: Sequence[PriorityRequest]
) -> list[PriorityListRead]:
    items = repository.priority_items_of(session, [r.id for r in requests])
    references = licensing.references_of(
        session, [i.application_id for found in items.values() for i in found]
    )
    authority = actor.role is not Role.PARTNER_AUTHORITY
    names = licensing.usernames(
        session,
        {r.submitted_by_id for r in requests}
        | {i.decided_by_id for found in items.values() for i in found if i.decided_by_id},
    )
    return [
        PriorityListRead(
            number=request.number,
            partner=request.partner_key,
            submitted_at=request.submitted_at,
            submitted_by=names.get(request.submitted_by_id, "?"),
            note=request.note,
            items=[
                PriorityItemRead(
                    id=item.id,
                    application_reference=references[item.application_id],
                    position=item.position,
                    reason=item.reason,
                    status=item.status,
                    decided_at=item.decided_at,
                    decision_reason=item.decision_reason,
                    decided_by=(
                        names.get(item.decided_by_id, "?")
                        if authority and item.decided_by_id
                        else None
                    ),
                )
                for item in items[request.id]
            ],
        )
        for request in requests
    ]
