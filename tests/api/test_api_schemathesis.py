"""schemathesis against ``/openapi.json``, with the demo's data loaded and a token of every role
(and none): no answer is a 5xx, and every answer conforms to what the document says of it
(status, media type, headers, body schema). Runs on both databases.

Generated path parameters are often swapped for the demo's real keys (applications, licenses,
declarations, users, exporters, series), so the answers checked are not only 404s.
``RAREX_SCHEMATHESIS_EXAMPLES`` sets the examples per operation and database (5 by default, to
keep the suite fast; the issue's note records a longer run). Each database gets examples of its
own (a seed of its own), so the two runs together try ten different ones per operation.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.api.app import create_app
from rarex.clock import AUTHORITY_TZ, FixedClock
from rarex.config import Settings
from rarex.db import make_sessionmaker, session_scope
from rarex.db_engine import make_engine
from rarex.demo import STEPS
from rarex.demo.world import DEMO_END, DEMO_START, DemoWorld
from rarex.models import Company
from rarex.models.screening import ScreeningHit
from rarex.statistics.importer import import_files
from tests.conftest import BACKENDS, SHARED, whole_database

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# 3 in the suite (every operation, as every role, on both databases; the long runs with 250
# are in docs/benchmarks.md)
EXAMPLES = int(os.environ.get("RAREX_SCHEMATHESIS_EXAMPLES", "3"))
SEEDS = {"sqlite": 20251, "postgresql": 20252}  # fixed, so a failure repeats
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ROLES = ("admin", "officer.li", "customs.zhao", "analyst.chen", "eu.liaison", "ganzhou.export")


@dataclass
class Run:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _demo(session: Session, settings: Settings) -> tuple[DemoWorld, dict[str, list[str]]]:
    """The demo's caseload and the shared published statistics, in the test's transaction."""
    clock = FixedClock(datetime.combine(DEMO_START, time(8, 0), tzinfo=AUTHORITY_TZ))
    world = DemoWorld(session=session, clock=clock, settings=settings)
    for _, step in STEPS:
        step(world)
    world.clock.set(DEMO_END)
    data = SHARED / "data"
    files = [
        data / "china-rare-earth-trade.csv",
        data / "china-rare-earth-trade-sources.csv",
    ]
    import_files(
        session, clock=clock, actor=None, files=[(p.name, Path(p).read_bytes()) for p in files]
    )
    session.flush()
    licenses = [n for n in (world.case_license(c) for c in world.cases) if n]
    known = {
        "key": [a.reference for a in world.cases.values()],
        "number": licenses + world.declarations,
        "line_no": ["1", "2"],
        "period": ["2025-05", "2025-07"],
        "series": ["rare_earth_exports_t", "magnet_exports_t", "rare_earths", "magnets"],
        "username": list(world.tokens),
        "uscc": [c.uscc for c in session.scalars(select(Company))],
        "hit_id": [str(h) for h in session.scalars(select(ScreeningHit.id))],
        "reference": [a.reference for a in world.cases.values()],
        "inquiry": [
            world.notes["partner"]["inquiry_answered"],
            world.notes["partner"]["inquiry_waiting"],
        ],
        "priority_list": [world.notes["partner"]["priority_list"]],
        "trusted_party": [world.notes["partner"]["trusted_party"]],
    }
    return world, {name: values for name, values in known.items() if values}


def _check(
    operation: Any, tokens: dict[str, str], known: dict[str, list[str]], run: Run, dialect: str
) -> None:
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    with contextlib.suppress(Exception):  # an operation with nothing to negate has none
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))

    @seed(SEEDS[dialect])
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # a failure is reported, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    # No role (last: Hypothesis favours the first) keeps what was generated, a garbage token
    # included; a role's token replaces any generated Authorization header.
    @given(case=st.one_of(strategies), role=st.sampled_from((*ROLES, None)), data=st.data())
    def check(case: Any, role: str | None, data: Any) -> None:
        for name in list(case.path_parameters or {}):
            if name in known and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(known[name]))
        for name in list(case.query or {}):
            if name in ("series", "period") and data.draw(st.booleans()):
                case.query[name] = data.draw(st.sampled_from(known[name]))
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
        case.headers = {**(case.headers or {}), **headers}
        response = case.call()
        run.requests += 1
        run.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=case.headers)
        except (Exception, BaseExceptionGroup) as exc:  # every failure is collected
            first = str(exc).strip().splitlines()[:6]
            run.failures.append(
                f"{case.method} {case.formatted_path} as {role}: {response.status_code} "
                + " | ".join(first)
            )

    check()


@pytest.fixture(params=BACKENDS)
def fuzzed_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A whole database of its own, which every request commits to as in production: a long
    run (20,000 cases) inside one test transaction would exhaust PostgreSQL's lock table."""
    with whole_database(request.param, tmp_path, name="fuzz", migrated=True) as url:
        yield url


# Untraced by coverage: the fuzzer's own Python is most of its time under the tracer, and every
# route it calls is covered by the API tests.
@pytest.mark.slow
@pytest.mark.no_cover
def test_schemathesis_finds_no_5xx_and_no_answer_off_its_schema(
    fuzzed_database: str, settings: Settings
) -> None:
    engine = make_engine(fuzzed_database)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        world, known = _demo(session, settings)
        dialect = session.get_bind().dialect.name
    app = create_app(settings, session_factory=sessions, clock=world.clock)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    run = Run()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    for operation in operations:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _check(operation, world.tokens, known, run, dialect)
    print(  # noqa: T201 - the counts the note records
        f"\nschemathesis on {dialect}: {len(operations)} operations, "
        f"{run.requests} requests, "
        f"statuses {dict(sorted(run.statuses.items()))}, {len(run.failures)} failures"
    )
    engine.dispose()
    assert not run.failures, "\n".join(run.failures[:40])
    assert not any(status >= 500 for status in run.statuses)
