"""UN Security Council consolidated list, XML (``CONSOLIDATED_LIST``): ``INDIVIDUAL`` and
``ENTITY`` records with aliases of graded quality and names in their original script.

Read with expat directly rather than ElementTree so that every record knows the line it
starts at: a refusal names ``line 42390, element ENTITY[1]/FIRST_NAME``, and a syntax error
(a truncated file, a byte that is not UTF-8) the line and column expat stopped at. Entity
declarations are refused outright: the UN never uses them and they are how XML bombs work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.parsers import expat

from rarex.screening.errors import MalformedList
from rarex.screening.records import ListEntry, NameRole, PartyKind
from rarex.screening.sources._common import (
    NameList,
    Notes,
    ParsedList,
    Progress,
    build_result,
    clean,
    guess_lang,
    parse_iso_date,
    unique,
)
from rarex.screening.sources._countries import country_code

SOURCE = "un-sc"
FORMAT = "un-xml"
LIST_NAME = "UN Security Council Consolidated List"
_RECORDS = {"INDIVIDUAL": PartyKind.PERSON, "ENTITY": PartyKind.ORGANIZATION}
_QUALITY = {
    "": NameRole.ALIAS,
    "good": NameRole.ALIAS,
    "a.k.a.": NameRole.ALIAS,
    "low": NameRole.WEAK_ALIAS,
    "f.k.a.": NameRole.FORMER,
}
_CHUNK = 1 << 20


@dataclass(slots=True)
class _Node:
    tag: str
    line: int
    text: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)

    def value(self) -> str:
        return clean(self.raw())

    def raw(self) -> str:
        return "".join(self.text)

    def find(self, tag: str) -> _Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list[_Node]:
        return [c for c in self.children if c.tag == tag]

    def get(self, tag: str) -> str:
        node = self.find(tag)
        return node.value() if node is not None else ""

    def get_raw(self, tag: str) -> str:
        node = self.find(tag)
        return node.raw().strip() if node is not None else ""


class _Reader:
    """expat callbacks: builds one small tree per record and turns it into an entry at its
    end tag, so memory stays at one record whatever the file's size."""

    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.notes = Notes()
        self.entries: list[ListEntry] = []
        self.seen: dict[str, int] = {}
        self.counters = {tag: 0 for tag in _RECORDS}
        self.stack: list[_Node] = []
        self.record: _Node | None = None
        self.depth = 0
        self.root: str | None = None
        self.published_at: datetime | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        line = self.parser.CurrentLineNumber
        if self.root is None:
            self.root = tag
            if tag != "CONSOLIDATED_LIST":
                raise MalformedList(
                    "the root element is not CONSOLIDATED_LIST", where=f"line {line}, element {tag}"
                )
            self.published_at = _generated(attrs.get("dateGenerated"), line, self.notes)
        if self.record is None:
            if tag in _RECORDS and self.depth == 3:
                self.counters[tag] += 1
                self.record = _Node(tag, line)
                self.stack = [self.record]
            return
        node = _Node(tag, line)
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def end(self, tag: str) -> None:
        self.depth -= 1
        if self.record is None:
            return
        self.stack.pop()
        if not self.stack:
            record, self.record = self.record, None
            self.entries.append(self._entry(record))

    def data(self, text: str) -> None:
        if self.stack:
            self.stack[-1].text.append(text)

    def refuse_entities(self, *_args: object) -> None:
        raise MalformedList(
            "entity declarations are not allowed in a list file",
            where=f"line {self.parser.CurrentLineNumber}",
        )

    def _path(self, record: _Node, child: str | None = None, line: int | None = None) -> str:
        path = f"element {record.tag}[{self.counters[record.tag]}]"
        return f"line {line or record.line}, {path}" + (f"/{child}" if child else "")

    def _entry(self, record: _Node) -> ListEntry:
        entry_id = record.get("REFERENCE_NUMBER") or record.get("DATAID")
        if not entry_id:
            raise MalformedList("no REFERENCE_NUMBER or DATAID", where=self._path(record))
        if entry_id in self.seen:
            raise MalformedList(
                f"{entry_id} repeats the record at line {self.seen[entry_id]}",
                where=self._path(record, "REFERENCE_NUMBER"),
                code="lists.duplicate_entry",
            )
        self.seen[entry_id] = record.line
        parts = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
        names = NameList()
        names.add(
            " ".join(record.get(p) for p in parts if record.get(p)),
            NameRole.PRIMARY,
            raw=" ".join(record.get_raw(p) for p in parts if record.get(p)),
        )
        if not names:
            first = record.find("FIRST_NAME")
            at = self._path(record, "FIRST_NAME", first.line if first else None)
            raise MalformedList("the name is empty", where=at)
        for alias in record.all(f"{record.tag}_ALIAS"):
            quality = alias.get("QUALITY").lower()
            role = _QUALITY.get(quality, NameRole.ALIAS)
            names.add(alias.get("ALIAS_NAME"), role, raw=alias.get_raw("ALIAS_NAME"))
        for original in record.all("NAME_ORIGINAL_SCRIPT"):
            script = original.value()
            names.add(script, NameRole.ALIAS, guess_lang(script), raw=original.raw())
        countries: list[str] = []
        for nationality in record.all("NATIONALITY"):
            for value in nationality.all("VALUE"):
                at = self._path(record, "NATIONALITY", value.line)
                countries.append(country_code(value.value(), at, self.notes) or "")
        addresses: list[str] = []
        for address in record.all(f"{record.tag}_ADDRESS"):
            fields = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
            addresses.append(", ".join(address.get(f) for f in fields if address.get(f)))
            if address.get("COUNTRY"):
                at = self._path(record, f"{record.tag}_ADDRESS/COUNTRY", address.line)
                countries.append(country_code(address.get("COUNTRY"), at, self.notes) or "")
        identifiers = []
        for document in record.all(f"{record.tag}_DOCUMENT"):
            number = document.get("NUMBER")
            if number:
                kind = document.get("TYPE_OF_DOCUMENT") or "Document"
                issuer = document.get("ISSUING_COUNTRY") or document.get("COUNTRY_OF_ISSUE")
                identifiers.append(f"{kind} {number}" + (f" ({issuer})" if issuer else ""))
        listed_node = record.find("LISTED_ON")
        listed = parse_iso_date(
            record.get("LISTED_ON"),
            self._path(record, "LISTED_ON", listed_node.line if listed_node else None),
            self.notes,
        )
        return ListEntry(
            source=SOURCE,
            entry_id=entry_id,
            list_name=LIST_NAME,
            kind=_RECORDS[record.tag],
            names=names.result(),
            countries=unique(countries),
            addresses=unique(addresses),
            identifiers=unique(identifiers),
            programs=unique([record.get("UN_LIST_TYPE")]),
            listed_on=listed,
            remarks=record.get("COMMENTS1") or None,
            extra=_extra(record),
        )


def _generated(value: str | None, line: int, notes: Notes) -> datetime | None:
    """The release's ``dateGenerated`` (``2026-02-27T00:00:09.554Z``), UTC when it names no
    zone; a value that is not a time is noted and left out, never a reason to refuse a list."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        notes.add(f"dateGenerated {value!r} is not a time; kept out", f"line {line}")
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _extra(record: _Node) -> tuple[tuple[str, str], ...]:
    extra: list[tuple[str, str]] = []
    for tag, key in (("TITLE", "title"), ("DESIGNATION", "designation")):
        for node in record.all(tag):
            values = [v.value() for v in node.all("VALUE") if v.value()]
            if values:
                extra.append((key, "; ".join(values)))
    births = []
    for birth in record.all("INDIVIDUAL_DATE_OF_BIRTH"):
        value = birth.get("DATE") or birth.get("YEAR")
        if not value and birth.get("FROM_YEAR"):
            value = f"{birth.get('FROM_YEAR')}-{birth.get('TO_YEAR')}"
        if value:
            births.append(value)
    if births:
        extra.append(("date_of_birth", "; ".join(unique(births))))
    if record.get("GENDER"):
        extra.append(("gender", record.get("GENDER")))
    if record.get("DATAID"):
        extra.append(("dataid", record.get("DATAID")))
    return tuple(extra)


def parse_un_xml(data: bytes, *, progress: Progress | None = None) -> ParsedList:
    """Every INDIVIDUAL and ENTITY of a UN consolidated list file.

    Entry ids are the UN reference numbers (``CDi.001``), stable across releases. The
    encoding is what the XML declaration says (UTF-8 in every UN release); a byte the
    declared encoding cannot read is refused with its line and column.
    """
    if not data.strip():
        raise MalformedList("the file is empty", where="line 1")
    parser = expat.ParserCreate()
    reader = _Reader(parser)
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.data
    parser.EntityDeclHandler = reader.refuse_entities
    parser.buffer_text = True
    total = len(data)
    try:
        for offset in range(0, total, _CHUNK):
            parser.Parse(data[offset : offset + _CHUNK], False)
            if progress is not None:
                progress(min(offset + _CHUNK, total), total)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise MalformedList(
            f"not well-formed XML: {expat.ErrorString(exc.code)}",
            where=f"line {exc.lineno}, column {exc.offset + 1} (byte {parser.ErrorByteIndex})",
            code="lists.bad_xml",
        ) from None
    except (LookupError, ValueError) as exc:
        # The XML declaration names an encoding Python has no codec for, or a multi-byte
        # one expat cannot take ("encoding='TF-8'", "GB18030").
        raise MalformedList(
            f"the declared encoding cannot be read: {exc}",
            where=f"line {parser.CurrentLineNumber}",
            code="lists.bad_encoding",
        ) from None
    if not reader.entries:
        raise MalformedList("no INDIVIDUAL or ENTITY records", where=f"element {reader.root}")
    return build_result(
        source=SOURCE,
        fmt=FORMAT,
        entries=reader.entries,
        notes=reader.notes,
        published_at=reader.published_at,
    )
