"""Needs cases: opened from a month's findings, joined when found again, moved through their states
with the fields each needs, refused with codes otherwise; conversion and time in state (both databases)."""

import datetime as dt

import pytest
from sqlalchemy import func, select

import manage
from data_access import cases
from data_access.models import NeedCase, NeedCaseMonth
from data_access.permissions import Actor, PermissionDenied
from data_access.settings import load_settings
from data_access.writes import StaleRow, ValidationFailed
from metrics import cases as case_metrics
from metrics.window import Window
from tests import builders as b
from ui.problem_text import error_text

D = dt.date
OFFICE = Actor("office", "office")
LEADER = Actor("leader", "leader")
TODAY = D(2025, 12, 31)


@pytest.fixture
def world(engine):
    """One over-capacity customer (C1, posted to M1, with an increase application), one quiet (C2)."""
    with engine.begin() as conn:
        m1, m2 = b.manager(conn, "M1"), b.manager(conn, "M2")
        c1 = b.customer(conn, "C1", capacity_kva=500)
        c2 = b.customer(conn, "C2", capacity_kva=5000)
        b.posting(conn, m1, c1, D(2025, 1, 1))
        b.posting(conn, m2, c2, D(2025, 1, 1))
        for month in (9, 10, 11):
            b.consumption(conn, c1, D(2025, month, 1), 100_000, max_demand_kw=620)  # above 500 kVA
            b.consumption(conn, c2, D(2025, month, 1), 100_000, max_demand_kw=1000)
        b.application(conn, "A1", c1, D(2025, 10, 20), resident_served=True, kind="increase")
        b.application(conn, "A2", c2, D(2025, 10, 20), resident_served=True, kind="increase")
    return {
        "m1": m1,
        "m2": m2,
        "c1": c1,
        "c2": c2,
        "manager": Actor("m1", "manager", manager_id=m1),
        "other": Actor("m2", "manager", manager_id=m2),
    }


def _open_month(engine, month):
    with engine.connect() as conn:
        found = case_metrics.month_findings(conn, month, load_settings(conn))
    return cases.record_findings(engine, OFFICE, month, found, on=month.replace(day=5) + dt.timedelta(days=30))


def _capacity_case(engine, customer_id):
    with engine.connect() as conn:
        return (
            conn.execute(
                select(NeedCase).where(NeedCase.customer_id == customer_id, NeedCase.rule == "capacity_increase")
            )
            .mappings()
            .one()
        )


def _advance(engine, actor, case_id, to, on, **fields):
    with engine.connect() as conn:
        version = cases.case_row(conn, case_id)["version"]
    cases.advance(engine, actor, case_id, version, to, on, today=TODAY, **fields)


def test_finding_followed_from_new_to_done_with_application(engine, world):
    counts = _open_month(engine, D(2025, 11, 1))
    case = _capacity_case(engine, world["c1"])
    assert counts["opened"] >= 1 and case["status"] == "new"
    manager = world["manager"]
    _advance(engine, manager, case["id"], "confirmed", D(2025, 12, 8), note="现场核实：负荷已超容量")
    _advance(engine, manager, case["id"], "proposed", D(2025, 12, 10), proposal="increase")
    _advance(engine, OFFICE, case["id"], "done", D(2025, 12, 20), application_no="A1")
    with engine.connect() as conn:
        done = cases.list_cases(conn, TODAY).set_index("id").loc[case["id"]]
    assert (done["status"], done["app_no"], done["proposal"]) == ("done", "A1", "increase")
    assert (done["confirmed_on"], done["proposed_on"], done["closed_on"]) == (
        D(2025, 12, 8),
        D(2025, 12, 10),
        D(2025, 12, 20),
    )
    assert "现场核实" in done["notes"] and "m1" in done["notes"]


def test_recurring_finding_joins_its_open_case(engine, world):
    first = _open_month(engine, D(2025, 11, 1))
    with engine.begin() as conn:
        b.consumption(conn, world["c1"], D(2025, 12, 1), 100_000, max_demand_kw=640)
        b.consumption(conn, world["c2"], D(2025, 12, 1), 100_000, max_demand_kw=1000)
    second = _open_month(engine, D(2025, 12, 1))
    again = _open_month(engine, D(2025, 12, 1))
    assert second["opened"] == 0 and second["joined"] == first["opened"]
    assert again == {"opened": 0, "joined": 0, "unchanged": first["opened"]}
    case = _capacity_case(engine, world["c1"])
    assert (case["first_month"], case["last_month"]) == (D(2025, 11, 1), D(2025, 12, 1))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(NeedCase)).scalar() == first["opened"]
        months = (
            conn.execute(
                select(NeedCaseMonth.month).where(NeedCaseMonth.case_id == case["id"]).order_by(NeedCaseMonth.month)
            )
            .scalars()
            .all()
        )
    assert months == [D(2025, 11, 1), D(2025, 12, 1)]


def test_a_closed_case_lets_a_new_finding_open_a_new_case(engine, world):
    _open_month(engine, D(2025, 11, 1))
    case = _capacity_case(engine, world["c1"])
    _advance(engine, OFFICE, case["id"], "dismissed", D(2025, 12, 20), reason="临时负荷，已结束")
    with engine.begin() as conn:
        b.consumption(conn, world["c1"], D(2025, 12, 1), 100_000, max_demand_kw=640)
    assert _open_month(engine, D(2025, 12, 1))["opened"] >= 1


def _codes(excinfo):
    return [(p.column, p.code) for p in excinfo.value.problems]


def test_bad_moves_refused_with_codes(engine, world):
    _open_month(engine, D(2025, 11, 1))
    case_id = _capacity_case(engine, world["c1"])["id"]
    with pytest.raises(ValidationFailed) as refused:
        _advance(engine, OFFICE, case_id, "done", D(2025, 12, 1), application_no="A1")
    assert _codes(refused) == [("status", "case_bad_transition")]
    with pytest.raises(ValidationFailed) as refused:
        _advance(engine, OFFICE, case_id, "dismissed", D(2025, 12, 6), reason="  ")
    assert _codes(refused) == [("reason", "required")]
    with pytest.raises(ValidationFailed) as refused:
        _advance(engine, OFFICE, case_id, "confirmed", D(2025, 11, 1))  # before it was opened
    assert _codes(refused) == [("on", "case_before_previous")]
    _advance(engine, OFFICE, case_id, "confirmed", D(2025, 12, 8))
    with pytest.raises(ValidationFailed) as refused:
        _advance(engine, OFFICE, case_id, "proposed", D(2025, 12, 9), proposal="discount")
    assert _codes(refused) == [("proposal", "case_unknown_choice")]
    _advance(engine, OFFICE, case_id, "proposed", D(2025, 12, 9), proposal="increase")
    for fields, expected in (
        ({}, [("application_no", "required")]),
        ({"application_no": "NOPE"}, [("application_no", "case_unknown_application")]),
        ({"application_no": "A2"}, [("application_no", "case_other_customer")]),
        ({"application_no": "A1", "kwh_traded": -1}, [("kwh_traded", "case_not_positive")]),
    ):
        with pytest.raises(ValidationFailed) as refused:
            _advance(engine, OFFICE, case_id, "done", D(2025, 12, 20), **fields)
        assert _codes(refused) == expected
    with pytest.raises(ValidationFailed) as refused:
        _advance(engine, OFFICE, case_id, "declined", D(2025, 12, 20))
    assert _codes(refused) == [("note", "required")]
    assert error_text(refused.value, "zh") and error_text(refused.value, "en")
    assert _capacity_case(engine, world["c1"])["status"] == "proposed"  # nothing half-written


def test_permissions_and_stale_version(engine, world):
    _open_month(engine, D(2025, 11, 1))
    case_id = _capacity_case(engine, world["c1"])["id"]
    for actor in (LEADER, world["other"]):  # leadership none; a manager not posted to C1
        with pytest.raises(PermissionDenied):
            _advance(engine, actor, case_id, "confirmed", D(2025, 12, 8))
    with pytest.raises(PermissionDenied):
        cases.record_findings(engine, world["manager"], D(2025, 11, 1), [(world["c1"], "surge")], on=TODAY)
    version = _capacity_case(engine, world["c1"])["version"]
    cases.advance(engine, OFFICE, case_id, version, "confirmed", D(2025, 12, 8), today=TODAY)
    with pytest.raises(StaleRow):
        cases.advance(engine, OFFICE, case_id, version, "dismissed", D(2025, 12, 9), reason="x", today=TODAY)


def test_conversion_and_state_days_match_a_hand_count(engine, world):
    with engine.begin() as conn:
        extra = [b.customer(conn, f"X{i}") for i in range(4)]
    found = [(customer, "direct_trading") for customer in extra] + [(world["c1"], "capacity_increase")]
    cases.record_findings(engine, OFFICE, D(2025, 11, 1), found, on=D(2025, 12, 1))
    with engine.connect() as conn:
        ids = {row.customer_id: row.id for row in conn.execute(select(NeedCase.customer_id, NeedCase.id))}
    # X0: done (trading); X1: dismissed; X2: declined; X3: confirmed only; C1: new.
    _advance(engine, OFFICE, ids[extra[0]], "confirmed", D(2025, 12, 3))
    _advance(engine, OFFICE, ids[extra[0]], "proposed", D(2025, 12, 7), proposal="trading")
    _advance(engine, OFFICE, ids[extra[0]], "done", D(2025, 12, 17), kwh_traded=2_000_000)
    _advance(engine, OFFICE, ids[extra[1]], "dismissed", D(2025, 12, 5), reason="已自行办理")
    _advance(engine, OFFICE, ids[extra[2]], "confirmed", D(2025, 12, 2))
    _advance(engine, OFFICE, ids[extra[2]], "proposed", D(2025, 12, 4), proposal="tariff_mode")
    _advance(engine, OFFICE, ids[extra[2]], "declined", D(2025, 12, 10), note="客户暂不变更")
    _advance(engine, OFFICE, ids[extra[3]], "confirmed", D(2025, 12, 9))
    window = Window(D(2025, 12, 1), D(2025, 12, 31))
    with engine.connect() as conn:
        conversion = case_metrics.conversion(conn, window)
        days = case_metrics.state_days(conn, window)
        realised = case_metrics.realised(conn, window)
    assert conversion == {
        "found": 5,
        "confirmed": 3,
        "proposed": 2,
        "done": 1,
        "dismissed": 1,
        "declined": 1,
        "open": 2,
    }
    # new: X0 2 days, X1 4, X2 1, X3 8 -> 15 / 4; confirmed: X0 4, X2 2 -> 3; proposed: X0 10, X2 6 -> 8.
    assert days == {
        "new": {"n": 4, "mean_days": 3.8},
        "confirmed": {"n": 2, "mean_days": 3.0},
        "proposed": {"n": 2, "mean_days": 8.0},
    }
    assert realised == {
        "done": 1,
        "yuan_saved_per_year": 0.0,
        "kwh_traded": 2_000_000.0,
        "applications": 0,
        "with_yuan": 0,
    }
    with engine.connect() as conn:
        assert case_metrics.conversion(conn, Window(D(2026, 1, 1), D(2026, 1, 31)))["found"] == 0
        assert case_metrics.open_count(conn) == 2


def test_cli_opens_the_months_cases_once(db_url, world, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DASHBOARD_TODAY", "2025-12-03")
    assert manage.main(["cases", "open", "--month", "2025-11"]) == 0
    first = capsys.readouterr().out
    assert manage.main(["cases", "open", "--month", "2025-11"]) == 0
    again = capsys.readouterr().out
    assert "opened 0, joined 0" in again and "opened 0" not in first
    assert manage.main(["cases", "list"]) == 0
    assert "C1" in capsys.readouterr().out
    with pytest.raises(SystemExit) as bad:
        manage.main(["cases", "open", "--month", "2025-13"])
    assert bad.value.code == 2
