"""The pages' Chinese catalog: every message the templates say has its translation, keeps the
placeholders of its English, and the compiled catalog the site loads is the catalog's."""

from __future__ import annotations

import re

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo

from rarex.web.catalog import MO_FILE, chinese_catalog, compiled, template_messages, untranslated

_PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_every_message_of_the_templates_has_its_chinese() -> None:
    assert len(template_messages()) >= 30
    assert untranslated() == []


def test_translations_keep_the_placeholders_of_their_english() -> None:
    for message in chinese_catalog():
        if message.id:
            assert sorted(_PLACEHOLDER.findall(str(message.id))) == sorted(
                _PLACEHOLDER.findall(str(message.string))
            ), message.id


def _messages(catalog: Catalog) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_the_shipped_compiled_catalog_is_the_catalogs() -> None:
    # regenerate with `python -m rarex.web.catalog` (headers aside, which name Babel's version)
    with MO_FILE.open("rb") as mo:
        shipped = read_mo(mo)
    assert _messages(shipped) == _messages(chinese_catalog())
    assert compiled(chinese_catalog())  # the catalog compiles
