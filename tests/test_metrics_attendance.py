"""Attendance compliance (data contract §3): hand-computed cases and edge cases.

March 2025 has no Chinese holidays, so its Monday-Friday are the workdays.
"""

import datetime as dt
import random

import pandas as pd
import pytest

from data_access.settings import load_settings
from metrics import attendance
from metrics.window import Scope, Window
from tests import builders as b

D = dt.date
TWO_WEEKS = Window(D(2025, 3, 3), D(2025, 3, 16))  # Mon 3 .. Sun 16: weeks of Mar 3 and Mar 10


def _matrix(conn, window, settings=None):
    """{(employee_no, week_start): (required, on_site_days, compliant)}"""
    frame = attendance.weekly_matrix(conn, window, settings or load_settings(conn))
    return {(r.employee_no, r.week_start): (r.required, r.on_site_days, r.compliant) for r in frame.itertuples()}


def test_hand_computed_two_weeks(engine):
    with engine.begin() as conn:
        c1, c2, c3, c4 = (b.customer(conn, no) for no in ("C1", "C2", "C3", "C4"))
        m1, m2, m3 = b.manager(conn, "M1"), b.manager(conn, "M2"), b.manager(conn, "M3", team="二班")
        # M1 posted the whole time. Week 3: on site Mon+Tue = 2 -> compliant.
        # Week 10: on site Mon only; Tue's log is off-site -> 1 < 2, missed.
        b.posting(conn, m1, c1, D(2025, 1, 1))
        b.log(conn, m1, c1, D(2025, 3, 3))
        b.log(conn, m1, c1, D(2025, 3, 4))
        b.log(conn, m1, c1, D(2025, 3, 10))
        b.log(conn, m1, c1, D(2025, 3, 11), on_site=False)
        # M2 posted from Wed 12 (partial week): week 3 not due; week 10 has 3 posted
        # workdays -> required 2. Mon 10 is before the posting (unposted: ignored),
        # Wed 12 counts -> 1 < 2, missed.
        b.posting(conn, m2, c2, D(2025, 3, 12))
        b.log(conn, m2, c2, D(2025, 3, 10))
        b.log(conn, m2, c2, D(2025, 3, 12))
        # M3 posted Mar 1 .. Tue Mar 11. Week 3: Wed 5 at two customers = 1 day,
        # plus Fri 7 -> 2, compliant. Week 10: posted Mon+Tue -> required 2;
        # Mon 10 counts, Thu 13 is after the posting ended -> 1, missed.
        b.posting(conn, m3, c3, D(2025, 3, 1), D(2025, 3, 11))
        b.log(conn, m3, c3, D(2025, 3, 5))
        b.log(conn, m3, c4, D(2025, 3, 5))
        b.log(conn, m3, c3, D(2025, 3, 7))
        b.log(conn, m3, c3, D(2025, 3, 10))
        b.log(conn, m3, c3, D(2025, 3, 13))
    with engine.connect() as conn:
        settings = load_settings(conn)
        result = attendance.compliance(conn, TWO_WEEKS, settings)
        matrix = _matrix(conn, TWO_WEEKS)
        missed = attendance.non_compliant(conn, TWO_WEEKS, settings)
        section = attendance.section(conn, TWO_WEEKS, settings)
    w3, w10 = D(2025, 3, 3), D(2025, 3, 10)
    assert matrix == {
        ("M1", w3): (2, 2, True),
        ("M1", w10): (2, 1, False),
        ("M2", w10): (2, 1, False),
        ("M3", w3): (2, 2, True),
        ("M3", w10): (2, 1, False),
    }
    # due = 2 + 1 + 2 = 5 manager-weeks, compliant = M1 w3 + M3 w3 = 2.
    assert (result.due, result.compliant, result.rate) == (5, 2, 0.4)
    assert result.by_manager.to_dict("records") == [
        {"employee_no": "M1", "name": "经理M1", "team": "一班", "due": 2, "compliant": 1, "rate": 0.5},
        {"employee_no": "M2", "name": "经理M2", "team": "一班", "due": 1, "compliant": 0, "rate": 0.0},
        {"employee_no": "M3", "name": "经理M3", "team": "二班", "due": 2, "compliant": 1, "rate": 0.5},
    ]
    assert section == {
        "due": 5,
        "compliant": 2,
        "rate": 0.4,
        "by_manager": [
            {"employee_no": "M1", "due": 2, "compliant": 1, "rate": 0.5},
            {"employee_no": "M2", "due": 1, "compliant": 0, "rate": 0.0},
            {"employee_no": "M3", "due": 2, "compliant": 1, "rate": 0.5},
        ],
    }
    # Each missed one week; ties ordered by employee_no.
    assert missed[["employee_no", "missed"]].to_dict("records") == [
        {"employee_no": "M1", "missed": 1},
        {"employee_no": "M2", "missed": 1},
        {"employee_no": "M3", "missed": 1},
    ]
    assert list(missed["missed_weeks"]) == [[w10], [w10], [w10]]


def test_one_workday_week_needs_one_on_site_day(engine):
    # National Day 2024: Mon Sep 30 is the week's only workday (Oct 1-6 are holidays).
    window = Window(D(2024, 9, 30), D(2024, 10, 6))
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1, m2 = b.manager(conn, "M1"), b.manager(conn, "M2")
        b.posting(conn, m1, c1, D(2024, 9, 1))
        b.posting(conn, m2, c1, D(2024, 9, 1))
        b.log(conn, m1, c1, D(2024, 9, 30))  # required = min(2, 1) = 1 -> compliant
        # M2's only log is off-site -> 0 < 1, missed.
        b.log(conn, m2, c1, D(2024, 9, 30), on_site=False)
    with engine.connect() as conn:
        matrix = _matrix(conn, window)
        result = attendance.compliance(conn, window, load_settings(conn))
    assert matrix == {("M1", D(2024, 9, 30)): (1, 1, True), ("M2", D(2024, 9, 30)): (1, 0, False)}
    assert (result.due, result.compliant) == (2, 1)


def test_make_up_sunday_is_a_workday(engine):
    # Spring Festival 2025: Sun Jan 26 is a make-up workday (调休). Posted from Sat Jan 25,
    # M1's only posted workday of the week of Jan 20 is that Sunday -> required 1.
    # The next week (Jan 27) has only Mon 27 as a workday -> required 1 again.
    window = Window(D(2025, 1, 20), D(2025, 2, 2))
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 1, 25))
        b.log(conn, m1, c1, D(2025, 1, 26))
        b.log(conn, m1, c1, D(2025, 1, 29))  # a holiday, but posted and on site: an on-site day
    with engine.connect() as conn:
        matrix = _matrix(conn, window)
    assert matrix == {("M1", D(2025, 1, 20)): (1, 1, True), ("M1", D(2025, 1, 27)): (1, 1, True)}


def test_make_up_saturday_is_a_workday(engine):
    # National Day 2025: week of Oct 6 has workdays Thu 9, Fri 10 and make-up Sat 11.
    # Posted from Sat Oct 11: one posted workday -> required 1; on site that Saturday.
    # Posted from Fri Oct 10: two posted workdays (Fri, Sat) -> required 2; on site Sat only.
    window = Window(D(2025, 10, 6), D(2025, 10, 12))
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1, m2 = b.manager(conn, "M1"), b.manager(conn, "M2")
        b.posting(conn, m1, c1, D(2025, 10, 11))
        b.posting(conn, m2, c1, D(2025, 10, 10))
        b.log(conn, m1, c1, D(2025, 10, 11))
        b.log(conn, m2, c1, D(2025, 10, 11))
    with engine.connect() as conn:
        assert _matrix(conn, window) == {("M1", D(2025, 10, 6)): (1, 1, True), ("M2", D(2025, 10, 6)): (2, 1, False)}


def test_calendar_override_turns_a_week_into_one_workday(engine):
    # The office declares Mon-Thu Mar 10-13 days off: Fri 14 is the week's only workday.
    window = Window(D(2025, 3, 10), D(2025, 3, 16))
    with engine.begin() as conn:
        for day in range(10, 14):
            b.calendar_override(conn, D(2025, 3, day), False, "停电检修")
        c1 = b.customer(conn, "C1")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 3, 1))
        b.log(conn, m1, c1, D(2025, 3, 14))
    with engine.connect() as conn:
        assert _matrix(conn, window) == {("M1", D(2025, 3, 10)): (1, 1, True)}


def test_weekend_on_site_day_counts_when_posted(engine):
    # Contract: on-site days are posted dates with an on-site log, workday or not.
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 3, 1))
        b.log(conn, m1, c1, D(2025, 3, 7))  # Friday
        b.log(conn, m1, c1, D(2025, 3, 8))  # Saturday
    with engine.connect() as conn:
        assert _matrix(conn, Window(D(2025, 3, 3), D(2025, 3, 9))) == {("M1", D(2025, 3, 3)): (2, 2, True)}


def test_log_at_another_customer_counts_when_posted_anywhere(engine):
    # Posted only to C1; the on-site log is at C2. "Posted" means any posting: it counts.
    with engine.begin() as conn:
        c1, c2 = b.customer(conn, "C1"), b.customer(conn, "C2")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 3, 1))
        b.log(conn, m1, c2, D(2025, 3, 4))
        b.log(conn, m1, c2, D(2025, 3, 5))
    with engine.connect() as conn:
        assert _matrix(conn, Window(D(2025, 3, 3), D(2025, 3, 9))) == {("M1", D(2025, 3, 3)): (2, 2, True)}


def test_overlapping_postings_do_not_double_count(engine):
    # C1 Mon 10 - Wed 12 and C2 Wed 12 - Fri 14 overlap on Wed: union = 5 workdays, not 6.
    # With min_onsite_days = 7, required = min(7, 5) = 5. Wed 12 at both customers = 1 day.
    window = Window(D(2025, 3, 10), D(2025, 3, 16))
    with engine.begin() as conn:
        c1, c2 = b.customer(conn, "C1"), b.customer(conn, "C2")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 3, 10), D(2025, 3, 12))
        b.posting(conn, m1, c2, D(2025, 3, 12), D(2025, 3, 14))
        b.posting(conn, m1, c1, D(2025, 3, 11), D(2025, 3, 11))  # nested inside the first
        for day in (10, 11, 12, 13, 14):
            b.log(conn, m1, c1, D(2025, 3, day))
        b.log(conn, m1, c2, D(2025, 3, 12))
    with engine.connect() as conn:
        settings = {**load_settings(conn), "min_onsite_days": 7}
        assert _matrix(conn, window, settings) == {("M1", D(2025, 3, 10)): (5, 5, True)}


def test_window_not_starting_on_monday_drops_partial_weeks(engine):
    # Wed Mar 5 .. Wed Mar 26: whole weeks are Mar 10-16 and Mar 17-23 only.
    window = Window(D(2025, 3, 5), D(2025, 3, 26))
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 3, 1))
        for day in (5, 6, 10, 11, 17, 24, 25):  # week 17 has one on-site day
            b.log(conn, m1, c1, D(2025, 3, day))
    with engine.connect() as conn:
        assert _matrix(conn, window) == {("M1", D(2025, 3, 10)): (2, 2, True), ("M1", D(2025, 3, 17)): (2, 1, False)}


def test_no_whole_week_or_no_posting_gives_null_rate(engine):
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 3, 1), D(2025, 3, 31))
        b.log(conn, m1, c1, D(2025, 3, 4))
    with engine.connect() as conn:
        settings = load_settings(conn)
        for window in (
            Window(D(2025, 3, 4), D(2025, 3, 9)),  # Tue..Sun: no whole week
            Window(D(2025, 4, 7), D(2025, 4, 20)),
        ):  # posting over: nothing due
            result = attendance.compliance(conn, window, settings)
            assert (result.due, result.compliant, result.rate) == (0, 0, None)
            assert result.by_manager.empty
            assert attendance.weekly_matrix(conn, window, settings).empty
            assert attendance.non_compliant(conn, window, settings).empty
            assert attendance.section(conn, window, settings) == {
                "due": 0,
                "compliant": 0,
                "rate": None,
                "by_manager": [],
            }


def test_rows_outside_the_window_are_ignored(engine):
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1, m2 = b.manager(conn, "M1"), b.manager(conn, "M2")
        b.posting(conn, m1, c1, D(2025, 3, 1))
        b.posting(conn, m2, c1, D(2025, 2, 1), D(2025, 3, 2))  # ended before the window
        b.log(conn, m1, c1, D(2025, 3, 2))  # Sunday before the window
        b.log(conn, m1, c1, D(2025, 3, 3))
        b.log(conn, m1, c1, D(2025, 3, 10))  # Monday after the window
    with engine.connect() as conn:
        result = attendance.compliance(conn, Window(D(2025, 3, 3), D(2025, 3, 9)), load_settings(conn))
    assert (result.due, result.compliant) == (1, 0)
    assert list(result.by_manager["employee_no"]) == ["M1"]


def test_min_onsite_days_is_a_setting(engine):
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 3, 1))
        b.log(conn, m1, c1, D(2025, 3, 4))
        b.setting(conn, "min_onsite_days", 1)
    with engine.connect() as conn:
        result = attendance.compliance(conn, Window(D(2025, 3, 3), D(2025, 3, 9)), load_settings(conn))
    assert (result.due, result.compliant) == (1, 1)


def test_team_scope_restricts_managers_and_all_scope_matches_report(engine):
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1", town="城关镇")
        c2 = b.customer(conn, "C2", town="龙都街道")
        m1, m2 = b.manager(conn, "M1", team="一班"), b.manager(conn, "M2", team="二班")
        b.posting(conn, m1, c1, D(2025, 3, 1))
        b.posting(conn, m2, c2, D(2025, 3, 1))
        b.log(conn, m1, c1, D(2025, 3, 4))
        b.log(conn, m1, c1, D(2025, 3, 5))
    with engine.connect() as conn:
        settings = load_settings(conn)
        team = attendance.compliance(conn, TWO_WEEKS, settings, Scope(team="二班"))
        town = attendance.compliance(conn, TWO_WEEKS, settings, Scope(town="城关镇"))
        everyone = attendance.compliance(conn, TWO_WEEKS, settings, Scope())
        section = attendance.section(conn, TWO_WEEKS, settings)
        team_matrix = attendance.weekly_matrix(conn, TWO_WEEKS, settings, Scope(team="二班"))
    assert list(team.by_manager["employee_no"]) == ["M2"] and (team.due, team.compliant) == (2, 0)
    assert list(town.by_manager["employee_no"]) == ["M1"] and (town.due, town.compliant) == (2, 1)
    assert set(team_matrix["employee_no"]) == {"M2"}
    assert (everyone.due, everyone.compliant, everyone.rate) == (section["due"], section["compliant"], section["rate"])
    assert (everyone.due, everyone.compliant) == (4, 1)


# ---- independent check: brute force, day by day, in Python ------------------


def _random_dataset(conn, rng):
    """A small random dataset: overlapping and open postings, logs on any day, plans."""
    customers = [b.customer(conn, f"C{i}") for i in range(5)]
    managers = {f"M{i}": b.manager(conn, f"M{i}") for i in range(8)}
    postings, logs, plans = [], {}, {}
    for no, manager_id in managers.items():
        for _ in range(rng.randint(0, 3)):
            customer_id = rng.choice(customers)
            start = D(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 180))
            end = None if rng.random() < 0.3 else start + dt.timedelta(days=rng.randint(0, 60))
            if any(p[:3] == (no, customer_id, start) for p in postings):
                continue
            b.posting(conn, manager_id, customer_id, start, end)
            postings.append((no, customer_id, start, end))
        for _ in range(rng.randint(0, 80)):
            customer_id = rng.choice(customers)
            day = D(2024, 12, 20) + dt.timedelta(days=rng.randint(0, 210))
            if (no, customer_id, day) not in logs:
                logs[(no, customer_id, day)] = rng.random() < 0.6
                b.log(conn, manager_id, customer_id, day, on_site=logs[(no, customer_id, day)])
        for month in range(1, 8):
            if rng.random() < 0.7:
                submitted = D(2025, month, 1) + dt.timedelta(days=rng.randint(-3, 8))
                b.plan(conn, manager_id, D(2025, month, 1), submitted)
                plans[(no, D(2025, month, 1))] = submitted
    return list(managers), postings, logs, plans


def _days(start, end):
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _brute_force(managers, postings, logs, plans, window, min_days=2, deadline_day=5):
    import chinese_calendar

    def posted(no, day):
        return any(p[0] == no and p[2] <= day and (p[3] is None or day <= p[3]) for p in postings)

    def logged(no, day, on_site_only):
        return any(k[0] == no and k[2] == day and (v or not on_site_only) for k, v in logs.items())

    matrix = {}
    monday = window.start + dt.timedelta(days=(7 - window.start.weekday()) % 7)
    while monday + dt.timedelta(days=6) <= window.end:
        week = _days(monday, monday + dt.timedelta(days=6))
        for no in managers:
            required = min(min_days, sum(1 for d in week if posted(no, d) and chinese_calendar.is_workday(d)))
            if required >= 1:
                on_site = sum(1 for d in week if posted(no, d) and logged(no, d, True))
                matrix[(no, monday)] = (required, on_site, on_site >= required)
        monday += dt.timedelta(days=7)

    completeness = {}
    for no in managers:
        pairs = [d for d in _days(window.start, window.end) if chinese_calendar.is_workday(d) and posted(no, d)]
        if pairs:
            completeness[no] = (len(pairs), sum(1 for d in pairs if logged(no, d, False)))

    plan_rows = {}
    month = (
        window.start if window.start.day == 1 else (window.start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    )
    while True:
        month_end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        if month_end > window.end:
            break
        for no in managers:
            if any(posted(no, d) and chinese_calendar.is_workday(d) for d in _days(month, month_end)):
                submitted = plans.get((no, month))
                plan_rows[(no, month)] = submitted is not None and submitted <= month.replace(day=deadline_day)
        month = month_end + dt.timedelta(days=1)
    return matrix, completeness, plan_rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_matches_day_by_day_brute_force(engine, seed):
    from metrics import logs as log_metrics
    from metrics import plans as plan_metrics

    rng = random.Random(seed)
    with engine.begin() as conn:
        managers, postings, logs, plans = _random_dataset(conn, rng)
    start = D(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 60))
    window = Window(start, start + dt.timedelta(days=rng.randint(40, 150)))
    expected_matrix, expected_completeness, expected_plans = _brute_force(managers, postings, logs, plans, window)
    assert expected_matrix and expected_completeness  # the random data exercises something

    with engine.connect() as conn:
        settings = load_settings(conn)
        matrix = _matrix(conn, window)
        result = attendance.compliance(conn, window, settings)
        from_matrix = attendance.by_manager_in(attendance.weekly_matrix(conn, window, settings))
        completeness = log_metrics.completeness(conn, window, settings)
        plan_status = plan_metrics.plan_status(conn, window, settings)
    assert matrix == expected_matrix
    assert result.due == len(expected_matrix)
    assert result.compliant == sum(1 for v in expected_matrix.values() if v[2])
    pd.testing.assert_frame_equal(from_matrix, result.by_manager)
    assert {
        r.employee_no: (r.posted_workdays, r.logged_workdays) for r in completeness.by_manager.itertuples()
    } == expected_completeness
    assert completeness.posted_workdays == sum(v[0] for v in expected_completeness.values())
    assert {(r.employee_no, r.month): r.on_time for r in plan_status.itertuples()} == expected_plans
