"""outage plans: the planned outage windows negotiated with a posted customer (date, hours, scope,
status planned/agreed/done/cancelled), entered by its resident manager or the office

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outage_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="planned", nullable=False),
        sa.Column("entered_by", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=True),
        sa.CheckConstraint("status IN ('planned', 'agreed', 'done', 'cancelled')", name=op.f("ck_outage_plans_status")),
        sa.CheckConstraint("hours > 0 AND hours <= 72", name=op.f("ck_outage_plans_hours")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_outage_plans_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outage_plans")),
    )
    with op.batch_alter_table("outage_plans", schema=None) as batch_op:
        batch_op.create_index("ix_outage_plans_customer_day", ["customer_id", "planned_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_outage_plans_planned_on"), ["planned_on"], unique=False)


def downgrade() -> None:
    op.drop_table("outage_plans")
