"""Normalisation: scripts, legal forms, Chinese terms and the invariants matching relies on."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.screening.normalize import normalize, normalize_uncached, pinyin_syllables

ASCII_TOKEN = re.compile(r"^[a-z0-9]+$")


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("华为技术有限公司", ("huawei", "technology", "company", "limited")),
        ("Huawei Technologies Co., Ltd.", ("huawei", "technology", "company", "limited")),
        ("HUAWEI TECHNOLOGIES COMPANY LIMITED", ("huawei", "technology", "company", "limited")),
        ("華為技術有限公司", ("huawei", "technology", "company", "limited")),
        ("Romashka LLC", ("romashka", "llc")),
        ("ООО Ромашка", ("llc", "romashka")),  # noqa: RUF001 (Cyrillic on purpose)
        ("Romashka Limited Liability Company", ("romashka", "llc")),
        ("Sci & Tech Intl Grp", ("science", "technology", "international", "group")),
        ("中国电子科技集团", ("china", "electronics", "technology", "group")),  # 科技: technology
        ("Acme GmbH", ("acme", "gmbh")),
        ("Acme S.A.", ("acme", "sa")),
        ("Open Joint Stock Company Acme", ("ojsc", "acme")),
        ("Acme Mfg Corp", ("acme", "manufacturing", "corporation")),
    ],
)
def test_names_in_any_script_and_legal_form_reach_the_same_tokens(
    text: str, tokens: tuple[str, ...]
) -> None:
    assert normalize(text).tokens == tokens


def test_chinese_distinctive_part_becomes_joined_pinyin_and_places_break_the_run() -> None:
    name = normalize("杭州海康威视数字技术股份有限公司")
    assert name.tokens[:2] == ("hangzhou", "haikangweishi")
    assert name.distinctive == ("haikangweishi",)
    assert "term 股份有限公司→company limited" in name.steps
    assert "han→pinyin" in name.steps


def test_traditional_characters_are_simplified_and_the_step_recorded() -> None:
    name = normalize("華為")
    assert name.tokens == ("huawei",)
    assert "t2s" in name.steps


def test_person_name_in_characters_spaced_joined_and_reordered_share_syllables() -> None:
    forms = ["张伟明", "Zhang Wei Ming", "ZHANG Weiming", "zhangweiming"]
    syllables = {tuple(sorted(normalize(f).syllables)) for f in forms}
    assert syllables == {("ming", "wei", "zhang")}
    assert normalize("张伟明").joined == normalize("Zhang Wei Ming").joined == "zhangweiming"


def test_generic_words_are_kept_but_not_distinctive() -> None:
    name = normalize("China Trading Co., Ltd.")
    assert name.tokens == ("china", "trading", "company", "limited")
    assert name.distinctive == ()


def test_misspelt_generic_word_is_corrected_not_taken_as_distinctive() -> None:
    name = normalize("Katrangi Tradang Lmiited")
    assert name.distinctive == ("katrangi",)
    assert "spelling tradang→trading" in name.steps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Korea Mining Trading Ocrporationn", "korea mining trading corporation"),
        ("Wave Tech Comptuers", "wave technology computer"),
        # real words 80% alike a generic word are not its misspelling
        ("Second Navigation Engineering Bureau", "2nd navigation engineering bureau"),
        ("China Chang Feng Electro-Mechanical", "china chang feng electro mechanical"),
    ],
)
def test_two_typos_in_a_long_generic_word_are_corrected_real_words_kept(
    text: str, expected: str
) -> None:
    assert normalize(text).spaced == expected


def test_steps_name_the_legal_form_and_abbreviation_applied() -> None:
    steps = normalize("Acme Tech Co., Ltd.").steps
    assert "abbreviation tech→technology" in steps
    assert "legal form co→company" in steps


@pytest.mark.parametrize(
    ("token", "syllables"),
    [("weiming", ("wei", "ming")), ("huawei", ("hua", "wei")), ("hikvision", ("hikvision",))],
)
def test_pinyin_words_split_into_syllables_and_others_stay_whole(
    token: str, syllables: tuple[str, ...]
) -> None:
    assert pinyin_syllables(token) == syllables


@given(st.text(max_size=60))
def test_normalising_any_text_never_fails_and_gives_ascii_lowercase_tokens(text: str) -> None:
    name = normalize_uncached(text)
    assert all(ASCII_TOKEN.match(t) for t in name.tokens)
    assert set(name.distinctive) <= set(name.tokens)


@given(st.text(max_size=60))
def test_normalising_the_output_again_changes_nothing(text: str) -> None:
    once = normalize_uncached(text)
    assert normalize_uncached(once.spaced).tokens == once.tokens


WORDS = st.lists(
    st.sampled_from(
        ["huawei", "acme", "zhang", "wei", "technology", "trading", "china", "rosneft", "l3",
         "company", "limited", "ltd", "co", "tech", "romashka", "grp", "sino", "global"]
    ),
    min_size=1,
    max_size=6,
)  # fmt: skip
SEPARATORS = st.sampled_from([" ", "  ", ", ", " - ", "; ", " / ", "\t", " (", ") "])


@given(WORDS, st.data())
def test_case_punctuation_and_spacing_between_words_do_not_change_tokens(
    words: list[str], data: st.DataObject
) -> None:
    mixed = [w.upper() if data.draw(st.booleans()) else w.title() for w in words]
    text = "".join(w + data.draw(SEPARATORS) for w in mixed)
    assert normalize_uncached(text).tokens == normalize_uncached(" ".join(words)).tokens


@given(st.sampled_from(["Acme", "Huawei Technologies", "Sinotrans", "华为"]))
def test_legal_form_variants_normalise_equal(base: str) -> None:
    variants = [f"{base} Co., Ltd.", f"{base} Co Ltd", f"{base} Company Limited", f"{base}有限公司"]
    assert len({normalize_uncached(v).tokens for v in variants}) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Guoji Hailian Gufen Youxian Gongsi",
        "Guo Ji Hai Lian Gu Fen You Xian Gong Si",
        "国际海连股份有限公司",
        "International Hailian Co., Ltd.",
    ],
)
def test_pinyin_of_a_chinese_organisation_meets_its_characters(text: str) -> None:
    assert sorted(normalize(text).tokens) == ["company", "hailian", "international", "limited"]


def test_pinyin_terms_apply_only_to_names_that_say_they_are_chinese_organisations() -> None:
    assert normalize("Guo Ji").tokens == ("guo", "ji")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Clio Mgmt Corp.", "clio management corporation"),
        ("Aero Sys Inc.", "aviation system incorporated"),
        ("Mammut Tehran Indl Group", "mammut tehran industry group"),
        ("Domo Tactical Comms", "domo tactical communication"),
        ("Sadaf Petrochem Co", "sadaf petrochemical company"),
        ("Kelamayi Municipality Public Security Bureau", "karamay city public security bureau"),
        ("GCH Finland Oy", "gch finland oy"),
    ],
)
def test_abbreviations_seen_on_the_lists_take_their_full_spelling(text: str, expected: str) -> None:
    assert normalize(text).spaced == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a term word in a name of three words or more, with no marker such as "Gongsi"
        ("Zhengzhou Baiwai Zhineng Zidonghua", "zhengzhou baiwai intelligent automation"),
        ("Beijing Guangda Guangdian", "beijing guangda optoelectronics"),
        ("Anhui Yingliu Hangyuan Dianli", "anhui yingliu hangyuan power"),
        ("Zhongguo Mobile", "china mobile"),  # opens with China
        # a term split over words otherwise than by syllables, and one syllable standing alone
        (
            "Zhongguo Jingmi Jixie Jinchukou Zong Gongsi",
            "china precision machinery import export company",
        ),
        ("Kelamayi Shi Gonganju", "karamay city public security bureau"),
        (
            "Shenzhen Huawei Xin Jishu Youxian Gongsi",
            "shenzhen huawei new technology company limited",
        ),
        ("Mianyang Tianyan Jiguang Jishu", "mianyang tianyan laser technology"),
        ("Shanghai Weiyi Celiang Kongzhi Jishu", "shanghai weiyi measurement control technology"),
    ],
)
def test_pinyin_generic_words_become_english_in_a_pinyin_organisation_name(
    text: str, expected: str
) -> None:
    assert normalize(text).spaced == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("科拉马一市公安局", "karamay city public security bureau"),
        ("绵阳天燕激光技术", "mianyangtianyan laser technology"),
        ("深圳花为新技术有限公司", "shenzhen huawei new technology company limited"),
        (
            "上海为一测量控制技术有限公司",
            "shanghai weiyi measurement control technology company limited",
        ),
    ],
)
def test_han_terms_for_police_laser_measurement_and_new_technology(
    text: str, expected: str
) -> None:
    assert normalize(text).spaced == expected


def test_a_two_word_pinyin_person_name_keeps_a_term_like_given_name() -> None:
    assert normalize("Li Guoji").tokens == ("li", "guoji")
    assert normalize("Shanxi Hemu Industrial Co., Ltd.").tokens[0] == "shanxi"


def test_shopping_is_a_word_of_its_own_not_a_misspelt_shipping() -> None:
    assert normalize("Kairaba Shopping Center").tokens == ("kairaba", "shopping", "center")


def test_the_shipped_pinyin_table_is_what_the_terms_give() -> None:
    # terms_pinyin_table is generated so that screening a Latin name need not load pypinyin;
    # after a change to terms.HAN_TERMS, `python -m rarex.screening.terms_pinyin` regenerates it
    from rarex.screening import terms_pinyin, terms_pinyin_table

    assert terms_pinyin.pinyin_words() == terms_pinyin_table.WORDS
