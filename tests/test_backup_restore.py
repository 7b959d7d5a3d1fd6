"""manage.py backup / restore on SQLite and PostgreSQL.

A backup restored into an empty database gives the same KPI report
(`manage.py kpis --json`) and the same row counts; a restore refuses a
database that holds data of its own unless forced; a backup never
overwrites a file unless forced, and never the live database.
"""

from __future__ import annotations

import json
import os
import stat

import pytest
from sqlalchemy import text

from data_access import db
from data_access.db import make_engine, sqlite_path
from tests.helpers import empty_database, manage_py, one_line, unvacuumed_tables
from tests.seed_small import populate_small

KPIS = ["kpis", "--from", "2025-04-01", "--to", "2025-09-30", "--json"]


def test_backup_and_restore_round_trip_with_the_same_kpis(db_url, tmp_path):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()
    code, report_before, _ = manage_py(db_url, *KPIS)
    assert code == 0 and json.loads(report_before)["attendance"]["due"] > 0

    backup = tmp_path / "backups" / "dashboard.backup"
    backup.parent.mkdir()
    code, out, err = manage_py(db_url, "backup", str(backup))
    assert code == 0, err
    assert out.startswith(f"backup written: {backup}")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert [p.name for p in backup.parent.iterdir()] == ["dashboard.backup"]  # no partial file left

    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    with empty_database(kind, tmp_path) as target:
        code, out, err = manage_py(target, "restore", str(backup))
        assert code == 0, err
        assert "the same as in the backup" in out and "work_logs" in out
        code, report_after, _ = manage_py(target, *KPIS)
        assert code == 0 and json.loads(report_after) == json.loads(report_before)
        if kind == "sqlite":
            assert stat.S_IMODE(sqlite_path(target).stat().st_mode) == 0o600
        else:
            restored = make_engine(target)
            assert unvacuumed_tables(restored) == set()
            restored.dispose()

        # Now the target holds data: a second restore is refused and changes nothing ...
        with make_engine(target).begin() as conn:
            conn.execute(text("UPDATE customers SET name = 'changed after the restore' WHERE id = 1"))
        code, out, err = manage_py(target, "restore", str(backup))
        assert code == 1 and "not empty" in one_line(err) and "--force" in err
        assert manage_py(target, *KPIS)[1] == report_after
        with make_engine(target).connect() as conn:
            assert conn.execute(text("SELECT name FROM customers WHERE id = 1")).scalar() == "changed after the restore"
        # ... unless forced: the backup's contents come back.
        code, out, err = manage_py(target, "restore", str(backup), "--force")
        assert code == 0, err
        with make_engine(target).connect() as conn:
            assert conn.execute(text("SELECT name FROM customers WHERE id = 1")).scalar() != "changed after the restore"
        assert json.loads(manage_py(target, *KPIS)[1]) == json.loads(report_before)


def test_backup_never_overwrites_unless_forced_and_never_the_live_database(db_url, tmp_path):
    existing = tmp_path / "existing.backup"
    existing.write_bytes(b"an older backup")
    code, _, err = manage_py(db_url, "backup", str(existing))
    assert code == 1 and "already exists" in one_line(err) and "--force" in err
    assert existing.read_bytes() == b"an older backup"
    code, _, err = manage_py(db_url, "backup", str(existing), "--force")
    assert code == 0 and existing.read_bytes() != b"an older backup"

    live = sqlite_path(db_url)
    if live is not None:
        db.get_engine(db_url).connect().close()  # the app is running: -wal and -shm exist
        before = {p.name: p.read_bytes() for p in live.parent.iterdir() if p.name.startswith(live.name)}
        assert {live.name + "-wal", live.name + "-shm"} <= set(before)
        for target in (
            live,
            live.with_name(live.name + "-wal"),
            live.with_name(live.name + "-shm"),
            tmp_path / ".." / tmp_path.name / live.name,
        ):
            for force in ([], ["--force"]):
                code, _, err = manage_py(db_url, "backup", str(target), *force)
                assert code == 1 and "is the live database" in one_line(err), (target, force)
        assert {p.name: p.read_bytes() for p in live.parent.iterdir() if p.name.startswith(live.name)} == before
        # restore refuses the live file as its source, too
        code, _, err = manage_py(db_url, "restore", str(live), "--force")
        assert code == 1 and "is the live database" in one_line(err)


def test_restore_refuses_a_file_that_is_no_backup(db_url, tmp_path):
    bogus = tmp_path / "holiday-photos.backup"
    bogus.write_bytes(os.urandom(4096))
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    with empty_database(kind, tmp_path) as target:
        code, _, err = manage_py(target, "restore", str(bogus))
        assert code == 1 and "not a" in one_line(err) and "backup" in err
        if kind == "sqlite":
            assert not sqlite_path(target).exists()


def test_postgresql_backup_without_the_client_says_so(db_url, tmp_path, monkeypatch):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite backups need no client program")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    code, _, err = manage_py(db_url, "backup", str(tmp_path / "x.backup"))
    assert code == 1 and "pg_dump not found" in one_line(err) and "postgresql-client" in err
    assert list(tmp_path.iterdir()) == []
