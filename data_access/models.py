"""Typed ORM models for every table of the data contract.

Surrogate integer ids join the fact tables; the contract's natural keys
(employee_no, account_no, ...) are unique columns. Editable rows carry a
`version` used for optimistic locking (see data_access.writes).
"""

from __future__ import annotations

import datetime as dt
from itertools import combinations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SPECIALTIES = (
    "hv_operation",
    "hv_fault",
    "lv_fault",
    "equipment_om",
    "tariff_billing",
    "energy_efficiency",
    "safety_assessment",
    "training",
)
TRAINING_KINDS = ("skill", "other")
MARKET_STATUSES = ("agency", "retail", "direct")
BILLING_MODES = ("capacity", "demand", "single")
LOG_STATUSES = ("open", "in_progress", "done")
CALL_MODES = ("onsite", "remote")
APPLICATION_KINDS = ("new", "increase")
SUPPLY_KINDS = ("single", "dual")
ROLES = ("leader", "office", "manager")
OUTAGE_STATUSES = ("planned", "agreed", "done", "cancelled")
# Stage dates of a connection application, in process order.
APPLICATION_STAGES = (
    "applied_on",
    "surveyed_on",
    "plan_replied_on",
    "design_reviewed_on",
    "mid_inspected_on",
    "completion_inspected_on",
    "energized_on",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Versioned:
    """Editable rows: `version` increments on every update."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    updated_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime, server_default=func.current_timestamp(), onupdate=func.current_timestamp()
    )


class Manager(Versioned, Base):
    __tablename__ = "managers"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    team: Mapped[str | None] = mapped_column(String(64), index=True)


class Training(Versioned, Base):
    __tablename__ = "training"
    __table_args__ = (
        UniqueConstraint("manager_id", "date", "kind", "topic"),
        CheckConstraint("hours > 0 AND hours <= 12", name="hours_range"),
        CheckConstraint(_in("kind", TRAINING_KINDS), name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("managers.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(8))
    # '' rather than NULL so that the unique key treats blank topics as equal.
    topic: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Assessment(Versioned, Base):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("manager_id", "date"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("managers.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)


class Customer(Versioned, Base):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("voltage_kv > 0", name="voltage_positive"),
        CheckConstraint("capacity_kva > 0", name="capacity_positive"),
        CheckConstraint("annual_kwh IS NULL OR annual_kwh >= 0", name="annual_kwh_nonneg"),
        CheckConstraint("star_rating >= 0 AND star_rating <= 5", name="star_range"),
        CheckConstraint(_in("market_status", MARKET_STATUSES), name="market_status"),
        CheckConstraint(_in("billing_mode", BILLING_MODES), name="billing_mode"),
        # Segment counts per town read the index alone, in town order (migration 0007).
        Index(
            "ix_customers_segments",
            "town",
            "star_rating",
            "churn_risk",
            "voltage_kv",
            "annual_kwh",
            "market_status",
            "industry",
            "potential_reason",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(64))
    town: Mapped[str | None] = mapped_column(String(64), index=True)
    voltage_kv: Mapped[float] = mapped_column(Float)
    capacity_kva: Mapped[float] = mapped_column(Float)
    annual_kwh: Mapped[float | None] = mapped_column(Float)
    star_rating: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    potential_reason: Mapped[str | None] = mapped_column(String(200))
    churn_risk: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    market_status: Mapped[str] = mapped_column(String(8), default="agency", server_default="agency")
    billing_mode: Mapped[str] = mapped_column(String(8))


class Posting(Versioned, Base):
    __tablename__ = "postings"
    __table_args__ = (
        UniqueConstraint("manager_id", "customer_id", "start_date"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        Index("ix_postings_customer_dates", "customer_id", "start_date", "end_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("managers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    handover_note: Mapped[str | None] = mapped_column(Text)
    # The office's reason for posting a manager who does not meet the posting gate (data_access.gate).
    gate_override: Mapped[str | None] = mapped_column(Text)


class OutagePlan(Versioned, Base):
    """A planned outage window negotiated with a posted customer (program rule 18): entered by the
    customer's resident manager or the office (data_access.outages)."""

    __tablename__ = "outage_plans"
    __table_args__ = (
        CheckConstraint(_in("status", OUTAGE_STATUSES), name="status"),
        CheckConstraint("hours > 0 AND hours <= 72", name="hours"),
        Index("ix_outage_plans_customer_day", "customer_id", "planned_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    planned_on: Mapped[dt.date] = mapped_column(Date, index=True)
    hours: Mapped[float] = mapped_column(Float)
    scope: Mapped[str] = mapped_column(String(200))  # what is switched off (lines, transformers)
    status: Mapped[str] = mapped_column(String(10), default="planned", server_default="planned")
    entered_by: Mapped[str | None] = mapped_column(String(64))


class WorkLog(Versioned, Base):
    __tablename__ = "work_logs"
    __table_args__ = (
        UniqueConstraint("manager_id", "customer_id", "date"),
        CheckConstraint("hours IS NULL OR (hours >= 0 AND hours <= 24)", name="hours_range"),
        CheckConstraint(_in("status", LOG_STATUSES), name="status"),
        Index("ix_work_logs_date_manager", "date", "manager_id"),
        # Range scans per manager and period (attendance, log completeness; migration 0003).
        Index("ix_work_logs_manager_date", "manager_id", "date", "on_site"),
        # Logs with problems only (a few percent): problem closure, open problems (migration 0004).
        Index(
            "ix_work_logs_problems",
            "date",
            "manager_id",
            "status",
            sqlite_where=text("problems IS NOT NULL"),
            postgresql_where=text("problems IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("managers.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    on_site: Mapped[bool] = mapped_column(Boolean)
    hours: Mapped[float | None] = mapped_column(Float)
    content: Mapped[str] = mapped_column(Text)
    problems: Mapped[str | None] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))


class MonthlyPlan(Versioned, Base):
    __tablename__ = "monthly_plans"
    __table_args__ = (UniqueConstraint("manager_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("managers.id", ondelete="CASCADE"))
    # First day of the plan's month (the contract's YYYY-MM).
    month: Mapped[dt.date] = mapped_column(Date, index=True)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    content: Mapped[str | None] = mapped_column(Text)


class Expert(Versioned, Base):
    __tablename__ = "experts"
    __table_args__ = (CheckConstraint(_in("specialty", SPECIALTIES), name="specialty"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    expert_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    specialty: Mapped[str] = mapped_column(String(24), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class ExpertCall(Versioned, Base):
    __tablename__ = "expert_calls"
    __table_args__ = (
        CheckConstraint(_in("mode", CALL_MODES), name="mode"),
        CheckConstraint("responded_at IS NULL OR responded_at >= requested_at", name="responded_after"),
        CheckConstraint("closed_at IS NULL OR closed_at >= requested_at", name="closed_after"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_nonneg"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    call_no: Mapped[str] = mapped_column(String(32), unique=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("managers.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    mode: Mapped[str] = mapped_column(String(8))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    hours: Mapped[float | None] = mapped_column(Float)
    summary: Mapped[str | None] = mapped_column(Text)


def _stage_order_checks() -> list[CheckConstraint]:
    """Stage dates, where given, never go backwards (every ordered pair)."""
    checks = []
    for i, j in combinations(range(len(APPLICATION_STAGES)), 2):
        early, late = APPLICATION_STAGES[i], APPLICATION_STAGES[j]
        checks.append(
            CheckConstraint(
                f"{early} IS NULL OR {late} IS NULL OR {late} >= {early}",
                name=f"order_{i}{j}",
            )
        )
    return checks


class Application(Versioned, Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(_in("kind", APPLICATION_KINDS), name="kind"),
        CheckConstraint(_in("supply", SUPPLY_KINDS), name="supply"),
        CheckConstraint("capacity_kva > 0", name="capacity_positive"),
        *_stage_order_checks(),
        # Lead-time summaries, distribution and trend read the applications energized in a window
        # from this index alone (migration 0008).
        Index("ix_applications_energized_cover", "energized_on", "resident_served", "applied_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    app_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    capacity_kva: Mapped[float] = mapped_column(Float)
    supply: Mapped[str] = mapped_column(String(8), default="single", server_default="single")
    resident_served: Mapped[bool] = mapped_column(Boolean)
    applied_on: Mapped[dt.date] = mapped_column(Date)
    surveyed_on: Mapped[dt.date | None] = mapped_column(Date)
    plan_replied_on: Mapped[dt.date | None] = mapped_column(Date)
    design_reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    mid_inspected_on: Mapped[dt.date | None] = mapped_column(Date)
    completion_inspected_on: Mapped[dt.date | None] = mapped_column(Date)
    energized_on: Mapped[dt.date | None] = mapped_column(Date)


class Consumption(Versioned, Base):
    __tablename__ = "consumption"
    __table_args__ = (
        UniqueConstraint("customer_id", "month"),
        CheckConstraint("kwh >= 0", name="kwh_nonneg"),
        CheckConstraint("max_demand_kw IS NULL OR max_demand_kw >= 0", name="demand_nonneg"),
        Index("ix_consumption_month_customer", "month", "customer_id"),
        # Needs screening reads each customer's months from this index alone (migration 0005).
        Index("ix_consumption_customer_values", "customer_id", "month", "kwh", "max_demand_kw"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month
    kwh: Mapped[float] = mapped_column(Float)
    max_demand_kw: Mapped[float | None] = mapped_column(Float)


class User(Versioned, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("role <> 'manager' OR manager_id IS NOT NULL", name="manager_link"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(8))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("managers.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # When the password was last set (its age drives the periodic change); NULL for accounts the
    # demo made, which keep their published demo password.
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Set when the office (screen or CLI) sets a password: the user must choose their own at login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_by: Mapped[str | None] = mapped_column(String(16))  # demo / office / cli
    # Where subscriptions by email go (data_access.admin.set_email validates it); NULL = none.
    email: Mapped[str | None] = mapped_column(String(254))


SESSION_END_REASONS = ("logout", "password", "deactivated", "role", "idle", "expired", "admin")


class UserSession(Base):
    """A login: the browser's cookie carries a random token whose SHA-256 is this row's id.

    Every script run reads its row (one primary-key lookup); ending it here logs that browser
    out in every app process that shares the database.
    """

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(_in("end_reason", SESSION_END_REASONS), name="end_reason"),
        Index("ix_sessions_user_open", "user_id", "ended_at"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)  # the absolute lifetime's end
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))
    client: Mapped[str | None] = mapped_column(String(64))


class LoginThrottle(Base):
    """Consecutive failed logins per username ("user:NAME") and per client ("client:ADDRESS").

    Unknown usernames get rows too, so a lock never tells whether an account exists.
    """

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[dt.datetime] = mapped_column(DateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SecurityEvent(Base):
    """Append-only log of logins, failures, locks, session ends, password and account changes.

    Database triggers (migration 0009) refuse UPDATE and DELETE on this table.
    """

    __tablename__ = "security_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    event: Mapped[str] = mapped_column(String(24), index=True)
    username: Mapped[str | None] = mapped_column(String(64))  # the account concerned (as typed, for failures)
    actor: Mapped[str | None] = mapped_column(String(64))  # who did it, when not the user themself
    client: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON


class Setting(Versioned, Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class CalendarOverride(Versioned, Base):
    __tablename__ = "calendar_overrides"
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(200))


class OfficeCalendarDay(Versioned, Base):
    """A day of a year's arrangement loaded by the office (the `calendar` sheet).

    A year with any row here is covered by the office: its listed days are as
    listed, unlisted weekdays are workdays and unlisted weekends are not.
    """

    __tablename__ = "calendar"
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, unique=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str | None] = mapped_column(String(64))


class CalendarDay(Base):
    """Derived from chinese-calendar, the office's arrangements and overrides; rebuilt by data_access.calendar."""

    __tablename__ = "calendar_days"
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    # Number of workdays from the table's first day up to and including this one:
    # workdays in [a, b] = seq(b) - seq(a) + is_workday(a).
    workday_seq: Mapped[int] = mapped_column(Integer)
    week_start: Mapped[dt.date] = mapped_column(Date, index=True)  # the ISO week's Monday
    month_start: Mapped[dt.date] = mapped_column(Date, index=True)
    # True where neither chinese-calendar, the office's arrangement nor an override decides the day
    # and Monday-Friday was assumed.
    fallback: Mapped[bool] = mapped_column(Boolean)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.current_timestamp(), index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # insert / update / delete
    table_name: Mapped[str] = mapped_column(String(32), index=True)
    row_key: Mapped[str] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON
    source: Mapped[str] = mapped_column(String(16), default="form", server_default="form")  # form / bulk / import / cli


ACTION_STATUSES = ("open", "done")


class Meeting(Versioned, Base):
    """A joint meeting 联席会议: who came and what was decided."""

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))


class ActionItem(Versioned, Base):
    """An action item of a meeting; shown on every later agenda until closed."""

    __tablename__ = "action_items"
    __table_args__ = (
        CheckConstraint(_in("status", ACTION_STATUSES), name="status"),
        CheckConstraint("closed_on IS NULL OR status = 'done'", name="closed_means_done"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open", server_default="open")
    closed_on: Mapped[dt.date | None] = mapped_column(Date)


# ---------------------------------------------------------------- subscriptions and deliveries

SUBSCRIPTION_KINDS = ("brief", "alerts")
CHANNELS = ("email", "webhook")
FREQUENCIES = ("weekly", "daily", "each_run")
SCOPE_KINDS = ("all", "town", "team", "self")
LANGUAGES = ("zh", "en")
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "abandoned")


class Subscription(Versioned, Base):
    """Who gets what, where and when: a weekly brief or alerts, by email to the owner or to a group
    webhook (a name whose URL lives in the environment, never here). See data_access.subscriptions."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(_in("kind", SUBSCRIPTION_KINDS), name="kind"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("frequency", FREQUENCIES), name="frequency"),
        CheckConstraint(_in("scope_kind", SCOPE_KINDS), name="scope_kind"),
        CheckConstraint(_in("language", LANGUAGES), name="language"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("channel <> 'webhook' OR webhook IS NOT NULL", name="webhook_named"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(8))
    webhook: Mapped[str | None] = mapped_column(String(32))  # the name of DASHBOARD_WEBHOOK_<NAME>
    rules: Mapped[str] = mapped_column(String(400), default="", server_default="")  # alert rule codes, comma-separated
    frequency: Mapped[str] = mapped_column(String(8))
    weekday: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 0 = Monday
    send_time: Mapped[str] = mapped_column(String(5), default="08:00", server_default="08:00")  # HH:MM
    scope_kind: Mapped[str] = mapped_column(String(8), default="all", server_default="all")
    scope_value: Mapped[str | None] = mapped_column(String(64))  # the town or team
    language: Mapped[str] = mapped_column(String(2), default="zh", server_default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class DeliveryFile(Base):
    """An attachment (the brief PDF), stored once by content hash however many deliveries carry it,
    so a retry sends exactly what the first attempt tried to send."""

    __tablename__ = "delivery_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Delivery(Base):
    """One message of one subscription for one schedule slot: at most one per (subscription, slot).

    Composed and stored before it is sent (subject, body, attachment), so a failed send is retried
    with the same content on the next run of `manage.py notify`, up to [notify_max_attempts].
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "slot"),
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        Index("ix_deliveries_status_created", "status", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id", ondelete="SET NULL"))
    slot: Mapped[dt.datetime] = mapped_column(DateTime)  # the scheduled time this message is for
    kind: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))  # an email address, or the webhook's name
    username: Mapped[str | None] = mapped_column(String(64))  # the subscription's owner
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str | None] = mapped_column(Text)  # the webhook's markdown text
    file_sha256: Mapped[str | None] = mapped_column(ForeignKey("delivery_files.sha256"))
    items: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # alerts in the message
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class DeliveryItem(Base):
    """An alert subject told to a subscription: at most once per subject and period."""

    __tablename__ = "delivery_items"
    __table_args__ = (UniqueConstraint("subscription_id", "rule", "subject", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(120))  # e.g. the employee no., app no., call no.
    period: Mapped[str] = mapped_column(String(24))  # e.g. the week's Monday, the month; '' = once


# ---------------------------------------------------------------- needs cases (issue 17, item 2)

NEED_RULES = ("capacity_increase", "basic_charge_adjustment", "direct_trading", "surge")
CASE_STATUSES = ("new", "confirmed", "dismissed", "proposed", "done", "declined")
OPEN_CASE_STATUSES = ("new", "confirmed", "proposed")
PROPOSALS = ("increase", "tariff_mode", "trading")


class NeedCase(Versioned, Base):
    """The follow-up of a needs finding (customer, rule): new → confirmed or dismissed → proposed →
    done or declined (data_access.cases). A finding found again while its case is open joins it
    (need_case_months); at most one open case per customer and rule (partial unique index)."""

    __tablename__ = "need_cases"
    __table_args__ = (
        CheckConstraint(_in("rule", NEED_RULES), name="rule"),
        CheckConstraint(_in("status", CASE_STATUSES), name="status"),
        CheckConstraint(f"proposal IS NULL OR {_in('proposal', PROPOSALS)}", name="proposal"),
        CheckConstraint("yuan_saved_per_year IS NULL OR yuan_saved_per_year >= 0", name="yuan_nonneg"),
        CheckConstraint("kwh_traded IS NULL OR kwh_traded >= 0", name="kwh_nonneg"),
        Index(
            "uq_need_cases_open",
            "customer_id",
            "rule",
            unique=True,
            sqlite_where=text("status IN ('new', 'confirmed', 'proposed')"),
            postgresql_where=text("status IN ('new', 'confirmed', 'proposed')"),
        ),
        Index("ix_need_cases_status", "status", "opened_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(32))
    first_month: Mapped[dt.date] = mapped_column(Date)  # the month it was first found (first day)
    last_month: Mapped[dt.date] = mapped_column(Date)  # the latest month it was found again
    status: Mapped[str] = mapped_column(String(10), default="new", server_default="new")
    opened_on: Mapped[dt.date] = mapped_column(Date)
    confirmed_on: Mapped[dt.date | None] = mapped_column(Date)
    dismissed_on: Mapped[dt.date | None] = mapped_column(Date)
    dismiss_reason: Mapped[str | None] = mapped_column(Text)
    proposed_on: Mapped[dt.date | None] = mapped_column(Date)
    proposal: Mapped[str | None] = mapped_column(String(12))
    closed_on: Mapped[dt.date | None] = mapped_column(Date)  # done or declined
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"))
    yuan_saved_per_year: Mapped[float | None] = mapped_column(Float)
    kwh_traded: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)  # every step's note, dated and signed
    updated_by: Mapped[str | None] = mapped_column(String(64))


class NeedCaseMonth(Base):
    """A month in which a case's finding was found (the first and every recurrence)."""

    __tablename__ = "need_case_months"
    __table_args__ = (UniqueConstraint("case_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("need_cases.id", ondelete="CASCADE"))
    month: Mapped[dt.date] = mapped_column(Date)


# ---------------------------------------------------------------- documents (issue 17, item 3)

ATTACHMENT_RECORDS = ("work_logs", "applications", "meetings", "need_cases", "unit_reports")


class UnitReport(Versioned, Base):
    """A collaborating unit's report to the office (unit, period, summary; files as attachments)."""

    __tablename__ = "unit_reports"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="period_order"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date, index=True)
    summary: Mapped[str] = mapped_column(Text)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(64))


class AttachmentBlob(Base):
    """A file's bytes, stored once by SHA-256 however many records carry it."""

    __tablename__ = "attachment_blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Attachment(Base):
    """A file attached to a record (record_kind one of ATTACHMENT_RECORDS, record_id its id)."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(_in("record_kind", ATTACHMENT_RECORDS), name="record_kind"),
        Index("ix_attachments_record", "record_kind", "record_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    record_kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))  # sanitised
    file_type: Mapped[str] = mapped_column(String(8))  # pdf / png / jpeg / gif / docx / xlsx / pptx / doc ...
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"), index=True)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    uploaded_by: Mapped[str] = mapped_column(String(64))
