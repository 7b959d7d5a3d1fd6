"""the small-sample threshold as an office setting (default 30): stored like every other default

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

NEW_KEYS = {"min_sample_size": 30.0}


def upgrade() -> None:
    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Float))
    stored = {row[0] for row in op.get_bind().execute(sa.select(settings.c.key))}
    op.bulk_insert(settings, [{"key": k, "value": v} for k, v in NEW_KEYS.items() if k not in stored])


def downgrade() -> None:
    keys = ", ".join(f"'{k}'" for k in NEW_KEYS)
    op.execute(f"DELETE FROM settings WHERE key IN ({keys})")
