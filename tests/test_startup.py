"""What a process does before its first query (docs/performance.md, "Waits people feel"): a
database already at the newest schema is recognised without Alembic, and `manage.py kpis`
imports only what it uses.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from data_access.db import alembic_config, ensure_schema, head_revision, make_engine, stored_revision
from data_access.failures import SchemaError, classify
from tests.conftest import ROOT
from tests.seed_small import Q3, populate_small


def test_the_head_read_from_the_files_is_alembics():
    assert [head_revision()] == ScriptDirectory.from_config(alembic_config(None)).get_heads()


def test_a_new_database_is_migrated_and_then_recognised(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert stored_revision(engine) is None
    ensure_schema(engine)
    assert stored_revision(engine) == head_revision()
    ensure_schema(engine)  # at head: nothing to do, and no error
    engine.dispose()


def test_a_schema_from_a_newer_version_is_a_schema_failure(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaError) as raised:
        ensure_schema(engine)
    assert classify(raised.value) == "schema"
    engine.dispose()


def test_kpis_imports_no_alembic_plotly_or_streamlit(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "manage.py", "kpis", "--from", str(Q3[0]), "--to", str(Q3[1])],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=db_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert "sqlalchemy" in imported and "metrics" in imported  # the measurement itself works
    assert not imported & {"alembic", "plotly", "streamlit", "openpyxl", "fpdf"}, imported


def test_account_commands_import_no_pandas_or_openpyxl(tmp_path):
    """`users` goes through data_access.admin and its security log: text rules only."""
    url = f"sqlite:///{tmp_path / 'accounts.db'}"
    ensure_schema(make_engine(url))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "manage.py", "users", "list"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert "data_access" in imported
    assert not imported & {"pandas", "numpy", "openpyxl", "alembic", "plotly", "streamlit"}, imported
