"""Reads for the data-entry screens: rows of a contract sheet in form shape, filtered and limited.

The forms and bulk editors show rows the way data_access.writes saves them
(contract columns, references as natural keys, plus id and version), so a
row read here can be edited and handed back to save_row / save_rows as is.
Filtering and the row limit happen in SQL; screens never load a whole table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from data_access.models import Customer, Manager, User, WorkLog
from data_access.writes import form_select, get_sheet


def _like_pattern(text: str) -> str:
    return "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_rows(
    conn: Connection,
    sheet: str,
    *,
    equals: dict[str, Any] | None = None,
    search: str | None = None,
    search_columns: tuple[str, ...] = (),
    limit: int = 500,
) -> tuple[list[dict[str, Any]], int]:
    """(rows, total): rows of `sheet` in form shape, ordered by natural key.

    equals: column key -> value (None means IS NULL); search: part of any of
    `search_columns` (case-insensitive); limit: at most this many rows, while
    total counts every match (so a screen can say "showing 500 of 3,214").
    """
    contract_sheet = get_sheet(sheet)
    query = form_select(contract_sheet)
    columns = query.selected_columns
    conditions = []
    for key, value in (equals or {}).items():
        conditions.append(columns[key].is_(None) if value is None else columns[key] == value)
    if search and search.strip() and search_columns:
        pattern = _like_pattern(search)
        conditions.append(or_(*(columns[key].ilike(pattern, escape="\\") for key in search_columns)))
    query = query.where(*conditions)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    ordered = query.order_by(*(columns[key] for key in contract_sheet.key_columns)).limit(limit)
    rows = []
    for record in conn.execute(ordered).mappings():
        rows.append({key: value for key, value in record.items() if not key.startswith("_fk_")})
    return rows, int(total)


def distinct_values(conn: Connection, sheet: str, column: str) -> list[Any]:
    """The distinct non-blank values of one column of `sheet`, sorted (for filter pick lists)."""
    query = form_select(get_sheet(sheet)).subquery()
    values = conn.execute(
        select(query.c[column]).distinct().where(query.c[column].is_not(None)).order_by(query.c[column])
    ).scalars()
    return [value for value in values if value != ""]


def manager_ids(conn: Connection) -> dict[str, int]:
    """employee_no -> id of every manager, by employee_no."""
    return dict(conn.execute(select(Manager.employee_no, Manager.id).order_by(Manager.employee_no)).all())


def distinct_indexed(conn: Connection, column) -> list[Any]:
    """The distinct non-NULL values of an indexed column, sorted: one index seek per value (each
    value is the least one after the previous) instead of a pass over every row."""
    steps = select(func.min(column).label("value")).cte("steps", recursive=True)
    following = select(func.min(column)).where(column > steps.c.value).scalar_subquery()
    steps = steps.union_all(select(following).where(steps.c.value.is_not(None)))
    query = select(steps.c.value).where(steps.c.value.is_not(None)).order_by(steps.c.value)
    return list(conn.execute(query).scalars())


def filter_choices(conn: Connection) -> tuple[list[str], list[str]]:
    """(towns, teams) present in the data, sorted (the sidebar's scope filters)."""
    return distinct_indexed(conn, Customer.town), distinct_indexed(conn, Manager.team)


def latest_log_date(conn: Connection) -> dt.date | None:
    """The newest work-log date, None when there are no logs."""
    return conn.execute(select(func.max(WorkLog.date))).scalar()


def any_active_user(conn: Connection) -> bool:
    """Whether any account can log in (a new installation has none)."""
    return conn.execute(select(User.id).where(User.active.is_(True)).limit(1)).first() is not None


def employee_no_of(conn: Connection, manager_id: int) -> str | None:
    """The employee_no of a manager id."""
    return conn.execute(select(Manager.employee_no).where(Manager.id == manager_id)).scalar()
