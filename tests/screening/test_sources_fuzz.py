"""Whatever bytes arrive, a parser either returns a ParsedList or raises MalformedList: never a
KeyError, IndexError, UnicodeDecodeError or ExpatError from deep inside."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rarex.screening.errors import MalformedList
from rarex.screening.sources import FORMATS, ParsedList, parse_list

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = {
    "ofac-sdn": "ofac-sdn.csv",
    "un-xml": "un-sample.xml",
    "bis-dpl": "bis-dpl-sample.txt",
    "us-export-csv": "us-export-sample.csv",
    "cn-mofcom-csv": "china-sample.csv",
    "ftm-json": "ftm-sample.ftm.json",
}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_or_refuse(fmt: str, data: bytes) -> None:
    try:
        result = parse_list(fmt, [data])
    except MalformedList as error:
        where = error.where
        assert where
        return
    assert isinstance(result, ParsedList)
    assert result.entries
    assert all(entry.names for entry in result.entries)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_parse_or_are_refused(fmt: str, data: bytes) -> None:
    _parse_or_refuse(fmt, data)


@st.composite
def _mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """A real-looking file, cut, spliced or with bytes overwritten: reaches the code past the
    header that random bytes never get to."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["cut", "insert", "overwrite", "delete"]))
        chunk = draw(
            st.one_of(
                st.binary(min_size=1, max_size=8),
                st.sampled_from(
                    [b'"', b",", b"\t", b"\n", b"<", b"</", b"{", b"}", b"\xff", b"\x00"]
                ),
            )
        )
        if action == "cut":
            del data[position:]
        elif action == "insert":
            data[position:position] = chunk
        elif action == "overwrite":
            data[position : position + len(chunk)] = chunk
        else:
            del data[position : position + len(chunk)]
    return bytes(data)


@pytest.mark.parametrize("fmt", sorted(SEEDS))
@FUZZ
@given(data=st.data())
def test_damaged_real_looking_files_parse_or_are_refused(fmt: str, data: st.DataObject) -> None:
    seed = (FIXTURES / SEEDS[fmt]).read_bytes()
    _parse_or_refuse(fmt, data.draw(_mutated(seed)))


@FUZZ
@given(
    alt=st.binary(max_size=200),
    add=st.binary(max_size=200),
)
def test_ofac_alt_and_add_files_of_any_bytes_parse_or_are_refused(alt: bytes, add: bytes) -> None:
    sdn = (FIXTURES / "ofac-sdn.csv").read_bytes()
    try:
        parse_list("ofac-sdn", {"sdn.csv": sdn, "alt.csv": alt, "add.csv": add})
    except MalformedList as error:
        where = error.where
        assert where
