"""The workday calendar table: chinese-calendar, the office's overrides, else Mon-Fri."""
from __future__ import annotations

import datetime as dt

import chinese_calendar
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from data_access.models import CalendarDay, CalendarOverride

# The calendar table spans these years; the demo and imports live inside them.
FIRST_YEAR = 2015
LAST_YEAR = 2032


def package_workday(day: dt.date) -> tuple[bool, bool]:
    """(is_workday, fallback) from chinese-calendar; Mon-Fri outside its years."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def covered_years() -> tuple[int, int]:
    """The years chinese-calendar knows, e.g. (2004, 2026)."""
    days = chinese_calendar.constants.holidays
    return min(days).year, max(days).year


def rebuild_calendar(conn: Connection, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> int:
    """Replace calendar_days from the package and the overrides; returns the row count."""
    overrides = dict(conn.execute(select(CalendarOverride.date, CalendarOverride.is_workday)).all())
    rows = []
    seq = 0
    day = dt.date(first_year, 1, 1)
    end = dt.date(last_year, 12, 31)
    while day <= end:
        is_workday, fallback = package_workday(day)
        if day in overrides:
            is_workday = bool(overrides[day])
        seq += int(is_workday)
        rows.append(
            {
                "date": day,
                "is_workday": is_workday,
                "workday_seq": seq,
                "week_start": day - dt.timedelta(days=day.weekday()),
                "month_start": day.replace(day=1),
                "fallback": fallback,
            }
        )
        day += dt.timedelta(days=1)
    conn.execute(delete(CalendarDay))
    conn.execute(insert(CalendarDay), rows)
    return len(rows)


def ensure_calendar(conn: Connection) -> None:
    if not conn.execute(select(func.count()).select_from(CalendarDay)).scalar():
        rebuild_calendar(conn)


def fallback_days(conn: Connection, start: dt.date, end: dt.date) -> int:
    """How many days of [start, end] use the Mon-Fri fallback (screens warn when > 0)."""
    query = select(func.count()).where(
        CalendarDay.date.between(start, end), CalendarDay.fallback.is_(True)
    )
    return int(conn.execute(query).scalar() or 0)
