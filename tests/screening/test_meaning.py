"""Chinese names read for their meaning (issue 10, item 1), on real listed organisations whose
Chinese names are written here by hand from their own sites and public references."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.screening import lexicon
from rarex.screening.meaning import meaning_reading
from rarex.screening.normalize import chinese_number, normalize, ordinal

_DIGITS = "零一二三四五六七八九"


def _positional(number: int) -> str:
    """An independent writer of Chinese numbers below 1,000 (一百零三, 二十, 十四)."""
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if tens == 0 and units:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if units:
        out += _DIGITS[units]
    return out


@given(st.integers(1, 999))
def test_chinese_numbers_read_back_as_written(number: int) -> None:
    assert chinese_number(_positional(number)) == number


@given(st.integers(1, 9999))
def test_ordinals_end_as_english_writes_them(number: int) -> None:
    written = ordinal(number)
    assert written.startswith(str(number))
    last_two = number % 100
    expected = "th" if 11 <= last_two <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    assert written.endswith(expected)


@pytest.mark.parametrize(
    ("chinese", "tokens"),
    [
        # institute numbers, read digit by digit or by place value, in both readings
        ("中国电子科技集团公司第十四研究所", {"14th", "institute"}),
        ("中国船舶重工集团公司第七一九研究所", {"719th", "institute"}),
        ("中国航天科工集团第二研究院", {"2nd"}),
        # U+3007, the zero institute numbers are written with (csic.com.cn)
        ("中国船舶重工集团有限公司第七〇七研究所", {"707th", "institute"}),
        ("中国船舶重工集团有限公司第七五〇试验场", {"750th", "test"}),
    ],
)
def test_ordinal_institutes_are_numbered_in_english(chinese: str, tokens: set[str]) -> None:
    assert tokens <= set(normalize(chinese).tokens)


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("哈尔滨工业大学", "harbin institute technology"),  # hit.edu.cn
        ("北京理工大学", "beijing institute technology"),  # bit.edu.cn
        ("西北工业大学", "northwest technology university"),  # nwpu.edu.cn
        ("北京航空航天大学", "beihang university"),  # buaa.edu.cn
        (
            "杭州海康威视数字技术股份有限公司",
            "hangzhou hikvision digital technology company limited",
        ),
        ("科大讯飞股份有限公司", "iflytek company limited"),  # iflytek.com
        ("中国工程物理研究院", "china engineering physics institute"),  # caep.cn, in its order
        ("哈爾濱工業大學", "harbin institute technology"),  # traditional characters
    ],
)
def test_a_chinese_name_reads_as_its_english_name(chinese: str, english: str) -> None:
    reading = meaning_reading(chinese)
    assert reading is not None
    assert reading.spaced == english
    assert reading.steps[0] == "read for its meaning"
    assert any("→" in step for step in reading.steps[1:])  # each translation is explained


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        # a place and its level in one word: the dictionary would describe the place
        # ("Anhui Province in south central China", "also known as Amoy")
        ("安徽省计量科学研究院", "anhui province metrology science institute"),
        ("厦门市美亚柏科信息股份有限公司", "xiamen city meiya pico information company limited"),
        ("阿克苏地区公安局", "aksu prefecture public security bureau"),
        # 与 "and" is no word of the name
        ("中国空气动力研究与发展中心", "china aerodynamics research development center"),
    ],
)
def test_places_and_small_words_read_as_english_names_say_them(chinese: str, english: str) -> None:
    reading = meaning_reading(chinese) or normalize(chinese)
    assert reading.spaced == english


def test_names_without_han_or_read_the_same_have_no_second_reading() -> None:
    assert meaning_reading("Huawei Technologies Co., Ltd.") is None
    assert meaning_reading("华为技术有限公司") is None  # our terms already read it so


def test_the_dictionary_translates_words_and_says_where_it_came_from() -> None:
    aviation = lexicon.translate("航空")
    assert aviation is not None
    assert aviation.english == "aviation"
    assert aviation.step == "航空 → aviation (CC-CEDICT)"
    assert lexicon.translate("不是一个词语吧") is None
    # a place the dictionary describes ("Shenzhen subprovincial city in Guangdong") is not
    # taken as its translation
    shenzhen = lexicon.translate("深圳市")
    assert shenzhen is None or "guangdong" not in shenzhen.english.lower()
