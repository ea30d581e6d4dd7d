"""statistics: published observations and vintages

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rarex.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stat_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("revised", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("imported_at", rarex.db.UTCDateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.CheckConstraint(
            "kind in ('observations', 'sources', 'reported')", name=op.f("ck_stat_imports_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_imports")),
    )
    op.create_table(
        "stat_sources",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["stat_imports.id"], name=op.f("fk_stat_sources_import_id_stat_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_sources")),
    )
    op.create_table(
        "stat_observations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("series", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=3), nullable=False),
        sa.Column("basis", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("value", rarex.db.ExactDecimal(scale=6, precision=24), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("basis in ('month', 'ytd')", name=op.f("ck_stat_observations_basis")),
        sa.CheckConstraint("value >= 0", name=op.f("ck_stat_observations_value_not_negative")),
        sa.CheckConstraint(
            "decimals >= 0 AND decimals <= 6", name=op.f("ck_stat_observations_decimals_range")
        ),
        sa.CheckConstraint("vintage >= 1", name=op.f("ck_stat_observations_vintage_positive")),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["stat_imports.id"],
            name=op.f("fk_stat_observations_import_id_stat_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_observations")),
        sa.UniqueConstraint(
            "series",
            "partner",
            "basis",
            "period",
            "vintage",
            name=op.f("uq_stat_observations_series_partner_basis_period_vintage"),
        ),
    )
    with op.batch_alter_table("stat_observations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stat_observations_series_partner"), ["series", "partner"], unique=False
        )

    op.create_table(
        "stat_reported",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("series", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=3), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("value", rarex.db.ExactDecimal(scale=6, precision=24), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "measure in ('mom_pct', 'yoy_pct', 'ytd_yoy_pct')",
            name=op.f("ck_stat_reported_measure"),
        ),
        sa.CheckConstraint(
            "decimals >= 0 AND decimals <= 6", name=op.f("ck_stat_reported_decimals_range")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"], ["stat_imports.id"], name=op.f("fk_stat_reported_import_id_stat_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_reported")),
        sa.UniqueConstraint(
            "series",
            "partner",
            "period",
            "measure",
            "source",
            name=op.f("uq_stat_reported_series_partner_period_measure_source"),
        ),
    )


def downgrade() -> None:
    op.drop_table("stat_reported")
    with op.batch_alter_table("stat_observations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stat_observations_series_partner"))
    op.drop_table("stat_observations")
    op.drop_table("stat_sources")
    op.drop_table("stat_imports")
