"""Every shared list imports whole with the counts its parser reads; and a truncated copy of
each cannot silently shrink screening: against the whole list in use it is refused with its
difference, a dry run changes nothing, and an operator's confirmation (a reason, a named
user) lets it in, recorded in the audit log. The UN list's own publication date is kept apart
from its import date."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db_engine import make_engine
from rarex.models.audit import AuditEvent
from rarex.models.screening import ListedEntry, ListVersion
from rarex.screening import lists as watch_lists
from rarex.screening.errors import ShrinkRefused
from rarex.screening.sources import ParsedList, parse_list
from tests.conftest import BACKENDS, whole_database
from tests.factories import make_actor
from tests.screening.test_screening_lists import SHARED, shared

pytestmark = pytest.mark.slow  # the whole shared lists are imported once per backend

SOURCES = {
    "ofac-sdn": "ofac-sdn",
    "un-xml": "un-sc",
    "bis-dpl": "bis-dpl",
    "us-export-csv": "us-export",
    "cn-mofcom-csv": "cn-mofcom",
}
LIMIT = Settings.model_fields["list_shrink_limit"].default


def truncated(fmt: str) -> list[bytes]:
    """What a download cut short looks like: the first rows, or a UN file with most records
    gone (still well-formed, as a truncated file a tool repaired would be)."""
    if fmt == "un-xml":
        text = shared("un-consolidated.xml").decode("utf-8")
        head, rest = text.split("<INDIVIDUALS>", 1)
        individuals = re.findall(r"<INDIVIDUAL>.*?</INDIVIDUAL>", rest, re.S)[:2]
        entities = re.findall(r"<ENTITY>.*?</ENTITY>", rest, re.S)[:1]
        body = (
            f"{head}<INDIVIDUALS>{''.join(individuals)}</INDIVIDUALS>"
            f"<ENTITIES>{''.join(entities)}</ENTITIES></CONSOLIDATED_LIST>\n"
        )
        return [body.encode("utf-8")]
    if fmt == "ofac-sdn":
        sdn, alt, add = (shared(n).splitlines(keepends=True) for n in SHARED[fmt])
        kept = sdn[:3]
        ids = {line.split(b",", 1)[0] for line in kept}
        return [
            b"".join(kept),
            b"".join(line for line in alt if line.split(b",", 1)[0] in ids) or alt[0],
            b"".join(line for line in add if line.split(b",", 1)[0] in ids) or add[0],
        ]
    lines = shared(SHARED[fmt][0]).splitlines(keepends=True)
    return [b"".join(lines[:4])]  # the header and three rows


@cache
def _parsed(fmt: str) -> ParsedList:
    """The parser's own reading of a shared list, once per worker for both databases."""
    return parse_list(fmt, [shared(n) for n in SHARED[fmt]])


@dataclass(frozen=True)
class WholeLists:
    engine: Engine
    imported: dict[str, watch_lists.ImportResult]  # by format


@pytest.fixture(scope="module", params=BACKENDS)
def whole_lists(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WholeLists]:
    """A database of the module's own with every shared list imported whole and committed
    (what each import answered kept); each test works in a transaction rolled back at its
    end. One import of the whole lists per backend serves every test here."""
    folder = tmp_path_factory.mktemp("shrink")
    with whole_database(request.param, folder, name="shrink", migrated=True) as url:
        engine = make_engine(url)
        clock = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
        imported = {}
        with Session(engine) as session, session.begin():
            for fmt, names in SHARED.items():
                imported[fmt] = watch_lists.import_list(
                    session, actor=None, clock=clock, fmt=fmt, files=[shared(n) for n in names],
                    file_names=names, shrink_limit=LIMIT,
                )  # fmt: skip
        yield WholeLists(engine, imported)
        engine.dispose()


@pytest.fixture
def db(whole_lists: WholeLists) -> Iterator[Session]:
    connection = whole_lists.engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


# Untraced by coverage: parsing every shared list under the tracer costs CI ~10 s of CPU per
# database; the parsers' lines are covered by tests/screening/test_sources_*.
@pytest.mark.no_cover
def test_every_shared_list_imports_with_the_counts_its_parser_reads(
    whole_lists: WholeLists, db: Session
) -> None:
    for fmt in SHARED:
        parsed = _parsed(fmt)
        result = whole_lists.imported[fmt]
        assert not result.unchanged
        assert result.entities == parsed.total.entities > 0
        assert result.names == parsed.total.names >= result.entities
        stored = db.scalar(
            select(func.count(ListedEntry.id)).where(
                ListedEntry.version_id == ListVersion.id, ListVersion.source == result.source
            )
        )
        assert stored == result.entities
    status = {s.source: s for s in watch_lists.list_status(db, actor=None)}
    assert set(status) == {"ofac-sdn", "un-sc", "bis-dpl", "us-export", "cn-mofcom"}
    assert status["cn-mofcom"].counts["control_list"] == {"entities": 153, "names": 306}


def rows(session: Session) -> tuple[int, int, int, list[tuple[str, bool]]]:
    """What an import may change: versions, entries, audit events, and which are active."""
    return (
        session.scalar(select(func.count(ListVersion.id))) or 0,
        session.scalar(select(func.count(ListedEntry.id))) or 0,
        session.scalar(select(func.count(AuditEvent.seq))) or 0,
        sorted((str(v.id), v.active) for v in session.scalars(select(ListVersion))),
    )


@pytest.mark.parametrize("fmt", list(SHARED))
def test_a_truncated_copy_is_refused_with_its_difference_until_an_operator_confirms_it(
    db: Session, clock: FixedClock, fmt: str
) -> None:
    admin = make_actor(db, clock, Role.ADMINISTRATOR)
    active = next(v for v in watch_lists.list_status(db, actor=None) if v.source == SOURCES[fmt])
    files = truncated(fmt)
    names = [f"cut-{n}" for n in SHARED[fmt]]

    def again(**kw: object) -> watch_lists.ImportResult:
        return watch_lists.import_list(
            db, actor=kw.pop("actor", None), clock=clock, fmt=fmt, files=files,  # type: ignore[arg-type]
            file_names=names, shrink_limit=LIMIT, **kw,  # type: ignore[arg-type]
        )  # fmt: skip

    before = rows(db)
    for dry_run in (False, True):
        with pytest.raises(ShrinkRefused) as refused:
            again(dry_run=dry_run)
        diff = refused.value.difference
        assert refused.value.code == "lists.shrink_refused"
        assert diff.before == active.entities
        assert 0 < diff.after <= 3
        assert len(diff.removed) >= active.entities - 3
        assert refused.value.details["difference"] == diff.counts()
        assert f"removes {len(diff.removed)} of the {active.entities}" in refused.value.message
    assert rows(db) == before

    # A dry run the operator allowed shows the difference and still changes nothing.
    preview = again(dry_run=True, allow_shrink=True, reason="delisting round", actor=admin)
    assert (preview.dry_run, preview.version_id, preview.unchanged) == (True, None, False)
    assert preview.difference.counts() == diff.counts()
    assert preview.delta == ()
    assert rows(db) == before

    result = again(allow_shrink=True, reason="delisting round, checked with OFAC", actor=admin)
    assert (result.removed, result.entities) == (len(diff.removed), diff.after)
    (now,) = [v for v in watch_lists.list_status(db, actor=None) if v.source == SOURCES[fmt]]
    assert (now.version_id, now.entities, now.imported_by) == (
        result.version_id,
        diff.after,
        admin.label,
    )
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert (event.action, event.actor) == ("screening.list_imported", admin.label)
    payload = json.loads(event.payload_json)
    confirmation = payload["shrink_confirmation"]
    assert confirmation["reason"] == "delisting round, checked with OFAC"
    assert confirmation["actor"] == admin.label
    assert (confirmation["removed"], confirmation["before"]) == (len(diff.removed), diff.before)
    assert payload["difference"]["removed"] == len(diff.removed)
    assert "entries" not in payload["difference"]  # counts only in the audit chain


def test_the_un_lists_publication_date_is_kept_apart_from_its_import(
    db: Session, clock: FixedClock
) -> None:
    (un,) = [v for v in watch_lists.list_status(db, actor=None) if v.source == "un-sc"]
    assert un.published_at == datetime(2026, 2, 27, 0, 0, 9, 554000, tzinfo=UTC)
    assert un.imported_at == datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
    assert un.to_dict()["published_at"] == "2026-02-27T00:00:09.554000+00:00"
    others = [v for v in watch_lists.list_status(db, actor=None) if v.source != "un-sc"]
    assert [v.published_at for v in others] == [None] * 4  # their files carry no such date


def test_a_version_removing_no_more_than_the_limit_is_taken_without_a_word(
    db: Session, clock: FixedClock
) -> None:
    lines = shared("china-control-list.csv").splitlines(keepends=True)
    kept = lines[: len(lines) - 13]  # 13 of 274 entries gone: 4.7%
    result = watch_lists.import_list(
        db, actor=None, clock=clock, fmt="cn-mofcom-csv", files=[b"".join(kept)],
        file_names=["cn.csv"], shrink_limit=LIMIT,
    )  # fmt: skip
    assert (result.removed, result.difference.before, result.shrink_confirmation) == (13, 274, None)
