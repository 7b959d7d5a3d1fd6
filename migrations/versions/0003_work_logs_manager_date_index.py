"""work_logs index on (manager_id, date, on_site) for the attendance and log KPIs

Attendance and log completeness count, per posting span and week, the distinct
dates with a log in a date range of one manager. Without this covering index
SQLite reads the table row of every log in the window (province demo: about
12 s for attendance over 12 months; with it well under a second).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_logs", schema=None) as batch_op:
        batch_op.create_index("ix_work_logs_manager_date", ["manager_id", "date", "on_site"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_work_logs_manager_date")
