"""Parsers of the real watch-list formats into :class:`~rarex.screening.records.ListEntry`.

Pure: bytes in, a :class:`ParsedList` out, no I/O and no clock, so the same bytes always give
the same entries (and the same content hashes). A file that cannot be read as its format
raises :class:`~rarex.screening.errors.MalformedList` naming the line, column or element at
fault, and nothing half-parsed is returned.

===================  =========================================  ===========
format               files                                      source slug
===================  =========================================  ===========
``ofac-sdn``         ``sdn.csv`` (+ ``alt.csv``, ``add.csv``)   ``ofac-sdn``
``un-xml``           UN consolidated list XML                   ``un-sc``
``bis-dpl``          BIS Denied Persons List, tab-separated     ``bis-dpl``
``us-export-csv``    US export screening lists CSV              ``us-export``
``cn-mofcom-csv``    MOFCOM lists CSV (+ its sources CSV)       ``cn-mofcom``
``ftm-json``         FollowTheMoney JSON lines                  ``ftm-<dataset>``
===================  =========================================  ===========
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence

from rarex.errors import InvalidInput
from rarex.screening.sources._common import ListCount, ParsedList, Progress
from rarex.screening.sources.bis_dpl import COLUMNS as DPL_COLUMNS
from rarex.screening.sources.bis_dpl import parse_bis_dpl
from rarex.screening.sources.china_list import COLUMNS as CN_COLUMNS
from rarex.screening.sources.china_list import SOURCE_COLUMNS as CN_SOURCE_COLUMNS
from rarex.screening.sources.china_list import parse_china_list
from rarex.screening.sources.ftm import parse_ftm
from rarex.screening.sources.ofac import parse_ofac_sdn
from rarex.screening.sources.un import parse_un_xml
from rarex.screening.sources.us_export import COLUMNS as US_COLUMNS
from rarex.screening.sources.us_export import parse_us_export

__all__ = [
    "FORMATS",
    "PARSE_REVISION",
    "ListCount",
    "ParsedList",
    "Progress",
    "detect_format",
    "parse_bis_dpl",
    "parse_china_list",
    "parse_ftm",
    "parse_list",
    "parse_ofac_sdn",
    "parse_un_xml",
    "parse_us_export",
]

# Bumped whenever a parser reads the same bytes into other entries (2: control characters out
# of every field, raw cells kept, the US export lists' clutter taken apart; 3: closing acronyms;
# 4: a unit after its parent and a comma, names joined by "and" after a legal form). An import's
# content hash includes it, so a file imported under an older revision is read again into a
# new version, and its difference shows what the new reading changed.
PARSE_REVISION = 4

NamedFile = tuple[str, bytes]
Parser = Callable[[Sequence[NamedFile], str | None, Progress | None], ParsedList]


def _first_line(data: bytes) -> str:
    body = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    return re.split(rb"[\r\n]", body, maxsplit=1)[0].decode("utf-8", "replace")


def _fields(line: str, delimiter: str = ",") -> list[str]:
    """The first line's fields, for guessing only: a line csv cannot read guesses nothing."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _one(files: Sequence[NamedFile], fmt: str) -> bytes:
    if len(files) != 1:
        raise InvalidInput(f"{fmt} reads one file, got {len(files)}", code="lists.bad_files")
    return files[0][1]


def _ofac_role(name: str, data: bytes) -> str:
    """alt/add/sdn by the file name (``alt.csv``, ``ofac-sdn-2021-add.csv``), else by the
    width of the first row (5 fields alt, 6 add, 12 sdn)."""
    base = name.rsplit("/", 1)[-1].lower()
    for role in ("alt", "add"):
        if re.search(rf"(?:^|[^a-z]){role}(?:[^a-z]|$)", base):
            return role
    if "sdn" in base:
        return "sdn"
    return {5: "alt", 6: "add"}.get(len(_fields(_first_line(data))), "sdn")


def _parse_ofac(
    files: Sequence[NamedFile], _dataset: str | None, progress: Progress | None
) -> ParsedList:
    if len(files) == 1:  # one file is the main file, whatever it looks like
        return parse_ofac_sdn(files[0][1], progress=progress)
    roles: dict[str, bytes] = {}
    for name, data in files:
        role = _ofac_role(name, data)
        if role in roles:
            raise InvalidInput(f"two {role} files given for ofac-sdn", code="lists.bad_files")
        roles[role] = data
    if "sdn" not in roles:
        raise InvalidInput("ofac-sdn needs the main sdn file", code="lists.bad_files")
    return parse_ofac_sdn(
        roles["sdn"], alt=roles.get("alt"), add=roles.get("add"), progress=progress
    )


def _parse_china(
    files: Sequence[NamedFile], _dataset: str | None, progress: Progress | None
) -> ParsedList:
    if len(files) == 1:  # one file is the lists file, whatever it looks like
        return parse_china_list(files[0][1], progress=progress)
    main: list[bytes] = []
    sources: list[bytes] = []
    for _name, data in files:
        is_sources = _fields(_first_line(data))[:3] == list(CN_SOURCE_COLUMNS)
        (sources if is_sources else main).append(data)
    if len(main) != 1 or len(sources) > 1:
        raise InvalidInput(
            "cn-mofcom-csv reads the lists file and at most its sources file",
            code="lists.bad_files",
        )
    return parse_china_list(main[0], sources=sources[0] if sources else None, progress=progress)


FORMATS: Mapping[str, Parser] = {
    "ofac-sdn": _parse_ofac,
    "un-xml": lambda files, _d, progress: parse_un_xml(_one(files, "un-xml"), progress=progress),
    "bis-dpl": lambda files, _d, progress: parse_bis_dpl(_one(files, "bis-dpl"), progress=progress),
    "us-export-csv": lambda files, _d, progress: parse_us_export(
        _one(files, "us-export-csv"), progress=progress
    ),
    "cn-mofcom-csv": _parse_china,
    "ftm-json": lambda files, dataset, progress: parse_ftm(
        _one(files, "ftm-json"), dataset=dataset, progress=progress
    ),
}
"""Format name → parser over (file name, bytes) pairs, the dataset name (FtM only) and the
progress callback."""


def parse_list(
    fmt: str,
    files: Sequence[bytes] | Mapping[str, bytes],
    *,
    dataset: str | None = None,
    progress: Progress | None = None,
) -> ParsedList:
    """Parse one list import: ``files`` are the file contents, by file name when a format
    reads several (``ofac-sdn``: sdn, alt, add, told apart by name or by row width;
    ``cn-mofcom-csv``: the lists file and its sources file). ``dataset`` names an FtM file's
    dataset (the source slug becomes ``ftm-<dataset>``).

    Raises ``InvalidInput`` (``lists.unknown_format``, ``lists.bad_files``) for a call that
    cannot be served and ``MalformedList`` for a file that is not of its format.
    """
    parser = FORMATS.get(fmt)
    if parser is None:
        raise InvalidInput(
            f"unknown list format {fmt!r}; known: {', '.join(FORMATS)}",
            code="lists.unknown_format",
        )
    if isinstance(files, Mapping):
        named = list(files.items())
    else:
        named = [(f"file {i}", data) for i, data in enumerate(files, start=1)]
    if not named:
        raise InvalidInput(f"{fmt} needs a file", code="lists.bad_files")
    return parser(named, dataset, progress)


def detect_format(filename: str, head: bytes) -> str | None:
    """The format a file is most likely in, from its name and its first bytes (a few KB are
    plenty); None when unsure, so a CLI asks for ``--format`` rather than guessing wrong."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    name = filename.rsplit("/", 1)[-1].lower()
    if text.startswith(b"<"):
        return "un-xml" if b"CONSOLIDATED_LIST" in text else None
    if text.startswith(b"{"):
        return "ftm-json" if b'"schema"' in text else None
    line = _first_line(text)
    header = [f.strip() for f in _fields(line)]
    if all(c in header for c in US_COLUMNS):
        return "us-export-csv"
    if all(c in header for c in CN_COLUMNS) or header[:3] == list(CN_SOURCE_COLUMNS):
        return "cn-mofcom-csv"
    if all(c in [f.strip() for f in _fields(line, "\t")] for c in DPL_COLUMNS):
        return "bis-dpl"
    fields = _fields(line)
    if len(fields) in (5, 6, 12) and fields[0].strip().isdigit():
        return "ofac-sdn"
    if name.endswith((".ftm.json", ".jsonl")):
        return "ftm-json"
    return None
