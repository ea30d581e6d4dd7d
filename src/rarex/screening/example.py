"""Query by example: what else an asker knows of a party, checked against a list entry.

Pure. A name alone finds namesakes; an identifier, an address or a date of birth says whether
a hit is the party. Each field given is compared with what the entry carries and says whether
it agrees (a little added to the score), disagrees (taken away) or cannot be compared (the
list says nothing of it, nothing changes), with the detail an officer reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from rarex.screening import terms
from rarex.screening.records import ListEntry

# What a field adds when it agrees, or takes away when it disagrees.
IDENTIFIER_AGREES: Final = 0.10
USCC_DISAGREES: Final = 0.20
PLACE_AGREES: Final = 0.03
PLACE_DISAGREES: Final = 0.05
BIRTH_AGREES: Final = 0.05
BIRTH_DISAGREES: Final = 0.20
# The most an example can add: a name this far below the threshold may still be lifted over it.
MOST_ADDED: Final = IDENTIFIER_AGREES + PLACE_AGREES + BIRTH_AGREES

_USCC: Final = re.compile(r"\b[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}\b")
_CODE: Final = re.compile(r"[A-Z0-9]{5,}")
_YEAR: Final = re.compile(r"\b(1[89][0-9]{2}|20[0-9]{2})\b")
_OFAC_BIRTH: Final = re.compile(r"\bDOB\s+([^;.]*)", re.IGNORECASE)
_WORDS: Final = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class Example:
    """What the asker knows beside the name (kind and country are asked for apart)."""

    identifiers: tuple[str, ...] = ()  # "USCC 91440300...", a registration or tax number
    address: str | None = None
    date_of_birth: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD

    def __bool__(self) -> bool:
        return bool(self.identifiers or self.address or self.date_of_birth)


@dataclass(frozen=True, slots=True)
class FieldCheck:
    field: str  # "identifier", "address", "date_of_birth"
    agrees: bool | None  # None: the entry says nothing it could be compared with
    amount: float  # added to the score; negative when the field disagrees
    detail: str

    @property
    def verdict(self) -> str:
        return {True: "agrees", False: "disagrees", None: "unknown"}[self.agrees]

    def to_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "agrees": self.agrees,
            "amount": self.amount,
            "detail": self.detail,
        }


def _codes(texts: tuple[str, ...] | list[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found.update(_CODE.findall(re.sub(r"[\s\-/.]", "", text.upper())))
        found.update(_CODE.findall(text.upper()))
    return found


def _uscc(texts: tuple[str, ...] | list[str]) -> set[str]:
    return {code for text in texts for code in _USCC.findall(text.upper())}


def _identifier(example: Example, entry: ListEntry) -> FieldCheck:
    asked, listed = _codes(example.identifiers), _codes(entry.identifiers)
    common = sorted(asked & listed)
    if common:
        return FieldCheck("identifier", True, IDENTIFIER_AGREES, f"{common[0]} is on the entry")
    asked_uscc, listed_uscc = _uscc(example.identifiers), _uscc(entry.identifiers)
    if asked_uscc and listed_uscc:
        return FieldCheck(
            "identifier",
            False,
            -USCC_DISAGREES,
            f"unified social credit code {', '.join(sorted(asked_uscc))} is not the entry's "
            f"{', '.join(sorted(listed_uscc))}",
        )
    detail = "the entry has no identifier in common" if listed else "the entry has none"
    return FieldCheck("identifier", None, 0.0, detail)


def _places(text: str) -> set[str]:
    words = _WORDS.findall(text.lower())
    joined = {a + b for a, b in pairwise(words)}  # "hong kong", "xi an"
    return (set(words) | joined) & terms.PLACES - {"china", "province", "city"}


def _address(example: Example, entry: ListEntry) -> FieldCheck:
    asked = _places(example.address or "")
    listed = set().union(*(_places(a) for a in entry.addresses)) if entry.addresses else set()
    if asked & listed:
        return FieldCheck(
            "address", True, PLACE_AGREES, f"both in {', '.join(sorted(asked & listed))}"
        )
    if asked and listed:
        return FieldCheck(
            "address",
            False,
            -PLACE_DISAGREES,
            f"{', '.join(sorted(asked))} against the entry's {', '.join(sorted(listed))}",
        )
    return FieldCheck("address", None, 0.0, "no place to compare")


def birth_years(entry: ListEntry) -> set[str]:
    """The years of birth an entry gives: UN ``date_of_birth``, OFAC "DOB 12 Jan 1960"."""
    texts = [value for key, value in entry.extra if key == "date_of_birth"]
    texts += _OFAC_BIRTH.findall(entry.remarks or "")
    return {year for text in texts for year in _YEAR.findall(text)}


def _birth(example: Example, entry: ListEntry) -> FieldCheck:
    asked = set(_YEAR.findall(example.date_of_birth or ""))
    listed = birth_years(entry)
    if asked & listed:
        return FieldCheck("date_of_birth", True, BIRTH_AGREES, f"born {', '.join(sorted(asked))}")
    if asked and listed:
        return FieldCheck(
            "date_of_birth",
            False,
            -BIRTH_DISAGREES,
            f"born {', '.join(sorted(asked))}, the entry {', '.join(sorted(listed))}",
        )
    return FieldCheck("date_of_birth", None, 0.0, "the entry gives no date of birth")


def check(example: Example, entry: ListEntry) -> tuple[FieldCheck, ...]:
    """Each field the example gives, against the entry."""
    checks: list[FieldCheck] = []
    if example.identifiers:
        checks.append(_identifier(example, entry))
    if example.address:
        checks.append(_address(example, entry))
    if example.date_of_birth:
        checks.append(_birth(example, entry))
    return tuple(checks)
