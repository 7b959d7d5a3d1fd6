"""The audit trail: who changed what, when, before and after."""
from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any, Iterable

from sqlalchemy import insert
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


def audit_row(username: str, action: str, table: str, key: str,
              before: dict | None, after: dict | None, source: str) -> dict[str, Any]:
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


def record(conn: Connection, username: str, action: str, table: str, key: str,
           before: dict | None = None, after: dict | None = None, source: str = "form") -> None:
    conn.execute(insert(AuditLog), [audit_row(username, action, table, key, before, after, source)])


def record_many(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Insert rows built by audit_row() in one executemany."""
    rows = list(rows)
    if rows:
        conn.execute(insert(AuditLog), rows)
