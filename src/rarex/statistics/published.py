"""The published figures Rarex ships: China Customs' (GACC) monthly rare-earth trade as the
press reported its releases, with the reports cited (``data/``, the same files as the shared
data set), and the growth rates those reports printed. ``rarex demo`` loads them, so the public
statistics pages have something to show from the first run; an operator imports newer
releases with ``rarex stats import``.

``china-rare-earth-trade-reported.csv`` holds only rates a cited report states itself, with
its measure (on the month before, on a year before, year to date on a year before) said in
the report's headline or address or, for S1, its text (the seed article: "+23% from April",
"+2.3% year on year" for January to May 2025). A headline that gives a rate without saying
what it compares with ("-31% in September") is left out rather than guessed from the figures.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Final

# Byte for byte the shared data set's files (tests/statistics/test_published_files.py).
SHARED_FILES: Final = ("china-rare-earth-trade.csv", "china-rare-earth-trade-sources.csv")
# The package's own: the rates the cited reports printed, shown beside the computed ones.
REPORTED_FILE: Final = "china-rare-earth-trade-reported.csv"
PUBLISHED_FILES: Final = (*SHARED_FILES, REPORTED_FILE)


def published_files() -> list[tuple[str, bytes]]:
    """(file name, content) of each shipped file, as ``importer.import_files`` takes them."""
    folder = files("rarex.statistics").joinpath("data")
    return [(name, folder.joinpath(name).read_bytes()) for name in PUBLISHED_FILES]
