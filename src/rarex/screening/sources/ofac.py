"""OFAC SDN in the legacy CSV layout: ``sdn.csv`` (one row per entity), ``alt.csv`` (aliases)
and ``add.csv`` (addresses), no header, ``-0-`` for empty, rows joined on the entity number.

The shipped 2021 files are ASCII with CRLF line ends and a DOS end-of-file mark; older
downloads carry cp1252 accents, so a file with no UTF-8 in it is read as cp1252 (noted).
Weak aliases are not in ``alt.csv`` in this layout but in the remarks, as ``a.k.a. 'NAME'``;
they are taken from there as ``WEAK_ALIAS``.
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
    unique,
    where,
)
from rarex.screening.sources._countries import country_code

SOURCE = "ofac-sdn"
FORMAT = "ofac-sdn"
LIST_NAME = "SDN"
SDN_COLUMNS = (
    "ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign",
    "Vess_type", "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks",
)  # fmt: skip
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD_COLUMNS = ("ent_num", "add_num", "Address", "City/State/Province/Postal Code", "Country",
               "Add_remarks")  # fmt: skip

_KINDS = {
    "": PartyKind.ORGANIZATION,  # OFAC leaves the type empty (-0-) for entities
    "individual": PartyKind.PERSON,
    "vessel": PartyKind.VESSEL,
    "aircraft": PartyKind.AIRCRAFT,
}
_ALT_ROLES = {"aka": NameRole.ALIAS, "nka": NameRole.ALIAS, "fka": NameRole.FORMER}
_REMARK_ALIAS = re.compile(r"\b([afn])\.k\.a\.,? '(.+?)'(?=[.;,]|\s*$)")
_EXTRA = (
    ("title", 4),
    ("vessel_type", 6),
    ("tonnage", 7),
    ("grt", 8),
    ("vessel_flag", 9),
    ("vessel_owner", 10),
)
_IMO = re.compile(r"\bIMO (\d{7})\b")
_MMSI = re.compile(r"\bMMSI (\d{9})\b")


@dataclass
class _Entity:
    line: int
    row: list[str]
    names: NameList
    addresses: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


def _value(field_: str) -> str:
    value = clean(field_)
    return "" if value == "-0-" else value


def _ent_num(value: str, at: str) -> str:
    text = value.strip()
    if not text.isdigit():
        raise MalformedList(f"entity number {text!r} is not a number", where=at)
    return str(int(text))


def parse_ofac_sdn(
    sdn: bytes,
    *,
    alt: bytes | None = None,
    add: bytes | None = None,
    progress: Progress | None = None,
) -> ParsedList:
    """The SDN list from ``sdn.csv`` and, when given, its ``alt.csv`` and ``add.csv``.

    An alias or address row for an entity number the main file lacks is refused: it means
    the three files are not of one release. Repeated alias/address rows are merged.
    """
    notes = Notes()
    text, encoding = decode(sdn, legacy="cp1252", label="sdn file")
    entities: dict[str, _Entity] = {}
    for line, row in csv_records(text, label="sdn file", progress=progress):
        check_width(row, len(SDN_COLUMNS), line, label="sdn file")
        ent = _ent_num(row[0], where(line, "ent_num", label="sdn file"))
        if ent in entities:
            raise MalformedList(
                f"entity {ent} repeats line {entities[ent].line}",
                where=where(line, "ent_num", label="sdn file"),
                code="lists.duplicate_entry",
            )
        names = NameList()
        names.add(_value(row[1]), NameRole.PRIMARY, raw=row[1])
        if not names:
            raise MalformedList(
                "the name is empty", where=where(line, "SDN_Name", label="sdn file")
            )
        kind_key = _value(row[2]).lower()
        if kind_key not in _KINDS:
            raise MalformedList(
                f"unknown SDN type {row[2]!r}", where=where(line, "SDN_Type", label="sdn file")
            )
        entity = _Entity(line=line, row=row, names=names)
        flag = _value(row[9])
        if flag:
            entity.countries.append(
                country_code(flag, where(line, "Vess_flag", label="sdn file"), notes) or ""
            )
        entities[ent] = entity
    if not entities:
        raise MalformedList("no entities", where=where(1, label="sdn file"))
    for label, data, columns in (("alt file", alt, ALT_COLUMNS), ("add file", add, ADD_COLUMNS)):
        if data is None:
            continue
        body, file_encoding = decode(data, legacy="cp1252", label=label)
        if file_encoding != "utf-8":
            encoding = file_encoding
        for line, row in csv_records(body, label=label, progress=progress):
            check_width(row, len(columns), line, label=label)
            ent = _ent_num(row[0], where(line, "ent_num", label=label))
            found = entities.get(ent)
            if found is None:
                raise MalformedList(
                    f"entity {ent} is not in the sdn file (files of different releases?)",
                    where=where(line, "ent_num", label=label),
                )
            if columns is ALT_COLUMNS:
                _add_alias(found, row, where(line, label=label))
            else:
                _add_address(found, row, where(line, "Country", label=label), notes)
    if encoding != "utf-8":
        notes.plain(f"read as {encoding}: the files hold no UTF-8")
    entries = [_entry(ent, entity, notes) for ent, entity in entities.items()]
    return build_result(source=SOURCE, fmt=FORMAT, entries=entries, notes=notes, encoding=encoding)


def _add_alias(entity: _Entity, row: list[str], at: str) -> None:
    kind = _value(row[2]).lower()
    if "weak" in kind:
        role = NameRole.WEAK_ALIAS
    elif kind in _ALT_ROLES:
        role = _ALT_ROLES[kind]
    else:
        raise MalformedList(f"unknown alias type {row[2]!r}", where=f'{at}, column "alt_type"')
    name = _value(row[3])
    if not name:
        raise MalformedList("the alias is empty", where=f'{at}, column "alt_name"')
    entity.names.add(name, role, raw=row[3])


def _add_address(entity: _Entity, row: list[str], at: str, notes: Notes) -> None:
    parts = [_value(row[2]), _value(row[3]), _value(row[4])]
    address = ", ".join(p for p in parts if p)
    if address:
        entity.addresses.append(address)
    country = _value(row[4])
    if country:
        entity.countries.append(country_code(country, at, notes) or "")


def _entry(ent: str, entity: _Entity, notes: Notes) -> ListEntry:
    row = entity.row
    remarks = _value(row[11])
    for match in _REMARK_ALIAS.finditer(remarks):
        role = NameRole.FORMER if match[1] == "f" else NameRole.WEAK_ALIAS
        entity.names.add(match[2], role)
    identifiers: list[str] = []
    if _value(row[5]):
        identifiers.append(f"Call Sign {_value(row[5])}")
    identifiers += [f"IMO {m}" for m in _IMO.findall(remarks)]
    identifiers += [f"MMSI {m}" for m in _MMSI.findall(remarks)]
    programs = [clean(p) for p in re.split(r"\]\s*\[", _value(row[3]).strip("[]"))]
    extra = [(key, _value(row[index])) for key, index in _EXTRA if _value(row[index])]
    return ListEntry(
        source=SOURCE,
        entry_id=ent,
        list_name=LIST_NAME,
        kind=_KINDS[_value(row[2]).lower()],
        names=entity.names.result(),
        countries=unique(entity.countries),
        addresses=unique(entity.addresses),
        identifiers=unique(identifiers),
        programs=unique(programs),
        remarks=remarks or None,
        extra=tuple(extra),
    )
