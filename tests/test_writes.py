"""The write path for data entry (data_access.writes, data_access.admin) on a real database."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import func, select

from data_access import admin, writes
from data_access.contract import SHEETS_BY_KEY, validate_row
from data_access.models import AuditLog, Base, CalendarDay, User
from data_access.permissions import Actor, PermissionDenied
from data_access.settings import load_settings
from data_access.users import active_users, check_password
from data_access.writes import NotFound, StaleRow, ValidationFailed
from metrics import attendance
from metrics.window import Window
from tests import builders as b
from ui.problem_text import error_text, problem_lines
from ui.strings import ZH

D = dt.date
OFFICE = Actor("office1", "office")
LEADER = Actor("boss", "leader")
POSTED_FROM = D(2025, 1, 1)


@pytest.fixture
def world(engine):
    """Two managers, each posted to one customer; an active and an inactive expert."""
    with engine.begin() as conn:
        ids = {
            "M001": b.manager(conn, "M001", "张三"),
            "M002": b.manager(conn, "M002", "李四"),
            "C001": b.customer(conn, "C001"),
            "C002": b.customer(conn, "C002"),
            "E01": b.expert(conn, "E01", "hv_fault"),
            "E02": b.expert(conn, "E02", "lv_fault", active=False),
        }
        b.posting(conn, ids["M001"], ids["C001"], POSTED_FROM, D(2025, 6, 30))
        b.posting(conn, ids["M002"], ids["C002"], POSTED_FROM)
    return ids


def manager_actor(world, no: str = "M001") -> Actor:
    return Actor(f"user_{no}", "manager", world[no])


def counts(engine, table: str) -> tuple[int, int]:
    """(rows in table, rows in audit_log)."""
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(Base.metadata.tables[table])).scalar()
        audits = conn.execute(select(func.count()).select_from(AuditLog)).scalar()
    return rows, audits


def audit_entries(engine, table: str | None = None) -> list[dict]:
    query = select(AuditLog).order_by(AuditLog.id)
    if table:
        query = query.where(AuditLog.table_name == table)
    with engine.connect() as conn:
        return [
            {**row, "before": json.loads(row["before"] or "null"), "after": json.loads(row["after"] or "null")}
            for row in conn.execute(query).mappings()
        ]


# One valid row per sheet the forms use, and a change to make to it.
SAMPLES = {
    "managers": ({"employee_no": "M900", "name": "王五", "phone": "13800000000", "team": "二班"}, {"team": "三班"}),
    "training": (
        {"employee_no": "M001", "date": "2024-12-02", "hours": 8, "kind": "skill", "topic": "倒闸操作"},
        {"hours": 6.5},
    ),
    "assessments": ({"employee_no": "M001", "date": D(2024, 12, 20), "score": 88, "passed": "是"}, {"score": 91}),
    "customers": (
        {
            "account_no": "C900",
            "name": "新建材厂",
            "town": "城关镇",
            "voltage_kv": 10,
            "capacity_kva": 1250,
            "annual_kwh": 6_000_000,
            "star_rating": 3,
            "market_status": "代理购电",
        },
        {"churn_risk": True},
    ),
    "postings": (
        {"employee_no": "M002", "account_no": "C001", "start_date": "2025-07-01"},
        {"end_date": D(2025, 12, 31), "handover_note": "移交给新经理"},
    ),
    "work_logs": (
        {
            "employee_no": "M001",
            "account_no": "C001",
            "date": D(2025, 3, 3),
            "on_site": True,
            "hours": 3,
            "content": "巡视配电房",
            "problems": "电缆沟积水",
        },
        {"status": "done", "measures": "已抽水"},
    ),
    "monthly_plans": (
        {"employee_no": "M001", "month": "2025-03", "submitted_on": D(2025, 3, 3), "content": "计划"},
        {"content": "修订后的计划"},
    ),
    "experts": ({"expert_no": "E900", "name": "赵六", "specialty": "tariff_billing"}, {"active": False}),
    "expert_calls": (
        {
            "call_no": "X-1",
            "expert_no": "E01",
            "employee_no": "M001",
            "account_no": "C001",
            "mode": "onsite",
            "requested_at": "2025-03-03 09:00",
        },
        {"responded_at": dt.datetime(2025, 3, 3, 9, 40)},
    ),
    "applications": (
        {
            "app_no": "A-1",
            "account_no": "C001",
            "kind": "new",
            "capacity_kva": 800,
            "resident_served": True,
            "applied_on": D(2025, 2, 1),
            "surveyed_on": D(2025, 2, 5),
        },
        {"energized_on": D(2025, 4, 10)},
    ),
    "consumption": ({"account_no": "C001", "month": "2025-02", "kwh": 120000, "max_demand_kw": 700}, {"kwh": 125000}),
}


def natural_key(sheet: str, values: dict) -> dict:
    clean, _ = validate_row(sheet, values)
    return {key: clean[key] for key in SHEETS_BY_KEY[sheet].key_columns}


@pytest.mark.parametrize("sheet", list(SAMPLES))
def test_office_inserts_and_updates_each_sheet_with_audit(engine, world, sheet):
    values, change = SAMPLES[sheet]
    saved = writes.save_row(engine, OFFICE, sheet, values)
    assert (saved.action, saved.version) == ("insert", 1)
    expected, problems = validate_row(sheet, values)
    assert problems == []
    key = natural_key(sheet, values)
    with engine.connect() as conn:
        loaded = writes.load_row(conn, sheet, key)
    assert loaded == {**expected, "id": saved.id, "version": 1}

    updated = writes.save_row(engine, OFFICE, sheet, {**loaded, **change}, expected_version=1)
    assert (updated.id, updated.version, updated.action) == (saved.id, 2, "update")
    with engine.connect() as conn:
        reloaded = writes.load_row(conn, sheet, {"id": saved.id})
    assert reloaded["version"] == 2
    for column, value in change.items():
        assert reloaded[column] == value

    inserted, changed = audit_entries(engine, sheet)
    assert (inserted["action"], inserted["username"], inserted["source"]) == ("insert", "office1", "form")
    assert inserted["before"] is None and inserted["after"]["version"] == 1
    assert changed["action"] == "update" and changed["row_key"] == inserted["row_key"]
    assert changed["before"]["version"] == 1 and changed["after"]["version"] == 2
    for column in change:
        assert changed["before"][column] != changed["after"][column]


def test_audit_keeps_natural_keys_and_json_values(engine, world):
    values, _ = SAMPLES["work_logs"]
    writes.save_row(engine, OFFICE, "work_logs", values)
    (entry,) = audit_entries(engine, "work_logs")
    assert entry["row_key"] == "M001|C001|2025-03-03"
    assert entry["after"]["employee_no"] == "M001" and entry["after"]["date"] == "2025-03-03"
    assert entry["after"]["status"] == "open"  # the contract's default: problems filled


# (sheet, overrides of the sample, column named, problem code)
BAD_INPUT = [
    ("customers", {"voltage_kv": 0}, "voltage_kv", "not_above_min"),
    ("customers", {"capacity_kva": "大"}, "capacity_kva", "not_number"),
    ("customers", {"star_rating": 6}, "star_rating", "above_max"),
    ("customers", {"star_rating": 2.5}, "star_rating", "not_integer"),
    ("customers", {"annual_kwh": -1}, "annual_kwh", "below_min"),
    ("customers", {"market_status": "spot"}, "market_status", "bad_choice"),
    ("customers", {"name": "  "}, "name", "required"),
    ("customers", {"colour": "red"}, "colour", "unknown_column"),
    ("managers", {"name": "名" * 65}, "name", "too_long"),
    ("managers", {"phone": "138\x0700"}, "phone", "control_chars"),
    ("training", {"hours": 12.5}, "hours", "above_max"),
    ("training", {"hours": 0}, "hours", "not_above_min"),
    ("training", {"kind": "misc"}, "kind", "bad_choice"),
    ("training", {"employee_no": "M999"}, "employee_no", "unknown_reference"),
    ("assessments", {"score": 101}, "score", "above_max"),
    ("assessments", {"passed": "maybe"}, "passed", "bad_yesno"),
    ("postings", {"end_date": "2025-06-30"}, "end_date", "before"),
    ("postings", {"account_no": "C999"}, "account_no", "unknown_reference"),
    ("work_logs", {"hours": 25}, "hours", "above_max"),
    ("work_logs", {"status": "closed"}, "status", "bad_choice"),
    ("work_logs", {"date": "2025-02-30"}, "date", "no_such_date"),
    ("work_logs", {"date": "03/03/2025"}, "date", "bad_date"),
    ("work_logs", {"content": ""}, "content", "required"),
    ("work_logs", {"on_site": None}, "on_site", "required"),
    ("monthly_plans", {"month": "2025-13"}, "month", "bad_month"),
    ("experts", {"specialty": "plumbing"}, "specialty", "bad_choice"),
    ("expert_calls", {"responded_at": "2025-03-03 08:59"}, "responded_at", "before"),
    ("expert_calls", {"closed_at": "2025-03-02 10:00"}, "closed_at", "before"),
    ("expert_calls", {"requested_at": "2025-03-03"}, "requested_at", "bad_datetime"),
    ("expert_calls", {"requested_at": "9 o'clock"}, "requested_at", "bad_datetime"),
    ("expert_calls", {"hours": -1}, "hours", "below_min"),
    ("expert_calls", {"expert_no": "E999"}, "expert_no", "unknown_reference"),
    ("expert_calls", {"mode": "phone"}, "mode", "bad_choice"),
    ("applications", {"energized_on": D(2025, 1, 15)}, "energized_on", "before"),
    ("applications", {"capacity_kva": 0}, "capacity_kva", "not_above_min"),
    ("consumption", {"kwh": -5}, "kwh", "below_min"),
    ("consumption", {"max_demand_kw": -1}, "max_demand_kw", "below_min"),
]


# One test per sheet (a fresh PostgreSQL schema per test is the slow part), each case checked.
@pytest.mark.parametrize("sheet", sorted({case[0] for case in BAD_INPUT}))
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(engine, world, sheet):
    before = counts(engine, sheet)
    for case_sheet, overrides, column, code in BAD_INPUT:
        if case_sheet != sheet:
            continue
        with pytest.raises(ValidationFailed) as failed:
            writes.save_row(engine, OFFICE, sheet, {**SAMPLES[sheet][0], **overrides})
        found = [(p.column, p.code) for p in failed.value.problems]
        assert (column, code) in found, (overrides, found)
        assert counts(engine, sheet) == before, overrides
        label = SHEETS_BY_KEY[sheet].column(column).zh if column != "colour" else "colour"
        assert any(line.startswith(label + "：") for line in problem_lines(failed.value, "zh")), overrides
        assert error_text(failed.value, "zh") != error_text(failed.value, "en")


def test_new_row_with_a_taken_key_and_edits_of_missing_or_changed_rows(engine, world):
    values, change = SAMPLES["customers"]
    saved = writes.save_row(engine, OFFICE, "customers", values)
    before = counts(engine, "customers")
    with pytest.raises(ValidationFailed) as failed:
        writes.save_row(engine, OFFICE, "customers", values)  # "new" again
    assert [(p.column, p.code) for p in failed.value.problems] == [("account_no", "already_exists")]
    with pytest.raises(StaleRow) as stale:
        writes.save_row(engine, OFFICE, "customers", {**values, **change}, expected_version=7)
    assert "重新加载" in error_text(stale.value, "zh") and "reload" in error_text(stale.value, "en")
    with pytest.raises(NotFound):
        writes.save_row(engine, OFFICE, "customers", {**values, "account_no": "C901"}, expected_version=1)
    with pytest.raises(NotFound):
        writes.save_row(engine, OFFICE, "customers", {**values, "id": saved.id + 100}, expected_version=1)
    assert counts(engine, "customers") == before


def test_saving_unchanged_values_writes_nothing(engine, world):
    values, _ = SAMPLES["experts"]
    saved = writes.save_row(engine, OFFICE, "experts", values)
    before = counts(engine, "experts")
    again = writes.save_row(engine, OFFICE, "experts", values, expected_version=1)
    assert (again.id, again.version, again.action) == (saved.id, 1, "unchanged")
    assert counts(engine, "experts") == before


def test_an_edit_by_id_may_change_the_natural_key_but_not_onto_another_row(engine, world):
    with engine.connect() as conn:
        c001 = writes.load_row(conn, "customers", {"account_no": "C001"})
    saved = writes.save_row(engine, OFFICE, "customers", {**c001, "account_no": "C001-A"}, c001["version"])
    assert saved.id == world["C001"]
    with engine.connect() as conn:
        assert writes.load_row(conn, "customers", {"account_no": "C001"}) is None
        renamed = writes.load_row(conn, "customers", {"account_no": "C001-A"})
    with pytest.raises(ValidationFailed) as failed:
        writes.save_row(engine, OFFICE, "customers", {**renamed, "account_no": "C002"}, renamed["version"])
    assert failed.value.problems[0].code == "already_exists"


# ---------------------------------------------------------------- managers and leaders


def test_manager_saves_own_log_for_a_posted_customer(engine, world):
    actor = manager_actor(world)
    saved = writes.save_work_log(
        engine, actor, account_no="C001", date=D(2025, 3, 4), on_site=True, content="抄表", hours=2
    )
    with engine.connect() as conn:
        row = writes.load_row(conn, "work_logs", {"id": saved.id})
        assert writes.manager_postings_on(conn, world["M001"], D(2025, 3, 4)) == [("C001", "客户C001")]
        assert writes.manager_postings_on(conn, world["M001"], D(2025, 7, 1)) == []
        assert [r["id"] for r in writes.manager_logs(conn, world["M001"], D(2025, 3, 1), D(2025, 3, 31))] == [saved.id]
    assert (row["employee_no"], row["status"]) == ("M001", "done")
    (entry,) = audit_entries(engine, "work_logs")
    assert entry["username"] == "user_M001"
    # editing the own past log
    edited = writes.save_work_log(
        engine,
        actor,
        account_no="C001",
        date=D(2025, 3, 4),
        on_site=False,
        content="抄表",
        row_id=saved.id,
        expected_version=1,
    )
    assert edited.version == 2


def test_manager_cannot_log_for_others_or_where_not_posted(engine, world):
    actor = manager_actor(world)
    own = {"employee_no": "M001", "account_no": "C001", "date": D(2025, 3, 4), "on_site": True, "content": "巡视"}
    cases = {
        "other manager": {"employee_no": "M002", "account_no": "C002"},
        "customer not posted to": {"account_no": "C002"},
        "before the posting": {"date": POSTED_FROM - dt.timedelta(days=1)},
        "after the posting ended": {"date": D(2025, 7, 1)},
    }
    before = counts(engine, "work_logs")
    for case, change in cases.items():
        values = {**own, **change}
        with pytest.raises(PermissionDenied) as denied:
            writes.save_row(engine, actor, "work_logs", values)
        assert error_text(denied.value, "zh") != error_text(denied.value, "en"), case
        with pytest.raises(PermissionDenied):
            writes.save_work_log(engine, actor, **values)
        with pytest.raises(PermissionDenied):
            writes.save_rows(engine, actor, "work_logs", [own, values])
        assert counts(engine, "work_logs") == before, case


def test_manager_cannot_take_over_or_delete_another_managers_log(engine, world):
    with engine.begin() as conn:
        other = b.log(conn, world["M002"], world["C002"], D(2025, 3, 4))
    actor = manager_actor(world)
    before = counts(engine, "work_logs")
    with engine.connect() as conn:
        row = writes.load_row(conn, "work_logs", {"id": other})
    with pytest.raises(PermissionDenied):  # by id, naming themselves and their customer
        writes.save_row(engine, actor, "work_logs", {**row, "employee_no": "M001", "account_no": "C001"}, 1)
    with pytest.raises(PermissionDenied):
        writes.delete_row(engine, actor, "work_logs", {"id": other}, 1)
    assert counts(engine, "work_logs") == before
    with engine.connect() as conn:
        assert writes.load_row(conn, "work_logs", {"id": other})["employee_no"] == "M002"


def test_manager_cannot_write_office_sheets(engine, world):
    for sheet in [
        "customers",
        "experts",
        "managers",
        "postings",
        "training",
        "assessments",
        "applications",
        "consumption",
    ]:
        before = counts(engine, sheet)
        with pytest.raises(PermissionDenied):
            writes.save_row(engine, manager_actor(world), sheet, SAMPLES[sheet][0])
        assert counts(engine, sheet) == before, sheet


def test_leader_writes_nothing(engine, world):
    for sheet, (values, _) in SAMPLES.items():
        before = counts(engine, sheet)
        with pytest.raises(PermissionDenied):
            writes.save_row(engine, LEADER, sheet, values)
        with pytest.raises(PermissionDenied):
            writes.save_rows(engine, LEADER, sheet, [values])
        assert counts(engine, sheet) == before, sheet


def test_leader_cannot_delete_or_administer(engine, world):
    before = counts(engine, "customers")
    with pytest.raises(PermissionDenied):
        writes.delete_row(engine, LEADER, "customers", {"account_no": "C002"}, 1)
    with pytest.raises(PermissionDenied):
        admin.create_user(engine, LEADER, username="x1", display_name="X", password="secret-123", role="leader")
    with pytest.raises(PermissionDenied):
        admin.update_settings(engine, LEADER, {"min_onsite_days": 3}, {"min_onsite_days": 1})
    with pytest.raises(PermissionDenied):
        admin.set_calendar_override(engine, LEADER, D(2025, 3, 3), False)
    with pytest.raises(PermissionDenied):
        writes.request_call(engine, LEADER, expert_no="E01", mode="remote")
    assert counts(engine, "customers") == before
    assert counts(engine, "calendar_overrides")[0] == 0 and counts(engine, "users")[0] == 0


def test_manager_monthly_plan_is_submitted_today_and_keeps_that_date(engine, world):
    actor = manager_actor(world)
    first = writes.save_monthly_plan(
        engine, actor, month="2025-03", content="巡视计划", submitted_on=D(2025, 3, 1), today=D(2025, 3, 9)
    )
    again = writes.save_monthly_plan(
        engine, actor, month=D(2025, 3, 1), content="修订", expected_version=1, today=D(2025, 3, 20)
    )
    with engine.connect() as conn:
        plan = writes.load_row(conn, "monthly_plans", {"employee_no": "M001", "month": "2025-03"})
    assert (plan["submitted_on"], plan["content"], plan["version"]) == (D(2025, 3, 9), "修订", 2)
    assert (first.id, again.id) == (plan["id"], plan["id"])
    with pytest.raises(PermissionDenied):
        writes.save_monthly_plan(engine, actor, month="2025-03", content="x", employee_no="M002")
    office = writes.save_monthly_plan(
        engine, OFFICE, month="2025-04", content="补录", employee_no="M002", submitted_on=D(2025, 4, 2)
    )
    with engine.connect() as conn:
        assert writes.load_row(conn, "monthly_plans", {"id": office.id})["submitted_on"] == D(2025, 4, 2)


# ---------------------------------------------------------------- expert calls


def test_expert_call_request_respond_close(engine, world):
    actor = manager_actor(world)
    asked = dt.datetime(2025, 3, 3, 9, 0)
    first = writes.request_call(
        engine, actor, expert_no="E01", mode="onsite", account_no="C001", requested_at=asked, summary="变压器异响"
    )
    second = writes.request_call(engine, actor, expert_no="E01", mode="remote", requested_at=asked)
    with engine.connect() as conn:
        call = writes.load_row(conn, "expert_calls", {"id": first.id})
        assert writes.load_row(conn, "expert_calls", {"id": second.id})["call_no"] == "EC20250303-002"
    assert (call["call_no"], call["employee_no"], call["responded_at"]) == ("EC20250303-001", "M001", None)

    with pytest.raises(ValidationFailed) as early:
        writes.respond_call(
            engine, actor, "EC20250303-001", expected_version=1, responded_at=dt.datetime(2025, 3, 3, 8, 0)
        )
    assert [(p.column, p.code) for p in early.value.problems] == [("responded_at", "before")]
    responded = writes.respond_call(
        engine, actor, "EC20250303-001", expected_version=1, responded_at=dt.datetime(2025, 3, 3, 9, 30)
    )
    with pytest.raises(ValidationFailed) as twice:
        writes.respond_call(
            engine,
            actor,
            "EC20250303-001",
            expected_version=responded.version,
            responded_at=dt.datetime(2025, 3, 3, 9, 45),
        )
    assert twice.value.problems[0].code == "already_set"
    with pytest.raises(StaleRow):
        writes.close_call(
            engine, actor, "EC20250303-001", expected_version=1, closed_at=dt.datetime(2025, 3, 3, 16, 0), hours=3
        )
    closed = writes.close_call(
        engine,
        actor,
        "EC20250303-001",
        expected_version=responded.version,
        closed_at=dt.datetime(2025, 3, 3, 16, 0),
        hours=3,
        summary="更换轴承",
    )
    with engine.connect() as conn:
        call = writes.load_row(conn, "expert_calls", {"call_no": "EC20250303-001"})
    assert call["responded_at"] == dt.datetime(2025, 3, 3, 9, 30)
    assert (call["closed_at"], call["hours"], call["summary"], call["version"]) == (
        dt.datetime(2025, 3, 3, 16, 0),
        3.0,
        "更换轴承",
        closed.version,
    )
    actions = [e["action"] for e in audit_entries(engine, "expert_calls")]
    assert actions == ["insert", "insert", "update", "update"]


def test_expert_call_rules(engine, world):
    asked = dt.datetime(2025, 3, 3, 9, 0)
    with pytest.raises(ValidationFailed) as inactive:
        writes.request_call(engine, OFFICE, expert_no="E02", mode="onsite", requested_at=asked)
    assert inactive.value.problems[0].code == "inactive_expert"
    with pytest.raises(PermissionDenied):  # a manager requests only for themselves
        writes.request_call(
            engine, manager_actor(world), expert_no="E01", mode="onsite", employee_no="M002", requested_at=asked
        )
    saved = writes.request_call(engine, OFFICE, expert_no="E01", mode="onsite", employee_no="M002", requested_at=asked)
    with pytest.raises(PermissionDenied):  # nor closes another manager's call
        writes.close_call(engine, manager_actor(world), "EC20250303-001", expected_version=saved.version)
    with pytest.raises(NotFound):
        writes.respond_call(engine, OFFICE, "EC-NOPE", expected_version=1)
    assert counts(engine, "expert_calls")[0] == 1


# ---------------------------------------------------------------- bulk saves and deletes


def test_bulk_save_with_one_bad_row_writes_nothing_and_names_the_row(engine, world):
    rows = [
        {"account_no": "C001", "month": "2025-01", "kwh": 1000, "max_demand_kw": 500},
        {"account_no": "C001", "month": "2025-02", "kwh": -3, "max_demand_kw": 500},
        {"account_no": "C999", "month": "2025-03", "kwh": 1000},
        {"account_no": "C002", "month": "2025-01", "kwh": 900},
    ]
    before = counts(engine, "consumption")
    with pytest.raises(ValidationFailed) as failed:
        writes.save_rows(engine, OFFICE, "consumption", rows)
    assert [(p.row, p.column, p.code) for p in failed.value.problems] == [
        (1, "kwh", "below_min"),
        (2, "account_no", "unknown_reference"),
    ]
    assert problem_lines(failed.value, "zh")[0].startswith("第 2 行 · 用电量kWh：")
    assert problem_lines(failed.value, "en")[1].startswith("row 3 · Account no.: 'C999' is not in")
    assert counts(engine, "consumption") == before


def test_bulk_save_from_a_data_editor_frame(engine, world):
    with engine.begin() as conn:
        b.consumption(conn, world["C001"], D(2025, 1, 1), 1000, 400)
        loaded = writes.load_rows(conn, "consumption", {"account_no": "C001"})
    frame = pd.DataFrame(loaded)
    frame.loc[0, "kwh"] = 1100
    new = pd.DataFrame([{"account_no": "C001", "month": "2025-02", "kwh": 1200}])  # no max demand, no version
    edited = pd.concat([frame, new], ignore_index=True)  # NaN for blanks, numpy scalars
    saved = writes.save_rows(engine, OFFICE, "consumption", edited.to_dict("records"))
    assert [(s.action, s.version) for s in saved] == [("update", 2), ("insert", 1)]
    with engine.connect() as conn:
        rows = writes.load_rows(conn, "consumption", {"account_no": "C001"})
    assert [(r["month"], r["kwh"], r["max_demand_kw"]) for r in rows] == [
        (D(2025, 1, 1), 1100.0, 400.0),
        (D(2025, 2, 1), 1200.0, None),
    ]
    assert {e["source"] for e in audit_entries(engine, "consumption")} == {"bulk"}


def test_bulk_save_stops_at_a_stale_row_and_rolls_back_earlier_rows(engine, world):
    with engine.begin() as conn:
        b.consumption(conn, world["C001"], D(2025, 1, 1), 1000)
    rows = [
        {"account_no": "C002", "month": "2025-01", "kwh": 900},
        {"account_no": "C001", "month": "2025-01", "kwh": 1500, "version": 5},
    ]
    before = counts(engine, "consumption")
    with pytest.raises(StaleRow) as stale:
        writes.save_rows(engine, OFFICE, "consumption", rows)
    assert stale.value.row == 1 and error_text(stale.value, "en").startswith("row 2: ")
    assert counts(engine, "consumption") == before


def test_bulk_duplicate_new_keys_are_refused(engine, world):
    rows = [
        {"account_no": "C002", "month": "2025-01", "kwh": 900},
        {"account_no": "C002", "month": "2025-01", "kwh": 901},
    ]
    with pytest.raises(ValidationFailed) as failed:
        writes.save_rows(engine, OFFICE, "consumption", rows)
    assert [(p.row, p.code) for p in failed.value.problems] == [(1, "already_exists")]
    assert counts(engine, "consumption")[0] == 0


def test_bulk_deletes_with_versions(engine, world):
    with engine.begin() as conn:
        b.consumption(conn, world["C001"], D(2025, 1, 1), 1000)
        b.consumption(conn, world["C001"], D(2025, 2, 1), 1000)
    writes.save_rows(
        engine, OFFICE, "consumption", [], deleted=[{"account_no": "C001", "month": "2025-01", "version": 1}]
    )
    with engine.connect() as conn:
        assert [r["month"] for r in writes.load_rows(conn, "consumption")] == [D(2025, 2, 1)]
    (entry,) = audit_entries(engine, "consumption")
    assert (entry["action"], entry["after"], entry["before"]["kwh"], entry["source"]) == (
        "delete",
        None,
        1000.0,
        "bulk",
    )
    # delete a row and enter its key again as a new row, in one save
    saved = writes.save_rows(
        engine,
        OFFICE,
        "consumption",
        [{"account_no": "C001", "month": "2025-02", "kwh": 7}],
        deleted=[{"account_no": "C001", "month": "2025-02", "version": 1}],
    )
    assert [s.action for s in saved] == ["insert"]
    with pytest.raises(StaleRow) as stale:  # a stale deletion undoes the whole save
        writes.save_rows(
            engine,
            OFFICE,
            "consumption",
            [{"account_no": "C002", "month": "2025-02", "kwh": 7}],
            deleted=[{"account_no": "C001", "month": "2025-02", "version": 9}],
        )
    assert stale.value.row == 0
    assert counts(engine, "consumption")[0] == 1


def test_delete_checks_version_and_dependent_rows(engine, world):
    with engine.begin() as conn:
        b.log(conn, world["M001"], world["C001"], D(2025, 3, 4))
    before = counts(engine, "customers")
    with pytest.raises(ValidationFailed) as used:
        writes.delete_row(engine, OFFICE, "customers", {"account_no": "C001"}, 1)
    messages = problem_lines(used.value, "zh")
    assert any("工作日志" in line for line in messages) and any("派驻登记" in line for line in messages)
    assert counts(engine, "customers") == before
    with pytest.raises(StaleRow):
        writes.delete_row(engine, OFFICE, "experts", {"expert_no": "E01"}, 2)
    with pytest.raises(NotFound):
        writes.delete_row(engine, OFFICE, "experts", {"expert_no": "E404"}, 1)
    writes.delete_row(engine, OFFICE, "experts", {"expert_no": "E01"}, 1)
    with engine.connect() as conn:
        assert writes.load_row(conn, "experts", {"expert_no": "E01"}) is None
    (entry,) = audit_entries(engine, "experts")
    assert (entry["action"], entry["row_key"], entry["before"]["name"]) == ("delete", "E01", "专家E01")


def test_several_saves_in_one_unit_of_work_roll_back_together(engine, world):
    before = counts(engine, "managers")
    with pytest.raises(ValidationFailed):
        with writes.UnitOfWork(engine, OFFICE) as uow:
            writes.save_in(uow, "managers", {"employee_no": "M777", "name": "新人"}, None)
            writes.save_in(
                uow, "postings", {"employee_no": "M777", "account_no": "C404", "start_date": D(2025, 3, 1)}, None
            )
    assert counts(engine, "managers") == before
    with writes.UnitOfWork(engine, OFFICE) as uow:
        writes.save_in(uow, "managers", {"employee_no": "M777", "name": "新人"}, None)
        writes.save_in(
            uow, "postings", {"employee_no": "M777", "account_no": "C001", "start_date": D(2025, 3, 1)}, None
        )
    with engine.connect() as conn:
        assert writes.manager_postings_on(
            conn, writes.load_row(conn, "managers", {"employee_no": "M777"})["id"], D(2025, 3, 2)
        ) == [("C001", "客户C001")]


# ---------------------------------------------------------------- users


def test_office_manages_users_without_hashes_in_the_audit(engine, world):
    saved = admin.create_user(
        engine,
        OFFICE,
        username=" Zhang.San ",
        display_name="张三",
        password="First-pass-1",
        role="manager",
        employee_no="M001",
    )
    with engine.connect() as conn:
        (user,) = admin.list_users(conn)
        stored_hash = conn.execute(select(User.password_hash)).scalar()
    assert (user["username"], user["role"], user["employee_no"], user["version"]) == ("zhang.san", "manager", "M001", 1)
    assert check_password("First-pass-1", stored_hash)

    admin.reset_password(engine, OFFICE, "zhang.san", "Second-pass-2")
    promoted = admin.set_role(engine, OFFICE, "zhang.san", "leader", expected_version=2)
    admin.deactivate_user(engine, OFFICE, "zhang.san", expected_version=promoted.version)
    with engine.connect() as conn:
        stored_hash = conn.execute(select(User.password_hash)).scalar()
        (user,) = admin.list_users(conn)
        assert active_users(conn) == []
    assert check_password("Second-pass-2", stored_hash) and not check_password("First-pass-1", stored_hash)
    assert (user["role"], user["employee_no"], user["active"], user["version"]) == ("leader", None, False, 4)

    entries = audit_entries(engine, "users")
    assert [e["action"] for e in entries] == ["insert", "update", "update", "update"]
    assert entries[1]["after"]["password_reset"] is True
    raw = json.dumps([(e["before"], e["after"]) for e in entries])
    assert "password_hash" not in raw and "$2b$" not in raw and "-pass-" not in raw
    assert saved.version == 1


BAD_USERS = [
    ({"username": "a b"}, "username", "bad_username"),
    ({"password": "Short-1"}, "password", "password_too_short"),
    ({"role": "admin"}, "role", "bad_role"),
    ({"role": "manager", "employee_no": None}, "employee_no", "manager_needs_employee_no"),
    ({"role": "manager", "employee_no": "M999"}, "employee_no", "unknown_reference"),
    ({"display_name": ""}, "display_name", "required"),
]


def test_bad_user_input_is_refused(engine, world):
    for fields, column, code in BAD_USERS:
        values = {"username": "wang", "display_name": "王", "password": "Long-enough-9", "role": "office", **fields}
        with pytest.raises(ValidationFailed) as failed:
            admin.create_user(engine, OFFICE, **values)
        assert [(p.column, p.code) for p in failed.value.problems] == [(column, code)]
        assert problem_lines(failed.value, "zh")[0].split("：")[0] == ZH[f"lbl_user_{column}"]
        assert counts(engine, "users") == (0, 0)


def test_user_rules_duplicates_self_and_stale(engine, world):
    admin.create_user(
        engine, OFFICE, username="office1", display_name="办公室", password="Long-enough-9", role="office"
    )
    with pytest.raises(ValidationFailed) as taken:
        admin.create_user(engine, OFFICE, username="OFFICE1", display_name="X", password="Long-enough-9", role="leader")
    assert taken.value.problems[0].code == "already_exists"
    with pytest.raises(ValidationFailed) as own:
        admin.deactivate_user(engine, OFFICE, "office1", expected_version=1)
    assert own.value.problems[0].code == "own_account"
    with pytest.raises(ValidationFailed):
        admin.set_role(engine, OFFICE, "office1", "leader", expected_version=1)
    with pytest.raises(StaleRow):
        admin.set_role(engine, Actor("office2", "office"), "office1", "leader", expected_version=9)
    with pytest.raises(NotFound):
        admin.reset_password(engine, OFFICE, "ghost", "Long-enough-9")
    with pytest.raises(PermissionDenied):
        admin.reset_password(engine, manager_actor(world), "office1", "Long-enough-9")
    with engine.connect() as conn:
        (user,) = admin.list_users(conn)
    assert (user["role"], user["active"], user["version"]) == ("office", True, 1)


# ---------------------------------------------------------------- settings and calendar


def attendance_rate(engine, week_start: dt.date) -> tuple[int, int]:
    window = Window(week_start, week_start + dt.timedelta(days=6))
    with engine.connect() as conn:
        result = attendance.compliance(conn, window, load_settings(conn))
    return result.due, result.compliant


def test_settings_are_validated_and_change_what_metrics_read(engine, world):
    monday = D(2025, 3, 3)
    with engine.begin() as conn:
        b.log(conn, world["M001"], world["C001"], monday, on_site=True)
        b.log(conn, world["M002"], world["C002"], monday, on_site=True)
    assert attendance_rate(engine, monday) == (2, 0)  # 1 on-site day of 2 required
    with engine.connect() as conn:
        versions = {row["key"]: row["version"] for row in admin.settings_rows(conn)}

    for bad, code in [(0, "below_min"), (8, "above_max"), (1.5, "not_integer"), ("两", "not_number")]:
        with pytest.raises(ValidationFailed) as failed:
            admin.update_settings(engine, OFFICE, {"min_onsite_days": bad}, versions)
        assert [(p.column, p.code) for p in failed.value.problems] == [("min_onsite_days", code)]
        assert problem_lines(failed.value, "zh")[0].startswith("每周最少驻点工作日：")
    with pytest.raises(ValidationFailed):
        admin.update_settings(engine, OFFICE, {"no_such_setting": 1}, versions)

    new_versions = admin.update_settings(engine, OFFICE, {"min_onsite_days": 1, "surge_ratio": 1.5}, versions)
    assert new_versions == {
        "min_onsite_days": versions["min_onsite_days"] + 1,
        "surge_ratio": versions["surge_ratio"] + 1,
    }
    with engine.connect() as conn:
        settings = load_settings(conn)
    assert (settings["min_onsite_days"], settings["surge_ratio"]) == (1, 1.5)
    assert attendance_rate(engine, monday) == (2, 2)
    with pytest.raises(StaleRow):  # the old version again: someone (we) changed it
        admin.update_settings(engine, OFFICE, {"min_onsite_days": 2}, versions)
    entries = audit_entries(engine, "settings")
    assert sorted((e["row_key"], e["before"]["value"], e["after"]["value"]) for e in entries) == [
        ("min_onsite_days", 2.0, 1.0),
        ("surge_ratio", 1.3, 1.5),
    ]


def is_workday(engine, day: dt.date) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(CalendarDay.is_workday).where(CalendarDay.date == day)).scalar()


def test_calendar_override_rebuilds_the_calendar_metrics_read(engine, world):
    monday = D(2025, 3, 3)
    with engine.begin() as conn:
        b.log(conn, world["M001"], world["C001"], monday, on_site=True)
    assert attendance_rate(engine, monday) == (2, 0)  # one on-site day of two required
    # The office closes Tuesday to Friday: one posted workday a week, so one on-site day is enough.
    for offset in range(1, 5):
        admin.set_calendar_override(engine, OFFICE, monday + dt.timedelta(days=offset), False, "停电检修")
    assert not is_workday(engine, D(2025, 3, 4))
    assert attendance_rate(engine, monday) == (2, 1)
    admin.set_calendar_override(engine, OFFICE, monday, False, "全天停电")
    assert attendance_rate(engine, monday) == (0, 0)  # no workday left: nobody is due

    national_day = D(2025, 10, 1)
    assert not is_workday(engine, national_day)
    version = admin.set_calendar_override(engine, OFFICE, national_day, True, "值班")
    assert is_workday(engine, national_day)
    with pytest.raises(ValidationFailed):  # a second "new" override of the same day
        admin.set_calendar_override(engine, OFFICE, national_day, False)
    with pytest.raises(StaleRow):
        admin.remove_calendar_override(engine, OFFICE, national_day, expected_version=version + 1)
    admin.remove_calendar_override(engine, OFFICE, national_day, expected_version=version)
    assert not is_workday(engine, national_day)
    with engine.connect() as conn:
        assert [o["date"] for o in admin.calendar_overrides(conn)] == [monday + dt.timedelta(days=i) for i in range(5)]
    actions = [e["action"] for e in audit_entries(engine, "calendar_overrides")]
    assert actions == ["insert"] * 6 + ["delete"]


def test_calendar_override_rules(engine):
    with pytest.raises(ValidationFailed) as outside:
        admin.set_calendar_override(engine, OFFICE, D(2040, 1, 1), True)
    assert outside.value.problems[0].code == "out_of_calendar"
    with pytest.raises(ValidationFailed) as bad:
        admin.set_calendar_override(engine, OFFICE, D(2025, 3, 3), "maybe")
    assert bad.value.problems[0].column == "is_workday"
    version = admin.set_calendar_override(engine, OFFICE, D(2025, 3, 3), "否", "停电")
    changed = admin.set_calendar_override(engine, OFFICE, D(2025, 3, 3), False, "全厂停电", expected_version=version)
    assert changed == version + 1
    with pytest.raises(StaleRow):
        admin.set_calendar_override(engine, OFFICE, D(2025, 3, 3), True, expected_version=version)
    assert not is_workday(engine, D(2025, 3, 3))
