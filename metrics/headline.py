"""The headline figures of the weekly brief's email: the cockpit's KPIs for a window and a scope,
with the window before it for the change. The same KPI functions as the cockpit and the report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Connection

from metrics import attendance, experts, lead_time, logs, plans, training
from metrics.window import Scope, Window

BRIEF_WEEKS = 13  # the brief's window: the last 13 full ISO weeks, a rolling quarter
# Figure key -> the status key of ui.targets (None: no target).
FIGURES = (
    "attendance",
    "log_completeness",
    "problem_closure",
    "training",
    "monthly_plans",
    "expert_coverage",
    "expert_response",
    "lead_resident",
    "lead_other",
    "lead_time_reduction",
)


def brief_window(at: dt.datetime | dt.date) -> Window:
    """The BRIEF_WEEKS full ISO weeks ending on the Sunday before the week of `at`."""
    day = at.date() if isinstance(at, dt.datetime) else at
    end = day - dt.timedelta(days=day.weekday() + 1)
    return Window(end - dt.timedelta(days=7 * BRIEF_WEEKS - 1), end)


def figures(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> dict[str, float | None]:
    """FIGURES for the window: rates as fractions, minutes and days as numbers, None when unknown."""
    lead = lead_time.summary(conn, window, settings, scope)
    return {
        "attendance": attendance.compliance(conn, window, settings, scope).rate,
        "log_completeness": logs.completeness(conn, window, settings, scope).rate,
        "problem_closure": logs.problem_closure(conn, window, settings, scope).rate,
        "training": training.compliance(conn, window, settings, scope).rate,
        "monthly_plans": plans.summary(conn, window, settings, scope).rate,
        "expert_coverage": experts.coverage(conn, settings).rate,
        "expert_response": experts.call_stats(conn, window, settings, scope).median_response_minutes,
        "lead_resident": lead.resident.mean_days,
        "lead_other": lead.other.mean_days,
        "lead_time_reduction": lead.reduction_days,
    }


def with_change(
    conn: Connection, window: Window, settings: dict, scope: Scope = Scope()
) -> dict[str, tuple[float | None, float | None]]:
    """figure -> (value in the window, value in the window before it of the same length; None for
    expert coverage, which is today's roster)."""
    now = figures(conn, window, settings, scope)
    before = figures(conn, window.previous(), settings, scope)
    before["expert_coverage"] = None  # today's roster, not windowed: no change to show
    return {key: (now[key], before[key]) for key in FIGURES}
