"""The labelled development set of the screening benchmark (issue 4), built from the shared lists.

Deterministic: one seeded ``random.Random`` drives every choice, entries are visited in list
order, so the same lists give the same queries. The vocabulary used to decide what is generic,
what a legal form is and how a Chinese name is written is this module's own, not the matcher's,
so the set does not grade the matcher by its own tables.

Positives carry the entity ids they must find: the entry the variant was made from plus every
entry with a name spelt the same (case and punctuation folded), so ten copies of one company
on several lists cannot push the source entry out of the top ten and count as a miss.
Negatives carry none; a near-miss carries the entry it was derived from (``origin``), and a hit
on that entry is its false positive.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from anyascii import anyascii
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin, pinyin
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from rarex.screening.records import ListEntry, NameRole, PartyKind
from screening_words import (
    ABBREVIATIONS,
    BRANDS_ZH,
    CITIES_ZH,
    COMPANIES,
    GENERIC,
    GENERIC_ONLY_WORDS,
    GENERIC_ZH,
    GIVEN_SURNAMES,
    INDUSTRIES_ZH,
    LEGAL_FORMS,
    NEAR_MISS_WORDS,
    PARTICLES,
    PLACES_GENERIC,
)

SEED = 20261128
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
NEGATIVE_EXCLUDE_AT = 90  # a "negative" this alike (token_sort_ratio) to a listed name is not one

# Classes whose queries are pinyin written from Han, for the per-script table.
PINYIN_CLASSES = frozenset(
    {"pinyin-of-listed-han", "pinyin-of-synthetic-han", "pinyin-of-foreign-han"}
)
# Han ↔ pinyin pairs of Chinese organisations (CN, HK, MO, TW).
HAN_PINYIN_SLICE = frozenset(
    {
        "han-listed",
        "han-traditional",
        "pinyin-of-listed-han",
        "han-synthetic",
        "pinyin-of-synthetic-han",
    }
)
# Reported, but neither in recall nor in the slice: a find is welcome, a miss no fault.
MAY_FIND = frozenset({"latin-of-original-script", "pinyin-of-foreign-han"})
CHINESE = frozenset({"CN", "HK", "MO", "TW"})


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    cls: str  # variant or negative class
    expected: frozenset[str]  # entity ids it must find; empty for a negative
    source_name: str = ""  # the listed name it was made from
    origin: str | None = None  # near-miss: the entity a hit on which is a false positive
    sub: str = ""  # finer label (typo operation, pinyin form, ...)

    @property
    def positive(self) -> bool:
        return bool(self.expected)

    @property
    def script(self) -> str:
        if self.cls in PINYIN_CLASSES:
            return "pinyin-of-Han"
        return script_of(self.text)


def script_of(text: str) -> str:
    if HAN.search(text):
        return "Han"
    if CYRILLIC.search(text):
        return "Cyrillic"
    if ARABIC.search(text):
        return "Arabic"
    if all(ord(c) < 0x250 or not c.isalpha() for c in text):
        return "Latin"
    return "other"


def fold(text: str) -> str:
    """Case, accents and punctuation folded: what "spelt the same" means for labels."""
    return (
        " ".join(re.findall(r"[a-z0-9]+", anyascii(text).lower()))
        if not HAN.search(text)
        else re.sub(r"\s+", "", text)
    )


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", anyascii(text).lower())


def distinctive(text: str) -> list[str]:
    """Words that are neither legal forms, generic vocabulary, places nor particles."""
    return [
        w
        for w in words_of(text)
        if w not in GENERIC
        and w not in LEGAL_WORDS
        and w not in PLACES_GENERIC
        and w not in PARTICLES
        and not w.isdigit()
    ]


def looks_like_person(entry: ListEntry, name: str) -> bool:
    if entry.kind is PartyKind.PERSON:
        return True
    if entry.kind is not PartyKind.UNKNOWN:
        return False
    words = [w for w in words_of(name) if len(w) > 1]
    if not 2 <= len(words) <= 4 or any(c.isdigit() for c in name):
        return False
    return all(w not in GENERIC and w not in LEGAL_WORDS for w in words)


def is_org(entry: ListEntry, name: str) -> bool:
    return entry.kind is PartyKind.ORGANIZATION or (
        entry.kind is PartyKind.UNKNOWN and not looks_like_person(entry, name)
    )


# --- tokens with their raw spelling -------------------------------------------------------------


def raw_tokens(name: str) -> list[str]:
    """Whitespace tokens, with a comma ending a token split off ("Co.,Ltd." → "Co.," "Ltd.")."""
    return [t for t in re.split(r"\s+|(?<=,)", name.strip()) if t]


def key(token: str) -> str:
    return re.sub(r"[^0-9a-z]", "", anyascii(token).lower())


def find_phrase(tokens: Sequence[str], phrases: Iterable[str]) -> tuple[int, int, str] | None:
    """The first (longest at a position) phrase of ``phrases`` among ``tokens``: start, end,
    phrase; matched by folded keys so "CO.,LTD." meets "Co., Ltd."."""
    keys = [key(t) for t in tokens]
    by_length = sorted(phrases, key=lambda p: -len(raw_tokens(p)))
    for start in range(len(tokens)):
        for phrase in by_length:
            pk = [key(t) for t in raw_tokens(phrase)]
            pk = [k for k in pk if k]
            if pk and keys[start : start + len(pk)] == pk:
                return start, start + len(pk), phrase
    return None


def styled(text: str, like: str) -> str:
    """``text`` in the case style of ``like`` (UPPER, lower or as written)."""
    letters = [c for c in like if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return text.upper()
    if letters and all(c.islower() for c in letters):
        return text.lower()
    return text


def join(tokens: Sequence[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(tokens)).strip(" ,-\u2013")


# --- vocabulary: bench/screening_words.py ------------------------------------------------------

LEGAL_WORDS = frozenset(
    {key(t) for group in LEGAL_FORMS for p in group for t in raw_tokens(p)}
    | {"coltd", "ltda", "sarl", "spa", "bv", "nv", "ag", "kg", "fze", "fzco", "fzc", "sal",
       "ood", "eood", "tov", "pao", "pt", "tbk", "cia", "sas", "ab", "as", "oy", "kft", "sro",
       "doo", "dd", "ad", "ead", "bhd", "sdn", "pty", "llp", "lp", "ltd", "co", "inc"}
)  # fmt: skip


CASE_STYLES = ("lower", "upper", "title", "no-punctuation", "extra-punctuation")


def case_punct(name: str, rng: random.Random) -> tuple[str, str] | None:
    for style in rng.sample(CASE_STYLES, len(CASE_STYLES)):
        if style == "lower":
            out = name.lower()
        elif style == "upper":
            out = name.upper()
        elif style == "title":
            out = name.title()
        elif style == "no-punctuation":
            out = re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", name)).strip()
        else:
            words = name.split()
            if len(words) < 2:
                continue
            i = rng.randrange(len(words) - 1)
            out = " ".join(words[:i]) + (" " if i else "") + f"{words[i]}-{words[i + 1]}"
            out = (out + " " + " ".join(words[i + 2 :])).strip() + "."
        if out != name:
            return out, style
    return None


def legal_variant(name: str, rng: random.Random) -> tuple[str, str] | None:
    tokens = raw_tokens(name)
    for group in LEGAL_FORMS:
        found = find_phrase(tokens, group)
        if found is None:
            continue
        start, end, phrase = found
        others = [p for p in group if key(p.replace(" ", "")) != key(phrase.replace(" ", ""))]
        if not others:
            continue
        new = styled(rng.choice(others), " ".join(tokens[start:end]))
        out = join([*tokens[:start], new, *tokens[end:]])
        if fold(out) != fold(name):
            return out, f"{phrase} -> {new}"
    return None


def drop_legal(name: str) -> tuple[str, str] | None:
    tokens = raw_tokens(name)
    forms = [p for group in LEGAL_FORMS for p in group]
    found = find_phrase(tokens, forms)
    if found is None:
        return None
    start, end, phrase = found
    rest = [*tokens[:start], *tokens[end:]]
    if not distinctive(join(rest)):
        return None
    return join(rest), phrase


def abbreviation_variant(name: str, rng: random.Random) -> tuple[str, str] | None:
    tokens = raw_tokens(name)
    pairs = list(ABBREVIATIONS)
    rng.shuffle(pairs)
    for full, short in pairs:
        for src, dst in ((full, short), (short, full)):
            found = find_phrase(tokens, [src])
            if found is not None:
                start, end, _ = found
                new = styled(dst, " ".join(tokens[start:end]))
                return join([*tokens[:start], new, *tokens[end:]]), f"{src} -> {dst}"
    return None


def legal_span(tokens: Sequence[str]) -> tuple[int, int] | None:
    found = find_phrase(tokens, [p for group in LEGAL_FORMS for p in group])
    return (found[0], found[1]) if found else None


def org_word_order(name: str, rng: random.Random) -> tuple[str, str] | None:
    """Move the first word (often the city: "Hangzhou Hikvision Digital Technology") to the end
    of the name before its legal form, or swap two words when there are only two."""
    tokens = [t.rstrip(",") for t in raw_tokens(name)]
    span = legal_span(tokens)
    body, tail = (tokens[: span[0]], tokens[span[0] :]) if span else (tokens, [])
    if len(body) < 2:
        return None
    if len(body) == 2 or rng.random() < 0.5:
        moved = [*body[1:], body[0]]
        how = "first word last"
    else:
        i = rng.randrange(len(body) - 1)
        moved = [*body[:i], body[i + 1], body[i], *body[i + 2 :]]
        how = "adjacent swap"
    if [key(t) for t in moved] == [key(t) for t in body]:
        return None
    return join([*moved, *tail]), how


def person_word_order(name: str, rng: random.Random) -> tuple[str, str] | None:
    words = re.sub(r"[,]", " ", name).split()
    if len(words) < 2:
        return None
    if len(words) == 2:
        return f"{words[1]} {words[0]}", "swap"
    perm = words[:]
    while perm == words:
        rng.shuffle(perm)
    return " ".join(perm), "shuffle"


def person_name_order(name: str) -> tuple[str, str] | None:
    """ "SURNAME, Given" ↔ "Given Surname"; "Given ... Surname" → "SURNAME Given ..."."""
    if "," in name:
        surname, given = (p.strip() for p in name.split(",", 1))
        if not surname or not given:
            return None
        return f"{given} {surname.title()}", "SURNAME, Given -> Given Surname"
    words = name.split()
    if len(words) < 2:
        return None
    return f"{words[-1].upper()} {' '.join(w.title() for w in words[:-1])}", (
        "Given Surname -> SURNAME Given"
    )


TYPO_OPS = ("insert", "delete", "substitute", "transpose")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(name: str, op: str, rng: random.Random) -> tuple[str, str] | None:
    tokens = name.split(" ")
    wanted = set(distinctive(name))
    spots = [
        i
        for i, t in enumerate(tokens)
        if len(re.sub(r"[^A-Za-z]", "", t)) >= 5 and key(t) in wanted and t.isascii()
    ]
    if not spots:
        return None
    i = rng.choice(spots)
    token = tokens[i]
    letters = [j for j, c in enumerate(token) if c.isalpha()]
    j = rng.choice(letters[1:-1] or letters)
    upper = token.isupper()
    new_letter = rng.choice(LETTERS)
    new_letter = new_letter.upper() if upper else new_letter
    if op == "insert":
        out = token[:j] + new_letter + token[j:]
    elif op == "delete":
        out = token[:j] + token[j + 1 :]
    elif op == "substitute":
        while new_letter.lower() == token[j].lower():
            new_letter = rng.choice(LETTERS)
            new_letter = new_letter.upper() if upper else new_letter
        out = token[:j] + new_letter + token[j + 1 :]
    else:
        pairs = [
            k
            for k in letters[:-1]
            if token[k + 1].isalpha() and token[k].lower() != token[k + 1].lower()
        ]
        if not pairs:
            return None
        k = rng.choice(pairs)
        out = token[:k] + token[k + 1] + token[k] + token[k + 2 :]
    tokens[i] = out
    return " ".join(tokens), f"{op}: {token} -> {out}"


# --- Han and pinyin -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def s2t() -> OpenCC:
    return OpenCC("s2t")


def pinyin_words(han: str) -> str:
    """A Han name in word-grouped pinyin ("通用动力信息技术公司" → "Tongyong Dongli Xinxi Jishu
    Gongsi"): known generic words are words, other runs go two characters a word."""
    out: list[str] = []
    for run in re.split(r"([\u3400-\u9fff]+)", re.sub(r"[^\w\s]", " ", han)):
        if not run:
            continue
        if not HAN.match(run):
            out.extend(run.split())
            continue
        i = 0
        while i < len(run):
            known = next(
                (
                    w
                    for w in sorted(GENERIC_ZH_WORDS, key=len, reverse=True)
                    if run.startswith(w, i)
                ),
                None,
            )
            after = any(run.startswith(w, i + 1) for w in GENERIC_ZH_WORDS if len(w) > 1)
            word = known or run[i : i + (1 if after else 2)]
            out.append("".join(lazy_pinyin(word, style=Style.NORMAL)).replace("v", "u").title())
            i += len(word)
    return " ".join(out)


def pinyin_spaced(han: str) -> str:
    return " ".join(
        s.title() for s in lazy_pinyin(han, style=Style.NORMAL, errors=lambda x: x.split())
    ).replace("v", "u")


GENERIC_ZH_WORDS = frozenset(
    {
        *GENERIC_ZH.values(),
        *(z for z, _ in INDUSTRIES_ZH),
        "有限",
        "股份",
        "责任",
        "公司",
        "集团",
        "株式会社",
        "研究所",
        "大学",
        "中国",
    }
    - {"有限公司", "有限责任公司", ""}
)


@lru_cache(maxsize=1)
def syllable_chars() -> dict[str, str]:
    """Toneless pinyin syllable → a common character with that one reading only (so context
    cannot change it): the most frequent in pypinyin's phrase dictionary, a stand-in for a
    frequency list."""
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    counts: dict[str, int] = defaultdict(int)
    for phrase in phrases_dict:
        for ch in phrase:
            counts[ch] += 1
    best: dict[str, tuple[int, str]] = {}
    for ch, n in counts.items():
        if not "\u4e00" <= ch <= "\u9fff" or ord(ch) not in pinyin_dict:
            continue
        readings = set(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])
        if len(readings) != 1:
            continue
        syllable = readings.pop()
        if syllable.isalpha() and (syllable not in best or n > best[syllable][0]):
            best[syllable] = (n, ch)
    return {s: ch for s, (_, ch) in best.items()}


def split_pinyin(word: str) -> list[str] | None:
    """``word`` as toneless pinyin syllables ("yanjing" → ["yan", "jing"]), longest first."""
    table = syllable_chars()
    word = word.lower()

    @cache
    def go(i: int) -> tuple[str, ...] | None:
        if i == len(word):
            return ()
        for j in range(min(len(word), i + 6), i, -1):
            if word[i:j] in table:
                rest = go(j)
                if rest is not None:
                    return (word[i:j], *rest)
        return None

    found = go(0)
    return list(found) if found else None


def han_of_english(name: str) -> str | None:
    segments = han_segments(name)
    return "".join(segments) if segments else None


def segment_pinyin(segment: str) -> str:
    """One word of a Chinese name in pinyin as it is written: "Xinjiang", "Youxian Gongsi"."""
    if segment.endswith("公司") and len(segment) > 2:
        return f"{segment_pinyin(segment[:-2])} Gongsi"
    return "".join(lazy_pinyin(segment, style=Style.NORMAL)).replace("v", "u").title()


def han_segments(name: str) -> list[str] | None:
    """A Chinese rendering of an English-listed Chinese organisation's name ("Beijing Yanjing
    Electronics Co., Ltd." → 北京燕京电子有限公司), or None when a word cannot be rendered:
    places and generic words by table, pinyin words syllable by syllable."""
    words = words_of(name)
    out: list[str] = []
    i = 0
    phrases = sorted(GENERIC_ZH, key=lambda p: -len(p.split()))
    has_pinyin = False
    while i < len(words):
        for phrase in phrases:
            n = len(phrase.split())
            if words[i : i + n] == phrase.split():
                out.append(GENERIC_ZH[phrase])
                i += n
                break
        else:
            word = words[i]
            if word in CITIES_ZH:
                out.append(CITIES_ZH[word])
            elif word in GENERIC or word in LEGAL_WORDS or word.isdigit():
                return None
            else:
                syllables = split_pinyin(word) if len(word) >= 4 else None
                if syllables is None or len(syllables) < 2 or min(map(len, syllables)) < 2:
                    return None
                out.append("".join(syllable_chars()[s] for s in syllables))
                has_pinyin = True
            i += 1
    generic = [w for w in out if w and w in GENERIC_ZH.values()]
    return [w for w in out if w] if has_pinyin and generic else None


# --- the development set --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DevSet:
    queries: tuple[Query, ...]
    notes: tuple[str, ...]


def _sample(
    items: Sequence[tuple[ListEntry, str]], n: int, rng: random.Random
) -> list[tuple[ListEntry, str]]:
    return rng.sample(list(items), min(n, len(items)))


def build_devset(entries: Sequence[ListEntry], *, scale: float = 1.0) -> DevSet:
    """Every query of the set; ``scale`` < 1 for a smoke run."""
    rng = random.Random(SEED)
    notes: list[str] = []
    same_spelling: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        for n in e.names:
            same_spelling[fold(n.text)].add(e.entity_id)

    def expected(entry: ListEntry, name: str) -> frozenset[str]:
        return frozenset({entry.entity_id, *same_spelling.get(fold(name), ())})

    def n_of(k: int) -> int:
        return max(5, int(k * scale))

    names = [
        (e, n.text)
        for e in entries
        for n in e.names
        if n.role in (NameRole.PRIMARY, NameRole.ALIAS)
        and not HAN.search(n.text)
        and script_of(n.text) == "Latin"
        and len(words_of(n.text)) >= 1
    ]
    orgs = [(e, t) for e, t in names if is_org(e, t)]
    persons = [(e, t) for e, t in names if looks_like_person(e, t)]
    queries: list[Query] = []

    def add(cls: str, entry: ListEntry, name: str, made: tuple[str, str] | None) -> bool:
        if made is None or not made[0].strip() or (made[0] == name and cls != "exact"):
            return False
        queries.append(Query(made[0], cls, expected(entry, name), name, sub=made[1]))
        return True

    def run(cls: str, pool: Sequence[tuple[ListEntry, str]], want: int, make: object) -> None:
        made = 0
        order = list(pool)
        rng.shuffle(order)
        for entry, name in order:
            if made >= want:
                break
            made += add(cls, entry, name, make(name))  # type: ignore[operator]

    run("exact", names, n_of(500), lambda s: (s, "as listed"))
    run("case-punctuation", names, n_of(500), lambda s: case_punct(s, rng))
    run("legal-form", orgs, n_of(500), lambda s: legal_variant(s, rng))
    run("abbreviation", orgs, n_of(500), lambda s: abbreviation_variant(s, rng))
    run("word-order-org", orgs, n_of(300), lambda s: org_word_order(s, rng))
    run("word-order-person", persons, n_of(300), lambda s: person_word_order(s, rng))
    for op in TYPO_OPS:
        run("one-typo", names, n_of(200), lambda s, op=op: typo(s, op, rng))
    run("dropped-legal-form", orgs, n_of(400), drop_legal)
    run("person-name-order", persons, n_of(400), person_name_order)
    queries.extend(script_queries(entries, expected, rng, notes, scale))
    queries.extend(negatives(entries, rng, notes, scale))
    return DevSet(tuple(queries), tuple(notes))


def script_queries(
    entries: Sequence[ListEntry],
    expected: object,
    rng: random.Random,
    notes: list[str],
    scale: float,
) -> Iterator[Query]:
    exp = expected  # (entry, name) → label set
    han_names = [(e, n.text) for e in entries for n in e.names if HAN.search(n.text)]
    notes.append(f"{len(han_names)} listed names in Han characters, all of them used")
    for entry, han in han_names:
        ours = "" if set(entry.countries) & CHINESE else "-foreign"
        label = exp(entry, han)  # type: ignore[operator]
        yield Query(han, "han-listed" + ours, label, han, sub="as listed")
        trad = s2t().convert(han)
        if trad != han:
            yield Query(trad, "han-traditional" + ours, label, han, sub="s2t")
        cls = "pinyin-of-foreign-han" if ours else "pinyin-of-listed-han"
        yield Query(pinyin_words(han), cls, label, han, sub="grouped")
        yield Query(pinyin_spaced(han), cls, label, han, sub="syllables")
    chinese = [
        (e, n.text)
        for e in entries
        for n in e.names
        if n.role in (NameRole.PRIMARY, NameRole.ALIAS)
        and not HAN.search(n.text)
        and set(e.countries) & {"CN", "HK", "MO"}
    ]
    rendered = [(e, t, h) for e, t in chinese if (h := han_segments(t))]
    notes.append(
        f"{len(chinese)} English names of organisations in CN/HK/MO; {len(rendered)} could be "
        "written in Han (places and generic words by table, the rest pinyin)"
    )
    seen: set[str] = set()
    picked = 0
    order = list(rendered)
    rng.shuffle(order)
    for entry, text, segments in order:
        han = "".join(segments)
        if picked >= max(5, int(400 * scale)):
            break
        if han in seen:
            continue
        seen.add(han)
        picked += 1
        label = exp(entry, text)  # type: ignore[operator]
        yield Query(han, "han-synthetic", label, text, sub="simplified")
        spelt = " ".join(segment_pinyin(w) for w in segments)
        yield Query(spelt, "pinyin-of-synthetic-han", label, text, sub="by word")
    scripts = [(e, n) for e in entries for n in e.names if n.lang in ("ru", "ar")]
    notes.append(f"{len(scripts)} original-script (ru/ar) UN names, all of them used")
    for entry, name in scripts:
        cls = "cyrillic-listed" if CYRILLIC.search(name.text) else "arabic-listed"
        yield Query(name.text, cls, exp(entry, name.text), name.text, sub="as listed")  # type: ignore[operator]
        variant = arabic_variant(name.text) if cls == "arabic-listed" else name.text.upper()
        if variant != name.text:
            yield Query(
                variant,
                cls.replace("listed", "variant"),
                exp(entry, name.text),  # type: ignore[operator]
                name.text,
                sub="spelling",
            )
        # "may find": the original script read into Latin letters, reported apart from recall
        yield Query(
            anyascii(name.text),
            "latin-of-original-script",
            exp(entry, name.text),  # type: ignore[operator]
            name.text,
            sub="anyascii",
        )


def arabic_variant(text: str) -> str:
    """Common spelling variation: no hamza on alef, ta marbuta as ha, alef maqsura as ya, no
    diacritics."""
    text = re.sub(r"[\u064b-\u065f\u0670]", "", text)
    table = {
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0629": "\u0647",
        "\u0649": "\u064a",
    }  # hamza'd alefs → alef, ta marbuta → ha, alef maqsura → ya
    return text.translate(str.maketrans(table))


# --- hard negatives -------------------------------------------------------------------------


def negatives(
    entries: Sequence[ListEntry], rng: random.Random, notes: list[str], scale: float
) -> list[Query]:
    listed = [n.text for e in entries for n in e.names]
    listed_words = {w for t in listed for w in words_of(t)}
    listed_han = "".join(t for t in listed if HAN.search(t))
    candidates: list[Query] = []

    def n_of(k: int) -> int:
        return max(5, int(k * scale))

    # real companies written out, as written and with another legal form or case
    for name in COMPANIES:
        candidates.append(Query(name, "neg-known-company", frozenset()))
        alt = legal_variant(name, rng) or case_punct(name, rng)
        if alt:
            candidates.append(Query(alt[0], "neg-known-company", frozenset(), sub="variant"))
    # persons from common given names and surnames, culture by culture
    people: list[str] = []
    for given, surnames in GIVEN_SURNAMES:
        for _ in range(n_of(110)):
            g, s = rng.choice(given), rng.choice(surnames)
            people.append(
                rng.choice([f"{g} {s}", f"{s.upper()}, {g}", f"{g} {rng.choice(given)} {s}"])
            )
    candidates.extend(Query(p, "neg-person", frozenset()) for p in dict.fromkeys(people))
    # Chinese companies: city + brand word on no list + industry + legal form
    brands = [
        b for b in BRANDS_ZH if b not in listed_han and "".join(lazy_pinyin(b)) not in listed_words
    ]
    notes.append(f"{len(brands)} of {len(BRANDS_ZH)} Chinese brand words are on no list")
    cities = list(CITIES_ZH.items())
    for _ in range(n_of(450)):
        (city_en, city_zh), brand = rng.choice(cities), rng.choice(brands)
        ind_zh, ind_en = rng.choice(INDUSTRIES_ZH)
        legal_zh, legal_en = rng.choice(
            [
                ("有限公司", "Co., Ltd."),
                ("股份有限公司", "Co., Ltd."),
                ("有限责任公司", "Company Limited"),
            ]
        )
        brand_py = "".join(lazy_pinyin(brand)).title()
        han = f"{city_zh}{brand}{ind_zh}{legal_zh}"
        which = rng.random()
        if which < 0.5:
            candidates.append(Query(han, "neg-chinese-company", frozenset(), sub="Han"))
        elif which < 0.8:
            text = f"{city_en.title()} {brand_py} {ind_en} {legal_en}"
            candidates.append(Query(text, "neg-chinese-company", frozenset(), sub="English"))
        else:
            candidates.append(
                Query(pinyin_words(han), "neg-chinese-company", frozenset(), sub="pinyin")
            )
    # names of generic words only
    for _ in range(n_of(700)):
        place = rng.choice(
            [
                "China",
                "Beijing",
                "Shanghai",
                "Shenzhen",
                "Hong Kong",
                "Asia",
                "Global",
                "International",
                "Eastern",
                "Pacific",
                "National",
            ]
        )
        body = rng.sample(GENERIC_ONLY_WORDS, rng.choice([1, 2, 2, 3]))
        legal = rng.choice(
            [
                "Co., Ltd.",
                "Company Limited",
                "Corporation",
                "Ltd",
                "Group Co., Ltd.",
                "LLC",
                "Inc.",
                "",
            ]
        )
        candidates.append(
            Query(join([place, *body, legal]), "neg-generic-only", frozenset(), sub="generic")
        )
    candidates.extend(near_misses(entries, rng, listed_words, n_of(350)))
    return _filter_negatives(candidates, entries, notes)


def near_misses(
    entries: Sequence[ListEntry], rng: random.Random, listed_words: set[str], per_kind: int
) -> list[Query]:
    pool = sorted(w for w in NEAR_MISS_WORDS if w.lower() not in listed_words)
    orgs = [
        (e, n.text)
        for e in entries
        for n in e.names
        if n.role is NameRole.PRIMARY
        and is_org(e, n.text)
        and script_of(n.text) == "Latin"
        and distinctive(n.text)
        and 2 <= len([w for w in words_of(n.text) if w not in LEGAL_WORDS]) <= 5
        # an entry of unknown kind is taken for an organisation only with an organisation word
        and (
            e.kind is PartyKind.ORGANIZATION
            or any(w in GENERIC or w in LEGAL_WORDS for w in words_of(n.text))
        )
    ]
    rng.shuffle(orgs)
    out: list[Query] = []
    counts = {"substitute": 0, "extra": 0, "missing": 0}
    for entry, name in orgs:
        tokens = name.split()
        marks = [i for i, t in enumerate(tokens) if key(t) in set(distinctive(name))]
        if not marks:
            continue
        how = rng.choice([k for k, v in counts.items() if v < per_kind] or ["done"])
        if how == "done":
            break
        if (how in ("substitute", "missing") and len(marks) < 2) or "(" in name:
            continue
        i = rng.choice(marks)
        if how == "missing" and len(key(tokens[i])) < 4:
            continue
        word = styled(rng.choice(pool), tokens[i])
        if how == "substitute":
            made = [*tokens[:i], word, *tokens[i + 1 :]]
        elif how == "extra":
            made = [*tokens[: i + 1], word, *tokens[i + 1 :]]
        else:
            made = [*tokens[:i], *tokens[i + 1 :]]
        text = join(made)
        out.append(Query(text, f"neg-near-miss-{how}", frozenset(), name, entry.entity_id, how))
        counts[how] += 1
    return out


def bare_words(text: str) -> frozenset[str]:
    """The words of a name but its legal form and particles, abbreviations expanded."""
    short = {key(b): key(a) for a, b in ABBREVIATIONS if " " not in a}
    return frozenset(
        short.get(w, w) for w in words_of(text) if w not in LEGAL_WORDS and w not in PARTICLES
    )


def _filter_negatives(
    candidates: list[Query], entries: Sequence[ListEntry], notes: list[str]
) -> list[Query]:
    """Drop a negative that is really a listed name: one with the same distinctive words as a
    listed name, or as alike as a variant (token_sort_ratio ≥ ``NEGATIVE_EXCLUDE_AT``) to a name
    of any entry but the near-miss's own (being that alike to its origin is the point)."""
    unique = list({q.text: q for q in candidates}.values())
    listed = [(e.entity_id, n.text) for e in entries for n in e.names]
    listed_text = {t for _, t in listed}
    distinct_owner: dict[frozenset[str], set[str]] = defaultdict(set)
    joined_owner: set[str] = set()
    bare_owner: set[frozenset[str]] = set()
    for entity_id, text in listed:
        if words := frozenset(distinctive(text)):
            distinct_owner[words].add(entity_id)
            joined_owner.add("".join(distinctive(text)))
        bare_owner.add(bare_words(text))
    processed = [default_process(anyascii(t)) for _, t in listed]
    texts = [default_process(anyascii(q.text)) for q in unique]
    scores = process.cdist(
        texts,
        processed,
        scorer=fuzz.token_sort_ratio,
        workers=-1,
        score_cutoff=NEGATIVE_EXCLUDE_AT,
        dtype="uint8",
    )
    owner = [entity_id for entity_id, _ in listed]
    kept: list[Query] = []
    dropped: dict[str, int] = defaultdict(int)
    for q, row in zip(unique, scores, strict=True):
        close = {owner[i] for i in row.nonzero()[0].tolist()} - {q.origin}
        same_words = (
            frozenset(distinctive(q.text)) in distinct_owner
            or "".join(distinctive(q.text)) in joined_owner  # "AEROCARIBBEAN" = "AERO-CARIBBEAN"
            or bare_words(q.text) in bare_owner  # "China Electronics LLC" = "... Corporation"
        )
        if close or same_words or q.text in listed_text:
            dropped[q.cls] += 1
            continue
        kept.append(q)
    notes.append(
        "negatives dropped as really listed (same distinctive words as a listed name, or "
        f"token_sort_ratio >= {NEGATIVE_EXCLUDE_AT} to a name of another entry): "
        + ", ".join(f"{k} {v}" for k, v in sorted(dropped.items()))
    )
    return kept
