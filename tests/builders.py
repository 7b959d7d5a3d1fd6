"""Small row builders for tests: one call per row, sensible defaults.

Each takes a Connection and returns the new row's id, so a test reads like
the situation it sets up. Shared by unit, AppTest and browser tests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from data_access.models import (
    Application,
    Assessment,
    CalendarOverride,
    Consumption,
    Customer,
    Expert,
    ExpertCall,
    Manager,
    MonthlyPlan,
    Posting,
    Setting,
    Training,
    WorkLog,
)

D = dt.date


def _insert(conn: Connection, model, **values) -> int:
    return conn.execute(insert(model).values(**values)).inserted_primary_key[0]


def manager(conn: Connection, employee_no: str, name: str | None = None, team: str | None = "一班", **kw) -> int:
    return _insert(conn, Manager, employee_no=employee_no, name=name or f"经理{employee_no}", team=team, **kw)


def customer(
    conn: Connection,
    account_no: str,
    *,
    voltage_kv: float = 10,
    capacity_kva: float = 1000,
    billing_mode: str | None = None,
    **kw,
) -> int:
    mode = billing_mode or ("capacity" if capacity_kva >= 315 else "single")
    kw.setdefault("name", f"客户{account_no}")
    return _insert(
        conn, Customer, account_no=account_no, voltage_kv=voltage_kv, capacity_kva=capacity_kva, billing_mode=mode, **kw
    )


def posting(
    conn: Connection, manager_id: int, customer_id: int, start: dt.date, end: dt.date | None = None, **kw
) -> int:
    return _insert(conn, Posting, manager_id=manager_id, customer_id=customer_id, start_date=start, end_date=end, **kw)


def log(
    conn: Connection,
    manager_id: int,
    customer_id: int,
    day: dt.date,
    on_site: bool = True,
    *,
    content: str = "巡视配电房",
    problems: str | None = None,
    status: str | None = None,
    **kw,
) -> int:
    status = status or ("open" if problems and problems.strip() else "done")
    return _insert(
        conn,
        WorkLog,
        manager_id=manager_id,
        customer_id=customer_id,
        date=day,
        on_site=on_site,
        content=content,
        problems=problems,
        status=status,
        **kw,
    )


def training(
    conn: Connection, manager_id: int, day: dt.date, hours: float, kind: str = "skill", topic: str = "", **kw
) -> int:
    return _insert(conn, Training, manager_id=manager_id, date=day, hours=hours, kind=kind, topic=topic, **kw)


def assessment(
    conn: Connection, manager_id: int, day: dt.date, passed: bool = True, score: float | None = 85, **kw
) -> int:
    return _insert(conn, Assessment, manager_id=manager_id, date=day, passed=passed, score=score, **kw)


def plan(
    conn: Connection, manager_id: int, month: dt.date, submitted_on: dt.date, content: str = "本月计划", **kw
) -> int:
    return _insert(
        conn,
        MonthlyPlan,
        manager_id=manager_id,
        month=month.replace(day=1),
        submitted_on=submitted_on,
        content=content,
        **kw,
    )


def expert(conn: Connection, expert_no: str, specialty: str, active: bool = True, **kw) -> int:
    kw.setdefault("name", f"专家{expert_no}")
    return _insert(conn, Expert, expert_no=expert_no, specialty=specialty, active=active, **kw)


def expert_call(
    conn: Connection, call_no: str, expert_id: int, requested_at: dt.datetime, *, mode: str = "onsite", **kw
) -> int:
    return _insert(conn, ExpertCall, call_no=call_no, expert_id=expert_id, requested_at=requested_at, mode=mode, **kw)


def application(
    conn: Connection,
    app_no: str,
    customer_id: int,
    applied_on: dt.date,
    *,
    resident_served: bool,
    energized_on: dt.date | None = None,
    kind: str = "new",
    capacity_kva: float = 1000,
    **kw,
) -> int:
    return _insert(
        conn,
        Application,
        app_no=app_no,
        customer_id=customer_id,
        applied_on=applied_on,
        energized_on=energized_on,
        resident_served=resident_served,
        kind=kind,
        capacity_kva=capacity_kva,
        **kw,
    )


def consumption(
    conn: Connection, customer_id: int, month: dt.date, kwh: float, max_demand_kw: float | None = None
) -> int:
    return _insert(
        conn, Consumption, customer_id=customer_id, month=month.replace(day=1), kwh=kwh, max_demand_kw=max_demand_kw
    )


def calendar_override(conn: Connection, day: dt.date, is_workday: bool, note: str | None = None) -> None:
    """Add an override and rebuild the calendar table so KPIs see it."""
    from data_access.calendar import rebuild_calendar

    _insert(conn, CalendarOverride, date=day, is_workday=is_workday, note=note)
    rebuild_calendar(conn)


def setting(conn: Connection, key: str, value: float) -> None:
    conn.execute(Setting.__table__.update().where(Setting.key == key).values(value=value))
    assert conn.execute(select(Setting.value).where(Setting.key == key)).scalar() == value


def meeting(conn: Connection, held_on: dt.date, title: str, items: list[tuple], created_by: str = "office") -> int:
    """A joint meeting with action items given as (description, owner, due_date, closed_on or None)."""
    from data_access.models import ActionItem, Meeting

    meeting_id = _insert(conn, Meeting, held_on=held_on, title=title, created_by=created_by)
    for description, owner, due_date, closed_on in items:
        _insert(
            conn,
            ActionItem,
            meeting_id=meeting_id,
            description=description,
            owner=owner,
            due_date=due_date,
            status="done" if closed_on else "open",
            closed_on=closed_on,
            version=2 if closed_on else 1,
        )
    return meeting_id


# A synthetic 2027 arrangement: a week off (8-14 Feb) with two weekend make-up days.
ARRANGEMENT = [
    *[(dt.date(2027, 2, day), "否", "示例假期") for day in range(8, 15)],
    (dt.date(2027, 2, 6), "是", "调休上班"),
    (dt.date(2027, 2, 20), "是", "调休上班"),
]


def calendar_workbook(path: Path, rows, sheet_name: str = "节假日安排") -> Path:
    """A workbook holding one calendar sheet with Chinese headers, as the office fills it."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    sheet.append(["日期", "是否上班", "名称"])
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def need_case(conn: Connection, customer_id: int, rule: str, opened_on: dt.date, status: str = "new", **kw) -> int:
    """A needs case found in opened_on's month (with that month recorded), in `status`."""
    from data_access.models import NeedCase, NeedCaseMonth

    month = opened_on.replace(day=1)
    kw.setdefault("first_month", month)
    kw.setdefault("last_month", month)
    case_id = _insert(conn, NeedCase, customer_id=customer_id, rule=rule, opened_on=opened_on, status=status, **kw)
    _insert(conn, NeedCaseMonth, case_id=case_id, month=kw["first_month"])
    return case_id
