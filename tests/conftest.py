"""Database fixtures: every database test runs on SQLite and on PostgreSQL, each test inside
a transaction that is rolled back, so tests never see each other's rows.

The suite runs in pytest-xdist workers: each worker has its own session fixtures, so its own
SQLite file (under its own ``tmp_path_factory`` folder) and its own PostgreSQL schema. Whole
databases of a test's own come from ``whole_database``: a file under the test's folder or a
schema with a random name, never a fixed path, port or name.

Locally a missing PostgreSQL skips its half; in CI (CI=true) it fails the run instead, in every
worker.
"""

from __future__ import annotations

import atexit
import graphlib
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db_engine import make_engine
from rarex.migrations import upgrade_database

# The suite starts many Python processes (a worker per CPU, the CLI's subprocesses, spawned
# pools): with PYTHONDONTWRITEBYTECODE set, as some shells and containers set it, each would
# compile every module it imports anew, about 12 s of a run's wall time. Set before the workers
# start, so they and every subprocess inherit it.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

PG_URL = os.environ.get(
    "RAREX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", autouse=True)
def _screening_cache_of_the_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Screening indexes persisted by the tests go to the run's own folder, not the user's
    cache (tests that check persistence set their own)."""
    from rarex.config import get_settings

    before = os.environ.get("RAREX_SCREENING_CACHE_DIR")
    os.environ["RAREX_SCREENING_CACHE_DIR"] = str(tmp_path_factory.mktemp("screening-cache"))
    get_settings.cache_clear()
    yield
    if before is None:
        os.environ.pop("RAREX_SCREENING_CACHE_DIR", None)
    else:
        os.environ["RAREX_SCREENING_CACHE_DIR"] = before
    get_settings.cache_clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first: pytest-xdist hands each worker a run of the list and lets an idle
    one take from the others' ends, so a long test met last keeps one worker busy while the
    other has nothing left to take. The sort is stable, so every worker sees the same order."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A pytest-xdist worker leaves without the interpreter's teardown. Its results reached the
    controller with ``workerfinished``, before this hook, and the controller ignores how the
    worker's channel ends after that. Freeing a worker's modules and heap one object at a time
    took 2 s (tests/customs alone) to 6 s (the whole suite) at the end of every run, while the
    controller waited and both CPUs idled. The exit handlers still run, as at a normal exit:
    the worker's PostgreSQL databases are dropped and its SQLite template removed."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """A new schema, dropped afterwards. Its name carries the xdist worker (for whoever reads
    ``pg_stat_activity``) and a random part, so workers and concurrent runs never share one."""
    schema = _database_name(prefix)
    admin = _postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def postgres_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


@contextmanager
def whole_database(
    backend: str, folder: Path, *, name: str, migrated: bool = False
) -> Iterator[str]:
    """The URL of a database of its own, for code that commits: a SQLite file in ``folder`` or
    a PostgreSQL schema, empty; or, ``migrated``, already at the current schema revision."""
    if backend == "sqlite":
        path = folder / f"{name}.db"
        if migrated:
            shutil.copyfile(_migrated_sqlite_template(), path)
        yield f"sqlite:///{path}"
        return
    if migrated:
        with _database_from_template(name) as url:
            yield url
        return
    with postgres_schema(f"rarex_{name}") as schema:
        yield postgres_url(schema)


# A migrated database, copied: the migrations run once per worker and backend, not once per
# whole database (0.1 s on SQLite, 0.3 s on PostgreSQL each, 140 of them in a run). The copy
# is the migrations' own result, byte for byte on SQLite, by CREATE DATABASE ... TEMPLATE on
# PostgreSQL.
@cache
def _migrated_sqlite_template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="rarex-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "migrated.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()
    return path


def _postgres_admin() -> Engine:
    engine = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        message = f"PostgreSQL is not reachable at {PG_URL}: {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return engine


def _database_name(prefix: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}_{worker}_{uuid.uuid4().hex[:10]}"


def _drop_database(name: str) -> None:
    admin = _postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@cache
def _migrated_postgres_template() -> str:
    name = _database_name("rarex_template")
    admin = _postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    atexit.register(_drop_database, name)
    engine = make_engine(_database_url(name))
    upgrade_database(engine)
    engine.dispose()  # a template must have no connection when it is copied
    return name


# Whole PostgreSQL databases are reused within a worker: copying the template costs 0.35 s
# (CREATE DATABASE writes its 9.7 MB through the WAL) and dropping it 0.05 s, about 80 times per
# backend in a run; emptying a used one costs a few hundredths. A database goes back to the
# worker's pool only at the template's schema (a test that migrated it down and not up again
# leaves it for dropping), with every row deleted but the schema revision's, which is all a
# freshly migrated database holds: the next test cannot tell it from a new copy.
_POOL: list[str] = []


@contextmanager
def _database_from_template(prefix: str) -> Iterator[str]:
    template = _migrated_postgres_template()
    name = _POOL.pop() if _POOL else _copy_of(template, prefix)
    try:
        yield _database_url(name)
    finally:
        if _emptied(name, _shape(template)):
            _POOL.append(name)
        else:
            _drop_database(name)


def _copy_of(template: str, prefix: str) -> str:
    name = _database_name(f"rarex_{prefix}")
    admin = _postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    atexit.register(_drop_database, name)  # a pooled one outlives its test
    return name


def _database_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@dataclass(frozen=True)
class _Shape:
    """What a database is, schema-wise: its columns, indexes and constraints (``signature``),
    and its tables in an order that deleting from them, first to last, breaks no foreign key."""

    signature: tuple[tuple[str, ...], ...]
    deletion_order: tuple[str, ...]


_SIGNATURE = text(
    """
    SELECT 'column', table_name, column_name, data_type, is_nullable, coalesce(column_default, '')
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT 'index', tablename, indexname, indexdef, '', '' FROM pg_indexes
     WHERE schemaname = 'public'
    UNION ALL
    SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid), '', ''
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    ORDER BY 1, 2, 3
    """
)
_REFERENCES = text(
    """
    SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
     WHERE contype = 'f' AND connamespace = 'public'::regnamespace
    """
)


def _shape_of(conn: Connection) -> _Shape:
    signature = tuple(tuple(row) for row in conn.execute(_SIGNATURE))
    tables = {row[1] for row in signature if row[0] == "column"}
    referenced_by: dict[str, set[str]] = {table: set() for table in tables}
    for referencing, referenced in conn.execute(_REFERENCES):
        if referencing != referenced:  # a table's rows referring to each other go at once
            referenced_by[referenced].add(referencing)
    # a table comes after every table that refers to it
    order = tuple(graphlib.TopologicalSorter(referenced_by).static_order())
    return _Shape(signature, tuple(t for t in order if t != "alembic_version"))


@cache
def _shape(template: str) -> _Shape:
    engine = make_engine(_database_url(template), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return _shape_of(conn)
    finally:
        engine.dispose()


def _emptied(name: str, shape: _Shape) -> bool:
    """Whether ``name`` is at the template's schema, now emptied of every row; False (and left
    as it is) when its schema differs or it cannot be emptied."""
    admin = _postgres_admin()
    with admin.connect() as conn:
        # connections the test left open end, as DROP ... FORCE ends them; an idle one holds no
        # lock, so only one inside a transaction is waited for
        conn.execute(
            text(
                "SELECT CASE WHEN state = 'idle' THEN pg_terminate_backend(pid)"
                " ELSE pg_terminate_backend(pid, 5000) END FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    admin.dispose()
    engine = make_engine(_database_url(name), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            if _shape_of(conn) != shape:
                return False
            for table in shape.deletion_order:
                conn.execute(text(f'DELETE FROM "{table}"'))
        return True
    except DBAPIError:
        return False
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'rarex-test.db'}")
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    with postgres_schema("rarex_test") as schema:
        engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        try:
            upgrade_database(engine)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Engine:
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    result: Engine = request.getfixturevalue(name)
    return result


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def clock() -> FixedClock:
    # A Monday in Beijing, mid-morning: acceptance dates in tests are unambiguous.
    return FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))


# Passwords hashed with argon2id at its cheapest: the tests sign in hundreds of times, and the
# production cost (64 MiB, 3 passes, about 0.13 s here) is tested on its own (tests/auth).
CHEAP_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 1024}


@cache
def _test_settings() -> Settings:
    return Settings(environment="test", database_url="sqlite://", **CHEAP_HASHING)


@pytest.fixture
def settings() -> Settings:
    """A copy per test of settings read once per worker: reading them (the environment, every
    validator) took 5 ms, in two thousand tests."""
    return _test_settings().model_copy()
