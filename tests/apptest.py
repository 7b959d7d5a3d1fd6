"""Logging in an AppTest run with a real session.

Every script run checks its session in the database (ui.auth.restore_login), so a test opens one
the way a login would (data_access.sessions.start_session) and hands its token to the app.
"""
from __future__ import annotations

import os

from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.sessions import start_session
from ui.auth import TOKEN


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
