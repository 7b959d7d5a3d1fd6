"""State Grid stage limits as office settings: store every default setting not yet stored

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NEW_KEYS = {
    "stage_limit_plan_reply_single": 15.0,
    "stage_limit_plan_reply_dual": 30.0,
    "stage_limit_design_review": 10.0,
    "stage_limit_mid_inspection": 5.0,
    "stage_limit_completion_inspection": 5.0,
    "stage_limit_energization": 5.0,
}


def upgrade() -> None:
    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Float))
    stored = {row[0] for row in op.get_bind().execute(sa.select(settings.c.key))}
    op.bulk_insert(settings, [{"key": k, "value": v} for k, v in NEW_KEYS.items() if k not in stored])


def downgrade() -> None:
    keys = ", ".join(f"'{k}'" for k in NEW_KEYS)
    op.execute(f"DELETE FROM settings WHERE key IN ({keys})")
