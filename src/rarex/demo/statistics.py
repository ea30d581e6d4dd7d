"""The demo's public statistics: the GACC figures Rarex ships, imported as an operator would."""

from __future__ import annotations

from rarex.demo.world import DemoWorld
from rarex.statistics.importer import import_files
from rarex.statistics.published import published_files


def published_statistics(w: DemoWorld) -> None:
    results = import_files(
        w.session, clock=w.clock, actor=None, files=published_files(), operator="demo"
    )
    w.notes["statistics_rows"] = sum(r.rows for r in results)
