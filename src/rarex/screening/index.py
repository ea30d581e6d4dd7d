"""Candidate retrieval over every name of a list version, built once and only read afterwards.

Every name of every entry is normalised once. Retrieval keys are the name's tokens (not legal
forms), the pinyin syllables of its distinctive tokens, its distinctive tokens joined, and for a
name made only of generic words that whole name; so "Hua Wei", "huawei", 华为 and "Wei Hua"
share keys. Typos reach a key through its one-deletion neighbourhood (SymSpell): "huawie" and
"huawei" share the deletion "huawe".

Transliterations that differ by more than one letter meet through a consonant skeleton
("~rsbrnksprt").

Memory is the reason for the shapes here: a name costs a few short strings and integers, the
postings are one int32 array addressed by offsets (CSR), and deletions are stored as sorted
64-bit hashes beside an int32 array of key ids, not as Python dicts of strings. A key held by
more than ``max_postings`` names ("china", "wei") is too common to retrieve with on its own;
its candidates would only be noise for the scorer.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from rarex.screening import terms
from rarex.screening.normalize import NormalizedName, from_tokens, normalize_uncached
from rarex.screening.records import EntryName, ListEntry

# Keys shorter than this are not given typo tolerance: one edit in four letters is another word.
_FUZZY_MIN_LEN = 5
_FUZZY_WEIGHT = 0.6
# What a token more costs a candidate among those sharing the same keys (a key's weight is 1-10).
_LENGTH_WEIGHT = 0.01
# Consonant skeletons of short words collide too often to be worth a key.
_SKELETON_MIN_LEN = 6

IntArray = npt.NDArray[np.int32]

# Normal forms kept between queries: the names of the shared lists, a tenth of a 1M-name list.
_KEPT_NAMES = 100_000

# The longest real listed names are 283-383 characters (defence ministries, atomic energy
# commissions); beyond this a name is indexed and compared by its beginning, so that one
# 40,000-character cell costs what a long name costs and never gigabytes.
INDEXED_CHARS = 400


def indexed_text(text: str) -> str:
    """What of a listed name is indexed and compared: all of it, up to ``INDEXED_CHARS``."""
    return text if len(text) <= INDEXED_CHARS else text[:INDEXED_CHARS]


_VOWELS = str.maketrans("", "", "aeiouy")


def consonant_skeleton(token: str) -> str:
    """A transliteration-blind key: "rosoboroneksport" and "rosoboronexport" both give
    "~rsbrnksprt" (x as ks, vowels and doubled letters out)."""
    bare = token.replace("x", "ks").replace("kh", "h").translate(_VOWELS)
    return "~" + "".join(c for i, c in enumerate(bare) if i == 0 or c != bare[i - 1])


def retrieval_keys(name: NormalizedName) -> list[str]:
    """The keys a name is found by; the same function serves names and queries."""
    keys = [t for t in name.tokens if t not in terms.LEGAL_TOKENS]
    if name.distinctive:
        keys.extend(name.syllables)
        keys.extend(consonant_skeleton(t) for t in name.distinctive if len(t) >= _SKELETON_MIN_LEN)
        if len(name.distinctive) > 1:
            keys.append(name.joined)
    else:  # only generic words, or only a legal form ("JSC"): the whole name is the key
        whole = "".join(sorted(keys or name.tokens))
        keys.extend([whole] if whole else [])
    return list(dict.fromkeys(keys))


def fuzzy_keys(name: NormalizedName) -> list[str]:
    """The query keys worth reaching through typos: distinctive tokens, and their joined form
    (which may be one listed word: "Hua Wie" reaches "huawei")."""
    keys = [*name.distinctive, name.joined] if len(name.distinctive) > 1 else list(name.distinctive)
    return [k for k in dict.fromkeys(keys) if len(k) >= _FUZZY_MIN_LEN - 1]


def _deletions(key: str) -> Iterator[str]:
    yield key
    for i in range(len(key)):
        yield key[:i] + key[i + 1 :]


def _hash(text: str) -> int:
    """Stable across processes (unlike ``hash``), so an index can be pickled to a worker."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True, slots=True, eq=False)
class ScreeningIndex:
    """Names of ``entries`` by name id (0..len-1), with postings from keys to name ids."""

    entries: tuple[ListEntry, ...]
    name_entry: IntArray  # name id → index into entries
    name_position: IntArray  # name id → index into that entry's names
    name_tokens: list[str]  # name id → canonical tokens, space-joined
    # name id → distinctive tokens, and their pinyin syllables, space-joined: what the scorer
    # compares vectorised over all candidates before it looks closer at the promising ones
    name_distinctive: list[str]
    name_syllables: list[str]
    name_length: npt.NDArray[np.int16]  # name id → how many tokens it has
    key_ids: dict[str, int]
    posting_offsets: npt.NDArray[np.int64]  # key id → start in postings; one extra at the end
    postings: IntArray
    deletion_hashes: npt.NDArray[np.uint64]  # sorted
    deletion_key_ids: IntArray  # parallel to deletion_hashes
    max_postings: int
    # token → rarity, filled as queries ask (a few thousand words at most)
    rarities: dict[str, float] = field(default_factory=dict, repr=False)
    # name id → normal form, for the names queries meet (bounded: ``_KEPT_NAMES``)
    kept_names: dict[int, NormalizedName] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, entries: Iterable[ListEntry]) -> ScreeningIndex:
        """Index every name of ``entries``; also how a delta index over changed entries is made."""
        entry_list = tuple(entries)
        name_entry, name_position = array("i"), array("i")
        name_tokens: list[str] = []
        name_distinctive: list[str] = []
        name_syllables: list[str] = []
        key_ids: dict[str, int] = {}
        posting_keys, posting_names = array("i"), array("i")
        fuzzy: set[int] = set()
        for entry_number, entry in enumerate(entry_list):
            for position, entry_name in enumerate(entry.names):
                normalized = normalize_uncached(indexed_text(entry_name.text))
                name_id = len(name_tokens)
                name_entry.append(entry_number)
                name_position.append(position)
                name_tokens.append(" ".join(normalized.tokens))
                name_distinctive.append(" ".join(normalized.distinctive))
                name_syllables.append(" ".join(normalized.syllables))
                for key in retrieval_keys(normalized):
                    key_id = key_ids.setdefault(key, len(key_ids))
                    posting_keys.append(key_id)
                    posting_names.append(name_id)
                # Distinctive words only: a joined form reached with a typo is rare, and the
                # deletions of long joined strings would double the table.
                fuzzy.update(key_ids[k] for k in normalized.distinctive if len(k) >= _FUZZY_MIN_LEN)
        keys_np = np.frombuffer(posting_keys, dtype=np.int32)
        order = np.argsort(keys_np, kind="stable")
        counts = np.bincount(keys_np, minlength=len(key_ids)) if len(keys_np) else np.zeros(0)
        offsets = np.zeros(len(key_ids) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        key_text = list(key_ids)
        hashes, owners = array("Q"), array("i")
        for key_id in sorted(fuzzy):
            for variant in _deletions(key_text[key_id]):
                hashes.append(_hash(variant))
                owners.append(key_id)
        hashes_np = np.frombuffer(hashes, dtype=np.uint64)
        by_hash = np.argsort(hashes_np, kind="stable")
        return cls(
            entries=entry_list,
            name_entry=np.frombuffer(name_entry, dtype=np.int32).copy(),
            name_position=np.frombuffer(name_position, dtype=np.int32).copy(),
            name_tokens=name_tokens,
            name_distinctive=name_distinctive,
            name_syllables=name_syllables,
            name_length=np.fromiter(
                (min(len(t.split()), 1000) for t in name_tokens),
                dtype=np.int16,
                count=len(name_tokens),
            ),
            key_ids=key_ids,
            posting_offsets=offsets,
            postings=np.frombuffer(posting_names, dtype=np.int32)[order].copy(),
            deletion_hashes=hashes_np[by_hash].copy(),
            deletion_key_ids=np.frombuffer(owners, dtype=np.int32)[by_hash].copy(),
            max_postings=max(1000, len(name_tokens) // 50),
        )

    def __len__(self) -> int:
        """The number of names (not entries) indexed."""
        return len(self.name_tokens)

    def restricted_to(self, entity_ids: Iterable[str]) -> ScreeningIndex:
        """A new index over the entries with these ``source:entry_id``s (delta re-screening)."""
        wanted = set(entity_ids)
        return ScreeningIndex.build(e for e in self.entries if e.entity_id in wanted)

    def entry_of(self, name_id: int) -> ListEntry:
        return self.entries[int(self.name_entry[name_id])]

    def entry_name(self, name_id: int) -> EntryName:
        return self.entry_of(name_id).names[int(self.name_position[name_id])]

    def normalized(self, name_id: int) -> NormalizedName:
        """The stored normal form (without steps: ``normalize`` the text again for those);
        kept for the names queries keep meeting, up to ``_KEPT_NAMES`` of them."""
        kept = self.kept_names.get(name_id)
        if kept is not None:
            return kept
        tokens = self.name_tokens[name_id]
        name = from_tokens(self.entry_name(name_id).text, tuple(tokens.split()) if tokens else ())
        if len(self.kept_names) >= _KEPT_NAMES:
            self.kept_names.clear()
        self.kept_names[name_id] = name
        return name

    def rarity(self, token: str) -> float:
        """How much agreeing on ``token`` says, in [0, 1]: 1 for a word no listed name has,
        near 0 for "china" or "institute" (inverse document frequency over the names)."""
        known = self.rarities.get(token)
        if known is not None:
            return known
        total = len(self)
        key_id = self.key_ids.get(token)
        offsets = self.posting_offsets
        held = 0 if key_id is None else int(offsets[key_id + 1] - offsets[key_id])
        found = math.log1p(total / (held + 1)) / math.log1p(total) if total else 1.0
        self.rarities[token] = found
        return found

    def _fuzzy_key_ids(self, key: str) -> set[int]:
        variants = np.fromiter((_hash(v) for v in _deletions(key)), dtype=np.uint64)
        low = np.searchsorted(self.deletion_hashes, variants, side="left")
        high = np.searchsorted(self.deletion_hashes, variants, side="right")
        found: set[int] = set()
        for start, stop in zip(low.tolist(), high.tolist(), strict=True):
            found.update(self.deletion_key_ids[start:stop].tolist())
        return found

    def candidates(
        self, query: NormalizedName, *, limit: int = 64, also: Iterable[str] = ()
    ) -> Sequence[int]:
        """Up to ``limit`` name ids sharing the most (idf-weighted) keys with ``query`` (and the
        keys ``also``, met exactly), the most first."""
        weights: dict[int, float] = {}
        for key in (*retrieval_keys(query), *also):
            key_id = self.key_ids.get(key)
            if key_id is not None:
                weights[key_id] = 1.0
        for key in fuzzy_keys(query):
            for key_id in self._fuzzy_key_ids(key):
                weights.setdefault(key_id, _FUZZY_WEIGHT)
        if not weights:
            return []
        offsets = self.posting_offsets
        sizes = {k: int(offsets[k + 1] - offsets[k]) for k in weights}
        usable = [k for k in weights if sizes[k] <= self.max_postings]
        if not usable:  # only very common keys: the rarest one still narrows to something
            usable = [min(weights, key=sizes.__getitem__)]
        total = len(self)
        slices = [
            self.postings[offsets[k] : offsets[k] + min(sizes[k], self.max_postings)]
            for k in usable
        ]
        idf = [weights[k] * math.log1p(total / sizes[k]) for k in usable]
        ids = np.concatenate(slices)
        scores = np.repeat(np.asarray(idf), [len(s) for s in slices])
        unique, inverse = np.unique(ids, return_inverse=True)
        # Among names sharing the same keys, the shorter first: when hundreds of affiliates all
        # carry "Huawei Technologies", the entry that is only that name must not be cut off.
        summed = np.bincount(inverse, weights=scores) - _LENGTH_WEIGHT * self.name_length[unique]
        if len(unique) > limit:
            best = np.argpartition(-summed, limit)[:limit]
            unique, summed = unique[best], summed[best]
        # best first: a caller that looks closer at only a few takes the most promising
        return [int(i) for i in unique[np.argsort(-summed, kind="stable")].tolist()]
