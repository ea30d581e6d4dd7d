"""Plumbing shared by the list parsers: bytes to text, CSV records with their line, names,
dates, notes, and the result type (countries are in ``_countries``).

Pure: no I/O, no clock. Every refusal is a :class:`MalformedList` whose ``where`` is what a
person opens the file at (``line 12, column "name"``); nothing half-parsed escapes a parser.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from rarex.screening.errors import MalformedList
from rarex.screening.records import EntryName, ListEntry, NameRole

Progress = Callable[[int, int | None], None]
"""Called with (done, total) as a parse advances; units are lines (bytes for XML), total may
be None when unknown. Only the ratio is meaningful."""

PROGRESS_EVERY = 2000  # records between two progress calls: often enough for a bar, cheap


@dataclass(frozen=True, slots=True)
class ListCount:
    entities: int
    names: int


@dataclass(frozen=True, slots=True)
class ParsedList:
    """One list file (or file set) read completely: what an import stores as a version.

    ``counts`` holds, per ``list_name`` (sorted), the number of entries and of their names;
    ``notes`` says what was read but kept out (unknown country names, implausible dates,
    skipped records) so an import can show it instead of failing on it. ``published_at`` is
    when the list's publisher made the file, where the file says so (the UN's
    ``dateGenerated``); None for formats that carry no such date.
    """

    source: str
    format: str
    entries: tuple[ListEntry, ...]
    counts: tuple[tuple[str, ListCount], ...]
    notes: tuple[str, ...] = ()
    encoding: str = "utf-8"
    published_at: datetime | None = None

    @property
    def counts_by_list(self) -> dict[str, ListCount]:
        return dict(self.counts)

    @property
    def total(self) -> ListCount:
        return ListCount(
            entities=sum(c.entities for _, c in self.counts),
            names=sum(c.names for _, c in self.counts),
        )


def build_result(
    *,
    source: str,
    fmt: str,
    entries: Sequence[ListEntry],
    notes: Notes,
    encoding: str = "utf-8",
    published_at: datetime | None = None,
) -> ParsedList:
    entities: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for entry in entries:
        entities[entry.list_name] += 1
        names[entry.list_name] += len(entry.names)
    counts = tuple(
        (name, ListCount(entities=entities[name], names=names[name])) for name in sorted(entities)
    )
    return ParsedList(
        source=source,
        format=fmt,
        entries=tuple(entries),
        counts=counts,
        notes=notes.render(),
        encoding=encoding,
        published_at=published_at,
    )


# -- where ------------------------------------------------------------------------------


def where(line: int, column: str | None = None, *, label: str | None = None) -> str:
    """``line 12``, ``line 12, column "name"``, ``alt file, line 12``."""
    text = f"line {line}"
    if column is not None:
        text += f', column "{column}"'
    return f"{label}, {text}" if label else text


# -- notes ------------------------------------------------------------------------------


class Notes:
    """Warnings of one parse, each kind counted once with the place it was first seen, so a
    list with 500 rows naming "undetermined" gives one note, not 500."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[int, str]] = {}
        self._plain: list[str] = []

    def add(self, message: str, at: str) -> None:
        count, first = self._seen.get(message, (0, at))
        self._seen[message] = (count + 1, first)

    def plain(self, message: str) -> None:
        self._plain.append(message)

    def render(self) -> tuple[str, ...]:
        out = list(self._plain)
        for message, (count, first) in self._seen.items():
            times = f"{count} times, first" if count > 1 else "once,"
            out.append(f"{message} ({times} at {first})")
        return tuple(out)


# -- bytes to text ----------------------------------------------------------------------

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def decode(data: bytes, *, legacy: str | None = None, label: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding it was read as.

    UTF-8, with a BOM tolerated and a trailing DOS end-of-file mark (``\\x1a``, which the OFAC
    legacy files carry) dropped. With ``legacy`` (e.g. ``"cp1252"``) a file that is not UTF-8
    *and holds no UTF-8 multi-byte sequence at all* is read in that code page: old US
    government files were written that way, while a UTF-8 file with one broken byte is damage,
    not a code page, and is refused at that byte. An empty file is refused.
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    body = body.rstrip(b"\x1a")
    if not body.strip():
        raise MalformedList("the file is empty", where=where(1, label=label))
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if legacy is not None and _UTF8_MULTIBYTE.search(body) is None:
        try:
            return body.decode(legacy), legacy
        except UnicodeDecodeError as exc:
            utf8_error = exc
    offset = utf8_error.start
    line = body.count(b"\n", 0, offset) + 1
    in_file = offset + (len(data) - len(data.removeprefix(b"\xef\xbb\xbf")))
    allowed = "UTF-8" + (f" or {legacy}" if legacy else "")
    raise MalformedList(
        f"byte 0x{body[offset]:02x} cannot be read as {allowed}",
        where=f"{where(line, label=label)} (byte {in_file})",
        code="lists.bad_encoding",
    )


# -- CSV --------------------------------------------------------------------------------


def csv_records(
    text: str,
    *,
    delimiter: str = ",",
    label: str | None = None,
    progress: Progress | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, fields) for each non-blank record; strict quoting, so a
    stray quote or a record cut off inside quotes is refused at its line."""
    total = text.count("\n") + 1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    done = 0
    try:
        for row in reader:
            if row and any(field.strip() for field in row):
                yield start, row
                done += 1
                if progress is not None and done % PROGRESS_EVERY == 0:
                    progress(reader.line_num, total)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise MalformedList(f"not valid CSV: {exc}", where=where(start, label=label)) from None
    if progress is not None:
        progress(total, total)


def check_header(
    header: Sequence[str], required: Sequence[str], *, label: str | None = None
) -> None:
    """Refuse a header that lacks a required column (names compared exactly, after trimming):
    reading a file by the wrong columns would file names under addresses."""
    names = [h.strip() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise MalformedList(
            f"header lacks column(s) {', '.join(missing)}; found {', '.join(names)}",
            where=where(1, label=label),
            code="lists.bad_header",
        )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise MalformedList(
            f"header repeats column(s) {', '.join(dupes)}", where=where(1, label=label)
        )


def read_header(
    records: Iterator[tuple[int, list[str]]], required: Sequence[str], *, label: str | None = None
) -> tuple[int, dict[str, int], int]:
    """The header's line, the position of each column by name, and the row width; refused when
    the file has no record at all or lacks a required column."""
    first = next(records, None)
    if first is None:
        raise MalformedList("the file has no header", where=where(1, label=label))
    line, header = first
    check_header(header, required, label=label)
    return line, {name.strip(): i for i, name in enumerate(header)}, len(header)


def check_width(row: Sequence[str], width: int, line: int, *, label: str | None = None) -> None:
    if len(row) != width:
        raise MalformedList(
            f"{len(row)} fields where {width} are expected",
            where=where(line, label=label),
            code="lists.bad_row",
        )


# -- text, names, dates -----------------------------------------------------------------

_SPACES = re.compile(r"\s+")

# Characters a watch list is someone else's data for: they change how a terminal prints (ESC
# starts an escape sequence, the bidi overrides and isolates reorder what follows) or what a
# database accepts (PostgreSQL refuses NUL), and no name is spelled with them. C0 controls but
# tab, line feed and carriage return (those are whitespace, tidied to a space), DEL, C1
# controls, the bidi marks, embeddings, overrides and isolates, the zero-width space and a
# stray byte-order mark. ZWJ and ZWNJ stay: Persian and Indic names are spelled with them.
CONTROLS: frozenset[str] = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\u061c", "\u200b", "\u200e", "\u200f", "\ufeff"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
_DROP_CONTROLS = str.maketrans(dict.fromkeys(CONTROLS))


# A terminal escape sequence goes whole, not just its ESC: "\x1b[31mAcme" is "Acme", not
# "[31mAcme". CSI (ESC [ or U+009B, parameters, one final byte) and OSC (ESC ], up to BEL or
# ESC \, bounded so an unterminated one costs no more than its bound). A lone ESC before a
# letter is only the ESC: a stray byte in "AL\x1bQAIDA" must not take the Q with it.
_ESCAPE_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)"
)


def strip_controls(value: str) -> str:
    """``value`` without terminal escape sequences and the characters of ``CONTROLS``;
    linear, whatever its length."""
    if "\x1b" in value or "\x9b" in value:
        value = _ESCAPE_SEQUENCES.sub("", value)
    return value.translate(_DROP_CONTROLS)


def clean(value: str | None) -> str:
    """Control characters out (``CONTROLS``), trimmed, inner whitespace runs collapsed to one
    space; nothing else changes: the matcher does its own normalisation and needs the text as
    the list wrote it."""
    if not value:
        return ""
    return _SPACES.sub(" ", strip_controls(value)).strip()


def tidy(value: str) -> str:
    """Whitespace tidied only: what a cell reads as when nothing in it was cleaned."""
    return _SPACES.sub(" ", value).strip()


_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x3040, 0x30FF, "ja"),  # Hiragana, Katakana: decides over Han
    (0xAC00, 0xD7AF, "ko"),
    (0x1100, 0x11FF, "ko"),
    (0x3400, 0x4DBF, "zh"),
    (0x4E00, 0x9FFF, "zh"),
    (0xF900, 0xFAFF, "zh"),
    (0x20000, 0x2FFFF, "zh"),
    (0x0400, 0x052F, "ru"),
    (0x0600, 0x06FF, "ar"),
    (0x0750, 0x077F, "ar"),
    (0x08A0, 0x08FF, "ar"),
    (0xFB50, 0xFDFF, "ar"),
    (0xFE70, 0xFEFF, "ar"),
)


def guess_lang(text: str) -> str | None:
    """ISO 639-1 language when the script makes it plain: Han → zh (kana present → ja),
    Hangul → ko, Cyrillic → ru, Arabic → ar; None for Latin and mixed text.

    Cyrillic and Arabic are several languages; ru and ar are the likely ones on these lists and
    only steer transliteration, never a match by themselves.
    """
    counts: Counter[str] = Counter()
    letters = 0
    for char in text:
        if not char.isalpha():
            continue
        letters += 1
        code = ord(char)
        if code < 0x0400:
            continue
        for low, high, lang in _SCRIPT_RANGES:
            if low <= code <= high:
                counts[lang] += 1
                break
    if not counts:
        return None
    if counts["ja"]:
        return "ja"
    lang, count = counts.most_common(1)[0]
    return lang if count * 2 > letters else None


class NameList:
    """An entry's names in file order, identical texts once (the first role wins).

    Give ``add`` the cell as the file holds it: the name is cleaned here (``clean``), and the
    cell is kept as the name's ``raw`` when the name is more than the cell's whitespace tidied.
    A name split out of a larger cell gives that cell as ``raw``.
    """

    def __init__(self) -> None:
        self._names: list[EntryName] = []
        self._seen: set[str] = set()

    def add(
        self, text: str | None, role: NameRole, lang: str | None = None, *, raw: str | None = None
    ) -> None:
        value = clean(text)
        if not value or value in self._seen:
            return
        self._seen.add(value)
        cell = (raw if raw is not None else text or "").strip()
        kept = cell if tidy(cell) != value else None
        self._names.append(EntryName(text=value, role=role, lang=lang, raw=kept))

    def __bool__(self) -> bool:
        return bool(self._names)

    def result(self) -> tuple[EntryName, ...]:
        return tuple(self._names)


def parse_iso_date(value: str, at: str, notes: Notes) -> date | None:
    """``YYYY-MM-DD`` (a time or a zone after it, as in xs:date ``2015-04-07-04:00``, is
    ignored); empty → None. A malformed date is
    refused (a column of the wrong kind means the wrong file); a year before 1900 is a
    placeholder ("0097-06-30") and is kept out with a note."""
    text = value.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*|Z|[+-]\d{2}:\d{2})?", text)
    if match is None:
        raise MalformedList(f"{text!r} is not a date (YYYY-MM-DD)", where=at, code="lists.bad_date")
    return _make_date(int(match[1]), int(match[2]), int(match[3]), text, at, notes)


def parse_us_date(value: str, at: str, notes: Notes) -> date | None:
    """``MM/DD/YYYY`` as the BIS files write it; empty → None."""
    text = value.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match is None:
        raise MalformedList(f"{text!r} is not a date (MM/DD/YYYY)", where=at, code="lists.bad_date")
    return _make_date(int(match[3]), int(match[1]), int(match[2]), text, at, notes)


def _make_date(year: int, month: int, day: int, text: str, at: str, notes: Notes) -> date | None:
    try:
        value = date(year, month, day)
    except ValueError:
        raise MalformedList(
            f"{text!r} is not a calendar date", where=at, code="lists.bad_date"
        ) from None
    if year < 1900:
        notes.add(f"implausible date {text!r} kept out", at)
        return None
    return value


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values, first occurrence kept, order kept."""
    return tuple(dict.fromkeys(v for v in values if v))
