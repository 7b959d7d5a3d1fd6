"""The security event log: logins, failures, locks, session ends, password and account changes.

Rows are only ever added (the database refuses UPDATE and DELETE on the table, see migration
0009); the audit screen lists them for the office. Events are codes (EVENTS) with a JSON detail of
codes and values; the UI words them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from data_access.contract import CONTROL_CHARS
from data_access.models import SecurityEvent

EVENTS = (
    "login",  # a password login opened a session
    "login_failed",  # wrong password, unknown or inactive user (detail.reason), or refused while locked
    "locked",  # a username reached the failure limit and is locked until detail.until
    "client_delayed",  # a login attempt refused: too many failures from this client, wait until detail.until
    "unlocked",  # the office lifted a lock
    "logout",  # the user logged out
    "session_end",  # a session ended for detail.reason (password / deactivated / role / idle / expired / admin)
    "password_changed",  # by the user themself, the office (screen) or the CLI (actor)
    "user_created",
    "role_changed",
    "deactivated",
    "activated",
)
FIELD_LIMIT = 64


def clean(value: str | None, limit: int = FIELD_LIMIT) -> str | None:
    """Typed text fit for the log: control characters removed, at most `limit` characters."""
    if value is None:
        return None
    return CONTROL_CHARS.sub("", str(value))[:limit]


def now() -> dt.datetime:
    """Local wall-clock time to the second, as every timestamp of the app."""
    return dt.datetime.now().replace(microsecond=0)


def record_event(
    conn: Connection,
    event: str,
    *,
    username: str | None = None,
    actor: str | None = None,
    client: str | None = None,
    at: dt.datetime | None = None,
    **detail: Any,
) -> None:
    """Append one event (in the caller's transaction)."""
    if event not in EVENTS:
        raise ValueError(f"unknown security event {event!r}")
    plain = {
        key: value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
        for key, value in detail.items()
        if value is not None
    }
    conn.execute(
        insert(SecurityEvent).values(
            at=at or now(),
            event=event,
            username=clean(username),
            actor=clean(actor),
            client=clean(client),
            detail=json.dumps(plain, ensure_ascii=False, sort_keys=True) if plain else None,
        )
    )


EVENT_COLUMNS = ["id", "at", "event", "username", "actor", "client", "detail"]


def _in_days(start: dt.date, end: dt.date) -> tuple:
    return (
        SecurityEvent.at >= dt.datetime.combine(start, dt.time.min),
        SecurityEvent.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min),
    )


def query_events(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    *,
    event: str | None = None,
    username: str | None = None,
    limit: int = 1000,
) -> tuple[list[dict[str, Any]], int]:
    """(events, total): events dated start..end (whole days), newest first, at most `limit`."""
    conditions = list(_in_days(start, end))
    if event is not None:
        conditions.append(SecurityEvent.event == event)
    if username is not None:
        conditions.append(SecurityEvent.username == username)
    total = conn.execute(select(func.count()).select_from(SecurityEvent).where(*conditions)).scalar_one()
    query = (
        select(*(getattr(SecurityEvent, name) for name in EVENT_COLUMNS))
        .where(*conditions)
        .order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
        .limit(limit)
    )
    rows = []
    for row in conn.execute(query).mappings():
        row = dict(row)
        row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
        rows.append(row)
    return rows, int(total)


def event_usernames(conn: Connection, start: dt.date, end: dt.date) -> list[str]:
    """The usernames that occur in start..end (for a pick list)."""
    query = (
        select(SecurityEvent.username)
        .distinct()
        .where(*_in_days(start, end), SecurityEvent.username.is_not(None))
        .order_by(SecurityEvent.username)
    )
    return list(conn.execute(query).scalars())
