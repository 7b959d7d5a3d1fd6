"""Pre-posting training compliance (data contract §3): hand-computed cases."""

import datetime as dt

import pandas as pd

from data_access.settings import load_settings
from metrics import training
from metrics.window import Scope, Window
from tests import builders as b

D = dt.date
Q1 = Window(D(2025, 1, 1), D(2025, 3, 31))


def _managers(conn):
    c1, c2 = b.customer(conn, "C1"), b.customer(conn, "C2")
    m1, m2, m3 = b.manager(conn, "M1"), b.manager(conn, "M2"), b.manager(conn, "M3", team="二班")
    m4, m5, m6 = b.manager(conn, "M4"), b.manager(conn, "M5"), b.manager(conn, "M6")
    # M1: first posting Mar 1 (a later one does not matter). Exactly 16 h, of which
    # 9.6 skill = exactly 0.6; the pass is dated on the posting day itself (<=): compliant.
    # The 10 h of training after Mar 1 must be ignored (it would cut the share to 0.37).
    b.posting(conn, m1, c1, D(2025, 3, 1))
    b.posting(conn, m1, c2, D(2025, 6, 1))
    b.training(conn, m1, D(2025, 2, 10), 9.6, "skill")
    b.training(conn, m1, D(2025, 3, 1), 6.4, "other")
    b.training(conn, m1, D(2025, 3, 2), 10, "other")
    b.assessment(conn, m1, D(2025, 3, 1), passed=True)
    # M2: 10 skill + 5.5 other = 15.5 h < 16, passed: hours short only.
    b.posting(conn, m2, c1, D(2025, 1, 10))
    b.training(conn, m2, D(2025, 1, 2), 10, "skill")
    b.training(conn, m2, D(2025, 1, 3), 5.5, "other")
    b.assessment(conn, m2, D(2025, 1, 5), passed=True)
    # M3: 9 skill + 7 other = 16 h, share 0.5625 < 0.6; failed before posting, passed after.
    b.posting(conn, m3, c2, D(2025, 2, 1))
    b.training(conn, m3, D(2025, 1, 20), 9, "skill")
    b.training(conn, m3, D(2025, 1, 21), 7, "other")
    b.assessment(conn, m3, D(2025, 1, 25), passed=False, score=50)
    b.assessment(conn, m3, D(2025, 2, 15), passed=True)
    # M4: first posting Apr 1, after the window: not counted.
    b.posting(conn, m4, c1, D(2025, 4, 1))
    # M5: posted long ago with no training or assessment: all three reasons.
    b.posting(conn, m5, c2, D(2024, 1, 1), D(2024, 6, 30))
    # M6: never posted: not counted.
    b.training(conn, m6, D(2025, 1, 2), 8, "skill")


def test_training_hand_computed(engine):
    with engine.begin() as conn:
        _managers(conn)
    with engine.connect() as conn:
        result = training.compliance(conn, Q1, load_settings(conn))
        section = training.section(conn, Q1, load_settings(conn))
    # Counted: M1, M2, M3, M5 -> 4; compliant: M1 only.
    assert (result.managers, result.compliant, result.rate) == (4, 1, 0.25)
    detail = result.detail.set_index("employee_no")
    assert list(detail.index) == ["M1", "M2", "M3", "M5"]
    assert detail.loc["M1", "first_posting_start"] == D(2025, 3, 1)
    assert (detail.loc["M1", "total_hours"], detail.loc["M1", "skill_hours"]) == (16.0, 9.6)
    assert abs(detail.loc["M1", "skill_share"] - 0.6) < 1e-12
    assert detail.loc["M3", "skill_share"] == 0.5625
    assert pd.isna(detail.loc["M5", "skill_share"])  # no hours: no share
    assert list(detail["passed"]) == [True, True, False, False]
    assert list(detail["compliant"]) == [True, False, False, False]
    assert list(detail["reasons"]) == [
        [],
        ["hours_short"],
        ["skill_share_short", "no_passed_assessment"],
        ["hours_short", "skill_share_short", "no_passed_assessment"],
    ]
    assert section == {"managers": 4, "compliant": 1, "rate": 0.25, "non_compliant": ["M2", "M3", "M5"]}


def test_window_end_decides_who_is_counted(engine):
    with engine.begin() as conn:
        _managers(conn)
    with engine.connect() as conn:
        settings = load_settings(conn)
        # To Feb 28: M1 (first posting Mar 1) is not yet counted -> M2, M3, M5, none compliant.
        assert training.section(conn, Window(D(2025, 1, 1), D(2025, 2, 28)), settings) == {
            "managers": 3,
            "compliant": 0,
            "rate": 0.0,
            "non_compliant": ["M2", "M3", "M5"],
        }
        # Before anyone's first posting: no managers, rate null.
        assert training.section(conn, Window(D(2023, 1, 1), D(2023, 12, 31)), settings) == {
            "managers": 0,
            "compliant": 0,
            "rate": None,
            "non_compliant": [],
        }


def test_thresholds_are_settings(engine):
    with engine.begin() as conn:
        _managers(conn)
    with engine.connect() as conn:
        base = load_settings(conn)
        # 15.5 h passes a 15.5 h minimum: M2 becomes compliant.
        assert training.section(conn, Q1, {**base, "min_training_hours": 15.5})["non_compliant"] == ["M3", "M5"]
        # A 0.61 share fails M1's exact 0.6.
        assert training.section(conn, Q1, {**base, "min_skill_share": 0.61})["compliant"] == 0


def test_decimal_hours_summing_to_sixteen(engine):
    # 4.3 + 4.3 + 4.3 + 3.1 is 15.999999999999998 in floating point; it is 16 h.
    with engine.begin() as conn:
        c1 = b.customer(conn, "C1")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, c1, D(2025, 3, 1))
        for day, hours, kind in ((1, 4.3, "skill"), (2, 4.3, "skill"), (3, 4.3, "skill"), (4, 3.1, "other")):
            b.training(conn, m1, D(2025, 2, day), hours, kind)
        b.assessment(conn, m1, D(2025, 2, 5))
    with engine.connect() as conn:
        assert training.section(conn, Q1, load_settings(conn))["compliant"] == 1


def test_team_scope(engine):
    with engine.begin() as conn:
        _managers(conn)
    with engine.connect() as conn:
        result = training.compliance(conn, Q1, load_settings(conn), Scope(team="二班"))
    assert list(result.detail["employee_no"]) == ["M3"]
    assert (result.managers, result.compliant) == (1, 0)
