"""Work-log KPIs: log completeness 日志填报率, problem closure 问题整改闭环率, open problems."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, not_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from data_access.models import Customer, Manager, WorkLog
from metrics import calendar as cal
from metrics.sql import blank, days_between, query_frame, scoped_manager_ids
from metrics.window import Scope, Window

COMPLETENESS_COLUMNS = ["employee_no", "name", "team", "posted_workdays", "logged_workdays", "rate"]
CLOSURE_COLUMNS = ["employee_no", "name", "team", "with_problems", "closed", "rate"]
OPEN_PROBLEM_COLUMNS = [
    "employee_no",
    "name",
    "account_no",
    "customer",
    "date",
    "problems",
    "measures",
    "status",
    "age_days",
]
MANAGER_LOG_COLUMNS = [
    "date",
    "account_no",
    "customer",
    "on_site",
    "hours",
    "content",
    "problems",
    "measures",
    "status",
]


@dataclass(frozen=True)
class CompletenessResult:
    posted_workdays: int
    logged_workdays: int
    rate: float | None
    by_manager: pd.DataFrame  # COMPLETENESS_COLUMNS, sorted by employee_no


@dataclass(frozen=True)
class ClosureResult:
    with_problems: int
    closed: int
    rate: float | None
    by_manager: pd.DataFrame  # CLOSURE_COLUMNS, sorted by employee_no


def has_problems() -> ColumnElement[bool]:
    """Problems not blank. The explicit IS NOT NULL lets both databases use the
    partial index ix_work_logs_problems (WHERE problems IS NOT NULL)."""
    return and_(WorkLog.problems.is_not(None), not_(blank(WorkLog.problems)))


def completeness(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> CompletenessResult:
    """(manager, workday) pairs in the window while posted; logged when >= 1 log that day."""
    spans = cal.posting_spans(window.start, window.end, scoped_manager_ids(scope, window))
    # Posted days with a log, minus those that are not workdays (few: weekend duty).
    # A workday filter inside the per-span count would cost PostgreSQL a semi-join
    # per span; counting the few off days separately is cheap on both databases.
    counts = cal.manager_counts_probing(spans)
    off_days = cal.workday_dates(window.start, window.end, workday=False)
    logged_off = cal.posted_log_days_by_manager(spans, window.start, window.end, lambda logs: logs.c.date.in_(off_days))
    logged = counts.c.log_days - func.coalesce(logged_off.c.log_days, 0)
    query = (
        select(
            Manager.employee_no, Manager.name, Manager.team, counts.c.posted_workdays, logged.label("logged_workdays")
        )
        .join_from(counts, Manager, Manager.id == counts.c.manager_id)
        .join(logged_off, logged_off.c.manager_id == counts.c.manager_id, isouter=True)
        .where(counts.c.posted_workdays > 0)
    )
    frame = cal.rates_frame(conn, query, "logged_workdays", "posted_workdays", COMPLETENESS_COLUMNS)
    posted_total, logged_total = int(frame["posted_workdays"].sum()), int(frame["logged_workdays"].sum())
    return CompletenessResult(posted_total, logged_total, cal.rate(logged_total, posted_total), frame)


def totals_by_window(
    conn: Connection, windows: list[Window], settings: dict, scope: Scope = Scope()
) -> list[tuple[int, int]]:
    """(posted_workdays, logged_workdays) of completeness() for each window.

    Without a town scope the windows' span is read once, cut at the windows' ends
    (calendar.cut_at_windows), and each window sums its periods; a town scope picks the managers
    posted in the town during each window, so it reads window by window.
    """
    if scope.town is not None:
        results = [completeness(conn, window, settings, scope) for window in windows]
        return [(r.posted_workdays, r.logged_workdays) for r in results]
    periods = cal.cut_at_windows(windows)
    span = Window(periods[0].start, periods[-1].end)
    frame = _totals_by_period(conn, span, cal.given_periods(periods), scope)
    totals = []
    for window in windows:
        inside = frame[(frame["period_start"] >= window.start) & (frame["period_start"] <= window.end)]
        totals.append((int(inside["posted_workdays"].sum()), int(inside["logged_workdays"].sum())))
    return totals


def _totals_by_period(conn: Connection, span: Window, periods, scope: Scope) -> pd.DataFrame:
    """completeness() totals per period (a subquery of disjoint period_start, period_end inside the
    span): period_start, posted_workdays, logged_workdays; periods without posted days left out."""
    spans = cal.posting_spans(span.start, span.end, scoped_manager_ids(scope, span))
    pieces = cal.period_pieces(spans, periods)
    per_piece = select(
        pieces.c.period_start,
        pieces.c.workdays.label("posted_workdays"),
        cal.log_days_in(pieces.c.manager_id, pieces.c.a, pieces.c.b).label("log_days"),
    ).subquery("piece_counts")
    per_period = (
        select(
            per_piece.c.period_start,
            func.sum(per_piece.c.posted_workdays).label("posted"),
            func.sum(per_piece.c.log_days).label("log_days"),
        )
        .group_by(per_piece.c.period_start)
        .subquery("period_counts")
    )
    # As in completeness(): all posted days with a log, minus the few that are not workdays.
    off_days = cal.workday_dates(span.start, span.end, workday=False)
    logged_off = cal.posted_log_days_by_period(
        spans, periods, span.start, span.end, lambda logs: logs.c.date.in_(off_days)
    )
    query = (
        select(
            per_period.c.period_start,
            per_period.c.posted,
            per_period.c.log_days - func.coalesce(logged_off.c.log_days, 0),
        )
        .join_from(per_period, logged_off, logged_off.c.period_start == per_period.c.period_start, isouter=True)
        .where(per_period.c.posted > 0)
        .order_by(per_period.c.period_start)
    )
    frame = query_frame(conn, query, ["period_start", "posted_workdays", "logged_workdays"])
    return frame.astype({"posted_workdays": int, "logged_workdays": int})


def problem_closure(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> ClosureResult:
    """Logs dated in the window with non-blank problems; closed = status done."""
    query = (
        select(
            Manager.employee_no,
            Manager.name,
            Manager.team,
            func.count().label("with_problems"),
            func.sum(case((WorkLog.status == "done", 1), else_=0)).label("closed"),
        )
        .join_from(WorkLog, Manager, Manager.id == WorkLog.manager_id)
        .where(WorkLog.date.between(window.start, window.end), has_problems())
        .group_by(Manager.id, Manager.employee_no, Manager.name, Manager.team)
    )
    manager_ids = scoped_manager_ids(scope, window)
    if manager_ids is not None:
        query = query.where(WorkLog.manager_id.in_(manager_ids))
    frame = cal.rates_frame(conn, query, "closed", "with_problems", CLOSURE_COLUMNS)
    total, closed = int(frame["with_problems"].sum()), int(frame["closed"].sum())
    return ClosureResult(total, closed, cal.rate(closed, total), frame)


def open_problems(conn: Connection, as_of: dt.date, scope: Scope = Scope()) -> pd.DataFrame:
    """Logs dated <= as_of with non-blank problems not yet done, oldest first.

    The rows belong to customers, so the town filter applies to the log's
    customer and the team filter to the log's manager.
    """
    query = (
        select(
            Manager.employee_no,
            Manager.name,
            Customer.account_no,
            Customer.name.label("customer"),
            WorkLog.date,
            WorkLog.problems,
            WorkLog.measures,
            WorkLog.status,
            days_between(WorkLog.date, cal.date_param(as_of)).label("age_days"),
        )
        .join_from(WorkLog, Manager, Manager.id == WorkLog.manager_id)
        .join(Customer, Customer.id == WorkLog.customer_id)
        .where(WorkLog.date <= as_of, WorkLog.status != "done", has_problems())
        .order_by(WorkLog.date, Manager.employee_no, Customer.account_no)
    )
    if scope.team is not None:
        query = query.where(Manager.team == scope.team)
    if scope.town is not None:
        query = query.where(Customer.town == scope.town)
    frame = query_frame(conn, query, OPEN_PROBLEM_COLUMNS)
    frame["age_days"] = frame["age_days"].astype(int)
    return frame


def manager_logs(conn: Connection, window: Window, employee_no: str, scope: Scope = Scope()) -> pd.DataFrame:
    """One manager's work logs dated in the window (MANAGER_LOG_COLUMNS), oldest first.

    As in open_problems, the town filter applies to the log's customer.
    """
    query = (
        select(
            WorkLog.date,
            Customer.account_no,
            Customer.name.label("customer"),
            WorkLog.on_site,
            WorkLog.hours,
            WorkLog.content,
            WorkLog.problems,
            WorkLog.measures,
            WorkLog.status,
        )
        .join_from(WorkLog, Manager, Manager.id == WorkLog.manager_id)
        .join(Customer, Customer.id == WorkLog.customer_id)
        .where(Manager.employee_no == employee_no, WorkLog.date.between(window.start, window.end))
        .order_by(WorkLog.date, Customer.account_no)
    )
    if scope.town is not None:
        query = query.where(Customer.town == scope.town)
    frame = query_frame(conn, query, MANAGER_LOG_COLUMNS)
    frame["on_site"] = frame["on_site"].astype(bool)
    return frame


def completeness_section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's `log_completeness` section."""
    result = completeness(conn, window, settings)
    return {"posted_workdays": result.posted_workdays, "logged_workdays": result.logged_workdays, "rate": result.rate}


def closure_section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's `problem_closure` section."""
    result = problem_closure(conn, window, settings)
    return {"with_problems": result.with_problems, "closed": result.closed, "rate": result.rate}


# Open problems by age in days: (label, first day, last day or None).
AGE_BUCKETS = (("0_7", 0, 7), ("8_30", 8, 30), ("31_90", 31, 90), ("over_90", 91, None))


def age_bucket(age_days: int) -> str:
    """The AGE_BUCKETS label of a problem open for `age_days` days (0–7, 8–30, 31–90, over 90)."""
    for label, first, last in AGE_BUCKETS:
        if age_days >= first and (last is None or age_days <= last):
            return label
    return AGE_BUCKETS[0][0]  # a log dated after as_of cannot be open; keep it visible anyway


def aged_open_problems(conn: Connection, as_of: dt.date, scope: Scope = Scope()) -> pd.DataFrame:
    """open_problems plus each one's `age_bucket` (age_bucket)."""
    problems = open_problems(conn, as_of, scope)
    return problems.assign(age_bucket=problems["age_days"].map(age_bucket))
