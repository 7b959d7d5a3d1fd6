"""Weekly attendance totals summed over a month equal that month's attendance, on SQLite and
PostgreSQL. The overview screen reads each manager KPI once for its window, the previous one and the trend
months (totals_by_window); each window's totals must equal the KPI computed on that window.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from data_access.settings import load_settings
from metrics import attendance, logs, training
from metrics.window import Scope, Window, trend_months
from tests import builders as b
from tests.seed_small import TEAMS, TOWNS, populate_small

D = dt.date
SPAN = Window(D(2025, 3, 1), D(2025, 9, 17))  # the last month cut in the middle of a week
SCOPES = [Scope(), Scope(team=TEAMS[0]), Scope(town=TOWNS[1])]


@pytest.fixture
def seeded(engine):
    """The small seed, plus weekend duty (an off-day log) and a mid-month change of posting."""
    with engine.begin() as conn:
        populate_small(conn)
        manager = conn.exec_driver_sql("SELECT id FROM managers WHERE employee_no = 'M002'").scalar()
        customers = dict(conn.exec_driver_sql("SELECT account_no, id FROM customers").all())
        conn.exec_driver_sql(f"UPDATE postings SET end_date = '2025-07-16' WHERE manager_id = {manager}")
        b.posting(conn, manager, customers["C004"], D(2025, 7, 21))
        b.log(conn, manager, customers["C004"], D(2025, 7, 26), on_site=True, hours=3)  # a Saturday
        b.log(conn, manager, customers["C002"], D(2025, 7, 18), on_site=True, hours=3)  # between postings
    return engine


def test_weekly_totals_sum_to_each_months_attendance(seeded):
    with seeded.connect() as conn:
        settings = load_settings(conn)
        for scope in SCOPES[:2]:
            weeks = attendance.weekly_totals(conn, SPAN, settings, scope)
            assert weeks["due"].sum() > 0
            for month in trend_months(SPAN, 7):
                inside = weeks[
                    (weeks["week_start"] >= month.start) & (weeks["week_start"] <= month.end - dt.timedelta(days=6))
                ]
                direct = attendance.compliance(conn, month, settings, scope)
                assert (int(inside["due"].sum()), int(inside["compliant"].sum())) == (direct.due, direct.compliant)


# The screen's windows (a window, the one before it, its trend months) and windows cut anywhere:
# in mid-week, overlapping, one day long.
WINDOWS = [
    SPAN,
    SPAN.previous(),
    *trend_months(SPAN, 7),
    Window(D(2025, 7, 9), D(2025, 8, 13)),
    Window(D(2025, 7, 16), D(2025, 7, 16)),
    Window(D(2025, 9, 3), D(2025, 9, 28)),
]


def _attendance(conn, window, settings, scope):
    result = attendance.compliance(conn, window, settings, scope)
    return result.due, result.compliant


def _log_completeness(conn, window, settings, scope):
    result = logs.completeness(conn, window, settings, scope)
    return result.posted_workdays, result.logged_workdays


def _training(conn, window, settings, scope):
    result = training.compliance(conn, window, settings, scope)
    return result.managers, result.compliant


PER_WINDOW = {
    attendance.totals_by_window: _attendance,
    logs.totals_by_window: _log_completeness,
    training.totals_by_window: _training,
}


@pytest.mark.parametrize("scope", SCOPES, ids=["all", "team", "town"])
@pytest.mark.parametrize("by_window", list(PER_WINDOW), ids=["attendance", "log_completeness", "training"])
def test_totals_by_window_equal_each_windows_kpi(seeded, scope, by_window):
    with seeded.connect() as conn:
        settings = load_settings(conn)
        totals = by_window(conn, WINDOWS, settings, scope)
        direct = [PER_WINDOW[by_window](conn, window, settings, scope) for window in WINDOWS]
    assert totals == direct
    assert any(whole for whole, _part in totals)


def test_cut_at_windows_gives_consecutive_periods_inside_or_outside_each_window():
    from metrics.calendar import cut_at_windows

    periods = cut_at_windows(WINDOWS)
    assert periods[0].start == min(w.start for w in WINDOWS) and periods[-1].end == max(w.end for w in WINDOWS)
    assert all(b.start == a.end + dt.timedelta(days=1) for a, b in itertools.pairwise(periods))
    for window in WINDOWS:
        inside = [p for p in periods if window.start <= p.start and p.end <= window.end]
        assert sum(p.days for p in inside) == window.days
