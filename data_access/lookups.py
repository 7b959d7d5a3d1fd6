"""Reads for the data-entry screens: rows of a contract sheet in form shape, filtered and limited.

The forms and bulk editors show rows the way data_access.writes saves them
(contract columns, references as natural keys, plus id and version), so a
row read here can be edited and handed back to save_row / save_rows as is.
Filtering and the row limit happen in SQL; screens never load a whole table.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from data_access.models import Manager
from data_access.writes import form_select, get_sheet


def _like_pattern(text: str) -> str:
    return "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_rows(conn: Connection, sheet: str, *, equals: dict[str, Any] | None = None,
              search: str | None = None, search_columns: tuple[str, ...] = (),
              limit: int = 500) -> tuple[list[dict[str, Any]], int]:
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
    values = conn.execute(select(query.c[column]).distinct().where(query.c[column].is_not(None))
                          .order_by(query.c[column])).scalars()
    return [value for value in values if value != ""]


def manager_ids(conn: Connection) -> dict[str, int]:
    """employee_no -> id of every manager, by employee_no."""
    return dict(conn.execute(select(Manager.employee_no, Manager.id).order_by(Manager.employee_no)).all())
