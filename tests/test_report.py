"""The report JSON of data contract §4, in process and through `manage.py kpis`."""

import datetime as dt
import json

import pytest

from data_access.models import SPECIALTIES
from data_access.settings import load_settings
from metrics import value
from metrics.report import SECTIONS, build_report, build_report_parallel, format_table, section_function
from metrics.window import Window
from tests import builders as b
from tests.helpers import manage_py

D = dt.date
T = dt.datetime
# Mon Mar 3 .. Sun Mar 30, 2025: four whole ISO weeks, 20 workdays, no whole month.
MARCH_WEEKS = Window(D(2025, 3, 3), D(2025, 3, 30))
# Whole March: weeks of Mar 3, 10, 17, 24 (Mar 31 starts a week ending in April).
MARCH = Window(D(2025, 3, 1), D(2025, 3, 31))

CONTRACT_KEYS = [
    "window",
    "attendance",
    "log_completeness",
    "problem_closure",
    "training",
    "monthly_plans",
    "experts",
    "segments",
    "lead_time",
    "needs",
    "value",
]


def _part_b_missing() -> list[str]:
    missing = []
    for key, module, _function in SECTIONS:
        try:
            section_function(key)
        except (ImportError, AttributeError):
            missing.append(module)
    return missing


needs_all_sections = pytest.mark.skipif(
    bool(_part_b_missing()), reason=f"report sections not written yet: {_part_b_missing()}"
)


def _dataset(conn):
    """A small program: the comments give each row's effect on March 2025."""
    c1 = b.customer(conn, "C1", star_rating=3, town="城关镇")
    c2 = b.customer(conn, "C2", town="龙都街道")
    m1, m2, m3 = b.manager(conn, "M1"), b.manager(conn, "M2"), b.manager(conn, "M3")
    # M1: posted all March, trained (16 h, 10 skill) and passed before posting.
    # On site Mon+Tue of every March week -> 4 of 4 weeks compliant; logs on 8 of 21
    # March workdays. Plan for March submitted Mar 3 (on time).
    b.posting(conn, m1, c1, D(2025, 2, 1))
    b.training(conn, m1, D(2025, 1, 10), 10, "skill")
    b.training(conn, m1, D(2025, 1, 11), 6, "other")
    b.assessment(conn, m1, D(2025, 1, 12))
    for monday in (3, 10, 17, 24):
        b.log(conn, m1, c1, D(2025, 3, monday))
        b.log(conn, m1, c1, D(2025, 3, monday + 1))
    b.plan(conn, m1, D(2025, 3, 1), D(2025, 3, 3))
    # M2: posted from Mon Mar 17, no training. On site Mar 18 only -> week 17 missed
    # (1 < 2), week 24 missed (0). Logs on 1 of 11 posted workdays (Mar 17-31).
    # One problem logged (open); no plan for March -> late.
    b.posting(conn, m2, c2, D(2025, 3, 17))
    b.log(conn, m2, c2, D(2025, 3, 18), problems="配电房漏水")
    # M3: never posted: nothing due; a closed problem still counts for closure.
    b.log(conn, m3, c2, D(2025, 3, 20), on_site=False, problems="表计故障", status="done")
    # Experts: two active hv_operation (covered), one call with a 30-minute response.
    e1 = b.expert(conn, "E1", "hv_operation")
    b.expert(conn, "E2", "hv_operation")
    b.expert_call(conn, "K1", e1, T(2025, 3, 5, 9, 0), responded_at=T(2025, 3, 5, 9, 30), hours=2)
    # Lead time: one resident-served application energized in March after 50 days.
    b.application(conn, "A1", c1, D(2025, 1, 20), resident_served=True, energized_on=D(2025, 3, 11))


# Whole March (MARCH): the manager-side sections, computed by hand.
EXPECTED_MARCH = {
    # M1: weeks 3, 10, 17, 24 all compliant; M2: weeks 17 and 24, both missed.
    "attendance": {
        "due": 6,
        "compliant": 4,
        "rate": 4 / 6,
        "by_manager": [
            {"employee_no": "M1", "due": 4, "compliant": 4, "rate": 1.0},
            {"employee_no": "M2", "due": 2, "compliant": 0, "rate": 0.0},
        ],
    },
    # M1: 21 March workdays, 8 logged; M2: Mar 17-31 = 11 workdays, 1 logged.
    "log_completeness": {"posted_workdays": 32, "logged_workdays": 9, "rate": 9 / 32},
    # M2's open problem and M3's done one.
    "problem_closure": {"with_problems": 2, "closed": 1, "rate": 0.5},
    # M1 and M2 have a first posting by Mar 31; M2 has no training.
    "training": {"managers": 2, "compliant": 1, "rate": 0.5, "non_compliant": ["M2"]},
    # March is whole: M1 on time, M2 due without a plan.
    "monthly_plans": {"due": 2, "on_time": 1, "rate": 0.5},
}


def test_manager_sections_hand_computed(engine):
    with engine.begin() as conn:
        _dataset(conn)
    with engine.connect() as conn:
        settings = load_settings(conn)
        for key, expected in EXPECTED_MARCH.items():
            assert section_function(key)(conn, MARCH, settings) == expected, key


def test_manager_sections_without_whole_weeks_or_months(engine):
    with engine.begin() as conn:
        _dataset(conn)
    with engine.connect() as conn:
        settings = load_settings(conn)
        window = Window(D(2025, 3, 4), D(2025, 3, 8))  # Tue..Sat
        assert section_function("attendance")(conn, window, settings) == {
            "due": 0,
            "compliant": 0,
            "rate": None,
            "by_manager": [],
        }
        assert section_function("monthly_plans")(conn, window, settings) == {"due": 0, "on_time": 0, "rate": None}
        # Tue-Fri: M1 posted 4 workdays, logged on Tue 4 only.
        assert section_function("log_completeness")(conn, window, settings) == {
            "posted_workdays": 4,
            "logged_workdays": 1,
            "rate": 0.25,
        }


def _assert_contract_shape(report: dict) -> None:
    assert list(report) == CONTRACT_KEYS
    assert list(report["attendance"]) == ["due", "compliant", "rate", "by_manager"]
    assert list(report["log_completeness"]) == ["posted_workdays", "logged_workdays", "rate"]
    assert list(report["problem_closure"]) == ["with_problems", "closed", "rate"]
    assert list(report["training"]) == ["managers", "compliant", "rate", "non_compliant"]
    assert list(report["monthly_plans"]) == ["due", "on_time", "rate"]
    experts = report["experts"]
    assert list(experts) == ["coverage", "calls", "closed", "median_response_minutes", "by_expert"]
    assert list(experts["coverage"]) == ["by_specialty", "covered", "rate"]
    assert list(experts["coverage"]["by_specialty"]) == list(SPECIALTIES)
    assert list(report["segments"]) == ["total", "star", "potential", "risk", "none", "covered"]
    assert list(report["lead_time"]) == ["resident", "other", "reduction_days", "adjusted"]
    assert list(report["lead_time"]["adjusted"]) == ["reduction_days", "ci95", "resident_compared", "strata_compared"]
    for group in ("resident", "other"):
        assert list(report["lead_time"][group]) == ["count", "mean_days", "median_days"]
    assert list(report["needs"]) == ["capacity_increase", "basic_charge_adjustment", "direct_trading", "surge"]
    for ids in report["needs"].values():
        assert ids == sorted(ids)
    assert tuple(report["value"]) == value.KEYS
    assert report["training"]["non_compliant"] == sorted(report["training"]["non_compliant"])
    by_manager = [row["employee_no"] for row in report["attendance"]["by_manager"]]
    assert by_manager == sorted(by_manager)
    by_expert = [row["expert_no"] for row in experts["by_expert"]]
    assert by_expert == sorted(by_expert)
    for key in ("attendance", "log_completeness", "problem_closure", "training", "monthly_plans"):
        rate = report[key]["rate"]
        assert rate is None or (isinstance(rate, float) and 0 <= rate <= 1)


@needs_all_sections
def test_full_report_hand_computed(engine):
    with engine.begin() as conn:
        _dataset(conn)
    with engine.connect() as conn:
        report = build_report(conn, MARCH, load_settings(conn))
    _assert_contract_shape(report)
    assert report["window"] == {"from": "2025-03-01", "to": "2025-03-31"}
    for key, expected in EXPECTED_MARCH.items():
        assert report[key] == expected, key
    assert report["experts"]["coverage"]["covered"] == 1  # hv_operation only
    assert report["experts"]["coverage"]["rate"] == 1 / 8
    assert report["experts"]["calls"] == 1 and report["experts"]["median_response_minutes"] == 30.0
    assert report["experts"]["by_expert"] == [{"expert_no": "E1", "calls": 1, "hours": 2.0}]
    assert report["segments"]["total"] == 2 and report["segments"]["star"] == 1
    assert report["lead_time"]["resident"] == {"count": 1, "mean_days": 50.0, "median_days": 50.0}
    assert report["lead_time"]["other"] == {"count": 0, "mean_days": None, "median_days": None}
    assert report["lead_time"]["reduction_days"] is None
    # No other application to compare with: no like-for-like estimate either.
    assert report["lead_time"]["adjusted"] == {
        "reduction_days": None,
        "ci95": None,
        "resident_compared": 0,
        "strata_compared": 0,
    }


@needs_all_sections
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_parallel_report_equals_the_sequential_one(engine, workers):
    """Sections (and the needs section's parts) on connections of their own give the same dict,
    keys in the same order."""
    with engine.begin() as conn:
        _dataset(conn)
        surging = b.customer(conn, "SURGE", capacity_kva=1000)
        # Dec (before the window) 100 kWh; Jan, Feb 100; Mar 130 = 1.3 × the mean of Dec-Feb: a surge.
        # Max demand 1,200 > 1,000 kVA in Mar (the one window month): a capacity increase.
        for month, kwh in ((D(2024, 12, 1), 100), (D(2025, 1, 1), 100), (D(2025, 2, 1), 100), (D(2025, 3, 1), 130)):
            b.consumption(conn, surging, month, kwh, 1200 if month.month == 3 else 500)
    with engine.connect() as conn:
        settings = load_settings(conn)
        sequential = build_report(conn, MARCH, settings)
    parallel = build_report_parallel(engine, MARCH, settings, workers=workers)
    assert json.dumps(parallel) == json.dumps(sequential)
    assert sequential["needs"]["surge"] == ["SURGE"]  # 130 ≥ 1.3 × 100, all 3 months before present
    assert "SURGE" in sequential["needs"]["capacity_increase"]
    only = build_report_parallel(engine, MARCH, settings, workers=workers, keys=("needs", "training"))
    assert list(only) == ["window", "needs", "training"]
    assert only["needs"] == sequential["needs"] and only["training"] == sequential["training"]


@needs_all_sections
def test_full_report_on_empty_database(engine):
    with engine.connect() as conn:
        report = build_report(conn, MARCH, load_settings(conn))
    _assert_contract_shape(report)
    assert report["attendance"] == {"due": 0, "compliant": 0, "rate": None, "by_manager": []}
    assert report["log_completeness"] == {"posted_workdays": 0, "logged_workdays": 0, "rate": None}
    assert report["problem_closure"] == {"with_problems": 0, "closed": 0, "rate": None}
    assert report["training"] == {"managers": 0, "compliant": 0, "rate": None, "non_compliant": []}
    assert report["monthly_plans"] == {"due": 0, "on_time": 0, "rate": None}
    assert report["experts"]["coverage"]["rate"] == 0.0
    assert report["experts"]["median_response_minutes"] is None


def test_format_table_shows_each_manager_kpi():
    report = {"window": {"from": "2025-03-01", "to": "2025-03-31"}, **EXPECTED_MARCH}
    table = format_table(report)
    assert "2025-03-01 – 2025-03-31" in table
    assert "驻点考勤合规率 Attendance compliance" in table and "66.7%" in table
    assert "日志填报率 Log completeness" in table and "28.1%" in table
    assert "M2" in table  # behind on attendance and training
    empty = format_table(
        {"window": report["window"], "attendance": {"due": 0, "compliant": 0, "rate": None, "by_manager": []}}
    )
    assert "—" in empty


# ---- the CLI -------------------------------------------------------------------


@needs_all_sections
def test_cli_prints_the_report_json(engine, db_url):
    with engine.begin() as conn:
        _dataset(conn)
    run = manage_py(db_url, "kpis", "--from", "2025-03-01", "--to", "2025-03-31", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    _assert_contract_shape(report)
    for key, expected in EXPECTED_MARCH.items():
        assert report[key] == expected, key
    with engine.connect() as conn:
        assert report == build_report(conn, MARCH, load_settings(conn))


@needs_all_sections
def test_cli_without_json_prints_a_table(engine, db_url):
    with engine.begin() as conn:
        _dataset(conn)
    run = manage_py(db_url, "kpis", "--from", "2025-03-01", "--to", "2025-03-31")
    assert run.returncode == 0, run.stderr
    assert "驻点考勤合规率 Attendance compliance" in run.stdout and "66.7%" in run.stdout
    assert not run.stdout.lstrip().startswith("{")


@pytest.mark.parametrize(
    "date_from, date_to, message",
    [
        ("2025-03-31", "2025-03-01", "after"),
        ("2025-02-30", "2025-03-31", "--from must be a date"),
        ("2025-03-01", "next week", "--to must be a date"),
    ],
)
def test_cli_bad_window_exits_2(tmp_path, date_from, date_to, message):
    # The window is checked before the database is opened: no database is created.
    database = tmp_path / "never.db"
    run = manage_py(f"sqlite:///{database}", "kpis", "--from", date_from, "--to", date_to, "--json")
    assert not database.exists()
    assert run.returncode == 2
    assert run.stdout == ""
    assert "bad window" in run.stderr and message in run.stderr
