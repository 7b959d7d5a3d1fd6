"""The agenda test data: a small program with exactly the open items listed in EXPECTED, on AS_OF
(tests/test_meeting.py, test_app_meeting.py and test_brief.py share it)."""

from __future__ import annotations

import datetime as dt

from data_access.models import SPECIALTIES
from metrics import meeting
from tests import builders as b

D = dt.date
T = dt.datetime
AS_OF = D(2025, 9, 10)  # a Wednesday; last full week 2025-09-01..07; plan deadline (5th) passed


def seed_agenda_db(conn) -> dict:
    """A small program with exactly the open items listed in EXPECTED below."""
    m1 = b.manager(conn, "M1", "张三", team="一班")
    m2 = b.manager(conn, "M2", "李四", team="二班")
    m3 = b.manager(conn, "M3", "王五", team="一班")
    c1, c2, c3, c4 = (b.customer(conn, no, name=f"客户{no}") for no in ("C1", "C2", "C3", "C4"))
    b.posting(conn, m1, c1, D(2025, 1, 1))
    b.posting(conn, m2, c2, D(2025, 1, 1))
    b.posting(conn, m3, c3, D(2025, 1, 1), D(2025, 6, 30))  # no longer posted
    # Work logs: M1 compliant last week, M2 on site once; problems open, done, blank, future.
    b.log(conn, m1, c1, D(2025, 9, 1))
    b.log(conn, m1, c1, D(2025, 9, 2))
    b.log(conn, m2, c2, D(2025, 9, 3))
    b.log(conn, m1, c1, D(2025, 8, 20), problems="配电房漏水")
    b.log(conn, m2, c2, D(2025, 9, 5), on_site=False, problems="电容器异常", status="in_progress")
    b.log(conn, m1, c1, D(2025, 8, 21), problems="已处理的问题", status="done")
    b.log(conn, m2, c2, D(2025, 8, 22), problems="  ", status="open")
    b.log(conn, m3, c3, D(2025, 9, 15), problems="日后的问题")
    b.plan(conn, m1, D(2025, 9, 1), D(2025, 9, 3))
    b.plan(conn, m2, D(2025, 8, 1), D(2025, 8, 2))  # August only: September's is missing
    # Applications: A1 stalled at plan reply (no manager posted), A2 stalled at energization after
    # passing completion inspection, A3 young and within limits, A4 energized (history, not an
    # agenda item), A5 long in design review (the customer's own time: not a checked stage).
    b.application(conn, "A1", c3, D(2025, 6, 2), resident_served=False)
    b.application(
        conn,
        "A2",
        c1,
        D(2025, 8, 1),
        resident_served=True,
        plan_replied_on=D(2025, 8, 5),
        design_reviewed_on=D(2025, 8, 11),
        mid_inspected_on=D(2025, 8, 13),
        completion_inspected_on=D(2025, 8, 20),
    )
    b.application(conn, "A3", c2, D(2025, 9, 1), resident_served=True)
    b.application(conn, "A5", c2, D(2025, 7, 1), resident_served=True, plan_replied_on=D(2025, 7, 4))
    b.application(
        conn, "A4", c2, D(2025, 3, 3), resident_served=True, energized_on=D(2025, 8, 20), plan_replied_on=D(2025, 6, 30)
    )
    # Experts: two active per specialty except tariff_billing (one active, one inactive).
    ids = {}
    for code in SPECIALTIES:
        for n in (1, 2):
            no = f"{code}-{n}"
            ids[no] = b.expert(
                conn, no, code, active=not (code == "tariff_billing" and n == 2), name=f"专家{code[:2]}{n}"
            )
    e1, e2 = ids["hv_operation-1"], ids["hv_fault-1"]
    b.expert_call(conn, "K1", e1, T(2025, 9, 8, 9, 0), manager_id=m1, customer_id=c1)
    b.expert_call(conn, "K2", e1, T(2025, 9, 1, 9, 0), manager_id=m2, closed_at=T(2025, 9, 2, 9, 0))
    b.expert_call(conn, "K3", e2, T(2025, 9, 11, 9, 0), manager_id=m2)
    b.expert_call(
        conn,
        "K4",
        e2,
        T(2025, 9, 9, 14, 0),
        mode="remote",
        responded_at=T(2025, 9, 9, 14, 30),
        closed_at=T(2025, 9, 12, 9, 0),
    )
    # Consumption: C4 over capacity in September; C2 cheaper by demand; C1 surges; C2 was
    # over capacity in August, before the needs window (2025-08-16..09-10).
    b.consumption(conn, c4, D(2025, 9, 1), 300_000, max_demand_kw=1100)
    b.consumption(conn, c2, D(2025, 8, 1), 300_000, max_demand_kw=1200)
    b.consumption(conn, c2, D(2025, 9, 1), 100_000, max_demand_kw=300)
    for month in (6, 7, 8):
        b.consumption(conn, c1, D(2025, month, 1), 100_000)
    b.consumption(conn, c1, D(2025, 9, 1), 150_000)
    # Meetings: the last one before AS_OF left two open items and one closed; a later one is ignored.
    b.meeting(
        conn,
        D(2025, 8, 15),
        "八月联席会议",
        [
            ("协调 A1 方案答复", "业扩班", D(2025, 9, 1), None),
            ("补充能效专家", "派驻经理工作办公室", None, None),
            ("已完成的事项", "一班", D(2025, 8, 30), D(2025, 8, 29)),
        ],
    )
    b.meeting(conn, D(2025, 9, 20), "九月联席会议", [("将来的事项", "二班", None, None)])
    # Needs cases: C2's proposed and C4's new are open; C1's is done; C3's opens after AS_OF.
    b.need_case(
        conn,
        c2,
        "basic_charge_adjustment",
        D(2025, 8, 20),
        "proposed",
        confirmed_on=D(2025, 8, 25),
        proposed_on=D(2025, 9, 1),
        proposal="tariff_mode",
    )
    b.need_case(conn, c4, "capacity_increase", D(2025, 9, 5))
    b.need_case(
        conn,
        c1,
        "surge",
        D(2025, 8, 5),
        "done",
        confirmed_on=D(2025, 8, 6),
        proposed_on=D(2025, 8, 7),
        proposal="trading",
        closed_on=D(2025, 8, 30),
        kwh_traded=1_000_000,
    )
    b.need_case(conn, c3, "direct_trading", D(2025, 9, 15))
    return {"m1": m1, "m2": m2}


EXPECTED = {
    "open_problems": [("配电房漏水", "张三", 21), ("电容器异常", "李四", 5)],
    "applications": [("A1", meeting.CONNECTION_TEAM_OWNER), ("A2", "张三")],
    "expert_calls": [("K1", "专家hv1、张三"), ("K4", "专家hv1")],
    "expert_coverage": [("tariff_billing", meeting.OFFICE_OWNER)],
    "managers_behind": [("李四", "attendance", "二班"), ("李四", "plan", "二班")],
    "new_needs": [
        ("C2", "basic_charge", "李四"),
        ("C1", "surge", "张三"),
        ("C4", "capacity_increase", meeting.OFFICE_OWNER),
    ],
    "open_cases": [("C2", "basic_charge_adjustment", "李四", 21), ("C4", "capacity_increase", meeting.OFFICE_OWNER, 5)],
    "action_items": [("协调 A1 方案答复", "业扩班", True), ("补充能效专家", "派驻经理工作办公室", False)],
}
