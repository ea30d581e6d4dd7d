"""Filing and amending applications, and attaching their documents (the exporter's side)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pycountry
from sqlalchemy.orm import Session

from rarex import metrics
from rarex.audit.service import record_event
from rarex.auth.roles import Actor, Role, require_role
from rarex.catalog.errors import CatalogError
from rarex.catalog.service import load_control_list
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import Forbidden, InvalidInput, PayloadTooLarge
from rarex.inputs import clean_file_name, file_name_problem
from rarex.licensing import repository
from rarex.licensing.access import ensure_can_edit
from rarex.licensing.end_uses import get_end_use
from rarex.licensing.schemas import ApplicationAmend, ApplicationCreate, LineIn, PartyIn
from rarex.licensing.states import AMENDABLE, State
from rarex.models import Application, ApplicationLine, Company, Document, ForeignParty
from rarex.parties import service as parties
from rarex.parties.identifiers import export_destination
from rarex.quantities import CENT, GRAM

DOCUMENT_KINDS: dict[str, str] = {
    "contract": "Contract or agreement",
    "end_user_certificate": "End-user certificate (with Chinese translation)",
    "end_use_statement": "End-use statement with the no-re-transfer promise",
    "technical_description": "Technical description or test report of the item",
    "identity": "Identity of legal representative and handling staff",
    "product_photos": "Product photos",
    "other": "Other document requested by the authority",
}
# Decree 792 asks for these with every application; acceptance is refused while any is missing.
REQUIRED_DOCUMENTS: tuple[str, ...] = (
    "contract",
    "end_user_certificate",
    "end_use_statement",
    "technical_description",
)
MEDIA_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain", "application/xml"}
)
_MAX_VALUE = Decimal("1e13")
# ISO 4217 codes that are not money a contract is priced in: metals, funds, units, test codes.
NON_TENDER_CURRENCIES = frozenset(
    {
        "XAU",
        "XAG",
        "XPT",
        "XPD",
        "XDR",
        "XXX",
        "XTS",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XSU",
        "XUA",
        "BOV",
        "CHE",
        "CHW",
        "CLF",
        "COU",
        "MXV",
        "USN",
        "UYI",
        "UYW",
    }
)


def _exporter_for(session: Session, actor: Actor, uscc: str | None) -> Company:
    if actor.role is Role.EXPORTER:
        assert actor.company_id is not None
        company = parties.get_company(session, company_id=actor.company_id)
        if uscc is not None and uscc.strip().upper() != company.uscc:
            raise Forbidden(
                f"{actor.username} files for {company.uscc} only, not {uscc}",
                code="auth.wrong_company",
            )
        return company
    # An officer or administrator may key in a paper application for a company; the officer
    # who does can then never decide it (access.ensure_no_conflict).
    require_role(actor, Role.LICENSING_OFFICER, Role.ADMINISTRATOR, action="file an application")
    if uscc is None:
        raise InvalidInput("exporter_uscc is required", code="application.exporter_required")
    return parties.company_by_uscc(session, uscc=uscc)


def _check_quantity(line_no: int, value: Decimal, settings: Settings) -> Decimal:
    if not value.is_finite():
        raise InvalidInput(
            f"line {line_no}: quantity {value} kg is not a number",
            code="application.invalid_quantity",
            line=line_no,
            field=f"lines[{line_no - 1}].quantity_kg",
        )
    if value <= 0:
        raise InvalidInput(
            f"line {line_no}: quantity must be above zero, got {value} kg",
            code="application.quantity_not_positive",
            line=line_no,
            field=f"lines[{line_no - 1}].quantity_kg",
        )
    # Compared before rounding: a huge figure would overflow the quantize below.
    if value > settings.max_quantity_kg:
        raise InvalidInput(
            f"line {line_no}: {value} kg exceeds the plausible maximum of "
            f"{settings.max_quantity_kg} kg",
            code="application.quantity_absurd",
            line=line_no,
            field=f"lines[{line_no - 1}].quantity_kg",
        )
    quantity = value.quantize(GRAM)
    if quantity != value:
        raise InvalidInput(
            f"line {line_no}: quantity {value} kg has more than 3 decimals (gram precision)",
            code="application.invalid_quantity",
            line=line_no,
            field=f"lines[{line_no - 1}].quantity_kg",
        )
    return quantity


def _build_lines(lines: list[LineIn], *, on: date, settings: Settings) -> list[ApplicationLine]:
    control_list = load_control_list()
    built: list[ApplicationLine] = []
    for line_no, line in enumerate(lines, start=1):
        at = f"lines[{line_no - 1}]"
        try:
            entry = control_list.validate_line(line.control_code, line.hs_code)
        except CatalogError as problem:
            # which line, and which of its two codes: a form shows it beside that field
            code_field = "hs_code" if "hs_code" in problem.code else "control_code"
            problem.details.setdefault("line", line_no)
            problem.details.setdefault("field", f"{at}.{code_field}")
            raise
        check = control_list.check_code(entry.code, on)
        if not check.controlled:
            raise InvalidInput(
                f"line {line_no}: {entry.code} is not controlled on {on.isoformat()}; "
                "no export license is needed",
                code="application.item_not_controlled",
                line=line_no,
                field=f"{at}.control_code",
            )
        quantity = _check_quantity(line_no, line.quantity_kg, settings)
        if not line.value.is_finite() or line.value < 0 or line.value > _MAX_VALUE:
            raise InvalidInput(
                f"line {line_no}: value {line.value} is negative or absurd",
                code="application.invalid_value",
                line=line_no,
                field=f"{at}.value",
            )
        if line.value != line.value.quantize(CENT):
            # Rounding would record a contract value the applicant did not declare.
            raise InvalidInput(
                f"line {line_no}: value {line.value} has more than 2 decimals",
                code="application.invalid_value",
                line=line_no,
                field=f"{at}.value",
            )
        currency = line.currency.upper()
        if currency in NON_TENDER_CURRENCIES or pycountry.currencies.get(alpha_3=currency) is None:
            raise InvalidInput(
                f"line {line_no}: unknown currency {line.currency!r}",
                code="application.unknown_currency",
                line=line_no,
                field=f"{at}.currency",
            )
        built.append(
            ApplicationLine(
                line_no=line_no,
                control_code=entry.code,
                hs_code="".join(ch for ch in line.hs_code if ch.isdigit()),
                description=line.description or entry.description,
                quantity_kg=quantity,
                value_amount=line.value.quantize(CENT),
                currency=currency,
            )
        )
    return built


def check_lines(lines: list[LineIn], *, clock: Clock, settings: Settings) -> None:
    """The checks a filing makes of its item lines, on their own: a form that takes the lines
    first says what is wrong with them before it asks for the rest."""
    _build_lines(lines, on=authority_date(clock.now()), settings=settings)


def _check_license_type(company: Company, license_type: str, on: date) -> None:
    if license_type == "general" and (
        company.compliance_programme_on is None or company.compliance_programme_on > on
    ):
        raise InvalidInput(
            f"{company.name} has no internal compliance programme on file; "
            "a general license requires one",
            code="application.general_license_requires_icp",
            field="license_type",
        )


def _check_statement(statement: str) -> None:
    if not statement.strip():
        raise InvalidInput(
            "the end-use statement is empty",
            code="application.end_use_statement_required",
            field="end_use_statement",
        )


def _check_parties(*, consignee: PartyIn | None, end_user: PartyIn | None) -> None:
    for role, party in (("consignee", consignee), ("end_user", end_user)):
        if party is None:
            continue
        try:
            parties.check_foreign_party(party.name, party.country)
        except InvalidInput as problem:
            where = "country" if problem.code.endswith("country") else "name"
            problem.details.setdefault("field", f"{role}.{where}")
            raise
        parties.canonical_identifiers(
            ((i.scheme, i.value) for i in party.identifiers), field=f"{role}.identifiers"
        )


def _party(
    session: Session, *, clock: Clock, exporter_id: uuid.UUID, party: PartyIn
) -> ForeignParty:
    return parties.foreign_party(
        session,
        clock=clock,
        exporter_id=exporter_id,
        name=party.name,
        country=party.country,
        address=party.address,
        identifiers=[(i.scheme, i.value) for i in party.identifiers],
    )


def _new_reference(session: Session, today: date) -> tuple[uuid.UUID, str]:
    """A fresh id and its short reference. Eight hex digits collide by the birthday bound after
    some ten thousand filings a year, so a reference already taken is drawn again."""
    while True:
        application_id = uuid.uuid4()
        reference = f"RX-{today.year}-{application_id.hex[:8].upper()}"
        if repository.application_by_reference(session, reference) is None:
            return application_id, reference


def file_application(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings, data: ApplicationCreate
) -> Application:
    """Create a draft. Everything is validated before the first row is written."""
    today = authority_date(clock.now())
    company = _exporter_for(session, actor, data.exporter_uscc)
    get_end_use(data.end_use_category)
    _check_license_type(company, data.license_type, today)
    _check_statement(data.end_use_statement)
    _check_parties(consignee=data.consignee, end_user=data.end_user)
    destination = export_destination(data.destination or data.end_user.country).alpha2
    lines = _build_lines(data.lines, on=today, settings=settings)
    consignee = _party(session, clock=clock, exporter_id=company.id, party=data.consignee)
    end_user = _party(session, clock=clock, exporter_id=company.id, party=data.end_user)

    application_id, reference = _new_reference(session, today)
    application = Application(
        id=application_id,
        reference=reference,
        exporter_id=company.id,
        filed_by_id=actor.user_id,
        state=State.DRAFT.value,
        license_type=data.license_type,
        lane="ordinary",
        consignee_id=consignee.id,
        end_user_id=end_user.id,
        destination=destination,
        end_use_category=data.end_use_category,
        end_use_statement=data.end_use_statement,
        contract_reference=data.contract_reference,
        created_at=clock.now(),
    )
    session.add(application)
    session.flush()
    for line in lines:
        line.application_id = application.id
        session.add(line)
    session.flush()
    record_event(
        session,
        clock=clock,
        actor=actor.label,
        action="application.filed",
        subject_type="application",
        subject_id=str(application.id),
        payload={
            "reference": application.reference,
            "exporter": company.uscc,
            "lines": [
                {"code": ln.control_code, "hs": ln.hs_code, "kg": ln.quantity_kg} for ln in lines
            ],
            "destination": destination,
        },
    )
    metrics.count_on_commit(session, metrics.APPLICATIONS_FILED)
    return application


def amend_application(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    application_id: uuid.UUID,
    data: ApplicationAmend,
) -> Application:
    application = repository.get_application(session, application_id, lock=True)
    ensure_can_edit(session, actor, application)
    if State(application.state) not in AMENDABLE:
        raise InvalidInput(
            f"an application that is {application.state} cannot be amended",
            code="application.not_amendable",
        )
    today = authority_date(clock.now())
    changed: list[str] = []
    # Everything is validated before the application or any party is touched.
    if data.end_use_category is not None:
        get_end_use(data.end_use_category)
    if data.end_use_statement is not None:
        _check_statement(data.end_use_statement)
    if data.license_type is not None:
        company = parties.get_company(session, company_id=application.exporter_id)
        _check_license_type(company, data.license_type, today)
    _check_parties(consignee=data.consignee, end_user=data.end_user)
    # A new end user abroad moves the destination with it unless the amendment names one.
    new_destination = data.destination or (data.end_user.country if data.end_user else None)
    destination = export_destination(new_destination).alpha2 if new_destination else None
    new_lines = _build_lines(data.lines, on=today, settings=settings) if data.lines else None
    if destination is not None:
        application.destination = destination
        changed.append("destination")
    if data.consignee is not None:
        c = data.consignee
        application.consignee_id = _party(
            session, clock=clock, exporter_id=application.exporter_id, party=c
        ).id
        changed.append("consignee")
    if data.end_user is not None:
        u = data.end_user
        application.end_user_id = _party(
            session, clock=clock, exporter_id=application.exporter_id, party=u
        ).id
        changed.append("end_user")
    for field in ("license_type", "end_use_category", "end_use_statement", "contract_reference"):
        value = getattr(data, field)
        if value is not None:
            setattr(application, field, value)
            changed.append(field)
    if new_lines is not None:
        repository.delete_lines(session, application.id)
        for line in new_lines:
            line.application_id = application.id
            session.add(line)
        changed.append("lines")
    if not changed:
        raise InvalidInput("the amendment changes nothing", code="application.empty_amendment")
    session.flush()
    record_event(
        session,
        clock=clock,
        actor=actor.label,
        action="application.amended",
        subject_type="application",
        subject_id=str(application.id),
        payload={"reference": application.reference, "fields": changed},
    )
    return application


@dataclass(frozen=True, slots=True)
class DocumentUpload:
    """A document as a form or a request brings it, before it is checked and stored."""

    kind: str
    filename: str
    media_type: str
    content: bytes


def attach_document(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    application_id: uuid.UUID,
    kind: str,
    filename: str,
    media_type: str,
    content: bytes,
) -> Document:
    problem = file_name_problem(filename)
    if problem is not None:
        raise InvalidInput(
            f"the file's name {filename!r} {problem}", code="input.invalid", field="filename"
        )
    filename = clean_file_name(filename)
    if len(content) > settings.max_document_bytes:
        raise PayloadTooLarge(
            f"{filename} is {len(content)} bytes; the limit is {settings.max_document_bytes}",
            size=len(content),
            limit=settings.max_document_bytes,
        )
    if not content:
        raise InvalidInput(f"{filename} is empty", code="document.empty")
    if kind not in DOCUMENT_KINDS:
        raise InvalidInput(
            f"unknown document kind {kind!r}; expected one of {', '.join(DOCUMENT_KINDS)}",
            code="document.unknown_kind",
        )
    media = media_type.split(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        raise InvalidInput(
            f"media type {media_type!r} is not accepted; "
            f"use one of {', '.join(sorted(MEDIA_TYPES))}",
            code="document.unsupported_media_type",
        )
    application = repository.get_application(session, application_id, lock=True)
    ensure_can_edit(session, actor, application)
    if State(application.state) not in AMENDABLE:
        raise InvalidInput(
            f"documents cannot be added to an application that is {application.state}",
            code="application.not_amendable",
        )
    document = Document(
        application_id=application.id,
        kind=kind,
        filename=filename,
        media_type=media,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by_id=actor.user_id,
        uploaded_at=clock.now(),
    )
    session.add(document)
    session.flush()
    record_event(
        session,
        clock=clock,
        actor=actor.label,
        action="document.attached",
        subject_type="application",
        subject_id=str(application.id),
        payload={"kind": kind, "sha256": document.sha256, "size": document.size_bytes},
    )
    return document


def missing_documents(session: Session, application_id: uuid.UUID) -> list[str]:
    present = repository.document_kinds(session, application_id)
    return [kind for kind in REQUIRED_DOCUMENTS if kind not in present]
