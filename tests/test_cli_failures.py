"""manage.py when things go wrong: one line on stderr, a non-zero exit, nothing created or changed.

Most runs call manage.main() in this process (fast); the first test runs the
real script to check what a terminal sees, --debug included.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

import manage
from data_access import db
from tests.conftest import ROOT
from tests.helpers import one_line

WINDOW = ["--from", "2025-07-01", "--to", "2025-09-30"]
PG_DOWN = "postgresql+psycopg://postgres:secret@127.0.0.1:1/dashboard"  # nothing listens on port 1
# Commands that only read or change an existing database, with their arguments.
READERS = {
    "kpis": ["kpis", *WINDOW, "--json"],
    "export": ["export", "{tmp}/out.xlsx"],
    "users list": ["users", "list"],
    "backup": ["backup", "{tmp}/backup.db"],
    "import": ["import", str(ROOT / "tests" / "fixtures" / "import_zh")],
}


def run(monkeypatch, capsys, url: str, argv: list[str], tmp=None) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    argv = [arg.format(tmp=tmp) for arg in argv]
    try:
        code = manage.main(argv)
    except SystemExit as stop:  # argparse
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def test_the_script_prints_one_line_and_debug_shows_the_traceback(tmp_path):
    env = {**os.environ, "DATABASE_URL": PG_DOWN}
    command = [sys.executable, "manage.py", "kpis", *WINDOW]
    plain = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert plain.returncode == 1 and plain.stdout == ""
    line = one_line(plain.stderr)
    assert line.startswith("kpis: cannot reach the database") and "Connection refused" in line
    assert "secret" not in line  # the password never shows
    debug = subprocess.run([*command, "--debug"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr and "OperationalError" in debug.stderr


@pytest.mark.parametrize("command", list(READERS))
def test_readers_refuse_a_sqlite_file_that_does_not_exist(tmp_path, monkeypatch, capsys, command):
    missing = tmp_path / "mistyped" / "dashbaord.db"
    code, out, err = run(monkeypatch, capsys, f"sqlite:///{missing}", READERS[command], tmp_path)
    assert code == 1 and out == ""
    line = one_line(err)
    assert f"no database file at {missing}" in line and "init-db" in line
    assert list(tmp_path.iterdir()) == []  # no database, no folder, no output file


def test_only_init_db_creates_the_database_owner_only(tmp_path, monkeypatch, capsys):
    path = tmp_path / "data" / "dashboard.db"
    code, out, _ = run(monkeypatch, capsys, f"sqlite:///{path}", ["init-db"])
    assert code == 0 and "schema ready" in out
    engine = db.make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:  # an open connection: the -wal and -shm files exist
        conn.exec_driver_sql("SELECT COUNT(*) FROM settings").scalar()
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    engine.dispose()
    assert files == {"dashboard.db": 0o600, "dashboard.db-wal": 0o600, "dashboard.db-shm": 0o600}
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    code, out, _ = run(monkeypatch, capsys, f"sqlite:///{path}", READERS["kpis"])
    assert code == 0 and out.startswith("{")


@pytest.mark.parametrize("broken", ["postgresql_down", "sqlite_damaged"])
def test_every_command_says_why_the_database_failed(tmp_path, monkeypatch, capsys, broken):
    if broken == "postgresql_down":
        url, expected = PG_DOWN, "cannot reach the database"
    else:
        damaged = tmp_path / "dashboard.db"
        damaged.write_bytes(b"SQLite? no: a text file " * 100)
        url, expected = f"sqlite:///{damaged}", "is damaged or is not a database"
    before = sorted(p.name for p in tmp_path.iterdir())
    for argv in [*READERS.values(), ["init-db"], ["demo"], ["users", "deactivate", "office"]]:
        code, out, err = run(monkeypatch, capsys, url, argv, tmp_path)
        assert code == 1 and out == "", argv
        assert expected in one_line(err), (argv, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if broken == "sqlite_damaged":
        assert damaged.read_bytes() == b"SQLite? no: a text file " * 100


@pytest.mark.parametrize(
    "argv, says",
    [
        (["kpis", "--from", "2025-07-01"], "the following arguments are required: --to"),
        (["demo", "--scale", "planet"], "invalid choice: 'planet'"),
        (["demo", "--seed", "many"], "invalid int value: 'many'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["backup"], "the following arguments are required: path"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, monkeypatch, capsys, argv, says):
    code, out, err = run(monkeypatch, capsys, f"sqlite:///{tmp_path / 'x.db'}", argv)
    assert code == 2 and out == ""
    assert says in one_line(err) and "--help" in err
    assert list(tmp_path.iterdir()) == []


def test_bad_files_get_one_line(engine, tmp_path, monkeypatch, capsys):
    url = engine.url.render_as_string(hide_password=False)
    files = tmp_path / "files"
    files.mkdir()
    cases = [
        (["template", str(files / "no" / "such" / "t.xlsx")], f"folder {files / 'no' / 'such'} does not exist"),
        (["export", str(files)], "is a folder"),
        (["restore", str(files / "nothing.db")], "no backup file at"),
    ]
    for argv, says in cases:
        code, out, err = run(monkeypatch, capsys, url, argv)
        assert code == 1 and says in one_line(err), (argv, err)
    assert list(files.iterdir()) == []
