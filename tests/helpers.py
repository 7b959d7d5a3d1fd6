"""Small helpers shared by test modules (no test module imports another)."""

from __future__ import annotations

import contextlib
import io
import os
import uuid
from typing import NamedTuple

from sqlalchemy import inspect, make_url, text

from data_access import db
from data_access.db import make_engine


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table in the database (the audit trail and calendar too)."""
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {name: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{name}" ORDER BY 1'))] for name in names}


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "[SQL" not in err
    return lines[0]


class Ran(NamedTuple):
    """What a manage.py command returned and printed (named as subprocess.CompletedProcess's)."""

    returncode: int
    stdout: str
    stderr: str


def manage_py(url: str, *argv: str, **env: str | None) -> Ran:
    """Run manage.py's main() in this process as `DATABASE_URL=url python manage.py ARGV` would run
    (other environment variables set or, given None, removed for the call): its exit code and what
    it printed. Starting Python and its imports costs seconds per call; the tests about the whole
    process (what it imports, one line on stderr) start a real one."""
    import manage  # the test process has the project root on sys.path (conftest)

    changes = {"DATABASE_URL": url, **env}
    saved = {name: os.environ.get(name) for name in changes}
    out, err = io.StringIO(), io.StringIO()
    try:
        _set_environment(changes)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = manage.main(list(argv))
            except SystemExit as exit_:  # argparse refusing the arguments
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        _set_environment(saved)
    return Ran(code, out.getvalue(), err.getvalue())


def _set_environment(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextlib.contextmanager
def scratch_database(prefix: str, template: str | None = None):
    """(name, URL) of a new PostgreSQL database on TEST_DATABASE_URL's server, named prefix_<random>
    (a copy of `template` when given), dropped afterwards even if connections are still open."""
    base = os.environ["TEST_DATABASE_URL"]
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield name, make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def empty_database(kind: str, tmp_path):
    """The URL of a database with nothing in it: a new SQLite path, or a new PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'dashboard.db'}"
        return
    with scratch_database("r") as (name, url):
        try:
            yield url
        finally:
            for cached in [u for u in db._engines if name in u]:
                db._engines.pop(cached).dispose()


def unvacuumed_tables(engine) -> set[str]:
    """PostgreSQL: the tables holding rows that VACUUM (ANALYZE) has not been run on since
    (data_access.db.refresh_statistics runs it after a bulk load)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables WHERE n_live_tup > 0 AND (last_vacuum IS NULL OR last_analyze IS NULL)"
            )
        )
        return {row[0] for row in rows}
