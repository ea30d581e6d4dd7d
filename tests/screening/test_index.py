"""The candidate index: every name retrievable by its words, syllables, joined form and typos."""

from __future__ import annotations

import pytest

from rarex.screening.index import ScreeningIndex, consonant_skeleton
from rarex.screening.matching import search
from rarex.screening.normalize import normalize
from tests.screening.test_matching_entries import ENTRIES, entry


@pytest.fixture(scope="module")
def index() -> ScreeningIndex:
    return ScreeningIndex.build(ENTRIES)


def retrieved(index: ScreeningIndex, query: str) -> set[str]:
    return {index.entry_of(i).entry_id for i in index.candidates(normalize(query))}


def test_index_counts_names_not_entries(index: ScreeningIndex) -> None:
    assert len(index) == sum(len(e.names) for e in ENTRIES)
    assert len(index.entries) == len(ENTRIES)


@pytest.mark.parametrize(
    ("query", "entry_id"),
    [
        ("Huawei", "huawei"),
        ("Hua Wei", "huawei"),
        ("华为", "huawei"),
        ("Huawie Technologies", "huawei"),
        ("Ming Wei Zhang", "zwm"),
        ("张伟明", "zwm-2"),
        ("Рособоронэкспорт", "roe"),
        ("Hikvision Hangzhou", "hik"),
        ("China Electronics Technology Group Corporation", "cetc"),
    ],
)
def test_variants_retrieve_the_listed_name(
    index: ScreeningIndex, query: str, entry_id: str
) -> None:
    assert entry_id in retrieved(index, query)


def test_query_of_nothing_retrieves_nothing(index: ScreeningIndex) -> None:
    assert index.candidates(normalize("  ,.; ")) == []


def test_a_very_common_word_does_not_flood_the_candidates() -> None:
    entries = [entry(str(i), f"China Name{i} Trading") for i in range(3000)]
    index = ScreeningIndex.build([*entries, entry("x", "Zorblax China")])
    found = index.candidates(normalize("Zorblax China"), limit=64)
    assert len(found) <= 64
    assert "x" in {index.entry_of(i).entry_id for i in found}


def test_restricted_index_holds_only_the_chosen_entries(index: ScreeningIndex) -> None:
    delta = index.restricted_to(["test:huawei", "test:roe"])
    assert {e.entry_id for e in delta.entries} == {"huawei", "roe"}
    assert retrieved(delta, "Huawei Technologies") == {"huawei"}


def test_stored_normal_form_equals_normalising_the_name_again(index: ScreeningIndex) -> None:
    for name_id in range(len(index)):
        fresh = normalize(index.entry_name(name_id).text)
        assert index.normalized(name_id).tokens == fresh.tokens


def test_consonant_skeleton_ignores_transliteration_of_x_and_vowels() -> None:
    assert consonant_skeleton("rosoboroneksport") == consonant_skeleton("rosoboronexport")


def test_first_two_letters_swapped_still_retrieve_and_match_the_name() -> None:
    index = ScreeningIndex.build([entry("rapid", "RAPID CUT LLC"), entry("other", "CUT RATE LLC")])
    assert "rapid" in retrieved(index, "ARPID CUT LLC")
    assert "rapid" in {m.entry.entry_id for m in search(index, "ARPID CUT LLC")}


def test_a_pinyin_organisation_name_is_found_from_its_characters() -> None:
    index = ScreeningIndex.build([entry("hg", "Haiguang Xinxi Jishu Youxian Gongsi")])
    assert {m.entry.entry_id for m in search(index, "海光信息技术有限公司")} == {"hg"}
