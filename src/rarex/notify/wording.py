"""The words of a mail that are not the template's: states, lanes, decisions, countries and
dates, in English and Simplified Chinese (pure). The states and lanes read as the pages name
them (``web/templates/labels.html`` and its catalog); a test holds the two together."""

from __future__ import annotations

from datetime import date
from typing import Final, Literal

from babel import Locale
from babel.dates import format_date

MailLanguage = Literal["en", "zh"]
_LOCALES: Final[dict[MailLanguage, str]] = {"en": "en_GB", "zh": "zh_Hans_CN"}

STATES: Final[dict[str, tuple[str, str]]] = {
    "draft": ("Draft", "草稿"),
    "submitted": ("Submitted", "已提交"),
    "returned": ("Returned", "已退回"),
    "accepted": ("Accepted", "已受理"),
    "under_review": ("Under review", "审查中"),
    "information_requested": ("Information requested", "待补充材料"),
    "consultation": ("In consultation", "征求意见中"),
    "referred": ("Referred to the State Council", "已报国务院"),
    "approved": ("Approved", "已批准"),
    "denied": ("Denied", "不予许可"),
    "withdrawn": ("Withdrawn", "已撤回"),
}
LANES: Final[dict[str, tuple[str, str]]] = {
    "green": ("Green channel", "绿色通道"),
    "ordinary": ("Ordinary", "普通通道"),
}
DECISIONS: Final[dict[str, tuple[str, str]]] = {
    "approved": ("approved", "已批准"),
    "denied": ("denied", "不予许可"),
    "accepted": ("accepted", "已接受"),
    "declined": ("declined", "未接受"),
}


def _pick(table: dict[str, tuple[str, str]], code: str, language: MailLanguage) -> str:
    words = table.get(code)
    if words is None:
        return code
    return words[1] if language == "zh" else words[0]


def state(code: str, language: MailLanguage) -> str:
    return _pick(STATES, code, language)


def lane(code: str, language: MailLanguage) -> str:
    return _pick(LANES, code, language)


def decision(code: str, language: MailLanguage) -> str:
    return _pick(DECISIONS, code, language)


def country(code: str, language: MailLanguage) -> str:
    """ "DE" → "Germany (DE)" / "德国 (DE)": CLDR's name, and the code a reader can search."""
    name = Locale.parse(_LOCALES[language]).territories.get(code.upper())
    return f"{name} ({code.upper()})" if name else code.upper()


def day(value: date, language: MailLanguage) -> str:
    """2025-06-09 → "9 Jun 2025" / "2025年6月9日", as the pages write a date."""
    return format_date(value, format="medium", locale=Locale.parse(_LOCALES[language]))
