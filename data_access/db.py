"""Engine selection and automatic schema set-up.

DATABASE_URL selects the database; by default an embedded SQLite file
data/dashboard.db (WAL, foreign keys on, busy timeout). The schema is
migrated to the newest Alembic revision on first use.

A new SQLite file is created readable by its owner only (0600; SQLite gives
its -wal and -shm files the same mode), in a folder made 0700. A write that
finds the database locked waits DASHBOARD_DB_BUSY_TIMEOUT seconds (default
10; SQLite's busy timeout, PostgreSQL's lock_timeout) and then fails with a
"busy" error (data_access.failures) instead of waiting for ever.

On PostgreSQL each process keeps a pool of DASHBOARD_DB_POOL_SIZE connections (default 5) and opens
up to DASHBOARD_DB_MAX_OVERFLOW more at busy moments (default 10); a read waits at most 30 s for a
free one. Every read and write returns its connection when it ends (no connection is held across a
page run), so a process needs about as many as it runs statements at once: docs/deploy.md works
out max_connections for N processes.
"""

from __future__ import annotations

import os
import re
import threading
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, event, exc, make_url, text
from sqlalchemy.engine import Engine

from data_access.calendar import ensure_calendar
from data_access.failures import MissingDatabase, SchemaError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / "data" / "dashboard.db"
MIGRATIONS = ROOT / "migrations"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()

BUSY_TIMEOUT_SECONDS = 10.0  # default of DASHBOARD_DB_BUSY_TIMEOUT
CONNECT_TIMEOUT_SECONDS = 10  # PostgreSQL: a host that does not answer fails after this
POOL_SIZE = 5  # default of DASHBOARD_DB_POOL_SIZE: connections a process keeps open
MAX_OVERFLOW = 10  # default of DASHBOARD_DB_MAX_OVERFLOW: more, opened at busy moments and closed again


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def is_default_database(url: str | None = None) -> bool:
    return (url or database_url()) == f"sqlite:///{DEFAULT_SQLITE_PATH}"


def busy_timeout() -> float:
    """Seconds a write waits for a locked database (DASHBOARD_DB_BUSY_TIMEOUT, default 10)."""
    try:
        seconds = float(os.environ.get("DASHBOARD_DB_BUSY_TIMEOUT") or BUSY_TIMEOUT_SECONDS)
    except ValueError:
        seconds = BUSY_TIMEOUT_SECONDS
    return max(seconds, 0.0)


def pool_settings() -> dict[str, int]:
    """pool_size and max_overflow of a server database's engine (DASHBOARD_DB_POOL_SIZE, _MAX_OVERFLOW)."""
    values = {}
    for key, variable, default, least in (
        ("pool_size", "DASHBOARD_DB_POOL_SIZE", POOL_SIZE, 1),
        ("max_overflow", "DASHBOARD_DB_MAX_OVERFLOW", MAX_OVERFLOW, 0),
    ):
        try:
            values[key] = max(int(os.environ.get(variable) or default), least)
        except ValueError:
            values[key] = default
    return values


def sqlite_path(url: str | None = None) -> Path | None:
    """The file of a SQLite URL (plain or `file:` URI form); None for other databases and memory."""
    parsed = make_url(url or database_url())
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    if name.startswith("file:"):
        name = name[len("file:") :]
        if name.startswith("//"):  # file:///abs/path
            name = name[2:]
    if name in ("", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    return Path(name)


def require_existing_database(url: str | None = None) -> None:
    """Raise MissingDatabase when `url` is a SQLite file that does not exist (creating nothing).

    For the commands that read or change a database but must never create one; PostgreSQL
    reports a missing database itself when connecting.
    """
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise MissingDatabase(path)


def create_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 (its folder 0700 when new); an existing file is left alone."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _sqlite_pragmas(dbapi_conn, _record, busy_ms: int) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    # No memory-mapped reads (SQLite's default): at province they were no faster any more (kpis
    # 1.02-1.04 s with a 512 MiB map, 1.00-1.01 s without), and each connection's map counted the
    # file's pages in the server's RSS again (1.6 GiB peak once screens read on 4-5 connections).
    cursor.close()


def _postgresql_session(dbapi_conn, _record, busy_ms: int) -> None:
    # No JIT: it compiles each costly-looking KPI query for 0.1-0.35 s and then saves less than that
    # (needs screen at province: cold 1.82 -> 1.45 s). Outside a transaction, so a rollback keeps it.
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    cursor = dbapi_conn.cursor()
    cursor.execute("SET jit = off")
    # A write blocked by another one's lock gives up like SQLite's busy timeout (0 = wait for ever).
    cursor.execute(f"SET lock_timeout = {busy_ms}")
    cursor.close()
    dbapi_conn.autocommit = autocommit


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """A new engine for `url` (default: database_url()); schema not touched."""
    url = url or database_url()
    busy = busy_timeout()
    busy_ms = max(int(busy * 1000), 1)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            create_private_file(path)
        engine = create_engine(url, connect_args={"timeout": busy}, **kwargs)
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_ms=busy_ms))
    else:
        connect_args = {}
        if url.startswith("postgresql") and "connect_timeout" not in url:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        if "poolclass" not in kwargs:
            kwargs = {**pool_settings(), **kwargs}
        engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", partial(_postgresql_session, busy_ms=busy_ms))
    return engine


def refresh_statistics(engine: Engine) -> None:
    """After a bulk load (the demo, a restore): on PostgreSQL, VACUUM (ANALYZE) every table now
    instead of whenever autovacuum comes by (or never, where it is off). The planner needs the
    tables' statistics, and the report's queries read the work logs by index only once the
    visibility map is set. SQLite: nothing; its queries are written for a file without ANALYZE
    statistics, as the app's own database has."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")


def alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


_REVISION = re.compile(r"""^revision\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]""", re.M)
_DOWN_REVISION = re.compile(r"""^down_revision\s*(?::[^=]*)?=\s*(.+)$""", re.M)


def head_revision() -> str | None:
    """The newest migration's id, read from the files in migrations/versions: the one revision no
    other one follows. None when that is not clear (a branch, a file of another shape): then
    Alembic itself decides."""
    revisions, followed = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if not revision or not down:
            return None
        revisions.add(revision.group(1))
        followed.update(re.findall(r"""['"]([^'"]+)['"]""", down.group(1)))
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None


def stored_revision(engine: Engine) -> str | None:
    """The schema revision the database records (Alembic's table), or None without one."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (exc.ProgrammingError, exc.OperationalError) as error:
        if "alembic_version" in str(error):
            return None
        raise


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema to head and fill the calendar if empty.

    A database already at the newest revision is seen from one query, without loading Alembic and
    its migration scripts (0.5 s of every command's start; docs/performance.md)."""
    head = head_revision()
    if head is None or stored_revision(engine) != head:
        from alembic import command
        from alembic.util.exc import CommandError

        try:
            command.upgrade(alembic_config(engine), "head")
        except CommandError as error:
            raise SchemaError(str(error)) from error
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
