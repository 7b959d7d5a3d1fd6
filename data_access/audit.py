"""The audit trail: who changed what, when, before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from data_access.models import AuditLog


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def to_json(row: dict[str, Any] | None) -> str | None:
    if row is None:
        return None
    return json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True)


def audit_row(
    username: str, action: str, table: str, key: str, before: dict | None, after: dict | None, source: str
) -> dict[str, Any]:
    return {
        "at": dt.datetime.now().replace(microsecond=0),
        "username": username,
        "action": action,
        "table_name": table,
        "row_key": key,
        "before": to_json(before),
        "after": to_json(after),
        "source": source,
    }


def record(
    conn: Connection,
    username: str,
    action: str,
    table: str,
    key: str,
    before: dict | None = None,
    after: dict | None = None,
    source: str = "form",
) -> None:
    conn.execute(insert(AuditLog), [audit_row(username, action, table, key, before, after, source)])


def record_many(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Insert rows built by audit_row() in one executemany."""
    rows = list(rows)
    if rows:
        conn.execute(insert(AuditLog), rows)


AUDIT_COLUMNS = ["id", "at", "username", "action", "table_name", "row_key", "source", "before", "after"]


def query_audit(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    *,
    username: str | None = None,
    table: str | None = None,
    action: str | None = None,
    source: str | None = None,
    limit: int = 1000,
) -> tuple[list[dict[str, Any]], int]:
    """(entries, total): audit entries dated start..end (whole days), newest first, at most `limit`.

    Each filter that is not None must match exactly; `total` counts every
    match, so a screen can say when the list was cut.
    """
    conditions = [
        AuditLog.at >= dt.datetime.combine(start, dt.time.min),
        AuditLog.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min),
    ]
    for column, value in (
        (AuditLog.username, username),
        (AuditLog.table_name, table),
        (AuditLog.action, action),
        (AuditLog.source, source),
    ):
        if value is not None:
            conditions.append(column == value)
    total = conn.execute(select(func.count()).select_from(AuditLog).where(*conditions)).scalar_one()
    query = (
        select(*(getattr(AuditLog, name) for name in AUDIT_COLUMNS))
        .where(*conditions)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(query).mappings()], int(total)


def audit_choices(conn: Connection, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """The users, tables, actions and sources that occur in start..end (for filter pick lists)."""
    in_range = (
        AuditLog.at >= dt.datetime.combine(start, dt.time.min),
        AuditLog.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min),
    )
    choices = {}
    for key, column in (
        ("username", AuditLog.username),
        ("table_name", AuditLog.table_name),
        ("action", AuditLog.action),
        ("source", AuditLog.source),
    ):
        query = select(column).distinct().where(*in_range).order_by(column)
        choices[key] = list(conn.execute(query).scalars())
    return choices


def changed_fields(before: str | None, after: str | None) -> dict[str, tuple[Any, Any]]:
    """field -> (before, after) for the fields an entry changed (all fields of an insert or delete)."""
    old = json.loads(before) if before else {}
    new = json.loads(after) if after else {}
    return {
        key: (old.get(key), new.get(key)) for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key)
    }
