"""Lifecycle states (metrics.lifecycle) derived from records, on both databases."""

from __future__ import annotations

import datetime as dt

from data_access.settings import load_settings
from metrics import lifecycle
from metrics.window import Scope
from tests import builders as b

D = dt.date
DAY = D(2026, 3, 1)


def test_each_state_from_its_records(engine):
    with engine.begin() as conn:
        ids = {
            no: b.manager(conn, no, team="一班" if no < "M4" else "二班")
            for no in ("M1", "M2", "M3", "M4", "M5", "M6", "M7")
        }
        c1, c2 = b.customer(conn, "C1", town="城关"), b.customer(conn, "C2", town="河口")
        # M1 candidate (nothing). M2 in training.
        b.training(conn, ids["M2"], D(2026, 2, 1), 8)
        # M3 failed its latest assessment (an earlier one passed: the latest decides).
        b.training(conn, ids["M3"], D(2026, 1, 5), 10)
        b.assessment(conn, ids["M3"], D(2026, 1, 10), passed=True)
        b.assessment(conn, ids["M3"], D(2026, 2, 10), passed=False)
        # M4 passed, trained enough: gate ok, not posted yet (a posting starts after DAY).
        b.training(conn, ids["M4"], D(2026, 1, 5), 12, "skill")
        b.training(conn, ids["M4"], D(2026, 1, 6), 4, "other")
        b.assessment(conn, ids["M4"], D(2026, 1, 20), passed=True)
        b.posting(conn, ids["M4"], c1, D(2026, 4, 1))
        # M5 posted to two customers; M6 withdrawn; M7 has records after DAY only: candidate.
        b.posting(conn, ids["M5"], c1, D(2025, 6, 1))
        b.posting(conn, ids["M5"], c2, D(2026, 1, 1), D(2026, 12, 31))
        b.posting(conn, ids["M6"], c2, D(2025, 6, 1), D(2026, 2, 1))
        b.training(conn, ids["M7"], D(2026, 3, 2), 8)
    with engine.connect() as conn:
        settings = load_settings(conn)
        frame = lifecycle.states(conn, DAY, settings)
        got = dict(zip(frame["employee_no"], frame["state"]))
        assert got == {
            "M1": "candidate",
            "M2": "in_training",
            "M3": "assessed_fail",
            "M4": "assessed_pass",
            "M5": "posted",
            "M6": "withdrawn",
            "M7": "candidate",
        }
        row = frame.set_index("employee_no").loc["M4"]
        assert row["gate_ok"] and row["total_hours"] == 16 and row["skill_share"] == 0.75
        assert frame.set_index("employee_no").loc["M5", "active_postings"] == 2
        assert not frame.set_index("employee_no").loc["M3", "gate_ok"]  # 10 h
        counts = lifecycle.state_counts(conn, DAY, settings)
        assert counts == {state: list(got.values()).count(state) for state in lifecycle.STATES}
        assert list(lifecycle.states(conn, DAY, settings, state="posted")["employee_no"]) == ["M5"]
        assert list(lifecycle.states(conn, DAY, settings, Scope(team="一班"))["employee_no"]) == ["M1", "M2", "M3"]
        assert list(lifecycle.states(conn, DAY, settings, Scope(town="河口"))["employee_no"]) == ["M5", "M6"]
        assert list(lifecycle.states(conn, DAY, settings, search="M6")["employee_no"]) == ["M6"]
        # A year later M5's second posting has ended, the first still runs.
        later = lifecycle.states(conn, D(2027, 3, 1), settings).set_index("employee_no")
        assert later.loc["M5", "active_postings"] == 1 and later.loc["M4", "state"] == "posted"
