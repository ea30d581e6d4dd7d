"""A watch list is someone else's data: control characters (ESC and whole terminal escape
sequences, NUL, C0 and C1 controls, bidi overrides and isolates) are taken out of names and
addresses at import, never a reason to refuse an entry or a list; the cell as written is
kept as the name's ``raw``, stored, and printed on a terminal only as escapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rarex.cli.screen import _shown
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.screening import lists as watch_lists
from rarex.screening import repository
from rarex.screening.records import ListEntry, entry_from_dict, entry_to_dict
from rarex.screening.sources import parse_list
from rarex.screening.sources._common import CONTROLS, clean

FIXTURES = Path(__file__).parent / "fixtures"
ESC_RED = "\x1b[31m"  # a terminal escape sequence: ESC and what the terminal reads with it
RLO = "\u202e"  # right-to-left override: what follows prints backwards


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _entry(fmt: str, text: str, name: str) -> ListEntry:
    parsed = parse_list(fmt, [text.encode("utf-8")])
    return next(e for e in parsed.entries if any(n.text == name for n in e.names))


# (format, fixture, the name as the fixture writes it, the same name with controls in it)
CASES = [
    (
        "us-export-csv",
        "us-export-sample.csv",
        "Example Aerospace Corporation",
        f"Example {ESC_RED}Aerospace{RLO} Corporation\x00",
    ),
    (
        "cn-mofcom-csv",
        "china-sample.csv",
        "General Dynamics",
        f"General{RLO} {ESC_RED}Dynamics\x07",
    ),
    (
        "ofac-sdn",
        "ofac-sdn.csv",
        "AEROCARIBBEAN AIRLINES",
        f"AERO\x1bCARIBBEAN {RLO}AIRLINES\x85",
    ),
    ("bis-dpl", "bis-dpl-sample.txt", "ZIMO SHENG", f"ZIMO{ESC_RED} {RLO}SHENG\u2066\u2069"),
    (
        "ftm-json",
        "ftm-sample.ftm.json",
        "Ivan Petrov",
        "Ivan \\u001b[31mPetrov\\u202e",  # JSON escapes: the parsed value holds ESC and RLO
    ),
    # XML 1.0 allows no ESC nor NUL: a file holding them is not XML (lists.bad_xml); C1
    # controls and bidi overrides are allowed, and taken out.
    (
        "un-xml",
        "un-sample.xml",
        "EXAMPLE TRADING CORPORATION",
        f"EXAMPLE {RLO}TRADING\x9b2J CORPORATION",
    ),
]


@pytest.mark.parametrize(("fmt", "fixture", "name", "dirty"), CASES, ids=[c[0] for c in CASES])
def test_a_name_with_escape_and_bidi_controls_imports_without_them_keeping_its_raw_cell(
    fmt: str, fixture: str, name: str, dirty: str
) -> None:
    text = _fixture(fixture)
    assert name in text
    entry = _entry(fmt, text.replace(name, dirty), name)
    cleaned = next(n for n in entry.names if n.text == name)
    assert not set(cleaned.text) & CONTROLS
    raw = cleaned.raw
    assert raw is not None
    assert RLO in raw
    assert "\x1b" in raw or "\x9b" in raw
    # everything else of the entry is as it was without the controls
    clean_entry = _entry(fmt, text, name)
    assert entry.content_hash() == clean_entry.content_hash()


def test_addresses_and_every_other_field_lose_their_controls_too() -> None:
    text = _fixture("us-export-sample.csv").replace(
        "No. 1 Example Road", f"No. 1 {ESC_RED}Example\x00 Road{RLO}", 1
    )
    entry = _entry("us-export-csv", text, "Example Aerospace Corporation")
    assert "No. 1 Example Road, Beijing, CN" in entry.addresses
    for address in entry.addresses:
        assert not set(address) & CONTROLS


def test_escape_sequences_go_whole_and_a_stray_escape_takes_no_letter() -> None:
    assert clean("\x1b[1;31mAcme\x1b[0m Trading") == "Acme Trading"
    assert clean("\x1b]0;pwned\x07Acme") == "Acme"
    assert clean("AL\x1bQAIDA") == "ALQAIDA"
    assert clean("Ac\u200bme\u200e\ufeff") == "Acme"
    assert clean("Arm\u200dan") == "Arm\u200dan"  # ZWJ spells Persian and Indic names
    assert clean("Acme\tTrading\r\nCo") == "Acme Trading Co"
    long_dirty = ("\x1b]" + "x" * 300) * 200  # unterminated sequences cost their bound only
    assert "\x1b" not in clean(long_dirty)


def test_the_raw_cell_round_trips_through_storage_and_never_moves_the_hash() -> None:
    text = _fixture("us-export-sample.csv").replace(
        "Example Aerospace Corporation", f"Example {ESC_RED}Aerospace{RLO} Corporation", 1
    )
    entry = _entry("us-export-csv", text, "Example Aerospace Corporation")
    stored = entry_to_dict(entry)
    assert entry_from_dict(stored) == entry
    plain = _entry(
        "us-export-csv", _fixture("us-export-sample.csv"), "Example Aerospace Corporation"
    )
    assert "raw" not in entry_to_dict(plain)["names"][0]  # stored only when there is one


def test_a_terminal_is_shown_escapes_never_the_controls() -> None:
    shown = _shown(f"Acme{ESC_RED} [bold]Corp{RLO}\x00")
    assert not {"\x1b", RLO, "\x00"} & set(shown)
    for escaped in ("\\x1b", "\\u202e", "\\x00"):
        assert escaped in shown
    assert "\\[bold]" in shown  # Rich markup escaped too
    assert _shown("华为技术有限公司") == "华为技术有限公司"


def test_stored_names_are_clean_and_the_raw_cell_is_kept_on_both_databases(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    dirty = f"Example {ESC_RED}Aerospace{RLO} Corporation\x00"
    text = _fixture("us-export-sample.csv").replace("Example Aerospace Corporation", dirty, 1)
    result = watch_lists.import_list(
        session, actor=None, clock=clock, fmt="us-export-csv", files=[text.encode("utf-8")],
        file_names=["us.csv"], shrink_limit=settings.list_shrink_limit,
    )  # fmt: skip
    active = repository.active_version(session, result.source)
    assert active is not None
    (entry,) = [
        e
        for e in repository.entries_of(session, [active.id])
        if e.primary_name == "Example Aerospace Corporation"
    ]
    assert entry.names[0].raw == dirty
