"""The demo data generator: sizes, realism, determinism, replacement, users, CLI.

Most checks read one county demo per backend (module fixture `demo`); the
figures are computed here independently with plain SQL / pandas, not with
the metrics package.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import func, insert, select, text

from data_access.db import make_engine
from data_access.demo import DEMO_PASSWORD, generate_demo
from data_access.models import APPLICATION_STAGES, SPECIALTIES, Customer, Manager, User
from data_access.users import check_password, upsert_user
from tests.conftest import ROOT, fresh_engine
from tests.helpers import manage_py, unvacuumed_tables

UNTIL = dt.date(2025, 6, 30)
WINDOW_START = dt.date(2022, 7, 1)
DOMAIN_TABLES = (
    "managers",
    "customers",
    "experts",
    "training",
    "assessments",
    "postings",
    "monthly_plans",
    "work_logs",
    "expert_calls",
    "applications",
    "consumption",
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request, tmp_path_factory, sqlite_template, pg_template):
    with fresh_engine(request.param, tmp_path_factory.mktemp("demo"), sqlite_template, pg_template) as engine:
        steps: list[tuple[str, float]] = []
        counts = generate_demo(
            engine, "county", seed=2019, until=UNTIL, progress=lambda step, fraction: steps.append((step, fraction))
        )
        yield SimpleNamespace(
            engine=engine,
            counts=counts,
            steps=steps,
            kind=request.param,
            directory=tmp_path_factory.mktemp("again"),
            template=sqlite_template,
            pg_template=pg_template,
        )


def frame(engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(text(sql)).mappings().all())


def scalar(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def as_date(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series.astype("string"))


# --------------------------------------------------------------------- sizes
def test_returned_counts_match_the_tables(demo):
    for table in DOMAIN_TABLES:
        assert scalar(demo.engine, f"SELECT COUNT(*) FROM {table}") == demo.counts[table], table
    assert demo.counts["users"] == 3


def test_county_scale_sizes(demo):
    counts = demo.counts
    assert 25 <= counts["managers"] <= 40
    assert 3_000 <= counts["customers"] <= 6_000
    assert counts["experts"] >= 16
    posted = scalar(demo.engine, "SELECT COUNT(DISTINCT customer_id) FROM postings")
    assert 40 <= posted <= 80
    assert 8_000 <= counts["work_logs"] <= 30_000
    assert 400 <= counts["applications"] <= 2_000
    assert 10_000 <= counts["consumption"] <= 150_000


def test_all_dates_lie_in_the_three_year_window(demo):
    first_log, last_log = frame(demo.engine, "SELECT MIN(date) AS a, MAX(date) AS b FROM work_logs").iloc[0]
    assert str(first_log) >= str(WINDOW_START) and str(last_log) <= str(UNTIL)
    assert str(last_log) >= str(UNTIL - dt.timedelta(days=7))
    latest = scalar(demo.engine, "SELECT MAX(applied_on) FROM applications")
    assert str(latest) <= str(UNTIL)
    assert str(scalar(demo.engine, "SELECT MIN(start_date) FROM postings")) >= str(WINDOW_START)


def test_progress_is_reported_in_order_up_to_one(demo):
    fractions = [fraction for _, fraction in demo.steps]
    assert len(fractions) >= 10
    assert fractions == sorted(fractions)
    assert fractions[0] == 0 and fractions[-1] == 1.0
    assert any(step.startswith("work_logs") for step, _ in demo.steps)


def test_the_demo_leaves_postgresql_vacuumed_and_sqlite_without_statistics(demo):
    """The report's plans on PostgreSQL need statistics and the visibility map, as autovacuum
    would leave them (off on some servers); SQLite's queries are written for no statistics."""
    if demo.kind == "postgresql":
        assert unvacuumed_tables(demo.engine) == set()
    else:
        assert scalar(demo.engine, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'") == 0


# ------------------------------------------------------------- determinism
def _rows(engine, table: str, columns: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY id"))]


SNAPSHOT = {
    "customers": "id, account_no, name, town, capacity_kva, annual_kwh, star_rating, billing_mode",
    "postings": "id, manager_id, customer_id, start_date, end_date, handover_note",
    "work_logs": "id, manager_id, customer_id, date, on_site, hours, content, problems, status",
    "applications": "id, app_no, customer_id, applied_on, plan_replied_on, energized_on",
}


def test_same_seed_gives_identical_rows_in_another_database(demo):
    with fresh_engine(demo.kind, demo.directory, demo.template, demo.pg_template) as engine:
        counts = generate_demo(engine, "county", seed=2019, until=UNTIL)
        assert counts == demo.counts
        for table, columns in SNAPSHOT.items():
            assert _rows(engine, table, columns) == _rows(demo.engine, table, columns), table


GENERATE_SCRIPT = """
import datetime as dt, sys
from data_access.db import make_engine
from data_access.demo import generate_demo
generate_demo(make_engine(sys.argv[1]), "county", seed=11, until=dt.date(2024, 3, 31))
"""


def test_rows_do_not_depend_on_the_hash_seed(tmp_path, sqlite_template):
    """Two processes with different PYTHONHASHSEED: set or dict order must not leak into the rows."""
    urls = []
    for hash_seed in ("1", "2"):
        path = tmp_path / f"hash{hash_seed}.db"
        shutil.copy(sqlite_template, path)
        urls.append(f"sqlite:///{path}")
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", GENERATE_SCRIPT, urls[-1]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    engines = [make_engine(url) for url in urls]
    try:
        for table, columns in SNAPSHOT.items():
            assert _rows(engines[0], table, columns) == _rows(engines[1], table, columns), table
    finally:
        for engine in engines:
            engine.dispose()


def test_rerun_replaces_everything_and_keeps_other_users(engine):
    generate_demo(engine, "county", seed=7, until=UNTIL)
    with engine.begin() as conn:
        gone_id = conn.execute(insert(Manager).values(employee_no="X999", name="临时经理")).inserted_primary_key[0]
        kept_id = conn.execute(select(Manager.id).where(Manager.employee_no == "PZ00003")).scalar_one()
        upsert_user(conn, "alice", "Alice", "pw-alice", "office")
        upsert_user(conn, "bob", "Bob", "pw-bob", "manager", kept_id)
        upsert_user(conn, "carol", "Carol", "pw-carol", "manager", gone_id)
    counts = generate_demo(engine, "county", seed=2019, until=UNTIL)
    for table in DOMAIN_TABLES:
        assert scalar(engine, f"SELECT COUNT(*) FROM {table}") == counts[table], table
    assert scalar(engine, "SELECT COUNT(*) FROM managers WHERE employee_no = 'X999'") == 0
    users = frame(
        engine,
        "SELECT u.username, u.active, u.role, m.employee_no FROM users u LEFT JOIN managers m ON m.id = u.manager_id",
    ).set_index("username")
    assert set(users.index) == {"leader", "office", "manager", "alice", "bob", "carol"}
    assert bool(users.loc["alice", "active"]) and users.loc["alice", "role"] == "office"
    assert bool(users.loc["bob", "active"]) and users.loc["bob", "employee_no"] == "PZ00003"
    assert not bool(users.loc["carol", "active"]) and users.loc["carol", "role"] == "manager"


# ---------------------------------------------------------------- realism
def test_lead_times_centre_on_57_and_75_days(demo):
    apps = frame(
        demo.engine,
        "SELECT resident_served, supply, applied_on, energized_on FROM applications WHERE energized_on IS NOT NULL",
    )
    apps["lead"] = (as_date(apps.energized_on) - as_date(apps.applied_on)).dt.days
    apps["resident_served"] = apps.resident_served.astype(bool)
    single = apps[apps.supply == "single"].groupby("resident_served").lead.agg(["mean", "count"])
    assert single.loc[True, "count"] >= 30 and single.loc[False, "count"] >= 300
    assert abs(single.loc[True, "mean"] - 57) <= 4
    assert abs(single.loc[False, "mean"] - 75) <= 4
    other = apps[~apps.resident_served].groupby("supply").lead.mean()
    assert 14 <= other["dual"] - other["single"] <= 26
    everyone = apps.groupby("resident_served").lead.mean()
    assert 12 <= everyone[False] - everyone[True] <= 24


def test_resident_served_means_a_posting_on_the_application_day(demo):
    mismatched = scalar(
        demo.engine,
        """
        SELECT COUNT(*) FROM applications a
        WHERE a.resident_served <> EXISTS (
            SELECT 1 FROM postings p WHERE p.customer_id = a.customer_id AND p.start_date <= a.applied_on
              AND (p.end_date IS NULL OR p.end_date >= a.applied_on))""",
    )
    assert mismatched == 0
    assert scalar(demo.engine, "SELECT COUNT(*) FROM applications WHERE resident_served") >= 40


def test_stage_dates_in_order_and_mostly_within_limits(demo):
    stages = list(APPLICATION_STAGES)
    apps = frame(demo.engine, f"SELECT supply, {', '.join(stages)} FROM applications")
    for column in stages:
        apps[column] = as_date(apps[column])
    for earlier, later in zip(stages, stages[1:]):
        assert not (apps[later] < apps[earlier]).any(), later
        assert not (apps[earlier].isna() & apps[later].notna()).any(), later
    waiting = apps[apps.energized_on.isna()]
    assert len(waiting) > 0
    assert (waiting.applied_on >= pd.Timestamp(UNTIL - dt.timedelta(days=200))).all()

    calendar = frame(demo.engine, "SELECT date, workday_seq FROM calendar_days")
    seq = pd.Series(calendar.workday_seq.values, index=as_date(calendar.date))
    done = apps.dropna(subset=["energized_on"])

    def workdays(start, end):
        return seq.loc[done[end]].values - seq.loc[done[start]].values

    reply = workdays("applied_on", "plan_replied_on")
    reply_over = reply > done.supply.map({"single": 15, "dual": 30}).values
    energize_over = workdays("completion_inspected_on", "energized_on") > 5
    design_over = workdays("plan_replied_on", "design_reviewed_on") > 10
    for over in (reply_over, energize_over, design_over):
        assert 0 < over.mean() <= 0.2


def test_experts_cover_all_specialties_with_exactly_one_thin(demo):
    active = (
        frame(
            demo.engine,
            "SELECT specialty, SUM(CASE WHEN active THEN 1 ELSE 0 END) AS n FROM experts GROUP BY specialty",
        )
        .set_index("specialty")
        .n
    )
    assert set(active.index) == set(SPECIALTIES)
    assert (active < 2).sum() == 1 and (active >= 1).all()


def test_expert_calls_come_from_posted_managers_with_realistic_responses(demo):
    calls = frame(demo.engine, "SELECT c.requested_at, c.responded_at, c.closed_at, c.mode FROM expert_calls c")
    for column in ("requested_at", "responded_at", "closed_at"):
        calls[column] = pd.to_datetime(calls[column].astype("string"))
    minutes = (calls.responded_at - calls.requested_at).dt.total_seconds() / 60
    assert 40 <= minutes.median() <= 150
    assert minutes.min() < 30 and minutes.max() > 240
    assert set(calls["mode"]) == {"onsite", "remote"}
    open_calls = calls[calls.closed_at.isna()]
    assert 0 < len(open_calls) < 0.1 * len(calls)
    outside = scalar(
        demo.engine,
        """
        SELECT COUNT(*) FROM expert_calls c WHERE NOT EXISTS (
            SELECT 1 FROM postings p WHERE p.manager_id = c.manager_id AND p.customer_id = c.customer_id)""",
    )
    assert outside == 0


def test_every_work_log_is_on_a_posted_day(demo):
    outside = scalar(
        demo.engine,
        """
        SELECT COUNT(*) FROM work_logs w WHERE NOT EXISTS (
            SELECT 1 FROM postings p WHERE p.manager_id = w.manager_id AND p.customer_id = w.customer_id
              AND p.start_date <= w.date AND (p.end_date IS NULL OR p.end_date >= w.date))""",
    )
    assert outside == 0


def test_postings_have_handovers_overlaps_and_late_starts(demo):
    postings = frame(demo.engine, "SELECT manager_id, customer_id, start_date, end_date, handover_note FROM postings")
    postings["start_date"], postings["end_date"] = as_date(postings.start_date), as_date(postings.end_date)
    ended = postings[postings.end_date.notna()]
    assert ended.handover_note.notna().all()
    assert ended.handover_note.str.contains("接任").sum() >= 3
    assert postings[postings.end_date.isna()].handover_note.isna().all()
    assert (postings.start_date > pd.Timestamp(WINDOW_START) + pd.Timedelta(days=365)).sum() >= 3
    overlapping = 0
    for _, group in postings.groupby("manager_id"):
        spans = group.sort_values("start_date")
        ends = spans.end_date.fillna(pd.Timestamp(UNTIL))
        overlapping += int((spans.start_date.values[1:] <= ends.cummax().values[:-1]).any())
    assert 1 <= overlapping <= 6


def test_attendance_logs_and_plans_mostly_compliant_with_some_misses(demo):
    logs = frame(demo.engine, "SELECT manager_id, date, on_site, problems, status FROM work_logs")
    logs["date"] = as_date(logs.date)
    logs["on_site"] = logs.on_site.astype(bool)
    assert 0.35 <= logs.on_site.mean() <= 0.7
    weekend = logs.date.dt.day_of_week >= 5
    assert 0 < weekend.mean() < 0.05
    posted_days = (
        frame(
            demo.engine,
            f"""
        SELECT manager_id, SUM(CAST(julianday(COALESCE(end_date, '{UNTIL}')) - julianday(start_date) AS INTEGER) + 1)
        AS days FROM postings GROUP BY manager_id""",
        )
        if demo.kind == "sqlite"
        else frame(
            demo.engine,
            f"""
        SELECT manager_id, SUM(COALESCE(end_date, DATE '{UNTIL}') - start_date + 1) AS days
        FROM postings GROUP BY manager_id""",
        )
    )
    onsite_days = logs[logs.on_site].groupby("manager_id").date.nunique()
    per_week = (onsite_days / (posted_days.set_index("manager_id").days.astype(float) / 7)).fillna(0)
    assert per_week.median() >= 2.0
    assert 1 <= (per_week < 1.5).sum() <= 5

    with_problems = logs[logs.problems.notna()]
    old = with_problems[with_problems.date < pd.Timestamp(UNTIL - dt.timedelta(days=120))]
    recent = with_problems[with_problems.date > pd.Timestamp(UNTIL - dt.timedelta(days=30))]
    assert (old.status == "done").mean() >= 0.9
    assert (recent.status != "done").any()

    plans = frame(demo.engine, "SELECT month, submitted_on FROM monthly_plans")
    deadline = as_date(plans.month) + pd.Timedelta(days=4)
    on_time = (as_date(plans.submitted_on) <= deadline).mean()
    assert 0.75 <= on_time <= 0.95


def test_training_mostly_compliant_with_each_kind_of_gap(demo):
    first = frame(demo.engine, "SELECT manager_id, MIN(start_date) AS first FROM postings GROUP BY manager_id")
    training = frame(demo.engine, "SELECT manager_id, date, hours, kind FROM training")
    assessments = frame(demo.engine, "SELECT manager_id, date, passed FROM assessments")
    first["first"] = as_date(first["first"])
    training = training.merge(first, on="manager_id")
    training = training[as_date(training.date) <= training["first"]]
    hours = training.groupby("manager_id").hours.sum()
    skill = training[training.kind == "skill"].groupby("manager_id").hours.sum().reindex(hours.index, fill_value=0)
    assessed = assessments.merge(first, on="manager_id")
    assessed = assessed[(as_date(assessed.date) <= assessed["first"]) & assessed.passed.astype(bool)]
    passed = hours.index.isin(assessed.manager_id)
    short_hours, low_skill = hours < 16, skill / hours < 0.6
    compliant = ~short_hours & ~low_skill & passed
    assert len(hours) == len(first)
    assert 0.75 <= compliant.mean() < 1
    assert short_hours.sum() >= 1 and (low_skill & ~short_hours).sum() >= 1
    assert 1 <= (~passed).sum() <= 2
    candidates = scalar(
        demo.engine,
        "SELECT COUNT(*) FROM managers m WHERE NOT EXISTS (SELECT 1 FROM postings p WHERE p.manager_id = m.id)",
    )
    assert candidates >= 1


def test_customers_mix(demo):
    customers = frame(
        demo.engine,
        "SELECT voltage_kv, capacity_kva, star_rating, potential_reason, churn_risk, "
        "market_status, billing_mode, town FROM customers",
    )
    assert 0.2 <= (customers.star_rating >= 2).mean() <= 0.3
    assert customers.potential_reason.notna().sum() > 0 and customers.churn_risk.astype(bool).sum() > 0
    shares = customers.market_status.value_counts(normalize=True)
    assert set(shares.index) == {"agency", "retail", "direct"} and shares.idxmax() == "agency"
    assert ((customers.capacity_kva < 315) == (customers.billing_mode == "single")).all()
    assert set(customers.billing_mode) == {"single", "capacity", "demand"}
    assert set(customers.voltage_kv) <= {10, 35, 110} and (customers.voltage_kv == 10).mean() >= 0.85
    assert {"密州街道", "枳沟镇", "百尺河镇"} <= set(customers.town)


def test_consumption_for_two_part_customers_with_signals(demo):
    rows = frame(
        demo.engine,
        "SELECT c.customer_id, c.month, c.kwh, c.max_demand_kw, u.capacity_kva "
        "FROM consumption c JOIN customers u ON u.id = c.customer_id",
    )
    assert (rows.capacity_kva >= 315).all()
    assert (rows.groupby("customer_id").size() == 24).all()
    rows["month"] = as_date(rows.month)
    rows = rows.sort_values(["customer_id", "month"])
    assert rows.month.max() == pd.Timestamp(UNTIL.replace(day=1)) - pd.DateOffset(months=1)
    over = rows[rows.max_demand_kw > rows.capacity_kva].customer_id.nunique()
    previous = [rows.groupby("customer_id").kwh.shift(lag) for lag in (1, 2, 3)]
    prior = sum(previous) / 3  # NaN unless all three months exist
    surging = rows[rows.kwh >= 1.3 * prior].customer_id.nunique()
    last3 = rows.groupby("customer_id").tail(3)
    watch = (last3.max_demand_kw >= 0.85 * last3.capacity_kva).groupby(last3.customer_id).all().sum()
    customers = rows.customer_id.nunique()
    for flagged in (over, surging, watch):
        assert 1 <= flagged <= 0.15 * customers


# ------------------------------------------------------------ users, sequences
def test_demo_users_log_in_with_the_demo_password(demo):
    with demo.engine.connect() as conn:
        users = {u.username: u for u in conn.execute(select(User))}
        assert set(users) == {"leader", "office", "manager"}
        for user in users.values():
            assert user.password_hash.startswith("$2") and check_password(DEMO_PASSWORD, user.password_hash)
        assert users["manager"].role == "manager"
        posted_now = conn.execute(
            text(
                "SELECT COUNT(*) FROM postings WHERE manager_id = :m AND start_date <= :d "
                "AND (end_date IS NULL OR end_date >= :d)"
            ),
            {"m": users["manager"].manager_id, "d": UNTIL},
        ).scalar()
        assert posted_now >= 1


def test_sequences_continue_after_the_demo(demo):
    with demo.engine.connect() as conn:
        transaction = conn.begin()
        try:
            top = conn.execute(select(func.max(Manager.id))).scalar()
            new_id = conn.execute(insert(Manager).values(employee_no="NEW1", name="新经理")).inserted_primary_key[0]
            assert new_id > top
            customer_id = conn.execute(
                insert(Customer).values(
                    account_no="NEW1",
                    name="新客户",
                    voltage_kv=10,
                    capacity_kva=800,
                    billing_mode="capacity",
                )
            ).inserted_primary_key[0]
            assert customer_id > demo.counts["customers"]
        finally:
            transaction.rollback()


def test_unknown_scale_and_out_of_range_until_are_refused():
    with pytest.raises(ValueError, match="scale"):
        generate_demo(None, "country")
    with pytest.raises(ValueError, match="until"):
        generate_demo(None, "county", until=dt.date(2040, 1, 1))


def test_cli_demo_prints_counts(db_url):
    done = manage_py(db_url, "demo", "--scale", "county", "--seed", "7")
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line.split()[1] for line in done.stdout.splitlines() if len(line.split()) == 2}
    assert int(lines["managers"].replace(",", "")) >= 25
    assert int(lines["work_logs"].replace(",", "")) > 5_000
    assert "demo county seed 7" in done.stdout
    engine = make_engine(db_url)
    try:
        assert scalar(engine, "SELECT COUNT(*) FROM managers") == int(lines["managers"].replace(",", ""))
    finally:
        engine.dispose()
