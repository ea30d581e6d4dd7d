"""list versions: the publisher's own date of a list, apart from its retrieval and import

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rarex.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: most formats carry no publication date (OFAC legacy CSV, BIS, the US export
    # CSV, MOFCOM's lists), and versions imported before this revision never read one.
    with op.batch_alter_table("list_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", rarex.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("list_versions", schema=None) as batch_op:
        batch_op.drop_column("published_at")
