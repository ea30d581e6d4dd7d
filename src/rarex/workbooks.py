"""Untrusted XLSX files, checked within bounds before any XML parser sees them. Pure.

An XLSX file is a zip of XML parts, and each layer can be turned against its reader: a part
of a few hundred kilobytes can inflate to gigabytes, one XML comment or text of 200 MB makes
the standard library's parser slower than linear (it re-scans an unfinished token on every
block it is fed), and a DTD can define entities that expand without end. So before the
workbook is opened, every part's declared size is checked against the limits, and every XML
part is read once, as a stream, to refuse a DTD and any comment, CDATA section or text longer
than a cell may be (Excel's own limit is 32,767 characters). The zip layer cannot lie about a
size: ``zipfile`` stops inflating at the declared size, and the CRC check fails if more was
there.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from rarex.errors import InvalidInput

# Bytes per character, at most, of a cell's text as XML holds it: UTF-8 takes up to 4, and an
# escaped character (``&amp;``) 5; a run of text or one tag may also carry attributes.
_BYTES_PER_CHAR = 8
_READ = 1 << 20
_SPECIAL = re.compile(rb"<!--|<!\[CDATA\[|<!DOCTYPE|<!ENTITY|<\?", re.IGNORECASE)
_ENDS = {b"<!--": b"-->", b"<![cdata[": b"]]>", b"<?": b"?>"}
# Bytes a part of another encoding than UTF-8 starts with (a BOM of UTF-16 or UTF-32, or "<"
# with zero bytes beside it): the scan reads bytes, so such a part could hide its markers.
_OTHER_ENCODINGS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"<\x00", b"\x00<")
_UTF8_BOM = b"\xef\xbb\xbf"
_LONGEST_MARKER = len(b"<![CDATA[")


class MalformedFile(InvalidInput):
    """The file cannot be read as what it claims to be (not a zip, broken or hostile XML, not
    UTF-8 text), or it breaks a limit of its format. The one code of every import."""

    default_code = "import.malformed_file"


@dataclass(frozen=True)
class WorkbookLimits:
    max_part_bytes: int
    max_total_bytes: int
    max_text_chars: int
    max_shared_strings: int = 2_000_000
    max_parts: int = 10_000


def check_workbook(path: Path, limits: WorkbookLimits) -> None:
    """Refuse, as ``MalformedFile``, an XLSX file its parser should never be given."""
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise MalformedFile(f"{name} is not an XLSX workbook: not a zip archive ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_parts:
            raise MalformedFile(
                f"{name} has {len(members)} parts; a workbook may have {limits.max_parts}"
            )
        total = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise MalformedFile(f"{name} is encrypted: save it without a password")
            if member.file_size > limits.max_part_bytes:
                raise MalformedFile(
                    f"{name}: part {member.filename} holds {member.file_size} bytes "
                    f"uncompressed; the limit is {limits.max_part_bytes}"
                )
            total += member.file_size
        if total > limits.max_total_bytes:
            raise MalformedFile(
                f"{name} holds {total} bytes uncompressed; the limit is {limits.max_total_bytes}"
            )
        # Every part, whatever its name says: a workbook's relations may point at a sheet
        # named anything. A part is XML (scanned) when it starts like XML; an image or any
        # other binary part is never given to the XML parser as a sheet.
        strings = 0
        for member in members:
            strings += _scan_part(archive, member, name, limits)
            if strings > limits.max_shared_strings:
                raise MalformedFile(
                    f"{name} holds more than {limits.max_shared_strings} shared strings; "
                    "split it, or raise RAREX_IMPORT_MAX_XLSX_SHARED_STRINGS"
                )


def _scan_part(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, limits: WorkbookLimits
) -> int:
    """Scan one part if it is XML; the number of shared strings (``<si>``) it holds."""
    where = f"{name}: part {member.filename}"
    scanner = _XmlScanner(limits.max_text_chars * _BYTES_PER_CHAR)
    try:
        with archive.open(member) as stream:
            first = stream.read(_READ)
            head = first.removeprefix(_UTF8_BOM).lstrip()[:4]
            if first.startswith(_OTHER_ENCODINGS) or head.startswith(_OTHER_ENCODINGS):
                raise MalformedFile(f"{where} is XML in another encoding than UTF-8")
            if not head.startswith(b"<"):
                return 0
            block = first
            while block:
                problem = scanner.feed(block)
                if problem is not None:
                    raise MalformedFile(f"{where} {problem}")
                block = stream.read(_READ)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise MalformedFile(f"{where} cannot be inflated ({exc})") from None
    problem = scanner.finish()
    if problem is not None:
        raise MalformedFile(f"{where} {problem}")
    return scanner.shared_strings


class _XmlScanner:
    """Tracks, over a stream of blocks, the run of bytes since the last ``<`` (a text node or
    a tag) and any open comment or CDATA section, without keeping more than one block."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.offset = 0  # bytes fed before the current block
        self.run = 0  # bytes since the last "<"
        self.tail = b""  # the end of the last block, where a marker may have begun
        self.scanned_to = 0  # markers before this offset were seen already
        self.open_end: bytes | None = None
        self.open_at = 0
        self.shared_strings = 0

    def feed(self, block: bytes) -> str | None:
        parts = block.split(b"<")
        if len(parts) == 1:
            self.run += len(block)
        else:
            longest = max(self.run + len(parts[0]), max(map(len, parts[1:-1]), default=0))
            if longest > self.limit:
                return self._too_long("a text or tag")
            self.run = len(parts[-1])
        if self.run > self.limit:
            return self._too_long("a text or tag")
        # A shared string's element, counted once: one that began in the last block's tail
        # was not whole there.
        seam = self.tail[-3:] + block
        self.shared_strings += seam.count(b"<si>") + seam.count(b"<si ")
        problem = self._markers(block)
        self.offset += len(block)
        return problem

    def finish(self) -> str | None:
        if self.open_end is not None:
            return "ends inside a comment, CDATA section or instruction: the XML is cut short"
        return None

    def _markers(self, block: bytes) -> str | None:
        window = self.tail + block
        base = self.offset - len(self.tail)
        pos = max(0, self.scanned_to - base)
        while True:
            if self.open_end is None:
                found = _SPECIAL.search(window, pos)
                if found is None:
                    break
                marker = found.group().lower()
                if marker in (b"<!doctype", b"<!entity"):
                    return (
                        "declares a DTD: a workbook never needs one, and its entities can "
                        "expand without end"
                    )
                self.open_end, self.open_at, pos = _ENDS[marker], base + found.start(), found.end()
            else:
                end = window.find(self.open_end, pos)
                if end < 0:
                    break
                if base + end - self.open_at > self.limit:
                    return self._too_long("a comment, CDATA section or instruction")
                pos = end + len(self.open_end)
                self.open_end = None
        end_of_window = base + len(window)
        # Still open: it closes no sooner than where its end marker could begin.
        if (
            self.open_end is not None
            and end_of_window - (len(self.open_end) - 1) - self.open_at > self.limit
        ):
            return self._too_long("a comment, CDATA section or instruction")
        self.scanned_to = max(base + pos, end_of_window - (_LONGEST_MARKER - 1))
        self.tail = window[-(_LONGEST_MARKER - 1) :]
        return None

    def _too_long(self, what: str) -> str:
        return (
            f"holds {what} of more than {self.limit} bytes near byte {self.offset}: longer "
            f"than any cell may be ({self.limit // _BYTES_PER_CHAR} characters)"
        )
