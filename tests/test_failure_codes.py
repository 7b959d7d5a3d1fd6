"""data_access.failures.classify on real failures of real databases: the code decides what people read."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import make_url, text

from data_access.db import make_engine, sqlite_path
from data_access.failures import DATABASE_ERRORS, classify, short_reason


def failure(url: str, statement: str = "SELECT 1", **engine_args) -> BaseException:
    engine = make_engine(url, **engine_args)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    except DATABASE_ERRORS as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError(f"{statement} on {url} did not fail")


def test_sqlite_failures(tmp_path, monkeypatch):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all " * 100)
    assert classify(failure(f"sqlite:///{garbage}")) == "corrupt"

    good = tmp_path / "good.db"
    make_engine(f"sqlite:///{good}").dispose()
    with make_engine(f"sqlite:///{good}").begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    read_only = f"sqlite:///file:{good}?mode=ro&uri=true"
    assert classify(failure(read_only, "INSERT INTO t VALUES (1)")) == "read_only"

    monkeypatch.setenv("DASHBOARD_DB_BUSY_TIMEOUT", "0.1")
    holder = sqlite3.connect(good, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        busy = failure(f"sqlite:///{good}", "INSERT INTO t VALUES (2)")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert classify(busy) == "busy" and short_reason(busy) == "database is locked"
    assert "INSERT" not in short_reason(busy)


def test_postgresql_failures(db_url, monkeypatch):
    if sqlite_path(db_url) is not None:
        pytest.skip("PostgreSQL's own failures")
    url = make_url(db_url)
    closed = url.set(port=1).render_as_string(hide_password=False)
    assert classify(failure(closed)) == "unreachable"
    missing = url.set(database=f"{url.database}_no_such").render_as_string(hide_password=False)
    assert classify(failure(missing)) == "missing"
    assert classify(failure(db_url, "SET LOCAL statement_timeout = 1; SELECT pg_sleep(1)")) == "timeout"
    read_only = url.update_query_dict({"options": "-c default_transaction_read_only=on"})
    assert (
        classify(failure(read_only.render_as_string(hide_password=False), "CREATE TABLE t (x integer)")) == "read_only"
    )
    assert classify(failure(db_url, "SELECT * FROM no_such_table")) == "schema"

    monkeypatch.setenv("DASHBOARD_DB_BUSY_TIMEOUT", "0.2")
    holder = make_engine(db_url)
    try:
        with holder.connect() as conn:
            conn.execute(text("LOCK TABLE settings IN ACCESS EXCLUSIVE MODE"))
            busy = failure(db_url, "UPDATE settings SET value = value")
            conn.rollback()
    finally:
        holder.dispose()
    assert classify(busy) == "busy" and "lock timeout" in short_reason(busy)
