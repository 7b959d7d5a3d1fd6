"""needs cases (need_cases, need_case_months), documents (attachment_blobs, attachments), unit_reports;
the attachment_max_mb setting

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

NEW_SETTINGS = {"attachment_max_mb": 20.0}
OPEN = "status IN ('new', 'confirmed', 'proposed')"


def _versioned() -> list:
    return [
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "need_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("last_month", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="new", nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("dismissed_on", sa.Date(), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.Column("proposed_on", sa.Date(), nullable=True),
        sa.Column("proposal", sa.String(length=12), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("yuan_saved_per_year", sa.Float(), nullable=True),
        sa.Column("kwh_traded", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        *_versioned(),
        sa.CheckConstraint(
            "rule IN ('capacity_increase', 'basic_charge_adjustment', 'direct_trading', 'surge')",
            name=op.f("ck_need_cases_rule"),
        ),
        sa.CheckConstraint(
            "status IN ('new', 'confirmed', 'dismissed', 'proposed', 'done', 'declined')",
            name=op.f("ck_need_cases_status"),
        ),
        sa.CheckConstraint(
            "proposal IS NULL OR proposal IN ('increase', 'tariff_mode', 'trading')",
            name=op.f("ck_need_cases_proposal"),
        ),
        sa.CheckConstraint(
            "yuan_saved_per_year IS NULL OR yuan_saved_per_year >= 0", name=op.f("ck_need_cases_yuan_nonneg")
        ),
        sa.CheckConstraint("kwh_traded IS NULL OR kwh_traded >= 0", name=op.f("ck_need_cases_kwh_nonneg")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_need_cases_application_id_applications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_need_cases_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_cases")),
    )
    op.create_index(
        "uq_need_cases_open",
        "need_cases",
        ["customer_id", "rule"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_index("ix_need_cases_status", "need_cases", ["status", "opened_on"], unique=False)

    op.create_table(
        "need_case_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["need_cases.id"], name=op.f("fk_need_case_months_case_id_need_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_case_months")),
        sa.UniqueConstraint("case_id", "month", name=op.f("uq_need_case_months_case_id_month")),
    )

    op.create_table(
        "unit_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        *_versioned(),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_unit_reports_period_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_reports")),
    )
    op.create_index(op.f("ix_unit_reports_period_end"), "unit_reports", ["period_end"], unique=False)

    op.create_table(
        "attachment_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_attachment_blobs")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("file_type", sa.String(length=8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "record_kind IN ('work_logs', 'applications', 'meetings', 'need_cases', 'unit_reports')",
            name=op.f("ck_attachments_record_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["attachment_blobs.sha256"], name=op.f("fk_attachments_sha256_attachment_blobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index("ix_attachments_record", "attachments", ["record_kind", "record_id"], unique=False)
    op.create_index(op.f("ix_attachments_sha256"), "attachments", ["sha256"], unique=False)

    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Float))
    stored = {row[0] for row in op.get_bind().execute(sa.select(settings.c.key))}
    op.bulk_insert(settings, [{"key": k, "value": v} for k, v in NEW_SETTINGS.items() if k not in stored])


def downgrade() -> None:
    op.execute("DELETE FROM settings WHERE key = 'attachment_max_mb'")
    op.drop_index(op.f("ix_attachments_sha256"), table_name="attachments")
    op.drop_index("ix_attachments_record", table_name="attachments")
    op.drop_table("attachments")
    op.drop_table("attachment_blobs")
    op.drop_index(op.f("ix_unit_reports_period_end"), table_name="unit_reports")
    op.drop_table("unit_reports")
    op.drop_table("need_case_months")
    op.drop_index("ix_need_cases_status", table_name="need_cases")
    op.drop_index("uq_need_cases_open", table_name="need_cases")
    op.drop_table("need_cases")
