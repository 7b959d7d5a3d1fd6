"""The only place where screens get data: one-line loaders over read functions.

Each loader runs one read function of metrics/ (KPIs, their rules, the screens' multi-part reads in
metrics.screens) or data_access/ (records) through `read(function, ...)`, the one place that opens
a connection, and returns plain values or DataFrames. Reads are cached with
`st.cache_data(ttl=CACHE_TTL)` keyed by the database URL, the window and the filters; a write calls
`clear_caches()` after committing (ui.forms.submit does). Reads that must not be cached (what the
office acts on, a record about to be edited) call `read` without a cache.

Pattern for a new loader (a screen's table, say):

    @st.cache_data(ttl=CACHE_TTL, show_spinner=False)
    def _attendance_matrix(url: str, start: dt.date, end: dt.date, town, team):
        return read(attendance.weekly_states, Window(start, end), settings(), Scope(town, team))

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
from sqlalchemy.engine import Engine

from data_access import (
    admin,
    attachments,
    audit,
    cases,
    importer,
    lookups,
    manager_record,
    outages,
    security,
    sessions,
    writes,
)
from data_access import subscriptions as subs
from data_access.bootstrap import app_engine
from data_access.db import database_url
from data_access.meetings import list_meetings
from data_access.settings import load_settings
from data_access.users import demo_accounts as db_demo_accounts
from metrics import attendance, experts, lead_time, lifecycle, logs, meeting, plans, screens, segments, value
from metrics import cases as case_metrics
from metrics.window import Scope, Window, trend_months

CACHE_TTL = 300  # seconds
EDITOR_ROW_LIMIT = 500  # rows one bulk editor shows; filters narrow the rest
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


def read(function: Callable[..., T], *args, **kwargs) -> T:
    """`function(conn, *args, **kwargs)` on a connection of its own, closed before returning: the one
    place where a read opens a connection. Cached loaders call it; so do the uncached reads (what
    the office acts on, a record about to be edited)."""
    with engine().connect() as conn:
        return function(conn, *args, **kwargs)


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
    return read(load_settings)


def settings() -> dict[str, float]:
    """The office's thresholds and prices (defaults overlaid with stored values)."""
    return _settings(database_url())


def users_exist() -> bool:
    """Whether any account can log in (the login page's hint for a new installation; not cached)."""
    return read(lookups.any_active_user)


def live_sessions() -> list[dict]:
    """Sessions still open now, newest activity first (not cached: the office acts on them)."""
    return read(sessions.open_sessions, settings())


def locked_usernames() -> dict[str, dt.datetime]:
    """username -> locked until, for usernames locked after failed logins (not cached)."""
    return read(sessions.locked_usernames)


def demo_accounts() -> list[str]:
    """Active accounts the demo made that still have the published demo password (for a banner;
    not cached, so the banner goes as soon as they are changed)."""
    return read(db_demo_accounts)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _filter_choices(url: str) -> tuple[list[str], list[str]]:
    return read(lookups.filter_choices)


def filter_choices() -> tuple[list[str], list[str]]:
    """(towns, teams) present in the data, sorted."""
    return _filter_choices(database_url())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _latest_log_date(url: str) -> dt.date | None:
    return read(lookups.latest_log_date)


def latest_log_date() -> dt.date | None:
    """The newest work-log date, None when there are no logs."""
    return _latest_log_date(database_url())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _calendar_fallback_days(url: str, start: dt.date, end: dt.date) -> int:
    from data_access.calendar import fallback_days

    return read(fallback_days, start, end)


def calendar_fallback_days(window: Window) -> int:
    """Days of the window outside the holiday calendar's years (Mon-Fri assumed)."""
    return _calendar_fallback_days(database_url(), window.start, window.end)


# --- Holiday calendar (views/holiday_calendar.py and the reminders) ---------


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _calendar_coverage(url: str):
    from data_access.calendar import coverage

    return read(coverage)


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

    return read(year_days, year)


def calendar_year(year: int) -> list[dict]:
    """Every day of `year` with its sources (data_access.calendar.year_days): one query."""
    return _calendar_year(database_url(), year)


# --- Overview (views/overview.py) ----------------------------------------------


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _manager_totals(
    url: str, kpi: str, start: dt.date, end: dt.date, town: str | None, team: str | None
) -> list[tuple[int, int]]:
    return read(screens.manager_totals, kpi, Window(start, end), settings(), Scope(town, team))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _calls_and_lead_times(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> dict:
    return read(screens.calls_and_lead_times, Window(start, end), settings(), Scope(town, team))


def overview_manager_totals(kpi: str, window: Window, scope: Scope) -> list[tuple[int, int]]:
    """metrics.screens.manager_totals: `kpi` in each overview window."""
    return _manager_totals(database_url(), kpi, window.start, window.end, scope.town, scope.team)


def overview_calls_and_lead_times(window: Window, scope: Scope) -> dict[str, list[float | None]]:
    """metrics.screens.calls_and_lead_times: calls and lead times in each overview window."""
    return _calls_and_lead_times(database_url(), window.start, window.end, scope.town, scope.team)


# --- Attendance screen (views/attendance.py) ---------------------------------


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _attendance_kpis(
    url: str, start: dt.date, end: dt.date, town: str | None, team: str | None, from_matrix: bool
) -> dict:
    matrix = _attendance_matrix(url, start, end, town, team) if from_matrix else None
    return read(screens.attendance_screen_kpis, Window(start, end), settings(), Scope(town, team), matrix)


def attendance_kpis(window: Window, scope: Scope, from_matrix: bool = False) -> dict:
    """The attendance screen's KPI results (the metrics dataclasses), keyed like the report's sections.
    from_matrix: attendance counted from attendance_matrix(window, scope) (the screen shows it anyway)."""
    return _attendance_kpis(database_url(), window.start, window.end, scope.town, scope.team, from_matrix)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _attendance_matrix(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> pd.DataFrame:
    return read(attendance.weekly_states, Window(start, end), settings(), Scope(town, team))


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


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _open_problems(url: str, as_of: dt.date, town: str | None, team: str | None) -> pd.DataFrame:
    return read(logs.aged_open_problems, as_of, Scope(town, team))


def open_problems(as_of: dt.date, scope: Scope) -> pd.DataFrame:
    """Open problems on `as_of` (metrics.logs.open_problems, oldest first) plus `age_bucket`."""
    return _open_problems(database_url(), as_of, scope.town, scope.team)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _plan_status(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> pd.DataFrame:
    return read(plans.plan_states, Window(start, end), settings(), Scope(town, team))


def plan_status(window: Window, scope: Scope) -> pd.DataFrame:
    """Due manager-months (metrics.plans.plan_status) plus `state`: on_time, late or missing."""
    return _plan_status(database_url(), window.start, window.end, scope.town, scope.team)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _manager_logs(url: str, start: dt.date, end: dt.date, employee_no: str, town: str | None) -> pd.DataFrame:
    return read(logs.manager_logs, Window(start, end), employee_no, Scope(town=town))


def manager_logs(window: Window, employee_no: str, scope: Scope) -> pd.DataFrame:
    """One manager's work logs in the window (metrics.logs.manager_logs)."""
    return _manager_logs(database_url(), window.start, window.end, employee_no, scope.town)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _employee_no(url: str, manager_id: int) -> str | None:
    return read(lookups.employee_no_of, manager_id)


def employee_no_of(manager_id: int | None) -> str | None:
    """The employee_no of a manager id (a manager login's own), None for None."""
    return None if manager_id is None else _employee_no(database_url(), manager_id)


# --- Experts screen (views/experts.py) ---------------------------------------


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _expert_coverage(url: str) -> experts.CoverageResult:
    return read(experts.coverage, settings())


def expert_coverage() -> experts.CoverageResult:
    """Active experts per specialty against the minimum (not windowed, not scoped)."""
    return _expert_coverage(database_url())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _experts_head(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> dict:
    return screens.experts_head(engine(), Window(start, end), settings(), Scope(town, team))


def experts_head(window: Window, scope: Scope) -> dict:
    """The top of the experts screen, read side by side (metrics.experts): calls and calls_before,
    call_stats of the window and of the one before it (the cards); by_specialty, calls_by_specialty."""
    return _experts_head(database_url(), window.start, window.end, scope.town, scope.team)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _expert_details(
    url: str, start: dt.date, end: dt.date, town: str | None, team: str | None, _source: Callable[[], dict] | None
) -> dict:
    return _from_source(_source)


def expert_details_later(window: Window, scope: Scope) -> Callable[[], dict]:
    """Starts reading the lower part of the experts screen in the background (unless cached) and
    returns the function that waits for it (metrics.experts): by_expert (calls and hours per expert
    with a call), response_minutes (answered_minutes), never_called (active experts without a call
    in the window) and open_calls (calls still open at the window's end, oldest first, with age_days)."""
    args = (database_url(), window.start, window.end, scope.town, scope.team)
    current_engine = engine()
    return _read_later(_expert_details, args, lambda: screens.expert_details(current_engine, window, scope))


# --- Customers screen (views/customers.py) -----------------------------------

CUSTOMER_LIST_ROWS = 200  # rows of the customer list on screen; the download has them all


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _segment_table(url: str, as_of: dt.date, town: str | None, team: str | None, by: str) -> pd.DataFrame:
    return screens.segment_table(engine(), as_of, settings(), Scope(town, team), by, filter_choices()[0])


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _segment_overview(url: str, as_of: dt.date, town: str | None, team: str | None) -> dict:
    return screens.segment_overview(_segment_table(url, as_of, town, team, "town"))  # the screen's table too


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
def _customer_page(
    url: str, as_of: dt.date, town: str | None, team: str | None, segment: str | None, search: str | None, limit: int
) -> pd.DataFrame:
    return read(segments.customer_list, as_of, settings(), Scope(town, team), segment, search, limit)


def customer_page(
    as_of: dt.date, scope: Scope, segment: str | None, search: str | None, limit: int = CUSTOMER_LIST_ROWS
) -> pd.DataFrame:
    """The first `limit` customers of metrics.segments.customer_list (by account_no)."""
    return _customer_page(database_url(), as_of, scope.town, scope.team, segment, search, limit)


def customer_list_all(as_of: dt.date, scope: Scope, segment: str | None, search: str | None) -> pd.DataFrame:
    """Every customer of metrics.segments.customer_list in scope (for downloads: not cached, as it
    can hold the whole customer table; a download button calls it only when clicked)."""
    return read(segments.customer_list, as_of, settings(), scope, segment, search)


# --- Lead-time screen (views/lead_time.py) ------------------------------------


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _lead_time_head(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> dict:
    return screens.lead_time_head(engine(), Window(start, end), settings(), Scope(town, team))


def lead_time_head(window: Window, scope: Scope) -> dict:
    """The top of the lead-time screen, read side by side: strata (metrics.lead_time.stratum_counts)
    and before (metrics.lead_time.summary of the window before); from the strata: now (the
    window's summary), distribution (lead_days_counts) and adjusted (the like-for-like reduction
    without its interval: lead_time_interval_later works that out while the screen is drawn)."""
    return _lead_time_head(database_url(), window.start, window.end, scope.town, scope.team)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _lead_time_interval(
    url: str,
    start: dt.date,
    end: dt.date,
    town: str | None,
    team: str | None,
    _source: Callable[[], tuple | None] | None,
) -> tuple[float, float] | None:
    return _from_source(_source)


def lead_time_interval_later(window: Window, scope: Scope, strata: pd.DataFrame) -> Callable[[], tuple | None]:
    """Starts the bootstrap interval of the like-for-like reduction (metrics.lead_time.bootstrap_interval
    of lead_time_head's strata) in the background unless cached; returns the function that waits for it."""
    args = (database_url(), window.start, window.end, scope.town, scope.team)
    return _read_later(_lead_time_interval, args, lambda: lead_time.bootstrap_interval(strata))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _lead_time_details(
    url: str,
    start: dt.date,
    end: dt.date,
    town: str | None,
    team: str | None,
    trend_start: dt.date,
    _source: Callable[[], dict] | None,
) -> dict:
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
    return _read_later(
        _lead_time_details, args, lambda: screens.lead_time_details(current_engine, window, current, scope, first)
    )


# --- Needs screen (views/needs.py) ---------------------------------------------

# The report's keys (metrics.needs.section), in the screen's order.
NEEDS_RULES = ("capacity_increase", "basic_charge_adjustment", "direct_trading", "surge")


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _needs_findings(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> dict:
    return screens.needs_findings(engine(), Window(start, end), settings(), Scope(town, team))


def needs_findings(window: Window, scope: Scope) -> dict[str, pd.DataFrame]:
    """The findings of each rule (NEEDS_RULES keys), one row per finding with its rule text:
    metrics.needs.capacity_increase, basic_charge, direct_trading (team scope dated at the
    window's end) and surge (one row per customer and surge month)."""
    return _needs_findings(database_url(), window.start, window.end, scope.town, scope.team)


def needs_customers(findings: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Distinct customers per rule (the report counts customers, surge has a row per month)."""
    return {rule: int(frame["account_no"].nunique()) for rule, frame in findings.items()}


# --- Needs cases (views/cases.py, views/needs.py, the manager's home) ---------


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _case_figures(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> dict:
    return read(case_metrics.figures, Window(start, end), Scope(town, team))


def case_figures(window: Window, scope: Scope) -> dict:
    """{"conversion", "state_days"} of the window's needs cases (metrics.cases.figures)."""
    return _case_figures(database_url(), window.start, window.end, scope.town, scope.team)


def case_list(as_of: dt.date, open_only: bool = False, manager_id: int | None = None, limit: int = 500) -> pd.DataFrame:
    """Needs cases (data_access.cases.list_cases; not cached: what the office and managers act on)."""
    return read(cases.list_cases, as_of, open_only=open_only, manager_id=manager_id, limit=limit)


def case_row(case_id: int) -> dict | None:
    """One needs case as stored now (data_access.cases.case_row), for the form that moves it."""
    return read(cases.case_row, case_id)


# --- Documents (ui/attachments.py, views/reports.py) ------------------------------


def attachment_list(actor, kind: str, record_id: int, day: dt.date) -> list[dict]:
    """The files of one record (data_access.attachments.list_attachments; not cached)."""
    return read(attachments.list_attachments, actor, kind, record_id, day)


def attachment_file(actor, attachment_id: int, day: dt.date) -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of one file (data_access.attachments.attachment_file; not cached)."""
    return read(attachments.attachment_file, actor, attachment_id, day)


def may_attach(actor, kind: str, record_id: int, day: dt.date) -> bool:
    """Whether `actor` may add files to the record (data_access.attachments.may_attach)."""
    return read(attachments.may_attach, actor, kind, record_id, day)


def unit_reports() -> list[dict]:
    """The collaborating units' reports, newest period first (data_access.attachments.list_unit_reports)."""
    return read(attachments.list_unit_reports)


# --- Value (views/value.py, the overview) ---------------------------------------


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _value_figures(url: str, start: dt.date, end: dt.date, town: str | None, team: str | None) -> dict:
    return read(value.value, Window(start, end), settings(), Scope(town, team))


def value_figures(window: Window, scope: Scope) -> dict:
    """The value figures of the window (metrics.value.value; the report's "value" section for all)."""
    return _value_figures(database_url(), window.start, window.end, scope.town, scope.team)


# --- Records read fresh (not cached) for entry, account and office screens ----


def stored_row(sheet: str, key: dict) -> dict | None:
    """One row of a contract sheet in form shape, as stored now (data_access.writes.load_row)."""
    return read(writes.load_row, sheet, key)


def account(username: str) -> dict | None:
    """username, display_name, role, email, active and employee_no of one account."""
    return read(subs.account, username)


def validate_import(source, progress: Callable[[str, float], None]) -> importer.ImportResult:
    """What importing `source` would do, checked against the database (nothing written)."""
    return read(importer.validate_source, source, progress)


def subscriptions_of(username: str | None) -> list[dict]:
    """The subscriptions of `username` (every one for None)."""
    return read(subs.list_subscriptions, username)


def subscription_scopes() -> dict:
    """The towns and teams a subscription may be scoped to."""
    return read(subs.scope_choices)


def delivery_counts(since: dt.date) -> dict:
    return read(subs.delivery_counts, since)


def delivery_log(since: dt.date, status: str | None, limit: int) -> list[dict]:
    return read(subs.delivery_log, since=since, status=status, limit=limit)


def delivery_message(delivery_id: int) -> tuple[dict | None, str | None]:
    """A delivered message and the name of its attached file (None when it has none)."""
    return read(subs.delivery_with_file_name, delivery_id)


def audit_choices(start: dt.date, end: dt.date) -> dict:
    return read(audit.audit_choices, start, end)


def audit_entries(start: dt.date, end: dt.date, **filters) -> tuple[list[dict], int]:
    """(entries, total) of the data-change log (data_access.audit.query_audit)."""
    return read(audit.query_audit, start, end, **filters)


def security_usernames(start: dt.date, end: dt.date) -> list[str]:
    return read(security.event_usernames, start, end)


def security_events(start: dt.date, end: dt.date, **filters) -> tuple[list[dict], int]:
    """(events, total) of the security event log (data_access.security.query_events)."""
    return read(security.query_events, start, end, **filters)


# --- Joint meeting (views/meeting.py) -----------------------------------------


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _agenda(url: str, as_of: dt.date, town: str | None, team: str | None) -> meeting.Agenda:
    return read(meeting.agenda, as_of, settings(), Scope(town, team))


def agenda(as_of: dt.date, scope: Scope) -> meeting.Agenda:
    """The meeting agenda on `as_of` (metrics.meeting.agenda)."""
    return _agenda(database_url(), as_of, scope.town, scope.team)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _meetings(url: str) -> pd.DataFrame:
    return read(list_meetings)


def meetings() -> pd.DataFrame:
    """The recorded joint meetings, newest first (data_access.meetings.list_meetings)."""
    return _meetings(database_url())


def brief_pdf(window: Window, as_of: dt.date, lang: str) -> bytes:
    """The meeting brief as PDF bytes (reports.brief.build_brief; not cached: made on request)."""
    from reports.brief import build_brief

    return read(build_brief, window, as_of, settings(), lang)


# --- Entry screens' reads (ui.forms, views/entry_*; cleared with every other cache after a write) -------------------------------


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _entry_rows(
    url: str, sheet: str, equals: tuple, search: str | None, search_columns: tuple, limit: int
) -> tuple[list[dict], int]:
    return read(
        lookups.find_rows, sheet, equals=dict(equals), search=search, search_columns=search_columns, limit=limit
    )


def entry_rows(
    sheet: str,
    equals: dict | None = None,
    search: str | None = None,
    search_columns: tuple[str, ...] = (),
    limit: int = EDITOR_ROW_LIMIT,
) -> tuple[list[dict], int]:
    """(rows, total) of a contract sheet in form shape (data_access.lookups.find_rows)."""
    return _entry_rows(database_url(), sheet, tuple(sorted((equals or {}).items())), search, search_columns, limit)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _entry_distinct(url: str, sheet: str, column: str) -> list:
    return read(lookups.distinct_values, sheet, column)


def entry_distinct(sheet: str, column: str) -> list:
    return _entry_distinct(database_url(), sheet, column)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _postings_on(url: str, manager_id: int, day: dt.date) -> list[tuple[str, str]]:
    return read(writes.manager_postings_on, manager_id, day)


def postings_on(manager_id: int, day: dt.date) -> list[tuple[str, str]]:
    """(account_no, name) of the customers the manager is posted to on `day`."""
    return _postings_on(database_url(), manager_id, day)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _days_without_log(url: str, manager_id: int, start: dt.date, end: dt.date) -> list[dt.date]:
    return read(writes.days_without_log, manager_id, start, end)


def days_without_log(manager_id: int, start: dt.date, end: dt.date) -> list[dt.date]:
    """The posted workdays in [start, end] without a log, newest first."""
    return _days_without_log(database_url(), manager_id, start, end)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _log_on(url: str, manager_id: int, account_no: str, day: dt.date) -> dict | None:
    return read(writes.manager_log_on, manager_id, account_no, day)


def log_on(manager_id: int, account_no: str, day: dt.date) -> dict | None:
    """The manager's stored log for one customer and day (form shape), or None."""
    return _log_on(database_url(), manager_id, account_no, day)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _entry_logs(url: str, manager_id: int, start: dt.date, end: dt.date) -> list[dict]:
    return read(writes.manager_logs, manager_id, start, end)


def entry_logs(manager_id: int, start: dt.date, end: dt.date) -> list[dict]:
    """A manager's logs dated start..end, newest first, in form shape (with id and version)."""
    return _entry_logs(database_url(), manager_id, start, end)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _manager_ids(url: str) -> dict[str, int]:
    return read(lookups.manager_ids)


def manager_ids() -> dict[str, int]:
    """employee_no -> manager id of every manager (the office picks whose entry it makes)."""
    return _manager_ids(database_url())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _admin_read(url: str, what: str) -> list[dict]:
    readers = {"users": admin.list_users, "settings": admin.settings_rows, "calendar": admin.calendar_overrides}
    return read(readers[what])


def users() -> list[dict]:
    return _admin_read(database_url(), "users")


def settings_rows() -> list[dict]:
    return _admin_read(database_url(), "settings")


def calendar_overrides() -> list[dict]:
    return _admin_read(database_url(), "calendar")


# --- Manager lifecycle: the roster and the manager page -----------------------------------------


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _lifecycle_states(
    url: str, as_of: dt.date, town: str | None, team: str | None, state: str | None, search: str | None
) -> pd.DataFrame:
    return read(lifecycle.states, as_of, settings(), Scope(town, team), state, search)


def lifecycle_states(as_of: dt.date, scope: Scope, state: str | None = None, search: str | None = None) -> pd.DataFrame:
    """Managers in scope with their lifecycle state on `as_of` (metrics.lifecycle)."""
    return _lifecycle_states(database_url(), as_of, scope.town, scope.team, state, search or None)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _manager_record(url: str, employee_no: str, day: dt.date) -> dict | None:
    return read(manager_record.manager_record, employee_no, day)


def manager_page_record(employee_no: str, day: dt.date) -> dict | None:
    """One manager's records for the manager page (data_access.manager_record)."""
    return _manager_record(database_url(), employee_no, day)


def outage_plans(start: dt.date, end: dt.date, manager_id: int | None) -> list[dict]:
    """Outage plans start..end (a manager: of their own customers); not cached: the form edits them."""
    return read(outages.outage_plans, start, end, manager_id=manager_id)
