"""server-side sessions, login throttling, an append-only security event log, password state of users

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NEW_SETTINGS = {
    "session_idle_minutes": 30.0,
    "session_max_hours": 12.0,
    "login_max_failures": 5.0,
    "login_lock_minutes": 15.0,
    "password_max_age_days": 90.0,
}

SQLITE_TRIGGERS = [
    (
        "CREATE TRIGGER security_events_no_update BEFORE UPDATE ON security_events "
        "BEGIN SELECT RAISE(ABORT, 'security_events is append-only'); END"
    ),
    (
        "CREATE TRIGGER security_events_no_delete BEFORE DELETE ON security_events "
        "BEGIN SELECT RAISE(ABORT, 'security_events is append-only'); END"
    ),
]
POSTGRESQL_TRIGGERS = [
    (
        "CREATE FUNCTION security_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'security_events is append-only'; END $$"
    ),
    (
        "CREATE TRIGGER security_events_no_change BEFORE UPDATE OR DELETE ON security_events "
        "FOR EACH ROW EXECUTE FUNCTION security_events_append_only()"
    ),
    (
        "CREATE TRIGGER security_events_no_truncate BEFORE TRUNCATE ON security_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION security_events_append_only()"
    ),
]


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_changed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("created_by", sa.String(length=16), nullable=True))
    op.execute(sa.text("UPDATE users SET password_changed_at = CURRENT_TIMESTAMP"))

    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "end_reason IN ('logout', 'password', 'deactivated', 'role', 'idle', 'expired', 'admin')",
            name=op.f("ck_sessions_end_reason"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index("ix_sessions_user_open", "sessions", ["user_id", "ended_at"], unique=False)

    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )

    op.create_table(
        "security_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
    )
    op.create_index(op.f("ix_security_events_at"), "security_events", ["at"], unique=False)
    op.create_index(op.f("ix_security_events_event"), "security_events", ["event"], unique=False)
    for statement in SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_TRIGGERS:
        op.execute(statement)

    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Float))
    stored = {row[0] for row in op.get_bind().execute(sa.select(settings.c.key))}
    op.bulk_insert(settings, [{"key": k, "value": v} for k, v in NEW_SETTINGS.items() if k not in stored])


def downgrade() -> None:
    keys = ", ".join(f"'{k}'" for k in NEW_SETTINGS)
    op.execute(f"DELETE FROM settings WHERE key IN ({keys})")
    op.drop_table("security_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS security_events_append_only()")
    op.drop_table("login_throttle")
    op.drop_index("ix_sessions_user_open", table_name="sessions")
    op.drop_table("sessions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("created_by")
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("password_changed_at")
