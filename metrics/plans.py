"""Monthly plans on time 月度计划按时率 (data contract, section 3).

Months lying wholly inside the window. A manager-month is due when the manager
is posted on at least one workday of it; on time when the month's plan was
submitted on or before day `plan_deadline_day` of that month.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.selectable import Subquery

from data_access.models import Manager, MonthlyPlan
from metrics import calendar as cal
from metrics.sql import query_frame, scoped_manager_ids
from metrics.window import Scope, Window

STATUS_COLUMNS = ["employee_no", "name", "month", "due", "submitted_on", "on_time"]


@dataclass(frozen=True)
class PlanResult:
    due: int
    on_time: int
    rate: float | None


def _due_months(window: Window, settings: dict, scope: Scope) -> Subquery | None:
    """Due manager-months: manager_id, month, deadline, submitted_on (NULL: none), on_time (0/1)."""
    bounds = cal.full_months(window)
    if bounds is None:
        return None
    first, last = bounds
    spans = cal.posting_spans(first, last, scoped_manager_ids(scope, window))
    months = cal.months(first, last, int(settings["plan_deadline_day"]))
    posted = cal.posted_workdays_by_period(spans, months)
    return (
        select(
            posted.c.manager_id,
            months.c.period_start.label("month"),
            months.c.deadline,
            MonthlyPlan.submitted_on,
            case((MonthlyPlan.submitted_on <= months.c.deadline, 1), else_=0).label("on_time"),
        )
        .join_from(posted, months, months.c.period_start == posted.c.period_start)
        .join(
            MonthlyPlan,
            and_(MonthlyPlan.manager_id == posted.c.manager_id, MonthlyPlan.month == posted.c.period_start),
            isouter=True,
        )
        .where(posted.c.posted_workdays >= 1)
        .subquery("due_months")
    )


def plan_status(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per due manager-month; `due` is the deadline date, submitted_on None when missing."""
    due = _due_months(window, settings, scope)
    if due is None:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    query = select(
        Manager.employee_no,
        Manager.name,
        due.c.month,
        due.c.deadline,
        due.c.submitted_on,
        due.c.on_time,
    ).join_from(due, Manager, Manager.id == due.c.manager_id)
    frame = query_frame(conn, query, STATUS_COLUMNS)
    frame["on_time"] = frame["on_time"].astype(bool)
    return frame.sort_values(["employee_no", "month"], ignore_index=True)


def summary(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> PlanResult:
    due_months = _due_months(window, settings, scope)
    if due_months is None:
        return PlanResult(0, 0, None)
    due, on_time = conn.execute(select(func.count(), func.coalesce(func.sum(due_months.c.on_time), 0))).one()
    return PlanResult(int(due), int(on_time), cal.rate(on_time, due))


def section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's `monthly_plans` section."""
    result = summary(conn, window, settings)
    return {"due": result.due, "on_time": result.on_time, "rate": result.rate}


def plan_states(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """plan_status plus `state`: on_time (submitted by the deadline), late (submitted after it) or
    missing (not submitted)."""
    status = plan_status(conn, window, settings, scope)
    state = pd.Series("late", index=status.index)
    state[status["submitted_on"].isna()] = "missing"
    state[status["on_time"].astype(bool)] = "on_time"
    return status.assign(state=state)
