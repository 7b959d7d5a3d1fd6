"""The posting gate (data_access.gate) in the write path: forms (writes) and the importer, on both
databases. A manager needs >= 16 training hours, >= 60 % hands-on and a passed assessment, dated on
or before the posting's start, unless the office gives a reason (stored and audited)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from data_access import admin, gate, writes
from data_access.importer import import_source, read_path
from data_access.models import AuditLog, Posting
from data_access.permissions import Actor
from data_access.settings import date_number, load_settings
from data_access.writes import ValidationFailed
from tests import builders as b
from tests.helpers import manage_py
from ui.problem_text import problem_text

D = dt.date
OFFICE = Actor("office1", "office")
GATE_FROM = D(2026, 1, 1)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(engine):
    """Gate from 2026-01-01. M1 trained (12 h skill + 6 h other) and passed by 2026-02-01;
    M2 has 10 h skill and failed; C1, C2 customers."""
    with engine.begin() as conn:
        b.setting(conn, "posting_gate_from", date_number(GATE_FROM))
        ids = {no: b.manager(conn, no) for no in ("M1", "M2")}
        ids.update({no: b.customer(conn, no) for no in ("C1", "C2")})
        b.training(conn, ids["M1"], D(2026, 1, 10), 12, "skill")
        b.training(conn, ids["M1"], D(2026, 1, 11), 6, "other")
        b.assessment(conn, ids["M1"], D(2026, 1, 20), passed=True)
        b.training(conn, ids["M2"], D(2026, 1, 10), 10, "skill")
        b.assessment(conn, ids["M2"], D(2026, 1, 20), passed=False)
    return ids


def posting(employee_no: str, start: dt.date, account_no: str = "C1", **extra) -> dict:
    return {"employee_no": employee_no, "account_no": account_no, "start_date": start, **extra}


def postings(engine) -> dict[tuple[int, dt.date], str | None]:
    with engine.connect() as conn:
        rows = conn.execute(select(Posting.manager_id, Posting.start_date, Posting.gate_override))
        return {(manager, start): reason for manager, start, reason in rows}


def gate_audits(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditLog.row_key, AuditLog.after, AuditLog.source)
            .where(AuditLog.action == gate.AUDIT_ACTION)
            .order_by(AuditLog.id)
        )
        return [{"key": key, "after": json.loads(after), "source": source} for key, after, source in rows]


# ---------------------------------------------------------------- the rule


def test_check_counts_only_records_up_to_the_start(engine, world):
    with engine.connect() as conn:
        settings = load_settings(conn)
        assert gate.gate_from(settings) == GATE_FROM
        assert gate.check(conn, world["M1"], D(2026, 2, 1), settings).passed
        # On 2026-01-15 the assessment (01-20) has not happened yet.
        early = gate.check(conn, world["M1"], D(2026, 1, 15), settings)
        assert early.reasons == ("no_passed_assessment",) and early.total_hours == 18
        late = gate.check(conn, world["M2"], D(2026, 2, 1), settings)
        assert late.reasons == ("hours_short", "no_passed_assessment")
        assert late.skill_share == 1.0
        many = gate.check_many(
            conn, [(world["M1"], D(2026, 2, 1)), (world["M2"], D(2026, 2, 1)), (world["M1"], D(2025, 12, 1))], settings
        )
        assert [many[key].passed for key in sorted(many)] == [False, True, False]


# ---------------------------------------------------------------- forms


def test_form_refuses_an_ungated_posting_and_names_the_field(engine, world):
    with pytest.raises(ValidationFailed) as refused:
        writes.save_row(engine, OFFICE, "postings", posting("M2", D(2026, 2, 1)))
    (problem,) = refused.value.problems
    assert (problem.column, problem.code) == ("gate_override", gate.PROBLEM_CODE)
    zh, en = problem_text(problem, "zh"), problem_text(problem, "en")
    assert "10 学时，少于 16 学时" in zh and "没有合格的考察" in zh and "准入例外说明" in zh
    assert "fewer than 16" in en and "no passed assessment" in en
    assert not any("a" <= char.lower() <= "z" for char in zh)  # no English in the Chinese text
    assert postings(engine) == {}


def test_form_accepts_a_gated_manager_and_history(engine, world):
    writes.save_row(engine, OFFICE, "postings", posting("M1", D(2026, 2, 1)))
    writes.save_row(engine, OFFICE, "postings", posting("M2", D(2025, 12, 1)))  # before the gate: history
    assert set(postings(engine)) == {(world["M1"], D(2026, 2, 1)), (world["M2"], D(2025, 12, 1))}
    assert gate_audits(engine) == []


def test_form_accepts_with_an_override_stored_and_audited(engine, world):
    saved = writes.save_row(
        engine, OFFICE, "postings", posting("M2", D(2026, 2, 1), gate_override="抢修保供，经办公室批准")
    )
    assert postings(engine) == {(world["M2"], D(2026, 2, 1)): "抢修保供，经办公室批准"}
    (entry,) = gate_audits(engine)
    assert entry["key"] == "M2|C1|2026-02-01" and entry["source"] == "form"
    assert entry["after"]["gate_override"] == "抢修保供，经办公室批准"
    assert entry["after"]["reasons"] == ["hours_short", "no_passed_assessment"]
    # Taking the reason away again is refused; changing the end date alone is not re-checked.
    with engine.connect() as conn:
        row = writes.load_row(conn, "postings", {"id": saved.id})
    with pytest.raises(ValidationFailed):
        writes.save_row(engine, OFFICE, "postings", {**row, "gate_override": None}, row["version"])
    writes.save_row(engine, OFFICE, "postings", {**row, "end_date": D(2026, 6, 30)}, row["version"])
    assert len(gate_audits(engine)) == 1


def test_bulk_save_names_the_refused_row(engine, world):
    rows = [posting("M1", D(2026, 2, 1)), posting("M2", D(2026, 2, 1), "C2")]
    with pytest.raises(ValidationFailed) as refused:
        writes.save_rows(engine, OFFICE, "postings", rows)
    assert [(p.row, p.code) for p in refused.value.problems] == [(1, gate.PROBLEM_CODE)]
    assert postings(engine) == {}  # all or nothing


def test_gate_date_is_an_office_setting(engine, world):
    rows = {row["key"]: row for row in admin.settings_rows(engine.connect())}
    assert rows["posting_gate_from"]["kind"] == "date"
    admin.update_settings(
        engine,
        OFFICE,
        {"posting_gate_from": D(2026, 3, 1)},
        {"posting_gate_from": rows["posting_gate_from"]["version"]},
    )
    writes.save_row(engine, OFFICE, "postings", posting("M2", D(2026, 2, 1)))  # now before the gate
    with pytest.raises(ValidationFailed) as bad:
        admin.update_settings(engine, OFFICE, {"posting_gate_from": "2026-13-01"}, {})
    assert bad.value.problems[0].column == "posting_gate_from"


# ---------------------------------------------------------------- import


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def run_import(engine, folder: Path, dry_run: bool = False):
    return import_source(engine, read_path(folder), dry_run=dry_run)


def test_import_reports_an_ungated_row_and_writes_nothing(engine, world, tmp_path):
    folder = write_folder(
        tmp_path / "f", {"postings.csv": ("employee_no,account_no,start_date\nM1,C1,2026-02-01\nM2,C2,2026-02-01\n")}
    )
    result = run_import(engine, folder)
    assert [(e.sheet, e.row, e.column, e.code) for e in result.errors] == [
        ("postings", 3, "gate_override", gate.PROBLEM_CODE)
    ]
    assert "少于 16 学时" in problem_text(result.errors[0], "zh")
    assert postings(engine) == {}


def test_import_accepts_with_the_override_column(engine, world, tmp_path):
    folder = write_folder(
        tmp_path / "f",
        {
            "postings.csv": (
                "employee_no,account_no,start_date,准入例外说明\nM1,C1,2026-02-01,\nM2,C2,2026-02-01,迎峰度夏临时派驻\n"
            )
        },
    )
    result = run_import(engine, folder)
    assert result.ok, result.errors
    assert postings(engine)[(world["M2"], D(2026, 2, 1))] == "迎峰度夏临时派驻"
    (entry,) = gate_audits(engine)
    assert entry["source"] == "import" and entry["key"] == "M2|C2|2026-02-01"
    # Re-imported from a file without the column: valid, and the stored reason stays.
    again = write_folder(
        tmp_path / "g", {"postings.csv": ("employee_no,account_no,start_date,end_date\nM2,C2,2026-02-01,2026-08-31\n")}
    )
    assert run_import(engine, again).ok
    assert postings(engine)[(world["M2"], D(2026, 2, 1))] == "迎峰度夏临时派驻"


def test_import_counts_training_rows_of_the_same_file(engine, world, tmp_path):
    files = {
        "managers.csv": "employee_no,name\nM3,王五\n",
        "training.csv": (
            "employee_no,date,hours,kind,topic\n"
            "M3,2026-01-05,10,skill,操作\nM3,2026-01-06,6,other,规章\n"
            "M2,2026-01-12,8,skill,补训\n"
        ),
        "assessments.csv": "employee_no,date,passed\nM3,2026-01-20,是\nM2,2026-01-25,是\n",
        "postings.csv": "employee_no,account_no,start_date\nM3,C1,2026-02-01\nM2,C2,2026-02-01\n",
    }
    dry = run_import(engine, write_folder(tmp_path / "f", files), dry_run=True)
    assert dry.ok, [(e.row, problem_text(e, "en")) for e in dry.errors]
    assert dry.counts["postings"] == (2, 0)
    assert postings(engine) == {}  # the dry run's savepoint left nothing behind
    assert run_import(engine, write_folder(tmp_path / "f", files)).ok
    assert len(postings(engine)) == 2 and gate_audits(engine) == []
    # A new manager trained in the file but never assessed falls short.
    files = {
        "managers.csv": "employee_no,name\nM4,赵六\n",
        "training.csv": "employee_no,date,hours,kind,topic\nM4,2026-01-05,10,skill,操作\nM4,2026-01-06,6,skill,实操\n",
        "postings.csv": "employee_no,account_no,start_date\nM4,C2,2026-03-01\n",
    }
    refused = run_import(engine, write_folder(tmp_path / "g", files))
    assert [(e.row, e.params.get("reasons", e.code)) for e in refused.errors] == [(2, ["no_passed_assessment"])]


def test_cli_words_the_refusal(db_url, tmp_path):
    from data_access.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as conn:
        b.setting(conn, "posting_gate_from", date_number(GATE_FROM))
        b.manager(conn, "M9")
        b.customer(conn, "C9")
    engine.dispose()
    folder = write_folder(tmp_path / "f", {"postings.csv": "employee_no,account_no,start_date\nM9,C9,2026-05-01\n"})
    done = manage_py(db_url, "import", str(folder))
    assert done.returncode == 1
    assert "postings, 2, gate_override, does not meet the posting gate" in done.stderr
    assert "0 training hours, fewer than 16" in done.stderr


def edit_table(at, key: str, added: list[dict]) -> None:
    """Add rows to the data editor whose key starts with `key`_ (as the browser sends them) and save."""
    [editor] = [e for e in at.data_editor if e.key.rsplit("_", 2)[0] == key]
    at.session_state[editor.key] = {"edited_rows": {}, "added_rows": added, "deleted_rows": []}
    at.run()
    at.button(key=f"{editor.key}_save").click().run()


def test_managers_screen_refuses_then_accepts_with_a_reason(seeded_url, monkeypatch):
    """The office's postings editor (AppTest): the gate's words next to the row, then saved with a reason."""
    from sqlalchemy import func
    from streamlit.testing.v1 import AppTest

    from data_access.db import make_engine
    from tests.apptest import login_as, no_exception

    engine = make_engine(seeded_url)
    with engine.begin() as conn:
        b.setting(conn, "posting_gate_from", date_number(D(2025, 1, 1)))
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    at = login_as(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), "office", seeded_url)
    at.switch_page("views/entry_managers.py").run()
    at.text_input(key="ema_customer").set_value("C002").run()
    errors = lambda: "\n".join(e.value for e in at.error)  # noqa: E731
    # M002 failed the assessment in the seed: refused, nothing written.
    edit_table(at, "ema_customer_postings", [{"employee_no": "M002", "start_date": "2025-12-01"}])
    assert "准入例外说明：未达派驻准入条件" in errors() and "没有合格的考察" in errors()
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(Posting)).scalar()
    edit_table(
        at,
        "ema_customer_postings",
        [{"employee_no": "M002", "start_date": "2025-12-01", "gate_override": "补考前临时顶岗"}],
    )
    no_exception(at)
    assert not errors()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Posting)).scalar() == before + 1
    assert [entry["after"]["gate_override"] for entry in gate_audits(engine)] == ["补考前临时顶岗"]
    engine.dispose()
