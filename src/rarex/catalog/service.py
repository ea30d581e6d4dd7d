"""The control list as a query service: time-travel checks by control code or HS code.

Pure Python over immutable data; no database. The shipped list is package data read once per
process (``load_control_list``); a different list (tests, what-if simulation of a rule change) is
built with ``parse_control_list`` or ``ControlList(...)`` and passed explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from importlib.resources import files

from rarex.catalog.codes import normalise_hs_code, parse_control_code
from rarex.catalog.errors import (
    HsCodeMismatch,
    InvalidCatalogData,
    UnknownControlCode,
    UnknownHsCode,
)
from rarex.catalog.model import Announcement, ControlEntry
from rarex.catalog.parsing import parse_document
from rarex.catalog.results import CatalogListing, ControlCheck, EntryCheck, QueryKind

DATA_PACKAGE = "rarex.catalog"
DATA_FILE = "data/control_list.yaml"


_MAX_REMEMBERED = 10_000
_CODE_PREFIX = re.compile(r"[0-9][A-Ea-e][0-9]{3}(?:\.[A-Za-z])?")
_HS_SEPARATORS_OF_QUERY = re.compile(r"[\s.]+")


def _mentions(entry: ControlEntry, text: str) -> bool:
    """The element's symbol (exactly: "Y" is yttrium, not every word with a y), the start of
    its English name, its Chinese name, or every word of the text in the description."""
    element = entry.element
    folded = text.casefold()
    if element is not None and (
        folded == element.symbol.casefold()
        or (len(folded) >= 3 and element.name_en.casefold().startswith(folded))
        or text in element.name_zh
        or (element.name_zh and element.name_zh in text)
    ):
        return True
    # each word the start of a word of the description: "terb" is not in "ytterbium"
    words = re.findall(r"\w+", entry.description.casefold())
    return len(folded) >= 3 and all(
        any(word.startswith(typed) for word in words) for typed in re.findall(r"\w+", folded)
    )


class ControlList:
    """An immutable, indexed control list of one ``version``.

    Construction refuses duplicate codes or announcement ids and entries citing announcements
    that are not part of the list, so a ControlList built by hand obeys the same rules as one
    parsed from the data file.
    """

    def __init__(
        self,
        *,
        version: str,
        announcements: Iterable[Announcement],
        entries: Iterable[ControlEntry],
    ) -> None:
        self.version = version
        self.announcements: tuple[Announcement, ...] = tuple(announcements)
        self.entries: tuple[ControlEntry, ...] = tuple(entries)
        self._announcements: dict[str, Announcement] = {}
        for announcement in self.announcements:
            if announcement.id in self._announcements:
                raise InvalidCatalogData(f"duplicate announcement id {announcement.id!r}")
            self._announcements[announcement.id] = announcement
        self._by_code: dict[str, ControlEntry] = {}
        self._by_base: dict[str, list[ControlEntry]] = {}
        self._by_hs: dict[str, list[ControlEntry]] = {}
        # Answers are pure functions of (code, day) on an immutable list, and a file of
        # declarations asks the same few questions thousands of times.
        self._checks: dict[tuple[str, str, date], ControlCheck] = {}
        for entry in self.entries:
            if entry.code in self._by_code:
                raise InvalidCatalogData(f"duplicate control code {entry.code!r}")
            for cited in _cited(entry):
                if self._announcements.get(cited.id) != cited:
                    raise InvalidCatalogData(
                        f"entry {entry.code} cites announcement {cited.id!r}, which is not listed"
                    )
            self._by_code[entry.code] = entry
            self._by_base.setdefault(entry.base_code, []).append(entry)
            for hs in entry.hs_codes:
                self._by_hs.setdefault(hs, []).append(entry)

    def __repr__(self) -> str:
        return f"ControlList(version={self.version!r}, entries={len(self.entries)})"

    def announcement(self, announcement_id: str) -> Announcement:
        try:
            return self._announcements[announcement_id]
        except KeyError:
            raise InvalidCatalogData(f"unknown announcement id {announcement_id!r}") from None

    def get(self, code: str) -> ControlEntry:
        """The sub-entry with exactly this code (spelling is normalised; base codes are refused).

        Raises MalformedControlCode or UnknownControlCode, naming the code.
        """
        parsed = parse_control_code(code)
        if parsed.sub is None:
            raise UnknownControlCode(
                f"{parsed.code} is a base code; name a sub-entry such as {parsed.code}.a",
                value=code,
            )
        try:
            return self._by_code[parsed.code]
        except KeyError:
            raise UnknownControlCode(
                f"{parsed.code} is not on the control list (version {self.version})", value=code
            ) from None

    def entries_for_hs(self, hs: str) -> tuple[ControlEntry, ...]:
        """Entries whose cross-walk lists the HS code, in list order; empty if none do."""
        return tuple(self._by_hs.get(normalise_hs_code(hs), ()))

    def _remember(self, key: tuple[str, str, date], check: ControlCheck) -> None:
        if len(self._checks) >= _MAX_REMEMBERED:  # any ten digits are an HS code: stay bounded
            self._checks.clear()
        self._checks[key] = check

    def check_code(self, code: str, on: date) -> ControlCheck:
        key = ("code", code, on)
        check = self._checks.get(key)
        if check is None:
            check = self._check_code(code, on)
            self._remember(key, check)
        return check

    def _check_code(self, code: str, on: date) -> ControlCheck:
        """Status on ``on`` of one sub-entry (``1C902.a``) or of all sub-entries of a base code.

        Raises MalformedControlCode, or UnknownControlCode when the code is not on the list:
        a control code is an assertion about the list, so an unknown one is an error.
        """
        parsed = parse_control_code(code)
        if parsed.sub is None:
            matched = tuple(self._by_base.get(parsed.base, ()))
            if not matched:
                raise UnknownControlCode(
                    f"{parsed.code} is not on the control list (version {self.version})",
                    value=code,
                )
        else:
            matched = (self.get(parsed.code),)
        return self._check(parsed.code, "control_code", matched, on)

    def check_hs(self, hs: str, on: date) -> ControlCheck:
        key = ("hs", hs, on)
        check = self._checks.get(key)
        if check is None:
            check = self._check_hs(hs, on)
            self._remember(key, check)
        return check

    def _check_hs(self, hs: str, on: date) -> ControlCheck:
        """Status on ``on`` of every entry whose cross-walk lists the HS code.

        Raises MalformedHsCode unless the code is ten digits (spaces and dots ignored). A well
        formed code outside every cross-walk is not an error: it gives no matches, not controlled.
        """
        normalised = normalise_hs_code(hs)
        return self._check(normalised, "hs_code", tuple(self._by_hs.get(normalised, ())), on)

    def validate_line(self, control_code: str, hs_code: str) -> ControlEntry:
        """The entry an application line cites, once its HS code is shown to belong to it.

        Raises, in this order: MalformedControlCode, UnknownControlCode (also for a bare base
        code: a line is filed under one sub-entry), MalformedHsCode, UnknownHsCode (in no
        cross-walk), HsCodeMismatch (in the cross-walk of other entries only).
        """
        entry = self.get(control_code)
        hs = normalise_hs_code(hs_code)
        if hs in entry.hs_codes:
            return entry
        others = self._by_hs.get(hs)
        if not others:
            raise UnknownHsCode(
                f"HS code {hs} is in no entry's cross-walk (control list version {self.version})",
                value=hs_code,
            )
        expected = ", ".join(entry.hs_codes) or "none"
        raise HsCodeMismatch(
            f"HS code {hs} belongs to {', '.join(e.code for e in others)}, not {entry.code} "
            f"(whose reference HS codes are: {expected})",
            value=hs_code,
            control_code=entry.code,
        )

    def find(self, query: str, on: date, *, limit: int = 20) -> tuple[EntryCheck, ...]:
        """The sub-entries a person filing may mean, each with its standing on ``on``, in list
        order: by control code (``1C904`` gives its sub-entries), by HS code or its first
        digits (four at least), or by element (symbol, English or Chinese name) or words of
        the description. Nothing typed, nothing found."""
        text = " ".join(query.split())[:100]
        if not text:
            return ()
        code = "".join(text.split())
        digits = _HS_SEPARATORS_OF_QUERY.sub("", text)
        if _CODE_PREFIX.fullmatch(code):
            wanted = code.upper().partition(".")[0]
            sub = code.partition(".")[2].lower()
            found = [
                e for e in self.entries if e.base_code == wanted and e.code.endswith("." + sub)
            ] if sub else [e for e in self.entries if e.base_code == wanted]  # fmt: skip
        elif digits.isdigit() and len(digits) >= 4:
            found = [e for e in self.entries if any(hs.startswith(digits) for hs in e.hs_codes)]
        else:
            found = [e for e in self.entries if _mentions(e, text)]
        return tuple(EntryCheck.of(entry, on) for entry in found[:limit])

    def listing(self, on: date) -> CatalogListing:
        """Every entry's status on ``on``, in list order, with all announcements."""
        return CatalogListing(
            on=on,
            catalog_version=self.version,
            entries=tuple(EntryCheck.of(entry, on) for entry in self.entries),
            announcements=self.announcements,
        )

    def _check(
        self,
        query: str,
        kind: QueryKind,
        matched: tuple[ControlEntry, ...],
        on: date,
    ) -> ControlCheck:
        return ControlCheck(
            query=query,
            query_kind=kind,
            on=on,
            matches=tuple(EntryCheck.of(entry, on) for entry in matched),
            catalog_version=self.version,
        )


def parse_control_list(text: str) -> ControlList:
    """Build a ControlList from the YAML text; raises InvalidCatalogData saying where and why."""
    document = parse_document(text)
    return ControlList(
        version=document.version,
        announcements=document.announcements,
        entries=document.entries,
    )


@lru_cache(maxsize=1)
def load_control_list() -> ControlList:
    """The control list shipped with this release of Rarex, parsed once per process.

    A malformed file raises InvalidCatalogData on first use rather than answering from bad data.
    """
    text = files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_control_list(text)


def _cited(entry: ControlEntry) -> Iterable[Announcement]:
    cited = (
        entry.announcement,
        entry.suspension_announcement,
        entry.repeal_announcement,
        entry.extraterritorial_rule,
    )
    return (announcement for announcement in cited if announcement is not None)
