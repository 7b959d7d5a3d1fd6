"""Attendance compliance 驻点考勤合规率 (data contract, section 3).

Per manager and ISO week wholly inside the window: required = min(min_onsite_days,
posted workdays of the week); due when required >= 1; compliant when the distinct
posted dates of the week with an on-site log reach `required`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.selectable import Subquery

from data_access.models import Manager
from metrics import calendar as cal
from metrics.sql import query_frame, scoped_manager_ids
from metrics.window import Scope, Window

BY_MANAGER_COLUMNS = ["employee_no", "name", "team", "due", "compliant", "rate"]
MATRIX_COLUMNS = ["employee_no", "name", "team", "week_start", "required", "on_site_days", "compliant"]
MISSED_COLUMNS = ["employee_no", "name", "team", "due", "missed", "missed_weeks"]
WEEK_TOTAL_COLUMNS = ["week_start", "due", "compliant"]


@dataclass(frozen=True)
class AttendanceResult:
    due: int
    compliant: int
    rate: float | None
    by_manager: pd.DataFrame  # BY_MANAGER_COLUMNS, sorted by employee_no


def manager_weeks(window: Window, settings: dict, scope: Scope = Scope(), dialect: str = "sqlite") -> Subquery | None:
    """Due manager-weeks: manager_id, week_start, required, on_site_days, compliant (0/1).

    None when no ISO week lies wholly inside the window. `dialect` picks the
    query shape that is fastest there (same result, see metrics.calendar).
    """
    bounds = cal.full_weeks(window)
    if bounds is None:
        return None
    first, last = bounds
    spans = cal.posting_spans(first, last, scoped_manager_ids(scope, window))

    def on_site(logs):
        return logs.c.on_site.is_(True)

    if dialect == "postgresql":
        per_week = cal.week_counts_joining(spans, first, last, on_site)
    else:
        per_week = cal.week_counts_probing(spans, first, last, on_site)
    required = cal.least(per_week.c.posted_workdays, int(settings["min_onsite_days"]))
    return (
        select(
            per_week.c.manager_id,
            per_week.c.week_start,
            required.label("required"),
            per_week.c.log_days.label("on_site_days"),
            case((per_week.c.log_days >= required, 1), else_=0).label("compliant"),
        )
        .where(per_week.c.posted_workdays >= 1)
        .subquery("manager_weeks")
    )


def compliance(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> AttendanceResult:
    weeks = manager_weeks(window, settings, scope, conn.dialect.name)
    if weeks is None:
        return AttendanceResult(0, 0, None, pd.DataFrame(columns=BY_MANAGER_COLUMNS))
    query = (
        select(
            Manager.employee_no,
            Manager.name,
            Manager.team,
            func.count().label("due"),
            func.sum(weeks.c.compliant).label("compliant"),
        )
        .join_from(weeks, Manager, Manager.id == weeks.c.manager_id)
        .group_by(Manager.id, Manager.employee_no, Manager.name, Manager.team)
    )
    by_manager = cal.rates_frame(conn, query, "compliant", "due", BY_MANAGER_COLUMNS)
    due, compliant = int(by_manager["due"].sum()), int(by_manager["compliant"].sum())
    return AttendanceResult(due, compliant, cal.rate(compliant, due), by_manager)


def weekly_totals(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Due and compliant manager-weeks per ISO week wholly inside the window (WEEK_TOTAL_COLUMNS).

    A week's counts do not depend on the window around it, so compliance() of any window inside
    this one sums the weeks lying wholly inside it: a trend of many windows reads the weeks once.
    Not so with a town scope (the managers posted in the town during the window).
    """
    weeks = manager_weeks(window, settings, scope, conn.dialect.name)
    if weeks is None:
        return pd.DataFrame(columns=WEEK_TOTAL_COLUMNS)
    query = (
        select(weeks.c.week_start, func.count().label("due"), func.sum(weeks.c.compliant).label("compliant"))
        .group_by(weeks.c.week_start)
        .order_by(weeks.c.week_start)
    )
    frame = query_frame(conn, query, WEEK_TOTAL_COLUMNS)
    return frame.astype({"due": int, "compliant": int})


def totals_by_window(
    conn: Connection, windows: list[Window], settings: dict, scope: Scope = Scope()
) -> list[tuple[int, int]]:
    """(due, compliant) of compliance() for each window: the weeks of the windows' span are read
    once (weekly_totals) and each window sums those lying wholly inside it; with a town scope
    window by window (see weekly_totals)."""
    if scope.town is not None:
        return [(r.due, r.compliant) for r in (compliance(conn, w, settings, scope) for w in windows)]
    span = Window(min(w.start for w in windows), max(w.end for w in windows))
    weeks = weekly_totals(conn, span, settings, scope)
    totals = []
    for window in windows:
        inside = weeks[
            (weeks["week_start"] >= window.start) & (weeks["week_start"] <= window.end - dt.timedelta(days=6))
        ]
        totals.append((int(inside["due"].sum()), int(inside["compliant"].sum())))
    return totals


def weekly_matrix(
    conn: Connection, window: Window, settings: dict, scope: Scope = Scope(), only_missed: bool = False
) -> pd.DataFrame:
    """One row per due manager-week (a heat map): MATRIX_COLUMNS, compliant as bool."""
    weeks = manager_weeks(window, settings, scope, conn.dialect.name)
    if weeks is None:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    query = select(weeks.c.manager_id, weeks.c.week_start, weeks.c.required, weeks.c.on_site_days, weeks.c.compliant)
    if only_missed:
        query = query.where(weeks.c.compliant == 0)
    # Plain tuples, and the managers' names joined in pandas: a province quarter has ~30k
    # manager-weeks, and building them as SQLAlchemy rows with three text columns each took
    # longer than the query.
    frame = query_frame(conn, query, ["manager_id", *MATRIX_COLUMNS[3:]])
    managers = query_frame(
        conn, select(Manager.id, Manager.employee_no, Manager.name, Manager.team), ["manager_id", *MATRIX_COLUMNS[:3]]
    )
    frame = frame.merge(managers, on="manager_id")
    frame["compliant"] = frame["compliant"].astype(bool)
    return frame[MATRIX_COLUMNS].sort_values(["employee_no", "week_start"], ignore_index=True)


def by_manager_in(matrix: pd.DataFrame) -> pd.DataFrame:
    """compliance().by_manager from the rows of weekly_matrix() (the same manager-weeks)."""
    if matrix.empty:
        return pd.DataFrame(columns=BY_MANAGER_COLUMNS)
    counts = matrix.groupby("employee_no").agg(due=("week_start", "size"), compliant=("compliant", "sum"))
    frame = (
        matrix.drop_duplicates("employee_no")[["employee_no", "name", "team"]]
        .join(counts.astype(int), on="employee_no")
        .sort_values("employee_no", ignore_index=True)
    )
    frame["rate"] = [cal.rate(c, d) for c, d in zip(frame["compliant"], frame["due"])]
    return frame[BY_MANAGER_COLUMNS]


def non_compliant(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Managers with at least one missed week: MISSED_COLUMNS, missed_weeks = list of Mondays.

    Most missed weeks first, then by employee_no.
    """
    return non_compliant_in(weekly_matrix(conn, window, settings, scope))


def non_compliant_in(matrix: pd.DataFrame) -> pd.DataFrame:
    """non_compliant() from the rows of weekly_matrix() (a screen that has them needs no query)."""
    compliant = matrix["compliant"].astype(bool)
    if compliant.all():
        return pd.DataFrame(columns=MISSED_COLUMNS)
    missed_weeks = matrix[~compliant].groupby("employee_no")["week_start"].agg(list).rename("missed_weeks")
    frame = by_manager_in(matrix.assign(compliant=compliant)).join(missed_weeks, on="employee_no", how="inner")
    frame["missed"] = frame["due"] - frame["compliant"]
    frame = frame.sort_values(["missed", "employee_no"], ascending=[False, True], ignore_index=True)
    return frame[MISSED_COLUMNS]


def section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's `attendance` section."""
    result = compliance(conn, window, settings)
    by_manager = [
        {"employee_no": row.employee_no, "due": int(row.due), "compliant": int(row.compliant), "rate": row.rate}
        for row in result.by_manager.itertuples()
    ]
    return {"due": result.due, "compliant": result.compliant, "rate": result.rate, "by_manager": by_manager}


def weekly_states(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """weekly_matrix plus `state` of each due manager-week: compliant (enough on-site days),
    partial (some on-site days, too few) or missed (none)."""
    matrix = weekly_matrix(conn, window, settings, scope)
    state = pd.Series("missed", index=matrix.index)
    state[matrix["on_site_days"] > 0] = "partial"
    state[matrix["compliant"].astype(bool)] = "compliant"
    return matrix.assign(state=state)
