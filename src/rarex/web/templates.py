"""Rendering: one Jinja2 environment per language, its messages from the Babel catalog,
autoescaped, with the language's number and date formats as filters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rarex.catalog.service import load_control_list
from rarex.errors import InvalidInput
from rarex.web import i18n
from rarex.web.i18n import Language


@lru_cache(maxsize=len(i18n.LANGUAGES))
def environment(language: Language) -> Environment:
    env = Environment(
        loader=PackageLoader("rarex.web", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["number"] = lambda value, places=None: i18n.number(value, language, places)
    env.filters["exact"] = lambda value: i18n.exact(value, language)
    env.filters["percent"] = lambda value, places=1: i18n.percent(value, language, places)
    env.filters["isodate"] = date.fromisoformat
    env.filters["decimal"] = Decimal  # figures arrive as exact text; never through float
    env.filters["signed"] = lambda value, places=1: i18n.signed_percent(value, language, places)
    env.filters["day"] = lambda value: i18n.day(value, language)
    env.filters["moment"] = lambda value: i18n.moment(value, language)
    env.filters["element"] = element_names
    return env


def element_names(control_code: str) -> str:
    """The element of a control-list entry in both scripts, "镝 dysprosium (Dy)"; empty for an
    entry of no single element, or a code the list does not know."""
    try:
        element = load_control_list().get(control_code).element
    except InvalidInput:
        return ""
    return f"{element.name_zh} {element.name_en} ({element.symbol})" if element else ""


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    language: Language,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    page = environment(language).get_template(template)
    html = page.render(
        **context,
        language=language,
        languages=i18n.LANGUAGES,
        native_names=i18n.NATIVE_NAMES,
        here=request.url.path,
    )
    return HTMLResponse(html, status_code=status_code, headers=headers)
