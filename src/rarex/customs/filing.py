"""Filing and amending declarations: validate, then post (``customs.clearing``).

One step is one unit of work owned by the caller: the declaration, its lines, the drawdowns,
the license status, the monthly aggregates and the audit event land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session, make_transient_to_detached

from rarex.auth.roles import Actor
from rarex.catalog import ControlList, load_control_list
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.customs import clearing, repository
from rarex.customs.access import ensure_can_view, ensure_officer
from rarex.customs.posting import (
    Header,
    Posting,
    Step,
    StoredDeclaration,
    StoredLine,
    post_amendment,
)
from rarex.customs.schemas import DeclarationAmend, DeclarationIn
from rarex.customs.validation import (
    DeclarationDraft,
    InvalidDeclaration,
    LineDraft,
    Problem,
    license_number_of,
    validate_declaration,
    validate_lines,
)
from rarex.errors import Conflict, InvalidInput
from rarex.licensing.license_states import HeldLicense
from rarex.models.customs import Declaration
from rarex.parties.identifiers import Country, export_destination, normalize_country


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
    number is the idempotency key: filing it again with the same content changes nothing and
    returns the declaration as stored (a replay); with other content it raises
    ``customs.duplicate_declaration``, even when two filings race (the unique index decides).
    """
    return file_or_replay(session, actor=actor, clock=clock, settings=settings, data=data)[0]


def file_or_replay(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings, data: DeclarationIn
) -> tuple[Declaration, bool]:
    """``file_declaration``, saying whether the filing was a replay (True: filed before with
    the same content, nothing done now)."""
    draft, control_list = checked_draft(actor=actor, clock=clock, settings=settings, data=data)
    (outcome,) = clearing.file_batch(
        session, actor=actor, clock=clock, control_list=control_list, drafts=[draft]
    )
    if isinstance(outcome, clearing.NotFiled):
        raise not_filed(session, outcome)
    if isinstance(outcome, clearing.AlreadyFiled):
        return replayed(session, actor=actor, number=outcome.number), True
    return _attached(session, outcome.row), False


def replayed(session: Session, *, actor: Actor, number: str) -> Declaration:
    """The declaration a replayed filing answers: as stored, to the officer who may see it."""
    existing = repository.declaration_by_number(session, number)
    assert existing is not None  # a replay is of a declaration filed and never deleted
    ensure_can_view(actor, existing)
    return existing


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
    control_list = load_control_list()
    problems: list[Problem] = []
    new_license: str | None = None
    if data.license_number is not None and not data.remove_license:
        new_license = license_number_of(data.license_number, problems)
    destination = _amended_country(
        data.destination, "destination", problems, read=export_destination
    )
    consignee_country = (
        _amended_country(data.consignee.country, "consignee.country", problems)
        if data.consignee is not None
        else None
    )
    drafts = (
        validate_lines(
            data.lines, max_kg=settings.max_quantity_kg, control_list=control_list, into=problems
        )
        if data.lines is not None
        else None
    )
    if problems:
        raise InvalidDeclaration(problems)

    def amend(stored: StoredDeclaration, held: Mapping[str, HeldLicense]) -> Posting:
        license_number = stored.license_number
        if data.remove_license:
            license_number = None
        elif new_license is not None:
            license_number = new_license
        header = Header(
            number=stored.number,
            exporter_id=stored.exporter_id,
            license_number=license_number,
            destination=destination or stored.destination,
            consignee_name=(
                " ".join(data.consignee.name.split())
                if data.consignee is not None
                else stored.consignee_name
            ),
            consignee_country=consignee_country or stored.consignee_country,
            port=" ".join(data.port.split()) if data.port is not None else stored.port,
            declared_date=stored.declared_date,
        )
        lines = drafts if drafts is not None else [_draft_of(line) for line in stored.lines]
        return post_amendment(
            stored,
            header,
            lines,
            held=held,
            control_list=control_list,
            step=Step(actor.user_id, actor.label, clock.now(), reason),
        )

    return clearing.post_step(
        session, actor=actor, clock=clock, number=number, post=amend, also_lock=[new_license]
    )


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason:
        raise InvalidInput("this step needs a reason", code="customs.reason_required")
    return reason


def _amended_country(
    raw: str | None,
    field: str,
    problems: list[Problem],
    *,
    read: Callable[[str], Country] = normalize_country,
) -> str | None:
    """A country an amendment names (``read``: ``export_destination`` for where the goods
    go, which refuses China as a filing does)."""
    if raw is None:
        return None
    try:
        return read(raw).alpha2
    except InvalidInput as exc:
        problems.append(Problem(field, exc.code, exc.message))
        return None


def _draft_of(line: StoredLine) -> LineDraft:
    return LineDraft(
        line_no=line.line_no,
        hs_code=line.hs_code,
        control_code=line.control_code,
        description=line.description,
        net_kg=line.net_kg,
        fob_value=line.fob_value,
        currency=line.currency,
    )
