"""Subscriptions to the weekly brief and to alerts: the write path and the reads of the screens.

Rules, checked here whatever the caller (screen, CLI, test):
- The office manages every subscription; every other user only their own (owner = themselves).
- Email goes to the owner's address (users.email), so an email subscription needs one.
- A group webhook is named, its URL (a secret) lives in the environment (data_access.notify_config);
  only the office subscribes a group, and only to a webhook that is configured.
- Alerts of a manager account are about that manager only (scope "self"): a manager cannot
  subscribe to another manager's alerts. Leaders and the office choose all, a town or a team.
- The brief is weekly or daily; alerts weekly, daily or at each run of `manage.py notify`.

Every change is one transaction, audited (table "subscriptions"), with optimistic locking on
`version`; errors are the write path's (ValidationFailed, PermissionDenied, StaleRow, NotFound).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from data_access import notify_config, security
from data_access.models import (
    CHANNELS,
    FREQUENCIES,
    LANGUAGES,
    SCOPE_KINDS,
    SUBSCRIPTION_KINDS,
    Customer,
    Delivery,
    DeliveryFile,
    Manager,
    Subscription,
    User,
)
from data_access.passwords import normalized_username
from data_access.permissions import Actor, PermissionDenied
from data_access.writes import NotFound, SavedRow, StaleRow, UnitOfWork, ValidationFailed, WriteProblem

# The alert rules, in the order messages list them (metrics.alerts evaluates them).
ALERT_RULES = (
    "attendance_week",  # below the on-site minimum last week
    "attendance_two_weeks",  # ... in each of the last two weeks
    "plan_missing",  # no monthly plan after the deadline day
    "problem_open",  # a work-log problem open longer than [alert_problem_open_days]
    "application_behind",  # a connection application over a stage limit or stalled in a stage
    "call_unanswered",  # an expert call without response after [alert_call_unanswered_minutes]
    "specialty_thin",  # a specialty with fewer active experts than the minimum
    "new_need",  # a new needs finding for a customer with a resident manager
)
# Rules about the program as a whole: only subscriptions to everything get them.
PROGRAM_RULES = frozenset({"specialty_thin"})
BRIEF_FREQUENCIES = ("weekly", "daily")
DEFAULT_TIMES = {"brief": "08:00", "alerts": "07:30"}
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
EMAIL_PATTERN = re.compile(
    r"^[^@\s<>(),;:\"\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)

# Fields of the subscription form (words "lbl_sub_<field>").
FIELDS = (
    "username",
    "kind",
    "channel",
    "webhook",
    "rules",
    "frequency",
    "weekday",
    "send_time",
    "scope_kind",
    "scope_value",
    "language",
    "email",
)


def _problem(column: str, code: str, **params) -> WriteProblem:
    return WriteProblem(column, code, params, None, f"lbl_sub_{column}" if column in FIELDS else None)


def _choice(column: str, value: Any, allowed: Iterable[str]) -> WriteProblem | None:
    allowed = tuple(allowed)
    if value in allowed:
        return None
    text = ", ".join(allowed)
    return _problem(column, "bad_choice", allowed_zh=text, allowed_en=text, value=str(value)[:40])


# ---------------------------------------------------------------- reads

COLUMNS = (
    Subscription.id,
    Subscription.version,
    Subscription.kind,
    Subscription.channel,
    Subscription.webhook,
    Subscription.rules,
    Subscription.frequency,
    Subscription.weekday,
    Subscription.send_time,
    Subscription.scope_kind,
    Subscription.scope_value,
    Subscription.language,
    Subscription.active,
    Subscription.created_at,
    Subscription.created_by,
    Subscription.user_id,
    User.username,
    User.display_name,
    User.role,
    User.email,
    User.active.label("user_active"),
    Manager.employee_no,
)


def _query():
    return (
        select(*COLUMNS).join(User, User.id == Subscription.user_id).outerjoin(Manager, Manager.id == User.manager_id)
    )


def _row(mapping) -> dict[str, Any]:
    row = dict(mapping)
    row["rules"] = [rule for rule in (row["rules"] or "").split(",") if rule]
    return row


def list_subscriptions(conn: Connection, username: str | None = None) -> list[dict[str, Any]]:
    """Subscriptions (of `username` only, when given), by owner and id; rules as a list."""
    query = _query().order_by(User.username, Subscription.id)
    if username is not None:
        query = query.where(User.username == normalized_username(username))
    return [_row(row) for row in conn.execute(query).mappings()]


def active_subscriptions(conn: Connection) -> list[dict[str, Any]]:
    """The subscriptions `manage.py notify` serves: active ones of active accounts."""
    query = _query().where(Subscription.active.is_(True), User.active.is_(True)).order_by(Subscription.id)
    return [_row(row) for row in conn.execute(query).mappings()]


def account(conn: Connection, username: str) -> dict[str, Any] | None:
    """username, display_name, role, email, active and employee_no of one account."""
    query = (
        select(User.username, User.display_name, User.role, User.email, User.active, Manager.employee_no)
        .outerjoin(Manager, Manager.id == User.manager_id)
        .where(User.username == normalized_username(username))
    )
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


def scope_choices(conn: Connection) -> dict[str, list[str]]:
    """The towns (of customers) and teams (of managers) a scope can name."""
    towns = (
        conn.execute(select(Customer.town).where(Customer.town.is_not(None)).distinct().order_by(Customer.town))
        .scalars()
        .all()
    )
    teams = (
        conn.execute(select(Manager.team).where(Manager.team.is_not(None)).distinct().order_by(Manager.team))
        .scalars()
        .all()
    )
    return {"town": list(towns), "team": list(teams)}


DELIVERY_COLUMNS = (
    Delivery.id,
    Delivery.created_at,
    Delivery.slot,
    Delivery.kind,
    Delivery.channel,
    Delivery.recipient,
    Delivery.username,
    Delivery.subject,
    Delivery.items,
    Delivery.status,
    Delivery.attempts,
    Delivery.last_attempt_at,
    Delivery.sent_at,
    Delivery.error,
    Delivery.subscription_id,
)


def delivery_log(
    conn: Connection,
    *,
    since: dt.date | None = None,
    status: str | None = None,
    username: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The newest deliveries first (at most `limit`), optionally from a day, of a status or an owner."""
    query = select(*DELIVERY_COLUMNS).order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit)
    if since is not None:
        query = query.where(Delivery.created_at >= dt.datetime.combine(since, dt.time()))
    if status is not None:
        query = query.where(Delivery.status == status)
    if username is not None:
        query = query.where(Delivery.username == normalized_username(username))
    return [dict(row) for row in conn.execute(query).mappings()]


def delivery_counts(conn: Connection, since: dt.date) -> dict[str, int]:
    """status -> deliveries created from `since` on."""
    query = (
        select(Delivery.status, func.count())
        .where(Delivery.created_at >= dt.datetime.combine(since, dt.time()))
        .group_by(Delivery.status)
    )
    return dict(conn.execute(query).all())


def delivery_file_name(conn: Connection, sha256: str) -> str | None:
    return conn.execute(select(DeliveryFile.filename).where(DeliveryFile.sha256 == sha256)).scalar()


def delivery_with_file_name(conn: Connection, delivery_id: int) -> tuple[dict[str, Any] | None, str | None]:
    """A delivery's message (delivery_body) and the name of its attached file (None without one)."""
    message = delivery_body(conn, delivery_id)
    has_file = message is not None and message["file_sha256"]
    return message, delivery_file_name(conn, message["file_sha256"]) if has_file else None


def delivery_body(conn: Connection, delivery_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(Delivery.subject, Delivery.body, Delivery.markdown, Delivery.file_sha256).where(
                Delivery.id == delivery_id
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


# ---------------------------------------------------------------- writes


def _owner(conn: Connection, username: str) -> dict[str, Any] | None:
    query = select(User.id, User.username, User.role, User.email, User.active, User.manager_id).where(
        User.username == normalized_username(username or "")
    )
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


def _check_actor(actor: Actor, owner: dict[str, Any]) -> None:
    if actor.role == "office" or owner["username"] == actor.username.lower():
        return
    raise PermissionDenied("own_subscriptions_only", username=actor.username)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    kind = values.get("kind")
    rules = values.get("rules") or []
    if isinstance(rules, str):
        rules = [rule for rule in rules.split(",") if rule]
    return {
        "kind": kind,
        "channel": values.get("channel") or "email",
        "webhook": (values.get("webhook") or "").strip().lower() or None,
        "rules": [rule for rule in ALERT_RULES if rule in set(rules)] if kind == "alerts" else [],
        "unknown_rules": sorted(set(rules) - set(ALERT_RULES)) if kind == "alerts" else [],
        "frequency": values.get("frequency") or "weekly",
        "weekday": values.get("weekday", 0),
        "send_time": str(values.get("send_time") or DEFAULT_TIMES.get(kind, "08:00")).strip(),
        "scope_kind": values.get("scope_kind") or "all",
        "scope_value": (str(values.get("scope_value") or "").strip() or None),
        "language": values.get("language") or "zh",
        "active": bool(values.get("active", True)),
    }


def _check_fields(clean: dict[str, Any], problems: list) -> None:
    for column, allowed in (
        ("kind", SUBSCRIPTION_KINDS),
        ("channel", CHANNELS),
        ("frequency", FREQUENCIES),
        ("scope_kind", SCOPE_KINDS),
        ("language", LANGUAGES),
    ):
        problem = _choice(column, clean[column], allowed)
        if problem:
            problems.append(problem)
    if clean["kind"] == "alerts" and clean["unknown_rules"]:
        problems.append(_choice("rules", ",".join(clean["unknown_rules"]), ALERT_RULES))
    elif clean["kind"] == "alerts" and not clean["rules"]:
        problems.append(_problem("rules", "no_rules"))
    if clean["kind"] == "brief" and clean["frequency"] not in BRIEF_FREQUENCIES:
        problems.append(_problem("frequency", "brief_frequency"))
    weekday = clean["weekday"]
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        problems.append(_problem("weekday", "bad_choice", allowed_zh="0–6", allowed_en="0-6", value=str(weekday)[:10]))
    if not TIME_PATTERN.match(clean["send_time"]):
        problems.append(_problem("send_time", "bad_time", value=clean["send_time"][:10]))


def _check_owner(conn: Connection, actor: Actor, owner: dict[str, Any], clean: dict[str, Any], problems: list) -> None:
    """Who may get what: the channel, the webhook and the scope for this owner."""
    if not owner["active"]:
        problems.append(_problem("username", "inactive_owner", username=owner["username"]))
    if clean["channel"] == "email" and not owner["email"]:
        problems.append(_problem("channel", "no_email", username=owner["username"]))
    if clean["channel"] == "webhook":
        if actor.role != "office":
            problems.append(_problem("channel", "webhook_office"))
        elif not clean["webhook"] or clean["webhook"] not in notify_config.webhooks():
            name = clean["webhook"] or ""
            problems.append(_problem("webhook", "webhook_unknown", value=name, upper=name.upper()))
    scope = clean["scope_kind"]
    if owner["role"] == "manager" and clean["kind"] == "alerts" and scope != "self":
        problems.append(_problem("scope_kind", "self_only"))
    elif scope == "self" and not (owner["role"] == "manager" and clean["kind"] == "alerts"):
        problems.append(_problem("scope_kind", "self_needs_manager"))
    if scope in ("town", "team"):
        _check_scope_value(conn, scope, clean["scope_value"], problems)
    else:
        clean["scope_value"] = None


def _check_scope_value(conn: Connection, scope: str, value: str | None, problems: list) -> None:
    if not value:
        problems.append(_problem("scope_value", f"scope_value_needed_{scope}"))
    elif value not in scope_choices(conn)[scope]:
        problems.append(_problem("scope_value", f"unknown_{scope}", value=value[:64]))


SAME_AS = ("kind", "channel", "webhook", "scope_kind", "scope_value")


def _duplicate(conn: Connection, owner_id: int, clean: dict[str, Any], own_id: int | None) -> int | None:
    query = select(Subscription.id).where(
        Subscription.user_id == owner_id,
        *(
            getattr(Subscription, key) == clean[key] if clean[key] is not None else getattr(Subscription, key).is_(None)
            for key in SAME_AS
        ),
    )
    if own_id is not None:
        query = query.where(Subscription.id != own_id)
    return conn.execute(query.limit(1)).scalar()


def _stored(clean: dict[str, Any]) -> dict[str, Any]:
    values = {
        key: clean[key]
        for key in (
            "kind",
            "channel",
            "webhook",
            "frequency",
            "weekday",
            "send_time",
            "scope_kind",
            "scope_value",
            "language",
            "active",
        )
    }
    values["rules"] = ",".join(clean["rules"])
    if clean["channel"] == "email":
        values["webhook"] = None
    return values


def _audit_row(conn: Connection, subscription_id: int) -> dict[str, Any]:
    row = conn.execute(_query().where(Subscription.id == subscription_id)).mappings().first()
    keys = (
        "username",
        "kind",
        "channel",
        "webhook",
        "rules",
        "frequency",
        "weekday",
        "send_time",
        "scope_kind",
        "scope_value",
        "language",
        "active",
        "version",
    )
    return {key: row[key] for key in keys}


def save_subscription(
    engine: Engine,
    actor: Actor,
    values: dict[str, Any],
    *,
    subscription_id: int | None = None,
    expected_version: int | None = None,
) -> SavedRow:
    """Create (subscription_id None) or change a subscription; values: username (the owner, for a
    new one: default the actor; an existing subscription keeps its owner), kind, channel, webhook,
    rules (list of ALERT_RULES), frequency, weekday (0 = Monday), send_time (HH:MM), scope_kind,
    scope_value, language, active."""
    if actor.role not in ("office", "leader", "manager"):
        raise PermissionDenied("role_may_not_subscribe", role=actor.role)
    clean = _clean(values)
    with UnitOfWork(engine, actor) as uow:
        current = None
        if subscription_id is not None:
            current = uow.conn.execute(
                select(Subscription.user_id, Subscription.version).where(Subscription.id == subscription_id)
            ).first()
            if current is None:
                raise NotFound("subscriptions", str(subscription_id))
            owner = _owner_by_id(uow.conn, current.user_id)
        else:
            owner = _owner(uow.conn, values.get("username") or actor.username)
        if owner is None:
            raise ValidationFailed(
                [_problem("username", "unknown_reference", value=str(values.get("username"))[:64], sheet="users")],
                "subscriptions",
            )
        _check_actor(actor, owner)
        problems: list = []
        _check_fields(clean, problems)
        if not problems:
            _check_owner(uow.conn, actor, owner, clean, problems)
        if not problems:
            same = _duplicate(uow.conn, owner["id"], clean, subscription_id)
            if same is not None:
                problems.append(_problem("kind", "duplicate", id=same))
        if problems:
            raise ValidationFailed(problems, "subscriptions")
        stored = _stored(clean)
        if current is None:
            return _insert(uow, owner, stored)
        return _update(uow, subscription_id, current.version if expected_version is None else expected_version, stored)


def _insert(uow: UnitOfWork, owner: dict[str, Any], stored: dict[str, Any]) -> SavedRow:
    new_id = uow.conn.execute(
        insert(Subscription).values(
            user_id=owner["id"], created_at=security.now(), created_by=uow.actor.username, **stored
        )
    ).inserted_primary_key[0]
    uow.audit("insert", "subscriptions", str(new_id), None, _audit_row(uow.conn, new_id))
    return SavedRow(new_id, 1, "insert")


def _update(uow: UnitOfWork, subscription_id: int, version: int, stored: dict[str, Any]) -> SavedRow:
    before = _audit_row(uow.conn, subscription_id)
    result = uow.conn.execute(
        update(Subscription)
        .where(Subscription.id == subscription_id, Subscription.version == version)
        .values(**stored, version=Subscription.version + 1)
    )
    if result.rowcount != 1:
        raise StaleRow("subscriptions", str(subscription_id))
    uow.audit("update", "subscriptions", str(subscription_id), before, _audit_row(uow.conn, subscription_id))
    return SavedRow(subscription_id, version + 1, "update")


def _owner_by_id(conn: Connection, user_id: int) -> dict[str, Any] | None:
    return _owner(conn, _username(conn, user_id))


def _username(conn: Connection, user_id: int) -> str:
    return conn.execute(select(User.username).where(User.id == user_id)).scalar() or ""


def delete_subscription(engine: Engine, actor: Actor, subscription_id: int, expected_version: int) -> None:
    """Remove a subscription (its delivery log stays, without the link)."""
    with UnitOfWork(engine, actor) as uow:
        owner_id = uow.conn.execute(select(Subscription.user_id).where(Subscription.id == subscription_id)).scalar()
        if owner_id is None:
            raise NotFound("subscriptions", str(subscription_id))
        _check_actor(actor, {"username": _username(uow.conn, owner_id)})
        before = _audit_row(uow.conn, subscription_id)
        result = uow.conn.execute(
            delete(Subscription).where(Subscription.id == subscription_id, Subscription.version == expected_version)
        )
        if result.rowcount != 1:
            raise StaleRow("subscriptions", str(subscription_id))
        uow.audit("delete", "subscriptions", str(subscription_id), before, None)


def subscribe_managers(
    engine: Engine, actor: Actor, *, send_time: str = DEFAULT_TIMES["alerts"], language: str = "zh"
) -> int:
    """The office subscribes every active manager account that has an email address and no alert
    subscription yet to their own alerts (all rules, daily at `send_time`); returns how many."""
    if actor.role != "office":
        raise PermissionDenied("office_subscribes_others", role=actor.role)
    if not TIME_PATTERN.match(send_time or ""):
        raise ValidationFailed([_problem("send_time", "bad_time", value=str(send_time)[:10])], "subscriptions")
    subscribed = select(Subscription.user_id).where(Subscription.kind == "alerts")
    query = (
        select(User.id, User.username)
        .where(User.role == "manager", User.active.is_(True), User.email.is_not(None), User.id.not_in(subscribed))
        .order_by(User.username)
    )
    stored = {
        "kind": "alerts",
        "channel": "email",
        "webhook": None,
        "rules": ",".join(ALERT_RULES),
        "frequency": "daily",
        "weekday": 0,
        "send_time": send_time,
        "scope_kind": "self",
        "scope_value": None,
        "language": language,
        "active": True,
    }
    with UnitOfWork(engine, actor) as uow:
        owners = uow.conn.execute(query).all()
        for owner_id, username in owners:
            _insert(uow, {"id": owner_id, "username": username}, stored)
    return len(owners)


# ---------------------------------------------------------------- users' email addresses


def email_problem(email: str | None) -> WriteProblem | None:
    """None when `email` is blank (no address) or a plausible address; else the problem."""
    if not email:
        return None
    if len(email) > 254:
        return _problem("email", "too_long", max=254, length=len(email))
    if not EMAIL_PATTERN.match(email):
        return _problem("email", "bad_email", value=email[:60])
    return None
