"""Trusted end users: companies a partner authority vouches for (an audited compliance
programme, say), proposed in its jurisdiction, approved or rejected by a licensing officer with
a reason, withdrawn by either side, lapsing after their review date.

An approved, unlapsed trusted party counts for the green channel's known-end-user rule
(``match_end_user``): an application's end user is matched by identifier first (LEI, EU VAT,
EORI, register entry), else by folded name and country; a party whose identifier of the same
scheme differs is another company, whatever its name. The match says how it was made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, partner_jurisdiction, require_role
from rarex.auth.service import usernames
from rarex.clock import Clock, authority_date
from rarex.errors import Conflict, InvalidInput, NotFound
from rarex.models import ForeignParty, TrustedParty
from rarex.parties.schemas import (
    TrustedPartyDecisionIn,
    TrustedPartyIn,
    TrustedPartyRead,
    TrustedPartyWithdrawIn,
)
from rarex.parties.service import canonical_identifiers, check_foreign_party, name_key

TRUSTED_NOT_FOUND = "no such trusted party, or not one you may see"
DEFAULT_REVIEW = relativedelta(years=1)
LONGEST_REVIEW = relativedelta(years=3)
OUTCOMES = {"approved": "approve", "rejected": "reject"}  # the outcome and its audit action
STATUSES = ("proposed", "approved", "rejected", "withdrawn", "lapsed")


def _not_found() -> NotFound:
    return NotFound(TRUSTED_NOT_FOUND, code="trusted.not_found")


def status_on(party: TrustedParty, day: date) -> str:
    """Its status as read on ``day``: an approval past its review date has lapsed."""
    if party.status == "approved" and day > party.review_on:
        return "lapsed"
    return party.status


def _check_review_date(review_on: date, today: date, field: str) -> None:
    if not today < review_on <= today + LONGEST_REVIEW:
        raise InvalidInput(
            f"the review date must be after today and at most three years ahead, "
            f"got {review_on.isoformat()}",
            code="trusted.bad_review_date",
            field=field,
        )


def propose(session: Session, *, actor: Actor, clock: Clock, data: TrustedPartyIn) -> TrustedParty:
    jurisdiction = partner_jurisdiction(actor)
    today = authority_date(clock.now())
    try:
        name, country = check_foreign_party(data.name, data.country)
    except InvalidInput as problem:
        problem.details.setdefault(
            "field", "country" if problem.code.endswith("country") else "name"
        )
        raise
    if not jurisdiction.covers(country, today):
        raise InvalidInput(
            f"{country} is not in your jurisdiction ({jurisdiction.key}): a partner vouches "
            "for companies in its own",
            code="trusted.outside_jurisdiction",
            field="country",
        )
    identifiers = canonical_identifiers((i.scheme, i.value) for i in data.identifiers)
    if not data.basis.strip():
        raise InvalidInput(
            "say on what basis the company is trusted", code="trusted.basis_required",
            field="basis",
        )  # fmt: skip
    review_on = data.review_on or today + DEFAULT_REVIEW
    _check_review_date(review_on, today, "review_on")
    key = name_key(name)
    for other in session.scalars(
        select(TrustedParty).where(
            TrustedParty.partner_key == jurisdiction.key,
            TrustedParty.name_key == key,
            TrustedParty.country == country,
            TrustedParty.status.in_(["proposed", "approved"]),
        )
    ):
        if status_on(other, today) != "lapsed":
            raise Conflict(
                f"{name} ({country}) is already {other.status} as {other.number}",
                code="trusted.duplicate",
                number=other.number,
            )
    party = TrustedParty(
        id=uuid.uuid4(), number=f"TP-{today.year}-{uuid.uuid4().hex[:8].upper()}",
        partner_key=jurisdiction.key, name=name,
        name_zh=data.name_zh.strip() if data.name_zh else None, name_key=key, country=country,
        identifiers=identifiers, address=data.address or None, basis=data.basis.strip(),
        review_on=review_on, status="proposed", proposed_by_id=actor.user_id,
        proposed_at=clock.now(), decision_reason="", withdrawal_reason="",
    )  # fmt: skip
    session.add(party)
    session.flush()
    _audit(session, clock, actor, "propose", party, name=name, country=country,
           identifiers=identifiers, basis=party.basis)  # fmt: skip
    return party


def _audit(
    session: Session,
    clock: Clock,
    actor: Actor,
    action: str,
    party: TrustedParty,
    **payload: object,
) -> None:
    record_event(
        session, clock=clock, actor=actor.username, action=f"trusted.{action}",
        subject_type="trusted_party", subject_id=str(party.id),
        payload={"number": party.number, "status": party.status, **payload},
    )  # fmt: skip


def _get(session: Session, number: str, *, lock: bool = False) -> TrustedParty:
    query = select(TrustedParty).where(TrustedParty.number == number.strip().upper())
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise _not_found()
    return found


def _readable(actor: Actor, party: TrustedParty) -> bool:
    if actor.role is Role.PARTNER_AUTHORITY:
        return party.partner_key == partner_jurisdiction(actor).key
    return actor.role in (Role.LICENSING_OFFICER, Role.ADMINISTRATOR)


def decide(
    session: Session, *, actor: Actor, clock: Clock, number: str, data: TrustedPartyDecisionIn
) -> TrustedParty:
    """A licensing officer approves or rejects a proposal, once, with a reason."""
    require_role(actor, Role.LICENSING_OFFICER, action="decide a trusted-party proposal")
    party = _get(session, number, lock=True)
    if data.outcome not in OUTCOMES:
        raise InvalidInput(
            f"unknown outcome {data.outcome!r}; known: {', '.join(OUTCOMES)}",
            code="trusted.unknown_outcome", field="outcome",
        )  # fmt: skip
    if party.status != "proposed":
        raise Conflict(
            f"{party.number} is {party.status}, not a proposal to decide",
            code="trusted.not_proposed",
        )
    if not data.reason.strip():
        raise InvalidInput("say why", code="trusted.reason_required", field="reason")
    today = authority_date(clock.now())
    if data.review_on is not None:
        _check_review_date(data.review_on, today, "review_on")
        party.review_on = data.review_on
    elif party.review_on <= today:
        raise InvalidInput(
            f"the proposed review date {party.review_on.isoformat()} has passed: give another",
            code="trusted.bad_review_date", field="review_on",
        )  # fmt: skip
    party.status, party.decision_reason = data.outcome, data.reason.strip()
    party.decided_by_id, party.decided_at = actor.user_id, clock.now()
    session.flush()
    _audit(
        session, clock, actor, OUTCOMES[data.outcome], party, reason=party.decision_reason,
        review_on=party.review_on.isoformat(),
    )  # fmt: skip
    return party


def withdraw(
    session: Session, *, actor: Actor, clock: Clock, number: str, data: TrustedPartyWithdrawIn
) -> TrustedParty:
    """Either side ends a proposal or an approval: the partner desk that proposed it, or a
    licensing officer."""
    party = _get(session, number, lock=True)
    if actor.role is Role.PARTNER_AUTHORITY:
        if not _readable(actor, party):
            raise _not_found()
    else:
        require_role(actor, Role.LICENSING_OFFICER, action="withdraw a trusted party")
    if party.status not in ("proposed", "approved"):
        raise Conflict(
            f"{party.number} is {party.status}: nothing to withdraw",
            code="trusted.not_withdrawable",
        )
    if not data.reason.strip():
        raise InvalidInput("say why", code="trusted.reason_required", field="reason")
    party.status, party.withdrawal_reason = "withdrawn", data.reason.strip()
    party.withdrawn_by_id, party.withdrawn_at = actor.user_id, clock.now()
    session.flush()
    _audit(session, clock, actor, "withdraw", party, reason=party.withdrawal_reason)
    return party


def trusted_party_view(
    session: Session, *, actor: Actor, clock: Clock, number: str
) -> TrustedPartyRead:
    party = _get(session, number)
    if not _readable(actor, party):
        raise _not_found()
    (view,) = _views(session, actor, [party], authority_date(clock.now()))
    return view


def list_trusted_parties(
    session: Session, *, actor: Actor, clock: Clock, status: str | None = None
) -> list[TrustedPartyRead]:
    """A partner desk's proposals, or every partner's for the authority; newest first."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"unknown status {status!r}; known: {', '.join(STATUSES)}",
            code="trusted.unknown_status", field="status",
        )  # fmt: skip
    query = select(TrustedParty)
    if actor.role is Role.PARTNER_AUTHORITY:
        query = query.where(TrustedParty.partner_key == partner_jurisdiction(actor).key)
    else:
        require_role(
            actor, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, action="read trusted parties"
        )
    if status is not None:
        stored = "approved" if status == "lapsed" else status
        query = query.where(TrustedParty.status == stored)
    rows = session.scalars(query.order_by(TrustedParty.proposed_at.desc(), TrustedParty.number))
    today = authority_date(clock.now())
    found = [row for row in rows if status is None or status_on(row, today) == status]
    return _views(session, actor, found, today)


def _views(
    session: Session, actor: Actor, parties: list[TrustedParty], today: date
) -> list[TrustedPartyRead]:
    ids = {p.proposed_by_id for p in parties} | {
        p.decided_by_id for p in parties if p.decided_by_id
    }
    names = usernames(session, ids)
    authority = actor.role is not Role.PARTNER_AUTHORITY
    return [
        TrustedPartyRead(
            number=p.number,
            partner=p.partner_key,
            name=p.name,
            name_zh=p.name_zh,
            country=p.country,
            identifiers=list(p.identifiers),
            address=p.address,
            basis=p.basis,
            review_on=p.review_on,
            status=status_on(p, today),
            proposed_at=p.proposed_at,
            proposed_by=names.get(p.proposed_by_id, "?"),
            decided_at=p.decided_at,
            decision_reason=p.decision_reason,
            decided_by=names.get(p.decided_by_id) if authority and p.decided_by_id else None,
            withdrawn_at=p.withdrawn_at,
            withdrawal_reason=p.withdrawal_reason,
        )
        for p in parties
    ]


@dataclass(frozen=True, slots=True)
class TrustedMatch:
    """An approved trusted party an end user was recognised as, and how."""

    number: str
    partner: str
    approved_on: date
    review_on: date
    matched_by: str


def match_end_user(session: Session, *, party: ForeignParty, day: date) -> TrustedMatch | None:
    """The approved, unlapsed trusted party ``party`` is, on ``day``: one sharing an
    identifier with it first; else one of its folded name in its country, unless an identifier
    of a scheme both carry differs (then it is another company)."""
    candidates = [
        trusted
        for trusted in session.scalars(
            select(TrustedParty)
            .where(
                TrustedParty.status == "approved",
                TrustedParty.country == party.country,
                TrustedParty.review_on >= day,
            )
            .order_by(TrustedParty.number)
        )
    ]
    own = {(i["scheme"], i["value"]) for i in party.identifiers or []}
    for trusted in candidates:
        shared = sorted(own & {(i["scheme"], i["value"]) for i in trusted.identifiers})
        if shared:
            scheme, value = shared[0]
            return _match(trusted, f"{scheme.upper()} {value}")
    own_schemes = {scheme: value for scheme, value in own}
    for trusted in candidates:
        if trusted.name_key != party.name_key:
            continue
        conflicting = [
            i for i in trusted.identifiers
            if i["scheme"] in own_schemes and own_schemes[i["scheme"]] != i["value"]
        ]  # fmt: skip
        if not conflicting:
            return _match(trusted, f"name and country ({party.name}, {party.country})")
    return None


def _match(trusted: TrustedParty, how: str) -> TrustedMatch:
    assert trusted.decided_at is not None
    return TrustedMatch(
        number=trusted.number,
        partner=trusted.partner_key,
        approved_on=authority_date(trusted.decided_at),
        review_on=trusted.review_on,
        matched_by=how,
    )
