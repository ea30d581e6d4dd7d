"""The clearing engine: read and lock what a batch of postings needs, compute the postings
(``customs.posting``, pure), write them (``customs.posting_store``), inside the caller's unit
of work.

Two kinds of batch, one path:

* ``file_batch``: new declarations (one from the API or CLI, a chunk of a file, the filings of
  concurrent requests committed together). The cited licenses are locked in one statement,
  each declaration is checked in memory in order (each sees the balances the ones before it
  left), then every table is written once. Nothing is written before every declaration has
  been checked, so one that cannot be filed is reported without a savepoint.
* ``post_step``: a step on one stored declaration (amend, hold, release, refuse, cancel), a
  batch of one that also locks its declaration, first.

Locks come in one order: the declaration a step is on, the licenses by number, new
declaration numbers, aggregate cells by key, the audit chain last.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from rarex import metrics
from rarex.audit.service import EventDraft
from rarex.auth.roles import Actor
from rarex.catalog import ControlList
from rarex.clock import Clock
from rarex.customs import posting_store, repository
from rarex.customs.access import ensure_can_view, not_found
from rarex.customs.facts import ClearanceResult
from rarex.customs.posting import (
    Header,
    Posting,
    Step,
    StoredDeclaration,
    jsonable,
    post_filing,
)
from rarex.customs.validation import DeclarationDraft, Problem, normalise_number
from rarex.errors import ConcurrentChange
from rarex.licensing import license_store
from rarex.licensing.license_states import HeldLicense
from rarex.models import Company
from rarex.models.customs import Declaration


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


@dataclass(frozen=True, slots=True)
class AlreadyFiled:
    """A declaration filed before with the same content (``content_sha256``): a replay of a
    filing whose answer was lost, which changes nothing and answers the stored declaration."""

    number: str


Outcome = Filed | NotFiled | AlreadyFiled


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
    """Check and record ``drafts`` (already validated). One ``Outcome`` per draft, in order.

    A number already filed, or earlier in the batch, is ``AlreadyFiled`` when the content is
    the same (a replay: nothing is written) and a refused duplicate otherwise.

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
    # A lone filing learns of a number filed before from its insert (one round trip fewer on
    # the path every API and CLI filing takes); a batch asks first, so a known number refuses
    # that declaration, not the batch.
    single = audit_each and len(drafts) == 1
    already = {} if single else _filed_numbers(session, (d.number for d in drafts))
    licenses = license_store.lock_licenses(
        session, numbers=(d.license_number for d in drafts if d.license_number is not None)
    )
    # The cited licenses name their exporters: only exporters not among them are looked up
    # (none, on the usual path of one exporter citing its own license).
    exporters = {held.exporter_uscc: held.exporter_id for held in licenses.values()}
    exporters.update(_company_ids(session, {d.exporter_uscc for d in drafts} - exporters.keys()))
    outcomes: list[Outcome] = []
    postings: list[Posting] = []
    labels: list[str] = []
    seen: dict[str, _Known] = {}
    for i, draft in enumerate(drafts):
        refusal = _refusal(draft, exporters, already, seen)
        if isinstance(refusal, AlreadyFiled):
            outcomes.append(refusal)
            continue
        if refusal is not None:
            outcomes.append(NotFiled(draft.number, (refusal,)))
            continue
        filer = actors[i] if actors is not None else actor
        posting = post_filing(
            _header(draft, exporters[draft.exporter_uscc]),
            draft.lines,
            held=licenses.get(draft.license_number) if draft.license_number else None,
            control_list=control_list,
            step=Step(filer.user_id, filer.label, now),
            clearance_on=draft.clearance_on,
            audit_batch=None if audit_each else batch_subject,
        )
        assert posting.new_declaration is not None
        assert posting.result is not None
        seen[draft.number] = (posting.status.value, draft.content_sha256)
        postings.append(posting)
        labels.append(filer.label)
        outcomes.append(
            Filed(
                posting.declaration_id,
                draft.number,
                posting.status.value,
                posting.new_declaration,
                posting.result,
            )
        )
    event = None
    if not audit_each and postings:
        assert batch_subject is not None
        event = _batch_event(actor, postings, batch_event or {}, subject=batch_subject)
    # New numbers are inserted in number order, so two batches sharing numbers wait for each
    # other's unique-index entries in one order, never crosswise.
    ordered = sorted(zip(postings, labels, strict=True), key=lambda pair: pair[0].number)
    try:
        posting_store.write(
            session,
            [posting for posting, _ in ordered],
            licenses=licenses.values(),
            clock=clock,
            actor_labels=[label for _, label in ordered],
            batch_event=event,
        )
    except ConcurrentChange:
        # The insert skipped the lone number: it is filed already (the insert wrote nothing,
        # and nothing after it ran), which is a duplicate, not a race to retry.
        known = _filed_numbers(session, [drafts[0].number]) if single else {}
        if not known:
            raise
        (replay_or_refusal,) = [_refusal(drafts[0], exporters, known, {})]
        if isinstance(replay_or_refusal, AlreadyFiled):
            return [replay_or_refusal]
        assert replay_or_refusal is not None
        return [NotFiled(drafts[0].number, (replay_or_refusal,))]
    for posting in postings:  # written: counted if the transaction commits
        metrics.count_on_commit(session, metrics.DECLARATIONS_FILED.labels(posting.status.value))
    return outcomes


PostFunction = Callable[[StoredDeclaration, Mapping[str, HeldLicense]], Posting]


def post_step(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    number: str,
    post: PostFunction,
    also_lock: Iterable[str | None] = (),
) -> Declaration:
    """A step on one stored declaration: lock it, lock the licenses its lines drew from, the
    one it cites and ``also_lock`` (a license an amendment or a release names), compute the
    posting and write it. Returns the declaration as stored now."""
    stored = repository.stored_declaration(session, normalise_number(number))
    if stored is None:
        raise not_found(number)
    declaration = session.get(Declaration, stored.id)
    assert declaration is not None
    ensure_can_view(actor, declaration)
    licenses = license_store.lock_licenses(
        session,
        numbers=[n for n in (stored.license_number, *also_lock) if n is not None],
        line_ids=[ln.license_line_id for ln in stored.lines if ln.license_line_id is not None],
    )
    posting = post(stored, licenses)
    posting_store.write(
        session, [posting], licenses=licenses.values(), clock=clock, actor_labels=[actor.label]
    )
    session.refresh(declaration)
    return declaration


def _header(draft: DeclarationDraft, exporter_id: uuid.UUID) -> Header:
    return Header(
        number=draft.number,
        exporter_id=exporter_id,
        license_number=draft.license_number,
        destination=draft.destination,
        consignee_name=draft.consignee_name,
        consignee_country=draft.consignee_country,
        port=draft.port,
        declared_date=draft.declared_on,
        content_sha256=draft.content_sha256,
    )


def _refusal(
    draft: DeclarationDraft,
    exporters: dict[str, uuid.UUID],
    already: dict[str, _Known],
    seen: dict[str, _Known],
) -> Problem | AlreadyFiled | None:
    known = already.get(draft.number) or seen.get(draft.number)
    if known is not None:
        status, content_sha256 = known
        if content_sha256 == draft.content_sha256:
            return AlreadyFiled(draft.number)
        return _duplicate(draft.number, status)
    if draft.exporter_uscc not in exporters:
        return Problem(
            "exporter_uscc",
            "customs.unknown_exporter",
            f"no exporter is registered with USCC {draft.exporter_uscc}",
        )
    return None


def _duplicate(number: str, status: str) -> Problem:
    return Problem(
        "number",
        "customs.duplicate_declaration",
        f"declaration {number} was already filed with other content (status {status}); a "
        "number is applied once",
    )


# A filed number's status and content fingerprint.
_Known = tuple[str, str | None]


_DECLARATIONS = cast(Table, Declaration.__table__)
_KNOWN_NUMBERS = select(
    _DECLARATIONS.c.number, _DECLARATIONS.c.status, _DECLARATIONS.c.content_sha256
).where(_DECLARATIONS.c.number.in_(bindparam("numbers", expanding=True)))
_COMPANIES = cast(Table, Company.__table__)
_COMPANY_IDS = select(_COMPANIES.c.uscc, _COMPANIES.c.id).where(
    _COMPANIES.c.uscc.in_(bindparam("usccs", expanding=True))
)


def _filed_numbers(session: Session, numbers: Iterable[str]) -> dict[str, _Known]:
    """Declaration numbers already filed, with their status and content fingerprint."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    return {
        number: (status, content_sha256)
        for number, status, content_sha256 in session.execute(_KNOWN_NUMBERS, {"numbers": wanted})
    }


def _company_ids(session: Session, usccs: Iterable[str]) -> dict[str, uuid.UUID]:
    wanted = sorted(set(usccs))
    if not wanted:
        return {}
    return {
        uscc: company_id for uscc, company_id in session.execute(_COMPANY_IDS, {"usccs": wanted})
    }


def _batch_event(
    actor: Actor, postings: list[Posting], extra: dict[str, Any], *, subject: str
) -> EventDraft:
    return EventDraft(
        actor=actor.label,
        action="customs.declarations_imported",
        subject_type="declaration_batch",
        subject_id=subject,
        payload={
            **jsonable(extra),
            "declarations": [[p.number, str(p.declaration_id), p.status.value] for p in postings],
        },
    )
