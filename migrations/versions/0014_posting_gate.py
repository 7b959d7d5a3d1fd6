"""posting gate: postings.gate_override (the office's reason for an exception) and the setting
posting_gate_from (the first start date the gate applies to), stored as the day this runs

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gate_override", sa.Text(), nullable=True))

    # The gate applies from the day it is installed: postings that started earlier are history.
    from data_access.clock import today
    from data_access.settings import date_number

    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Float))
    stored = {row[0] for row in op.get_bind().execute(sa.select(settings.c.key))}
    if "posting_gate_from" not in stored:
        op.bulk_insert(settings, [{"key": "posting_gate_from", "value": date_number(today())}])


def downgrade() -> None:
    op.execute("DELETE FROM settings WHERE key = 'posting_gate_from'")
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_column("gate_override")
