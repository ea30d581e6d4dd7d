"""Scoring of candidate names against a query, with the reasons for every score.

Pure. The index proposes candidates; here each candidate name is compared with the query in
three forms and the best form wins: distinctive tokens in any order ("Hikvision Digital
Technology Hangzhou"), distinctive tokens joined ("Hua Wei" = 华为 = "Huawei"), and pinyin
syllables in any order (张伟明 = "Ming Wei Zhang" = "ZHANG Weiming"). Generic words add a
little agreement but cannot carry a match: a comparison in which either side has no distinctive
token is scaled down unless the two names are (nearly) the same words. Kind, country and weak
aliases subtract fixed penalties, so an exact name with a wrong country is still shown.

``compare_names`` is symmetric in its two names; penalties depend on the list entry only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from rarex.screening import terms, terms_pinyin
from rarex.screening.example import MOST_ADDED, Example
from rarex.screening.example import check as check_example
from rarex.screening.index import ScreeningIndex, indexed_text
from rarex.screening.meaning import SPELLED_OUT, meaning_reading, pinyin_reading
from rarex.screening.normalize import HAN_RUN, NormalizedName, from_tokens, normalize
from rarex.screening.records import ListEntry, NameRole, PartyKind
from rarex.screening.results import (
    DEFAULT,
    Explanation,
    Match,
    MatchSettings,
    NameComparison,
    Penalty,
)

__all__ = [
    "DEFAULT",
    "Explanation",
    "Match",
    "MatchSettings",
    "NameComparison",
    "Penalty",
    "compare_names",
    "search",
    "search_counted",
    "search_many",
]


def _non_legal(name: NormalizedName) -> str:
    """The words that say what a name is; all of them when it is nothing but a legal form."""
    return " ".join(t for t in name.tokens if t not in terms.LEGAL_TOKENS) or name.spaced


def _partners(
    left: tuple[str, ...], right: tuple[str, ...]
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...]]:
    """Pair tokens that agree (exactly, or 80% alike), for the explanation."""
    agreed: list[tuple[str, str]] = []
    rest = list(right)
    missing: list[str] = []
    for token in left:
        best = process.extractOne(token, rest, scorer=fuzz.ratio, score_cutoff=80) if rest else None
        if best is None:
            missing.append(token)
        else:
            agreed.append((token, best[0]))
            rest.remove(best[0])
    return tuple(agreed), tuple(missing), tuple(rest)


def _alike(left: str, right: str) -> bool:
    """Words 80% alike are partners, and short words a letter apart ("Roz", "Rkz"; "Del",
    "Dle"); numbers ("713th", "719th") only when equal."""
    if not (left.isalpha() and right.isalpha()):
        return False
    if fuzz.ratio(left, right, score_cutoff=80) > 0:
        return True
    return 3 <= min(len(left), len(right)) <= _SHORT_WORD and OSA.distance(left, right) == 1


_SHORT_WORD = 4


def _coverage(left: tuple[str, ...], right: tuple[str, ...]) -> tuple[int, int]:
    """Tokens of both sides with a partner (equal, or ``_alike``) on the other, and all tokens.

    Character similarity alone lets a long shared part carry a name: "Nikitina Iryna Mehr"
    against "Nikitina Iryna Petrivna" is 0.8 alike by characters, yet a third of its words
    disagree. Symmetric.
    """
    total = len(left) + len(right)
    if left == right:
        return total, total
    left_set, right_set = set(left), set(right)
    left_rest = [t for t in left if t not in right_set]
    right_rest = [t for t in right if t not in left_set]
    matched = total - len(left_rest) - len(right_rest)
    if left_rest and right_rest:
        matched += sum(1 for t in left_rest if any(_alike(t, u) for u in right_rest))
        matched += sum(1 for u in right_rest if any(_alike(u, t) for t in left_rest))
    return matched, total


def _covered_similarity(
    left: tuple[str, ...],
    right: tuple[str, ...],
    settings: MatchSettings,
    *,
    in_order: bool = False,
) -> float:
    """Characters alike, scaled by the share of words with a partner, less a fixed amount per
    word without one: a word more or less is another company ("Sino Rapids Superconductor",
    "Sino Superconductor") however long the rest."""
    spaced_left, spaced_right = " ".join(left), " ".join(right)
    characters = fuzz.token_sort_ratio(spaced_left, spaced_right) / 100
    if in_order:
        # also as written: a typo in a first letter ("Arpid Cut", "Rapid Cut") can move a word
        # elsewhere in the sorted order (``_promising`` bounds this through its written order)
        characters = max(characters, fuzz.ratio(spaced_left, spaced_right) / 100)
    if characters == 1.0:
        return 1.0
    matched, total = _coverage(left, right)
    floor = settings.coverage_floor
    scaled = characters * (floor + (1 - floor) * matched / total) if total else 0.0
    return max(0.0, scaled - settings.unmatched_word_penalty * (total - matched))


def _joined_similarity(left: str, right: str, settings: MatchSettings) -> float:
    """Spacing-blind similarity ("Sino Trans" = "Sinotrans"); trusted only when nearly equal,
    because one long shared word makes any two joined strings look alike."""
    similarity = fuzz.ratio(left, right) / 100
    return similarity if similarity >= settings.joined_min else similarity * settings.coverage_floor


_DESCRIPTIVE = terms.GENERIC_TOKENS - terms.LEGAL_TOKENS


def _what_it_does_unpartnered(left: tuple[str, ...], right: tuple[str, ...]) -> int:
    """Descriptive words of ``left`` saying what it does, with no partner in ``right``."""
    return sum(
        1
        for t in left
        if t not in right
        and t not in terms.FORM_WORDS
        and t not in terms.PLACES
        and not any(_alike(t, u) for u in right)
    )


def _generic_agreement(
    query: NormalizedName, name: NormalizedName, settings: MatchSettings
) -> float | None:
    """How far the descriptive words agree, in [0, 1], None when neither has any; symmetric.

    Words on one side only that say what an organisation is or where rather than what it
    does ("Huawei" against "Huawei Technologies", "中国华为") are weak evidence
    (``generic_absent_form``); words on one side only that say what it does ("Khazar Steel")
    are stronger (``generic_absent``; ``generic_unpartnered_penalty`` each when the other
    side has descriptive words too: "Munsa International Investments"); words that disagree
    ("Ellissa Shipping", "Ellissa Holding") are strong evidence of another company, and so are
    different places ("AVIC Xian Aircraft", "AVIC Chengdu Aircraft"), which lose
    ``place_mismatch_penalty`` more.
    """
    left = tuple(t for t in query.tokens if t in _DESCRIPTIVE)
    right = tuple(t for t in name.tokens if t in _DESCRIPTIVE)
    if not left and not right:
        return None
    if not left or not right:
        # "Huawei" and "Huawei Technologies" are one company; "Khazar" and "Khazar Steel" two
        present = left or right
        if all(t in terms.FORM_WORDS or t in terms.PLACES for t in present):
            return settings.generic_absent_form
        # one word more ("Latebrook Trading Ltd" for "Latebrook Ltd") is a word dropped; two
        # are another business
        return settings.generic_absent_one if len(present) == 1 else settings.generic_absent
    agreement = _covered_similarity(
        left, right, settings
    ) - settings.generic_unpartnered_penalty * (
        _what_it_does_unpartnered(left, right) + _what_it_does_unpartnered(right, left)
    )
    if _different_places(left, right):
        agreement -= settings.place_mismatch_penalty
    return max(0.0, agreement)


_VOWELS = frozenset("aeiouy")


def _is_initials(token: str) -> bool:
    """ "j", or "vv" as "V.V." is written run together: letters standing for given names."""
    return token.isalpha() and (len(token) == 1 or (len(token) <= 3 and _VOWELS.isdisjoint(token)))


def _expand_initials(left: tuple[str, ...], right: tuple[str, ...]) -> tuple[tuple[str, ...], int]:
    """``left`` with each initial replaced by the word of ``right`` it abbreviates ("J. Smith"
    against "John Smith" reads "john smith"), and how many were replaced."""
    spare = [t for t in right if t not in left and len(t) > 1]
    out: list[str] = []
    replaced = 0
    for token in left:
        if not _is_initials(token) or token in right:
            out.append(token)
            continue
        words = []
        for letter in token:
            word = next((w for w in spare if w[0] == letter), None)
            if word is None:
                break
            spare.remove(word)
            words.append(word)
        if len(words) == len(token):
            out.extend(words)
            replaced += len(words)
        else:
            spare.extend(words)
            out.append(token)
    return tuple(out), replaced


_PATRONYMIC = ("ovich", "evich", "ovych", "evych", "ivich", "ovna", "evna", "ivna", "yevna", "ich")


def _without_a_middle_name(
    left: tuple[str, ...], right: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """When the longer side is the shorter with a patronymic more in the middle ("Vladimir
    Putin", "Vladimir Vladimirovich Putin"), the two without it."""
    short, long_ = (left, right) if len(left) < len(right) else (right, left)
    if len(short) < 2 or len(long_) != len(short) + 1:
        return None
    for i in range(len(long_)):
        rest = long_[:i] + long_[i + 1 :]
        # a patronymic anywhere ("ZOLOTOV, Viktor Vasiliyevich"); another word only when it
        # is not one of the short name's first and last (a second given name, "MURILLO
        # SALAZAR, Claudia Julieta"): the words kept must all agree, in any order
        droppable = long_[i].endswith(_PATRONYMIC) or i not in (0,)
        if droppable and sorted(rest) == sorted(short):
            return short, rest
    return None


def _different_places(left: Iterable[str], right: Iterable[str]) -> bool:
    """Both sides name places, and none the same ("AVIC Xian", "AVIC Chengdu"); a direction
    and its adjective are one place ("north", "northern"), but "South China" (华南) is a
    region of its own, not "Southern" (南方)."""
    here, there = _places(left), _places(right)
    if not here or not there or here & there:
        return False
    # China holds its provinces and cities: "China Aviation …" is not elsewhere than "Beijing …"
    return not any(
        side == {"china"} and other <= terms.CHINESE_PLACES
        for side, other in ((here, there), (there, here))
    )


_DIRECTIONS = {f"{d}ern": d for d in ("north", "south", "east", "west")}


def _places(tokens: Iterable[str]) -> set[str]:
    words = list(tokens)
    found: set[str] = set()
    for i, word in enumerate(words):
        if word not in terms.PLACES:
            continue
        if word in _DIRECTIONS.values() and words[i + 1 : i + 2] == ["china"]:
            found.add(word + " china")
        else:
            found.add(_DIRECTIONS.get(word, word))
    return found


_DIGIT_RUN = re.compile(r"[0-9]+")


def _numbers(tokens: Iterable[str]) -> set[str]:
    """The numbers a name holds, ordinals as their number ("14th" and "14" are one institute)."""
    return set(_DIGIT_RUN.findall(" ".join(tokens)))


def _initialism_of(token: str, words: Sequence[str]) -> bool:
    """ "csic" in "china shipbuilding industry group company csic": a short name made of the
    initials of the name's own words, in their order."""
    if not (3 <= len(token) <= 6 and token.isalpha()):
        return False
    initials = iter(w[0] for w in words if w != token)
    return all(letter in initials for letter in token)


def _weighted_agreement(
    left: Sequence[str],
    right: Sequence[str],
    rarity: Callable[[str], float],
    light: frozenset[str] = frozenset(),
    light_share: float = 1.0,
) -> tuple[float, tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...]]:
    """Words of both sides with a partner (equal, or 80% alike), each weighing its rarity:
    agreeing on "719th" or "shipbuilding" says more than agreeing on "china" or "institute".
    A ``light`` word of ``left`` without partner weighs ``light_share`` of its rarity."""
    rest = list(right)
    agreed: list[tuple[str, str]] = []
    missing: list[str] = []
    weight = 0.0
    for token in sorted(left, key=rarity, reverse=True):
        if token in rest:
            partner, credit = token, 1.0
        elif not token.isalpha():
            # "29th" and "29": one number (``_numbers`` already holds both sides' equal)
            same = next(
                (t for t in rest if not t.isalpha() and _numbers((t,)) == _numbers((token,))), None
            )
            if same is None or not _numbers((token,)):
                missing.append(token)
                continue
            partner, credit = same, 1.0
        elif (stem := _same_stem(token, rest)) is not None:  # "optical", "optics"
            partner, credit = stem, 0.95
        else:
            best = (
                process.extractOne(token, rest, scorer=fuzz.ratio, score_cutoff=80)
                if rest and token.isalpha()
                else None
            )
            if best is None or not best[0].isalpha():
                missing.append(token)
                continue
            partner, credit = best[0], best[1] / 100
        rest.remove(partner)
        agreed.append((token, partner))
        weight += credit * (rarity(token) + rarity(partner))
    total = (
        sum(rarity(a) + rarity(b) for a, b in agreed)
        + sum(rarity(t) * (light_share if t in light else 1.0) for t in missing)
        + sum(map(rarity, rest))
    )
    return (weight / total if total else 0.0), tuple(agreed), tuple(missing), tuple(rest)


# A word and a longer one it begins ("develop", "development"; "device", "devices") are one
# word in a translation, from this many letters.
_STEM_MIN = 5


def _partner_in(token: str, words: set[str]) -> str | None:
    if token in words:
        return token
    if len(token) >= _STEM_MIN and token.isalpha():
        # the closest in length, then the first alphabetically: a set's order changes from one
        # process to the next, a screening's answer must not
        found = sorted(
            (abs(len(w) - len(token)), w)
            for w in words
            if len(w) >= _STEM_MIN and (w.startswith(token) or token.startswith(w))
        )
        return found[0][1] if found else None
    return None


def _same_stem(token: str, words: Sequence[str]) -> str | None:
    """A word of ``words`` sharing ``token``'s stem: the first five letters or more, all but
    two letters of the shorter."""
    if len(token) < _STEM_MIN or not token.isalpha():
        return None
    for word in words:
        if len(word) < _STEM_MIN or not word.isalpha():
            continue
        shorter = min(len(word), len(token))
        common = 0
        while common < shorter and word[common] == token[common]:
            common += 1
        if common >= _STEM_MIN and common >= shorter - 2:
            return word
    return None


def _chosen_reading(query: NormalizedName, words: set[str]) -> tuple[str, ...]:
    """The query's tokens with each word that could be read otherwise read as ``words`` read
    it, where one of its readings is there ("yidong" as "mobile" against "China Mobile",
    "put to use" as "applied" against "Institute of Applied Acoustics")."""
    tokens = list(query.tokens)
    for chosen, options in query.alternatives:
        width = len(chosen)
        at = next(
            (i for i in range(len(tokens) - width + 1) if tuple(tokens[i : i + width]) == chosen),
            None,
        )
        if at is None:
            continue
        if all(t in words for t in chosen):
            # a short name the listed name spells out beside it ("China Aerospace Science and
            # Industry Corporation (CASIC)"): the query's "casic" says both
            for option in options:
                partners = [_partner_in(t, words) for t in option]
                if len(option) > width and all(partners):
                    tokens += [p for p in partners if p and p not in tokens]
                    break
            continue
        for option in options:
            partners = [_partner_in(t, words) for t in option]
            if all(partners):
                # a word the name already says elsewhere is not said twice ("china" of 中国)
                rest = tokens[:at] + tokens[at + width :]
                tokens[at : at + width] = [p for p in partners if p and p not in rest]
                break
    return tuple(tokens)


TRANSLATED_LONE_WORD = 0.15
# What a word of the translation weighs without a partner when a Chinese name says it and
# its English name leaves it out: 集团 "group", 科技 "science (and technology)", 市 "city".
TRANSLATED_LIGHT_SHARE = 0.25
_NOISE_OF_TRANSLATION = frozenset(
    {"group", "company", "city", "province", "prefecture", "district", "county", "pla"}
)
# Words a translation adds or leaves out without naming another organisation: what kind of
# body it is (集团 "group", 研究所 "institute"), 中国 "China", 科技 "science and technology".
_LIGHT_WORDS = terms.FORM_WORDS | frozenset(
    {"china", "national", "group", "institute", "center", "company", "corporation", "city"}
)


def _compounds_joined(tokens: list[str], other: list[str]) -> list[str]:
    """``tokens`` with two words written as one where ``other`` writes them so: 微电子
    "microelectronics" against "Shanghai Micro Electronics Equipment"."""
    joined = {t for t in other if len(t) > 5}
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = tokens[i] + tokens[i + 1] if i + 1 < len(tokens) else ""
        if pair in joined and pair not in tokens:
            out.append(pair)
            i += 2
        else:
            out.append(tokens[i])
            i += 1
    return out


def _spelled_out(tokens: Sequence[str], words: set[str]) -> list[str]:
    """``tokens`` with a group's short name written out where ``words`` write it out ("AVIC
    Flight Automatic Control Research Institute" against 中国航空工业集团公司西安飞行…)."""
    out: list[str] = []
    for token in tokens:
        spelled = SPELLED_OUT.get(token)
        if spelled is not None and token not in words and set(spelled.split()) <= words:
            out += [w for w in spelled.split() if w not in out and w not in tokens]
        else:
            out.append(token)
    return out


def compare_translated(
    query: NormalizedName,
    name: NormalizedName,
    rarity: Callable[[str], float],
    settings: MatchSettings = DEFAULT,
) -> NameComparison:
    """A Chinese name read for its meaning against a listed name: every word counts, weighed by
    how rare it is among listed names, because a translated organisation name is mostly words
    ``terms`` calls generic ("China Shipbuilding Industry Group 719th Institute"), and which of
    them agree is what tells one institute from another. Numbers must be the same (the 719th is
    not the 716th), places too; a short name made of the name's own initials ("CSIC") is
    neither missing nor extra.
    """
    chosen = _chosen_reading(query, {t for t in name.tokens if t not in terms.LEGAL_TOKENS})
    right = _spelled_out(name.tokens, set(chosen))
    right = [t for t in right if t not in terms.LEGAL_TOKENS]
    left = [t for t in chosen if t not in terms.LEGAL_TOKENS]
    left, right = _compounds_joined(left, right), _compounds_joined(right, left)
    left = [t for t in left if t in right or not _initialism_of(t, chosen)]
    right = [t for t in right if t in left or not _initialism_of(t, name.tokens)]
    compared_as = "meaning, words weighed by rarity"
    if not left or not right:
        return NameComparison(0.0, compared_as)
    if _numbers(left) != _numbers(right):
        return NameComparison(0.0, compared_as, penalties=(Penalty("numbers differ", 1.0),))
    similarity, agreed, missing, unmatched = _weighted_agreement(
        left, right, rarity, _NOISE_OF_TRANSLATION, TRANSLATED_LIGHT_SHARE
    )
    penalties: list[Penalty] = []
    # a word more or less is another organisation as often as not, the rarer the more so
    # the listed name's words the query lacks: the query's own extras are as often the noise
    # of a translation (a syllable left in pinyin, 责任 "responsibility" of 有限责任公司)
    lone = [t for t in unmatched if t not in _LIGHT_WORDS and t not in terms_pinyin.SYLLABLES]
    if lone:
        amount = round(TRANSLATED_LONE_WORD * len(lone), 4)
        similarity -= amount
        penalties.append(Penalty("words without partner: " + ", ".join(lone), amount))
    if _different_places(left, right):
        similarity -= settings.place_mismatch_penalty
        penalties.append(Penalty("different places", settings.place_mismatch_penalty))
    return NameComparison(
        max(0.0, similarity), compared_as, agreed, missing, unmatched, tuple(penalties)
    )


def _says_more(left: NormalizedName, right: NormalizedName) -> bool:
    """Either name has a word of substance the other lacks: "Hunan University of Science and
    Technology" is not "Hunan Defense Science and Technology University", nor "China State
    Construction Engineering" "China Nuclear Engineering & Construction"."""
    here = {t for t in left.tokens if t not in terms.LEGAL_TOKENS}
    there = {t for t in right.tokens if t not in terms.LEGAL_TOKENS}
    return any(
        t not in _LIGHT_WORDS and not any(_alike(t, u) for u in other)
        for side, other in ((here - there, there - here), (there - here, here - there))
        for t in side
    )


def _without_own_acronym(name: NormalizedName, other: NormalizedName) -> NormalizedName:
    """``name`` without the short name of its own initials it ends with, when ``other`` lacks
    it: "Charter Green Light Moscow (CGLM)" is "Charter Green Light Moscow"."""
    last = name.tokens[-1]
    if (
        len(name.tokens) > len(last)
        and last in name.distinctive
        and last not in other.tokens
        and _initialism_of(last, name.tokens[:-1])
    ):
        return from_tokens(name.text, name.tokens[:-1], name.steps)
    return name


def compare_names(
    query: NormalizedName,
    name: NormalizedName,
    *,
    person_like: bool = True,
    settings: MatchSettings = DEFAULT,
    explain: bool = False,
) -> NameComparison:
    """Similarity in [0, 1] of two normalised names, symmetric in ``query`` and ``name``.

    ``person_like`` is False when either side is known to be an organisation: syllables in any
    order then count a little less. ``explain`` adds the token pairing, which costs more.
    """
    if not query.tokens or not name.tokens:
        return NameComparison(0.0, "nothing to compare")
    query, name = _without_own_acronym(query, name), _without_own_acronym(name, query)
    if not query.distinctive or not name.distinctive:
        every = fuzz.token_sort_ratio(_non_legal(query), _non_legal(name)) / 100
        # "Beijing ... University" is not "Nanjing ... University"
        if _different_places(query.tokens, name.tokens):
            every = max(0.0, every - settings.place_mismatch_penalty)
        if (
            not query.distinctive
            and not name.distinctive
            and every >= settings.generic_exact_min
            and not _says_more(query, name)
        ):
            return NameComparison(every, "all words (generic only)")
        side = (
            "both names"
            if not query.distinctive and not name.distinctive
            else ("the query" if not query.distinctive else "the list name")
        )
        penalty = Penalty(f"generic-only overlap: {side} has no distinctive word", 0.0)
        scaled = every * settings.generic_only_factor
        return NameComparison(
            scaled,
            "all words (generic only)",
            missing=query.distinctive,
            unmatched=name.distinctive,
            penalties=(Penalty(penalty.reason, round(every - scaled, 4)),),
        )
    syllable_factor = 1.0 if person_like else settings.non_person_syllable_factor
    left, initials = _expand_initials(query.distinctive, name.distinctive)
    right, more = _expand_initials(name.distinctive, left)
    # an initial agrees with the name it abbreviates, but less than the name written out
    by_words = _covered_similarity(left, right, settings, in_order=True) - (
        settings.initial_penalty * (initials + more)
    )
    # people's names only: a word more in an organisation's name is another organisation
    if person_like and query.tokens == query.distinctive and name.tokens == name.distinctive:
        middle = _without_a_middle_name(left, right)
        if middle is not None:  # a dropped middle name lowers the score, not to nothing
            by_words = max(
                by_words,
                _covered_similarity(*middle, settings) - settings.dropped_middle_name_penalty,
            )
    forms = (
        (by_words, "words"),
        (
            _covered_similarity(query.syllables, name.syllables, settings) * syllable_factor,
            "pinyin syllables",
        ),
        (
            _joined_similarity(query.joined, name.joined, settings)
            if len(query.distinctive) != len(name.distinctive)
            else 0.0,
            "joined",
        ),
    )
    best, compared_as = max(forms, key=lambda form: form[0])
    generic = _generic_agreement(query, name, settings)
    # Two names without descriptive words agree on nothing there: the distinctive part is all,
    # and in a short one a letter is a different name ("Visa", "Vista"; "Bayer", "Bajer").
    weight = settings.generic_weight if generic is not None else 0.0
    if generic is None and best < 1.0 and max(len(query.joined), len(name.joined)) < 7:
        best *= settings.short_name_factor
    similarity = (1 - weight) * best + weight * (generic or 0.0)
    if not explain:
        return NameComparison(similarity, compared_as)
    left, right = (
        (query.syllables, name.syllables)
        if compared_as == "pinyin syllables"
        else (query.distinctive, name.distinctive)
    )
    if compared_as == "joined":
        left, right = (query.joined,), (name.joined,)
    agreed, missing, unmatched = _partners(left, right)
    penalties = (
        (
            Penalty(
                "distinctive words without partner (within similarity): "
                + ", ".join((*missing, *unmatched)),
                0.0,
            ),
        )
        if missing or unmatched
        else ()
    )
    return NameComparison(similarity, compared_as, agreed, missing, unmatched, penalties)


def _entry_penalties(
    entry: ListEntry,
    role: NameRole,
    kind: PartyKind | None,
    country: str | None,
    settings: MatchSettings,
    *,
    read_kind: PartyKind | None = None,
    chinese: str | None = None,
) -> list[Penalty]:
    """What the entry loses for what the query says of itself: the kind and country asked
    for; when not asked, the kind its legal form says ("… Co., Ltd." is no person), and a name
    written in Chinese against a party with no address in China, Hong Kong, Macao or Taiwan."""
    penalties: list[Penalty] = []
    if role is NameRole.WEAK_ALIAS:
        penalties.append(Penalty("weak alias", settings.weak_alias_penalty))
    elif role is NameRole.FORMER:
        penalties.append(Penalty("former name", settings.former_name_penalty))
    if kind is not None and PartyKind.UNKNOWN not in (kind, entry.kind) and kind is not entry.kind:
        reason = f"kind mismatch: query {kind.value}, list {entry.kind.value}"
        penalties.append(Penalty(reason, settings.kind_mismatch_penalty))
    elif (
        kind is None and read_kind is not None and entry.kind not in (read_kind, PartyKind.UNKNOWN)
    ):
        reason = (
            f"kind mismatch: the query's legal form says {read_kind.value}, list {entry.kind.value}"
        )
        penalties.append(Penalty(reason, settings.kind_mismatch_penalty))
    if chinese and entry.countries and _HAN_COUNTRIES.isdisjoint(entry.countries):
        reason = f"{chinese}, a party in {', '.join(entry.countries)}"
        penalties.append(Penalty(reason, settings.chinese_name_abroad_penalty))
    if country is not None and entry.countries and country.upper() not in entry.countries:
        reason = f"country mismatch: query {country.upper()}, list {', '.join(entry.countries)}"
        penalties.append(Penalty(reason, settings.country_mismatch_penalty))
    return penalties


# How far below the vectorised estimate a joined comparison can land above it: "hua wei"
# against "huawei" is 0.92 by characters and 1.0 joined.
_JOINED_MARGIN = 0.1


def _promising(
    index: ScreeningIndex, query: NormalizedName, candidates: Sequence[int], settings: MatchSettings
) -> list[int]:
    """Candidates whose score can still reach the threshold, estimated for all at once.

    The estimate is an upper bound of ``compare_names`` (coverage and penalties only lower a
    score; the joined form is bounded through the unsorted words plus ``_JOINED_MARGIN``), so
    pruning never loses a match; it spares the per-candidate work for most candidates.
    """
    if not query.distinctive or not candidates:
        return list(candidates)
    if any(_is_initials(t) for t in query.distinctive):
        # "L. M. Yarmoshina": initials expand only against a name, which no estimate sees;
        # the candidates that share the most with it are looked at closer
        return list(candidates[: settings.translated_candidates])
    words = [index.name_distinctive[i] for i in candidates]
    syllables = [index.name_syllables[i] for i in candidates]
    spaced = " ".join(query.distinctive)
    by_words = process.cdist([spaced], words, scorer=fuzz.token_sort_ratio)[0]
    by_order = process.cdist([spaced], words, scorer=fuzz.ratio)[0] + 100 * _JOINED_MARGIN
    by_syllables = process.cdist(
        [" ".join(query.syllables)], syllables, scorer=fuzz.token_sort_ratio
    )[0]
    best = np.maximum(np.maximum(by_words, by_syllables), np.minimum(by_order, 100))
    bound = (1 - settings.generic_weight) * best / 100 + settings.generic_weight
    generic_bound = max(settings.generic_only_factor, settings.generic_exact_min)
    return [
        name_id
        for name_id, estimate, has_words in zip(candidates, bound.tolist(), words, strict=True)
        if (estimate if has_words else generic_bound) >= settings.threshold
    ]


def search(
    index: ScreeningIndex,
    query: str,
    *,
    kind: PartyKind | None = None,
    country: str | None = None,
    limit: int = 10,
    settings: MatchSettings = DEFAULT,
    example: Example | None = None,
) -> list[Match]:
    """``search_counted`` without the count."""
    found, _ = search_counted(
        index, query, kind=kind, country=country, limit=limit, settings=settings, example=example
    )
    return found


def search_counted(
    index: ScreeningIndex,
    query: str,
    *,
    kind: PartyKind | None = None,
    country: str | None = None,
    limit: int = 10,
    settings: MatchSettings = DEFAULT,
    example: Example | None = None,
) -> tuple[list[Match], int]:
    """The best entries for ``query`` scoring at least ``settings.threshold``, best first.

    One match per entry (its best-scoring name); ties are broken by entity id so results are
    stable across runs; at equal scores an entry met by its primary name comes first. Also
    how many entries scored at least the threshold, of which the first ``limit`` are given.
    An ``example`` (identifiers, address, date of birth) adds to or takes from each score as
    its fields agree or disagree with the entry (``example.check``), so that a name a little
    below the threshold with the party's identifier is found, and a namesake born in another
    year falls away.
    """
    # The query as written, and, for a Chinese name, read for its meaning: the better wins.
    readings = [normalize(query)]
    meaning = meaning_reading(query) or pinyin_reading(query)
    if meaning is not None:
        readings.append(meaning)
    lift = MOST_ADDED if example else 0.0
    reachable = replace(settings, threshold=settings.threshold - lift) if lift else settings
    # a name in Chinese, in characters or in pinyin, is also compared as a translation
    translated = (
        meaning is not None
        or HAN_RUN.search(query) is not None
        or any(step.startswith("pinyin term") for step in readings[0].steps)
    )
    read_kind = (
        None if terms.LEGAL_TOKENS.isdisjoint(readings[0].tokens) else PartyKind.ORGANIZATION
    )
    in_china = _in_china(readings[0], translated=translated)
    # the readings compared as translations, and what each costs beyond its comparison
    as_translation = {len(readings) - 1} if translated else set()
    extra = [0.0] * len(readings)
    parent = parent_of_unit(readings[-1]) if translated else None
    if parent is not None:
        as_translation.add(len(readings))
        readings.append(parent)
        extra.append(settings.unit_of_listed_penalty)
    best: dict[int, tuple[float, int, int]] = {}  # entry number → (score, name id, reading)
    for reading, normalized in enumerate(readings):
        candidates = index.candidates(
            normalized, limit=max(settings.candidates, limit), also=_other_readings(normalized)
        )
        # A translated name of generic words only ("Beijing Aerospace Control Instrument
        # Institute") has no estimate to prune with: its best candidates by retrieval are
        # compared both ways below, the rest not at all.
        promising = (
            set(_promising(index, normalized, candidates, reachable))
            if normalized.distinctive or not translated
            else set()
        )
        # a translation can agree word for word where the characters of the whole do not:
        # the candidates most alike by their words are also compared so
        # (the reading for the meaning when there is one; the name as written when not)
        by_meaning = (
            set(candidates[: settings.translated_candidates])
            if reading in as_translation
            else set()
        )
        for name_id in sorted(promising | by_meaning):
            comparison = _compared(
                index,
                normalized,
                name_id,
                kind or read_kind,
                settings,
                translated=name_id in by_meaning,
                by_words=name_id in promising
                or (not normalized.distinctive and name_id in by_meaning),
            )
            if comparison.similarity - extra[reading] < settings.threshold - lift:
                continue  # penalties only take away, an example adds at most ``lift``
            entry = index.entry_of(name_id)
            role = index.entry_name(name_id).role
            lost = sum(
                p.amount
                for p in _entry_penalties(
                    entry, role, kind, country, settings, read_kind=read_kind, chinese=in_china
                )
            ) - (sum(c.amount for c in check_example(example, entry)) if example else 0.0)
            # ranked by the score before it is capped at 1: an exact name whose identifier
            # agrees comes before an exact name alone
            score = max(0.0, comparison.similarity - lost - extra[reading])
            entry_number = int(index.name_entry[name_id])
            if score >= settings.threshold and score > best.get(entry_number, (-1.0, 0, 0))[0]:
                best[entry_number] = (score, name_id, reading)
    ranked = sorted(
        best.items(),
        key=lambda item: _rank(
            index, readings[item[1][2]], translated, item[0], item[1][0], item[1][1]
        ),
    )[:limit]
    return [
        _explained(
            index,
            readings[reading],
            name_id,
            kind,
            country,
            settings,
            translated,
            read_kind,
            example,
            unit_of=readings[0].text if extra[reading] else None,
            in_china=in_china,
        )
        for _, (_, name_id, reading) in ranked
    ], len(best)


def _compared(
    index: ScreeningIndex,
    query: NormalizedName,
    name_id: int,
    kind: PartyKind | None,
    settings: MatchSettings,
    *,
    translated: bool,
    listed: NormalizedName | None = None,
    explain: bool = False,
    by_words: bool = True,
) -> NameComparison:
    """The query against one indexed name; a translated query also word by word by rarity.
    ``by_words`` False skips ``compare_names`` where it cannot reach the threshold."""
    entry = index.entry_of(name_id)
    person_like = kind is not PartyKind.ORGANIZATION and entry.kind is not PartyKind.ORGANIZATION
    name = listed if listed is not None else index.normalized(name_id)
    comparison = (
        compare_names(query, name, person_like=person_like, settings=settings, explain=explain)
        if by_words
        else NameComparison(0.0, "words (cannot reach the threshold)")
    )
    if translated:
        by_meaning = compare_translated(query, name, index.rarity, settings)
        if by_meaning.similarity > comparison.similarity:
            return by_meaning
    return comparison


# A parent's last word, and a unit's, in a name read in the Chinese order: 集团公司 … 研究所,
# 研究院 … 研究所, 大学 … 学院.
_PARENT_ENDS = frozenset({"institute", "group", "company", "university", "corporation"})
_UNIT_ENDS = frozenset(
    {"institute", "center", "factory", "plant", "station", "site", "laboratory", "bureau"}
)


def parent_of_unit(reading: NormalizedName) -> NormalizedName | None:
    """The parent of a unit a Chinese name (read in its own order) names under it, or None:
    中国工程物理研究院流体物理研究所 "china engineering physics institute | fluid physics
    institute". The parent and the unit must each say more than their kind (a word of
    substance); the last parent end before the unit's words is taken (集团公司 | 第二十九研究所)."""
    tokens = [t for t in reading.tokens if t not in terms.LEGAL_TOKENS or t == "company"]
    if len(tokens) < 4 or tokens[-1] not in _UNIT_ENDS:
        return None
    for end in range(len(tokens) - 2, 0, -1):
        if tokens[end] not in _PARENT_ENDS:
            continue
        parent, unit = tokens[: end + 1], tokens[end + 1 :]
        substance = [t for t in parent if t not in _LIGHT_WORDS and t not in terms.LEGAL_TOKENS]
        if substance and any(t not in _LIGHT_WORDS for t in unit):
            return from_tokens(reading.text, tuple(parent), reading.steps)
    return None


def _other_readings(name: NormalizedName) -> tuple[str, ...]:
    """The words a translated name could also have been read as, to look it up by."""
    return tuple(
        dict.fromkeys(t for _, options in name.alternatives for option in options for t in option)
    )


_HAN_COUNTRIES = frozenset({"CN", "HK", "MO", "TW"})


def _in_china(reading: NormalizedName, *, translated: bool) -> str | None:
    """What says the query is about a party in China, if anything: written in Chinese, or
    naming a place there ("Shanghai Institute of Technical Physics" is not the Russian one)."""
    if translated:
        return "a name in Chinese"
    named = [t for t in reading.tokens if t in terms.CHINESE_PLACES]
    return f"a place in China ({named[0]})" if named else None


def _rank(
    index: ScreeningIndex,
    reading: NormalizedName,
    han_query: bool,
    entry_number: int,
    score: float,
    name_id: int,
) -> tuple[float, float, bool, bool, int, str]:
    """The order of results: the score, then, among equal scores, the entry that is the party
    before its branches and namesakes:

    1. exactness: how closely the entry's nearest name, legal form included, is the query
       ("Huawei Technologies Co., Ltd." before "Huawei Technology");
    2. a query in Chinese characters puts entries in China, Hong Kong, Macao and Taiwan first
       (the Shenzhen headquarters before the branch in Hanoi);
    3. met by its primary name before an alias: ten affiliates listing "Huawei Technologies
       Co., Ltd." as an alias must not crowd out the entry that is Huawei Technologies;
    4. completeness: the entry listed with more names (the head entity, with its aliases)
       before one listed with fewer; then the entity id, so results are stable.
    """
    entry = index.entries[entry_number]
    first = name_id - int(index.name_position[name_id])
    wanted = " ".join(reading.tokens)
    exactness = max(
        fuzz.ratio(wanted, index.name_tokens[i]) for i in range(first, first + len(entry.names))
    )
    return (
        -score,
        -exactness,
        han_query and _HAN_COUNTRIES.isdisjoint(entry.countries),
        index.entry_name(name_id).role is not NameRole.PRIMARY,
        -len(entry.names),
        entry.entity_id,
    )


def _explained(
    index: ScreeningIndex,
    query: NormalizedName,
    name_id: int,
    kind: PartyKind | None,
    country: str | None,
    settings: MatchSettings,
    translated: bool,
    read_kind: PartyKind | None,
    example: Example | None = None,
    *,
    unit_of: str | None = None,
    in_china: str | None = None,
) -> Match:
    """One match with its explanation; ``unit_of`` the query when it was found through its
    parent (``parent_of_unit``), ``query`` being that parent."""
    entry, entry_name = index.entry_of(name_id), index.entry_name(name_id)
    listed = normalize(indexed_text(entry_name.text))
    comparison = _compared(
        index,
        query,
        name_id,
        kind or read_kind,
        settings,
        translated=translated,
        listed=listed,
        explain=True,
    )
    penalties = _entry_penalties(
        entry, entry_name.role, kind, country, settings, read_kind=read_kind, chinese=in_china
    )
    if unit_of is not None:
        reason = f"{unit_of} names a unit of {query.spaced}, compared as its parent"
        penalties.append(Penalty(reason, settings.unit_of_listed_penalty))
    checks = check_example(example, entry) if example else ()
    lost = sum(p.amount for p in penalties) - sum(c.amount for c in checks)
    score = max(0.0, min(1.0, comparison.similarity - lost))
    explanation = Explanation(
        query=query.text,
        query_form=query.spaced,
        list_name=entry_name.text,
        list_name_role=entry_name.role,
        list_form=listed.spaced,
        compared_as=comparison.compared_as,
        name_similarity=comparison.similarity,
        agreed=comparison.agreed,
        missing=comparison.missing,
        unmatched=comparison.unmatched,
        query_steps=query.steps,
        list_steps=listed.steps,
        penalties=(*comparison.penalties, *penalties),
        checks=checks,
    )
    return Match(entry, score, explanation)


def search_many(
    index: ScreeningIndex,
    queries: Iterable[str],
    *,
    kind: PartyKind | None = None,
    country: str | None = None,
    limit: int = 10,
    settings: MatchSettings = DEFAULT,
) -> list[list[Match]]:
    """``search`` for each query, in order (one process; run workers for more)."""
    return [
        search(index, q, kind=kind, country=country, limit=limit, settings=settings)
        for q in queries
    ]
