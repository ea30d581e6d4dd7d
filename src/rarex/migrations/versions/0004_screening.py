"""screening: watch list versions, listed entries, hits, dismissals

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rarex.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "list_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("retrieved_at", rarex.db.UTCDateTime(), nullable=False),
        sa.Column("imported_at", rarex.db.UTCDateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("entities", sa.Integer(), nullable=False),
        sa.Column("names", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_versions")),
        sa.UniqueConstraint(
            "source", "content_hash", name=op.f("uq_list_versions_source_content_hash")
        ),
    )
    with op.batch_alter_table("list_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_versions_source"), ["source"], unique=False)
        batch_op.create_index(
            "uq_list_versions_active_source",
            ["source"],
            unique=True,
            postgresql_where=sa.text("active"),
            sqlite_where=sa.text("active"),
        )

    op.create_table(
        "listed_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("list_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("primary_name", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["list_versions.id"],
            name=op.f("fk_listed_entries_version_id_list_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listed_entries")),
        sa.UniqueConstraint(
            "version_id", "entity_id", name=op.f("uq_listed_entries_version_id_entity_id")
        ),
    )
    with op.batch_alter_table("listed_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listed_entries_entity_id"), ["entity_id"], unique=False
        )

    op.create_table(
        "screening_hits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("party_role", sa.String(length=16), nullable=False),
        sa.Column("party_name", sa.Text(), nullable=False),
        sa.Column("party_country", sa.String(length=2), nullable=True),
        sa.Column("party_key", sa.String(length=400), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("list_name", sa.String(length=200), nullable=False),
        sa.Column("listed_name", sa.Text(), nullable=False),
        sa.Column("announcement", sa.String(length=200), nullable=True),
        sa.Column("in_force", sa.Boolean(), nullable=False),
        sa.Column("screened_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("trigger", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("raised_at", rarex.db.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", rarex.db.UTCDateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "party_role in ('applicant', 'consignee', 'end_user')",
            name=op.f("ck_screening_hits_party_role"),
        ),
        sa.CheckConstraint(
            "status in ('open', 'confirmed', 'dismissed')", name=op.f("ck_screening_hits_status")
        ),
        sa.CheckConstraint("score >= 0 AND score <= 1", name=op.f("ck_screening_hits_score_range")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_screening_hits_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_screening_hits_resolved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["list_versions.id"],
            name=op.f("fk_screening_hits_version_id_list_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_hits")),
        sa.UniqueConstraint(
            "application_id",
            "party_role",
            "party_key",
            "entity_id",
            "entry_hash",
            name="uq_screening_hits_party_entry",
        ),
    )
    with op.batch_alter_table("screening_hits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_hits_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_screening_hits_entity_id"), ["entity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_screening_hits_status"), ["status"], unique=False)

    op.create_table(
        "hit_dismissals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("party_key", sa.String(length=400), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("dismissed_by_id", sa.Uuid(), nullable=False),
        sa.Column("dismissed_at", rarex.db.UTCDateTime(), nullable=False),
        sa.Column("hit_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dismissed_by_id"], ["users.id"], name=op.f("fk_hit_dismissals_dismissed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hit_id"], ["screening_hits.id"], name=op.f("fk_hit_dismissals_hit_id_screening_hits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hit_dismissals")),
        sa.UniqueConstraint(
            "party_key",
            "entity_id",
            "entry_hash",
            name=op.f("uq_hit_dismissals_party_key_entity_id_entry_hash"),
        ),
    )


def downgrade() -> None:
    op.drop_table("hit_dismissals")
    with op.batch_alter_table("screening_hits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_hits_status"))
        batch_op.drop_index(batch_op.f("ix_screening_hits_entity_id"))
        batch_op.drop_index(batch_op.f("ix_screening_hits_application_id"))

    op.drop_table("screening_hits")
    with op.batch_alter_table("listed_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listed_entries_entity_id"))

    op.drop_table("listed_entries")
    with op.batch_alter_table("list_versions", schema=None) as batch_op:
        batch_op.drop_index("uq_list_versions_active_source")
        batch_op.drop_index(batch_op.f("ix_list_versions_source"))

    op.drop_table("list_versions")
