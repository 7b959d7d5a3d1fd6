"""Logging in an AppTest run with a real session.

Every script run checks its session in the database (ui.auth.restore_login), so a test opens one
the way a login would (data_access.sessions.start_session) and hands its token to the app.
"""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.sessions import start_session
from ui.auth import TOKEN
from ui.definitions import DEFINITIONS, definition_name
from ui.strings import ZH


def open_session(url: str, username: str) -> str:
    """A new session token for `username` in the database at `url`."""
    engine = make_engine(url)
    try:
        return start_session(engine, username, client="apptest")
    finally:
        engine.dispose()


def login_as(at: AppTest, username: str, url: str | None = None) -> AppTest:
    """Log `at` in as `username` (database: `url`, default DATABASE_URL as the app sees it)."""
    at.session_state[TOKEN] = open_session(url or os.environ["DATABASE_URL"], username)
    return at


# --- The shared AppTest harness: every tests/test_app_*.py builds its runs with these -------------

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def app(url: str, monkeypatch, **query) -> AppTest:
    """The app (not yet run) on the database at `url`, with `query` in its URL."""
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    return at


def screen(url: str, monkeypatch, script: str, user: str | None = "leader", **query) -> AppTest:
    """One run of the screen `script` (e.g. "views/attendance.py") on `url`, logged in as `user`
    with a real session (None: logged out), `query` in the URL; it must draw without an exception."""
    at = app(url, monkeypatch, **query)
    if user:
        login_as(at, user, url)
    at.run()
    if script != "views/overview.py":
        at.switch_page(script).run()
    no_exception(at)
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def metric_by_label(at: AppTest, label: str):
    """The one metric (KPI card) whose label starts with `label`."""
    found = [m for m in at.metric if m.label.startswith(label)]
    assert len(found) == 1, (label, [m.label for m in at.metric])
    return found[0]


def table_with(at: AppTest, column: str):
    """The shown table (dataframe) that has `column`."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with {column!r}")


def run_app(
    url: str, monkeypatch, username: str | None = None, script: str | None = None, session_url: str | None = None
) -> AppTest:
    """One run of the app on `url`, logged in as `username` (the only place these tests log in).

    The session is opened in `session_url` (the writable database behind a read-only `url`); on a
    database that cannot be reached any token does: the session check itself fails there."""
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=120)
    if username:
        try:
            at.session_state[TOKEN] = open_session(session_url or url, username)
        except Exception:  # noqa: BLE001 - the database is down or damaged: the run must say so
            at.session_state[TOKEN] = "a session opened before the database went away"
    if script:
        at.switch_page(script)
    return at.run()


# Widgets that take what a person types; on some screens a leader filters with a few of them.
TYPED_INPUTS = ("text_input", "text_area", "number_input", "checkbox", "toggle", "date_input", "radio")


def assert_read_only(at: AppTest, inputs: tuple[str, ...] = ()) -> None:
    """The screen's main area has nothing to save with (no form, button or data editor) and none of
    the widget kinds `inputs`."""
    assert not at.main.form and not at.main.button and not at.form_submit_button and not at.data_editor
    for kind in inputs:
        assert not at.main.get(kind), kind


def defined_kpis(at: AppTest) -> set[str]:
    """The KPIs the run showed, each checked to have a definition and its 口径说明 expander."""
    shown = at.session_state["_kpis_shown"]
    assert set(shown) <= set(DEFINITIONS)
    labels = [e.label for e in at.expander]
    for kpi in shown:
        assert f"{ZH['definition']} · {definition_name(kpi, 'zh')}" in labels, kpi
    return set(shown)
