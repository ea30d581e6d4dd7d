"""The hand-labelled screening development set of issue 10 (item 5): loader and checks.

The cases live as CSV files in ``bench/screening_cases/`` (how they were made, their sources
and the split rule: ``bench/screening_cases/README.md``). This module only reads them; it
imports nothing from the matcher, so the labels cannot drift with it.

Every case is labelled once, by hand or by a documented drafting rule, with the entity ids
(``source:entry_id``) the parsers give the listed party: a query is *found* when the top hit
is one of them. A negative is a real (or plausible) organisation that is on no shared list:
any hit at all is a false positive.

Splits: a case is in ``dev`` or ``test`` by :func:`split_of` of its key (the first expected
entity id; for a negative, ``"negative:" + organisation``), so every form of one organisation
lands in the same split. The loader refuses a file whose split column disagrees with the rule,
and :data:`TEST_SPLIT_SHA256` freezes the test split: never tune on it.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rarex.screening.records import ListEntry
from rarex.screening.sources import parse_list

CASES_DIR = Path(__file__).resolve().parent / "screening_cases"
WATCHLISTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "watchlists"
# Every shared list, with the format its parser reads (bench/bench_screening.py reads these too)
LISTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ofac-sdn", ("ofac-sdn-2021.csv", "ofac-sdn-2021-alt.csv", "ofac-sdn-2021-add.csv")),
    ("un-xml", ("un-consolidated.xml",)),
    ("bis-dpl", ("bis-dpl.txt",)),
    ("us-export-csv", ("us-export-lists-2022.csv",)),
    ("cn-mofcom-csv", ("china-control-list.csv", "china-control-list-sources.csv")),
)

CHINESE = "chinese-real"
POSITIVE_CLASSES = (
    CHINESE,
    "initials",
    "dropped-word",
    "two-typos",
    "clutter",
    "re-romanisation",
)
NEGATIVE = "negatives"
# Minimum number of cases per class (issue 10, item 5). A Chinese case is five queries.
MINIMUMS = {
    CHINESE: 300,
    "initials": 100,
    "dropped-word": 100,
    "two-typos": 100,
    "clutter": 100,
    "re-romanisation": 100,
    NEGATIVE: 300,
}
CHINESE_FORMS = ("hans", "hant", "pinyin_joined", "pinyin_spaced", "pinyin_mixed")
SPLITS = ("dev", "test")
# SHA-256 over the test split's rows, file by file in sorted order (see frozen_split_sha256).
# Changing a test case changes it: do that only to fix a wrong label, never to follow the
# matcher, and say so in the commit.
TEST_SPLIT_SHA256 = "18fe3d3d5049290681ef00ae603e1b495c08936efd95a7ef64532d2a5482afe6"


@dataclass(frozen=True, slots=True)
class Query:
    """One query to screen. ``expected`` is empty for a negative."""

    cls: str  # the file it came from: "chinese-real", "initials", ..., "negatives"
    case: str  # case id, e.g. "cn001"; the five forms of a Chinese case share it
    split: str  # "dev" | "test"
    form: str  # "hans", "pinyin_spaced", ... for Chinese and negatives; "query" otherwise
    text: str
    expected: tuple[str, ...]
    listed_name: str  # the name as the list gives it (for a negative: the organisation)
    note: str  # the variant made (class-specific), the negative's kind, or the source

    @property
    def positive(self) -> bool:
        return bool(self.expected)


def split_of(key: str) -> str:
    """``dev`` when the first byte of SHA-256(key) is even, else ``test``: fixed before any
    tuning, about half and half, and the same for every form of one organisation."""
    return "dev" if hashlib.sha256(key.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def fold(text: str) -> str:
    """Case and punctuation folded, for "is this the same name" checks (not the matcher's
    normaliser): NFKC, casefold, every run of non-word characters one space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def has_han(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH") for ch in text)


def _rows(name: str, directory: Path) -> list[dict[str, str]]:
    with (directory / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _checked_split(row: dict[str, str], key: str, where: str) -> str:
    split = row["split"]
    if split != split_of(key):
        raise ValueError(f"{where}: split {split!r} is not split_of({key!r}) = {split_of(key)!r}")
    return split


def load_cases(directory: Path = CASES_DIR) -> list[Query]:
    """Every query of every class, in file order (positives first, then negatives)."""
    out: list[Query] = []
    for row in _rows(CHINESE, directory):
        expected = tuple(row["expected"].split())
        split = _checked_split(row, expected[0], f"{CHINESE} {row['case']}")
        for form in CHINESE_FORMS:
            out.append(
                Query(
                    CHINESE,
                    row["case"],
                    split,
                    form,
                    row[form],
                    expected,
                    row["listed_name"],
                    row["source"],
                )
            )
    for cls in POSITIVE_CLASSES[1:]:
        for row in _rows(cls, directory):
            expected = tuple(row["expected"].split())
            split = _checked_split(row, expected[0], f"{cls} {row['case']}")
            out.append(
                Query(
                    cls,
                    row["case"],
                    split,
                    "query",
                    row["query"],
                    expected,
                    row["listed_name"],
                    row["note"],
                )
            )
    for row in _rows(NEGATIVE, directory):
        split = _checked_split(row, "negative:" + row["organisation"], f"negatives {row['case']}")
        out.append(
            Query(
                NEGATIVE,
                row["case"],
                split,
                row["form"],
                row["query"],
                (),
                row["organisation"],
                row["kind"],
            )
        )
    return out


def case_counts(queries: Iterable[Query]) -> dict[str, dict[str, int]]:
    """Cases (not queries) per class and split, with a ``total``; negatives count queries."""
    seen: dict[str, dict[str, set[str]]] = {}
    for q in queries:
        key = q.case if q.cls != NEGATIVE else f"{q.case}:{q.form}"
        seen.setdefault(q.cls, {}).setdefault(q.split, set()).add(key)
    return {
        cls: {**{s: len(v.get(s, set())) for s in SPLITS}, "total": sum(map(len, v.values()))}
        for cls, v in seen.items()
    }


def frozen_split_sha256(directory: Path = CASES_DIR, split: str = "test") -> str:
    """SHA-256 over every row of ``split`` (all columns), file by file in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                if len(row) > 1 and row[1] == split:
                    digest.update(path.name.encode() + b"\0" + "\x1f".join(row).encode() + b"\n")
    return digest.hexdigest()


def load_lists(files: Sequence[tuple[str, tuple[str, ...]]] = LISTS) -> list[ListEntry]:
    """Every entry of the shared lists, parsed by the project's own parsers."""
    entries: list[ListEntry] = []
    for fmt, names in files:
        parsed = parse_list(fmt, {name: (WATCHLISTS / name).read_bytes() for name in names})
        entries.extend(parsed.entries)
    return entries
