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

import re
from functools import lru_cache
from typing import Final

from anyascii import anyascii

from rarex.screening import lexicon, terms, terms_pinyin
from rarex.screening.normalize import (
    HAN_RUN,
    ORDINAL_AT,
    NormalizedName,
    chinese_number,
    han_runs,
    normalize,
    normalize_uncached,
    ordinal,
    pinyin_syllables,
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
    "中航发": "aecc",
    "中交": "cccc",
    "中船": "cssc",
    "中芯": "smic",
    "中国联通": "china unicom",
    "中国联合网络通信": "china unicom",
    "联通": "unicom",
    "中国电信": "china telecom",
    "中国移动": "china mobile",
    "中海油": "cnooc",
    "中石油": "cnpc",
    "中石化": "sinopec",
    "华大基因": "bgi",
    "华大": "bgi",
    "同方威视": "nuctech",
    "协鑫": "gcl",
    "惠科": "hkc",
    "药明": "wuxi",
    "亨通": "hengtong",
    "新华三": "new h3c",
    "国盾量子": "quantumctek",
    "中瓷": "sinopack",
    "航亚": "hyatech",
    "长电": "jcet",
    "海康微影": "hikmicro",
    "中国中车": "crrc",
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
    "中国航发": "aecc",
    "中车": "crrc",
    "北航": "beihang",
    "北京航空航天大学": "beihang university",
    "哈工大": "hit",
    "哈工程": "heu",
    "西工大": "nwpu",
    "国防科大": "nudt",
    "南航": "nuaa",
    "中物院": "china academy of engineering physics",
}
_BRAND_MAX_LEN: Final = max(len(word) for word in BRANDS)
# Brands as their names are written in pinyin (each the pinyin of a ``BRANDS`` word with the
# same English, which a test checks), those whose sound names nothing else: "Zhongjiao Tianjin
# Hangdao Ju" is CCCC's.
BRANDS_BY_SOUND: Final[dict[str, str]] = {
    "zhonghangfa": "aecc", "zhongguohangfa": "aecc", "zhongchuan": "cssc", "zhongjiao": "cccc",
    "zhonghang": "avic", "zhongguanghe": "cgn", "shangtang": "sensetime", "xunfei": "iflytek",
    "kedaxunfei": "iflytek", "haikangweishi": "hikvision", "zhongchuanzhonggong": "csic",
    "zhongdianke": "cetc", "hangtiankegong": "casic", "zhongche": "crrc", "zhongxinguoji": "smic",
    "zhongci": "sinopack", "hangya": "hyatech", "haikangweiying": "hikmicro",
    "xinhuasan": "new h3c", "tongfangweishi": "nuctech", "huike": "hkc", "xiexin": "gcl",
    "changdian": "jcet", "meiyabaike": "meiya pico", "guodunliangzi": "quantumctek",
    "zhongguolianhewangluotongxin": "china unicom", "zhongguoyidong": "china mobile",
    "zhongguodianxin": "china telecom", "huadajiyin": "bgi",
}  # fmt: skip

# Our terms that organisations' English names also say otherwise (工程 "engineering" or
# "technology", 国家 "national" or "state", 仪器 "instrument" or "devices").
TERM_OPTIONS: Final[dict[str, tuple[str, ...]]] = {
    "船舶": ("marine", "ship", "ships"),
    "航天": ("space", "spaceflight", "astronautics"),
    "航空": ("aeronautical", "aeronautics", "aero"),
    "航空发动机": ("aircraft engine", "aviation engine"),
    "医学": ("medicine",),
    "计算": ("computational", "computation"),
    "总体": ("system", "overall"),
    "工艺": ("process", "technique", "machining technology"),
    "联合": ("union", "joint"),
    "生物": ("biology", "bio"),
    "器件": ("components", "device"),
    "运载火箭": ("carrier rocket",),
    "空气动力": ("aerodynamic",),
    "海缆": ("marine cable",),
    "海洋": ("marine", "oceanography", "offshore"),
    "海事": ("marine",),
    "局": ("administration",),
    "部": ("department",),
    "院": ("academy",),
    "计量": ("measurement",),
    "成套设备": ("plant", "complete equipment"),
    "模锻": ("forging",),
    "卫生": ("hygiene",),
    "情报": ("intelligence",),
    "环境": ("environment",),
    "光电": ("optical electronics", "optronic", "optoelectronic", "photoelectric"),
    "传感": ("sensor",),
    "试验场": ("test center", "test range", "proving ground"),
    "机电": ("electro mechanical", "mechanical electrical", "mechano electronics"),
    "航空航天": ("aerospace",),
    "集成电路": ("semiconductor", "chip"),
    "理工": ("technology",),
    "科技": ("science technology",),
    "基因": ("genomics",),
    "电源": ("power supply",),
    "空间": ("aerospace",),
    "地区": ("district", "region"),
    "特种": ("specialty",),
    "元件": ("element",),
    "工程": ("technology",),
    "技术": ("engineering",),
    "光学": ("optics",),
    "仪器": ("devices", "equipment"),
    "设备": ("devices", "apparatus"),
    "装备": ("devices",),
}

# What the groups' short names stand for, as their English names spell them out: a Chinese
# name that says 航天科工 may meet a listed name that says "China Aerospace Science and
# Industry Corporation" rather than "CASIC".
SPELLED_OUT: Final[dict[str, str]] = {
    "casic": "china aerospace science industry",
    "casc": "china aerospace science technology",
    "avic": "aviation industry china",
    "cetc": "china electronics technology group",
    "csic": "china shipbuilding industry",
    "smic": "semiconductor manufacturing international",
    "cnnc": "china national nuclear",
    "cgn": "china general nuclear power",
    "norinco": "china north industries",
    "aecc": "aero engine china",
    "crrc": "crrc",
    "cccc": "china communications construction company",
    "cssc": "china state shipbuilding corporation",
    "cnooc": "china national offshore oil corporation",
    "cnpc": "china national petroleum corporation",
    "sinopec": "china petroleum chemical corporation",
    "bgi": "beijing genomics institute",
}


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


Slot = tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]

# Readings beyond these are noise rather than choice.
_GLOSSES_PER_WORD: Final = 8
_MAX_OPTIONS: Final = 24


def _options(words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The canonical tokens of the first glosses of each of ``words`` (short glosses only)."""
    found: list[tuple[str, ...]] = []
    for word in words:
        for gloss in lexicon.glosses(word)[:_GLOSSES_PER_WORD]:
            tokens = normalize(gloss).tokens
            if 1 <= len(tokens) <= 3 and tokens not in found:
                found.append(tokens)
    return tuple(found[:_MAX_OPTIONS])


def _slot(word: str, english: str, slots: list[Slot]) -> None:
    """Remember that ``word`` was read as ``english`` and could have been read otherwise: by
    its other glosses, or left in pinyin, as names keep their proper words (黎明 "dawn", but
    "Shenyang Liming Aero Engine"; 至诚 "sincere", but "Dandong Zhicheng Metallic Material")."""
    from pypinyin import lazy_pinyin  # loaded with the first Chinese query

    sound = ("".join(lazy_pinyin(word)),)
    options = (*_options((word,)), sound)
    chosen = normalize(english).tokens
    if chosen and any(option != chosen for option in options):
        slots.append((chosen, options))


# A place and its level written as one word (安徽省, 厦门市, 阿克苏地区): the dictionary
# describes such a word ("Anhui Province in south central China", "also known as Amoy")
# where the name's own two words say it.
_LEVELS: Final = ("自治区", "自治州", "地区", "新区", "省", "市", "县", "区")


def _place_with_its_level(word: str) -> list[str] | None:
    for level in _LEVELS:
        if word.endswith(level) and len(word) > len(level) + 1:
            place = _known(word[: -len(level)])
            if place is not None and place[0] and place[0].split()[0] in terms.PLACES:
                return [place[0], terms.HAN_TERMS[level]]
    return None


def _word_english(word: str, steps: list[str], slots: list[Slot] | None = None) -> list[str]:
    """A segment in English: whole when some table knows it, else cut into the longest known
    words (ours first when as long), the characters between them in pinyin."""
    slots = [] if slots is None else slots
    known = _known(word)
    if known is not None:
        steps.append(known[1])
        spelled = SPELLED_OUT.get(known[0])
        if spelled is not None and spelled != known[0]:
            slots.append(((known[0],), (tuple(spelled.split()),)))
        said_otherwise = TERM_OPTIONS.get(word)
        if said_otherwise is not None and known[0]:
            options = tuple(tuple(normalize(o).tokens) for o in said_otherwise)
            slots.append((tuple(normalize(known[0]).tokens), options))
        return [known[0]]
    place = _place_with_its_level(word)
    if place is not None:
        steps.append(f"{word} → {' '.join(place)} (place)")
        return place
    translated = lexicon.translate(word)
    if translated is not None and len(word) > 1:
        steps.append(translated.step)
        _slot(word, translated.english, slots)
        return [translated.english]
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            from pypinyin import lazy_pinyin  # loaded with the first Chinese query

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
            _slot(theirs.word, theirs.english, slots)
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


# Our terms of three characters or more are words whatever the segmenter says (it cuts
# 有限责任公司 into 有限责任 "limited responsibility" and 公司).
_WHOLE_TERM_MIN: Final = 3
_WHOLE_MAX_LEN: Final = max(_BRAND_MAX_LEN, terms.HAN_TERM_MAX_LEN)
# ... places excepted: the dictionary knows 哈尔滨工业大学 whole (Harbin Institute of Technology)
_WHOLE_TERMS: Final = frozenset(
    han
    for han, english in terms.HAN_TERMS.items()
    if not all(word in terms.PLACES for word in english.split())
)


def _segments(run: str) -> list[str]:
    """Brands, ordinals and our longer terms first (the segmenter cuts 海康威视 into 海康 威视
    and 第七一九 into 第七 一九), then the segmenter's words for what lies between them."""
    segments: list[str] = []
    rest_start = i = 0
    while i < len(run):
        found = ORDINAL_AT.match(run, i)
        end = found.end() if found is not None else None
        if end is None:
            end = next(
                (
                    j
                    for j in range(min(len(run), i + _WHOLE_MAX_LEN), i + 1, -1)
                    if run[i:j] in BRANDS or (j - i >= _WHOLE_TERM_MIN and run[i:j] in _WHOLE_TERMS)
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
    slots: list[Slot] = []
    pieces: list[str] = []
    last = 0
    for start, end in runs:
        words = [
            w
            for segment in _segments(simplified[start:end])
            for w in _word_english(segment, steps, slots)
        ]
        pieces += [simplified[last:start], " ", " ".join(words), " "]
        last = end
    pieces.append(simplified[last:])
    english = normalize_uncached("".join(pieces))
    if english.tokens == normalize(text).tokens and not slots:
        return None
    return NormalizedName(
        text,
        english.tokens,
        english.distinctive,
        english.syllables,
        ("read for its meaning", *dict.fromkeys(steps), *english.steps),
        tuple(slots),
    )


_NUMERAL_SOUNDS: Final = {
    "ling": "零", "yi": "一", "er": "二", "san": "三", "si": "四", "wu": "五", "liu": "六",
    "qi": "七", "ba": "八", "jiu": "九", "shi": "十", "bai": "百",
}  # fmt: skip
_LONGEST_WORD: Final = 6  # syllables


def _pinyin_ordinal(syllables: tuple[str, ...]) -> str | None:
    """ "di shi si" (第十四) → "14th"."""
    if len(syllables) < 2 or syllables[0] != "di":
        return None
    digits = [_NUMERAL_SOUNDS.get(s) for s in syllables[1:]]
    if any(d is None for d in digits):
        return None
    number = chinese_number("".join(d for d in digits if d))
    return ordinal(number) if number is not None else None


def _ours(piece: tuple[str, ...], *, closing: bool = False) -> tuple[list[str], str | None] | None:
    """``piece`` as one ordinal, place, brand or term of ours, with the step that says so;
    ``closing`` when it ends the name, where "zhongxin" is 中心 (center)."""
    joined = "".join(piece)
    found = _pinyin_ordinal(piece)
    if found is not None:
        return [found], f"{' '.join(piece)} → {found} (ordinal)"
    if joined in terms.PLACES and len(piece) > 1:
        return [joined], None
    english = terms_pinyin.WORDS.get(joined)
    if english is not None and len(piece) > 1:
        return english.split(), f"{joined} → {english or '(dropped)'} (term)"
    if joined in BRANDS_BY_SOUND:
        return [BRANDS_BY_SOUND[joined]], f"{joined} → {BRANDS_BY_SOUND[joined]} (brand)"
    if closing and joined in terms_pinyin.CLOSING:
        english = terms_pinyin.CLOSING[joined]
        return [english], f"{joined} → {english} (term, closing the name)"
    return None


@lru_cache(maxsize=1)
def _options_by_english() -> dict[str, tuple[tuple[str, ...], ...]]:
    """``TERM_OPTIONS`` by the English our term gives: a pinyin term reads the same way."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for word, said_otherwise in TERM_OPTIONS.items():
        english = terms.HAN_TERMS.get(word)
        if english:
            options = found.setdefault(english, [])
            options += [normalize(o).tokens for o in said_otherwise]
    return {english: tuple(dict.fromkeys(options)) for english, options in found.items()}


def _term_slots(english: str, slots: list[Slot]) -> None:
    """The other ways the English names say one of our terms, as a slot (工程 "engineering" or
    "technology"), and what a group's short name spells out ("cssc")."""
    options = _options_by_english().get(english)
    if options:
        slots.append((normalize(english).tokens, options))
    spelled = SPELLED_OUT.get(english)
    if spelled is not None and spelled != english:
        slots.append(((english,), (tuple(spelled.split()),)))


# What a word of each kind costs a cut: ours before the dictionary's, a lone syllable last.
_COST_OURS, _COST_THEIRS, _COST_STANDALONE, _COST_SYLLABLE = 0.5, 2.0, 1.25, 3.0
# A dictionary word across two written words ("He Wuli Yu Huaxue" is 核 物理 与 化学, not hewu
# liyu), where the writer split the syllables into words at all.
_COST_ACROSS = 1.5


def _pinyin_words(
    syllables: tuple[str, ...],
    steps: list[str],
    slots: list[Slot],
    *,
    starts: frozenset[int] = frozenset(),
    closing: bool = False,
) -> list[str]:
    """Syllables cut into words, the cut that costs least (as ``_word_english`` prefers our
    terms for characters): an ordinal, a place or one of our terms; else a dictionary word of
    two syllables or more, its pinyin standing in with every reading of every word that sounds
    so as a slot; else "shi" as city and the like; else the syllable alone. "wu lu mu qi shi
    gong an ju" is Urumqi city public security bureau, not Urumqi 施工 (construction) …"""
    n = len(syllables)
    best: list[tuple[float, int] | None] = [None] * (n + 1)  # cost, start of the last word
    best[0] = (0.0, 0)
    for end in range(1, n + 1):
        for start in range(max(0, end - _LONGEST_WORD), end):
            before = best[start]
            if before is None:
                continue
            piece = syllables[start:end]
            across = sum(start < i < end for i in starts) * _COST_ACROSS
            if _ours(piece, closing=closing and end == n) is not None:
                cost = _COST_OURS  # ours as often written apart: "Youxian Zeren Gongsi"
            elif len(piece) > 1 and lexicon.sounding("".join(piece)):
                cost = _COST_THEIRS + across
            elif len(piece) == 1:
                standalone = piece[0] in terms_pinyin.STANDALONE
                cost = _COST_STANDALONE if standalone else _COST_SYLLABLE
            else:
                continue
            known = best[end]
            if known is None or before[0] + cost < known[0]:
                best[end] = (before[0] + cost, start)
    cuts: list[tuple[int, int]] = []
    end = n
    while end > 0:
        last = best[end]
        assert last is not None  # every syllable alone is a cut
        cuts.append((last[1], end))
        end = last[1]
    out: list[str] = []
    for start, end in reversed(cuts):
        piece = syllables[start:end]
        ours = _ours(piece, closing=closing and end == n)
        if ours is not None:
            words, step = ours
            steps.extend([step] if step else [])
            out.extend(words)
            _term_slots(" ".join(words), slots)
        elif len(piece) > 1:
            joined = "".join(piece)
            sounding = lexicon.sounding(joined)
            options = _options(sounding)
            if options:
                steps.append(f"{joined} → {', '.join(sounding[:4])} (CC-CEDICT, by sound)")
                slots.append(((joined,), options))
            out.append(joined)
        elif piece[0] in terms_pinyin.STANDALONE:
            out.append(terms_pinyin.STANDALONE[piece[0]])
        else:
            out.append(piece[0])
    return out


# English words our terms give, some of which read as pinyin too ("marine": ma ri ne).
_TERM_WORDS: Final = frozenset(w for english in terms.HAN_TERMS.values() for w in english.split())

_WORD_JOINERS: Final = re.compile(r"[.'\u2019`\u00b4]")
_WORD_SEPARATORS: Final = re.compile(r"[^a-z0-9]+")
_ENGLISH_WORDS: Final = (
    terms.GENERIC_TOKENS
    | terms.PLACES
    | _TERM_WORDS
    | terms.STOP_WORDS
    | terms.LEGAL_WORDS.keys()
    | terms.ABBREVIATIONS.keys()
)


# ("zao" is ZAO, a Russian legal form, in Latin, but 造 in "zhi zao", manufacturing)
_NOT_PINYIN: Final = terms.STOP_WORDS | terms.ABBREVIATIONS.keys()


def _is_english(word: str) -> bool:
    """A word of a pinyin name that is not pinyin: English, a number, a legal form. One
    syllable is pinyin even where it is also a place ("xian", "kong"): "you xian gong si"."""
    if not word.isalpha():
        return True
    if word in terms_pinyin.SYLLABLES and word not in _NOT_PINYIN:
        return False
    if word in _ENGLISH_WORDS:
        return True
    return word not in terms_pinyin.SYLLABLES and pinyin_syllables(word) == (word,)


# Two pinyin words beside English ones make a name Chinese; one ("Gazprom Neft Trading",
# "Ganja Textile") is as often a word of another language that reads as pinyin.
_MIXED_MIN: Final = 2
# A name written a syllable a word is an organisation's from this many syllables, with a term.
_SPACED_MIN: Final = 4


@lru_cache(maxsize=1 << 12)
def pinyin_reading(text: str) -> NormalizedName | None:
    """A Chinese organisation's name in pinyin (joined, spaced or mixed with English) read for
    its meaning as ``meaning_reading`` reads it in characters: "Hangzhou Yingyong Shengxue
    Yanjiusuo" with 应用/英勇 and 声学/升学 as slots a comparison fills from the other name.
    None when the name is not one (a person's name in pinyin keeps its syllables)."""
    if HAN_RUN.search(text) is not None:
        return None
    base = normalize(text)
    says_so = any(step.startswith("pinyin term") for step in base.steps)
    # "Hangzhou Yingyong Shengxue Research Institute": pinyin words beside English ones
    mixed = (
        not terms.GENERIC_TOKENS.isdisjoint(base.tokens)
        and sum(len(pinyin_syllables(t)) > 1 for t in base.distinctive) >= _MIXED_MIN
    )
    written = [
        w for w in _WORD_SEPARATORS.split(_WORD_JOINERS.sub("", anyascii(text).lower())) if w
    ]
    # "bei jing xin li ji xie chang": a syllable a word, and a term of ours among them (checked
    # below), where a person's name has no term
    by_syllable = len(written) >= _SPACED_MIN and all(w in terms_pinyin.SYLLABLES for w in written)
    if not (says_so or mixed or by_syllable):
        return None
    steps: list[str] = []
    slots: list[Slot] = []
    words: list[str] = []
    run: list[str] = []
    starts: list[int] = []  # where each written word begins in the run

    def flush(*, closing: bool = False) -> None:
        if run:
            # a name written a syllable a word says nothing by its spaces
            split = len(starts) < len(run)
            words.extend(
                _pinyin_words(
                    tuple(run),
                    steps,
                    slots,
                    starts=frozenset(starts) if split else frozenset(),
                    closing=closing,
                )
            )
            run.clear()
            starts.clear()

    # the words as written, not as ``normalize`` joined them: its terms are matched greedily
    # ("di shi yan jiu suo" is 第十研究所, not 第 试验 究所)
    for word in written:
        if _is_english(word):
            # "... Zhongxin Co., Ltd.": the legal form does not stop "zhongxin" closing the name
            flush(closing=word in terms.LEGAL_WORDS)
            words.append(word)
        else:
            starts.append(len(run))
            run.extend(pinyin_syllables(word))
    flush(closing=True)
    if not (says_so or mixed) and not any(step.endswith("(term)") for step in steps):
        return None
    read = normalize_uncached(" ".join(words))
    tokens = read.tokens
    if not slots and tuple(tokens) == base.tokens:
        return None
    return NormalizedName(
        text,
        read.tokens,
        read.distinctive,
        read.syllables,
        ("read for its meaning", *dict.fromkeys(steps)),
        tuple(slots),
    )
