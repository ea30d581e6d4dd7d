"""Issue 14, gaps 1 and 2: an XLSX bomb and corrupt workbooks.

Before, a 196 KB workbook holding a 200 MB XML comment did not finish parsing in 120 s (and on
SQLite held the write lock meanwhile); a sheet cut short or a non-zip ``.xlsx`` was a 500 from
the API and a traceback from the CLI. Now every XLSX part is checked before a parser sees it,
and a file that cannot be read is 422 ``import.malformed_file`` (exit 2 in the CLI:
``test_customs_cli``)."""

from __future__ import annotations

import re
import threading
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from rarex.api.app import create_app
from rarex.api.limits import IMPORT_PATHS
from rarex.auth.roles import Role
from rarex.auth.service import issue_token
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import tabular
from rarex.customs.tabular import COLUMNS
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.models.customs import Declaration
from rarex.web.site import create_site
from rarex.workbooks import _XmlScanner
from tests.apps import app_for
from tests.customs.conftest import ApiUser, TestClient
from tests.customs.customs_factories import Licensed, declaration, licensed, next_number
from tests.customs.hostile_files import (
    comment_bomb,
    corrupt_workbooks,
    rewritten,
    scan_dodgers,
    shared_strings,
    sheet_xml,
    workbook,
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Built once for the module: the bomb deflates 200 MB."""
    folder = tmp_path_factory.mktemp("hostile")
    good = workbook(folder / "good.xlsx", [list(COLUMNS), ["X"] * len(COLUMNS)])
    return {
        **corrupt_workbooks(good, folder),
        "bomb": comment_bomb(good, folder / "bomb.xlsx"),
    }


# -- the scanner, against a reading of the whole file at once -----------------------------

LIMIT = 12
TOKENS = [
    *(b"<", b">", b"a", b"\xe4\xb8\xad", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<!DOCTYPE"),
    *(b"<?", b"?>"),
]


def _refused_reading_whole(data: bytes, limit: int) -> bool:
    """What the scanner should conclude, found on the whole bytes by other means."""
    if re.search(rb"<!DOCTYPE|<!ENTITY", data, re.IGNORECASE):
        return True
    if max(len(run) for run in data.split(b"<")) > limit:
        return True
    at = 0
    ends = {b"<!--": b"-->", b"<![cdata[": b"]]>", b"<?": b"?>"}
    while True:  # comments, CDATA and instructions in document order, each closed by its own
        opening = re.compile(rb"<!--|<!\[CDATA\[|<\?", re.IGNORECASE).search(data, at)
        if opening is None:
            return False
        end = ends[opening.group().lower()]
        close = data.find(end, opening.end())
        if close < 0 or close - opening.start() > limit:
            return True
        at = close + len(end)


def _refused_streaming(data: bytes, cuts: list[int], limit: int) -> bool:
    scanner = _XmlScanner(limit)
    start = 0
    for cut in [*sorted(c % (len(data) + 1) for c in cuts), len(data)]:
        if cut <= start:
            continue
        if scanner.feed(data[start:cut]) is not None:
            return True
        start = cut
    return scanner.finish() is not None


@settings(max_examples=300, deadline=None)
@given(
    tokens=st.lists(st.sampled_from(TOKENS), max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_the_scanner_agrees_with_a_whole_reading_wherever_the_stream_is_cut(
    tokens: list[bytes], cuts: list[int]
) -> None:
    data = b"".join(tokens)
    assert _refused_streaming(data, cuts, LIMIT) == _refused_reading_whole(data, LIMIT)


# -- through the import ---------------------------------------------------------------------


def test_the_three_corrupt_workbooks_are_malformed_files_before_a_row_is_read(
    hostile: dict[str, Path],
) -> None:
    limits = tabular.ImportLimits.of(Settings(environment="test"))
    for kind in ("cut", "dtd", "not_zip"):
        with pytest.raises(tabular.MalformedFile) as refused:
            tabular.check_file(hostile[kind], limits)
        assert refused.value.code == "import.malformed_file", kind
        assert hostile[kind].name in refused.value.message


def test_the_three_corrupt_workbooks_answer_422_over_the_api_and_import_nothing(
    client: TestClient, api_user: Any, setup: Licensed, session: Session, hostile: dict[str, Path]
) -> None:
    officer: ApiUser = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    for kind in ("cut", "dtd", "not_zip"):
        response = client.post(
            "/api/v1/declarations/imports",
            files={"file": (f"{kind}.xlsx", hostile[kind].read_bytes())},
            headers=officer.headers,
        )
        assert response.status_code == 422, (kind, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "import.malformed_file", kind
    assert session.scalar(select(func.count(Declaration.id))) == 0


@pytest.fixture
def live(own_database_url: str) -> Iterator[tuple[TestClient, Licensed, ApiUser]]:
    """The app over a whole database of its own, so that requests really run side by side."""
    engine = make_engine(own_database_url)
    clock = FixedClock(datetime(2025, 6, 4, 2, 0, tzinfo=UTC))
    settings_ = Settings(environment="test", database_url=own_database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        setup = licensed(session, FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC)), settings_)
        token = issue_token(
            session, clock=clock, actor=None, user_id=setup.customs.user_id, label="t"
        )
    app = create_app(settings_, engine=engine, clock=clock)
    try:
        with TestClient(app) as client:
            yield client, setup, ApiUser(setup.customs, token)
    finally:
        engine.dispose()


def test_a_bomb_is_refused_in_seconds_and_little_memory_while_another_filing_lands(
    live: tuple[TestClient, Licensed, ApiUser], hostile: dict[str, Path]
) -> None:
    client, setup, officer = live
    bomb = hostile["bomb"].read_bytes()
    assert len(bomb) < 400 * 1024  # a small upload: the size cap alone cannot stop it
    started = threading.Barrier(2)

    def send_bomb() -> tuple[int, str, float, int]:
        started.wait()
        tracemalloc.start()
        began = time.monotonic()
        response = client.post(
            "/api/v1/declarations/imports",
            files={"file": ("bomb.xlsx", bomb)},
            headers=officer.headers,
        )
        took = time.monotonic() - began
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return response.status_code, response.json()["code"], took, peak

    def file_one() -> int:
        started.wait()
        body = declaration(setup).model_dump(mode="json", exclude_none=True)
        body["number"] = next_number()
        return client.post("/api/v1/declarations", json=body, headers=officer.headers).status_code

    with ThreadPoolExecutor(2) as pool:
        refused, filed = pool.submit(send_bomb), pool.submit(file_one)
        status, code, took, peak = refused.result(timeout=60)
        assert filed.result(timeout=60) == 201
    assert (status, code) == (422, "import.malformed_file")
    assert took < 5.0
    # Python's own allocations while the bomb was read (both requests' share included).
    assert peak < 200 * 1024 * 1024


def test_the_import_route_reaches_its_own_limit_and_no_further(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, api_user: Any
) -> None:
    """Before, the import's 100 MB limit sat behind the 11 MiB cap of every body: unreachable.
    Now the import routes' cap is the import limit plus the form's envelope (1 MiB)."""
    small = settings.model_copy(update={"max_document_bytes": 1024, "max_import_bytes": 2 << 20})
    sessions = sessionmaker(
        bind=session.get_bind(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    officer: ApiUser = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)
    header = ",".join(COLUMNS).encode() + b"\n"

    def csv_of(size: int) -> bytes:
        blank = b" " * 1023 + b"\n"  # a line of spaces: no row, nothing to file
        lines, rest = divmod(size - len(header), len(blank))
        return header + blank * lines + b" " * rest

    with TestClient(app_for(create_app, small, session_factory=sessions, clock=clock)) as client:

        def send(size: int) -> Any:
            return client.post(
                "/api/v1/declarations/imports",
                files={"file": ("big.csv", csv_of(size))},
                headers=officer.headers,
            )

        under = send(3 << 19)  # 1.5 MiB: over the document cap, under the import limit
        assert under.status_code == 200, under.text
        assert under.json()["recorded"] == 0
        assert send((2 << 20) + 10).json()["code"] == "document.too_large"  # the route's own
        assert send(4 << 20).json()["code"] == "http.body_too_large"  # the cap, before reading
        elsewhere = client.post(
            "/api/v1/declarations",
            content=b"{" + b" " * (3 << 19) + b"}",
            headers={**officer.headers, "content-type": "application/json"},
        )
        assert elsewhere.status_code == 413
        assert elsewhere.json()["code"] == "http.body_too_large"


def test_every_path_given_the_import_cap_is_a_route_that_takes_a_post(tmp_path: Path) -> None:
    """A path mistyped in ``IMPORT_PATHS`` would leave its route under the document cap."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with TestClient(create_site(Settings(environment="test", database_url=url))) as client:
        for path in IMPORT_PATHS:
            answer = client.post(path, content=b"", follow_redirects=False)
            assert answer.status_code not in (404, 405), (path, answer.status_code)


def test_a_slow_part_is_found_whatever_its_name_instruction_or_encoding(
    hostile: dict[str, Path], tmp_path: Path
) -> None:
    """Found in review: a sheet renamed .dat (52 s for a 40 MB comment), a 40 MB processing
    instruction with a "<" every KiB (49 s) and a UTF-16 sheet (25 s) were read, and accepted."""
    limits = tabular.ImportLimits.of(Settings(environment="test"))
    good = workbook(tmp_path / "good.xlsx", [list(COLUMNS), ["X"] * len(COLUMNS)])
    for kind, path in scan_dodgers(good, tmp_path).items():
        began = time.monotonic()
        with pytest.raises(tabular.MalformedFile) as refused:
            tabular.check_file(path, limits)
        assert refused.value.code == "import.malformed_file", kind
        assert time.monotonic() - began < 2.0, kind


def test_a_shared_strings_table_over_its_limit_is_refused_before_it_is_loaded(
    tmp_path: Path,
) -> None:
    """Found in review: 20 million shared strings in an 830 KB file took 144 s and 1.9 GB, all
    loaded by openpyxl before the first row."""
    limits = tabular.ImportLimits.of(
        Settings(environment="test", import_max_xlsx_shared_strings=1000)
    )
    good = workbook(tmp_path / "good.xlsx", [list(COLUMNS), ["X"] * len(COLUMNS)])
    tabular.check_file(shared_strings(good, tmp_path / "fine.xlsx", 1000), limits)
    with pytest.raises(tabular.MalformedFile, match="more than 1000 shared strings"):
        tabular.check_file(shared_strings(good, tmp_path / "many.xlsx", 1001), limits)


def test_the_row_and_time_budget_hold_row_by_row_and_an_endless_declaration_is_not_held(
    tmp_path: Path,
) -> None:
    """Found in review: the budget was counted per declaration, so one declaration of 1.2
    million rows took 1.8 GB before the row limit stopped it; rows padded to 16,384 cells
    (one cell in column XFD) were read for minutes within a budget of one second."""
    header = ",".join(COLUMNS)
    one = tmp_path / "one.csv"
    one.write_text(header + "\n" + "D1,,,,,,,,,,,,,,10,1\n" * 5000, encoding="utf-8")
    limits = tabular.ImportLimits.of(Settings(environment="test", import_max_rows=1000))
    with pytest.raises(tabular.ImportLimitExceeded) as refused:
        tabular.check_file(one, limits)
    assert refused.value.code == "import.too_many_rows"
    roomy = tabular.ImportLimits.of(Settings(environment="test"))
    (parsed,) = tabular.declarations(tabular.read_rows(one, roomy))
    assert len(parsed.rows) == 201  # what is kept of it
    assert [p.code for p in parsed.problems] == ["customs.too_many_lines"]
    assert "has 5000 rows from row 2" in parsed.problems[0].message

    wide = workbook(tmp_path / "wide.xlsx", [list(COLUMNS)])
    sheet = re.sub(rb"<dimension [^>]*/>", b"", sheet_xml(wide))  # nothing says how wide
    rows = b"".join(
        b'<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
        for n in range(2, 3002)
    )
    padded = rewritten(wide, tmp_path / "padded.xlsx", "xl/worksheets/sheet1.xml",
                       sheet.replace(b"</sheetData>", rows + b"</sheetData>"))  # fmt: skip
    began = time.monotonic()
    assert tabular.check_file(padded, roomy).rows == 0  # no cell in a column it reads
    assert time.monotonic() - began < 2.0


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r"])
def test_a_csv_reads_alike_whatever_ends_its_lines_and_names_a_bad_byte_by_its_line(
    tmp_path: Path, end: str
) -> None:
    """A lone CR ends the lines of Excel for Mac's CSV (refused for a while in review)."""
    header = ",".join(COLUMNS)
    rows = [f"D{n},,,,,,,,,,,,,,10,1" for n in range(1, 6)]
    path = tmp_path / "lines.csv"
    path.write_bytes((end.join([header, *rows]) + end).encode())
    limits = tabular.ImportLimits.of(Settings(environment="test"))
    assert tabular.check_file(path, limits) == tabular.FileCheck(rows=5, declarations=5)
    parsed = list(tabular.declarations(tabular.read_rows(path, limits)))
    assert [p.rows for p in parsed] == [[2], [3], [4], [5], [6]]
    broken = tmp_path / "broken.csv"
    broken.write_bytes(path.read_bytes().replace(b"D4,", b"D\xff4,"))
    with pytest.raises(tabular.MalformedFile, match=r"broken\.csv line 5 is not UTF-8"):
        tabular.check_file(broken, limits)


def test_a_workbook_checked_once_is_filed_from_its_spool_row_for_row(tmp_path: Path) -> None:
    """The filing reads the rows the check kept, not the workbook again: the same rows with
    the same numbers (a blank row skipped, a date and a number as the sheet typed them)."""
    limits = tabular.ImportLimits.of(Settings(environment="test"))
    first = ["D1", "91110000100000000X", "", "DE", "K\u00f6ln GmbH", "DE", "Tianjin"]
    book = workbook(
        tmp_path / "book.xlsx",
        [
            list(COLUMNS),
            [*first, date(2025, 6, 4), "", 1, 2805301200, "1C905.a", "Dy", 12.25, 100, "USD"],
            [None] * len(COLUMNS),
            ["D2", *first[1:], "2025-06-04", "", "", "2805301200", "", "", "1", "1", ""],
        ],
    )
    checked = tabular.check_file(book, limits, spool=tmp_path / "rows.jsonl")
    assert checked.spooled is not None
    assert list(tabular.checked_rows(book, checked, limits)) == list(
        tabular.read_rows(book, limits)
    )
    csv_file = tmp_path / "plain.csv"
    csv_file.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    assert tabular.check_file(csv_file, limits, spool=tmp_path / "other.jsonl").spooled is None
