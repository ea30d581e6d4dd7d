"""The charts of the public statistics pages: the statistics room's charts (the same module the
API and the command line draw with), in the page's language.

A chart is drawn once per series, state of its figures, language and kind, and kept in memory:
the key holds ``charts.data_version``, which changes whenever an import changes the series, so
a kept chart is never stale. The series page only names the chart (its words are kept too, and
cost no drawing); the image's own address draws it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Generic, TypeVar

from babel.dates import get_month_names
from markupsafe import Markup
from sqlalchemy.orm import Session

from rarex.statistics import charts
from rarex.statistics.chart_data import ChartData
from rarex.statistics.chart_text import ChartText, Wording, describe
from rarex.web import i18n
from rarex.web.i18n import Language
from rarex.web.templates import environment

K = TypeVar("K")
V = TypeVar("V")
Chart = tuple[ChartData, ChartText]
Key = tuple[str, str, Language, str]  # series, data version, language, kind


class _Kept(Generic[K, V]):
    """A small least-recently-used store, safe across the server's worker threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_WORDS: _Kept[Key, Chart] = _Kept(128)
_DRAWN: _Kept[Key, bytes] = _Kept(64)


@lru_cache(maxsize=len(i18n.LANGUAGES))
def wording(language: Language) -> Wording:
    """The chart's words from the pages' catalog, numbers and dates by Babel (CLDR), series
    and units named as the pages name them (``labels.html``)."""
    catalog = i18n.translations(language)
    labels = environment(language).get_template("labels.html").module
    months = get_month_names("abbreviated", locale=i18n.locale_of(language))
    units = {"t": catalog.gettext("tonnes"), "musd": catalog.gettext("USD million")}
    chinese = language == "zh"

    def series_name(code: str) -> str:
        return Markup(labels.series_name(code)).unescape()  # type: ignore[attr-defined]

    return Wording(
        lang="zh-Hans" if chinese else "en",
        gettext=catalog.gettext,
        number=lambda value: i18n.number(value, language),
        percent=lambda value, places: i18n.percent(value / 100, language, places),
        month_abbr=lambda month: str(months[month]),
        year=lambda year: f"{year}年" if chinese else str(year),
        month_label=lambda year, month: i18n.month_label(year, month, language),
        ytd_label=lambda year, month: i18n.ytd_label(year, month, language),
        day=lambda value: i18n.day(value, language),
        series_name=series_name,
        unit_name=lambda code: units.get(code, code),
    )


def key_of(
    session: Session, *, series: str, language: Language, kind: str, version: str | None = None
) -> Key:
    """What names a drawn chart: one query (none given the ``version``), nothing drawn."""
    if version is None:
        version = charts.data_version(session, series=series)
    return (series, version, language, kind)


def etag(key: Key) -> str:
    return '"' + hashlib.sha256("|".join(key).encode()).hexdigest()[:32] + '"'


def chart(session: Session, key: Key) -> Chart:
    """What the chart shows and says, without drawing it (NotFound: no such series)."""
    kept = _WORDS.get(key)
    if kept is None:
        series, _version, language, kind = key
        data = charts.load(session, series=series, kind=kind)
        kept = (data, describe(data, wording(language)))
        _WORDS.put(key, kept)
    return kept


def svg(session: Session, key: Key) -> bytes:
    """The chart drawn as an accessible SVG, once per key."""
    drawn = _DRAWN.get(key)
    if drawn is None:
        drawn = charts.render(*chart(session, key), "svg")
        _DRAWN.put(key, drawn)
    return drawn
