"""The like-for-like lead-time reduction (data contract: `lead_time.adjusted`), checked against an
independent computation in pandas on random applications, on SQLite and PostgreSQL, and through
`manage.py kpis --json` (the contract's keys in its order).

The independent side reads the applications row by row (no SQL aggregate), groups them per
(kind, supply) in pandas, and bootstraps with its own generator: the point estimate and the
counts must be equal, the interval must bracket the estimate and agree with the independent
interval to within the Monte Carlo error of 1,000 resamples.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from data_access.models import Application
from data_access.settings import load_settings
from metrics import lead_time
from metrics.report import build_report
from metrics.window import Scope, Window
from tests import builders as b
from tests.helpers import manage_py

D = dt.date
WINDOW = Window(D(2025, 4, 1), D(2025, 9, 30))
# (kind, supply) -> (mean lead days of resident-served, of other, how many of each): the last
# stratum holds only other applications (not compared), the third only one resident-served one.
STRATA = {
    ("new", "single"): (55, 72, 40, 60),
    ("increase", "single"): (48, 60, 25, 30),
    ("new", "dual"): (70, 95, 1, 6),
    ("increase", "dual"): (None, 90, 0, 5),
}


def random_applications(conn, seed: int) -> None:
    rng = np.random.default_rng(seed)
    customers = [b.customer(conn, f"C{n}", town="东镇" if n % 2 else "西镇") for n in range(6)]
    number = 0
    for (kind, supply), (resident_mean, other_mean, residents, others) in STRATA.items():
        for resident, mean, count in ((True, resident_mean, residents), (False, other_mean, others)):
            for _ in range(count):
                number += 1
                applied = D(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 150)))
                days = max(5, int(rng.normal(mean, 15)))
                b.application(
                    conn,
                    f"A{number:04d}",
                    customers[int(rng.integers(0, 6))],
                    applied,
                    resident_served=resident,
                    kind=kind,
                    supply=supply,
                    energized_on=applied + dt.timedelta(days=days),
                )
    # Energized outside the window or not at all: never counted.
    b.application(conn, "X1", customers[0], D(2024, 10, 1), resident_served=True, energized_on=D(2025, 1, 5))
    b.application(conn, "X2", customers[0], D(2025, 9, 1), resident_served=False)


def independent(
    conn, window: Window, scope_towns: set[str] | None = None, seed: int = 7, resamples: int = 4000
) -> dict:
    """The contract's formula over the applications read one by one, in pandas."""
    from data_access.models import Customer

    rows = conn.execute(
        select(
            Application.kind,
            Application.supply,
            Application.resident_served,
            Application.applied_on,
            Application.energized_on,
            Customer.town,
        ).join(Customer, Customer.id == Application.customer_id)
    ).all()
    frame = pd.DataFrame(rows, columns=["kind", "supply", "resident", "applied_on", "energized_on", "town"])
    frame = frame[frame["energized_on"].notna()]
    frame = frame[(frame["energized_on"] >= window.start) & (frame["energized_on"] <= window.end)]
    if scope_towns is not None:
        frame = frame[frame["town"].isin(scope_towns)]
    frame["days"] = [(e - a).days for a, e in zip(frame["applied_on"], frame["energized_on"])]
    compared = []
    for _, stratum in frame.groupby(["kind", "supply"]):
        resident = stratum.loc[stratum["resident"].astype(bool), "days"].to_numpy(float)
        other = stratum.loc[~stratum["resident"].astype(bool), "days"].to_numpy(float)
        if len(resident) and len(other):
            compared.append((resident, other))
    if not compared:
        return {
            "reduction_days": None,
            "resident_compared": 0,
            "other_compared": 0,
            "strata_compared": 0,
            "interval": None,
        }
    weights = np.array([len(r) for r, _ in compared], float)
    estimate = sum(len(r) * (o.mean() - r.mean()) for r, o in compared) / weights.sum()
    interval = None
    if any(min(len(r), len(o)) >= 2 for r, o in compared):
        rng = np.random.default_rng(seed)
        draws = np.zeros(resamples)
        for r, o in compared:
            draws += len(r) * (
                rng.choice(o, (resamples, len(o))).mean(axis=1) - rng.choice(r, (resamples, len(r))).mean(axis=1)
            )
        interval = tuple(np.percentile(draws / weights.sum(), [2.5, 97.5]))
    return {
        "reduction_days": estimate,
        "resident_compared": int(weights.sum()),
        "other_compared": sum(len(o) for _, o in compared),
        "strata_compared": len(compared),
        "interval": interval,
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_adjusted_reduction_equals_an_independent_computation(engine, seed):
    with engine.begin() as conn:
        random_applications(conn, seed)
    with engine.connect() as conn:
        result = lead_time.adjusted_reduction(conn, WINDOW, load_settings(conn))
        expected = independent(conn, WINDOW)
        again = lead_time.adjusted_reduction(conn, WINDOW, {})
        raw = lead_time.summary(conn, WINDOW, {})
    assert expected["strata_compared"] == 3
    assert result.strata_compared == expected["strata_compared"]
    assert result.resident_compared == expected["resident_compared"] == raw.resident.count
    assert result.other_compared == expected["other_compared"] < raw.other.count  # increase/dual is not compared
    assert abs(result.reduction_days - expected["reduction_days"]) <= 0.005 + 1e-9
    low, high = result.ci95
    assert low <= result.reduction_days <= high
    expected_low, expected_high = expected["interval"]
    width = expected_high - expected_low
    assert abs(low - expected_low) <= 0.2 * width and abs(high - expected_high) <= 0.2 * width
    assert again == result  # a fixed seed: the same interval on every run
    assert {(s.kind, s.supply) for s in result.strata} == set(STRATA)
    uncompared = next(s for s in result.strata if s.kind == "increase" and s.supply == "dual")
    assert not uncompared.compared and uncompared.resident_mean is None


def test_town_scope_and_the_distribution_from_the_same_counts(engine):
    with engine.begin() as conn:
        random_applications(conn, 3)
    with engine.connect() as conn:
        scoped = lead_time.adjusted_reduction(conn, WINDOW, {}, Scope(town="东镇"))
        expected = independent(conn, WINDOW, {"东镇"})
        strata = lead_time.stratum_counts(conn, WINDOW, {})
        counted = lead_time.lead_days_counts(conn, WINDOW, {})
    assert scoped.resident_compared == expected["resident_compared"]
    assert abs(scoped.reduction_days - expected["reduction_days"]) <= 0.005 + 1e-9
    assert lead_time.lead_days_counts_of(strata).equals(counted)
    with engine.connect() as conn:  # the screen's summary from the same counts equals the report's
        assert lead_time.summary_of(strata) == lead_time.summary(conn, WINDOW, {})
        empty = Window(D(2020, 1, 1), D(2020, 1, 31))
        assert lead_time.summary_of(lead_time.stratum_counts(conn, empty, {})) == lead_time.summary(conn, empty, {})


def test_no_interval_without_two_in_both_groups_and_nothing_without_a_compared_stratum(engine):
    with engine.begin() as conn:
        c = b.customer(conn, "C1")
        # new/single: one resident (50 days) against two others (70, 80): compared, but only 1 resident.
        b.application(conn, "A1", c, D(2025, 5, 1), resident_served=True, energized_on=D(2025, 6, 20))
        b.application(conn, "B1", c, D(2025, 5, 1), resident_served=False, energized_on=D(2025, 7, 10))
        b.application(conn, "B2", c, D(2025, 5, 1), resident_served=False, energized_on=D(2025, 7, 20))
        # increase/dual: resident-served only.
        b.application(
            conn,
            "A2",
            c,
            D(2025, 5, 1),
            resident_served=True,
            kind="increase",
            supply="dual",
            energized_on=D(2025, 7, 1),
        )
    with engine.connect() as conn:
        one = lead_time.adjusted_reduction(conn, WINDOW, {})
        none = lead_time.adjusted_reduction(conn, Window(D(2025, 6, 1), D(2025, 6, 30)), {})
        empty = lead_time.adjusted_reduction(conn, Window(D(2020, 1, 1), D(2020, 1, 31)), {})
    assert (one.reduction_days, one.ci95, one.resident_compared, one.strata_compared) == (25.0, None, 1, 1)
    assert lead_time.adjusted_section(one) == {
        "reduction_days": 25.0,
        "ci95": None,
        "resident_compared": 1,
        "strata_compared": 1,
    }
    assert (none.reduction_days, none.ci95, none.resident_compared, none.strata_compared) == (None, None, 0, 0)
    assert empty.strata == ()


def test_kpis_json_carries_the_adjusted_reduction_in_the_contract_order(engine, db_url):
    with engine.begin() as conn:
        random_applications(conn, 4)
    run = manage_py(db_url, "kpis", "--from", str(WINDOW.start), "--to", str(WINDOW.end), "--json")
    assert run.returncode == 0, run.stderr
    section = json.loads(run.stdout)["lead_time"]
    assert list(section) == ["resident", "other", "reduction_days", "adjusted"]
    adjusted = section["adjusted"]
    assert list(adjusted) == ["reduction_days", "ci95", "resident_compared", "strata_compared"]
    with engine.connect() as conn:
        expected = independent(conn, WINDOW)
        assert section == build_report(conn, WINDOW, load_settings(conn))["lead_time"]
    assert adjusted["strata_compared"] == expected["strata_compared"]
    assert adjusted["resident_compared"] == expected["resident_compared"]
    assert abs(adjusted["reduction_days"] - expected["reduction_days"]) <= 0.005 + 1e-9
    low, high = adjusted["ci95"]
    assert low <= adjusted["reduction_days"] <= high
