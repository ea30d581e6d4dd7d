"""Chinese names compared as translations (issue 10, item 1): in characters and in pinyin
(joined, spaced, mixed with English), against listed English names as the US export lists
write them. Chinese names written by hand from the organisations' own sites."""

from __future__ import annotations

import pytest

from rarex.screening.index import ScreeningIndex
from rarex.screening.matching import DEFAULT, compare_translated, search
from rarex.screening.meaning import meaning_reading, pinyin_reading
from rarex.screening.normalize import normalize
from rarex.screening.records import PartyKind
from tests.screening.test_matching_entries import entry

# Names as the 2022 US export lists (and the CMIC list) write them.
LISTED = (
    entry(
        "csic-719",
        "China Shipbuilding Industry Group Co., Ltd. (CSIC) 719th Research Institute",
        countries=("CN",),
    ),
    entry(
        "csic-716",
        "China Shipbuilding Industry Group Co., Ltd. (CSIC) 716th Research Institute",
        countries=("CN",),
    ),
    entry("acoustics", "Hangzhou Institute of Applied Acoustics", countries=("CN",)),
    entry("mobile", "China Mobile Limited", countries=("HK",)),
    entry("systems", "Beijing Institute of Electronics System Engineering", countries=("CN",)),
    entry(
        "cetc-14",
        "China Electronics Technology Group Corporation 14th Research Institute",
        "CETC 14",
        countries=("CN",),
    ),
    entry("diesel", "Shanghai Marine Diesel Engine Research Institute", countries=("CN",)),
    entry("nudt", "Hunan Guofang Keji University", countries=("CN",)),
    entry("medicine", "Scientific Research Institute of Medicine", countries=("RU",)),
    entry("yue-wu", "Yue Wu", kind=PartyKind.PERSON),
)


@pytest.fixture(scope="module")
def index() -> ScreeningIndex:
    return ScreeningIndex.build(LISTED)


def top(index: ScreeningIndex, query: str) -> str | None:
    found = search(index, query)
    return found[0].entry.entry_id if found else None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("中国船舶重工集团有限公司第七一九研究所", "csic-719"),  # csic.com.cn
        ("中國船舶重工集團有限公司第七一九研究所", "csic-719"),  # traditional
        ("Zhongguo Chuanbo Zhonggong Jituan Youxian Gongsi Diqiyijiu Yanjiusuo", "csic-719"),
        ("杭州应用声学研究所", "acoustics"),  # 应用 "applied" (the dictionary: "put to use")
        ("Hangzhou Yingyong Shengxue Yanjiusuo", "acoustics"),
        ("hang zhou ying yong sheng xue yan jiu suo", "acoustics"),
        ("Hangzhou Yingyong Shengxue Research Institute", "acoustics"),
        ("中国移动有限公司", "mobile"),  # 移动 "move" or "mobile"
        ("Zhongguo Yidong Youxian Gongsi", "mobile"),
        ("zhong guo dian zi ke ji ji tuan gong si di shi si yan jiu suo", "cetc-14"),
        ("Zhongguo Dianzi Keji Jituan Gongsi Dishisi Yanjiusuo", "cetc-14"),
        ("上海船用柴油机研究所", "diesel"),
        ("shang hai chuan yong chai you ji yan jiu suo", "diesel"),
    ],
)
def test_a_chinese_name_finds_the_listed_english_name(
    index: ScreeningIndex, query: str, expected: str
) -> None:
    assert top(index, query) == expected


def test_another_numbered_institute_of_the_same_group_is_another_party(
    index: ScreeningIndex,
) -> None:
    assert top(index, "中国船舶重工集团有限公司第七一六研究所") == "csic-716"
    read = meaning_reading("中国船舶重工集团有限公司第七一六研究所") or normalize(
        "中国船舶重工集团有限公司第七一六研究所"
    )
    listed = normalize(LISTED[0].primary_name)
    compared = compare_translated(read, listed, index.rarity)
    assert compared.similarity == 0.0
    assert [p.reason for p in compared.penalties] == ["numbers differ"]


def test_a_short_name_of_the_names_own_initials_is_neither_missing_nor_extra(
    index: ScreeningIndex,
) -> None:
    read = normalize("中国船舶重工集团有限公司第七一九研究所")
    compared = compare_translated(read, normalize(LISTED[0].primary_name), index.rarity)
    assert compared.similarity == pytest.approx(1.0)
    assert "csic" not in compared.unmatched


def test_the_reading_chosen_is_the_one_the_listed_name_uses(index: ScreeningIndex) -> None:
    # 总体 "general", said "system" by this institute (and "overall" by others)
    match = search(index, "北京电子工程总体研究所")[0]
    assert match.entry.entry_id == "systems"
    assert ("system", "system") in match.explanation.agreed
    assert match.explanation.compared_as == "meaning, words weighed by rarity"
    # "shengxue" sounds as 声学 (acoustics) and 升学 (going to a higher school)
    pinyin = pinyin_reading("Hangzhou Yingyong Shengxue Yanjiusuo")
    assert pinyin is not None
    assert ("acoustics",) in dict(pinyin.alternatives)[("shengxue",)]
    assert any("CC-CEDICT, by sound" in step for step in pinyin.steps)
    match = search(index, "Hangzhou Yingyong Shengxue Yanjiusuo")[0]
    assert match.entry.entry_id == "acoustics"
    assert ("acoustics", "acoustics") in match.explanation.agreed  # the slot, filled


def test_a_persons_name_in_pinyin_is_not_read_for_a_meaning() -> None:
    assert pinyin_reading("Zhang Weiming") is None
    assert pinyin_reading("ZHANG Wei Ming") is None
    assert pinyin_reading("zhang wei ming hua") is None  # a syllable a word, but no term
    assert pinyin_reading("Rosoboronexport") is None


def test_a_word_of_substance_on_one_side_only_is_another_organisation(
    index: ScreeningIndex,
) -> None:
    # 湖南科技大学 is not 国防科技大学 (National University of Defense Technology)
    assert top(index, "Hunan University of Science and Technology") is None


def test_a_name_in_chinese_costs_a_party_with_no_address_in_china(index: ScreeningIndex) -> None:
    # 中国医学科学院, the Chinese Academy of Medical Sciences, is not a Russian institute
    for query in ("中国医学科学院", "Zhongguo Yixue Kexueyuan"):
        assert top(index, query) is None
    found = search(index, "中国医学科学院", settings=DEFAULT.__class__(threshold=0.5))
    medicine = next(m for m in found if m.entry.entry_id == "medicine")
    assert any(
        p.reason == "a name in Chinese, a party in RU"
        and p.amount == DEFAULT.chinese_name_abroad_penalty
        for p in medicine.explanation.penalties
    )


def test_a_legal_form_says_the_query_is_no_person(index: ScreeningIndex) -> None:
    # 厦门钨业股份有限公司, Xiamen Tungsten, read syllable by syllable, is not Mr Yue Wu
    assert top(index, "Xiamen Wuye Gufen Youxian Gongsi") is None
    found = search(index, "Wu Ye Co., Ltd.", settings=DEFAULT.__class__(threshold=0.3))
    person = [m for m in found if m.entry.entry_id == "yue-wu"]
    assert person
    assert any("legal form says organization" in p.reason for p in person[0].explanation.penalties)


@pytest.mark.parametrize(
    ("pinyin", "tokens"),
    [
        # 厂 and 中心 close a name: factory, center (elsewhere "zhongxin" is 中信 or 中芯)
        ("Beijing Xinli Jixie Chang", ("beijing", "xinli", "machinery", "factory")),
        (
            "Kunming Chuanbo Shebei Yanjiu Shiyan Zhongxin",
            ("kunming", "shipbuilding", "equipment", "research", "test", "center"),
        ),
        # as written: 核 物理 与 化学, not hewu (和物) liyu (鲤鱼, carp)
        ("Zhongguo He Wuli Yu Huaxue Yanjiusuo", ("china", "hewuli", "chemistry", "institute")),
        # a group's short name in pinyin (中交, CCCC)
        ("Zhongjiao Tianjin Hangdaoju", ("cccc", "tianjin", "waterway", "bureau")),
        # a syllable a word, with a term among them; "zao" is 造 here, not ZAO, "xian" 限
        ("bei jing xin li ji xie chang", ("beijing", "xinli", "machinery", "factory")),
        (
            "bei jing hang kong zhi zao gong cheng yan jiu suo",
            ("beijing", "aviation", "manufacturing", "engineering", "institute"),
        ),
        (
            "shaan xi fei ji gong ye you xian ze ren gong si",
            ("shaanxi", "aircraft", "industry", "company", "limited"),
        ),
    ],
)
def test_pinyin_is_cut_into_words_as_it_was_written(pinyin: str, tokens: tuple[str, ...]) -> None:
    reading = pinyin_reading(pinyin)
    assert reading is not None
    assert reading.tokens == tokens


def test_a_pinyin_term_has_the_other_renderings_of_the_same_term() -> None:
    # 船舶 is "shipbuilding" in our terms and "marine" in Kunming's English name
    reading = pinyin_reading("Kunming Chuanbo Shebei Yanjiu Shiyan Zhongxin")
    assert reading is not None
    assert ("marine",) in dict(reading.alternatives)[("shipbuilding",)]


def test_brands_by_sound_are_the_pinyin_of_brands_with_the_same_english() -> None:
    from itertools import product

    from pypinyin import Style, pinyin

    from rarex.screening.meaning import BRANDS, BRANDS_BY_SOUND

    # every reading of every character (长电 is Changdian, 长 also zhang)
    by_sound = {
        "".join(sounds): english
        for han, english in BRANDS.items()
        for sounds in product(*pinyin(han, style=Style.NORMAL, heteronym=True))
    }
    for sound, english in BRANDS_BY_SOUND.items():
        assert by_sound.get(sound) == english, sound


def test_a_short_name_beside_its_spelling_out_agrees_with_both() -> None:
    listed = (
        entry(
            "casic-2",
            "China Aerospace Science and Industry Corporation (CASIC) Second Academy",
            countries=("CN",),
        ),
        entry("casc-1", "China Aerospace Science and Technology Corporation", countries=("CN",)),
    )
    index = ScreeningIndex.build(listed)
    for query in ("中国航天科工集团第二研究院", "Zhongguo Hangtian Kegong Jituan Di'er Yanjiuyuan"):
        assert top(index, query) == "casic-2", query


def test_a_pinyin_name_our_terms_read_whole_is_compared_as_a_translation() -> None:
    # read by ``normalize`` alone (no second reading), still a translation: "national" is
    # a word the Chinese name leaves out
    index = ScreeningIndex.build(
        (entry("ceiec", "China National Electronics Import and Export Corporation"),)
    )
    found = search(index, "Zhongguo Dianzi Jinchukou Youxian Gongsi")
    assert [m.entry.entry_id for m in found] == ["ceiec"]
    assert found[0].explanation.compared_as == "meaning, words weighed by rarity"


def test_words_a_chinese_name_adds_to_its_english_one_weigh_little() -> None:
    # 集团 "group" and 市 "city" said in Chinese, not in the listed name, cost a quarter of
    # what a word of substance ("design") does
    rarity = {"shenyang": 0.7, "aircraft": 0.5, "group": 0.28, "city": 0.3, "design": 0.3}
    listed = normalize("Shenyang Aircraft Corporation")

    def score(query: str) -> float:
        return compare_translated(normalize(query), listed, rarity.__getitem__).similarity

    assert score("Shenyang City Aircraft Group") == pytest.approx(2.4 / (2.4 + 0.58 / 4))
    assert score("Shenyang Aircraft Design") == pytest.approx(2.4 / (2.4 + 0.3))
    assert score("Shenyang City Aircraft Group") > score("Shenyang Aircraft Design")


def test_a_direction_and_its_adjective_are_one_place_but_south_china_is_its_own() -> None:
    index = ScreeningIndex.build(
        (
            entry("north", "North Navigation Control Technology Co., Ltd.", countries=("CN",)),
            entry("sustech", "Southern University of Science and Technology", countries=("CN",)),
        )
    )
    assert top(index, "北方导航控制技术股份有限公司") == "north"  # 北方, "northern"
    assert top(index, "华南理工大学") is None  # South China University of Technology
    assert top(index, "Huanan Ligong Daxue") is None


def test_a_unit_under_a_listed_parent_is_found_through_its_parent() -> None:
    index = ScreeningIndex.build(
        (
            entry("caep", "Chinese Academy of Engineering Physics", countries=("CN",)),
            entry("cas", "Hefei Institutes of Physical Science", countries=("CN",)),
        )
    )
    for query in (
        "中国工程物理研究院流体物理研究所",  # its Institute of Fluid Physics (caep.cn)
        "Zhongguo Gongcheng Wuli Yanjiuyuan Liuti Wuli Yanjiusuo",
    ):
        found = search(index, query)
        assert [m.entry.entry_id for m in found] == ["caep"], query
        reasons = [p.reason for p in found[0].explanation.penalties]
        assert any("names a unit of" in reason for reason in reasons)
        assert found[0].score == pytest.approx(1 - DEFAULT.unit_of_listed_penalty)
    # the parent alone is the parent, and a unit of an unlisted parent is nothing
    assert search(index, "中国工程物理研究院")[0].score == pytest.approx(1.0)
    assert search(index, "中国科学院物理研究所") == []


def test_a_listed_short_name_agrees_with_the_group_written_out_in_chinese() -> None:
    index = ScreeningIndex.build(
        (entry("facri", "AVIC Flight Automatic Control Research Institute", countries=("CN",)),)
    )
    # 中国航空工业集团公司 is AVIC written out (avic.com)
    assert top(index, "中国航空工业集团公司飞行自动控制研究所") == "facri"


def test_the_peoples_liberation_army_as_owner_is_said_or_not() -> None:
    # among names that make "national" and "science" as common as on the real lists
    others = tuple(
        entry(f"other-{n}", f"{name} National Science Group")
        for n, name in enumerate(("Alfa", "Bravo", "Delta", "Echo", "Golf", "Hotel", "Kilo"))
    )
    index = ScreeningIndex.build(
        (entry("nudt", "National University of Defense Technology", countries=("CN",)), *others)
    )
    assert normalize("Chinese People's Liberation Army").tokens == ("china", "pla")
    assert top(index, "中国人民解放军国防科技大学") == "nudt"  # nudt.edu.cn


def test_a_dictionary_word_may_stay_in_pinyin_as_names_keep_their_proper_words() -> None:
    reading = meaning_reading("丹东至诚金属材料有限公司")  # 至诚 "sincere"
    assert reading is not None
    assert ("zhicheng",) in dict(reading.alternatives)[("sincere",)]
    index = ScreeningIndex.build(
        (entry("zhicheng", "DANDONG ZHICHENG METALLIC MATERIAL CO., LTD.", countries=("CN",)),)
    )
    assert top(index, "丹东至诚金属材料有限公司") == "zhicheng"


def test_a_place_in_china_named_costs_a_party_elsewhere() -> None:
    index = ScreeningIndex.build(
        (entry("itp", "Institute of Technical Physics", countries=("RU",)),)
    )
    found = search(
        index, "Shanghai Institute of Technical Physics", settings=DEFAULT.__class__(threshold=0.5)
    )
    assert found
    reasons = {p.reason: p.amount for p in found[0].explanation.penalties}
    assert reasons.get("a place in China (shanghai), a party in RU") == pytest.approx(
        DEFAULT.chinese_name_abroad_penalty
    )
    # the same name without the place costs nothing of the kind
    plain = search(index, "Institute of Technical Physics")[0]
    assert not [p for p in plain.explanation.penalties if "China" in p.reason]


def test_small_differences_of_writing_are_no_differences() -> None:
    index = ScreeningIndex.build(
        (
            entry(
                "smee", "Shanghai Micro Electronics Equipment (Group) Co., Ltd.", countries=("CN",)
            ),
            entry("ama", "Beijing Aeronautical Manufacturing Technology Research Institute"),
            entry(
                "cetc-29", "China Electronics Technology Group Corporation 29 Research Institute"
            ),
        )
    )
    smee = "上海微电子装备（集团）股份有限公司"  # noqa: RUF001 (as the company writes it)
    assert top(index, smee) == "smee"  # micro electronics, one word
    # China holds Beijing: no place differs
    china = meaning_reading("中国航空制造技术研究院") or normalize("中国航空制造技术研究院")
    beijing = normalize("Beijing Aeronautical Manufacturing Technology Research Institute")
    compared = compare_translated(china, beijing, index.rarity)
    assert "different places" not in [p.reason for p in compared.penalties]
    assert (
        compare_translated(
            china, normalize("Moscow Aeronautical Manufacturing Technology Institute"), index.rarity
        )
        .penalties[-1]
        .reason
        == "different places"
    )
    # 科技 is "technology", or "science and technology" where the listed name says so
    assert top(index, "中国电子科技集团公司第二十九研究所") == "cetc-29"  # 29th is 29
