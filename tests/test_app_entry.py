"""The data-entry screens under AppTest, on the small seeded data set (SQLite and PostgreSQL).

Each form saves a valid entry and the KPI it feeds changes (compared before
and after with the metrics functions, never hard-coded values); each rule a
form exposes refuses bad input with its message and writes nothing (row
counts); the input stays after an error; a stale version says so and keeps
the input; managers write only their own rows; the leader gets no forms.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from data_access import writes
from data_access.db import make_engine
from data_access.models import (
    Assessment, AuditLog, CalendarOverride, Consumption, Customer, Expert, ExpertCall, Manager, MonthlyPlan,
    Setting, Training, User, WorkLog,
)
from data_access.permissions import Actor, PermissionDenied
from data_access.settings import load_settings
from metrics import attendance, experts, lead_time, logs, needs, plans, segments, training
from metrics.window import Window
from tests.conftest import ROOT
from tests.seed_small import Q3, USERS, populate_small
from ui import nav
from ui.strings import ZH

APP = str(ROOT / "app.py")
Q3_WINDOW = Window(*Q3)
ENTRY_PATHS = {screen.url_path for screen in nav.SCREENS if screen.section != "nav_section_screens"}


# --- Fixtures and helpers -------------------------------------------------------------------

def seed(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()


@pytest.fixture
def seeded_url(db_url) -> str:
    """A fresh seeded database per test, on SQLite and on PostgreSQL."""
    seed(db_url)
    return db_url


@pytest.fixture
def engine(seeded_url):
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _app_env(monkeypatch):
    monkeypatch.setenv("DASHBOARD_COOKIE_KEY", "only-for-tests-" + "x" * 32)


def login(at: AppTest, username: str) -> AppTest:
    name, role = USERS[username]
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = name
    at.session_state["roles"] = [role]
    return at


def open_screen(url: str, monkeypatch, username: str, script: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = login(AppTest.from_file(APP, default_timeout=120), username)
    at.switch_page(script).run()
    no_exception(at)
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


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
    at = open_screen(seeded_url, monkeypatch, "manager", LOG)
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
    assert at.text_area(key="el_new_content").value == ""  # a saved log empties the form


def test_office_log_for_another_manager_counts_in_attendance(engine, seeded_url, monkeypatch):
    """M002 is on site Mondays only; an on-site Tuesday makes that week compliant."""
    before = metric(engine, attendance.compliance, Q3_WINDOW)
    at = open_screen(seeded_url, monkeypatch, "office", LOG)
    at.selectbox(key="el_manager").set_value("M002").run()
    at.date_input(key="el_day").set_value(dt.date(2025, 9, 23)).run()
    assert at.selectbox(key="el_new_account_no").value == "C002"
    at.text_area(key="el_new_content").set_value("现场检查")
    submit(at, ZH["fm_save"])
    no_exception(at)
    after = metric(engine, attendance.compliance, Q3_WINDOW)
    assert after.due == before.due and after.compliant == before.compliant + 1
