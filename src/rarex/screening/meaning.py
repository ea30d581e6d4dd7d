"""A Chinese name read for its meaning: 哈尔滨工业大学 as "Harbin Institute of Technology", not only
as the sounds "haerbin gongye daxue".

Pure. The name is cut into words by a segmenter (jieba's dictionary, through ``rjieba``); each
word is then, in this order: an ordinal (第十四 → 14th); one of our organisation terms
(``terms.HAN_TERMS``) or brands (``BRANDS``); a word of the CC-CEDICT dictionary
(``lexicon``), proper nouns included (institutions, places, brands); or, when none of these,
cut again into the longest words either knows, with what is left written in pinyin, as brand
and proper names are. Every translation is a step of the reading, so a hit can say
"航空 → aviation (CC-CEDICT)".

The reading is a second ``NormalizedName`` beside the one ``normalize`` gives (which keeps the
sounds): the matcher compares a query in both and keeps the better.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from pypinyin import lazy_pinyin

from rarex.screening import lexicon, terms
from rarex.screening.normalize import (
    ORDINAL_AT,
    NormalizedName,
    chinese_number,
    han_runs,
    normalize,
    normalize_uncached,
    ordinal,
    t2s,
)

# Chinese organisations whose English name is neither a translation nor the pinyin of their
# Chinese one, as each writes it itself (company sites and annual reports).
BRANDS: Final[dict[str, str]] = {
    "海康威视": "hikvision",
    "科大讯飞": "iflytek",
    "讯飞": "iflytek",
    "旷视": "megvii",
    "商汤": "sensetime",
    "浪潮": "inspur",
    "中科曙光": "sugon",
    "曙光": "sugon",
    "中芯国际": "smic",
    "中兴通讯": "zte",
    "中兴": "zte",
    "飞腾": "phytium",
    "申威": "sunway",
    "海光": "hygon",
    "大疆": "dji",
    "宇视": "uniview",
    "依图": "yitu",
    "云从": "cloudwalk",
    "美亚柏科": "meiya pico",
    "奇虎": "qihoo",
    "中航工业": "avic",
    "中航": "avic",
    "航天科工": "casic",
    "航天科技": "casc",
    "中国电科": "cetc",
    "中电科": "cetc",
    "中船重工": "csic",
    "中国兵器": "norinco",
    "北方工业": "norinco",
    "中核": "cnnc",
    "中广核": "cgn",
    "北航": "beihang",
    "北京航空航天大学": "beihang university",
    "哈工大": "hit",
    "哈工程": "heu",
    "西工大": "nwpu",
    "国防科大": "nudt",
    "南航": "nuaa",
    "中国工程物理研究院": "china academy of engineering physics",
    "中物院": "china academy of engineering physics",
}
_BRAND_MAX_LEN: Final = max(len(word) for word in BRANDS)


def _known(word: str) -> tuple[str, str] | None:
    """Our own reading of a word (an ordinal, a brand, an organisation term), with its step."""
    found = ORDINAL_AT.fullmatch(word)
    if found is not None:
        number = chinese_number(found.group(1))
        if number is not None:
            return ordinal(number), f"{word} → {ordinal(number)} (ordinal)"
    if word in BRANDS:
        return BRANDS[word], f"{word} → {BRANDS[word]} (brand)"
    english = terms.HAN_TERMS.get(word)
    if english is not None:
        return english, f"{word} → {english or '(dropped)'} (term)"
    return None


def _longest_known_at(text: str, start: int) -> str | None:
    for end in range(
        min(len(text), start + max(_BRAND_MAX_LEN, terms.HAN_TERM_MAX_LEN)), start, -1
    ):
        if _known(text[start:end]) is not None:
            return text[start:end]
    return None


def _word_english(word: str, steps: list[str]) -> list[str]:
    """A segment in English: whole when some table knows it, else cut into the longest known
    words (ours first when as long), the characters between them in pinyin."""
    known = _known(word)
    if known is not None:
        steps.append(known[1])
        return [known[0]]
    translated = lexicon.translate(word)
    if translated is not None and len(word) > 1:
        steps.append(translated.step)
        return [translated.english]
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            out.append("".join(lazy_pinyin("".join(pending))))
            pending.clear()

    i = 0
    while i < len(word):
        ours = _longest_known_at(word, i)
        theirs = lexicon.longest_translation_at(word, i)
        if ours is not None and (theirs is None or len(ours) >= len(theirs.word)):
            flush()
            known = _known(ours)
            assert known is not None
            steps.append(known[1])
            out.append(known[0])
            i += len(ours)
            continue
        if theirs is not None:
            flush()
            steps.append(theirs.step)
            out.append(theirs.english)
            i += len(theirs.word)
            continue
        pending.append(word[i])
        i += 1
    flush()
    return out


def _cut(text: str) -> list[str]:
    import rjieba  # loaded with the first Chinese query: 0.3 s of dictionary

    words: list[str] = rjieba.cut(text)
    return words


def _segments(run: str) -> list[str]:
    """Brands and ordinals first (the segmenter cuts 海康威视 into 海康 威视 and 第七一九 into
    第七 一九), then the segmenter's words for what lies between them."""
    segments: list[str] = []
    rest_start = i = 0
    while i < len(run):
        found = ORDINAL_AT.match(run, i)
        end = found.end() if found is not None else None
        if end is None:
            end = next(
                (
                    j
                    for j in range(min(len(run), i + _BRAND_MAX_LEN), i + 1, -1)
                    if run[i:j] in BRANDS
                ),
                None,
            )
        if end is None:
            i += 1
            continue
        segments += _cut(run[rest_start:i]) if i > rest_start else []
        segments.append(run[i:end])
        rest_start = i = end
    segments += _cut(run[rest_start:]) if rest_start < len(run) else []
    return [segment for segment in segments if segment.strip()]


@lru_cache(maxsize=1 << 12)
def meaning_reading(text: str) -> NormalizedName | None:
    """The name with its Han words translated, or None when it has no Han character or the
    translation reads no differently from ``normalize``'s."""
    simplified = t2s(text)
    runs = han_runs(simplified)
    if not runs:
        return None
    steps: list[str] = []
    pieces: list[str] = []
    last = 0
    for start, end in runs:
        words = [
            w for segment in _segments(simplified[start:end]) for w in _word_english(segment, steps)
        ]
        pieces += [simplified[last:start], " ", " ".join(words), " "]
        last = end
    pieces.append(simplified[last:])
    english = normalize_uncached("".join(pieces))
    if english.tokens == normalize(text).tokens:
        return None
    return NormalizedName(
        text,
        english.tokens,
        english.distinctive,
        english.syllables,
        ("read for its meaning", *dict.fromkeys(steps), *english.steps),
    )
