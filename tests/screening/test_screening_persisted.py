"""The screening index kept on disk between processes (issue 10, item 6): `rarex screen` loads
the index built for the active list versions instead of building it on every call."""

from __future__ import annotations

from pathlib import Path

from rarex.screening import persisted
from rarex.screening.index import ScreeningIndex
from rarex.screening.matching import search
from tests.screening.test_matching_entries import ENTRIES


def test_an_index_kept_for_a_set_of_versions_is_read_back_whole(tmp_path: Path) -> None:
    index = ScreeningIndex.build(ENTRIES)
    persisted.save(tmp_path, ["v1", "v2"], index)
    again = persisted.load(tmp_path, ["v1", "v2"])
    assert again is not None
    assert len(again) == len(index)
    assert [m.entry.entity_id for m in search(again, "Huawei Technologies")] == [
        m.entry.entity_id for m in search(index, "Huawei Technologies")
    ]


def test_other_versions_find_nothing_and_a_torn_file_is_a_miss(tmp_path: Path) -> None:
    index = ScreeningIndex.build(ENTRIES)
    persisted.save(tmp_path, ["v1"], index)
    assert persisted.load(tmp_path, ["v2"]) is None
    path = persisted.path_for(tmp_path, ["v1"])
    path.write_bytes(path.read_bytes()[:1000])
    assert persisted.load(tmp_path, ["v1"]) is None


def test_the_file_name_depends_on_the_screening_code_and_the_versions(tmp_path: Path) -> None:
    assert persisted.path_for(tmp_path, ["a"]) != persisted.path_for(tmp_path, ["b"])
    assert len(persisted.code_digest()) == 64


def test_old_files_are_pruned_and_an_unwritable_folder_never_fails(tmp_path: Path) -> None:
    index = ScreeningIndex.build(ENTRIES[:2])
    for n in range(7):
        persisted.save(tmp_path, [f"v{n}"], index)
    assert len(list(tmp_path.glob("screening-index-*.pickle"))) == 4
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    persisted.save(blocked, ["v1"], index)  # logged, not raised
    assert persisted.load(blocked, ["v1"]) is None
