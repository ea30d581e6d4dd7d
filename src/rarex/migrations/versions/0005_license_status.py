"""licenses: expired is derived from the validity date, never stored

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nothing wrote 'expired'; a row that says so is a license past its date, and reads as
    # expired again from its validity. It goes back to what its balance says it is.
    op.execute(
        sa.text(
            "UPDATE licenses SET status = CASE WHEN license_type = 'single' AND NOT EXISTS "
            "(SELECT 1 FROM license_lines WHERE license_lines.license_id = licenses.id "
            "AND license_lines.remaining_kg > 0) THEN 'exhausted' ELSE 'active' END "
            "WHERE status = 'expired'"
        )
    )
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_licenses_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_licenses_status"), "status in ('active', 'exhausted', 'suspended', 'revoked')"
        )


def downgrade() -> None:
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_licenses_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_licenses_status"),
            "status in ('active', 'exhausted', 'expired', 'suspended', 'revoked')",
        )
