"""The published figures Rarex ships: China Customs' (GACC) monthly rare-earth trade as the
press reported its releases, with the reports cited (``data/``, the same files as the shared
data set). ``rarex demo`` loads them, so the public statistics pages have something to show
from the first run; an operator imports newer releases with ``rarex stats import``."""

from __future__ import annotations

from importlib.resources import files
from typing import Final

PUBLISHED_FILES: Final = ("china-rare-earth-trade.csv", "china-rare-earth-trade-sources.csv")


def published_files() -> list[tuple[str, bytes]]:
    """(file name, content) of each shipped file, as ``importer.import_files`` takes them."""
    folder = files("rarex.statistics").joinpath("data")
    return [(name, folder.joinpath(name).read_bytes()) for name in PUBLISHED_FILES]
