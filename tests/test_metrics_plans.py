"""Monthly plans on time (data contract §3): hand-computed cases."""

import datetime as dt

from data_access.settings import load_settings
from metrics import plans
from metrics.window import Scope, Window
from tests import builders as b

D = dt.date
# Jan 15 .. Apr 10: the months wholly inside are February and March.
WINDOW = Window(D(2025, 1, 15), D(2025, 4, 10))


def _plans(conn):
    c1 = b.customer(conn, "C1")
    m1, m2, m3, m4 = (b.manager(conn, no) for no in ("M1", "M2", "M3", "M4"))
    m5 = b.manager(conn, "M5", team="二班")
    # M1 posted throughout: Feb submitted on day 5 exactly (on time), Mar on day 6 (late).
    # The January plan is outside the whole months and ignored.
    b.posting(conn, m1, c1, D(2025, 1, 1))
    b.plan(conn, m1, D(2025, 1, 1), D(2025, 1, 3))
    b.plan(conn, m1, D(2025, 2, 1), D(2025, 2, 5))
    b.plan(conn, m1, D(2025, 3, 1), D(2025, 3, 6))
    # M2 posted only Sat 29 - Sun 30 March: no workday, not due.
    b.posting(conn, m2, c1, D(2025, 3, 29), D(2025, 3, 30))
    # M3 posted only Mon 31 March: due in March; submitted in February: on time.
    b.posting(conn, m3, c1, D(2025, 3, 31), D(2025, 3, 31))
    b.plan(conn, m3, D(2025, 3, 1), D(2025, 2, 25))
    # M4 posted all February without a plan: due, not on time.
    b.posting(conn, m4, c1, D(2025, 2, 1), D(2025, 2, 28))
    # M5 posted only during the Spring Festival holidays (Jan 28 - Feb 4): February
    # has holidays Feb 1-4 (Feb 1-2 a weekend), so no posted workday: not due.
    b.posting(conn, m5, c1, D(2025, 1, 28), D(2025, 2, 4))


def test_plans_hand_computed(engine):
    with engine.begin() as conn:
        _plans(conn)
    with engine.connect() as conn:
        settings = load_settings(conn)
        status = plans.plan_status(conn, WINDOW, settings)
        section = plans.section(conn, WINDOW, settings)
    feb, mar = D(2025, 2, 1), D(2025, 3, 1)
    assert status[["employee_no", "month", "due", "submitted_on", "on_time"]].to_dict("records") == [
        {"employee_no": "M1", "month": feb, "due": D(2025, 2, 5), "submitted_on": D(2025, 2, 5), "on_time": True},
        {"employee_no": "M1", "month": mar, "due": D(2025, 3, 5), "submitted_on": D(2025, 3, 6), "on_time": False},
        {"employee_no": "M3", "month": mar, "due": D(2025, 3, 5), "submitted_on": D(2025, 2, 25), "on_time": True},
        {"employee_no": "M4", "month": feb, "due": D(2025, 2, 5), "submitted_on": None, "on_time": False},
    ]
    # due = 4 manager-months, on time = 2.
    assert section == {"due": 4, "on_time": 2, "rate": 0.5}


def test_deadline_day_is_a_setting(engine):
    with engine.begin() as conn:
        _plans(conn)
        b.setting(conn, "plan_deadline_day", 6)
    with engine.connect() as conn:
        # M1's March plan (day 6) is now on time: 3 of 4.
        assert plans.section(conn, WINDOW, load_settings(conn)) == {"due": 4, "on_time": 3, "rate": 0.75}


def test_no_whole_month_gives_null_rate(engine):
    with engine.begin() as conn:
        _plans(conn)
    with engine.connect() as conn:
        settings = load_settings(conn)
        window = Window(D(2025, 2, 2), D(2025, 3, 30))  # neither month is whole
        assert plans.section(conn, window, settings) == {"due": 0, "on_time": 0, "rate": None}
        assert plans.plan_status(conn, window, settings).empty
        # Whole months but nobody posted in them.
        assert plans.section(conn, Window(D(2024, 1, 1), D(2024, 3, 31)), settings) == {
            "due": 0,
            "on_time": 0,
            "rate": None,
        }


def test_team_scope(engine):
    with engine.begin() as conn:
        _plans(conn)
    with engine.connect() as conn:
        settings = load_settings(conn)
        assert plans.summary(conn, WINDOW, settings, Scope(team="二班")).due == 0
        everyone = plans.summary(conn, WINDOW, settings, Scope())
    assert (everyone.due, everyone.on_time) == (4, 2)
