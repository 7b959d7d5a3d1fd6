"""Expert pool KPIs (data contract §3): coverage per specialty and expert calls.

A call is in a window when its `requested_at` falls on one of the window's
days. With a screen scope, a call counts when its customer is in scope, or,
for calls recorded without a customer, when its manager is in scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from data_access.models import SPECIALTIES, Customer, Expert, ExpertCall, Manager
from metrics.sql import median_select, minutes_between, query_frame, scoped_customer_ids, scoped_manager_ids
from metrics.window import Scope, Window

# Response minutes are reported to 0.01 min; this also hides SQLite's julianday rounding.
MINUTES_DECIMALS = 2


@dataclass(frozen=True)
class CoverageResult:
    by_specialty: dict[str, int]  # active experts per specialty code, all 8 codes
    covered: int  # specialties with at least min_experts_per_specialty active experts
    rate: float  # covered / 8


@dataclass(frozen=True)
class CallsResult:
    count: int
    closed: int
    median_response_minutes: float | None
    by_expert: pd.DataFrame  # expert_no, name, specialty, calls, hours


def coverage(conn: Connection, settings: dict) -> CoverageResult:
    """Active experts per specialty (not windowed, not scoped: the pool serves everyone)."""
    query = select(Expert.specialty, func.count()).where(Expert.active.is_(True)).group_by(Expert.specialty)
    by_specialty = {code: 0 for code in SPECIALTIES}
    by_specialty.update({specialty: int(count) for specialty, count in conn.execute(query)})
    minimum = settings["min_experts_per_specialty"]
    covered = sum(1 for count in by_specialty.values() if count >= minimum)
    return CoverageResult(by_specialty, covered, covered / len(SPECIALTIES))


def requested_in(window: Window):
    """requested_at on one of the window's days."""
    start = dt.datetime.combine(window.start, dt.time())
    end = dt.datetime.combine(window.end + dt.timedelta(days=1), dt.time())
    return and_(ExpertCall.requested_at >= start, ExpertCall.requested_at < end)


def in_scope(scope: Scope, window: Window):
    """Condition on ExpertCall for the screen scope, or None for everything."""
    customers = scoped_customer_ids(scope, window)
    if customers is None:
        return None
    managers = scoped_manager_ids(scope, window)
    return or_(
        ExpertCall.customer_id.in_(customers),
        and_(ExpertCall.customer_id.is_(None), ExpertCall.manager_id.in_(managers)),
    )


def _window_calls(window: Window, scope: Scope):
    """The calls requested in the window (and scope), as a subquery."""
    query = select(ExpertCall).where(requested_in(window))
    condition = in_scope(scope, window)
    if condition is not None:
        query = query.where(condition)
    return query.subquery("window_calls")


def _minutes(value) -> float | None:
    return None if value is None else round(float(value), MINUTES_DECIMALS)


@dataclass(frozen=True)
class CallStats:
    count: int
    closed: int
    answered: int  # calls with a response
    median_response_minutes: float | None


def call_stats(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> CallStats:
    """Calls requested in the window: count, closed, answered and the median response."""
    window_calls = _window_calls(window, scope)
    count, closed, answered = conn.execute(
        select(func.count(), func.count(window_calls.c.closed_at), func.count(window_calls.c.responded_at)).select_from(
            window_calls
        )
    ).one()
    responses = (
        select(minutes_between(window_calls.c.requested_at, window_calls.c.responded_at).label("value"))
        .where(window_calls.c.responded_at.is_not(None))
        .subquery()
    )
    median = conn.execute(median_select(responses)).scalar() if answered else None
    return CallStats(int(count), int(closed), int(answered), _minutes(median))


def calls(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> CallsResult:
    """Calls requested in the window: count, closed, median response, per expert."""
    stats = call_stats(conn, window, settings, scope)
    return CallsResult(stats.count, stats.closed, stats.median_response_minutes, by_expert(conn, window, scope))


def by_expert(conn: Connection, window: Window, scope: Scope = Scope()) -> pd.DataFrame:
    """Calls in the window per expert with a call: expert_no, name, specialty, calls, hours (by expert_no)."""
    return _by_expert(conn, _window_calls(window, scope))


def _by_expert(conn: Connection, window_calls) -> pd.DataFrame:
    query = (
        select(
            Expert.expert_no,
            Expert.name,
            Expert.specialty,
            func.count().label("calls"),
            func.sum(func.coalesce(window_calls.c.hours, 0.0)).label("hours"),
        )
        .join(window_calls, window_calls.c.expert_id == Expert.id)
        .group_by(Expert.id, Expert.expert_no, Expert.name, Expert.specialty)
        .order_by(Expert.expert_no)
    )
    frame = query_frame(conn, query, ["expert_no", "name", "specialty", "calls", "hours"])
    frame["calls"] = frame["calls"].astype(int)
    frame["hours"] = frame["hours"].astype(float)
    return frame


def calls_by_specialty(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Calls in the window per specialty (all 8 codes): calls, onsite, remote, hours."""
    window_calls = _window_calls(window, scope)
    query = (
        select(
            Expert.specialty,
            func.count().label("calls"),
            func.sum(case((window_calls.c.mode == "onsite", 1), else_=0)).label("onsite"),
            func.sum(case((window_calls.c.mode == "remote", 1), else_=0)).label("remote"),
            func.sum(func.coalesce(window_calls.c.hours, 0.0)).label("hours"),
        )
        .join(window_calls, window_calls.c.expert_id == Expert.id)
        .group_by(Expert.specialty)
    )
    columns = ["specialty", "calls", "onsite", "remote", "hours"]
    found = query_frame(conn, query, columns).set_index("specialty")
    frame = found.reindex(list(SPECIALTIES), fill_value=0).reset_index()
    frame[["calls", "onsite", "remote"]] = frame[["calls", "onsite", "remote"]].astype(int)
    frame["hours"] = frame["hours"].astype(float)
    return frame


def response_minutes(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per call in the window that has a response: its response minutes."""
    window_calls = _window_calls(window, scope)
    minutes = minutes_between(window_calls.c.requested_at, window_calls.c.responded_at)
    query = (
        select(
            window_calls.c.call_no,
            Expert.expert_no,
            Expert.specialty,
            window_calls.c.mode,
            window_calls.c.requested_at,
            minutes.label("response_minutes"),
        )
        .join(Expert, Expert.id == window_calls.c.expert_id)
        .where(window_calls.c.responded_at.is_not(None))
        .order_by(window_calls.c.requested_at, window_calls.c.call_no)
    )
    columns = ["call_no", "expert_no", "specialty", "mode", "requested_at", "response_minutes"]
    frame = query_frame(conn, query, columns)
    frame["response_minutes"] = frame["response_minutes"].astype(float).round(MINUTES_DECIMALS)
    return frame


def answered_minutes(conn: Connection, window: Window, scope: Scope = Scope()) -> pd.Series:
    """The response_minutes column of response_minutes() alone (what its charts draw), same order."""
    window_calls = _window_calls(window, scope)
    query = (
        select(minutes_between(window_calls.c.requested_at, window_calls.c.responded_at))
        .where(window_calls.c.responded_at.is_not(None))
        .order_by(window_calls.c.requested_at, window_calls.c.call_no)
    )
    minutes = pd.Series(conn.execute(query).scalars().all(), name="response_minutes", dtype=float)
    return minutes.round(MINUTES_DECIMALS)


def open_calls(conn: Connection, as_of: dt.date, scope: Scope = Scope()) -> pd.DataFrame:
    """Calls still open at the end of `as_of`: requested by then and not closed by then.

    age_days = calendar days from the request date to `as_of`.
    """
    day_end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    query = (
        select(
            ExpertCall.call_no,
            Expert.expert_no,
            Expert.name.label("expert_name"),
            Expert.specialty,
            Manager.employee_no,
            Manager.name.label("manager_name"),
            Customer.account_no,
            Customer.name.label("customer_name"),
            ExpertCall.mode,
            ExpertCall.requested_at,
            ExpertCall.responded_at,
        )
        .join(Expert, Expert.id == ExpertCall.expert_id)
        .outerjoin(Manager, Manager.id == ExpertCall.manager_id)
        .outerjoin(Customer, Customer.id == ExpertCall.customer_id)
        .where(
            ExpertCall.requested_at < day_end,
            or_(ExpertCall.closed_at.is_(None), ExpertCall.closed_at >= day_end),
        )
        .order_by(ExpertCall.requested_at, ExpertCall.call_no)
    )
    condition = in_scope(scope, Window(as_of, as_of))
    if condition is not None:
        query = query.where(condition)
    columns = [
        "call_no",
        "expert_no",
        "expert_name",
        "specialty",
        "employee_no",
        "manager_name",
        "account_no",
        "customer_name",
        "mode",
        "requested_at",
        "responded_at",
    ]
    frame = query_frame(conn, query, columns)
    request_days = pd.to_datetime(frame["requested_at"]).dt.normalize()
    frame["age_days"] = (pd.Timestamp(as_of) - request_days).dt.days.astype(int)
    return frame


def never_called(conn: Connection, window: Window, scope: Scope = Scope(), ever: bool = False) -> pd.DataFrame:
    """Active experts with no call in the window (in scope), or with no call at all when `ever`.

    last_call_at is the expert's latest call in scope up to the window's end (None if none).
    """
    up_to_end = ExpertCall.requested_at < dt.datetime.combine(window.end + dt.timedelta(days=1), dt.time())
    last_call = select(func.max(ExpertCall.requested_at)).where(ExpertCall.expert_id == Expert.id, up_to_end)
    called = select(ExpertCall.expert_id)
    if not ever:
        called = called.where(requested_in(window))
    condition = in_scope(scope, window)
    if condition is not None:
        called = called.where(condition)
        last_call = last_call.where(condition)
    query = (
        select(
            Expert.expert_no,
            Expert.name,
            Expert.specialty,
            Expert.phone,
            last_call.scalar_subquery().label("last_call_at"),
        )
        .where(Expert.active.is_(True), Expert.id.not_in(called))
        .order_by(Expert.expert_no)
    )
    return query_frame(conn, query, ["expert_no", "name", "specialty", "phone", "last_call_at"])


def section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's "experts" section."""
    cover = coverage(conn, settings)
    result = calls(conn, window, settings)
    return {
        "coverage": {"by_specialty": cover.by_specialty, "covered": cover.covered, "rate": cover.rate},
        "calls": result.count,
        "closed": result.closed,
        "median_response_minutes": result.median_response_minutes,
        "by_expert": [
            {"expert_no": row.expert_no, "calls": int(row.calls), "hours": float(row.hours)}
            for row in result.by_expert.itertuples()
        ],
    }
