"""The workday calendar every KPI counts in (calendar_days), and where each day's answer comes from.

Sources, strongest first (SOURCES):
- override: a single day the office set (calendar_overrides); it wins over everything;
- office: a year whose arrangement the office loaded (table calendar, the `calendar`
  sheet): listed days as listed, unlisted weekdays are workdays, unlisted
  weekends are not. It wins over the package for that year, also after an
  upgrade of chinese-calendar that covers the year too;
- package: chinese-calendar, for the years it knows;
- fallback: Monday to Friday (screens warn about these days).

calendar_days holds the result for FIRST_YEAR..LAST_YEAR. rebuild_calendar
rewrites it inside the transaction that changed a source, so every KPI sees a
change as soon as it commits; ensure_calendar (at start-up) rebuilds it when
it no longer matches its sources, e.g. after a chinese-calendar upgrade.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import chinese_calendar
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from data_access.models import CalendarDay, CalendarOverride, OfficeCalendarDay

# The calendar table spans these years; the demo, imports and overrides live inside them.
FIRST_YEAR = 2015
LAST_YEAR = 2032

SOURCES = ("override", "office", "package", "fallback")
# From this day of a year (month, day) the next year's arrangement is due.
REMINDER_FROM = (11, 1)

# chinese-calendar's data: the days off that would be workdays and the workdays that would be off.
_PACKAGE_HOLIDAYS: dict[dt.date, str] = chinese_calendar.holidays
_PACKAGE_WORKDAYS: dict[dt.date, str] = chinese_calendar.workdays
_PACKAGE_YEARS = (min(_PACKAGE_HOLIDAYS).year, max(_PACKAGE_HOLIDAYS).year)


def package_years() -> tuple[int, int]:
    """The first and last year chinese-calendar knows, e.g. (2004, 2026)."""
    return _PACKAGE_YEARS


def package_version() -> str:
    return getattr(chinese_calendar, "__version__", "")


def package_day(day: dt.date) -> bool | None:
    """Whether chinese-calendar makes `day` a workday; None outside its years.

    The same answer as chinese_calendar.is_workday, read from its tables
    directly: is_workday looks up the package's year range on every call
    (0.6 s for the 18 years of the calendar table).
    """
    if not _PACKAGE_YEARS[0] <= day.year <= _PACKAGE_YEARS[1]:
        return None
    return day in _PACKAGE_WORKDAYS or (day.weekday() < 5 and day not in _PACKAGE_HOLIDAYS)


def package_workday(day: dt.date) -> tuple[bool, bool]:
    """(is_workday, fallback) from chinese-calendar; Mon-Fri outside its years."""
    workday = package_day(day)
    return (day.weekday() < 5, True) if workday is None else (workday, False)


def package_holiday_name(day: dt.date) -> tuple[str, str] | None:
    """The (Chinese, English) name of the holiday a day belongs to in chinese-calendar (a day off
    of it or a make-up workday for it), None for an ordinary day or a year it does not know."""
    english = _PACKAGE_HOLIDAYS.get(day) or _PACKAGE_WORKDAYS.get(day)
    if english is None:
        return None
    try:
        return chinese_calendar.Holiday(english).chinese, english
    except ValueError:
        return english, english


# ---------------------------------------------------------------- the derived table


def office_days(conn: Connection) -> dict[dt.date, bool]:
    """The office's arrangements: every listed day and whether it is a workday."""
    return {
        day: bool(workday)
        for day, workday in conn.execute(select(OfficeCalendarDay.date, OfficeCalendarDay.is_workday))
    }


def override_days(conn: Connection) -> dict[dt.date, bool]:
    return {
        day: bool(workday) for day, workday in conn.execute(select(CalendarOverride.date, CalendarOverride.is_workday))
    }


def resolve_day(
    day: dt.date, office: dict[dt.date, bool], office_years: set[int], overrides: dict[dt.date, bool]
) -> tuple[bool, str]:
    """(is_workday, source) of one day under the precedence of the module docstring."""
    if day in overrides:
        return overrides[day], "override"
    if day.year in office_years:
        return office.get(day, day.weekday() < 5), "office"
    workday = package_day(day)
    if workday is not None:
        return workday, "package"
    return day.weekday() < 5, "fallback"


def calendar_rows(
    office: dict[dt.date, bool],
    overrides: dict[dt.date, bool],
    first_year: int = FIRST_YEAR,
    last_year: int = LAST_YEAR,
) -> list[dict[str, Any]]:
    """The rows of calendar_days for [first_year, last_year] from the given sources."""
    office_years = {day.year for day in office}
    rows = []
    seq = 0
    day = dt.date(first_year, 1, 1)
    end = dt.date(last_year, 12, 31)
    while day <= end:
        is_workday, source = resolve_day(day, office, office_years, overrides)
        seq += int(is_workday)
        rows.append(
            {
                "date": day,
                "is_workday": is_workday,
                "workday_seq": seq,
                "week_start": day - dt.timedelta(days=day.weekday()),
                "month_start": day.replace(day=1),
                "fallback": source == "fallback",
            }
        )
        day += dt.timedelta(days=1)
    return rows


def _lock_calendar(conn: Connection) -> None:
    """On PostgreSQL, one rebuild at a time (readers go on reading the committed table): taken
    before the sources are read, so a rebuild waiting for another one sees that one's change."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE calendar_days IN SHARE ROW EXCLUSIVE MODE")


def rebuild_calendar(conn: Connection, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> int:
    """Replace calendar_days from the package, the office's arrangements and the overrides, in the
    caller's transaction; returns the row count."""
    _lock_calendar(conn)
    rows = calendar_rows(office_days(conn), override_days(conn), first_year, last_year)
    conn.execute(delete(CalendarDay))
    conn.execute(insert(CalendarDay), rows)
    return len(rows)


def ensure_calendar(conn: Connection) -> None:
    """Fill calendar_days, or rebuild it when it does not match its sources any more (a newer
    chinese-calendar that knows more years, a table from before the office's arrangements)."""
    expected = [
        (row["date"], row["is_workday"], row["fallback"])
        for row in calendar_rows(office_days(conn), override_days(conn))
    ]
    stored = conn.execute(
        select(CalendarDay.date, CalendarDay.is_workday, CalendarDay.fallback).order_by(CalendarDay.date)
    ).all()
    if [(day, bool(workday), bool(fallback)) for day, workday, fallback in stored] != expected:
        rebuild_calendar(conn)


def fallback_days(conn: Connection, start: dt.date, end: dt.date) -> int:
    """How many days of [start, end] use the Mon-Fri fallback (screens warn when > 0)."""
    query = select(func.count()).where(CalendarDay.date.between(start, end), CalendarDay.fallback.is_(True))
    return int(conn.execute(query).scalar() or 0)


# ---------------------------------------------------------------- coverage and the reminder


@dataclass(frozen=True)
class Coverage:
    """Which years are decided by whom: the package's range and the office's loaded years."""

    package: tuple[int, int]
    office: tuple[int, ...]

    def source(self, year: int) -> str:
        """office, package or fallback: where the year's days come from (overrides aside)."""
        if year in self.office:
            return "office"
        if self.package[0] <= year <= self.package[1]:
            return "package"
        return "fallback"

    def covered(self, year: int) -> bool:
        return self.source(year) != "fallback"


def office_years(conn: Connection) -> tuple[int, ...]:
    """The years the office loaded an arrangement for, ascending."""
    year = func.extract("year", OfficeCalendarDay.date)
    return tuple(sorted(int(value) for value in conn.execute(select(year).distinct()).scalars()))


def coverage(conn: Connection) -> Coverage:
    return Coverage(package_years(), office_years(conn))


def years_to_load(cover: Coverage, today: dt.date) -> tuple[int, ...]:
    """The years whose arrangement the office should load now: this year when nobody covers it,
    and from 1 November (REMINDER_FROM) next year when nobody covers it. Years beyond the
    calendar table cannot be loaded and are left out."""
    years = [today.year]
    if (today.month, today.day) >= REMINDER_FROM:
        years.append(today.year + 1)
    return tuple(year for year in years if FIRST_YEAR <= year <= LAST_YEAR and not cover.covered(year))


# ---------------------------------------------------------------- one year at a glance


def year_days(conn: Connection, year: int) -> list[dict[str, Any]]:
    """Every day of `year` as the KPIs count it, with each source's say (one query).

    Keys: date, is_workday (calendar_days), source (SOURCES), weekend, kind
    (workday, weekend, holiday: a day off on a weekday or one its source names
    as a holiday; makeup: a workday on a weekend), listed (the office listed
    the day), office_workday / office_name (the office's value: listed, or the
    weekday rule of a loaded year; None when the office has not loaded the year),
    override_workday / override_note, package_workday (None outside the
    package's years), package_name (zh, en) or None, and disagrees: the office
    loaded the year, the package covers it too, and they differ on the day.
    """
    query = (
        select(
            CalendarDay.date,
            CalendarDay.is_workday,
            CalendarDay.fallback,
            OfficeCalendarDay.is_workday.label("listed_workday"),
            OfficeCalendarDay.name.label("office_name"),
            CalendarOverride.is_workday.label("override_workday"),
            CalendarOverride.note.label("override_note"),
        )
        .outerjoin(OfficeCalendarDay, OfficeCalendarDay.date == CalendarDay.date)
        .outerjoin(CalendarOverride, CalendarOverride.date == CalendarDay.date)
        .where(CalendarDay.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by(CalendarDay.date)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    office_year = any(row["listed_workday"] is not None for row in rows)
    for row in rows:
        _describe_day(row, office_year)
    return rows


def _describe_day(row: dict[str, Any], office_year: bool) -> None:
    day = row["date"]
    listed, fallback = row.pop("listed_workday"), row.pop("fallback")
    weekend = day.weekday() >= 5
    row["is_workday"] = bool(row["is_workday"])
    row["weekend"] = weekend
    row["listed"] = listed is not None
    row["office_workday"] = bool(listed) if listed is not None else (not weekend if office_year else None)
    if row["override_workday"] is not None:
        row["override_workday"] = bool(row["override_workday"])
    row["package_workday"] = package_day(day)
    row["package_name"] = package_holiday_name(day)
    if row["override_workday"] is not None:
        row["source"] = "override"
    elif office_year:
        row["source"] = "office"
    else:
        row["source"] = "fallback" if fallback else "package"
    row["disagrees"] = (
        office_year and row["package_workday"] is not None and row["office_workday"] != row["package_workday"]
    )
    row["kind"] = _kind(row)


def _kind(row: dict[str, Any]) -> str:
    if row["is_workday"]:
        return "makeup" if row["weekend"] else "workday"
    if not row["weekend"]:
        return "holiday"
    named = {"override": True, "office": row["listed"], "package": row["package_name"] is not None}
    return "holiday" if named.get(row["source"], False) else "weekend"


def year_totals(days: list[dict[str, Any]]) -> dict[str, int]:
    """The year's counts to check against the State Council's notice: workdays, days_off,
    holidays (days off on Monday-Friday), makeup_days (workdays on a weekend), overrides, listed
    (days the office listed) and disagreements (days the office's arrangement and the package
    differ on)."""
    return {
        "workdays": sum(day["is_workday"] for day in days),
        "days_off": sum(not day["is_workday"] for day in days),
        "holidays": sum(not day["is_workday"] and not day["weekend"] for day in days),
        "makeup_days": sum(day["is_workday"] and day["weekend"] for day in days),
        "overrides": sum(day["source"] == "override" for day in days),
        "listed": sum(day["listed"] for day in days),
        "disagreements": sum(day["disagrees"] for day in days),
    }
