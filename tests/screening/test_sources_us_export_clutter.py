"""The clutter of the US export lists' name cells is taken apart at import, on real rows of the
2022 file (``fixtures/us-export-clutter.csv`` holds them verbatim, with their line numbers in
the shared file below): each name as people write it, in its role, and the cell kept as the
name's ``raw`` for display. The shared file itself is counted pattern by pattern."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from rarex.screening.records import EntryName, ListEntry, NameRole
from rarex.screening.sources import parse_list
from rarex.screening.sources.us_export_names import (
    ACRONYM,
    AFFILIATE,
    AKA_INSIDE,
    DESCRIPTOR,
    LOST_CHARACTER,
    NAMES_JOINED,
    SUBORDINATE,
    SUCCESSORS,
    TRAILING_PLACE,
    UNIT_OF,
    split_cell,
)

FIXTURE = Path(__file__).parent / "fixtures" / "us-export-clutter.csv"
SHARED = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "watchlists"
    / "us-export-lists-2022.csv"
)


@pytest.fixture(scope="module")
def entries() -> dict[str, ListEntry]:
    parsed = parse_list("us-export-csv", [FIXTURE.read_bytes()])
    return {e.entry_id[:8]: e for e in parsed.entries}


def names(entry: ListEntry) -> list[tuple[str, NameRole]]:
    return [(n.text, n.role) for n in entry.names]


def named(entry: ListEntry, text: str) -> EntryName:
    return next(n for n in entry.names if n.text == text)


def test_a_lost_character_becomes_the_apostrophe_or_space_it_was_and_quotes_go(
    entries: dict[str, ListEntry],
) -> None:
    # line 3829-3830: "?Zvezdochka? Shipyard", "AO Ship Repair Center ?Zvezdochka?"
    assert names(entries["18a40215"]) == [
        ("Zvezdochka Shipyard", NameRole.PRIMARY),
        ("AO Ship Repair Center Zvezdochka", NameRole.ALIAS),
    ]
    assert named(entries["18a40215"], "Zvezdochka Shipyard").raw == "?Zvezdochka? Shipyard"
    # line 3258-3259: a possessive
    assert names(entries["1fd38dd8"]) == [
        ("Lugansk People's Republic", NameRole.PRIMARY),
        ("People's Republic of Luhansk", NameRole.ALIAS),
    ]
    # line 4535: an elided article
    centre = named(entries["3dc50ce4"], "Centre d'Etudes et de Recherches Scientifiques")
    assert centre.role is NameRole.ALIAS
    assert centre.raw == "Centre d?Etudes et de Recherches Scientifiques (CERS)"


def test_a_place_after_the_legal_form_is_taken_off_and_a_branch_is_kept() -> None:
    rows = {
        # line 5553, 1006, 2416 of the shared file
        "Xi?an Huawei Technologies Co., Ltd., Xi?an, Shaanxi": (
            "Xi'an Huawei Technologies Co., Ltd."
        ),
        "Chengdu Huawei Technologies Co., Ltd., Chengdu, Sichuan": (
            "Chengdu Huawei Technologies Co., Ltd."
        ),
        "Huawei Global Finance (UK) Limited, Great Britain": "Huawei Global Finance (UK) Limited",
        "Hangzhou Huawei Digital Technology Co., Ltd., Hangzhou, Zhejiang, China": (
            "Hangzhou Huawei Digital Technology Co., Ltd."
        ),
        # not places: a branch, a research institute of the company
        "Shenzhen HiSilicon Technologies Co., Electrical Research Center": (
            "Shenzhen HiSilicon Technologies Co., Electrical Research Center"
        ),
        "Huawei Technologies Co., Ltd., Xi'an Research Institute": (
            "Huawei Technologies Co., Ltd., Xi'an Research Institute"
        ),
    }
    for cell, name in rows.items():
        assert split_cell(cell).main == name, cell
    assert (
        TRAILING_PLACE in split_cell("Huawei Device (Hong Kong) Co., Limited, Tsim Sha Tsui").found
    )


def test_xian_huawei_is_one_primary_name_keeping_its_cell(entries: dict[str, ListEntry]) -> None:
    (name,) = entries["e6a6cfab"].names
    assert (name.text, name.role) == ("Xi'an Huawei Technologies Co., Ltd.", NameRole.PRIMARY)
    assert name.raw == "Xi?an Huawei Technologies Co., Ltd., Xi?an, Shaanxi"


def test_an_and_any_successor_tail_is_the_scope_not_the_name(
    entries: dict[str, ListEntry],
) -> None:
    # line 3787 and 4137
    ningbo, short = entries["60cbf26b"].names
    assert ningbo.text == "Ningbo Zhongjun International Trade Co., Ltd."
    assert (short.text, short.role) == ("NBZJ", NameRole.ALIAS)
    assert ningbo.raw is not None
    assert ningbo.raw.endswith("or subsidiary thereof")
    assert names(entries["7cffd56c"]) == [
        ("PTI", NameRole.PRIMARY),
        ("Poly Technologies Incorporated", NameRole.ALIAS),
    ]


def test_aka_and_fka_inside_one_cell_become_names_of_their_own(
    entries: dict[str, ListEntry],
) -> None:
    # line 552: "[aka A, B]"
    assert names(entries["ebaed354"]) == [
        ("Astronautics Research Institute", NameRole.PRIMARY),
        ("Astronautics Systems Research Center", NameRole.ALIAS),
        ("Aerospace Research Institute", NameRole.ALIAS),
    ]
    # line 4145: "(a.k.a. A, Inc.; B, Inc.)": a semicolon list, commas inside names kept
    assert ("Precision Image Corporation", NameRole.ALIAS) in names(entries["36e892bb"])
    assert ("CK Enterprises, Inc.", NameRole.ALIAS) in names(entries["36e892bb"])
    # line 410: "JSC ?Almaz-Antey? MSDB, f.k.a., Otkrytoe …"
    almaz = names(entries["52e7cfe8"])
    assert ("JSC Almaz-Antey MSDB", NameRole.ALIAS) in almaz
    former = (
        "Otkrytoe Aktsionernoe Obshchestvo Nauchno Proizvodstvennoe Obedinenie Almaz Imeni "
        "Akademika A.A. Raspletina"
    )
    assert (former, NameRole.FORMER) in almaz
    # line 2061: "(f.k.a. …)"
    assert ("Zakrytoe Aktsionernoe Obshchestvo Gaztelekom", NameRole.FORMER) in names(
        entries["eee7dbc3"]
    )
    # line 1316: "and A a.k.a. B", no comma
    assert names(entries["0fa537b1"])[1:] == [
        ("Yichang Testing Technology Research Institute", NameRole.ALIAS),
        ("Yichang Institute of Testing Technology", NameRole.ALIAS),
    ]
    # line 4292: "(aka …)" and a descriptor "(DPRK individual)"
    assert names(entries["91b69f0b"]) == [
        ("Ri Su'ng-ch'o'l", NameRole.PRIMARY),
        ("Ri Sung Chol", NameRole.ALIAS),
    ]
    raw = named(entries["91b69f0b"], "Ri Sung Chol").raw
    assert raw == "Ri Sung Chol (aka Ri Su'ng-ch'o'l) (DPRK individual)"
    # "FETCO, Inc." is one name, not two
    assert split_cell("Far East Trading Company, Inc. (a.k.a. FETCO, Inc.)").aliases == (
        "FETCO, Inc.",
    )


def test_a_subordinate_institution_is_named_alone_and_after_its_parent(
    entries: dict[str, ListEntry],
) -> None:
    # line 1074-1075: the entry's first row is "and Second Planning Department"
    unit = entries["d0bb7dec"]
    assert names(unit) == [
        ("Second Planning Department", NameRole.PRIMARY),
        ("Second Design Department", NameRole.ALIAS),
        (
            "China Aerospace Science and Industry Corporation Second Academy Second Design "
            "Department",
            NameRole.ALIAS,
        ),
    ]
    parent = "China Aerospace Science and Industry Corporation Second Academy"
    assert ("parent", parent) in unit.extra
    assert named(unit, "Second Design Department").raw == (
        f"{parent}.  Subordinate Institution -  Second Design Department"
    )
    # line 4037 "…(PAEC), and subordinate entity …" and 2194 "(a subordinate institute of …)"
    assert ("National Development Complex", NameRole.ALIAS) in names(entries["d6ef32a3"])
    assert ("NDC", NameRole.ALIAS) in names(entries["d6ef32a3"])
    assert ("parent", "Pakistan Atomic Energy Commission (PAEC)") in entries["d6ef32a3"].extra
    assert names(entries["d7e6cfe0"]) == [
        ("Guangzhou Hongyu Technology Co., Ltd.", NameRole.PRIMARY)
    ]
    assert ("parent", "CETC-7") in entries["d7e6cfe0"].extra


def test_an_affiliated_entity_is_listed_under_its_own_name_not_huaweis(
    entries: dict[str, ListEntry],
) -> None:
    # line 2477: the affiliate is the entry's first row, so its primary name
    hangzhou = entries["8cf458d2"]
    assert names(hangzhou) == [
        ("Hangzhou Huawei Communication Technology Co., Ltd.", NameRole.PRIMARY)
    ]
    assert ("parent", "Huawei Technologies Co., Ltd. (Huawei)") in hangzhou.extra
    assert hangzhou.names[0].raw is not None
    assert hangzhou.names[0].raw.startswith("Huawei Technologies Co., Ltd. (Huawei).  Affiliated")
    # line 2484: an affiliate row among aliases
    assert ("Huawei Marine Networks Co., Ltd.", NameRole.ALIAS) in names(entries["aadd6c0a"])


@pytest.mark.parametrize(
    ("cell", "main", "short"),
    [
        # real cells of the 2022 file
        (
            "China Electronics Technology Group Corporation 14th Research Institute (CETC 14)",
            "China Electronics Technology Group Corporation 14th Research Institute",
            "CETC 14",
        ),
        ("Hafei Aviation Industry Co., Ltd. (HAFEI)", "Hafei Aviation Industry Co., Ltd.", "HAFEI"),
        (
            "Communication, Telemetry and Telecontrol Research Institute (CTI)",
            "Communication, Telemetry and Telecontrol Research Institute",
            "CTI",
        ),
    ],
)
def test_a_closing_short_name_becomes_an_alias_of_its_own(cell: str, main: str, short: str) -> None:
    names = split_cell(cell)
    assert (names.main, names.aliases, names.found) == (main, (short,), (ACRONYM,))


@pytest.mark.parametrize(
    "cell",
    [
        "CHINA COMMUNICATIONS CONSTRUCTION GROUP (LTD)",  # a legal form, line 805
        "Moselectronproekt (JSC)",  # line 1761
        "Some Trading Company (PRC)",  # a place
        "Beijing Institute of Technology (Beijing Ligong Daxue)",  # not capitals only
        "(ABC)",  # nothing before it
    ],
)
def test_a_bracketed_legal_form_place_or_other_name_is_not_a_short_name(cell: str) -> None:
    assert ACRONYM not in split_cell(cell).found


def test_a_unit_after_its_parent_and_a_comma_is_named_alone_and_after_its_parent() -> None:
    # lines 5176 and 1268 of the shared file
    smolensk = split_cell("Tactical Missile Corporation, Smolensk Aviation Plant")
    assert smolensk.main == "Smolensk Aviation Plant"
    assert smolensk.aliases == ("Tactical Missile Corporation Smolensk Aviation Plant",)
    assert smolensk.parent == "Tactical Missile Corporation"
    assert smolensk.found == (UNIT_OF,)
    cetc = split_cell(
        "China Electronics Technology Group Corporation, 30th Research Institute (CETC-30)"
    )
    assert cetc.main == "30th Research Institute"
    assert "China Electronics Technology Group Corporation 30th Research Institute" in cetc.aliases
    assert "CETC-30" in cetc.aliases
    # a legal form after a comma is no unit
    assert split_cell("Zvezda Corporation, Ltd.").main == "Zvezda Corporation, Ltd."


def test_names_joined_by_and_after_a_legal_form_are_split_apart() -> None:
    # lines 687 and 4998
    sensetime = split_cell("Beijing Shangtang Technology Development Co., Ltd., and Sense Time")
    assert (sensetime.main, sensetime.aliases) == (
        "Beijing Shangtang Technology Development Co., Ltd.",
        ("Sense Time",),
    )
    assert sensetime.found == (NAMES_JOINED,)
    stg = split_cell("STG Holdings Limited, Stroytransgaz Holding Limited and STGH")
    assert (stg.main, stg.aliases) == (
        "STG Holdings Limited",
        ("Stroytransgaz Holding Limited", "STGH"),
    )
    # a place after the legal form is no name, nor is a branch
    assert split_cell("Huawei Technologies Co., Ltd., Beijing Research Institute").aliases == ()


def test_a_short_name_in_brackets_inside_an_aka_is_a_name_of_its_own() -> None:
    # line 1416
    chitron = split_cell(
        "Chitron Electronics Company Ltd., a.k.a. Chi-Chung Electronics Company Ltd. "
        "(Chitron-Shenzhen)"
    )
    assert chitron.aliases == ("Chi-Chung Electronics Company Ltd.", "Chitron-Shenzhen")


def test_a_name_without_clutter_keeps_no_raw(entries: dict[str, ListEntry]) -> None:
    gazprom = named(entries["eee7dbc3"], "Gazprom Telecom")
    assert gazprom.raw is None
    assert split_cell("Huawei Technologies Co., Ltd. (Huawei)").found == ()


def test_splitting_is_linear_in_the_cell_length() -> None:
    # Long cells full of every pattern's trigger: no pattern may backtrack over the cell.
    cells = [
        "Xi?an " * 7000,
        "A (a.k.a. B" + "; C" * 10000,
        "A (aka B) " * 4000 + "and any successor",
        ("Co., Ltd., " * 4000) + "Shenzhen, Guangdong",
        "." * 20000 + " Subordinate Institution",
        "(" * 20000,
    ]
    for cell in cells:
        started = time.perf_counter()
        split_cell(cell)
        assert time.perf_counter() - started < 0.5, cell[:40]


def test_the_shared_file_is_cleaned_pattern_by_pattern() -> None:
    if not SHARED.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED} is missing in CI")
        pytest.skip(f"{SHARED} is not beside the clone")
    parsed = parse_list("us-export-csv", [SHARED.read_bytes()])
    counted = {
        kind: next(n for n in parsed.notes if kind in n)
        for kind in (
            LOST_CHARACTER,
            AKA_INSIDE,
            SUCCESSORS,
            TRAILING_PLACE,
            SUBORDINATE,
            AFFILIATE,
            DESCRIPTOR,
            ACRONYM,
        )
    }
    assert "(130 times" in counted[LOST_CHARACTER]
    assert "(25 times" in counted[AKA_INSIDE]
    assert "(17 times" in counted[SUCCESSORS]
    assert "(25 times" in counted[TRAILING_PLACE]
    assert "(33 times" in counted[SUBORDINATE]
    assert "(23 times" in counted[AFFILIATE]
    assert "(2 times" in counted[DESCRIPTOR]
    assert "(166 times" in counted[ACRONYM]
    texts = [n.text for e in parsed.entries for n in e.names]
    assert not [t for t in texts if "?" in t]
    assert not [t for t in texts if "a.k.a." in t.lower() or "f.k.a." in t.lower()]
    assert not [t for t in texts if "Affiliated Entity" in t or "Subordinate Institution" in t]
    assert not [t for t in texts if "successor" in t]
    assert "(34 times" in next(n for n in parsed.notes if UNIT_OF in n)
    assert "(3 times" in next(n for n in parsed.notes if NAMES_JOINED in n)
    # 5,772 before the cells were taken apart, 5,795 before closing short names became aliases,
    # 5,949 before units after their parent and names joined by "and" were split
    assert parsed.total.names == 5986
