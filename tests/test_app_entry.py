"""The data-entry screens under AppTest, on the small seeded data set (SQLite and PostgreSQL).

Each form saves a valid entry and the KPI it feeds changes (compared before
and after with the metrics functions, never hard-coded values); each rule a
form exposes refuses bad input with its message and writes nothing (row
counts); the input stays after an error; a stale version says so and keeps
the input; managers write only their own rows; the leader gets no forms.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from data_access import admin, writes
from data_access.db import make_engine
from data_access.models import (
    Assessment,
    AuditLog,
    CalendarOverride,
    Consumption,
    Customer,
    Expert,
    ExpertCall,
    Manager,
    MonthlyPlan,
    Training,
    User,
    WorkLog,
)
from data_access.permissions import Actor, PermissionDenied
from data_access.settings import load_settings
from data_access.users import check_password
from metrics import attendance, experts, lead_time, logs, needs, plans, segments, training
from metrics.window import Window
from tests.apptest import login_as, no_exception, screen
from tests.conftest import ROOT
from tests.seed_small import Q3
from ui import nav
from ui.strings import EN, ZH

APP = str(ROOT / "app.py")
Q3_WINDOW = Window(*Q3)
ENTRY_PATHS = {
    screen.url_path for screen in nav.SCREENS if screen.section in ("nav_section_entry", "nav_section_admin")
}


# --- Fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def engine(seeded_url):
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()


def login(at: AppTest, username: str) -> AppTest:
    return login_as(at, username)


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def toasts(at: AppTest) -> list[str]:
    return [toast.value for toast in at.toast]


def count(engine, model, *conditions) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()


def metric(engine, compute, window: Window):
    """compute(conn, window, settings) on the current data, with the stored settings."""
    with engine.connect() as conn:
        return compute(conn, window, load_settings(conn))


def manager_id(engine, employee_no: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(Manager.id).where(Manager.employee_no == employee_no)).scalar_one()


def submit(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


# --- Work log --------------------------------------------------------------------------------

LOG = "views/entry_log.py"
FRIDAY = dt.date(2025, 9, 26)  # M001 (the manager login) logs Monday to Thursday only


def test_manager_log_counts_in_log_completeness(engine, seeded_url, monkeypatch):
    before = metric(engine, logs.completeness, Q3_WINDOW)
    logs_before = count(engine, WorkLog)
    at = screen(seeded_url, monkeypatch, LOG, "manager")
    assert "el_manager" not in [box.key for box in at.selectbox]  # no picking another manager
    at.date_input(key="el_day").set_value(FRIDAY).run()
    customer = at.selectbox(key="el_new_account_no")
    assert customer.options == ["C001 客户C001"] and customer.value == "C001"  # own posting only
    at.toggle(key="el_new_on_site").set_value(True)
    at.number_input(key="el_new_hours").set_value(6.5)
    at.text_area(key="el_new_content").set_value("周五巡视配电房")
    submit(at, ZH["fm_save"])
    no_exception(at)
    assert toasts(at) == [ZH["el_saved"].format(day=FRIDAY, customer="C001")]
    assert count(engine, WorkLog) == logs_before + 1
    after = metric(engine, logs.completeness, Q3_WINDOW)
    assert after.logged_workdays == before.logged_workdays + 1
    assert after.posted_workdays == before.posted_workdays and after.rate > before.rate
    # The form now edits the saved log: a second save changes it (with its version), adds nothing.
    assert at.text_area(key="el_new_content").value == "周五巡视配电房"
    at.text_area(key="el_new_content").set_value("周五巡视配电房，补充测温")
    submit(at, ZH["fm_save_changes"])
    no_exception(at)
    assert toasts(at) == [ZH["el_updated"].format(day=FRIDAY, customer="C001")]
    with engine.connect() as conn:
        stored = writes.manager_log_on(conn, manager_id(engine, "M001"), "C001", FRIDAY)
    assert (stored["content"], stored["version"]) == ("周五巡视配电房，补充测温", 2)
    assert count(engine, WorkLog) == logs_before + 1


def test_office_log_for_another_manager_counts_in_attendance(engine, seeded_url, monkeypatch):
    """M002 is on site Mondays only; an on-site Tuesday makes that week compliant."""
    before = metric(engine, attendance.compliance, Q3_WINDOW)
    at = screen(seeded_url, monkeypatch, LOG, "office")
    at.selectbox(key="el_manager").set_value("M002").run()
    at.date_input(key="el_day").set_value(dt.date(2025, 9, 23)).run()
    assert at.selectbox(key="el_new_account_no").value == "C002"
    at.text_area(key="el_new_content").set_value("现场检查")
    submit(at, ZH["fm_save"])
    no_exception(at)
    after = metric(engine, attendance.compliance, Q3_WINDOW)
    assert after.due == before.due and after.compliant == before.compliant + 1


def test_log_rules_refuse_bad_input_and_keep_it(engine, seeded_url, monkeypatch):
    logs_before = count(engine, WorkLog)
    at = screen(seeded_url, monkeypatch, LOG, "manager")
    at.date_input(key="el_day").set_value(FRIDAY).run()
    assert at.selectbox(key="el_new_account_no").value == "C001"  # the day's only posting, chosen for you
    hours = at.number_input(key="el_new_hours")
    assert (hours.min, hours.max) != (0, 24)  # no widget bound that would swallow 30 without a word
    hours.set_value(30)
    at.text_area(key="el_new_problems").set_value("电缆沟积水")
    submit(at, ZH["fm_save"])  # 30 hours, no content
    no_exception(at)
    shown = errors(at)
    assert ZH["fm_not_saved"] in shown
    assert "服务内容：必填，不能为空" in shown and "工时：应 ≤ 24，实际为 30" in shown
    # Each message also stands right below its field, in form order.
    assert [e.value for e in at.error][1:] == ["应 ≤ 24，实际为 30", "必填，不能为空"]
    assert not toasts(at) and count(engine, WorkLog) == logs_before
    assert at.text_area(key="el_new_problems").value == "电缆沟积水"  # what was typed stays
    assert at.number_input(key="el_new_hours").value == 30
    at.radio(key="el_mode").set_value("edit").run()  # away to the list of logs and back
    at.radio(key="el_mode").set_value("new").run()
    assert at.text_area(key="el_new_problems").value == "电缆沟积水"
    at.selectbox(key="el_new_account_no").set_value("C001").run()
    at.number_input(key="el_new_hours").set_value(4)
    at.text_area(key="el_new_content").set_value("巡视")
    # Meanwhile the same log is saved elsewhere (another device): this save must not overwrite it.
    writes.save_work_log(
        engine,
        Actor("office", "office"),
        employee_no="M001",
        account_no="C001",
        date=FRIDAY,
        on_site=False,
        content="办公室代填",
    )
    submit(at, ZH["fm_save"])
    assert "2025-09-26 在 客户C001 已有日志" in errors(at) and count(engine, WorkLog) == logs_before + 1
    # The stored log is loaded for editing; what was typed can be brought back.
    assert at.text_area(key="el_new_content").value == "办公室代填"
    at.button(key="el_restore").click().run()
    assert at.text_area(key="el_new_content").value == "巡视"
    submit(at, ZH["fm_save_changes"])
    no_exception(at)
    with engine.connect() as conn:
        stored = writes.manager_log_on(conn, manager_id(engine, "M001"), "C001", FRIDAY)
    assert (stored["content"], stored["version"], stored["problems"]) == ("巡视", 2, "电缆沟积水")


def test_the_log_form_opens_on_a_missing_day_and_loads_an_existing_log(engine, seeded_url, monkeypatch):
    monkeypatch.setenv("DASHBOARD_TODAY", "2025-09-26")  # a Friday: M001 logged Monday to Thursday
    at = screen(seeded_url, monkeypatch, LOG, "manager")
    with engine.connect() as conn:
        missing = writes.days_without_log(conn, manager_id(engine, "M001"), dt.date(2025, 9, 13), FRIDAY)
    assert missing and missing[0] == FRIDAY
    assert at.date_input(key="el_day").value == FRIDAY  # the newest day still without a log
    assert at.get("button_group")[0].options == [
        f"{day:%m-%d} " + ZH["el_weekdays"].split(",")[day.weekday()] for day in missing
    ]
    at.date_input(key="el_day").set_value(dt.date(2025, 9, 25)).run()  # Thursday has a log: loaded
    no_exception(at)
    with engine.connect() as conn:
        thursday = writes.manager_log_on(conn, manager_id(engine, "M001"), "C001", dt.date(2025, 9, 25))
    assert at.text_area(key="el_new_content").value == thursday["content"]
    assert ZH["el_loaded"].format(day="2025-09-25", customer="客户C001", version=thursday["version"]) in [
        i.value for i in at.info
    ]
    assert [b for b in at.button if b.label == ZH["fm_save_changes"]]


def test_manager_writes_only_own_logs(engine, seeded_url, monkeypatch):
    manager = Actor("manager", "manager", manager_id(engine, "M001"))
    logs_before = count(engine, WorkLog)
    with pytest.raises(PermissionDenied):
        writes.save_work_log(
            engine, manager, employee_no="M002", account_no="C002", date=FRIDAY, on_site=True, content="替别人填"
        )
    with pytest.raises(PermissionDenied):  # own log, but a customer not posted to
        writes.save_work_log(engine, manager, account_no="C002", date=FRIDAY, on_site=True, content="串户")
    assert count(engine, WorkLog) == logs_before
    # On screen: only the own postings are offered, and only the own logs listed for editing.
    at = screen(seeded_url, monkeypatch, LOG, "manager")
    at.date_input(key="el_day").set_value(FRIDAY).run()
    assert at.selectbox(key="el_new_account_no").options == ["C001 客户C001"]
    at.radio(key="el_mode").set_value("edit").run()
    at.date_input(key="el_since").set_value(dt.date(2025, 9, 1)).run()
    listed = at.dataframe[0].value
    with engine.connect() as conn:
        own = writes.manager_logs(conn, manager.manager_id, dt.date(2025, 9, 1), dt.date.today())
    assert len(listed) == len(own) > 0 and set(listed["户号"]) == {"C001"}


def log_id(engine, employee_no: str, day: dt.date) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(WorkLog.id)
            .join(Manager, Manager.id == WorkLog.manager_id)
            .where(Manager.employee_no == employee_no, WorkLog.date == day)
        ).scalar_one()


def test_edit_own_log_closes_a_problem_and_stale_edits_are_refused(engine, seeded_url, monkeypatch):
    problem_day = dt.date(2025, 8, 4)  # M001's open problem of August
    before = metric(engine, logs.problem_closure, Q3_WINDOW)
    at = screen(seeded_url, monkeypatch, LOG, "manager")
    at.radio(key="el_mode").set_value("edit").run()
    at.date_input(key="el_since").set_value(dt.date(2025, 8, 1)).run()
    row_id = log_id(engine, "M001", problem_day)
    at.selectbox(key="el_pick").set_value(row_id).run()
    assert at.text_area(key="el_edit_problems").value == "变压器油位偏低"  # the stored log is loaded
    assert at.selectbox(key="el_edit_status").value == "open"
    at.selectbox(key="el_edit_status").set_value("done")
    at.text_area(key="el_edit_measures").set_value("已补油")
    submit(at, ZH["fm_save_changes"])
    no_exception(at)
    assert toasts(at) == [ZH["el_updated"].format(day=problem_day, customer="C001")]
    after = metric(engine, logs.problem_closure, Q3_WINDOW)
    assert after.with_problems == before.with_problems and after.closed == before.closed + 1

    # Someone else changes the log meanwhile: the next save is refused, the input stays.
    office = Actor("office", "office")
    with engine.connect() as conn:
        stored = writes.load_row(conn, "work_logs", {"id": row_id})
    writes.update_row(engine, office, "work_logs", {"id": row_id}, {"content": "办公室更正"}, stored["version"])
    at.text_area(key="el_edit_measures").set_value("更换呼吸器")
    submit(at, ZH["fm_save_changes"])
    no_exception(at)
    assert "已被他人修改" in " ".join(w.value for w in at.warning)
    assert at.text_area(key="el_edit_measures").value == "更换呼吸器"
    with engine.connect() as conn:
        assert writes.load_row(conn, "work_logs", {"id": row_id})["measures"] == "已补油"
    submit(at, ZH["fm_reload"])  # take the stored log, with its new version
    assert at.text_area(key="el_edit_content").value == "办公室更正"
    at.text_area(key="el_edit_measures").set_value("更换呼吸器")
    submit(at, ZH["fm_save_changes"])
    with engine.connect() as conn:
        assert writes.load_row(conn, "work_logs", {"id": row_id})["measures"] == "更换呼吸器"


# --- Monthly plan ------------------------------------------------------------------------------

PLAN = "views/entry_plan.py"


def this_month() -> Window:
    first = dt.date.today().replace(day=1)
    return Window(first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1))


def plan_of(engine, employee_no: str, window: Window):
    with engine.connect() as conn:
        frame = plans.plan_status(conn, window, load_settings(conn))
    return frame[frame["employee_no"] == employee_no].iloc[0]


def test_manager_plan_is_submitted_today_and_rules_apply(engine, seeded_url, monkeypatch):
    month = this_month()
    assert pd.isna(plan_of(engine, "M001", month)["submitted_on"])  # due and missing
    stored_plans = count(engine, MonthlyPlan)
    at = screen(seeded_url, monkeypatch, PLAN, "manager")
    assert at.selectbox(key="ep_month").value == month.start
    assert "ep_submitted_on" not in [w.key for w in at.date_input]  # the write path dates it
    at.text_area(key="ep_content").set_value("走访计划\x07")
    submit(at, ZH["fm_save"])
    assert "计划内容：含有不可见的控制字符" in errors(at) and count(engine, MonthlyPlan) == stored_plans
    assert at.text_area(key="ep_content").value == "走访计划\x07"
    at.text_area(key="ep_content").set_value("走访计划")
    submit(at, ZH["fm_save"])
    no_exception(at)
    assert toasts(at) == [ZH["ep_saved"].format(month=month.start.strftime("%Y-%m"))]
    assert plan_of(engine, "M001", month)["submitted_on"] == dt.date.today()
    # Editing the plan keeps the first submission date and bumps the version.
    at.text_area(key="ep_content").set_value("走访计划（修订）")
    submit(at, ZH["fm_save"])
    no_exception(at)
    assert not errors(at)
    with engine.connect() as conn:
        stored = writes.load_row(conn, "monthly_plans", {"employee_no": "M001", "month": month.start})
    assert (stored["content"], stored["version"], stored["submitted_on"]) == ("走访计划（修订）", 2, dt.date.today())


def test_office_plan_on_time_raises_the_plan_kpi(engine, seeded_url, monkeypatch):
    month = this_month()
    before = metric(engine, plans.summary, month)
    at = screen(seeded_url, monkeypatch, PLAN, "office")
    at.selectbox(key="ep_manager").set_value("M002").run()
    at.date_input(key="ep_submitted_on").set_value(month.start.replace(day=3))
    at.text_area(key="ep_content").set_value("十一月计划")
    submit(at, ZH["fm_save"])
    no_exception(at)
    after = metric(engine, plans.summary, month)
    assert after.due == before.due and after.on_time == before.on_time + 1


# --- Expert calls ------------------------------------------------------------------------------

CALLS = "views/entry_calls.py"


def today_window() -> Window:
    return Window(dt.date.today(), dt.date.today())


def stored_call(engine, call_no: str) -> dict:
    with engine.connect() as conn:
        return writes.load_row(conn, "expert_calls", {"call_no": call_no})


def test_expert_call_request_response_and_close(engine, seeded_url, monkeypatch):
    before = metric(engine, experts.calls, today_window())
    calls_before = count(engine, ExpertCall)
    at = screen(seeded_url, monkeypatch, CALLS, "manager")
    at.selectbox(key="ec_specialty").set_value("hv_operation").run()
    assert at.selectbox(key="ec_request_expert_no").options == ["E00 专家00", "E01 专家01"]
    at.selectbox(key="ec_request_mode").set_value("onsite")
    submit(at, ZH["ec_request_button"])  # no expert chosen
    assert "专家编号：必填，不能为空" in errors(at) and count(engine, ExpertCall) == calls_before
    at.selectbox(key="ec_request_expert_no").set_value("E00")
    at.selectbox(key="ec_request_account_no").set_value("C001")
    at.text_area(key="ec_request_summary").set_value("主变跳闸，需要高压操作")
    submit(at, ZH["ec_request_button"])
    no_exception(at)
    call_no = f"EC{dt.date.today():%Y%m%d}-001"
    assert toasts(at) == [ZH["ec_requested"].format(call_no=call_no, expert="E00")]
    call = stored_call(engine, call_no)
    assert (call["employee_no"], call["account_no"], call["mode"]) == ("M001", "C001", "onsite")
    requested = metric(engine, experts.calls, today_window())
    assert requested.count == before.count + 1 and requested.median_response_minutes is None

    at.radio(key="ec_step").set_value("respond").run()
    at.selectbox(key="ec_respond_call").set_value(call_no).run()
    at.datetime_input(key="ec_respond_responded_at").set_value(call["requested_at"] - dt.timedelta(hours=1))
    submit(at, ZH["ec_respond_button"])
    assert "响应时间：" in errors(at) and "早于请求时间" in errors(at)
    assert stored_call(engine, call_no)["responded_at"] is None
    at.datetime_input(key="ec_respond_responded_at").set_value(call["requested_at"] + dt.timedelta(minutes=30))
    submit(at, ZH["ec_respond_button"])
    no_exception(at)
    responded = metric(engine, experts.calls, today_window())
    assert responded.median_response_minutes is not None and stored_call(engine, call_no)["responded_at"]

    at.radio(key="ec_step").set_value("close").run()
    at.selectbox(key="ec_close_call").set_value(call_no).run()
    assert at.text_area(key="ec_close_summary").value == "主变跳闸，需要高压操作"
    at.number_input(key="ec_close_hours").set_value(2.5)
    at.text_area(key="ec_close_summary").set_value("已恢复送电")
    submit(at, ZH["ec_close_button"])
    no_exception(at)
    closed = metric(engine, experts.calls, today_window())
    assert closed.closed == requested.closed + 1
    assert (stored_call(engine, call_no)["hours"], stored_call(engine, call_no)["summary"]) == (2.5, "已恢复送电")
    assert not any(option.startswith(call_no) for option in at.selectbox(key="ec_close_call").options)


# --- Bulk editors (office) ------------------------------------------------------------------------


def edit_table(
    at: AppTest, index: int = 0, *, edited: dict | None = None, added: list | None = None, deleted: list | None = None
) -> AppTest:
    """Give the index-th data editor these edits (as the browser sends them) and click its save button."""
    key = at.data_editor[index].key
    at.session_state[key] = {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": deleted or []}
    at.run()
    at.button(key=f"{key}_save").click().run()
    no_exception(at)
    return at


def segment_counts(engine) -> dict:
    with engine.connect() as conn:
        return segments.segment_counts(conn, dt.date.today(), load_settings(conn))


def customer(engine, account_no: str) -> dict:
    with engine.connect() as conn:
        return writes.load_row(conn, "customers", {"account_no": account_no})


CUSTOMERS = "views/entry_customers.py"


def test_customer_bulk_edit_changes_the_segments_all_or_nothing(engine, seeded_url, monkeypatch):
    before = segment_counts(engine)
    at = screen(seeded_url, monkeypatch, CUSTOMERS, "office")
    shown = at.data_editor[0].value
    assert list(shown["account_no"]) == ["C001", "C002", "C003", "C004", "C005"]
    # One bad row (9 stars) and one good row: nothing is written, both edits stay.
    edits = {3: {"star_rating": 9}, 4: {"churn_risk": True}}
    edit_table(at, edited=edits)
    no_exception(at)
    assert "第 4 行（C004） · 星级：应 ≤ 5，实际为 9" in errors(at)
    assert customer(engine, "C005")["churn_risk"] is False and customer(engine, "C004")["star_rating"] == 0
    assert at.session_state[at.data_editor[0].key]["edited_rows"] == edits
    # Good edits: one transaction; the star count follows.
    edit_table(at, edited={1: {"star_rating": 4, "market_status": "retail"}, 4: {"churn_risk": True}})
    no_exception(at)
    assert toasts(at) == [ZH["fm_saved_rows"].format(added=0, changed=2, deleted=0)]
    assert (customer(engine, "C002")["star_rating"], customer(engine, "C002")["market_status"]) == (4, "retail")
    after = segment_counts(engine)
    assert after["star"] == before["star"] + 1 and after["risk"] == before["risk"] + 1
    assert not at.session_state[at.data_editor[0].key]["edited_rows"]  # a fresh table after the save


def test_customer_filters_and_new_customer_form(engine, seeded_url, monkeypatch):
    at = screen(seeded_url, monkeypatch, CUSTOMERS, "office")
    at.selectbox(key="ecu_town").set_value("舜王街道").run()
    assert list(at.data_editor[0].value["account_no"]) == ["C003", "C004", "C005"]
    at.text_input(key="ecu_search").set_value("C00").run()
    at.selectbox(key="ecu_town").set_value("").run()
    customers_before = count(engine, Customer)
    at.text_input(key="ecu_add_account_no").set_value("C100")
    at.text_input(key="ecu_add_name").set_value("新建材料厂")
    at.number_input(key="ecu_add_voltage_kv").set_value(10.0)
    at.number_input(key="ecu_add_capacity_kva").set_value(0.0)  # must be > 0
    submit(at, ZH["fm_save"])
    assert "合同容量kVA：应 > 0，实际为 0" in errors(at) and count(engine, Customer) == customers_before
    assert at.text_input(key="ecu_add_name").value == "新建材料厂"
    at.number_input(key="ecu_add_capacity_kva").set_value(250.0)
    submit(at, ZH["fm_save"])
    no_exception(at)
    assert toasts(at) == [ZH["ecu_added"].format(account_no="C100")]
    added = customer(engine, "C100")
    assert (added["billing_mode"], added["market_status"], added["star_rating"]) == ("single", "agency", 0)
    assert count(engine, Customer) == customers_before + 1


def coverage(engine):
    with engine.connect() as conn:
        return experts.coverage(conn, load_settings(conn))


def test_expert_roster_add_and_refused_delete(engine, seeded_url, monkeypatch):
    before = coverage(engine)
    experts_before = count(engine, Expert)
    at = screen(seeded_url, monkeypatch, "views/entry_experts.py", "office")
    # E01 has expert calls: deleting it is refused, and nothing else of the save is written.
    assert list(at.data_editor[0].value["expert_no"][:2]) == ["E00", "E01"]
    edit_table(at, deleted=[1], added=[{"expert_no": "E70", "name": "新专家", "specialty": "training"}])
    assert "第 2 行（E01） · 专家编号：仍有 1 条专家调用记录引用它，不能删除" in errors(at)
    assert count(engine, Expert) == experts_before
    # Shown per specialty, a new row takes that specialty.
    at.selectbox(key="eex_specialty").set_value("safety_assessment").run()
    assert list(at.data_editor[0].value["expert_no"]) == ["E60"]
    edit_table(at, added=[{"expert_no": "E61", "name": "安全专家"}])
    no_exception(at)
    assert toasts(at) == [ZH["fm_saved_rows"].format(added=1, changed=0, deleted=0)]
    after = coverage(engine)
    assert after.by_specialty["safety_assessment"] == before.by_specialty["safety_assessment"] + 1
    assert after.covered == before.covered + 1


def editor_index(at: AppTest, name: str) -> int:
    """The position of the data editor whose key starts with `name`_ (keys: name_generation_filters)."""
    [index] = [i for i, editor in enumerate(at.data_editor) if editor.key.rsplit("_", 2)[0] == name]
    return index


def test_manager_training_assessment_and_roster(engine, seeded_url, monkeypatch):
    before = metric(engine, training.compliance, Q3_WINDOW)
    at = screen(seeded_url, monkeypatch, "views/entry_managers.py", "office")
    at.selectbox(key="ema_pick").set_value("M002").run()
    trainings = count(engine, Training)
    edit_table(at, editor_index(at, "ema_training"), added=[{"date": "2025-02-25", "hours": 0, "kind": "skill"}])
    assert "新增第 1 行 · 学时：应 > 0，实际为 0" in errors(at) and count(engine, Training) == trainings
    edit_table(
        at,
        editor_index(at, "ema_training"),
        added=[{"date": "2025-02-25", "hours": 8, "kind": "skill", "topic": "倒闸操作"}],
    )
    edit_table(at, editor_index(at, "ema_assessments"), added=[{"date": "2025-02-27", "score": 90, "passed": True}])
    no_exception(at)
    assert count(engine, Training) == trainings + 1 and count(engine, Assessment, Assessment.score == 90) == 1
    after = metric(engine, training.compliance, Q3_WINDOW)
    assert after.managers == before.managers and after.compliant == before.compliant + 1
    managers = count(engine, Manager)
    edit_table(at, editor_index(at, "ema"), added=[{"employee_no": "M004", "name": "赵经理", "team": "二班"}])
    no_exception(at)
    assert count(engine, Manager) == managers + 1


def test_handover_between_managers_moves_the_posted_days(engine, seeded_url, monkeypatch):
    october = Window(dt.date(2025, 10, 1), dt.date(2025, 10, 31))
    before = metric(engine, logs.completeness, october)
    at = screen(seeded_url, monkeypatch, "views/entry_managers.py", "office")
    at.text_input(key="ema_customer").set_value("C002").run()
    index = editor_index(at, "ema_customer_postings")
    assert list(at.data_editor[index].value["employee_no"]) == ["M002"]
    edit_table(
        at,
        index,
        edited={0: {"end_date": "2025-09-30"}},
        added=[{"employee_no": "M004", "start_date": "2025-10-01", "handover_note": "交接"}],
    )
    assert "工号：“M004”在派驻经理中不存在" in errors(at)  # no such manager: nothing is written
    assert metric(engine, logs.completeness, october).posted_workdays == before.posted_workdays
    edit_table(
        at,
        index,
        edited={0: {"end_date": "2025-09-30"}},
        added=[{"employee_no": "M001", "start_date": "2025-10-01", "handover_note": "交接"}],
    )
    no_exception(at)
    after = metric(engine, logs.completeness, october)

    def by_manager(result):
        return dict(zip(result.by_manager["employee_no"], result.by_manager["posted_workdays"]))

    assert "M002" in by_manager(before) and "M002" not in by_manager(after)
    assert by_manager(after)["M001"] == by_manager(before)["M001"]  # already posted elsewhere: same days


def test_application_stage_dates_feed_the_lead_time(engine, seeded_url, monkeypatch):
    before = metric(engine, lead_time.summary, Q3_WINDOW)
    at = screen(seeded_url, monkeypatch, "views/entry_applications.py", "office")
    assert list(at.data_editor[0].value["app_no"]) == ["A999"]  # not yet energized, by default
    edit_table(at, edited={0: {"surveyed_on": "2025-08-20"}})
    assert "第 1 行（A999） · 现场勘查日期：2025-08-20 早于业务受理日期" in errors(at)
    assert metric(engine, lead_time.summary, Q3_WINDOW).resident.count == before.resident.count
    edit_table(at, edited={0: {"surveyed_on": "2025-09-03", "energized_on": "2025-09-20"}})
    no_exception(at)
    after = metric(engine, lead_time.summary, Q3_WINDOW)
    assert after.resident.count == before.resident.count + 1 and after.other.count == before.other.count
    assert at.data_editor[0].value.empty  # energized: no longer in the open list


def surges(engine) -> set[tuple[str, dt.date]]:
    with engine.connect() as conn:
        frame = needs.surge(conn, Q3_WINDOW, load_settings(conn))
    return set(zip(frame["account_no"], frame["month"]))


def test_consumption_by_month_feeds_the_surge_screening(engine, seeded_url, monkeypatch):
    before = surges(engine)
    rows_before = count(engine, Consumption)
    at = screen(seeded_url, monkeypatch, "views/entry_consumption.py", "office")
    at.radio(key="ecn_view").set_value("month").run()
    at.selectbox(key="ecn_month").set_value("2025-09").run()
    table = at.data_editor[0].value
    assert list(table["account_no"]) == ["C001", "C002", "C003"]
    edit_table(at, edited={1: {"kwh": -5}}, added=[{"account_no": "C999", "kwh": 10}])
    shown = errors(at)
    assert "第 2 行（C002|2025-09） · 用电量kWh：应 ≥ 0，实际为 -5" in shown
    assert "新增第 1 行 · 户号：“C999”在客户中不存在" in shown
    assert count(engine, Consumption) == rows_before and surges(engine) == before
    edit_table(at, edited={1: {"kwh": 500_000}}, added=[{"account_no": "C005", "kwh": 20_000, "max_demand_kw": 90}])
    no_exception(at)
    assert count(engine, Consumption) == rows_before + 1
    assert surges(engine) - before == {("C002", dt.date(2025, 9, 1))}


def test_consumption_by_customer(engine, seeded_url, monkeypatch):
    at = screen(seeded_url, monkeypatch, "views/entry_consumption.py", "office")
    at.text_input(key="ecn_search").set_value("C005").run()
    assert at.selectbox(key="ecn_account").value == "C005" and at.data_editor[0].value.empty
    edit_table(at, added=[{"month": "2025-09", "kwh": 30_000}, {"month": "2025-9-15", "kwh": 1}])
    assert "新增第 2 行 · 月份：月份格式应为 YYYY-MM，实际为“2025-9-15”" in errors(at)
    edit_table(at, added=[{"month": "2025-09", "kwh": 30_000}])
    no_exception(at)
    assert list(at.data_editor[0].value["month"]) == ["2025-09"]


# --- Settings, calendar, users ------------------------------------------------------------------

SETTINGS = "views/entry_settings.py"


def test_settings_change_the_attendance_kpi_and_stale_settings_are_refused(engine, seeded_url, monkeypatch):
    before = metric(engine, attendance.compliance, Q3_WINDOW)
    at = screen(seeded_url, monkeypatch, SETTINGS, "office")
    days = at.number_input(key="est_min_onsite_days")
    assert (days.value, days.step) == (2, 1) and "1–7" in days.help  # SETTING_SPECS, whole days
    assert days.label == "每周最少驻点工作日"
    days.set_value(9)  # out of range: refused with the rule, not swallowed by the widget
    submit(at, ZH["fm_save"])
    assert "应 ≤ 7，实际为 9" in errors(at) and not toasts(at)
    assert at.number_input(key="est_min_onsite_days").value == 9  # the typed value stays
    days = at.number_input(key="est_min_onsite_days")
    days.set_value(3)
    submit(at, ZH["fm_save"])
    no_exception(at)
    assert toasts(at) == [ZH["est_saved"].format(count=1)]
    after = metric(engine, attendance.compliance, Q3_WINDOW)
    assert after.due == before.due and after.compliant < before.compliant
    # Someone else saves the same setting meanwhile: refused, the typed value stays until reloaded.
    with engine.connect() as conn:
        stored = {row["key"]: row for row in admin.settings_rows(conn)}
    admin.update_settings(
        engine,
        Actor("office2", "office"),
        {"min_onsite_days": 4},
        {"min_onsite_days": stored["min_onsite_days"]["version"]},
    )
    at.number_input(key="est_min_onsite_days").set_value(5)
    submit(at, ZH["fm_save"])
    assert "已被他人修改" in " ".join(w.value for w in at.warning)
    assert at.number_input(key="est_min_onsite_days").value == 5
    submit(at, ZH["fm_reload"])
    assert at.number_input(key="est_min_onsite_days").value == 4


def test_calendar_override_changes_the_workdays(engine, seeded_url, monkeypatch):
    # Single-day overrides live on the holiday calendar screen (the settings screen links there).
    before = metric(engine, logs.completeness, Q3_WINDOW)
    at = screen(seeded_url, monkeypatch, "views/holiday_calendar.py", "office")
    at.selectbox(key="cal_year").set_value(FRIDAY.year).run()
    at.date_input(key="cal_day_date").set_value(FRIDAY)
    at.toggle(key="cal_day_workday").set_value(False)
    at.text_input(key="cal_day_note").set_value("临时停电检修")
    submit(at, ZH["cal_day_save"])
    no_exception(at)
    assert toasts(at) == [ZH["cal_day_saved"].format(day=FRIDAY)]
    assert count(engine, CalendarOverride) == 1
    assert metric(engine, logs.completeness, Q3_WINDOW).posted_workdays < before.posted_workdays
    at.selectbox(key="cal_remove_date").set_value(FRIDAY)
    submit(at, ZH["cal_day_remove"])
    no_exception(at)
    assert count(engine, CalendarOverride) == 0
    assert metric(engine, logs.completeness, Q3_WINDOW).posted_workdays == before.posted_workdays


USERS_SCREEN = "views/entry_users.py"


def user_row(engine, username: str):
    with engine.connect() as conn:
        return conn.execute(select(User).where(User.username == username)).first()


def test_users_create_role_password_and_deactivate(engine, seeded_url, monkeypatch):
    accounts = count(engine, User)
    at = screen(seeded_url, monkeypatch, USERS_SCREEN, "office")
    at.text_input(key="eus_create_username").set_value("Zhao")
    at.text_input(key="eus_create_display_name").set_value("赵经理")
    at.text_input(key="eus_create_password").set_value("short")
    at.selectbox(key="eus_create_role").set_value("manager")
    submit(at, ZH["eus_create"])
    shown = errors(at)
    assert "密码：至少 10 个字符" in shown and "工号：派驻经理账号须关联工号" in shown
    assert count(engine, User) == accounts and at.text_input(key="eus_create_username").value == "Zhao"
    at.text_input(key="eus_create_password").set_value("Long-enough-1")
    at.selectbox(key="eus_create_employee_no").set_value("M002")
    submit(at, ZH["eus_create"])
    no_exception(at)
    assert toasts(at) == [ZH["eus_created"].format(username="zhao")]
    created = user_row(engine, "zhao")
    assert created.role == "manager" and created.active and check_password("Long-enough-1", created.password_hash)

    at.selectbox(key="eus_pick").set_value("office").run()  # one's own account cannot be deactivated
    submit(at, ZH["eus_deactivate"])
    assert "不能停用或降级自己的账号" in errors(at) and user_row(engine, "office").active

    at.selectbox(key="eus_pick").set_value("zhao").run()
    at.text_input(key="eus_password_password").set_value("Another-pass-2")
    submit(at, ZH["eus_reset_password"])
    assert check_password("Another-pass-2", user_row(engine, "zhao").password_hash)
    at.selectbox(key="eus_role_role").set_value("leader")
    submit(at, ZH["eus_change_role"])
    no_exception(at)
    assert user_row(engine, "zhao").role == "leader"
    submit(at, ZH["eus_deactivate"])
    no_exception(at)
    assert not user_row(engine, "zhao").active
    with engine.connect() as conn:  # the audit trail never holds a password hash
        trail = conn.execute(select(AuditLog.before, AuditLog.after).where(AuditLog.table_name == "users")).all()
    assert trail and not any(created.password_hash[:20] in (b or "") + (a or "") for b, a in trail)


# --- The leader ------------------------------------------------------------------------------------


def test_leader_gets_no_entry_screens(seeded_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    at = login(AppTest.from_file(APP, default_timeout=120), "leader").run()
    registered = {info["url_pathname"] for info in at._registered_pages.values()}
    assert registered and not registered & ENTRY_PATHS
    for listed in nav.SCREENS:
        if listed.url_path in ENTRY_PATHS:
            with pytest.raises(ValueError):
                at.switch_page(listed.script)
    # Even run directly, an entry screen shows the leader nothing writable.
    for script in sorted({listed.script for listed in nav.SCREENS if listed.url_path in ENTRY_PATHS}):
        direct = login(AppTest.from_file(str(ROOT / script), default_timeout=60), "leader").run()
        no_exception(direct)
        assert [w.value for w in direct.warning] == [ZH["fm_not_allowed"]], script
        assert not direct.button and not direct.data_editor and not direct.text_area and not direct.file_uploader


def test_manager_sees_only_own_entry_screens(seeded_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    at = login(AppTest.from_file(APP, default_timeout=120), "manager").run()
    registered = {info["url_pathname"] for info in at._registered_pages.values()}
    assert registered & ENTRY_PATHS == {"entry_log", "entry_plan", "entry_calls", "entry_outages"}
    direct = login(AppTest.from_file(str(ROOT / "views/entry_customers.py"), default_timeout=60), "manager").run()
    assert [w.value for w in direct.warning] == [ZH["fm_not_allowed"]] and not direct.data_editor


def test_bulk_edit_of_a_row_changed_meanwhile_is_refused_and_kept(engine, seeded_url, monkeypatch):
    at = screen(seeded_url, monkeypatch, CUSTOMERS, "office")
    stored = customer(engine, "C002")
    writes.update_row(
        engine,
        Actor("office2", "office"),
        "customers",
        {"account_no": "C002"},
        {"potential_reason": "园区重点项目"},
        stored["version"],
    )
    edits = {1: {"star_rating": 5}}
    edit_table(at, edited=edits)
    assert "客户“C002”在您打开后已被他人修改" in " ".join(w.value for w in at.warning)
    assert customer(engine, "C002")["star_rating"] == 0
    assert at.session_state[at.data_editor[0].key]["edited_rows"] == edits  # the edit is still there
    submit(at, ZH["fm_reload"])
    no_exception(at)
    assert at.data_editor[0].value.loc[1, "potential_reason"] == "园区重点项目"
    assert not at.session_state[at.data_editor[0].key]["edited_rows"]


def test_english_screens_and_messages(engine, seeded_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    at = login(AppTest.from_file(APP, default_timeout=120), "office")
    at.query_params["lang"] = "en"
    at.switch_page(CUSTOMERS).run()
    no_exception(at)
    assert at.title[0].value == EN["nav_entry_customers"]
    edit_table(at, edited={0: {"star_rating": 8}})
    assert "row 1 (C001) · Star rating: must be <= 5, got 8" in errors(at)
    at.switch_page(LOG).run()
    at.selectbox(key="el_manager").set_value("M001").run()
    at.date_input(key="el_day").set_value(FRIDAY).run()
    submit(at, EN["fm_save"])
    assert "Service content: is required" in errors(at)


def test_find_rows_filters_searches_and_limits_in_sql(engine):
    from data_access import lookups

    with engine.connect() as conn:
        rows, total = lookups.find_rows(conn, "customers", search="c00", search_columns=("account_no", "name"), limit=2)
        assert total == 5 and [row["account_no"] for row in rows] == ["C001", "C002"]
        assert {"id", "version"} <= set(rows[0]) and not any(key.startswith("_fk_") for key in rows[0])
        open_apps, _ = lookups.find_rows(conn, "applications", equals={"energized_on": None})
        assert [row["app_no"] for row in open_apps] == ["A999"]
        postings, _ = lookups.find_rows(conn, "postings", equals={"account_no": "C003"})
        assert [(row["employee_no"], row["handover_note"]) for row in postings] == [("M003", "接替前任")]
        assert lookups.find_rows(conn, "customers", search="100%_", search_columns=("name",))[1] == 0
        assert lookups.distinct_values(conn, "customers", "town") == ["城关街道", "舜王街道"]
        assert list(lookups.manager_ids(conn)) == ["M001", "M002", "M003"]
