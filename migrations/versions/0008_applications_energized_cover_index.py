"""covering index on applications for the lead-time reads, in place of ix_applications_energized_on

The lead-time summary, distribution and monthly trend read, for the applications
energized in a window, only resident_served, applied_on and energized_on. With
this index (energized_on first, so it also serves every range or IS NULL test
the single-column index served) SQLite reads them from the index alone instead
of looking up each table row (province demo, 12-month trend: 0.027 s -> 0.018 s;
grouped by day, 0.015 s -> 0.005 s).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_applications_energized_cover", ["energized_on", "resident_served", "applied_on"], unique=False
        )
        batch_op.drop_index("ix_applications_energized_on")


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_energized_on", ["energized_on"], unique=False)
        batch_op.drop_index("ix_applications_energized_cover")
