"""Watch-list versions in the database (every shared list imported whole: in
``test_screening_list_shrink``): the same content again changes nothing, a malformed file
leaves the active version in use, a new version supersedes the old one and says what
changed."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.models.screening import ListVersion
from rarex.screening import lists as watch_lists
from rarex.screening import search as screening_search
from rarex.screening.errors import MalformedList

WATCHLISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "watchlists"

SHARED = {
    "ofac-sdn": ["ofac-sdn-2021.csv", "ofac-sdn-2021-alt.csv", "ofac-sdn-2021-add.csv"],
    "un-xml": ["un-consolidated.xml"],
    "bis-dpl": ["bis-dpl.txt"],
    "us-export-csv": ["us-export-lists-2022.csv"],
    "cn-mofcom-csv": ["china-control-list.csv"],
}

CN_HEADER = (
    "list,entry_no,name_en,name_zh,country,announcement,announced_on,effective_on,status,"
    "status_changed_on,status_announcement,source\n"
)


def shared(name: str) -> bytes:
    if not WATCHLISTS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{WATCHLISTS} is missing in CI")
        pytest.skip(f"{WATCHLISTS} is not beside the clone")
    return (WATCHLISTS / name).read_bytes()


def cn_row(no: int, en: str, zh: str, status: str = "active,,") -> str:
    return f"control_list,{no},{en},{zh},US,{NO_1},2025-01-02,2025-01-02,{status},"


NO_1 = "商务部公告2025年第1号"


def cn_list(*rows: str) -> bytes:
    return (CN_HEADER + "".join(f"{r}\n" for r in rows)).encode()


# The configured default; the tests of counting pass 1.0 where a small list loses an entry
# (the shrink rule has tests of its own in test_screening_list_shrink.py).
SHRINK_LIMIT: float = Settings.model_fields["list_shrink_limit"].default


def import_(  # type: ignore[no-untyped-def]
    session: Session,
    clock: FixedClock,
    fmt: str,
    files: list[bytes],
    names: list[str],
    *,
    shrink_limit: float = SHRINK_LIMIT,
):
    return watch_lists.import_list(
        session, actor=None, clock=clock, fmt=fmt, files=files, file_names=names,
        shrink_limit=shrink_limit,
    )  # fmt: skip


def test_the_same_content_again_changes_nothing(session: Session, clock: FixedClock) -> None:
    data = cn_list(cn_row(1, "Acme Defense", "阿克米防务"))
    first = import_(session, clock, "cn-mofcom-csv", [data], ["cn.csv"])
    again = import_(session, clock, "cn-mofcom-csv", [data], ["cn-copy.csv"])
    assert again.unchanged
    assert again.version_id == first.version_id
    assert session.scalar(select(func.count(ListVersion.id))) == 1


def test_a_malformed_file_is_refused_and_the_active_version_stays_in_use(
    session: Session, clock: FixedClock
) -> None:
    good = cn_list(cn_row(1, "Acme Defense", "阿克米防务"))
    first = import_(session, clock, "cn-mofcom-csv", [good], ["cn.csv"])
    truncated_xml = b'<?xml version="1.0"?><CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>'
    with pytest.raises(MalformedList) as refused:
        import_(session, clock, "un-xml", [truncated_xml], ["un.xml"])
    assert refused.value.code == "lists.bad_xml"
    assert "line 1" in refused.value.where
    wrong_columns = b"name,country\nAcme,US\n"
    with pytest.raises(MalformedList):
        import_(session, clock, "cn-mofcom-csv", [wrong_columns], ["cn.csv"])
    bad_encoding = good.replace("阿克米".encode(), b"\xff\xfe\xfa")
    with pytest.raises(MalformedList):
        import_(session, clock, "cn-mofcom-csv", [bad_encoding], ["cn.csv"])
    (active,) = watch_lists.list_status(session, actor=None)
    assert active.version_id == first.version_id
    assert session.scalar(select(func.count(ListVersion.id))) == 1
    hits = [
        answer.hits
        for answer in screening_search.screen_names(
            session, actor=None, clock=clock, names=["Acme Defense"]
        )
    ]
    assert [h.match.entry.entity_id for h in hits[0]][:1] == ["cn-mofcom:control_list-2025-1-1"]


def test_a_new_version_supersedes_and_counts_what_changed(
    session: Session, clock: FixedClock
) -> None:
    row_a = cn_row(1, "Acme Defense", "阿克米防务")
    row_b = cn_row(2, "Bolt Avionics", "博尔特航电")
    import_(session, clock, "cn-mofcom-csv", [cn_list(row_a, row_b)], ["v1.csv"])
    suspended = cn_row(
        1, "Acme Defense", "阿克米防务", "suspended,2025-05-14,商务部公告2025年第70号"
    )
    row_c = cn_row(3, "Cobalt Systems", "钴系统")
    result = import_(
        session,
        clock,
        "cn-mofcom-csv",
        [cn_list(suspended, row_c)],
        ["v2.csv"],
        shrink_limit=1.0,  # one of two entries removed: counted here, not refused
    )
    assert (result.added, result.changed, result.removed) == (1, 1, 1)
    assert sorted(e.entity_id for e in result.delta) == [
        "cn-mofcom:control_list-2025-1-1",
        "cn-mofcom:control_list-2025-1-3",
    ]
    history = watch_lists.list_status(session, actor=None, history=True)
    assert [v.active for v in history] == [True, False]
    day = datetime(2025, 6, 1, tzinfo=UTC).date()
    (answer,) = screening_search.screen_names(
        session, actor=None, clock=clock, names=["Acme Defense"], on=day
    )
    found = answer.hits
    assert found[0].status is not None
    assert not found[0].in_force
    assert found[0].to_dict()["status_on_date"] == "suspended"


def test_an_earlier_version_imported_again_becomes_active_again(
    session: Session, clock: FixedClock
) -> None:
    first = cn_list(cn_row(1, "Acme Defense", "阿克米防务"))
    second = cn_list(cn_row(1, "Acme Defense", "阿克米防务"), cn_row(2, "Beta Motors", "贝塔"))
    a = import_(session, clock, "cn-mofcom-csv", [first], ["a.csv"])
    import_(session, clock, "cn-mofcom-csv", [second], ["b.csv"])
    back = import_(session, clock, "cn-mofcom-csv", [first], ["a-again.csv"], shrink_limit=1.0)
    assert not back.unchanged
    assert back.version_id == a.version_id
    assert back.removed == 1
    (active,) = watch_lists.list_status(session, actor=None)
    assert active.version_id == a.version_id
    (answer,) = screening_search.screen_names(
        session, actor=None, clock=clock, names=["Beta Motors"]
    )
    assert (answer.hits, answer.total) == ([], 0)


def test_a_file_read_by_an_older_parser_is_read_again_into_a_new_version(
    session: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = cn_list(cn_row(1, "Acme Defense", "阿克米防务"))
    monkeypatch.setattr(watch_lists, "PARSE_REVISION", 1)
    old = import_(session, clock, "cn-mofcom-csv", [data], ["cn.csv"])
    monkeypatch.undo()
    again = import_(session, clock, "cn-mofcom-csv", [data], ["cn.csv"])
    assert not again.unchanged
    assert again.version_id != old.version_id
    assert (again.added, again.changed, again.removed) == (0, 0, 0)  # this parse reads it alike
    assert import_(session, clock, "cn-mofcom-csv", [data], ["cn.csv"]).unchanged
