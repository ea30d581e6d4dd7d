"""The GACC figures the package ships are the shared data set's, byte for byte: the demo and
the public pages show what the data set says."""

from __future__ import annotations

from pathlib import Path

from rarex.statistics.published import PUBLISHED_FILES, published_files

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def test_the_shipped_figures_are_the_shared_data_sets() -> None:
    shipped = dict(published_files())
    assert set(shipped) == set(PUBLISHED_FILES)
    for name, content in shipped.items():
        assert content == (SHARED / name).read_bytes(), name
