"""partner channel

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 16:30:03.017999
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rarex.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "priority_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("partner_key", sa.String(length=400), nullable=False),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=False),
        sa.Column("submitted_at", rarex.db.UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_priority_requests_submitted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priority_requests")),
        sa.UniqueConstraint("number", name=op.f("uq_priority_requests_number")),
    )
    with op.batch_alter_table("priority_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_priority_requests_partner_key"), ["partner_key"], unique=False
        )

    op.create_table(
        "trusted_parties",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("partner_key", sa.String(length=400), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_zh", sa.String(length=300), nullable=True),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("identifiers", sa.JSON(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("proposed_by_id", sa.Uuid(), nullable=False),
        sa.Column("proposed_at", rarex.db.UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", rarex.db.UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("withdrawn_by_id", sa.Uuid(), nullable=True),
        sa.Column("withdrawn_at", rarex.db.UTCDateTime(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected', 'withdrawn')",
            name=op.f("ck_trusted_parties_status"),
        ),
        sa.CheckConstraint("length(country) = 2", name=op.f("ck_trusted_parties_country_alpha2")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_trusted_parties_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_trusted_parties_proposed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["users.id"], name=op.f("fk_trusted_parties_withdrawn_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_parties")),
        sa.UniqueConstraint("number", name=op.f("uq_trusted_parties_number")),
    )
    with op.batch_alter_table("trusted_parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trusted_parties_country"), ["country"], unique=False)
        batch_op.create_index(batch_op.f("ix_trusted_parties_name_key"), ["name_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trusted_parties_partner_key"), ["partner_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trusted_parties_status"), ["status"], unique=False)

    op.create_table(
        "inquiries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("partner_key", sa.String(length=400), nullable=False),
        sa.Column("opened_by_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("opened_at", rarex.db.UTCDateTime(), nullable=False),
        sa.Column("awaiting_since", rarex.db.UTCDateTime(), nullable=True),
        sa.Column("closed_at", rarex.db.UTCDateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "state IN ('awaiting_authority', 'awaiting_partner', 'closed')",
            name=op.f("ck_inquiries_state"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_inquiries_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_inquiries_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_inquiries_opened_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiries")),
        sa.UniqueConstraint("number", name=op.f("uq_inquiries_number")),
    )
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inquiries_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inquiries_partner_key"), ["partner_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_inquiries_state"), ["state"], unique=False)

    op.create_table(
        "priority_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", rarex.db.UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined')", name=op.f("ck_priority_items_status")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_priority_items_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_priority_items_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["priority_requests.id"],
            name=op.f("fk_priority_items_request_id_priority_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priority_items")),
        sa.UniqueConstraint(
            "request_id", "application_id", name=op.f("uq_priority_items_request_id_application_id")
        ),
    )
    with op.batch_alter_table("priority_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_priority_items_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_priority_items_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_priority_items_status"), ["status"], unique=False)

    op.create_table(
        "inquiry_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inquiry_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=12), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", rarex.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "side IN ('partner', 'authority')", name=op.f("ck_inquiry_messages_side")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_inquiry_messages_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["inquiry_id"], ["inquiries.id"], name=op.f("fk_inquiry_messages_inquiry_id_inquiries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_messages")),
        sa.UniqueConstraint("inquiry_id", "seq", name=op.f("uq_inquiry_messages_inquiry_id_seq")),
    )
    with op.batch_alter_table("inquiry_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inquiry_messages_inquiry_id"), ["inquiry_id"], unique=False
        )

    with op.batch_alter_table("foreign_parties", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("identifiers", sa.JSON(), server_default="[]", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("foreign_parties", schema=None) as batch_op:
        batch_op.drop_column("identifiers")

    with op.batch_alter_table("inquiry_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_messages_inquiry_id"))

    op.drop_table("inquiry_messages")
    with op.batch_alter_table("priority_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_priority_items_status"))
        batch_op.drop_index(batch_op.f("ix_priority_items_request_id"))
        batch_op.drop_index(batch_op.f("ix_priority_items_application_id"))

    op.drop_table("priority_items")
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiries_state"))
        batch_op.drop_index(batch_op.f("ix_inquiries_partner_key"))
        batch_op.drop_index(batch_op.f("ix_inquiries_application_id"))

    op.drop_table("inquiries")
    with op.batch_alter_table("trusted_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trusted_parties_status"))
        batch_op.drop_index(batch_op.f("ix_trusted_parties_partner_key"))
        batch_op.drop_index(batch_op.f("ix_trusted_parties_name_key"))
        batch_op.drop_index(batch_op.f("ix_trusted_parties_country"))

    op.drop_table("trusted_parties")
    with op.batch_alter_table("priority_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_priority_requests_partner_key"))

    op.drop_table("priority_requests")
