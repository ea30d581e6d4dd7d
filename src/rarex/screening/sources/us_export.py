"""The US consolidated export screening lists as CSV (``list,list_entry_id,name,entity_type,
address,country,identifiers,date_added``): Entity List, MEU, UVL, CMIC, ISN, ITAR debarred.

One row per name; rows sharing ``list_entry_id`` are one entry, joined whatever their order
in the file: the first row of an entry gives its primary name, the others are aliases, with
the connective the list leaves in front of them ("and JSC 140 Repair Plant", "DBA …",
"F.K.A. …") taken off. A cell's clutter is taken apart by ``us_export_names.split_cell``
(lost characters, "Affiliated Entity:" and "Subordinate Institution -" cells, "and any
successor" tails, a.k.a. inside a cell, places after the legal form): the name the cell is
about keeps the row's role, the other names it holds become aliases, the parent it names
becomes an ``extra`` fact, and every name keeps the cell as its ``raw``. Each kind of clutter
found is counted in the notes. Entries come out sorted by list and id, so a file whose
entries are re-ordered gives the same result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rarex.screening.errors import MalformedList
from rarex.screening.records import ListEntry, NameRole, PartyKind
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
    parse_iso_date,
    read_header,
    unique,
    where,
)
from rarex.screening.sources._countries import country_code
from rarex.screening.sources.us_export_names import split_cell

SOURCE = "us-export"
FORMAT = "us-export-csv"
COLUMNS = (
    "list", "list_entry_id", "name", "entity_type", "address", "country", "identifiers",
    "date_added",
)  # fmt: skip
_KINDS = {
    "": PartyKind.UNKNOWN,
    "entity": PartyKind.ORGANIZATION,
    "organization": PartyKind.ORGANIZATION,
    "individual": PartyKind.PERSON,
    "person": PartyKind.PERSON,
    "vessel": PartyKind.VESSEL,
    "aircraft": PartyKind.AIRCRAFT,
}
_FORMER = re.compile(r"^(?:f\.?k\.?a\.?|formerly(?: known as)?)[:,]?\s+", re.IGNORECASE)
_ALIAS = re.compile(
    r"^(?:and|or|a\.k\.a\.?|aka|also known as|d/b/a|dba|n\.k\.a\.?|t/a)[:,]?\s+|"
    r"^(?:A\.K\.A\.?|AKA|D/B/A|DBA|N\.K\.A\.?)[:,]?\s+"
)
_ID_LABELS = {
    "Unified Social Credit Code (USCC)": "USCC",
    "ISIN": "ISIN",
    "Equity Ticker": "Ticker",
    "Legal Entity Number": "LEI",
    "Business Registration Number": "Business Registration Number",
    "Company Number": "Company Number",
    "C.R. No.": "C.R. No.",
}


@dataclass
class _Group:
    line: int
    row: dict[str, str]
    names: NameList = field(default_factory=NameList)
    parents: list[str] = field(default_factory=list)


def parse_us_export(data: bytes, *, progress: Progress | None = None) -> ParsedList:
    """Every entry of a US export-lists CSV file (UTF-8, BOM tolerated).

    A ``list_entry_id`` whose rows disagree on the list is refused at the disagreeing row:
    an id names one entry of one list.
    """
    notes = Notes()
    text, encoding = decode(data)
    records = csv_records(text, progress=progress)
    header_line, index, width = read_header(records, COLUMNS)
    groups: dict[str, _Group] = {}
    for line, fields in records:
        check_width(fields, width, line)
        row = {name: clean(fields[index[name]]) for name in COLUMNS}
        for required in ("list", "list_entry_id", "name"):
            if not row[required]:
                raise MalformedList(f"{required} is empty", where=where(line, required))
        group = groups.get(row["list_entry_id"])
        first = group is None
        if group is None:
            group = groups[row["list_entry_id"]] = _Group(line, row)
        elif group.row["list"] != row["list"]:
            raise MalformedList(
                f"entry {row['list_entry_id']} is on {group.row['list']!r} at line "
                f"{group.line}, here on {row['list']!r}",
                where=where(line, "list"),
                code="lists.duplicate_entry",
            )
        _add_names(group, row["name"], fields[index["name"]], first=first, notes=notes, line=line)
    if not groups:
        raise MalformedList("no rows after the header", where=where(header_line + 1))
    entries = [_entry(key, group, notes) for key, group in groups.items()]
    entries.sort(key=lambda e: (e.list_name, e.entry_id))
    return build_result(source=SOURCE, fmt=FORMAT, entries=entries, notes=notes, encoding=encoding)


def _add_names(
    group: _Group, text: str, cell: str, *, first: bool, notes: Notes, line: int
) -> None:
    """The names of one row: on an entry's first row the cell names the primary, on the others
    an alias (a former name after "f.k.a."), each with the connective in front ("and …") and
    the clutter of its cell taken off."""
    role = NameRole.PRIMARY
    if not first:
        stripped = _FORMER.sub("", text, count=1)
        role = NameRole.FORMER if stripped != text else NameRole.ALIAS
        text = stripped if stripped != text else _ALIAS.sub("", text, count=1)
    else:  # rows come in any order: "and Second Planning Department" may be an entry's first
        text = _ALIAS.sub("", text, count=1) or text
    names = split_cell(text)
    for kind in names.found:
        notes.add(f"name clutter: {kind}", where(line, "name"))
    group.names.add(names.main, role, raw=cell)
    for alias in names.aliases:
        group.names.add(alias, NameRole.ALIAS, raw=cell)
    for former in names.former:
        group.names.add(former, NameRole.FORMER, raw=cell)
    if names.parent is not None:
        group.parents.append(names.parent)


def _entry(entry_id: str, group: _Group, notes: Notes) -> ListEntry:
    row, line = group.row, group.line
    kind = _KINDS.get(row["entity_type"].lower())
    if kind is None:
        notes.add(f"unknown entity_type {row['entity_type']!r} read as unknown", where(line))
        kind = PartyKind.UNKNOWN
    countries: list[str] = []
    if row["country"]:
        countries.append(country_code(row["country"], where(line, "country"), notes) or "")
    addresses = [clean(a) for a in row["address"].split(";")]
    for address in addresses:
        # BIS ends each address with the country's alpha-2 code: "…, Shenzhen, 518129, CN".
        tail = address.rsplit(",", 1)[-1].strip()
        if len(tail) == 2 and tail.isupper():
            countries.append(country_code(tail, where(line, "address"), notes) or "")
    identifiers, extra = _identifiers(row["identifiers"], group.names)
    extra += tuple(("parent", parent) for parent in unique(group.parents))
    return ListEntry(
        source=SOURCE,
        entry_id=entry_id,
        list_name=row["list"],
        kind=kind,
        names=group.names.result(),
        countries=unique(countries),
        addresses=unique(addresses),
        identifiers=identifiers,
        programs=(row["list"],),
        listed_on=parse_iso_date(row["date_added"], where(line, "date_added"), notes),
        extra=extra,
    )


def _identifiers(text: str, names: NameList) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """``"CN, 9111…, Unified Social Credit Code (USCC); 600677 CN, Equity Ticker; …"``: codes
    become identifiers ("USCC 9111…"), the issuer name an alias, dates and the rest extra."""
    identifiers: list[str] = []
    extra: list[tuple[str, str]] = []
    for item in (clean(i) for i in text.split(";")):
        if not item:
            continue
        value, _, kind = item.rpartition(", ")
        if not value:
            extra.append(("identifier", item))
        elif kind in _ID_LABELS:
            code = value.rsplit(", ", 1)[-1]  # "CN, 9111…": the country is the prefix
            identifiers.append(f"{_ID_LABELS[kind]} {code}")
        elif kind == "Issuer Name":
            names.add(value, NameRole.ALIAS)
        else:
            extra.append((kind, value))
    return unique(identifiers), tuple(extra)
