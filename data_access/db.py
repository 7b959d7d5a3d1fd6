"""Engine selection and automatic schema set-up.

DATABASE_URL selects the database; by default an embedded SQLite file
data/dashboard.db (WAL, foreign keys on, busy timeout). The schema is
migrated to the newest Alembic revision on first use.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from data_access.calendar import ensure_calendar

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / "data" / "dashboard.db"
MIGRATIONS = ROOT / "migrations"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def is_default_database(url: str | None = None) -> bool:
    return (url or database_url()) == f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # No memory-mapped reads (SQLite's default): at province they were no faster any more (kpis
    # 1.02-1.04 s with a 512 MiB map, 1.00-1.01 s without), and each connection's map counted the
    # file's pages in the server's RSS again (1.6 GiB peak once screens read on 4-5 connections).
    cursor.close()


def _postgresql_session(dbapi_conn, _record) -> None:
    # No JIT: it compiles each costly-looking KPI query for 0.1-0.35 s and then saves less than that
    # (needs screen at province: cold 1.82 -> 1.45 s). Outside a transaction, so a rollback keeps it.
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    cursor = dbapi_conn.cursor()
    cursor.execute("SET jit = off")
    cursor.close()
    dbapi_conn.autocommit = autocommit


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """A new engine for `url` (default: database_url()); schema not touched."""
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _postgresql_session)
    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema to head and fill the calendar if empty."""
    command.upgrade(alembic_config(engine), "head")
    with engine.begin() as conn:
        ensure_calendar(conn)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url`, migrated on first use."""
    url = url or database_url()
    with _lock:
        if url not in _engines:
            engine = make_engine(url)
            ensure_schema(engine)
            _engines[url] = engine
        return _engines[url]
