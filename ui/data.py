"""Cached loaders: the only place where screens get data.

Every loader opens `engine().connect()`, calls metrics/ or data_access/, and
returns plain values or DataFrames. Reads are cached with
`st.cache_data(ttl=CACHE_TTL)` keyed by the database URL, the window and
the filters; a write form calls `clear_caches()` after committing.

Pattern for a new loader (a screen's table, say):

    @st.cache_data(ttl=CACHE_TTL, show_spinner=False)
    def _attendance_matrix(url: str, start: dt.date, end: dt.date, town, team):
        with engine().connect() as conn:
            return attendance.weekly_matrix(conn, Window(start, end), settings(), Scope(town, team))

    def attendance_matrix(window: Window, scope: Scope) -> pd.DataFrame:
        return _attendance_matrix(database_url(), window.start, window.end, scope.town, scope.team)

(Cached functions take plain arguments so Streamlit can hash them; the
database URL is one of them so tests with different DATABASE_URLs never
share a cache entry.)
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from data_access import sessions
from data_access.bootstrap import app_engine
from data_access.db import database_url
from data_access.models import Customer, Manager, User, WorkLog
from data_access.settings import load_settings
from data_access.users import demo_accounts as db_demo_accounts
from metrics import attendance, experts, lead_time, logs, needs, plans, segments, training
from metrics.calendar import rate
from metrics.sql import named_side_by_side, side_by_side
from metrics.window import Scope, Window

CACHE_TTL = 300  # seconds
TREND_MONTHS = 12
T = TypeVar("T")


@st.cache_resource(show_spinner="正在准备数据库 / Preparing the database…")
def _engine(url: str) -> Engine:
    return app_engine()


def engine() -> Engine:
    """The app's engine (DATABASE_URL or data/dashboard.db; the demo on a first start)."""
    return _engine(database_url())


def clear_caches() -> None:
    """Forget every cached read; call after a write so all screens show it."""
    st.cache_data.clear()


# --- Reading in the background ----------------------------------------------
# A cached loader that takes `_source` (not hashed: the arguments before it are the key) can be read
# in the background while the screen draws what it has. The worker threads run only metrics/ and
# SQLAlchemy code, never a Streamlit call; the script's own thread caches the result.

_BACKGROUND = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dashboard-read")


class _NotCached(Exception):
    """Raised by a cached loader called without a source: Streamlit caches nothing on an exception."""


def _from_source(source: Callable[[], T] | None) -> T:
    if source is None:
        raise _NotCached
    return source()


def _read_later(loader: Callable[..., T], args: tuple, compute: Callable[[], T]) -> Callable[[], T]:
    """`loader(*args)`'s cached value if there is one; else `compute()` starts on a worker thread.
    Returns the function that gives the value (waiting for the worker, then caching its result)."""
    try:
        value = loader(*args, _source=None)
    except _NotCached:
        future = _BACKGROUND.submit(compute)
        return lambda: loader(*args, _source=future.result)
    return lambda: value


# --- Reference data -------------------------------------------------------

@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _settings(url: str) -> dict[str, float]:
    with engine().connect() as conn:
        return load_settings(conn)


def settings() -> dict[str, float]:
    """The office's thresholds and prices (defaults overlaid with stored values)."""
    return _settings(database_url())


def users_exist() -> bool:
    """Whether any account can log in (the login page's hint for a new installation; not cached)."""
    with engine().connect() as conn:
        return conn.execute(select(User.id).where(User.active.is_(True)).limit(1)).first() is not None


def live_sessions() -> list[dict]:
    """Sessions still open now, newest activity first (not cached: the office acts on them)."""
    with engine().connect() as conn:
        return sessions.open_sessions(conn, settings())


def locked_usernames() -> dict[str, dt.datetime]:
    """username -> locked until, for usernames locked after failed logins (not cached)."""
    with engine().connect() as conn:
        return sessions.locked_usernames(conn)


def demo_accounts() -> list[str]:
    """Active accounts the demo made that still have the published demo password (for a banner;
    not cached, so the banner goes as soon as they are changed)."""
    with engine().connect() as conn:
        return db_demo_accounts(conn)


def distinct_values(conn, column) -> list:
    """The distinct non-NULL values of an indexed column, sorted. One index seek per value (each
    value is the least one after the previous) instead of a pass over every row: 1,582 towns of
    300,000 customers in 5 ms instead of 15."""
    steps = select(func.min(column).label("value")).cte("steps", recursive=True)
    following = select(func.min(column)).where(column > steps.c.value).scalar_subquery()
    steps = steps.union_all(select(following).where(steps.c.value.is_not(None)))
    return list(conn.execute(select(steps.c.value).where(steps.c.value.is_not(None)).order_by(steps.c.value))
                .scalars())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _filter_choices(url: str) -> tuple[list[str], list[str]]:
    with engine().connect() as conn:
        return distinct_values(conn, Customer.town), distinct_values(conn, Manager.team)


def filter_choices() -> tuple[list[str], list[str]]:
    """(towns, teams) present in the data, sorted."""
    return _filter_choices(database_url())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _latest_log_date(url: str) -> dt.date | None:
    with engine().connect() as conn:
        return conn.execute(select(func.max(WorkLog.date))).scalar()


def latest_log_date() -> dt.date | None:
    """The newest work-log date, None when there are no logs."""
    return _latest_log_date(database_url())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _calendar_fallback_days(url: str, start: dt.date, end: dt.date) -> int:
    from data_access.calendar import fallback_days

    with engine().connect() as conn:
        return fallback_days(conn, start, end)


def calendar_fallback_days(window: Window) -> int:
    """Days of the window outside the holiday calendar's years (Mon-Fri assumed)."""
    return _calendar_fallback_days(database_url(), window.start, window.end)


# --- Holiday calendar (views/holiday_calendar.py and the reminders) ---------

@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _calendar_coverage(url: str):
    from data_access.calendar import coverage

    with engine().connect() as conn:
        return coverage(conn)


def calendar_coverage():
    """data_access.calendar.Coverage: the package's years and the years the office loaded."""
    return _calendar_coverage(database_url())


def calendar_years_to_load(today: dt.date) -> tuple[int, ...]:
    """The years whose holiday arrangement is due and missing on `today` (years_to_load)."""
    from data_access.calendar import years_to_load

    return years_to_load(calendar_coverage(), today)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _calendar_year(url: str, year: int) -> list[dict]:
    from data_access.calendar import year_days

    with engine().connect() as conn:
        return year_days(conn, year)


def calendar_year(year: int) -> list[dict]:
    """Every day of `year` with its sources (data_access.calendar.year_days): one query."""
    return _calendar_year(database_url(), year)


# --- Headline KPIs (overview) ---------------------------------------------

def _headline_values(conn, window: Window, settings: dict, scope: Scope) -> dict[str, float | int | None]:
    """The overview's windowed headline numbers, computed by metrics/."""
    att = attendance.compliance(conn, window, settings, scope)
    comp = logs.completeness(conn, window, settings, scope)
    train = training.compliance(conn, window, settings, scope)
    values = _manager_values(att.due, att.compliant, comp.posted_workdays, comp.logged_workdays,
                             train.managers, train.compliant)
    values.update(_call_and_lead_time_values(conn, window, settings, scope))
    return values


def _manager_values(due: int, compliant: int, posted: int, logged: int, managers: int,
                    trained: int) -> dict[str, float | int | None]:
    return {"attendance_rate": rate(compliant, due), "attendance_due": due, "attendance_compliant": compliant,
            "log_completeness_rate": rate(logged, posted), "log_posted_workdays": posted,
            "log_logged_workdays": logged, "training_rate": rate(trained, managers),
            "training_managers": managers, "training_compliant": trained}


def _call_and_lead_time_values(conn, window: Window, settings: dict, scope: Scope) -> dict:
    calls = experts.call_stats(conn, window, settings, scope)  # not the per-expert table
    return {"expert_calls": calls.count, "expert_median_response_minutes": calls.median_response_minutes,
            **_lead_time_values(conn, window, settings, scope)}


def _trend_values(conn, months: list[Window], settings: dict, scope: Scope) -> list[dict]:
    """_headline_values of each month (consecutive, as trend_months gives them).

    The manager KPIs are read once for all the months (per ISO week, per month, per manager) and
    summed per month: 12 separate reads cost the overview seconds at province scale. A town scope
    picks the managers posted in the town during each month, so it reads month by month.
    """
    if scope.town is not None:
        return [_headline_values(conn, month, settings, scope) for month in months]
    span = Window(months[0].start, months[-1].end)
    weeks = attendance.weekly_totals(conn, span, settings, scope)
    monthly = logs.monthly_completeness(conn, span, settings, scope).set_index("month")
    first_postings = training.compliance(conn, span, settings, scope).detail
    rows = []
    for month in months:
        inside = weeks[(weeks["week_start"] >= month.start)
                       & (weeks["week_start"] <= month.end - dt.timedelta(days=6))]
        posted, logged = monthly.loc[month.start].tolist() if month.start in monthly.index else (0, 0)
        trained = first_postings[first_postings["first_posting_start"] <= month.end]
        values = _manager_values(int(inside["due"].sum()), int(inside["compliant"].sum()), int(posted),
                                 int(logged), len(trained), int(trained["compliant"].sum()))
        values.update(_call_and_lead_time_values(conn, month, settings, scope))
        rows.append(values)
    return rows


def _lead_time_values(conn, window: Window, settings: dict, scope: Scope) -> dict:
    result = lead_time.summary(conn, window, settings, scope)
    return {"lead_resident_mean": result.resident.mean_days, "lead_other_mean": result.other.mean_days,
            "lead_reduction": result.reduction_days}


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _headline(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> dict:
    window, scope = Window(start, end), Scope(town, team)
    with engine().connect() as conn:
        current_settings = load_settings(conn)
        values = _headline_values(conn, window, current_settings, scope)
        cover = experts.coverage(conn, current_settings)
    values.update(expert_covered=cover.covered, expert_specialties=len(cover.by_specialty),
                  expert_coverage_rate=cover.rate, expert_by_specialty=dict(cover.by_specialty))
    return values


def headline(window: Window, scope: Scope) -> dict:
    """The overview's numbers for a window and scope (keys as in _headline_values, plus coverage)."""
    return _headline(database_url(), window.start, window.end, scope.town, scope.team)


def trend_months(window: Window, months: int = TREND_MONTHS) -> list[Window]:
    """The last `months` calendar months up to the window's end, each a window (the last one cut at the end)."""
    first = window.end.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    windows = []
    for start in reversed(starts):
        next_month = (start + dt.timedelta(days=32)).replace(day=1)
        windows.append(Window(start, min(next_month - dt.timedelta(days=1), window.end)))
    return windows


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _headline_trend(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None,
                    months: int) -> pd.DataFrame:
    scope = Scope(town, team)
    windows = trend_months(Window(start, end), months)
    with engine().connect() as conn:
        values = _trend_values(conn, windows, load_settings(conn), scope)
    return pd.DataFrame([{"month": month.start, **row} for month, row in zip(windows, values)])


def headline_trend(window: Window, scope: Scope, months: int = TREND_MONTHS) -> pd.DataFrame:
    """One row per month (column `month` = its first day) with the headline numbers of that month."""
    return _headline_trend(database_url(), window.start, window.end, scope.town, scope.team, months)


# --- Attendance screen (views/attendance.py) ---------------------------------

# Open problems by age in days: (label key, first day, last day or None).
AGE_BUCKETS = (("0_7", 0, 7), ("8_30", 8, 30), ("31_90", 31, 90), ("over_90", 91, None))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _attendance_kpis(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None,
                     from_matrix: bool) -> dict:
    window, scope = Window(start, end), Scope(town, team)
    with engine().connect() as conn:
        current = load_settings(conn)
        if from_matrix:  # the same manager-weeks as the heat map's (cached) matrix: no second query
            by_manager = attendance.by_manager_in(_attendance_matrix(url, start, end, town, team))
            due, compliant = int(by_manager["due"].sum()), int(by_manager["compliant"].sum())
            compliance = attendance.AttendanceResult(due, compliant, rate(compliant, due), by_manager)
        else:
            compliance = attendance.compliance(conn, window, current, scope)
        return {
            "attendance": compliance,
            "log_completeness": logs.completeness(conn, window, current, scope),
            "problem_closure": logs.problem_closure(conn, window, current, scope),
            "monthly_plans": plans.summary(conn, window, current, scope),
            "training": training.compliance(conn, window, current, scope),
        }


def attendance_kpis(window: Window, scope: Scope, from_matrix: bool = False) -> dict:
    """The attendance screen's KPI results (the metrics dataclasses), keyed like the report's sections.
    from_matrix: attendance counted from attendance_matrix(window, scope) (the screen shows it anyway)."""
    return _attendance_kpis(database_url(), window.start, window.end, scope.town, scope.team, from_matrix)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _attendance_matrix(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        frame = attendance.weekly_matrix(conn, Window(start, end), load_settings(conn), Scope(town, team))
    frame["state"] = "missed"
    frame.loc[frame["on_site_days"] > 0, "state"] = "partial"
    frame.loc[frame["compliant"], "state"] = "compliant"
    return frame


def attendance_matrix(window: Window, scope: Scope) -> pd.DataFrame:
    """Due manager-weeks (metrics.attendance.weekly_matrix) plus `state`: compliant, partial
    (some on-site days, fewer than required) or missed (none)."""
    return _attendance_matrix(database_url(), window.start, window.end, scope.town, scope.team)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _attendance_missed(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> pd.DataFrame:
    return attendance.non_compliant_in(_attendance_matrix(url, start, end, town, team))  # no second query


def attendance_missed(window: Window, scope: Scope) -> pd.DataFrame:
    """Managers with a missed week (metrics.attendance.non_compliant), most missed first."""
    return _attendance_missed(database_url(), window.start, window.end, scope.town, scope.team)


def age_bucket(age_days: int) -> str:
    """The AGE_BUCKETS label of an age in days."""
    for label, first, last in AGE_BUCKETS:
        if age_days >= first and (last is None or age_days <= last):
            return label
    return AGE_BUCKETS[0][0]  # a log dated after as_of cannot be open; keep it visible anyway


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _open_problems(url: str, as_of: dt.date, town: str | None, team: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        frame = logs.open_problems(conn, as_of, Scope(town, team))
    frame["age_bucket"] = frame["age_days"].map(age_bucket)
    return frame


def open_problems(as_of: dt.date, scope: Scope) -> pd.DataFrame:
    """Open problems on `as_of` (metrics.logs.open_problems, oldest first) plus `age_bucket`."""
    return _open_problems(database_url(), as_of, scope.town, scope.team)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _plan_status(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        frame = plans.plan_status(conn, Window(start, end), load_settings(conn), Scope(town, team))
    frame["state"] = "late"
    frame.loc[frame["submitted_on"].isna(), "state"] = "missing"
    frame.loc[frame["on_time"], "state"] = "on_time"
    return frame


def plan_status(window: Window, scope: Scope) -> pd.DataFrame:
    """Due manager-months (metrics.plans.plan_status) plus `state`: on_time, late or missing."""
    return _plan_status(database_url(), window.start, window.end, scope.town, scope.team)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _manager_logs(url: str, start: dt.date, end: dt.date, employee_no: str, town: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return logs.manager_logs(conn, Window(start, end), employee_no, Scope(town=town))


def manager_logs(window: Window, employee_no: str, scope: Scope) -> pd.DataFrame:
    """One manager's work logs in the window (metrics.logs.manager_logs)."""
    return _manager_logs(database_url(), window.start, window.end, employee_no, scope.town)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _employee_no(url: str, manager_id: int) -> str | None:
    with engine().connect() as conn:
        return conn.execute(select(Manager.employee_no).where(Manager.id == manager_id)).scalar()


def employee_no_of(manager_id: int | None) -> str | None:
    """The employee_no of a manager id (a manager login's own), None for None."""
    return None if manager_id is None else _employee_no(database_url(), manager_id)


# --- Experts screen (views/experts.py) ---------------------------------------

@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _expert_coverage(url: str) -> experts.CoverageResult:
    with engine().connect() as conn:
        return experts.coverage(conn, load_settings(conn))


def expert_coverage() -> experts.CoverageResult:
    """Active experts per specialty against the minimum (not windowed, not scoped)."""
    return _expert_coverage(database_url())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _experts_head(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> dict:
    window, scope, current = Window(start, end), Scope(town, team), settings()
    reads = {
        "calls": lambda conn: experts.call_stats(conn, window, current, scope),
        "calls_before": lambda conn: experts.call_stats(conn, window.previous(), current, scope),
        "by_specialty": lambda conn: experts.calls_by_specialty(conn, window, current, scope),
    }
    return named_side_by_side(engine(), reads)


def experts_head(window: Window, scope: Scope) -> dict:
    """The top of the experts screen, read side by side (metrics.experts): calls and calls_before,
    call_stats of the window and of the one before it (the cards); by_specialty, calls_by_specialty."""
    return _experts_head(database_url(), window.start, window.end, scope.town, scope.team)


def _expert_details_now(engine: Engine, window: Window, scope: Scope) -> dict:
    reads = {  # the longest first
        "by_expert": lambda conn: experts.by_expert(conn, window, scope),
        "open_calls": lambda conn: experts.open_calls(conn, window.end, scope),
        "never_called": lambda conn: experts.never_called(conn, window, scope),
        "response_minutes": lambda conn: experts.answered_minutes(conn, window, scope),
    }
    return named_side_by_side(engine, reads)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _expert_details(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None,
                    _source: Callable[[], dict] | None) -> dict:
    return _from_source(_source)


def expert_details_later(window: Window, scope: Scope) -> Callable[[], dict]:
    """Starts reading the lower part of the experts screen in the background (unless cached) and
    returns the function that waits for it (metrics.experts): by_expert (calls and hours per expert
    with a call), response_minutes (answered_minutes), never_called (active experts without a call
    in the window) and open_calls (calls still open at the window's end, oldest first, with age_days)."""
    args = (database_url(), window.start, window.end, scope.town, scope.team)
    current_engine = engine()
    return _read_later(_expert_details, args, lambda: _expert_details_now(current_engine, window, scope))


# --- Customers screen (views/customers.py) -----------------------------------

CUSTOMER_LIST_ROWS = 200  # rows of the customer list on screen; the download has them all


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _segment_table(url: str, as_of: dt.date, town: str | None, team: str | None, by: str) -> pd.DataFrame:
    scope, current = Scope(town, team), settings()
    towns = filter_choices()[0]
    if by != "town" or town is not None or len(towns) < 2:
        with engine().connect() as conn:
            return segments.combination_table(conn, as_of, current, scope, by)
    # One pass over every customer: the two halves of the towns counted side by side.
    middle = towns[len(towns) // 2]
    parts = side_by_side(engine(), [
        lambda conn: segments.combination_table(conn, as_of, current, scope, by, towns=(None, middle)),
        lambda conn: segments.combination_table(conn, as_of, current, scope, by, towns=(middle, None)),
    ])
    return segments.merge_parts(parts, by)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _segment_overview(url: str, as_of: dt.date, town: str | None, team: str | None) -> dict:
    table = _segment_table(url, as_of, town, team, "town")  # the per-town counts the screen shows too
    counts = segments.counts_of(table)
    segmented = counts["total"] - counts["none"]
    return {"counts": {**counts, "segmented": segmented,
                       "coverage_rate": counts["covered"] / segmented if segmented else None},
            "overlaps": segments.overlaps_of(table)}


def segment_overview(as_of: dt.date, scope: Scope) -> dict:
    """counts: metrics.segments.segment_counts on `as_of` plus segmented (customers in a segment)
    and coverage_rate (covered ÷ segmented, None without segment customers); overlaps: customers
    per combination of segments (metrics.segments.overlaps)."""
    return _segment_overview(database_url(), as_of, scope.town, scope.team)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _segment_breakdown(url: str, as_of: dt.date, town: str | None, team: str | None, by: str) -> pd.DataFrame:
    frame = segments.breakdown_of(_segment_table(url, as_of, town, team, by), by)
    frame["segmented"] = frame["total"] - frame["none"]
    frame["coverage_rate"] = (frame["covered"] / frame["segmented"].where(frame["segmented"] > 0)).astype(float)
    return frame


def segment_breakdown(as_of: dt.date, scope: Scope, by: str) -> pd.DataFrame:
    """Segment counts per town / industry / voltage_kv (metrics.segments.breakdown, largest first)
    plus segmented and coverage_rate (covered ÷ segmented; NaN without segment customers)."""
    return _segment_breakdown(database_url(), as_of, scope.town, scope.team, by)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _customer_page(url: str, as_of: dt.date, town: str | None, team: str | None, segment: str | None,
                   search: str | None, limit: int) -> pd.DataFrame:
    with engine().connect() as conn:
        return segments.customer_list(conn, as_of, load_settings(conn), Scope(town, team), segment, search, limit)


def customer_page(as_of: dt.date, scope: Scope, segment: str | None, search: str | None,
                  limit: int = CUSTOMER_LIST_ROWS) -> pd.DataFrame:
    """The first `limit` customers of metrics.segments.customer_list (by account_no)."""
    return _customer_page(database_url(), as_of, scope.town, scope.team, segment, search, limit)


def customer_list_all(as_of: dt.date, scope: Scope, segment: str | None, search: str | None) -> pd.DataFrame:
    """Every customer of metrics.segments.customer_list in scope (for downloads: not cached, as it
    can hold the whole customer table; a download button calls it only when clicked)."""
    with engine().connect() as conn:
        return segments.customer_list(conn, as_of, load_settings(conn), scope, segment, search)


# --- Lead-time screen (views/lead_time.py) ------------------------------------

def stage_limit_table(settings: dict) -> pd.DataFrame:
    """stage, limit_single, limit_dual (working days; the same but for the plan reply) and checked
    (whether the stage counts towards over-limit) for each stage of metrics.lead_time.STAGES."""
    limits = lead_time.stage_limits(settings)
    rows = []
    for stage in lead_time.STAGES:
        if stage == "plan_reply":
            single, dual = limits["stage_limit_plan_reply_single"], limits["stage_limit_plan_reply_dual"]
        else:
            single = dual = limits[f"stage_limit_{stage}"]
        rows.append({"stage": stage, "limit_single": single, "limit_dual": dual,
                     "checked": stage in lead_time.GRID_STAGES})
    return pd.DataFrame(rows)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _lead_time_head(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> dict:
    window, scope, current = Window(start, end), Scope(town, team), settings()
    reads = {
        "strata": lambda conn: lead_time.stratum_counts(conn, window, current, scope),
        "before": lambda conn: lead_time.summary(conn, window.previous(), current, scope),
    }
    head = named_side_by_side(engine(), reads)
    head["now"] = lead_time.summary_of(head["strata"])  # the window's own, from the same counts
    head["distribution"] = lead_time.lead_days_counts_of(head["strata"])
    head["adjusted"] = lead_time.adjusted_of(head["strata"], interval=False)
    return head


def lead_time_head(window: Window, scope: Scope) -> dict:
    """The top of the lead-time screen, read side by side: strata (metrics.lead_time.stratum_counts)
    and before (metrics.lead_time.summary of the window before); from the strata: now (the
    window's summary), distribution (lead_days_counts) and adjusted (the like-for-like reduction
    without its interval: lead_time_interval_later works that out while the screen is drawn)."""
    return _lead_time_head(database_url(), window.start, window.end, scope.town, scope.team)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _lead_time_interval(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None,
                        _source: Callable[[], tuple | None] | None) -> tuple[float, float] | None:
    return _from_source(_source)


def lead_time_interval_later(window: Window, scope: Scope, strata: pd.DataFrame) -> Callable[[], tuple | None]:
    """Starts the bootstrap interval of the like-for-like reduction (metrics.lead_time.bootstrap_interval
    of lead_time_head's strata) in the background unless cached; returns the function that waits for it."""
    args = (database_url(), window.start, window.end, scope.town, scope.team)
    return _read_later(_lead_time_interval, args, lambda: lead_time.bootstrap_interval(strata))


def _lead_time_details_now(engine: Engine, window: Window, scope: Scope, current: dict, trend_start: dt.date) -> dict:
    over, stages, trend = side_by_side(engine, [  # the longest first
        lambda conn: lead_time.over_limit_reasons(conn, window, current, scope),
        lambda conn: lead_time.stage_summary(conn, window, current, scope),
        lambda conn: lead_time.monthly_trend(conn, Window(trend_start, window.end), current, scope),
    ])
    return {
        "trend": trend,
        "stages": stages,
        "limits": stage_limit_table(current),
        "over_limit_applications": over["app_no"].nunique(),
        "stalled_applications": int((over["state"] == "stalled").sum()),
        "over_limit": over,
    }


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _lead_time_details(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None,
                       trend_start: dt.date, _source: Callable[[], dict] | None) -> dict:
    return _from_source(_source)


def lead_time_details_later(window: Window, scope: Scope, months: int = TREND_MONTHS) -> Callable[[], dict]:
    """Starts reading the lower part of the lead-time screen in the background (unless cached) and
    returns the function that waits for it, so the screen draws its cards and distributions meanwhile:

    trend: metrics.lead_time.monthly_trend over the window's months and at least the last `months`
    months up to its end (the last month cut at its end); stages (stage_summary), limits
    (stage_limit_table), over_limit (over_limit_reasons: a row per reason) with the number of
    applications over their limit and of those stalled.
    """
    first = min(window.start, trend_months(window, months)[0].start).replace(day=1)
    args = (database_url(), window.start, window.end, scope.town, scope.team, first)
    current_engine, current = engine(), settings()
    return _read_later(_lead_time_details, args,
                       lambda: _lead_time_details_now(current_engine, window, scope, current, first))


# --- Needs screen (views/needs.py) ---------------------------------------------

# The report's keys (metrics.needs.section), in the screen's order.
NEEDS_RULES = ("capacity_increase", "basic_charge_adjustment", "direct_trading", "surge")


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _needs_findings(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> dict:
    window, scope, current = Window(start, end), Scope(town, team), settings()
    (capacity, charge), surge, trading = side_by_side(engine(), [  # the longest first
        lambda conn: needs.demand_findings(conn, window, current, scope),
        lambda conn: needs.surge(conn, window, current, scope),
        lambda conn: needs.direct_trading(conn, current, scope, as_of=end),
    ])
    return {"capacity_increase": capacity, "basic_charge_adjustment": charge, "direct_trading": trading,
            "surge": surge}


def needs_findings(window: Window, scope: Scope) -> dict[str, pd.DataFrame]:
    """The findings of each rule (NEEDS_RULES keys), one row per finding with its rule text:
    metrics.needs.capacity_increase, basic_charge, direct_trading (team scope dated at the
    window's end) and surge (one row per customer and surge month)."""
    return _needs_findings(database_url(), window.start, window.end, scope.town, scope.team)


def needs_customers(findings: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Distinct customers per rule (the report counts customers, surge has a row per month)."""
    return {rule: int(frame["account_no"].nunique()) for rule, frame in findings.items()}

