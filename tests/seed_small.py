"""A small, fixed data set for the app tests (AppTest and the browser).

`populate_small(conn)` writes three managers in two teams and two towns,
half a year of work logs (Apr–Sep 2025, so the default window is Q3 2025
and the previous one Q2), training, plans, an expert pool short of two
specialties, expert calls, connection applications, consumption, and one
login per role plus an inactive one. KPI values are never hard-coded in
tests: they compare the screen with metrics.report.build_report.

    python tests/seed_small.py sqlite:///tmp/small.db    # a ready database for manual runs
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_access.models import User  # noqa: E402
from data_access.users import upsert_user  # noqa: E402
from tests import builders as b  # noqa: E402

D = dt.date
FIRST_DAY = D(2025, 4, 1)
LAST_DAY = D(2025, 9, 30)
Q3 = (D(2025, 7, 1), D(2025, 9, 30))
PASSWORD = "small-seed-1"
# username -> (display name, role); the manager account is linked to M001.
USERS = {
    "leader": ("李领导", "leader"),
    "office": ("王办公室", "office"),
    "manager": ("张经理", "manager"),
}
INACTIVE_USER = "former"
TOWNS = ("城关街道", "舜王街道")
TEAMS = ("一班", "二班")


def _days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _managers_and_customers(conn: Connection) -> dict[str, int]:
    ids = {
        "M001": b.manager(conn, "M001", "张经理", team=TEAMS[0]),
        "M002": b.manager(conn, "M002", "刘经理", team=TEAMS[0]),
        "M003": b.manager(conn, "M003", "陈经理", team=TEAMS[1]),
        "C001": b.customer(conn, "C001", town=TOWNS[0], star_rating=3, annual_kwh=8_000_000),
        "C002": b.customer(conn, "C002", town=TOWNS[0], potential_reason="县重点项目", annual_kwh=2_000_000),
        "C003": b.customer(conn, "C003", town=TOWNS[1], voltage_kv=35, capacity_kva=5000, annual_kwh=12_000_000),
        "C004": b.customer(conn, "C004", town=TOWNS[1], churn_risk=True, annual_kwh=1_000_000),
        "C005": b.customer(conn, "C005", town=TOWNS[1], capacity_kva=200, annual_kwh=300_000),
    }
    b.posting(conn, ids["M001"], ids["C001"], D(2025, 3, 3))
    b.posting(conn, ids["M002"], ids["C002"], D(2025, 3, 3))
    b.posting(conn, ids["M003"], ids["C003"], D(2025, 6, 2), handover_note="接替前任")
    return ids


def _training(conn: Connection, ids: dict[str, int]) -> None:
    for manager, skill, other in (("M001", 10, 6), ("M002", 6, 4), ("M003", 12, 6)):
        b.training(conn, ids[manager], D(2025, 2, 10), skill, "skill", "现场设备操作")
        b.training(conn, ids[manager], D(2025, 2, 11), other, "other", "服务规范")
        b.assessment(conn, ids[manager], D(2025, 2, 20), passed=manager != "M002", score=88)


def _work_logs(conn: Connection, ids: dict[str, int]) -> None:
    """M001 on site Mon+Tue, logs Mon–Thu; M002 on site Mon only (short), logs Mon+Wed;
    M003 on site Tue+Thu until mid-August, then remote logs on Tuesdays; one problem per month."""
    for day in _days(FIRST_DAY, LAST_DAY):
        weekday = day.weekday()
        if weekday <= 3:
            problems = "变压器油位偏低" if day.day <= 4 and weekday == 0 else None
            status = ("done" if day.month % 2 else "open") if problems else None
            b.log(conn, ids["M001"], ids["C001"], day, on_site=weekday <= 1, hours=6, problems=problems, status=status)
        if weekday in (0, 2):
            b.log(conn, ids["M002"], ids["C002"], day, on_site=weekday == 0, hours=4)
        if day >= D(2025, 6, 2) and weekday in (1, 3):
            on_site = day < D(2025, 8, 15)
            if on_site or weekday == 1:
                b.log(conn, ids["M003"], ids["C003"], day, on_site=on_site, hours=5)


def _plans(conn: Connection, ids: dict[str, int]) -> None:
    for month in range(4, 10):
        b.plan(conn, ids["M001"], D(2025, month, 1), D(2025, month, 3))
        b.plan(conn, ids["M002"], D(2025, month, 1), D(2025, month, 3 if month % 2 else 9))
        if month >= 6:
            b.plan(conn, ids["M003"], D(2025, month, 1), D(2025, month, 5))


def _experts(conn: Connection, ids: dict[str, int]) -> None:
    specialties = [
        "hv_operation",
        "hv_fault",
        "lv_fault",
        "equipment_om",
        "tariff_billing",
        "energy_efficiency",
        "safety_assessment",
        "training",
    ]
    experts = []
    for index, specialty in enumerate(specialties):
        per_specialty = 1 if specialty in ("safety_assessment", "training") else 2
        for number in range(per_specialty):
            experts.append(b.expert(conn, f"E{index}{number}", specialty, name=f"专家{index}{number}"))
    b.expert(conn, "E99", "training", active=False)
    call = 0
    for month, response_minutes in ((4, 30), (5, 50), (6, 40), (7, 25), (8, 90), (9, 35)):
        for offset in range(2):
            call += 1
            requested = dt.datetime(2025, month, 10 + offset, 9, 0)
            b.expert_call(
                conn,
                f"K{call:03d}",
                experts[call % len(experts)],
                requested,
                mode="onsite" if offset == 0 else "remote",
                manager_id=ids["M001" if offset == 0 else "M003"],
                customer_id=ids["C001" if offset == 0 else "C003"],
                responded_at=requested + dt.timedelta(minutes=response_minutes + 10 * offset),
                closed_at=requested + dt.timedelta(hours=6) if month < 9 else None,
                hours=2.5,
            )


def _applications(conn: Connection, ids: dict[str, int]) -> None:
    plan = [  # (customer, applied_on, lead days, resident_served)
        ("C001", D(2025, 2, 1), 60, True),
        ("C002", D(2025, 3, 10), 52, True),
        ("C003", D(2025, 5, 1), 55, True),
        ("C001", D(2025, 6, 1), 58, True),
        ("C004", D(2025, 2, 15), 80, False),
        ("C005", D(2025, 4, 1), 74, False),
        ("C004", D(2025, 5, 20), 77, False),
        ("C005", D(2025, 6, 15), 71, False),
    ]
    for number, (account, applied, lead, resident) in enumerate(plan, start=1):
        b.application(
            conn,
            f"A{number:03d}",
            ids[account],
            applied,
            resident_served=resident,
            energized_on=applied + dt.timedelta(days=lead),
            surveyed_on=applied + dt.timedelta(days=3),
        )
    b.application(conn, "A999", ids["C002"], D(2025, 9, 1), resident_served=True)  # still open


def _consumption(conn: Connection, ids: dict[str, int]) -> None:
    for month in range(3, 10):
        first = D(2025, month, 1)
        b.consumption(conn, ids["C001"], first, 700_000 if month < 8 else 950_000, max_demand_kw=900)
        b.consumption(conn, ids["C003"], first, 1_000_000, max_demand_kw=5200 if month == 8 else 3000)
        b.consumption(conn, ids["C002"], first, 150_000, max_demand_kw=300)


def _users(conn: Connection, ids: dict[str, int]) -> None:
    for username, (name, role) in USERS.items():
        upsert_user(conn, username, name, PASSWORD, role, ids["M001"] if role == "manager" else None)
    upsert_user(conn, INACTIVE_USER, "离职人员", PASSWORD, "leader")
    conn.execute(User.__table__.update().where(User.username == INACTIVE_USER).values(active=False))


def populate_small(conn: Connection) -> dict[str, int]:
    """Write the small data set; returns the ids of managers (M00x) and customers (C00x)."""
    ids = _managers_and_customers(conn)
    _training(conn, ids)
    _work_logs(conn, ids)
    _plans(conn, ids)
    _experts(conn, ids)
    _applications(conn, ids)
    _consumption(conn, ids)
    _users(conn, ids)
    return ids


if __name__ == "__main__":
    from data_access.db import get_engine

    engine = get_engine(sys.argv[1])
    with engine.begin() as connection:
        populate_small(connection)
    print(f"small data set written to {sys.argv[1]}")


def small_ids(conn: Connection) -> dict[str, int]:
    """The ids populate_small returned, read back (for seeds that add to a copy of the small data)."""
    from data_access.models import Customer, Manager

    managers = conn.execute(select(Manager.employee_no, Manager.id)).all()
    customers = conn.execute(select(Customer.account_no, Customer.id)).all()
    return dict(managers) | dict(customers)
