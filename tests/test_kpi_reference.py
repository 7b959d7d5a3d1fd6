"""The SQL KPIs (metrics/, as `manage.py kpis --json` reports them) equal the plain-Python reference
(tests/kpi_reference.py) on random programs, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from data_access.models import SPECIALTIES
from data_access.settings import load_settings
from metrics.report import build_report
from metrics.window import Window
from tests import builders as b
from tests import kpi_reference as ref

D = dt.date
YEAR_START = D(2025, 1, 1)
# Windows cut anywhere: whole quarters, mid-week and mid-month edges, one week.
WINDOWS = [
    Window(D(2025, 4, 1), D(2025, 6, 30)),
    Window(D(2025, 3, 12), D(2025, 8, 20)),
    Window(D(2025, 9, 29), D(2025, 10, 5)),
    Window(D(2025, 1, 1), D(2025, 12, 31)),
]


def day_in(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def random_program(conn, seed: int) -> None:
    """Managers posted on and off, logs on random days (some off site, some with problems), training
    and assessments around the first posting, plans early and late, experts and calls, applications."""
    rng = random.Random(seed)
    customers = [b.customer(conn, f"C{n:03d}") for n in range(8)]
    managers = [b.manager(conn, f"M{n:03d}", team=rng.choice(["一班", "二班"])) for n in range(6)]
    for manager in managers:
        start = day_in(rng, D(2024, 11, 1), D(2025, 8, 1))
        for _ in range(rng.randint(1, 2)):
            end = None if rng.random() < 0.4 else day_in(rng, start, start + dt.timedelta(days=200))
            b.posting(conn, manager, rng.choice(customers), start, end)
            start = (end or start) + dt.timedelta(days=rng.randint(-10, 40))
        for _ in range(rng.randint(0, 4)):
            b.training(
                conn,
                manager,
                day_in(rng, D(2024, 9, 1), D(2025, 6, 1)),
                rng.choice([2, 4, 6, 8]),
                kind=rng.choice(["skill", "other"]),
            )
        if rng.random() < 0.8:
            b.assessment(conn, manager, day_in(rng, D(2024, 10, 1), D(2025, 6, 1)), passed=rng.random() < 0.7)
        logged = set()
        for _ in range(rng.randint(20, 90)):
            day, customer = day_in(rng, YEAR_START, D(2025, 12, 31)), rng.choice(customers)
            if (day, customer) in logged:
                continue
            logged.add((day, customer))
            problems = "计量箱锈蚀" if rng.random() < 0.2 else None
            b.log(
                conn,
                manager,
                customer,
                day,
                on_site=rng.random() < 0.7,
                problems=problems,
                status=rng.choice(["open", "in_progress", "done"]) if problems else None,
            )
        for month in range(1, 13):
            if rng.random() < 0.7:
                b.plan(conn, manager, D(2025, month, 1), D(2025, month, rng.randint(1, 12)))
    experts = [b.expert(conn, f"E{n:02d}", rng.choice(SPECIALTIES), active=rng.random() < 0.85) for n in range(12)]
    for n in range(25):
        requested = dt.datetime(2025, 1, 1, 8) + dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
        responded = requested + dt.timedelta(minutes=rng.randint(5, 600)) if rng.random() < 0.8 else None
        closed = (responded or requested) + dt.timedelta(hours=rng.randint(1, 48)) if rng.random() < 0.6 else None
        b.expert_call(
            conn,
            f"K{n:03d}",
            rng.choice(experts),
            requested,
            responded_at=responded,
            closed_at=closed,
            hours=rng.choice([None, 1.5, 3]),
        )
    for n in range(30):
        applied = day_in(rng, D(2024, 10, 1), D(2025, 10, 1))
        energized = applied + dt.timedelta(days=rng.randint(20, 140)) if rng.random() < 0.8 else None
        b.application(
            conn,
            f"A{n:03d}",
            rng.choice(customers),
            applied,
            resident_served=rng.random() < 0.5,
            energized_on=energized,
            kind=rng.choice(["new", "increase"]),
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sql_kpis_equal_the_reference(engine, seed):
    with engine.begin() as conn:
        random_program(conn, seed)
    with engine.connect() as conn:
        settings = load_settings(conn)
        data = ref.Data(conn)
        reports = [(window, build_report(conn, window, settings)) for window in WINDOWS]
    for window, report in reports:
        start, end = window.start, window.end
        expected = ref.attendance(data, start, end, int(settings["min_onsite_days"]))
        got = report["attendance"]
        assert (got["due"], got["compliant"]) == (expected["due"], expected["compliant"]), window
        assert {m["employee_no"]: (m["due"], m["compliant"]) for m in got["by_manager"]} == expected["by_manager"]
        assert report["log_completeness"] == ref.log_completeness(data, start, end), window
        assert report["problem_closure"] == ref.problem_closure(data, start, end), window
        assert report["training"] == ref.training(
            data, end, settings["min_training_hours"], settings["min_skill_share"]
        ), window
        assert report["monthly_plans"] == ref.monthly_plans(data, start, end, int(settings["plan_deadline_day"]))
        check_experts(report["experts"], ref.experts(data, start, end, int(settings["min_experts_per_specialty"])))
        check_lead_time(report["lead_time"], ref.lead_time(data, start, end))
    assert any(r["attendance"]["due"] and r["lead_time"]["resident"]["count"] for _, r in reports)  # not all empty


def check_experts(got: dict, expected: dict) -> None:
    assert got["coverage"]["by_specialty"] == expected["by_specialty"]
    assert (got["coverage"]["covered"], got["coverage"]["rate"]) == (expected["covered"], expected["coverage_rate"])
    assert (got["calls"], got["closed"]) == (expected["calls"], expected["closed"])
    assert got["median_response_minutes"] == pytest.approx(expected["median_response_minutes"])


def rounded(value):
    return None if value is None else round(value, 2)


def check_lead_time(got: dict, expected: dict) -> None:
    for group in ("resident", "other"):
        assert got[group]["count"] == expected[group]["count"], group
        assert got[group]["mean_days"] == rounded(expected[group]["mean"]), group
        assert got[group]["median_days"] == rounded(expected[group]["median"]), group
    assert got["reduction_days"] == rounded(expected["reduction"])
