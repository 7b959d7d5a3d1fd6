"""Shared fixtures: a real database per test, on SQLite and on PostgreSQL.

`engine` is parametrized: every test that takes it runs on a fresh SQLite
file and, when TEST_DATABASE_URL names a PostgreSQL server, on a fresh database
there (a copy of a migrated template database). Without TEST_DATABASE_URL the PostgreSQL runs skip with the reason.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data_access import db  # noqa: E402
from data_access.db import ensure_schema, make_engine  # noqa: E402
from tests.helpers import scratch_database  # noqa: E402
from tests.seed_small import populate_small  # noqa: E402

PG_SKIP_REASON = "PostgreSQL tests need TEST_DATABASE_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@contextmanager
def pg_database(prefix: str, fill, template: str | None = None) -> Iterator[str | None]:
    """A PostgreSQL database named prefix_<random> (a copy of `template` when given), filled by
    fill(url) and dropped at the end; None without TEST_DATABASE_URL."""
    if not os.environ.get("TEST_DATABASE_URL"):
        yield None
        return
    with scratch_database(prefix, template) as (name, url):
        fill(url)
        yield name


def _migrate(url: str) -> None:
    engine = make_engine(url)
    ensure_schema(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def pg_template():
    """A migrated PostgreSQL template database; each test gets a copy (CREATE DATABASE ... TEMPLATE)."""
    with pg_database("tmpl", _migrate) as name:
        yield name


@contextmanager
def fresh_database(kind: str, directory: Path, sqlite_template: Path, pg_template: str | None) -> Iterator[str]:
    """The URL of a new migrated database of `kind` (sqlite / postgresql), dropped afterwards."""
    if kind == "sqlite":
        path = directory / f"{uuid.uuid4().hex[:8]}.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip(PG_SKIP_REASON)
    with scratch_database("t", pg_template) as (_, url):
        yield url


@contextmanager
def fresh_engine(kind: str, directory: Path, sqlite_template: Path, pg_template: str | None) -> Iterator:
    """An engine on a new migrated database of `kind`, dropped afterwards."""
    with fresh_database(kind, directory, sqlite_template, pg_template) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def db_url(request, tmp_path, sqlite_template, pg_template):
    """URL of a fresh, migrated database (also usable by subprocesses)."""
    kind = getattr(request, "param", "sqlite")
    with fresh_database(kind, tmp_path, sqlite_template, pg_template) as url:
        yield url


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config) -> int | None:
    """`-n auto`: one worker more than the cores this process may use. The browser tests spend part
    of their time waiting for a server or a timer; a third worker on 2 cores keeps both busy
    (docs/performance.md, "The test suite"). PYTEST_XDIST_AUTO_NUM_WORKERS still decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1


def pytest_generate_tests(metafunc):
    """Run every test that uses a database on both SQLite and PostgreSQL."""
    for name in ("db_url", "seeded_url"):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, ["sqlite", "postgresql"], indirect=True)


TEST_COOKIE_KEY = secrets.token_urlsafe(32)  # per test process, never a constant
# bcrypt at its lowest cost: the suite logs in hundreds of times (the app servers the browser tests
# start inherit it). The rules do not depend on the cost; the timing test sets its own.
os.environ.setdefault("DASHBOARD_BCRYPT_ROUNDS", "4")


@pytest.fixture(autouse=True)
def _app_env(monkeypatch):
    """A cookie key for the app under test (the app refuses to run with a constant one)."""
    monkeypatch.setenv("DASHBOARD_COOKIE_KEY", TEST_COOKIE_KEY)


def seeded_copy(tmp_path_factory, template: Path, name: str, seed=None) -> str:
    """URL of a copy of a SQLite template (the migrated one, or small_template), then seed(url)."""
    path = tmp_path_factory.mktemp(name) / "small.db"
    path.write_bytes(template.read_bytes())
    url = f"sqlite:///{path}"
    if seed is not None:
        seed(url)
    return url


def _populate(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


@pytest.fixture(scope="session")
def small_template(tmp_path_factory, sqlite_template) -> Path:
    """The migrated SQLite template filled with the small data set (tests/seed_small.py) once per
    test process; tests get copies (small_url, seeded_url)."""
    path = tmp_path_factory.mktemp("small_template") / "small.db"
    shutil.copy(sqlite_template, path)
    _populate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_small_template(pg_template):
    """The PostgreSQL twin of small_template (a database copied with CREATE DATABASE ... TEMPLATE)."""
    if pg_template is None:
        yield None
        return
    with pg_database("tmpl_small", _populate, template=pg_template) as name:
        yield name


@pytest.fixture(scope="module")
def small_url(tmp_path_factory, small_template) -> str:
    """The module's own SQLite copy of the small data set, for tests that read (or write little)."""
    return seeded_copy(tmp_path_factory, small_template, "small")


@pytest.fixture
def seeded_url(request, tmp_path, small_template, pg_small_template):
    """A fresh copy of the small data set per test, on SQLite and on PostgreSQL (like db_url)."""
    kind = getattr(request, "param", "sqlite")
    with fresh_database(kind, tmp_path, small_template, pg_small_template) as url:
        yield url


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _forget_engines():
    """manage.main() keeps an engine per URL (data_access.db.get_engine); drop each test's."""
    before = set(db._engines)
    yield
    for url in set(db._engines) - before:
        db._engines.pop(url).dispose()
