"""Database connections of an app process (docs/deploy.md, "Connections"): the pool's size comes
from the environment, and a page run gives back every connection it took, so N processes need
N x (pool size + overflow) connections at most, whatever the number of sessions.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from data_access import db
from data_access.db import MAX_OVERFLOW, POOL_SIZE, make_engine
from tests import apptest
from tests.conftest import ROOT
from tests.seed_small import populate_small
from ui.nav import screens_for

APP = str(ROOT / "app.py")
SERVER = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"  # never connected to here


def pool_of(engine) -> tuple[int, int]:
    return engine.pool.size(), engine.pool._max_overflow


def test_the_pool_size_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("DASHBOARD_DB_POOL_SIZE", raising=False)
    monkeypatch.delenv("DASHBOARD_DB_MAX_OVERFLOW", raising=False)
    assert pool_of(make_engine(SERVER)) == (POOL_SIZE, MAX_OVERFLOW)
    monkeypatch.setenv("DASHBOARD_DB_POOL_SIZE", "3")
    monkeypatch.setenv("DASHBOARD_DB_MAX_OVERFLOW", "0")
    assert pool_of(make_engine(SERVER)) == (3, 0)
    monkeypatch.setenv("DASHBOARD_DB_POOL_SIZE", "many")  # unusable: the default, not a crash
    monkeypatch.setenv("DASHBOARD_DB_MAX_OVERFLOW", "-4")
    assert pool_of(make_engine(SERVER)) == (POOL_SIZE, 0)


def test_every_screen_gives_its_connections_back(db_url, monkeypatch):
    """Each screen the office can open, run in one session: afterwards no connection is checked
    out of the app's pool (reads and writes close theirs before the run ends)."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", db_url)
    at = apptest.login_as(AppTest.from_file(APP, default_timeout=180), "office").run()
    pool = db._engines[db_url].pool
    assert pool.checkedout() == 0
    for screen in screens_for("office"):
        at.switch_page(screen.script).run()
        assert not at.exception, screen.url_path
        assert pool.checkedout() == 0, screen.url_path
    assert pool.checkedin() <= POOL_SIZE
