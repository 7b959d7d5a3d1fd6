"""The app when its database fails (AppTest): a message and a reference id, never a traceback.

Down, damaged: the page says so, for a visitor and for a logged-in user alike,
and the database is left as it was. Read-only, locked: a save says what
happened and what to do, everything typed stays in the form, nothing is
written, and once the lock is gone the same form saves. SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3

import pytest
from sqlalchemy import func, make_url, select, text
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine, sqlite_path
from data_access.models import WorkLog
from tests.apptest import run_app
from tests.conftest import ROOT
from ui.strings import EN, ZH

APP = str(ROOT / "app.py")
LOG = "views/entry_log.py"
FRIDAY = dt.date(2025, 9, 26)  # M001 has no log that day


def shown(at: AppTest) -> str:
    parts = [e.value for e in (*at.error, *at.warning, *at.caption, *at.title, *at.markdown)]
    return "\n".join(str(part) for part in parts)


def assert_database_page(at: AppTest, code: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    text_shown = shown(at)
    assert ZH[f"err_{code}"] in text_shown and EN[f"err_{code}"] in text_shown, text_shown
    assert "错误编号：" in text_shown
    for leak in ("Traceback", "sqlite", "psycopg", "SELECT", "/tmp", ".db"):
        assert leak not in text_shown, leak


@pytest.mark.parametrize("username", [None, "office"])
def test_database_down_or_damaged_shows_the_database_page(tmp_path, monkeypatch, username):
    down = "postgresql+psycopg://postgres@127.0.0.1:1/dashboard"  # nothing listens on port 1
    assert_database_page(run_app(down, monkeypatch, username, LOG if username else None), "unreachable")

    garbage = tmp_path / "dashboard.db"
    content = b"this is not a database, just some text " * 200
    garbage.write_bytes(content)
    assert_database_page(run_app(f"sqlite:///{garbage}", monkeypatch, username), "corrupt")
    assert garbage.read_bytes() == content  # left exactly as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dashboard.db"]


# --- Saves that fail: the work-log form ---------------------------------------------------------


def log_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(WorkLog)).scalar_one()
    finally:
        engine.dispose()


def fill_log(at: AppTest) -> AppTest:
    at.date_input(key="el_day").set_value(FRIDAY).run()
    at.selectbox(key="el_new_account_no").set_value("C001")
    at.number_input(key="el_new_hours").set_value(5.5)
    at.text_area(key="el_new_content").set_value("检查无功补偿装置")
    at.text_area(key="el_new_problems").set_value("电容器鼓包")
    return at


def save(at: AppTest) -> AppTest:
    [button] = [b for b in at.button if b.label == ZH["fm_save"]]
    return button.click().run()


def assert_kept_and_refused(at: AppTest, code: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["_fm_outcome_el_new"]["code"] == code
    errors_shown = "\n".join(e.value for e in at.error)
    assert ZH[f"err_{code}"] in errors_shown and ZH["err_form_kept"] in errors_shown, errors_shown
    assert "Traceback" not in errors_shown and "SELECT" not in errors_shown and "INSERT" not in errors_shown
    assert at.text_area(key="el_new_content").value == "检查无功补偿装置"
    assert at.text_area(key="el_new_problems").value == "电容器鼓包"
    assert at.number_input(key="el_new_hours").value == 5.5
    assert at.selectbox(key="el_new_account_no").value == "C001"
    assert not at.toast


def read_only_url(url: str) -> str:
    """The same database, opened read-only."""
    path = sqlite_path(url)
    if path is not None:
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    return (
        make_url(url)
        .update_query_dict({"options": "-c default_transaction_read_only=on"})
        .render_as_string(hide_password=False)
    )


def test_a_save_on_a_read_only_database_keeps_the_input(seeded_url, monkeypatch):
    before = log_count(seeded_url)
    at = fill_log(run_app(read_only_url(seeded_url), monkeypatch, "manager", LOG, session_url=seeded_url))
    assert_kept_and_refused(save(at), "read_only")
    assert log_count(seeded_url) == before


@contextlib.contextmanager
def write_lock(url: str):
    """Another writer holding the lock on the work logs (a long import, say) until the block ends."""
    path = sqlite_path(url)
    if path is not None:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("LOCK TABLE work_logs IN SHARE ROW EXCLUSIVE MODE"))
            yield
            conn.rollback()
    finally:
        engine.dispose()


def test_a_save_while_the_database_is_locked_says_busy_and_saves_later(seeded_url, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB_BUSY_TIMEOUT", "0.3")
    before = log_count(seeded_url)
    at = fill_log(run_app(seeded_url, monkeypatch, "manager", LOG))
    with write_lock(seeded_url):
        assert_kept_and_refused(save(at), "busy")
    assert log_count(seeded_url) == before
    save(at)  # the lock is gone: the same input saves
    assert not at.exception and log_count(seeded_url) == before + 1
    assert [toast.value for toast in at.toast] == [ZH["el_saved"].format(day=FRIDAY, customer="C001")]
