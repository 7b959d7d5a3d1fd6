"""Connection settings the benchmark relies on (docs/performance.md)."""

from __future__ import annotations

from data_access.db import make_engine


def test_postgresql_sessions_run_without_jit(db_url):
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name != "postgresql":
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                return
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
            conn.rollback()  # the setting is the session's, not a transaction's
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
    finally:
        engine.dispose()
