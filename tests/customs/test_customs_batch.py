"""The clearing engine on files large enough to be cut into chunks (and, on PostgreSQL, written
by COPY): balances carried from one declaration to the next inside a chunk and across chunks,
one audit event per chunk that names every declaration, and a concurrent clash refusing the
chunk instead of half-recording it."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.audit.service import verify
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import bulk, posting_store, tabular
from rarex.errors import ConcurrentChange
from rarex.models import AuditEvent
from rarex.models.customs import (
    Declaration,
    DeclarationLine,
    ExportAggregate,
    LicenseDrawdown,
)
from tests.customs.customs_factories import Licensed, next_number
from tests.customs.test_customs_import import remaining, row, write_csv


def _file(setup: Licensed, declarations: int, *, kg: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for _ in range(declarations):
        number = next_number()
        rows.append(row(setup, number, line_no="1", net_kg=kg))
        rows.append(row(setup, number, line_no="2", net_kg=kg, hs_code="2805301200"))
    return rows


def _import(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, path: Path
) -> bulk.ImportReport:
    return bulk.import_declarations(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        source=path.name,
        parsed=tabular.declarations(tabular.read_rows(path, tabular.ImportLimits.of(settings))),
        chunk=250,
    )


def test_a_file_in_several_chunks_draws_each_declaration_from_the_balance_the_last_one_left(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    before = remaining(session, setup)
    cleared = 260  # two chunks: 250 declarations (500 lines, written by COPY on PostgreSQL) + 10
    rows = _file(setup, cleared, kg="0.5")
    over = next_number()
    rows.append(row(setup, over, net_kg=str(before)))  # more than what the 260 leave
    path = write_csv(tmp_path / "big.csv", rows)
    events_before = session.scalar(select(func.count(AuditEvent.seq))) or 0

    report = _import(session, clock, settings, setup, path)

    assert report.errors == []
    assert report.recorded == cleared + 1
    assert report.outcomes["cleared"] == cleared
    drawn = Decimal(cleared)  # 2 lines x 0.5 kg each
    assert remaining(session, setup) == before - drawn
    refused = session.scalars(select(Declaration).where(Declaration.number == over)).one()
    assert refused.status != "cleared"
    lines = session.scalars(
        select(DeclarationLine).where(DeclarationLine.declaration_id == refused.id)
    ).one()
    assert any(r["code"] == "customs.quantity_exceeded" for r in lines.reasons)
    assert session.scalar(select(func.sum(LicenseDrawdown.kg))) == drawn
    assert session.scalar(select(func.sum(ExportAggregate.net_kg))) == drawn
    # One event per chunk, each naming every declaration it recorded, and the chain holds.
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.seq > events_before).order_by(AuditEvent.seq)
    ).all()
    assert [e.action for e in events] == ["customs.declarations_imported"] * 2
    numbers = [d[0] for e in events for d in json.loads(e.payload_json)["declarations"]]
    assert len(numbers) == cleared + 1
    assert over in numbers
    assert verify(session).ok


def test_a_declaration_number_written_meanwhile_never_lands_twice(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, tmp_path: Path
) -> None:
    """COPY (PostgreSQL, large chunks) and the skipping insert alike refuse the whole batch
    with the one race error, and nothing of it is written."""
    path = write_csv(tmp_path / "first.csv", _file(setup, 210, kg="0.1"))
    _import(session, clock, settings, setup, path)
    stored = session.scalars(select(Declaration).limit(210)).all()
    rows = [
        {
            column.name: getattr(d, column.key)
            for column in Declaration.__table__.columns  # type: ignore[attr-defined]
        }
        | {"id": uuid.uuid4()}
        for d in stored
    ]
    count = session.scalar(select(func.count(Declaration.id)))
    with pytest.raises(ConcurrentChange) as refused, session.begin_nested():
        posting_store.insert_declarations(session, rows)
    assert refused.value.code == "db.conflict"
    assert session.scalar(select(func.count(Declaration.id))) == count
