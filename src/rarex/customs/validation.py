"""Validating a declaration before anything is written. Pure.

Every problem is collected, not just the first, each naming its line and field, so a bulk
import can report every refused row at once. A declaration with any problem is refused as a
whole (``customs.invalid_declaration``) and changes nothing; one that passes is a
``DeclarationDraft`` in canonical spelling, ready for the clearance check.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import pycountry

from rarex.catalog import ControlList
from rarex.catalog.codes import normalise_hs_code
from rarex.customs.schemas import DeclarationIn, DeclarationLineIn
from rarex.customs.series import in_scope
from rarex.errors import DomainError, InvalidInput
from rarex.parties.identifiers import export_destination, normalize_country, validate_uscc
from rarex.quantities import CENT, GRAM, NotANumber, parse_amount

T = TypeVar("T")

_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")
MAX_VALUE = Decimal("1e13")
MAX_PORT_LENGTH = 80
MAX_LICENSE_NUMBER_LENGTH = 40
MAX_NAME_LENGTH = 300


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a declaration is refused: ``line_no`` None for a header field."""

    field: str
    code: str
    message: str
    line_no: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }


class InvalidDeclaration(InvalidInput):
    """The declaration cannot be recorded; ``problems`` lists every reason."""

    default_code = "customs.invalid_declaration"

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        where = f"line {first.line_no} " if first.line_no is not None else ""
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(
            f"{where}{first.field}: {first.message}{more}",
            code=first.code if len(problems) == 1 else self.default_code,
            problems=[p.to_dict() for p in problems],
        )
        self.problems = problems


@dataclass(frozen=True, slots=True)
class LineDraft:
    line_no: int
    hs_code: str
    control_code: str | None
    description: str
    net_kg: Decimal
    fob_value: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class DeclarationDraft:
    number: str
    exporter_uscc: str
    license_number: str | None
    destination: str
    consignee_name: str
    consignee_country: str
    port: str
    declared_on: date
    clearance_on: date | None
    lines: tuple[LineDraft, ...]
    # The declared date as sent: None when the sender left it to the day of filing, so that
    # the same declaration sent again after midnight is still the same content.
    declared_as_sent: date | None = None

    @property
    def content_sha256(self) -> str:
        """The SHA-256 of the declaration in canonical form (codes normalised, amounts without
        trailing zeros): what tells a declaration sent again from another under its number."""
        canonical = [
            *(self.number, self.exporter_uscc, self.license_number, self.destination),
            *(self.consignee_name, self.consignee_country, self.port),
            *(str(self.declared_as_sent), str(self.clearance_on)),
            *(_canonical_line(ln) for ln in self.lines),
        ]
        text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _canonical_line(line: LineDraft) -> tuple[object, ...]:
    amounts = (_plain(line.net_kg), _plain(line.fob_value))
    return (
        line.line_no,
        line.hs_code,
        line.control_code,
        line.description,
        *amounts,
        line.currency,
    )


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


def normalise_number(raw: str) -> str:
    return "".join(raw.split()).upper()


def license_number_of(raw: str | None, problems: list[Problem]) -> str | None:
    """The cited license number in canonical spelling; None when none is cited."""
    number = normalise_number(raw or "") or None
    if number is not None and len(number) > MAX_LICENSE_NUMBER_LENGTH:
        problems.append(
            Problem(
                "license_number",
                "customs.invalid_license_number",
                f"a license number has at most {MAX_LICENSE_NUMBER_LENGTH} characters",
            )
        )
        return None
    return number


def validate_declaration(
    data: DeclarationIn, *, today: date, max_kg: Decimal, control_list: ControlList
) -> DeclarationDraft:
    """The declaration in canonical form; raises InvalidDeclaration listing every problem."""
    problems: list[Problem] = []
    number = normalise_number(data.number)
    if not _NUMBER.fullmatch(number):
        problems.append(
            Problem(
                "number",
                "customs.invalid_declaration_number",
                f"{data.number!r} is not a declaration number (3-40 letters, digits or '-')",
            )
        )
    uscc = _field(problems, "exporter_uscc", lambda: validate_uscc(data.exporter_uscc))
    license_number = license_number_of(data.license_number, problems)
    destination = _field(problems, "destination", lambda: export_destination(data.destination))
    destination_code = destination.alpha2 if destination is not None else None
    consignee_name = " ".join(data.consignee.name.split())
    if not consignee_name or len(consignee_name) > MAX_NAME_LENGTH:
        problems.append(
            Problem(
                "consignee.name",
                "customs.consignee_required",
                f"the consignee needs a name of 1-{MAX_NAME_LENGTH} characters",
            )
        )
    consignee_country = _country(problems, "consignee.country", data.consignee.country)
    port = " ".join(data.port.split())
    if not port or len(port) > MAX_PORT_LENGTH:
        problems.append(
            Problem(
                "port",
                "customs.port_required",
                f"the port of export needs a name of 1-{MAX_PORT_LENGTH} characters",
            )
        )
    declared_on = data.declared_date or today
    if declared_on > today:
        problems.append(
            Problem(
                "declared_date",
                "customs.declared_date_in_future",
                f"declared date {declared_on.isoformat()} is after today {today.isoformat()}",
            )
        )
    clearance_on = data.clearance_date
    if clearance_on is not None and clearance_on < declared_on:
        problems.append(
            Problem(
                "clearance_date",
                "customs.clearance_before_declaration",
                f"clearance date {clearance_on.isoformat()} is before the declared date "
                f"{declared_on.isoformat()}",
            )
        )
    elif clearance_on is not None and clearance_on > today:
        problems.append(
            Problem(
                "clearance_date",
                "customs.clearance_date_in_future",
                f"clearance date {clearance_on.isoformat()} is after today {today.isoformat()}",
            )
        )
    lines = validate_lines(data.lines, max_kg=max_kg, control_list=control_list, into=problems)
    if problems:
        raise InvalidDeclaration(problems)
    assert uscc is not None
    assert destination_code is not None
    assert consignee_country is not None
    return DeclarationDraft(
        number=number,
        exporter_uscc=uscc,
        license_number=license_number,
        destination=destination_code,
        consignee_name=consignee_name,
        consignee_country=consignee_country,
        port=port,
        declared_on=declared_on,
        clearance_on=clearance_on,
        lines=tuple(lines),
        declared_as_sent=data.declared_date,
    )


def validate_lines(
    lines: list[DeclarationLineIn],
    *,
    max_kg: Decimal,
    control_list: ControlList,
    into: list[Problem],
) -> list[LineDraft]:
    """Lines numbered from 1 in order; problems are appended to ``into``."""
    drafts: list[LineDraft] = []
    for line_no, line in enumerate(lines, start=1):
        draft = _line(line_no, line, max_kg=max_kg, control_list=control_list, into=into)
        if draft is not None:
            drafts.append(draft)
    return drafts


def _line(
    line_no: int,
    line: DeclarationLineIn,
    *,
    max_kg: Decimal,
    control_list: ControlList,
    into: list[Problem],
) -> LineDraft | None:
    before = len(into)

    def problem(field: str, code: str, message: str) -> None:
        into.append(Problem(field, code, message, line_no))

    hs = _field(into, "hs_code", lambda: normalise_hs_code(line.hs_code), line_no=line_no)
    if hs is not None and not in_scope(hs, control_list):
        problem(
            "hs_code",
            "customs.unknown_hs_code",
            f"HS {hs} is not a rare-earth tariff line (2805.30, 2846, 8505.1110 or a control "
            "list cross-walk code)",
        )
    control_code: str | None = None
    if line.control_code:
        code = line.control_code
        entry = _field(into, "control_code", lambda: control_list.get(code), line_no=line_no)
        control_code = entry.code if entry is not None else None
    net_kg = _figure(line.net_kg, "net_kg", "net weight", problem)
    if net_kg is None:
        pass  # not a number: the problem is recorded
    elif net_kg <= 0:
        problem(
            "net_kg", "customs.weight_not_positive", f"net weight must be above 0 kg, got {net_kg}"
        )
    elif net_kg > max_kg:
        problem(
            "net_kg",
            "customs.weight_absurd",
            f"net weight {net_kg} kg exceeds the plausible maximum of {max_kg} kg",
        )
    elif net_kg != net_kg.quantize(GRAM):
        problem(
            "net_kg",
            "customs.invalid_weight",
            f"net weight {net_kg} kg has more than 3 decimals (gram precision)",
        )
    value = _figure(line.fob_value, "fob_value", "FOB value", problem)
    if value is not None and (value < 0 or value > MAX_VALUE or value != value.quantize(CENT)):
        problem(
            "fob_value",
            "customs.invalid_value",
            f"FOB value {line.fob_value!r} must be a non-negative amount with at most 2 decimals",
        )
    currency = line.currency.strip().upper()
    if pycountry.currencies.get(alpha_3=currency) is None:
        problem("currency", "customs.unknown_currency", f"unknown currency {line.currency!r}")
    if len(into) > before:
        return None
    assert hs is not None
    assert net_kg is not None
    assert value is not None
    return LineDraft(
        line_no=line_no,
        hs_code=hs,
        control_code=control_code,
        description=" ".join(line.description.split()),
        net_kg=net_kg.quantize(GRAM),
        fob_value=value.quantize(CENT),
        currency=currency,
    )


def _figure(
    raw: Decimal | str, field: str, what: str, problem: Callable[[str, str, str], None]
) -> Decimal | None:
    """The figure read by the one number rule (``rarex.quantities``), or None with the problem
    recorded on its field ("abc", "NaN", "1e3", "12,5" and "1_000" are not numbers)."""
    try:
        return parse_amount(raw)
    except NotANumber as exc:
        problem(field, exc.code, f"{what} {exc}")
        return None


def _country(problems: list[Problem], field: str, raw: str) -> str | None:
    country = _field(problems, field, lambda: normalize_country(raw))
    return country.alpha2 if country is not None else None


def _field(
    problems: list[Problem], field: str, parse: Callable[[], T], *, line_no: int | None = None
) -> T | None:
    """Run ``parse``; a DomainError becomes a Problem on ``field`` and the result None."""
    try:
        return parse()
    except DomainError as exc:
        problems.append(Problem(field, exc.code, exc.message, line_no))
        return None
