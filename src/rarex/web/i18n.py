"""Two languages: English and Simplified Chinese. The messages are Babel catalogs shipped in
the package (``locale/zh_Hans``, compiled; English is the source language), numbers and dates
are formatted by Babel with CLDR's rules for the language."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from typing import Final, Literal

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from starlette.requests import Request

from rarex.clock import AUTHORITY_TZ

Language = Literal["en", "zh"]
LANGUAGES: Final[tuple[Language, ...]] = ("en", "zh")
LANGUAGE_COOKIE: Final = "rarex_lang"
# How each language names itself, for the switch (shown in that language whatever the page's)
NATIVE_NAMES: Final[dict[Language, str]] = {"en": "English", "zh": "简体中文"}
_LOCALES: Final[dict[Language, str]] = {"en": "en_GB", "zh": "zh_Hans_CN"}
_CATALOGS: Final[dict[Language, str]] = {"zh": "zh_Hans"}


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: Language) -> NullTranslations:
    catalog = _CATALOGS.get(language)
    if catalog is None:
        return NullTranslations()
    folder = files("rarex.web").joinpath("locale")
    return Translations.load(str(folder), locales=[catalog], domain="messages")


def locale_of(language: Language) -> Locale:
    return Locale.parse(_LOCALES[language])


def language_of(request: Request) -> Language:
    """The user's choice (a cookie the language switch sets), else the browser's
    Accept-Language in its order of preference, else English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return "zh" if chosen == "zh" else "en"
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"


def number(value: Decimal | int | float, language: Language, places: int | None = None) -> str:
    """5864.6 → "5,864.6" in both languages (CLDR groups thousands alike in en and zh)."""
    if places is not None:
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return format_decimal(value, format=pattern, locale=locale_of(language))
    return format_decimal(value, locale=locale_of(language))


def exact(value: Decimal, language: Language) -> str:
    """Every digit the figure has, grouped: 1234.5678 → "1,234.5678" (never rounded away)."""
    return format_decimal(value, locale=locale_of(language), decimal_quantization=False)


def percent(value: Decimal | float, language: Language, places: int = 1) -> str:
    """0.226 → "22.6%"."""
    return format_percent(value, format="#,##0." + "0" * places + "%", locale=locale_of(language))


def day(value: date, language: Language) -> str:
    """2025-06-09 → "9 Jun 2025" / "2025年6月9日"."""
    return format_date(value, format="medium", locale=locale_of(language))


def moment(value: datetime, language: Language) -> str:
    """A moment in the authority's time, its offset said: "7 Dec 2026, 19:30:43 UTC+08:00".
    Stored moments are UTC; a reader in Beijing or Brussels reads the same unambiguous time."""
    here = format_datetime(value, format="medium", tzinfo=AUTHORITY_TZ, locale=locale_of(language))
    return f"{here} UTC{format_datetime(value, format='xxx', tzinfo=AUTHORITY_TZ)}"


EN_DASH: Final = "\u2013"
MINUS: Final = "\u2212"
# Chinese punctuation, full width: comma, colon, semicolon
ZH_COMMA, ZH_COLON, ZH_SEMICOLON = "\uff0c", "\uff1a", "\uff1b"

_MONTHS_EN: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def month_label(year: int, month: int, language: Language) -> str:
    """ "May 2025" / "2025年5月"."""
    return f"{year}年{month}月" if language == "zh" else f"{_MONTHS_EN[month - 1]} {year}"


def ytd_label(year: int, month: int, language: Language) -> str:
    """January to ``month``: "January to May 2025" written with an en dash, "2025年1—5月"."""
    if month == 1:
        return month_label(year, 1, language)
    if language == "zh":
        return f"{year}年1—{month}月"
    return f"January{EN_DASH}{_MONTHS_EN[month - 1]} {year}"


def signed_percent(value: Decimal, language: Language, places: int = 1) -> str:
    """+22.6%, or 3.1% after a true minus sign: the sign always shown."""
    text = percent(abs(value) / 100, language, places)
    return ("+" if value >= 0 else MINUS) + text
