"""Names in any script to comparable lower-case ASCII tokens, with the steps that got them there.

Pure. ``normalize("華為技術有限公司")`` and ``normalize("Huawei Technologies Co., Ltd.")`` both
give the tokens ``huawei technology company limited``: traditional characters are simplified
(OpenCC t2s), Chinese organisation terms become their English words (``terms.HAN_TERMS``,
longest first), the rest of a Han run becomes toneless pinyin joined into one token (华为 →
``huawei``); other scripts are transliterated by anyascii; legal forms and abbreviations take
one spelling. Words that say what or where an organisation is (``terms.GENERIC_TOKENS``) are
kept but marked non-distinctive, so the matcher never lets them carry a match alone.

Normalising the space-joined tokens of a result gives the same tokens again (idempotence), and
case, punctuation between words and spacing never change the tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Final

from anyascii import anyascii
from opencc import OpenCC
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from rarex.screening import terms, terms_pinyin

# U+3007, the zero of 第七\u3007七 (707th), is a CJK symbol, not a Han ideograph, but it is
# written in Han words.
HAN_RUN: Final = re.compile(
    r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+"
)
# Dots and apostrophes join what they separate ("S.A." → "sa", "Int'l" → "intl"); every other
# non-alphanumeric character separates words.
_JOINERS: Final = re.compile(r"[.'\u2019`\u00b4]")
_SEPARATORS: Final = re.compile(r"[^a-z0-9]+")
# Arabic letters written one way or another in the same name (alef with hamza or madda, alef
# maksura for yeh, Persian yeh and keheh, teh marbuta): spelling, not transliteration.
_ARABIC_VARIANTS: Final = str.maketrans(
    {
        "\u0622": "\u0627",
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0671": "\u0627",
        "\u0649": "\u064a",
        "\u06cc": "\u064a",
        "\u06a9": "\u0643",
        "\u0629": "\u0647",
        "\u0640": "",
    }
)
_ARABIC: Final = re.compile(r"[\u0600-\u06ff]")

_PINYIN_SYLLABLES: Final = terms_pinyin.SYLLABLES
_LONGEST_SYLLABLE: Final = terms_pinyin.LONGEST_SYLLABLE


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """A name as the matcher compares it.

    ``tokens`` keep the name's word order; ``distinctive`` are the tokens that are not generic
    (what must agree for a match); ``syllables`` are the distinctive tokens with every token
    that is wholly pinyin split into its syllables, so "Weiming", "Wei Ming" and 伟明 agree;
    ``steps`` say what normalisation did, for explanations.
    """

    text: str
    tokens: tuple[str, ...]
    distinctive: tuple[str, ...]
    syllables: tuple[str, ...]
    steps: tuple[str, ...] = ()
    # A translated name's words that could have been translated otherwise: each slot is the
    # tokens chosen and the other readings (应用 "put to use", or "applied"; "dianzi" 电子
    # "electronics" or 垫子 "cushion"), for a comparison that picks the one the other name uses.
    alternatives: tuple[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = ()

    @property
    def spaced(self) -> str:
        return " ".join(self.tokens)

    @property
    def joined(self) -> str:
        """The distinctive tokens run together: "hua wei" and "huawei" meet here."""
        return "".join(self.distinctive)


def from_tokens(text: str, tokens: tuple[str, ...], steps: tuple[str, ...] = ()) -> NormalizedName:
    """Rebuild a ``NormalizedName`` from canonical tokens (what the index stores per name)."""
    distinctive = tuple(t for t in tokens if t not in terms.GENERIC_TOKENS)
    syllables = tuple(s for t in distinctive for s in pinyin_syllables(t))
    return NormalizedName(text, tokens, distinctive, syllables, steps)


@lru_cache(maxsize=1 << 17)
def pinyin_syllables(token: str) -> tuple[str, ...]:
    """``token`` split into the fewest pinyin syllables, or ``(token,)`` when it is not pinyin.

    The fewest syllables is the reading a romanised Chinese name almost always has ("xian" as
    one syllable, "zhangweiming" as three); it is also what makes the split the same on both
    sides of a comparison, which matters more than being right about 西安.
    """
    n = len(token)
    if n < 2 or not token.isalpha():
        return (token,)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for start in range(n):
        head = best[start]
        if head is None:
            continue
        for end in range(start + 1, min(n, start + _LONGEST_SYLLABLE) + 1):
            piece = token[start:end]
            if piece in _PINYIN_SYLLABLES:
                candidate = (*head, piece)
                known = best[end]
                if known is None or len(candidate) < len(known):
                    best[end] = candidate
    split = best[n]
    return split if split else (token,)


@lru_cache(maxsize=1)
def _lazy_pinyin() -> Callable[..., list[str]]:
    """pypinyin, imported with the first Han name (its segmenter trains on import)."""
    from pypinyin import lazy_pinyin

    return lazy_pinyin


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


_NUMERALS: Final = {
    "零": 0, "\u3007": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
# 第十四, 第七一九, 第2: an ordinal, as institutes are numbered.
ORDINAL_AT: Final = re.compile("第([零\u3007一二两三四五六七八九十百千]+|[0-9]+)")


def chinese_number(text: str) -> int | None:
    """十四 → 14, 七一九 → 719 (digit by digit, as institute numbers are read), 二十 → 20,
    一百零三 → 103; None when ``text`` is not a number."""
    if text.isdigit():
        return int(text)
    if all(c in _NUMERALS for c in text):
        return int("".join(str(_NUMERALS[c]) for c in text))
    total, current = 0, 0
    for char in text:
        if char in _NUMERALS:
            current = _NUMERALS[char]
        elif char in "十百千":
            total += (current or 1) * {"十": 10, "百": 100, "千": 1000}[char]
            current = 0
        else:
            return None
    return total + current


def ordinal(number: int) -> str:
    """14 → "14th", 2 → "2nd", 713 → "713th": how English names number an institute."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def t2s(text: str) -> str:
    """``text`` in NFKC with its traditional characters simplified."""
    folded = unicodedata.normalize("NFKC", text)
    return _t2s().convert(folded) if HAN_RUN.search(folded) else folded


def han_runs(text: str) -> list[tuple[int, int]]:
    """Where the runs of Han characters are in ``text``."""
    return [(run.start(), run.end()) for run in HAN_RUN.finditer(text)]


@lru_cache(maxsize=1 << 15)
def _han_run_to_words(run: str) -> tuple[str, tuple[str, ...]]:
    """One run of simplified Han characters as words, with the term steps applied."""
    words: list[str] = []
    steps: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            chars = "".join(pending)
            words.append(anyascii("".join(_lazy_pinyin()(chars, v_to_u=True))))
            pending.clear()

    i = 0
    while i < len(run):
        numbered = ORDINAL_AT.match(run, i)
        number = chinese_number(numbered.group(1)) if numbered is not None else None
        if numbered is not None and number is not None:
            flush()
            words.append(ordinal(number))
            steps.append(f"ordinal {numbered.group()}→{ordinal(number)}")
            i = numbered.end()
            continue
        for size in range(min(terms.HAN_TERM_MAX_LEN, len(run) - i), 0, -1):
            english = terms.HAN_TERMS.get(run[i : i + size])
            if english is not None:
                flush()
                if english:
                    words.append(english)
                steps.append(f"term {run[i : i + size]}→{english or '(dropped)'}")
                i += size
                break
        else:
            pending.append(run[i])
            i += 1
    flush()
    return " ".join(words), tuple(steps)


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def _spelling_table() -> dict[str, str]:
    """One-edit misspellings (SymSpell deletions) of the long generic and legal words.

    A misspelt generic word ("Tradang", "Lmiited") would otherwise pass for a distinctive word
    and sink the match it belongs to. Places are left out: "Hanan" is a given name, not Hainan.
    A deletion shared by two words corrects to neither.
    """
    words = {w: w for w in terms.GENERIC_TOKENS - terms.PLACES if len(w) >= _SPELLING_MIN_LEN}
    for table in (terms.ABBREVIATIONS, terms.LEGAL_WORDS):
        words.update({k: v for k, v in table.items() if len(k) >= _SPELLING_MIN_LEN})
    found: dict[str, set[str]] = {}
    for word, canonical in words.items():
        for variant in _deletions(word):
            found.setdefault(variant, set()).add(canonical)
    return {variant: next(iter(c)) for variant, c in found.items() if len(c) == 1}


_SPELLING_MIN_LEN: Final = 6
_SPELLING: Final = _spelling_table()


def _place_spelling_table() -> dict[str, str]:
    """One-edit misspellings of the places of six letters or more, as ``_spelling_table``."""
    found: dict[str, set[str]] = {}
    for place in terms.PLACES:
        if len(place) >= _SPELLING_MIN_LEN:
            for variant in _deletions(place):
                found.setdefault(variant, set()).add(place)
    return {variant: next(iter(c)) for variant, c in found.items() if len(c) == 1}


_PLACE_SPELLING: Final = _place_spelling_table()


def _misspelt_place(word: str) -> str | None:
    """The place ``word`` is one letter off ("sanghai", "daluan"), where only one is; a word
    of six letters only by a letter changed, not one missing ("Guiyan" is no Guiyang)."""
    if len(word) < _SPELLING_MIN_LEN or word in terms.PLACES or not word.isalpha():
        return None
    found = {
        place
        for v in _deletions(word)
        if (place := _PLACE_SPELLING.get(v)) is not None
        and (len(word) > _SPELLING_MIN_LEN or len(place) == len(word))
        and OSA.distance(word, place) == 1
    }
    return found.pop() if len(found) == 1 else None


# Two typos in a long generic word ("Engnieernig", "Comptuers"): 80% alike by characters.
_FAR_SPELLING_MIN_LEN: Final = 8
_FAR_SPELLING_CUTOFF: Final = 80
_FAR_SPELLING: Final = {
    **{w: w for w in terms.GENERIC_TOKENS - terms.PLACES if len(w) >= _FAR_SPELLING_MIN_LEN - 1},
    **{k: v for k, v in terms.ABBREVIATIONS.items() if len(k) >= _FAR_SPELLING_MIN_LEN - 1},
    **{k: v for k, v in terms.LEGAL_WORDS.items() if len(k) >= _FAR_SPELLING_MIN_LEN - 1},
}
# Sorted: of words equally alike the first wins, and a set's order changes between processes.
_FAR_SPELLING_WORDS: Final = sorted(_FAR_SPELLING)
# A short legal form with a letter too many at the end of a name ("Co Ltdd", "Company Oltd");
# not "inc", which a letter more makes a name ("Vale Inco").
_SHORT_FORMS: Final = {
    k: terms.LEGAL_WORDS[k] for k in ("ltd", "llc", "plc", "jsc", "ojsc", "pjsc", "gmbh")
}


@lru_cache(maxsize=1 << 16)
def _corrected(word: str, *, last: bool = False) -> str | None:
    if not word.isalpha():
        return None
    if len(word) < _SPELLING_MIN_LEN:
        if not last or len(word) < 4:
            return None
        forms = {_SHORT_FORMS[v] for v in _deletions(word) if v in _SHORT_FORMS and v != word}
        return forms.pop() if len(forms) == 1 else None
    corrections = {_SPELLING[v] for v in _deletions(word) if v in _SPELLING}
    if len(corrections) == 1:
        return corrections.pop()
    if corrections or len(word) < _FAR_SPELLING_MIN_LEN:
        return None
    # Its first letter among the word's first two ("ocrporationn"), its length within one: a
    # real word 80% alike another is not its misspelling ("mechanical" is not "technology",
    # nor "navigation" "aviation").
    near = [w for w in _FAR_SPELLING_WORDS if w[0] in word[:2] and abs(len(w) - len(word)) <= 1]
    best = process.extractOne(word, near, scorer=fuzz.ratio, score_cutoff=_FAR_SPELLING_CUTOFF)
    return _FAR_SPELLING[best[0]] if best is not None else None


# Patronymics as Ukrainian and Russian romanisations end them: -ovych/-ovich, -ievich/-evich.
_PATRONYMIC_ENDINGS: Final = (
    ("iyovych", "evich"), ("ievich", "evich"), ("yevich", "evich"), ("ovych", "ovich"),
    ("evych", "evich"), ("ivych", "ivich"), ("ievna", "evna"), ("yevna", "evna"),
)  # fmt: skip


def _patronymic(word: str) -> str | None:
    if len(word) < 8:
        return None
    for ending, canonical in _PATRONYMIC_ENDINGS:
        if word.endswith(ending):
            return word[: -len(ending)] + canonical
    return None


def _canonical_words(words: list[str], steps: list[str]) -> list[str]:
    """Stop words out, single-word legal forms and abbreviations to their canonical spelling,
    misspelt generic words to their spelling."""
    out: list[str] = []
    only_stop_words = all(word in terms.STOP_WORDS for word in words)  # "The": keep it
    # a company's name, where a word one letter off a place is that place ("Sanghai")
    organisation = any(word in terms.LEGAL_WORDS for word in words)
    for position, word in enumerate(words, start=1):
        if word in terms.STOP_WORDS and not only_stop_words:
            continue
        legal = terms.LEGAL_WORDS.get(word)
        canonical = legal if legal is not None else terms.ABBREVIATIONS.get(word)
        if canonical is None:
            canonical = terms.NAME_SPELLINGS.get(word) or _patronymic(word)
        if canonical is None and word not in terms.GENERIC_TOKENS:
            corrected = _corrected(word, last=position == len(words) > 1)
            if corrected is None and organisation:
                corrected = _misspelt_place(word)
            if corrected is not None:
                steps.append(f"spelling {word}→{corrected}")
                out.extend(corrected.split())
                continue
        if canonical is None:
            out.append(word)
            continue
        if canonical != word:
            kind = "legal form" if legal is not None else "abbreviation"
            steps.append(f"{kind} {word}→{canonical}")
        out.extend(canonical.split())
    return out


def _is_pinyin(word: str) -> bool:
    return word in _PINYIN_SYLLABLES or pinyin_syllables(word) != (word,)


def _says_pinyin_organisation(words: list[str]) -> bool:
    """Whether a name says in pinyin that it is a Chinese organisation: only then do its
    syllables become terms (so a person "Guo Ji" keeps his name).

    A marker ("Gongsi", "Jishu") says so; so does opening with "Zhongguo"; so does any term
    word ("Zhineng", "Dianli") in a name of three words or more, which a person's name in
    pinyin seldom is ("Zhengzhou Baiwai Zhineng Zidonghua").
    """
    if _PINYIN_MARKERS.intersection(words) or (words and words[0] in _LEADING_MARKERS):
        return True
    if len(words) >= 3 and not _PINYIN_WORDS.keys().isdisjoint(words):
        return True
    return not _PINYIN_MARKER_PAIRS.isdisjoint(pairwise(words))


_PINYIN_WORDS: Final = terms_pinyin.WORDS
_PINYIN_MARKERS: Final = terms_pinyin.MARKERS
_PINYIN_MARKER_PAIRS: Final = terms_pinyin.MARKER_PAIRS
_LEADING_MARKERS: Final = terms_pinyin.LEADING_MARKERS


def _pinyin_term_at(words: list[str], i: int) -> tuple[int, str] | None:
    """The longest term written from ``words[i]`` on, however its pinyin is split into words
    ("Zong Gongsi", "You Xian Gong Si"): how many words it spans, and its English."""
    joined = ""
    found: tuple[int, str] | None = None
    for n, word in enumerate(words[i : i + terms_pinyin.LONGEST_TERM], start=1):
        if not _is_pinyin(word):
            break
        joined += word
        english = _PINYIN_WORDS.get(joined)
        if english is not None:
            found = (n, english)
    return found


def _pinyin_organisation_words(words: list[str], steps: list[str]) -> list[str]:
    """Pinyin terms to English, and the syllables left between them glued into one word, as
    a Han run's remainder is ("Hua Xin Chuan Wu" → "huaxinchuanwu", like 华信船务); one
    syllable standing alone is a word of its own ("Shi" → city)."""
    if not _says_pinyin_organisation(words):
        return words
    out: list[str] = []
    run: list[str] = []

    def glue() -> None:
        if len(run) == 1 and run[0] in terms_pinyin.STANDALONE and out:
            english = terms_pinyin.STANDALONE[run[0]]
            steps.append(f"pinyin term {run[0]}→{english}")
            out.append(english)
        elif run:
            out.append("".join(run))
            if len(run) > 1:
                steps.append(f"pinyin syllables {' '.join(run)}→{''.join(run)}")
        run.clear()

    i = 0
    while i < len(words):
        term = _pinyin_term_at(words, i)
        if term is not None:
            glue()
            span, english = term
            out.extend(english.split())
            steps.append(f"pinyin term {' '.join(words[i : i + span])}→{english or '(dropped)'}")
            i += span
            continue
        word = words[i]
        i += 1
        if word in _PINYIN_SYLLABLES:
            run.append(word)
            continue
        glue()
        out.append(word)
    glue()
    return out


_PHRASES: Final = tuple(
    sorted(
        (
            (tuple(phrase.split()), tuple(canonical.split()))
            for phrase, canonical in terms.LEGAL_PHRASES
        ),
        key=lambda pair: -len(pair[0]),
    )
)


_SAME_PHRASES: Final = tuple(
    (tuple(phrase.split()), tuple(same.split())) for phrase, same in terms.SAME_PHRASES
)


def _canonical_phrases(words: list[str], steps: list[str]) -> list[str]:
    """Multi-word legal forms to one token, longest first, repeated until nothing changes (a
    replacement can complete another phrase, and idempotence needs the fixed point); then
    phrases said two ways (``terms.SAME_PHRASES``) to one."""
    legal = _replace_phrases(words, _PHRASES, "legal form", steps)
    return _replace_phrases(legal, _SAME_PHRASES, "phrase", steps)


def _replace_phrases(
    words: list[str],
    table: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...],
    label: str,
    steps: list[str],
) -> list[str]:
    table = tuple(sorted(table, key=lambda pair: -len(pair[0])))
    changed = True
    while changed:
        changed = False
        out: list[str] = []
        i = 0
        while i < len(words):
            for phrase, canonical in table:
                if phrase != canonical and tuple(words[i : i + len(phrase)]) == phrase:
                    out.extend(canonical)
                    steps.append(f"{label} {' '.join(phrase)}→{' '.join(canonical) or '(dropped)'}")
                    i += len(phrase)
                    changed = True
                    break
            else:
                out.append(words[i])
                i += 1
        words = out
    return words


@lru_cache(maxsize=1 << 16)
def normalize(text: str) -> NormalizedName:
    """Normalise one name; cached, because queries repeat and the work is pure."""
    return normalize_uncached(text)


def normalize_uncached(text: str) -> NormalizedName:
    """``normalize`` without the cache: for building an index, where every name is new."""
    steps: list[str] = []
    folded = unicodedata.normalize("NFKC", text)
    if folded != text:
        steps.append("nfkc")
    if HAN_RUN.search(folded):
        simplified = _t2s().convert(folded)
        if simplified != folded:
            steps.append("t2s")
        pieces: list[str] = []
        last = 0
        for run in HAN_RUN.finditer(simplified):
            words, term_steps = _han_run_to_words(run.group())
            pieces += [simplified[last : run.start()], " ", words, " "]
            steps.extend(term_steps)
            last = run.end()
        pieces.append(simplified[last:])
        folded = "".join(pieces)
        steps.append("han→pinyin")
    if _ARABIC.search(folded):
        unified = folded.translate(_ARABIC_VARIANTS)
        if unified != folded:
            steps.append("arabic letter variants unified")
            folded = unified
    if not folded.isascii():
        folded = anyascii(folded)
        steps.append("transliterated to latin")
    folded = _JOINERS.sub("", folded.lower().replace("&", " and "))
    split = _pinyin_organisation_words(_SEPARATORS.sub(" ", folded).split(), steps)
    canonical = _canonical_words(split, steps)
    tokens = tuple(_canonical_phrases(canonical, steps))
    return from_tokens(text, tokens, tuple(dict.fromkeys(steps)))
