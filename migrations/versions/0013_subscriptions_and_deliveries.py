"""subscriptions and deliveries: the weekly brief and alerts by email or group webhook; users.email

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NEW_SETTINGS = {
    "alert_problem_open_days": 14.0,
    "alert_call_unanswered_minutes": 60.0,
    "notify_max_attempts": 5.0,
}


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("webhook", sa.String(length=32), nullable=True),
        sa.Column("rules", sa.String(length=400), server_default="", nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("weekday", sa.Integer(), server_default="0", nullable=False),
        sa.Column("send_time", sa.String(length=5), server_default="08:00", nullable=False),
        sa.Column("scope_kind", sa.String(length=8), server_default="all", nullable=False),
        sa.Column("scope_value", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=2), server_default="zh", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=True),
        sa.CheckConstraint("kind IN ('brief', 'alerts')", name=op.f("ck_subscriptions_kind")),
        sa.CheckConstraint("channel IN ('email', 'webhook')", name=op.f("ck_subscriptions_channel")),
        sa.CheckConstraint("frequency IN ('weekly', 'daily', 'each_run')", name=op.f("ck_subscriptions_frequency")),
        sa.CheckConstraint("scope_kind IN ('all', 'town', 'team', 'self')", name=op.f("ck_subscriptions_scope_kind")),
        sa.CheckConstraint("language IN ('zh', 'en')", name=op.f("ck_subscriptions_language")),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name=op.f("ck_subscriptions_weekday_range")),
        sa.CheckConstraint("channel <> 'webhook' OR webhook IS NOT NULL", name=op.f("ck_subscriptions_webhook_named")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_subscriptions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index(op.f("ix_subscriptions_user_id"), "subscriptions", ["user_id"], unique=False)

    op.create_table(
        "delivery_files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_delivery_files")),
    )

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("slot", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("items", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'abandoned')", name=op.f("ck_deliveries_status")
        ),
        sa.ForeignKeyConstraint(
            ["file_sha256"], ["delivery_files.sha256"], name=op.f("fk_deliveries_file_sha256_delivery_files")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_deliveries_subscription_id_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("subscription_id", "slot", name=op.f("uq_deliveries_subscription_id_slot")),
    )
    op.create_index(op.f("ix_deliveries_created_at"), "deliveries", ["created_at"], unique=False)
    op.create_index("ix_deliveries_status_created", "deliveries", ["status", "created_at"], unique=False)

    op.create_table(
        "delivery_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=24), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("period", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_items_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_delivery_items_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_items")),
        sa.UniqueConstraint(
            "subscription_id",
            "rule",
            "subject",
            "period",
            name=op.f("uq_delivery_items_subscription_id_rule_subject_period"),
        ),
    )
    op.create_index(op.f("ix_delivery_items_delivery_id"), "delivery_items", ["delivery_id"], unique=False)

    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Float))
    stored = {row[0] for row in op.get_bind().execute(sa.select(settings.c.key))}
    op.bulk_insert(settings, [{"key": k, "value": v} for k, v in NEW_SETTINGS.items() if k not in stored])


def downgrade() -> None:
    keys = ", ".join(f"'{k}'" for k in NEW_SETTINGS)
    op.execute(f"DELETE FROM settings WHERE key IN ({keys})")
    op.drop_table("delivery_items")
    op.drop_table("deliveries")
    op.drop_table("delivery_files")
    op.drop_table("subscriptions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
