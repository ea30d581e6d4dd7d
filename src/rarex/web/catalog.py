"""The message catalog of the pages: the English messages the templates say (and the words of
the charts, ``PYTHON_SOURCES``), and the compiled Chinese catalog the site loads. ``python -m
rarex.web.catalog`` checks the Chinese catalog against them and compiles it
(``locale/zh_Hans/LC_MESSAGES/messages.mo``); the tests check that every message has its
translation and that the compiled file is up to date."""

from __future__ import annotations

import io
import sys
from importlib.resources import files
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

_WEB = Path(str(files("rarex.web")))
PO_FILE = _WEB / "locale" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
MO_FILE = PO_FILE.with_suffix(".mo")
# Python modules whose messages the pages show, marked as ``_("...")`` or ``.gettext("...")``:
# the words of the charts (the statistics room writes them, the web translates them) and of
# the pages that compose sentences from figures (the volume monitor's reasons, the lanes).
PYTHON_SOURCES = (
    Path(str(files("rarex.statistics"))) / "chart_text.py",
    _WEB / "statistics_charts.py",
    _WEB / "officer_lanes_pages.py",
    _WEB / "partner_outcome_pages.py",
    _WEB / "statistics_pages.py",
)


def template_messages() -> set[str]:
    """Every message the templates mark for translation."""
    found = extract_from_dir(
        str(_WEB / "templates"),
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def python_messages() -> set[str]:
    """Every message ``PYTHON_SOURCES`` mark for translation."""
    found: set[str] = set()
    for path in PYTHON_SOURCES:
        for _, message, _, _ in extract_from_file(
            "python", path, keywords={"_": None, "gettext": None}
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def chinese_catalog() -> Catalog:
    with PO_FILE.open("rb") as po:
        return read_po(po, locale="zh_Hans")


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def untranslated() -> list[str]:
    catalog = chinese_catalog()
    return sorted(
        m
        for m in template_messages() | python_messages()
        if m not in catalog or not catalog.get(m).string  # type: ignore[union-attr]
    )


def main() -> int:
    missing = untranslated()
    for message in missing:
        sys.stderr.write(f"no Chinese for: {message}\n")
    MO_FILE.write_bytes(compiled(chinese_catalog()))
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
