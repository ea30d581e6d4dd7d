"""news in the pages: the audit event up to which each user has seen what changed

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: a user who never marked anything seen sees what changed from the beginning.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("news_seen_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("news_seen_seq")
