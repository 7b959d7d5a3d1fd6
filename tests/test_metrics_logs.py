"""Log completeness, problem closure and open problems (data contract §3)."""

import datetime as dt

from data_access.settings import load_settings
from metrics import logs
from metrics.window import Scope, Window
from tests import builders as b

D = dt.date
WEEK = Window(D(2025, 3, 3), D(2025, 3, 9))  # Mon..Sun, no holidays: 5 workdays
MARCH = Window(D(2025, 3, 1), D(2025, 3, 31))


def test_completeness_hand_computed(engine):
    with engine.begin() as conn:
        c1, c2 = b.customer(conn, "C1"), b.customer(conn, "C2")
        m1, m2, m3 = b.manager(conn, "M1"), b.manager(conn, "M2"), b.manager(conn, "M3")
        # M1 posted all week: 5 posted workdays. Mon logged at two customers (counts once),
        # Tue logged off-site (any log counts), Sat logged (not a workday: no pair) -> 2.
        b.posting(conn, m1, c1, D(2025, 3, 1))
        b.log(conn, m1, c1, D(2025, 3, 3))
        b.log(conn, m1, c2, D(2025, 3, 3))
        b.log(conn, m1, c1, D(2025, 3, 4), on_site=False)
        b.log(conn, m1, c1, D(2025, 3, 8))
        # M2 posted Wed 5 .. Thu 6: 2 posted workdays. Tue 4 is unposted (ignored), Thu 6 -> 1.
        b.posting(conn, m2, c2, D(2025, 3, 5), D(2025, 3, 6))
        b.log(conn, m2, c2, D(2025, 3, 4))
        b.log(conn, m2, c2, D(2025, 3, 6))
        # M3 is never posted: logs but no pairs, not listed.
        b.log(conn, m3, c2, D(2025, 3, 6))
    with engine.connect() as conn:
        result = logs.completeness(conn, WEEK, load_settings(conn))
        section = logs.completeness_section(conn, WEEK, load_settings(conn))
    # posted = 5 + 2 = 7, logged = 2 + 1 = 3.
    assert (result.posted_workdays, result.logged_workdays, result.rate) == (7, 3, 3 / 7)
    assert result.by_manager.to_dict("records") == [
        {
            "employee_no": "M1",
            "name": "经理M1",
            "team": "一班",
            "posted_workdays": 5,
            "logged_workdays": 2,
            "rate": 0.4,
        },
        {
            "employee_no": "M2",
            "name": "经理M2",
            "team": "一班",
            "posted_workdays": 2,
            "logged_workdays": 1,
            "rate": 0.5,
        },
    ]
    assert section == {"posted_workdays": 7, "logged_workdays": 3, "rate": 3 / 7}


def test_completeness_holidays_and_make_up_saturday(engine):
    # Sep 29 - Oct 12, 2025: workdays Sep 29, 30, Oct 9, 10 and make-up Sat Oct 11 = 5
    # (Oct 1-8 are National Day / Mid-Autumn holidays).
    window = Window(D(2025, 9, 29), D(2025, 10, 12))
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 9, 1))
        b.log(conn, m1, c1, D(2025, 10, 1))  # holiday: not a workday pair
        b.log(conn, m1, c1, D(2025, 10, 11))  # make-up Saturday: counts
    with engine.connect() as conn:
        result = logs.completeness(conn, window, load_settings(conn))
    assert (result.posted_workdays, result.logged_workdays) == (5, 1)


def test_completeness_overlapping_postings_count_days_once(engine):
    with engine.begin() as conn:
        c1, c2 = b.customer(conn, "C1"), b.customer(conn, "C2")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 2, 1))
        b.posting(conn, m1, c2, D(2025, 3, 4), D(2025, 3, 20))
        b.log(conn, m1, c1, D(2025, 3, 4))
        b.log(conn, m1, c2, D(2025, 3, 4))
    with engine.connect() as conn:
        result = logs.completeness(conn, WEEK, load_settings(conn))
    assert (result.posted_workdays, result.logged_workdays) == (5, 1)  # not 9 and 2


def test_completeness_empty_cases(engine):
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 9, 1), D(2025, 12, 31))
        b.log(conn, m1, c1, D(2025, 10, 3))
    with engine.connect() as conn:
        settings = load_settings(conn)
        # Oct 1-7, 2025: all holidays, no posted workday. March: not posted at all.
        for window in (Window(D(2025, 10, 1), D(2025, 10, 7)), MARCH):
            result = logs.completeness(conn, window, settings)
            assert (result.posted_workdays, result.logged_workdays, result.rate) == (0, 0, None)
            assert result.by_manager.empty
            assert logs.completeness_section(conn, window, settings) == {
                "posted_workdays": 0,
                "logged_workdays": 0,
                "rate": None,
            }


def test_completeness_ignores_logs_outside_the_window(engine):
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 2, 1))
        b.log(conn, m1, c1, D(2025, 2, 28))  # Friday before
        b.log(conn, m1, c1, D(2025, 3, 7))
        b.log(conn, m1, c1, D(2025, 3, 10))  # Monday after
    with engine.connect() as conn:
        result = logs.completeness(conn, WEEK, load_settings(conn))
    assert (result.posted_workdays, result.logged_workdays) == (5, 1)


def _problem_logs(conn):
    c1 = b.customer(conn, "C1", town="城关镇")
    c2 = b.customer(conn, "C2", town="龙都街道")
    m1, m2 = b.manager(conn, "M1"), b.manager(conn, "M2", team="二班")
    b.log(conn, m1, c1, D(2025, 3, 3), problems="变压器渗油", measures="更换密封", status="done")
    b.log(conn, m1, c1, D(2025, 3, 4), problems="电容柜故障", status="open")
    b.log(conn, m1, c2, D(2025, 3, 5), problems="接地电阻偏大", status="in_progress")
    b.log(conn, m2, c2, D(2025, 3, 6), problems="   ", status="open")  # whitespace only = blank
    b.log(conn, m2, c2, D(2025, 3, 7), problems="", status="done")  # blank
    b.log(conn, m2, c2, D(2025, 3, 10))  # no problems
    b.log(conn, m2, c2, D(2025, 3, 31), problems="计量异常", status="open")  # last day of March
    b.log(conn, m2, c2, D(2025, 2, 10), problems="避雷器老化", status="in_progress")  # before March
    b.log(conn, m1, c1, D(2025, 4, 1), problems="4月问题", status="open")  # after March


def test_problem_closure_hand_computed(engine):
    with engine.begin() as conn:
        _problem_logs(conn)
    with engine.connect() as conn:
        settings = load_settings(conn)
        result = logs.problem_closure(conn, MARCH, settings)
        section = logs.closure_section(conn, MARCH, settings)
        team = logs.problem_closure(conn, MARCH, settings, Scope(team="二班"))
    # In March with non-blank problems: Mar 3 (done), Mar 4, Mar 5, Mar 31 -> 4, closed 1.
    assert (result.with_problems, result.closed, result.rate) == (4, 1, 0.25)
    assert result.by_manager[["employee_no", "with_problems", "closed", "rate"]].to_dict("records") == [
        {"employee_no": "M1", "with_problems": 3, "closed": 1, "rate": 1 / 3},
        {"employee_no": "M2", "with_problems": 1, "closed": 0, "rate": 0.0},
    ]
    assert section == {"with_problems": 4, "closed": 1, "rate": 0.25}
    assert (team.with_problems, team.closed) == (1, 0)


def test_problem_closure_empty_window(engine):
    with engine.begin() as conn:
        _problem_logs(conn)
    with engine.connect() as conn:
        window = Window(D(2025, 1, 1), D(2025, 1, 31))
        assert logs.closure_section(conn, window, load_settings(conn)) == {
            "with_problems": 0,
            "closed": 0,
            "rate": None,
        }


def test_open_problems_oldest_first_with_age(engine):
    with engine.begin() as conn:
        _problem_logs(conn)
    with engine.connect() as conn:
        rows = logs.open_problems(conn, D(2025, 3, 31))
        town = logs.open_problems(conn, D(2025, 3, 31), Scope(town="城关镇"))
        team = logs.open_problems(conn, D(2025, 3, 31), Scope(team="二班"))
    # Not done, non-blank, dated <= Mar 31: Feb 10 (49 days: 18 left in Feb + 31), Mar 4 (27),
    # Mar 5 (26), Mar 31 (0). Done Mar 3, blank Mar 6 and the April log are left out.
    assert rows[["employee_no", "account_no", "date", "status", "age_days"]].to_dict("records") == [
        {"employee_no": "M2", "account_no": "C2", "date": D(2025, 2, 10), "status": "in_progress", "age_days": 49},
        {"employee_no": "M1", "account_no": "C1", "date": D(2025, 3, 4), "status": "open", "age_days": 27},
        {"employee_no": "M1", "account_no": "C2", "date": D(2025, 3, 5), "status": "in_progress", "age_days": 26},
        {"employee_no": "M2", "account_no": "C2", "date": D(2025, 3, 31), "status": "open", "age_days": 0},
    ]
    assert list(rows.columns) == [
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
    assert rows.loc[1, "customer"] == "客户C1" and rows.loc[1, "problems"] == "电容柜故障"
    assert list(town["date"]) == [D(2025, 3, 4)]  # the town of the log's customer
    assert list(team["date"]) == [D(2025, 2, 10), D(2025, 3, 31)]
