"""Back up the database to a file and restore it from one (manage.py backup / restore).

SQLite: SQLite's online backup API, which copies a consistent snapshot while
the app keeps running, into a self-contained file (no -wal). PostgreSQL:
pg_dump's custom format, restored with pg_restore; both need the PostgreSQL
client programs (postgresql-client), and BackupRefused("no_client") says so.

A backup never overwrites an existing file unless forced, and never the live
database file or its -wal/-shm/-journal files, forced or not; it is written
to a hidden file next to the target first (mode 0600) and renamed only when
complete. A restore goes into an empty database (one with no rows of its own:
the calendar, the schema version and default settings do not count) unless
forced, checks that every table holds as many rows as the backup, and then
migrates the schema if the backup is older than the code.

Refusals are BackupRefused(code, **params); manage.py words them. Errors of
the database itself pass through (data_access.failures names them).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import inspect, make_url, select, text
from sqlalchemy.engine import Connection

from data_access.db import create_private_file, ensure_schema, make_engine, refresh_statistics, sqlite_path
from data_access.failures import DATABASE_ERRORS, classify
from data_access.models import Setting
from data_access.settings import DATE_KEYS, DEFAULTS

# Tables the schema set-up fills by itself: they do not make a database "not empty".
SCHEMA_FILLED = frozenset({"alembic_version", "calendar_days", "settings"})
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


class BackupRefused(Exception):
    """A backup or restore that was not done; `code` says why, `params` name the file or count."""

    def __init__(self, code: str, **params) -> None:
        self.code, self.params = code, params
        super().__init__(code, params)


@dataclass
class Outcome:
    path: Path
    size: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # rows per table (restore: checked)


# ---------------------------------------------------------------- shared checks


def _live_files(url: str) -> list[Path]:
    live = sqlite_path(url)
    if live is None:
        return []
    return [live, *(live.with_name(live.name + suffix) for suffix in SQLITE_COMPANIONS)]


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _check_target(url: str, target: Path, force: bool) -> None:
    if any(_same_file(target, live) for live in _live_files(url)):
        raise BackupRefused("live_database", path=target)
    if target.is_dir():
        raise BackupRefused("target_is_folder", path=target)
    if target.exists() and not force:
        raise BackupRefused("target_exists", path=target)
    if not target.parent.is_dir():
        raise BackupRefused("no_folder", path=target.parent)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.partial")


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table of the database, by table name."""
    names = sorted(inspect(conn).get_table_names())
    return {name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one() for name in names}


def own_rows(conn: Connection) -> int:
    """Rows the database holds beyond what its set-up wrote (changed settings count; a date
    setting such as posting_gate_from is the day of set-up, not the office's data)."""
    counts = table_counts(conn)
    rows = sum(count for name, count in counts.items() if name not in SCHEMA_FILLED)
    if "settings" in counts:
        rows += sum(
            1
            for key, value in conn.execute(select(Setting.key, Setting.value))
            if key not in DATE_KEYS and DEFAULTS.get(key) != float(value)
        )
    return rows


# ---------------------------------------------------------------- PostgreSQL client


def _client(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise BackupRefused("no_client", program=program)
    return path


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it (not in `ps`)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupRefused(code, reason=(lines[0] if lines else f"exit {done.returncode}")[:300])
    return done


def _archive_counts(pg_restore: str, source: Path) -> dict[str, int]:
    """Rows per table in a pg_dump archive (its COPY blocks), read as a stream."""
    counts: dict[str, int] = {}
    command = [pg_restore, "--data-only", "--file=-", str(source)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:
        table = None
        for line in process.stdout:
            if table is None:
                if line.startswith(b"COPY "):
                    name = line.split(b" ", 2)[1].decode().split(".")[-1].strip('"')
                    table = name
                    counts[table] = 0
            elif line == b"\\.\n":
                table = None
            else:
                counts[table] += 1
    if process.returncode != 0:
        raise BackupRefused("not_a_backup", path=source, reason=f"pg_restore exit {process.returncode}")
    return counts


# ---------------------------------------------------------------- backup


def backup(url: str, target: Path, force: bool = False) -> Outcome:
    """Write a backup of `url` to `target` (see the module docstring)."""
    target = Path(target)
    _check_target(url, target, force)
    partial = _partial(target)
    create_private_file(partial)
    try:
        if sqlite_path(url) is not None:
            counts = _sqlite_backup(sqlite_path(url), partial)
        else:
            counts = _pg_backup(url, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(target, target.stat().st_size, counts)


def _sqlite_backup(live: Path, partial: Path) -> dict[str, int]:
    source = _read_only(live)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        names = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: copy.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        copy.close()
        source.close()


def _pg_backup(url: str, partial: Path) -> dict[str, int]:
    pg_dump = _client("pg_dump")
    own_rows_of(url)  # a database that is down or missing fails here, as in every other command
    connection, env = _libpq(url)
    _run(
        [pg_dump, "--format=custom", "--no-password", f"--file={partial}", f"--dbname={connection}"], env, "dump_failed"
    )
    return {}


# ---------------------------------------------------------------- restore


def restore(url: str, source: Path, force: bool = False) -> Outcome:
    """Restore the backup file `source` into `url` (see the module docstring)."""
    source = Path(source)
    if not source.is_file():
        raise BackupRefused("no_backup", path=source)
    if any(_same_file(source, live) for live in _live_files(url)):
        raise BackupRefused("live_database", path=source)
    if sqlite_path(url) is not None:
        counts = _sqlite_restore(url, source, force)
    else:
        counts = _pg_restore(url, source, force)
    engine = make_engine(url)
    try:
        ensure_schema(engine)  # a backup from an older version: migrate it
        refresh_statistics(engine)
    finally:
        engine.dispose()
    return Outcome(source, source.stat().st_size, counts)


def own_rows_of(url: str) -> int:
    """own_rows() of the database at `url`."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return own_rows(conn)
    finally:
        engine.dispose()


def _check_empty(url: str, force: bool) -> None:
    rows = own_rows_of(url)
    if rows and not force:
        raise BackupRefused("target_not_empty", rows=rows)


def _compare(expected: dict[str, int], url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            restored = table_counts(conn)
    finally:
        engine.dispose()
    for name, count in expected.items():
        if restored.get(name) != count:
            raise BackupRefused("count_mismatch", table=name, expected=count, found=restored.get(name))
    return {name: restored[name] for name in expected}


def _sqlite_source_counts(source: Path) -> dict[str, int]:
    try:
        backup_db = _read_only(source)
        try:
            if backup_db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupRefused("not_a_backup", path=source, reason="quick_check failed")
            names = [
                row[0]
                for row in backup_db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            if "alembic_version" not in names:
                raise BackupRefused("not_a_backup", path=source, reason="no schema version")
            return {name: backup_db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}
        finally:
            backup_db.close()
    except sqlite3.DatabaseError as error:
        raise BackupRefused("not_a_backup", path=source, reason=str(error)) from error


def _sqlite_restore(url: str, source: Path, force: bool) -> dict[str, int]:
    expected = _sqlite_source_counts(source)
    live = sqlite_path(url)
    fresh = not live.exists() or live.stat().st_size == 0
    if fresh:
        create_private_file(live)
    else:
        try:
            _check_empty(url, force)
        except DATABASE_ERRORS as error:
            if not force or classify(error) != "corrupt":
                raise
            _replace_damaged(live)
    backup_db = _read_only(source)
    target = sqlite3.connect(live, timeout=30)
    try:
        backup_db.backup(target)  # page by page, under SQLite's locks: running apps see the restored data
    finally:
        target.close()
        backup_db.close()
    return _compare(expected, url)


def _replace_damaged(live: Path) -> None:
    """--force over a file that is not a database: set it aside as <name>.damaged, start empty."""
    live.replace(live.with_name(live.name + ".damaged"))
    for suffix in SQLITE_COMPANIONS:
        live.with_name(live.name + suffix).unlink(missing_ok=True)
    create_private_file(live)


def _pg_restore(url: str, source: Path, force: bool) -> dict[str, int]:
    pg_restore = _client("pg_restore")
    connection, env = _libpq(url)
    _run([pg_restore, "--list", str(source)], env, "not_a_backup_pg")
    _check_empty(url, force)
    expected = _archive_counts(pg_restore, source)
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={connection}",
            str(source),
        ],
        env,
        "restore_failed",
    )
    return _compare(expected, url)
