"""The holiday calendar under AppTest with a set clock (DASHBOARD_TODAY): the autumn reminder on
the office's overview and on the meeting agenda, the fallback warning of a window that leaves once
the year is covered, and the calendar screen in zh and en, where a day added shows in the grid and
the audit trail and is removed again.
"""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from data_access.clock import TODAY_VARIABLE
from data_access.db import make_engine
from data_access.importer import import_path
from data_access.models import AuditLog, CalendarOverride
from data_access.users import upsert_user
from tests.apptest import login_as
from tests.builders import ARRANGEMENT, calendar_workbook
from tests.conftest import ROOT
from ui.strings import EN, ZH

APP = str(ROOT / "app.py")
USERS = {"office": ("王办公室", "office"), "leader": ("李领导", "leader")}
OVERVIEW, MEETING, CALENDAR = "views/overview.py", "views/meeting.py", "views/holiday_calendar.py"
REMINDER_ZH = ZH["cal_reminder"].split("{")[0]  # the fixed start of the reminder


@pytest.fixture
def url(tmp_path, sqlite_template) -> str:
    """A migrated SQLite copy with the two logins (no other data: the reminder needs none)."""
    path = tmp_path / "calendar.db"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.begin() as conn:
        for username, (name, role) in USERS.items():
            upsert_user(conn, username, name, "calendar-test-1", role, None)
    engine.dispose()
    return url


def open_screen(url: str, monkeypatch, username: str, script: str, today: str, **query) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv(TODAY_VARIABLE, today)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    login_as(at, username, url)
    at.run()
    at.switch_page(script).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def reminded(at: AppTest) -> bool:
    return any(text.startswith(REMINDER_ZH) and "2027" in text for text in warnings(at))


def page_links(at: AppTest) -> list[str]:
    return [link.proto.page for link in at.get("page_link")]


def test_reminder_from_the_first_of_november_until_the_year_is_covered(url, monkeypatch, tmp_path):
    # Not before 1 November, and only for the office on its home screen.
    assert not reminded(open_screen(url, monkeypatch, "office", OVERVIEW, "2026-10-31"))
    at = open_screen(url, monkeypatch, "office", OVERVIEW, "2026-11-01")
    assert reminded(at) and "holiday_calendar" in page_links(at)
    assert not reminded(open_screen(url, monkeypatch, "leader", OVERVIEW, "2026-12-07"))
    # The meeting agenda says so to everyone; only the office gets the link.
    meeting = open_screen(url, monkeypatch, "leader", MEETING, "2026-12-07", as_of="2026-12-07")
    assert reminded(meeting) and not page_links(meeting)
    assert ZH["cal_reminder_others"] in [c.value for c in meeting.caption]
    meeting = open_screen(url, monkeypatch, "office", MEETING, "2026-12-07", as_of="2026-12-07")
    assert reminded(meeting) and "holiday_calendar" in page_links(meeting)
    # A 2027 window counts Monday to Friday and says so.
    window = {"from": "2027-01-25", "to": "2027-02-21"}
    fallback = ZH["calendar_fallback"].format(days=28)
    assert fallback in warnings(open_screen(url, monkeypatch, "office", OVERVIEW, "2026-12-07", **window))

    engine = make_engine(url)  # as `manage.py calendar import` does, outside the app
    assert import_path(engine, calendar_workbook(tmp_path / "2027.xlsx", ARRANGEMENT)).committed
    engine.dispose()
    st.cache_data.clear()  # what the caches' time to live does for a running app within 5 minutes
    at = open_screen(url, monkeypatch, "office", OVERVIEW, "2026-12-07", **window)
    assert not reminded(at)
    assert not [text for text in warnings(at) if text.startswith(ZH["calendar_fallback"].split("{")[0])]
    assert not reminded(open_screen(url, monkeypatch, "office", MEETING, "2026-12-07", as_of="2026-12-07"))


def submit(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def grid_cell(at: AppTest, month: str, day: int) -> str:
    grid = at.dataframe[0].value
    return grid.data.loc[month, str(day)] if hasattr(grid, "data") else grid.loc[month, str(day)]


def test_calendar_screen_in_both_languages_adds_a_day_to_the_grid_and_the_audit(url, monkeypatch):
    at = open_screen(url, monkeypatch, "office", CALENDAR, "2026-12-07")
    assert at.title[0].value == ZH["nav_calendar"]
    assert reminded(at)
    assert at.selectbox(key="cal_year").value == 2027  # the year that is missing comes first
    assert ZH["cal_source_fallback"].format(year=2027) in [c.value for c in at.caption]
    assert grid_cell(at, "3月", 3) == "三"  # Wednesday 3 March 2027, an ordinary workday

    at.date_input(key="cal_day_date").set_value(dt.date(2027, 3, 3))
    at.toggle(key="cal_day_workday").set_value(False)
    at.text_input(key="cal_day_note").set_value("停电检修")
    submit(at, ZH["cal_day_save"])
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.toast] == [ZH["cal_day_saved"].format(day="2027-03-03")]
    assert grid_cell(at, "3月", 3) == ZH["cal_cell_holiday"] + "*"
    engine = make_engine(url)
    with engine.connect() as conn:
        audit = conn.execute(select(AuditLog.username, AuditLog.action, AuditLog.table_name, AuditLog.row_key)).all()
        assert conn.execute(select(CalendarOverride.note)).scalars().all() == ["停电检修"]
    assert [tuple(row) for row in audit] == [("office", "insert", "calendar_overrides", "2027-03-03")]
    special = at.dataframe[1].value
    assert "停电检修" in set(special[ZH["cal_col_name"]])

    at.selectbox(key="cal_remove_date").set_value(dt.date(2027, 3, 3))
    submit(at, ZH["cal_day_remove"])
    assert grid_cell(at, "3月", 3) == "三"
    with engine.connect() as conn:
        assert conn.execute(select(AuditLog.action).order_by(AuditLog.id)).scalars().all() == ["insert", "delete"]
    engine.dispose()

    english = open_screen(url, monkeypatch, "office", CALENDAR, "2026-12-07", lang="en", year="2026")
    assert english.title[0].value == EN["nav_calendar"]
    assert EN["cal_source_package"].format(year=2026) in [c.value for c in english.caption]
    assert grid_cell(english, "Oct", 1) == EN["cal_cell_holiday"]  # National Day
    assert grid_cell(english, "Oct", 10) == EN["cal_cell_makeup"]  # a make-up Saturday
    assert not [text for text in warnings(english) if "2026" in text]
