"""The migrations produce exactly the models' schema, and kg values stay exact on both backends."""

from __future__ import annotations

from decimal import Decimal

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, Table, func, select
from sqlalchemy.orm import Session

import rarex.models  # noqa: F401 - registers tables
from rarex.db import Base, ExactDecimal


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


KG = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal("999999999.999"), places=3, allow_nan=False
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(KG, min_size=1, max_size=20))
def test_kilograms_and_their_sum_round_trip_exactly(
    session: Session, values: list[Decimal]
) -> None:
    probe = Table(
        "kg_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("kg", ExactDecimal(scale=3)),
    )
    savepoint = session.begin_nested()
    probe.create(session.connection())
    session.execute(probe.insert(), [{"id": i, "kg": v} for i, v in enumerate(values)])
    stored = session.execute(select(probe.c.kg).order_by(probe.c.id)).scalars().all()
    total = session.execute(select(func.sum(probe.c.kg))).scalar_one()
    savepoint.rollback()
    assert stored == values
    assert all(isinstance(v, Decimal) for v in stored)
    assert total == sum(values, Decimal(0))
