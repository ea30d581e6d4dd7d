"""The clutter of the US export lists' name cells, taken apart so that exact names match.

Pure, and linear in a cell's length (no pattern here starts with an unanchored ``.*``, so a
40,000-character cell costs what reading it costs). ``split_cell`` reads one cell and says
which name it is about, which other names it holds, and which patterns it found; the parser
(``us_export``) gives each name its role and keeps the cell as the names' ``raw``.

The patterns, as the 2022 file writes them (each with real rows in
``tests/screening/test_sources_us_export_clutter.py``):

- ``?`` where the export lost a character: quotes (``AO Shipyard ?Zaliv?``), an apostrophe
  (``Xi?an``, ``People?s``, ``Razvedyvatel?noe``), a dash (``State Optical Plant?Feodosia``).
  Quotes go, an apostrophe comes back inside a word, a dash becomes a space.
- ``Parent.  Subordinate Institution - X``, ``Parent (Abbr).  Affiliated Entity:  Y``,
  ``Parent (Abbr), and subordinate entity Z`` and ``Z (a subordinate institute of Parent)``:
  the row is about X, Y or Z. The parent becomes a fact of the entry (``extra`` "parent"), not
  its name; a "Subordinate Institution" is also named the way people name it, parent first
  ("… Second Academy 283 Factory"), because "283 Factory" alone is not how anyone writes it.
- ``… and any successor, sub-unit, or subsidiary thereof``, ``…, and its sub-units and
  successors``: the scope of the listing, not the name.
- ``a.k.a.`` and ``f.k.a.`` inside one cell: ``A (a.k.a. B; C)``, ``A [aka B, C]``,
  ``A, f.k.a., B``, ``A a.k.a. B``: B and C become aliases (former names for f.k.a.).
- ``…Co., Ltd., Shenzhen, Guangdong``: a place after the legal form is the address, not the
  name. Only known places go (provinces, cities, districts, countries), so "Huawei
  Technologies Co., Ltd., Beijing Research Institute" keeps its branch.
- ``Igor Aleksandrovich Michurin (Russian individual)``: a descriptor, not the name.
- ``China Electronics Technology Group Corporation 14th Research Institute (CETC 14)``: the
  short name people also use, written after the name; it becomes an alias of its own, so that
  the name as the institute writes it ("… 14th Research Institute") is listed whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kinds of clutter, as ``CellNames.found`` names them (and the parse notes count them).
LOST_CHARACTER = "a lost character (?) restored or dropped"
SUBORDINATE = "a subordinate unit's cell split from its parent"
AFFILIATE = "an 'Affiliated Entity' cell split from its parent"
SUCCESSORS = "an 'and any successor' tail taken off"
AKA_INSIDE = "a.k.a./f.k.a. names inside a cell split off"
TRAILING_PLACE = "a place after the legal form taken off"
DESCRIPTOR = "an '(… individual)' descriptor taken off"
ACRONYM = "a closing (ACRONYM) split off as an alias"
UNIT_OF = "a unit named after its parent corporation and a comma split from it"
NAMES_JOINED = "names joined by 'and' after a legal form split apart"


@dataclass(frozen=True, slots=True)
class CellNames:
    """What one name cell holds: ``main`` takes the row's role (primary on an entry's first
    row, alias on the others); ``aliases`` and ``former`` are further names of the same party;
    ``parent`` is the organisation the party belongs to, when the cell named it."""

    main: str
    aliases: tuple[str, ...] = ()
    former: tuple[str, ...] = ()
    parent: str | None = None
    found: tuple[str, ...] = ()


def split_cell(cell: str) -> CellNames:
    """The names one cell holds, with its clutter taken off (see the module's patterns)."""
    found: list[str] = []
    text = _spaces(cell)
    if "?" in text:
        text = _restore_lost(text)
        found.append(LOST_CHARACTER)
    parent: str | None = None
    relative = False  # the unit is named relative to its parent ("283 Factory")
    relation = _PARENT.search(text)
    member_of = _MEMBER_OF.search(text)
    if relation is not None:
        parent = text[: relation.start()].strip(" ,") or None
        text = text[relation.end() :].strip()
        kind = (relation[1] or relation[2]).lower()
        relative = kind.startswith("subordinate institution")
        found.append(AFFILIATE if kind.startswith("affiliated") else SUBORDINATE)
    elif member_of is not None:
        parent = member_of[1].strip()
        text = _spaces(text[: member_of.start()] + " " + text[member_of.end() :])
        found.append(SUBORDINATE)
    elif (unit_of := _UNIT_OF.match(text)) is not None:
        parent, text, relative = unit_of[1], unit_of[2], True
        found.append(UNIT_OF)
    text, cut = _cut_successors(text)
    if cut:
        found.append(SUCCESSORS)
    text, joined = _names_joined(text)
    if joined:
        found.append(NAMES_JOINED)
    text, aliases, former = _split_aka(text)
    if aliases or former:
        found.append(AKA_INSIDE)
    aliases = [*joined, *aliases]
    main, placed = _without_places(text)
    if placed:
        found.append(TRAILING_PLACE)
    described = _DESCRIPTOR.sub("", main)
    if described and described != main:
        main = described
        found.append(DESCRIPTOR)
    main, acronym = _short_name(main)
    if acronym:
        found.append(ACRONYM)
    others: list[str] = []
    for alias in aliases:
        named, short = _short_name(_without_places(alias)[0], any_case=True)
        others += [named, short] if short else [named]
    if acronym:
        others.append(acronym)
    if relative and parent:
        others.insert(0, f"{parent} {main}")
    return CellNames(
        main=main or _spaces(cell),
        aliases=tuple(n for n in others if n),
        former=tuple(_without_places(n)[0] for n in former if n),
        parent=parent,
        found=tuple(found),
    )


# -- lost characters ----------------------------------------------------------------------

_LOST = re.compile(r"\?+")
_SPACE_RUNS = re.compile(r"\s+")


def _spaces(text: str) -> str:
    return _SPACE_RUNS.sub(" ", text).strip()


def _restore_lost(text: str) -> str:
    """Each run of ``?`` read from what stands on either side of it."""
    out: list[str] = []
    last = 0
    for match in _LOST.finditer(text):
        out.append(text[last : match.start()])
        out.append(_lost(text, match.start(), match.end()))
        last = match.end()
    out.append(text[last:])
    return _spaces("".join(out))


def _word_before(text: str, end: int) -> int:
    start = end
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return end - start


def _word_after(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end].isalpha():
        end += 1
    return end - start


def _lost(text: str, start: int, end: int) -> str:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    after_next = text[end + 1] if end + 1 < len(text) else ""
    if after == "s" and not after_next.isalpha() and (before.isalnum() or before == ")"):
        return "'"  # a possessive: "People?s Republic", "(CAEP)?s 902 Institute"
    if before.isalpha() and after.isalpha():
        left, right = _word_before(text, start), _word_after(text, end)
        if after.islower():
            # An apostrophe inside a word ("Xi?an", "Razvedyvatel?noe", "Is?vision"); between
            # two long words a quote or a dash that lost its space ("…yu?sakha").
            return " " if left >= 4 and right >= 4 else "'"
        # "d?Etudes" is d'Etudes; "Giprostroymost?Saint-Petersburg", "NIIP?NZIK" lost a dash.
        return "'" if left == 1 else " "
    if before.isalnum() and after.isalnum():
        return " "
    return ""  # a quote mark at the edge of a word: "?Zvezdochka?"


# -- parent, successors, a.k.a. -----------------------------------------------------------

# "Parent.  Subordinate Institution - X", "Parent (Abbr).  Affiliated Entity:  Y",
# "Parent (Abbr), and subordinate entity Z"; and "X (a subordinate institute of Parent)".
_PARENT = re.compile(
    r"(?:\.\s+(Subordinate Institution|Affiliated Entity)\s*[-\u2013\u2014:]|"
    r",?\s+and\s+(subordinate entity))\s*",
    re.I,
)
_MEMBER_OF = re.compile(
    r"\(an? subordinate (?:institute|institution|entity|unit) of ([^()]+)\)", re.I
)
_SUCCESSOR_TAIL = re.compile(
    r",?\s+and\s+(?:any|its)\s+(?:successors?|sub-?units?|subsidiar(?:y|ies))\b", re.I
)
_DESCRIPTOR = re.compile(r"\s*\((?:[A-Z][\w-]*\s+)?individual\)$")
# "(a.k.a. …", "[aka …", "(f.k.a., …": the marker right after an opening bracket.
_BRACKETED = re.compile(r"[(\[]\s*(a\.?k\.?a\.?|f\.?k\.?a\.?)(?=[\s,:])[,:]?\s*", re.I)
# ", a.k.a., …", " f.k.a. …" in the running text: dotted only, so a word "Aka" stays a word.
_INLINE = re.compile(r",?\s+(a\.k\.a\.?|f\.k\.a\.?)[,:]?\s+", re.I)
_CLOSING = {"(": ")", "[": "]"}


# "Tactical Missile Corporation, Smolensk Aviation Plant", "China Electronics Technology Group
# Corporation, 30th Research Institute": a unit after its parent and a comma (not a legal form
# after the name: "…Corporation, Ltd.").
_UNIT_OF = re.compile(
    r"([^,]*\b(?:Corporation|Concern|Holding|Group))\s*,\s+"
    r"(?!(?:Ltd|Limited|Inc|LLC|JSC|OJSC|PJSC|a\.k\.a|f\.k\.a|and)\b)(\S.*)$"
)
# "…Co., Ltd., and Sense Time", "STG Holdings Limited, Stroytransgaz Holding Limited and STGH":
# a legal form, then "and" (or a comma before a name with a legal form of its own).
_JOINED_AFTER_FORM = re.compile(
    r"\b(?:Ltd|Limited|Inc|LLC|Company|Corporation)\.?(,\s+and\s+|\s+and\s+|,\s+)(?=[A-Z])"
)


def _names_joined(text: str) -> tuple[str, list[str]]:
    """The first name, and the names joined to it after its legal form."""
    pieces: list[str] = []
    start = 0
    matches = list(_JOINED_AFTER_FORM.finditer(text))
    for i, match in enumerate(matches):
        following = text[match.end() : matches[i + 1].start(1) if i + 1 < len(matches) else None]
        a_name = len(following.split()) >= 2 and _LEGAL_END.search(following.rstrip(" ,."))
        if "and" in match[1] or a_name:
            pieces.append(text[start : match.start(1)])
            start = match.end()
    if not pieces:
        return text, []
    pieces.append(text[start:])
    names = [p.strip(" ,") for p in pieces if p.strip(" ,")]
    return names[0], names[1:]


def _cut_successors(text: str) -> tuple[str, bool]:
    match = _SUCCESSOR_TAIL.search(text)
    if match is None:
        return text, False
    return text[: match.start()].rstrip(" ,"), True


def _closing(text: str, opening: int) -> int:
    """Where the bracket opened at ``opening`` closes (nested brackets counted); the end of
    the text when it never does."""
    open_char = text[opening]
    close_char = _CLOSING[open_char]
    depth = 0
    for i in range(opening, len(text)):
        if text[i] == open_char:
            depth += 1
        elif text[i] == close_char:
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _is_former(marker: str) -> bool:
    return marker.lower().startswith("f")


def _split_aka(text: str) -> tuple[str, list[str], list[str]]:
    aliases: list[str] = []
    former: list[str] = []
    # Bracketed first: "A (a.k.a. B; C)", "A [aka B, C]", read left to right in one pass.
    kept: list[str] = []
    position = 0
    while (match := _BRACKETED.search(text, position)) is not None:
        close = _closing(text, match.start())
        names = _alias_list(text[match.end() : close])
        (former if _is_former(match[1]) else aliases).extend(names)
        kept.append(text[position : match.start()])
        position = close + 1
    kept.append(text[position:])
    text = _spaces(" ".join(kept))
    # Then in the running text: "A, f.k.a., B", "A a.k.a. B a.k.a. C".
    parts = _INLINE.split(text)
    for marker, name in zip(parts[1::2], parts[2::2], strict=True):
        (former if _is_former(marker) else aliases).extend(_alias_list(name))
    return parts[0].strip(" ,"), aliases, former


def _alias_list(text: str) -> list[str]:
    """Names listed inside one a.k.a.: split at semicolons, or at commas when every piece is a
    name of two words or more (so "FETCO, Inc." stays one name)."""
    text = text.strip(" ,;")
    if ";" in text:
        pieces = text.split(";")
    else:
        pieces = text.split(", ")
        if len(pieces) > 1 and any(len(p.split()) < 2 for p in pieces):
            pieces = [text]
    return [p.strip(" ,") for p in pieces if p.strip(" ,")]


# -- places after the legal form ----------------------------------------------------------

_LEGAL_END = re.compile(
    r"(?:\bCo\.?,?\s*Ltd\.?|\bCo\.?,?\s*Limited|\bLimited|\bLtd\.?|\bInc\.?|\bLLC|"
    r"\bCorp(?:oration)?\.?|\bGmbH|\bCompany|\bS\.?A\.?)$",
    re.I,
)
# Provinces and regions of China, the cities and districts these lists name, and countries.
_PLACE_WORDS = """
    anhui beijing chongqing fujian gansu guangdong guangxi guizhou hainan hebei heilongjiang
    henan hongkong hubei hunan innermongolia jiangsu jiangxi jilin liaoning macau macao
    ningxia qinghai shaanxi shandong shanghai shanxi sichuan taiwan tianjin tibet xizang
    xinjiang yunnan zhejiang
    baotou changchun changsha chengdu dalian dongguan foshan fuzhou guangzhou guiyang haikou
    hangzhou harbin hefei hohhot jinan kunming lanzhou lhasa mianyang nanchang nanjing
    nanning ningbo qingdao shenyang shenzhen shijiazhuang suzhou taiyuan urumqi wuhan wuxi
    xiamen xian xining yinchuan zhengzhou zhuhai
    kowloon tsimshatsui wanchai centralhongkong
    china prc peoplesrepublicofchina greatbritain unitedkingdom uk
"""
PLACES: frozenset[str] = frozenset(_PLACE_WORDS.split())


def _place_key(part: str) -> str:
    return re.sub(r"[\s'.\u2019-]", "", part).lower()


def _without_places(name: str) -> tuple[str, bool]:
    """``name`` without the known places that follow its legal form, and whether any did."""
    parts = name.split(", ")
    kept = len(parts)
    while kept > 1 and len(parts) - kept < 3 and _place_key(parts[kept - 1]) in PLACES:
        kept -= 1
    if kept == len(parts):
        return name, False
    head = ", ".join(parts[:kept])
    if _LEGAL_END.search(head) is None:
        return name, False
    return head, True


# -- a short name after the name --------------------------------------------------------------

_ACRONYM_MAX = 20
# A legal form in brackets ("Moselectronproekt (JSC)") is part of the name, not a short name.
_BRACKETED_FORMS = frozenset(
    {"ltd", "llc", "jsc", "ojsc", "pjsc", "cjsc", "ooo", "oao", "zao", "plc"}
)


# A short name in brackets after a legal form, of any case, in an a.k.a.: "Chitron Electronics
# Company Ltd., a.k.a. Chi-Chung Electronics Company Ltd. (Chitron-Shenzhen)".
_SHORT_NAME_MAX = 40


def _short_name(name: str, *, any_case: bool = False) -> tuple[str, str | None]:
    """``name`` without a closing "(CETC 14)", "(HAFEI)", "(CSSRC)", and that short name: capitals
    and digits only, two capitals or a digit, not a place ("(PRC)"), not a legal form ("(JSC)") and
    not the whole name; with ``any_case`` (a name inside an a.k.a.), any short name in
    brackets after a legal form. A listed party's own "(Huawei)" stays: it is how the list
    writes the party's name."""
    if not name.endswith(")"):
        return name, None
    opening = name.rfind("(")
    inner = name[opening + 1 : -1].strip()
    head = name[:opening].rstrip(" ,")
    if opening <= 0 or not head or not inner or len(inner) > _ACRONYM_MAX:
        return name, None
    if _place_key(inner) in PLACES or _place_key(inner) in _BRACKETED_FORMS:
        return name, None
    if any_case and _LEGAL_END.search(head) is not None and len(inner) <= _SHORT_NAME_MAX:
        return head, inner  # "Chi-Chung Electronics Company Ltd. (Chitron-Shenzhen)"
    if not all(c.isupper() or c.isdigit() or c in " -&./" for c in inner):
        return name, None
    capitals = sum(c.isupper() for c in inner)
    if capitals == 0 or (capitals < 2 and not any(c.isdigit() for c in inner)):
        return name, None
    return head, inner
