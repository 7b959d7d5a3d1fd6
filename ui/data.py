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

import pandas as pd
import streamlit as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from data_access.bootstrap import app_engine
from data_access.db import database_url
from data_access.models import Customer, Manager, WorkLog
from data_access.settings import load_settings
from data_access.users import active_users as db_active_users
from metrics import attendance, experts, lead_time, logs, training
from metrics.window import Scope, Window

CACHE_TTL = 300  # seconds
TREND_MONTHS = 12


@st.cache_resource(show_spinner="正在准备数据库 / Preparing the database…")
def _engine(url: str) -> Engine:
    return app_engine()


def engine() -> Engine:
    """The app's engine (DATABASE_URL or data/dashboard.db; the demo on a first start)."""
    return _engine(database_url())


def clear_caches() -> None:
    """Forget every cached read; call after a write so all screens show it."""
    st.cache_data.clear()


# --- Reference data -------------------------------------------------------

@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _settings(url: str) -> dict[str, float]:
    with engine().connect() as conn:
        return load_settings(conn)


def settings() -> dict[str, float]:
    """The office's thresholds and prices (defaults overlaid with stored values)."""
    return _settings(database_url())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _active_users(url: str) -> list[dict]:
    with engine().connect() as conn:
        return db_active_users(conn)


def active_users() -> list[dict]:
    """username, display_name, password_hash, role, manager_id of the active users."""
    return _active_users(database_url())


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _filter_choices(url: str) -> tuple[list[str], list[str]]:
    with engine().connect() as conn:
        towns = conn.execute(
            select(Customer.town).distinct().where(Customer.town.is_not(None)).order_by(Customer.town)
        ).scalars().all()
        teams = conn.execute(
            select(Manager.team).distinct().where(Manager.team.is_not(None)).order_by(Manager.team)
        ).scalars().all()
    return list(towns), list(teams)


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


# --- Headline KPIs (overview) ---------------------------------------------

def _headline_values(conn, window: Window, settings: dict, scope: Scope) -> dict[str, float | int | None]:
    """The overview's windowed headline numbers, computed by metrics/."""
    values: dict[str, float | int | None] = {}
    att = attendance.compliance(conn, window, settings, scope)
    values.update(attendance_rate=att.rate, attendance_due=att.due, attendance_compliant=att.compliant)
    comp = logs.completeness(conn, window, settings, scope)
    values.update(log_completeness_rate=comp.rate, log_posted_workdays=comp.posted_workdays,
                  log_logged_workdays=comp.logged_workdays)
    train = training.compliance(conn, window, settings, scope)
    values.update(training_rate=train.rate, training_managers=train.managers,
                  training_compliant=train.compliant)
    calls = experts.calls(conn, window, settings, scope)
    values.update(expert_calls=calls.count, expert_median_response_minutes=calls.median_response_minutes)
    values.update(_lead_time_values(conn, window, settings, scope))
    return values


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
    rows = []
    with engine().connect() as conn:
        current_settings = load_settings(conn)
        for month in trend_months(Window(start, end), months):
            values = _headline_values(conn, month, current_settings, scope)
            rows.append({"month": month.start, **values})
    return pd.DataFrame(rows)


def headline_trend(window: Window, scope: Scope, months: int = TREND_MONTHS) -> pd.DataFrame:
    """One row per month (column `month` = its first day) with the headline numbers of that month."""
    return _headline_trend(database_url(), window.start, window.end, scope.town, scope.team, months)
