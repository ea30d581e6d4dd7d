"""BIS Denied Persons List: tab-separated, every field quoted, one row per (order, address).

The list has no identifier. A denial order is one party, named once and dated once, that BIS
repeats for each of its addresses; rows with the same name (whitespace and case aside) and the
same effective date are therefore one entry with several addresses, and its id is a digest
of that pair, stable as long as the order is. The same name under another effective date is
another order, another entry.

The expiration date becomes a dated ``REMOVED`` status change whether it is past or future:
the parser never reads the clock (the same bytes must give the same entries), and
``ListEntry.status_on`` answers for any screening date.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from rarex.screening.errors import MalformedList
from rarex.screening.records import ListEntry, ListStatus, NameRole, PartyKind, StatusChange
from rarex.screening.sources._common import (
    NameList,
    Notes,
    ParsedList,
    Progress,
    build_result,
    check_width,
    clean,
    csv_records,
    decode,
    parse_us_date,
    read_header,
    unique,
    where,
)
from rarex.screening.sources._countries import country_code

SOURCE = "bis-dpl"
FORMAT = "bis-dpl"
LIST_NAME = "Denied Persons List"
COLUMNS = (
    "Name", "Street_Address", "City", "State", "Country", "Postal_Code",
    "Effective_Date", "Expiration_Date", "Standard_Order", "Last_Update", "Action", "FR_Citation",
)  # fmt: skip

_EXTRA = (
    ("fr_citation", "FR_Citation"),
    ("action", "Action"),
    ("standard_order", "Standard_Order"),
    ("last_update", "Last_Update"),
)


@dataclass
class _Order:
    line: int
    name: str
    raw_name: str  # the cell as written: kept with the name when cleaning changed it
    effective: date | None
    expiration: date | None
    fields: dict[str, str]
    addresses: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


def parse_bis_dpl(data: bytes, *, progress: Progress | None = None) -> ParsedList:
    """Every denial order of a DPL file; ASCII in every release seen, cp1252 accepted for a
    file with no UTF-8 in it."""
    notes = Notes()
    text, encoding = decode(data, legacy="cp1252")
    records = csv_records(text, delimiter="\t", progress=progress)
    header_line, index, width = read_header(records, COLUMNS)
    orders: dict[str, _Order] = {}
    for line, row in records:
        check_width(row, width, line)
        fields = {name: clean(row[i]) for name, i in index.items()}
        name = fields["Name"]
        if not name:
            raise MalformedList("the name is empty", where=where(line, "Name"))
        effective = parse_us_date(fields["Effective_Date"], where(line, "Effective_Date"), notes)
        expiration = parse_us_date(fields["Expiration_Date"], where(line, "Expiration_Date"), notes)
        key = f"{name.upper()}|{effective.isoformat() if effective else ''}"
        entry_id = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
        order = orders.get(entry_id)
        if order is None:
            order = orders[entry_id] = _Order(
                line, name, row[index["Name"]], effective, expiration, fields
            )
        elif expiration and (order.expiration is None or expiration > order.expiration):
            order.expiration = expiration  # a renewed order: the later expiry holds
        parts = ("Street_Address", "City", "State", "Postal_Code", "Country")
        address = ", ".join(fields[p] for p in parts if fields[p])
        if address:
            order.addresses.append(address)
        if fields["Country"]:
            order.countries.append(
                country_code(fields["Country"], where(line, "Country"), notes) or ""
            )
    if not orders:
        raise MalformedList("no rows after the header", where=where(header_line + 1))
    if encoding != "utf-8":
        notes.plain(f"read as {encoding}: the file holds no UTF-8")
    entries = [_entry(entry_id, order) for entry_id, order in orders.items()]
    return build_result(source=SOURCE, fmt=FORMAT, entries=entries, notes=notes, encoding=encoding)


def _entry(entry_id: str, order: _Order) -> ListEntry:
    names = NameList()
    names.add(order.raw_name, NameRole.PRIMARY)
    changes: tuple[StatusChange, ...] = ()
    if order.expiration is not None:
        changes = (
            StatusChange(ListStatus.REMOVED, order.expiration, "expiration of the denial order"),
        )
    extra = [(key, order.fields[column]) for key, column in _EXTRA if order.fields[column]]
    return ListEntry(
        source=SOURCE,
        entry_id=entry_id,
        list_name=LIST_NAME,
        kind=PartyKind.UNKNOWN,  # persons and firms alike, the file does not say which
        names=names.result(),
        countries=unique(order.countries),
        addresses=unique(order.addresses),
        effective_on=order.effective,
        status_changes=changes,
        extra=tuple(extra),
    )
