"""A file's name as a client or a disk gives it: refused when it breaks the text rule or
names no file, else kept as its last path component (issue 14, gap 7)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.inputs import clean_file_name, file_name_problem


@pytest.mark.parametrize(
    "name",
    [
        "a\r\nX-Forged: yes.pdf",  # a line break forges a log line
        "\x1b]0;pwned\x07.pdf",  # an OSC sequence retitles the terminal
        "report\u202efdp.exe",
        "nul\x00.pdf",
        "x" * 256,
        "",
        "/",
        "a/..",
        "..\\",
    ],
)
def test_names_that_are_refused(name: str) -> None:
    assert file_name_problem(name) is not None


@given(st.text(max_size=300))
def test_a_kept_name_is_one_clean_path_component_the_sender_wrote(name: str) -> None:
    if file_name_problem(name) is not None:
        return
    kept = clean_file_name(name)
    assert kept not in ("", ".", "..")
    assert "/" not in kept
    assert "\\" not in kept
    assert kept == kept.strip()
    assert kept in name
    controls = {ch for ch in kept if unicodedata.category(ch) in ("Cc", "Cf")}
    assert controls <= {"\u200d"}  # the zero-width joiner spells emoji and some scripts
