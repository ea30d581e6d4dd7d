"""The Chinese terms as romanised names write them, and how to tell such a name. Pure data.

Derived from ``terms.HAN_TERMS`` (same terms, toneless pinyin), so that "Youxian Gongsi",
"You Xian Gong Si", 有限公司 and "Co., Ltd." all reach the same canonical tokens.
"""

from __future__ import annotations

from typing import Final

from anyascii import anyascii

from rarex.screening import terms, terms_pinyin_table

_PINYIN_TEXT: Final = """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can
    cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan
    chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di
    dia dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng
    fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo
    ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian
    jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou
    ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei len leng li lia lian liang liao
    lie lin ling liu lo long lou lu luan lue lun luo ma mai man mang mao me mei men meng mi mian
    miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin
    ning niu nong nou nu nuan nue nun nuo o ou pa pai pan pang pao pei pen peng pi pian piao pie
    pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao
    re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan
    shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou
    su suan sui sun suo ta tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui
    tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu
    xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze
    zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan
    zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo"""
SYLLABLES: Final[frozenset[str]] = frozenset(_PINYIN_TEXT.split())
LONGEST_SYLLABLE: Final = max(len(s) for s in SYLLABLES)


def pinyin_words() -> dict[str, str]:
    """Each term of two characters or more by its joined toneless pinyin ("youxiangongsi").

    Places are left out (their pinyin is their English already, or another place's: "Shanxi"
    is 山西, not 陕西), and so is 中心, whose pinyin "zhongxin" is also 中信 (CITIC), a name.
    """
    from pypinyin import lazy_pinyin  # the phrase dictionary it loads costs 0.3 s

    words: dict[str, str] = {}
    for han, english in terms.HAN_TERMS.items():
        joined = "".join(anyascii(s) for s in lazy_pinyin(han, v_to_u=True))
        if len(han) < 2 or han == "中心" or joined in terms.PLACES:
            continue
        if joined == english.replace(" ", ""):
            continue
        words[joined] = english
    return words


# joined pinyin of a term → its English canonical tokens (may be "" for a dropped term), as
# ``pinyin_words`` computes it, shipped precomputed
WORDS: Final[dict[str, str]] = terms_pinyin_table.WORDS
# Pinyin is joined into words in many ways ("Zong Gongsi", "Zonggongsi", "Zong Gong Si"):
# the most syllables a term has is how many words a match may span.
LONGEST_TERM: Final = max(len(han) for han in terms.HAN_TERMS)

# Only a name that says in pinyin that it is a Chinese organisation gets the pinyin terms: in
# "Guo Ji" (a person) the syllables are a name, in "Guoji Zaochuan Youxian Gongsi" a word.
MARKERS: Final = frozenset(
    {
        "gongsi", "youxian", "jituan", "yanjiusuo", "yanjiuyuan", "daxue", "jishu", "keji",
        "dianzi", "tongxin", "hangkong", "hangtian", "maoyi", "jinchukou", "gongye", "shebei",
        "ruanjian", "wangluo", "xitong", "zhizao", "gongcheng", "wuliu", "hangyun", "guangxue",
        "weidianzi", "bandaoti", "kongu", "gonganju",
    }
)  # fmt: skip
MARKER_PAIRS: Final = frozenset(
    {("gong", "si"), ("you", "xian"), ("yan", "jiu"), ("da", "xue"), ("gong", "an"), ("ji", "tuan")}
)
# Names that open with "China" in pinyin are organisations, whatever else they say.
LEADING_MARKERS: Final = frozenset({"zhongguo", "zhonghua"})

# One syllable standing alone between words of a pinyin organisation name is a word of its
# own: "Kelamayi Shi Gonganju" (市, city), "Shenzhen Huawei Xin Jishu" (新, new).
STANDALONE: Final[dict[str, str]] = {
    "shi": "city", "sheng": "province", "xin": "new", "bu": "ministry", "ju": "bureau",
    "yu": "",  # 与, "and": "Yanjiu Yu Fazhan Zhongxin"
}  # fmt: skip
# What closes a name, where a word of its own would be read otherwise: "... Jixie Chang" (厂,
# factory), "... Shiyan Zhongxin" (中心, center; elsewhere 中信 CITIC or 中芯 SMIC).
CLOSING: Final[dict[str, str]] = {
    "zhongxin": "center", "chang": "factory", "suo": "institute", "yuan": "institute",
    "ju": "bureau", "zhan": "station",
}  # fmt: skip


if __name__ == "__main__":  # the entries of terms_pinyin_table.WORDS, after HAN_TERMS changed
    import sys

    for joined, english in pinyin_words().items():
        sys.stdout.write(f"    {joined!r}: {english!r},\n".replace("'", '"'))
