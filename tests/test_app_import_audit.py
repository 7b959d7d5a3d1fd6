"""The import page and the audit screen under AppTest (SQLite and PostgreSQL), plus query_audit.

Import: upload -> preview counts per sheet and every problem -> import only
when clean (all or nothing). Audit: the writes just made are listed, with
their changed fields, filterable and downloadable.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from data_access import audit, importer
from data_access.db import make_engine
from data_access.models import AuditLog, Consumption, Customer
from data_access.permissions import Actor
from data_access.template import write_template
from data_access.writes import load_row, save_row
from tests.apptest import no_exception, screen
from tests.conftest import ROOT
from ui import auth
from ui.problem_text import problem_text
from ui.strings import ZH

APP = str(ROOT / "app.py")
IMPORT = "views/import_data.py"
AUDIT = "views/audit.py"
CSV = "text/csv"


@pytest.fixture
def engine(seeded_url):
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def upload(at: AppTest, files: list[tuple[str, bytes, str]]) -> AppTest:
    at.file_uploader[0].set_value(files).run()
    no_exception(at)
    return at


def csv_file(name: str, text: str) -> tuple[str, bytes, str]:
    return name, text.encode("utf-8-sig"), CSV


GOOD = [
    csv_file(
        "customers.csv",
        "account_no,name,voltage_kv,capacity_kva\nC002,客户C002（更名）,10,1000\nC200,新建纺织厂,10,800\n",
    ),
    csv_file("月度用电.csv", "户号,月份,用电量kWh\nC200,2025-09,120000\n"),
]


def preview(at: AppTest):
    """The preview table (the one with an insert column), by sheet."""
    [table] = [frame.value for frame in at.dataframe if ZH["imp_col_insert"] in frame.value.columns]
    return table.set_index(ZH["imp_col_sheet"])


def commit_button(at: AppTest):
    return at.button(key="imp_commit")


def test_import_preview_then_commit(engine, seeded_url, monkeypatch):
    customers, consumption = count(engine, Customer), count(engine, Consumption)
    at = screen(seeded_url, monkeypatch, IMPORT, "office")
    assert [b.label for b in at.download_button] == [ZH["imp_template"]]
    upload(at, GOOD)
    table = preview(at)
    assert table.loc["客户", [ZH["imp_col_rows"], ZH["imp_col_insert"], ZH["imp_col_update"]]].tolist() == [2, 1, 1]
    assert table.loc["月度用电", [ZH["imp_col_insert"], ZH["imp_col_update"]]].tolist() == [1, 0]
    assert ZH["imp_clean"] in [s.value for s in at.success] and not commit_button(at).disabled
    assert count(engine, Customer) == customers  # the preview writes nothing
    commit_button(at).click().run()
    no_exception(at)
    assert [toast.value for toast in at.toast] == [ZH["imp_done"].format(inserted=2, updated=1)]
    assert count(engine, Customer) == customers + 1 and count(engine, Consumption) == consumption + 1
    with engine.connect() as conn:
        assert load_row(conn, "customers", {"account_no": "C002"})["name"] == "客户C002（更名）"
        sources = conn.execute(select(AuditLog.source, func.count()).group_by(AuditLog.source)).all()
    assert dict(sources)["import"] == 3
    assert not at.dataframe and not at.file_uploader[0].value  # a fresh upload box after the import


def test_import_errors_are_listed_and_nothing_is_written(engine, seeded_url, monkeypatch):
    bad = [
        csv_file(
            "customers.csv", "account_no,name,voltage_kv,capacity_kva,colour\nC300,甲厂,abc,800,red\nC301,,10,-5,\n"
        ),
        csv_file("consumption.csv", "account_no,month,kwh\nC999,2025-13,5\n"),
    ]
    customers = count(engine, Customer)
    at = screen(seeded_url, monkeypatch, IMPORT, "office")
    upload(at, bad)
    with engine.connect() as conn:
        expected = importer.validate_source(conn, importer.read_uploads({name: data for name, data, _ in bad}))
    problems = error_table(at)
    assert len(problems) == len(expected.errors) >= 5
    assert list(problems.columns) == [
        ZH[k] for k in ("imp_col_sheet", "imp_col_row", "imp_col_column", "imp_col_reason")
    ]
    shown = set(zip(problems[ZH["imp_col_row"]], problems[ZH["imp_col_reason"]]))
    assert {(p.row, problem_text(p, "zh")) for p in expected.errors} == shown
    assert ZH["imp_errors"].format(count=len(expected.errors)) in [e.value for e in at.error]
    assert [b.label for b in at.download_button if b.key.startswith("imp_errors")] == [
        ZH["tbl_download_csv"],
        ZH["tbl_download_xlsx"],
    ]
    assert commit_button(at).disabled
    assert count(engine, Customer) == customers


def error_table(at: AppTest):
    """The problems table (the one with a reason column)."""
    [table] = [frame.value for frame in at.dataframe if ZH["imp_col_reason"] in frame.value.columns]
    return table


def test_import_workbook_and_mixed_uploads(engine, seeded_url, monkeypatch):
    buffer = io.BytesIO()
    write_template(buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    book["customers"].append(["C400", "模板导入厂", None, "城关街道", 10, 630])
    filled = io.BytesIO()
    book.save(filled)
    xlsx = ("template.xlsx", filled.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    at = screen(seeded_url, monkeypatch, IMPORT, "office")
    upload(at, [xlsx, GOOD[0]])  # a workbook goes alone
    assert "请只上传一个 .xlsx 工作簿" in error_table(at)[ZH["imp_col_reason"]].iloc[0]
    assert commit_button(at).disabled
    upload(at, [xlsx])
    assert preview(at).loc["客户", ZH["imp_col_insert"]] == 1
    commit_button(at).click().run()
    no_exception(at)
    with engine.connect() as conn:
        assert load_row(conn, "customers", {"account_no": "C400"})["capacity_kva"] == 630


def test_only_the_office_may_import(seeded_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    at = AppTest.from_file(str(ROOT / IMPORT), default_timeout=60)  # the screen alone, not the navigation
    at.session_state[auth.TOKEN] = "opened elsewhere"
    at.session_state["authentication_status"] = True
    at.session_state[auth.USER] = {"username": "manager", "role": "manager", "manager_id": 1}
    at.run()
    assert [w.value for w in at.warning] == [ZH["fm_not_allowed"]] and not at.file_uploader


# --- Audit ------------------------------------------------------------------------------------------


def test_audit_screen_lists_the_writes_just_made(engine, seeded_url, monkeypatch):
    at = screen(seeded_url, monkeypatch, "views/entry_customers.py", "office")
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": {1: {"star_rating": 4}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key=f"{key}_save").click().run()
    no_exception(at)
    save_row(
        engine, Actor("cli", "office"), "experts", {"expert_no": "E80", "name": "审计专家", "specialty": "training"}
    )
    at.switch_page(AUDIT).run()
    no_exception(at)
    table = audit_table(at)
    latest = table.iloc[:2]
    assert set(latest[ZH["aud_col_user"]]) == {"office", "cli"}
    row = table[table[ZH["aud_col_key"]] == "C002"].iloc[0]
    assert (row[ZH["aud_col_action"]], row[ZH["aud_col_table"]], row[ZH["aud_col_source"]]) == (
        ZH["aud_action_update"],
        "客户",
        "bulk",
    )
    assert row[ZH["aud_col_changes"]] == "star_rating: 0 → 4"
    assert [b.label for b in at.download_button if b.key.startswith("aud_table")] == [
        ZH["tbl_download_csv"],
        ZH["tbl_download_xlsx"],
    ]
    # Filters narrow the list in SQL.
    at.selectbox(key="aud_table").set_value("experts").run()
    assert list(audit_table(at)[ZH["aud_col_key"]]) == ["E80"]
    at.selectbox(key="aud_table").set_value(None).run()
    at.selectbox(key="aud_username").set_value("office").run()
    assert set(audit_table(at)[ZH["aud_col_user"]]) == {"office"}
    # One entry in detail: the changed fields, before and after.
    with engine.connect() as conn:
        entry_id = conn.execute(select(AuditLog.id).where(AuditLog.row_key == "C002")).scalar_one()
    at.selectbox(key="aud_pick").set_value(entry_id).run()
    no_exception(at)
    detail = at.dataframe[-1].value
    assert detail.to_dict("records") == [
        {ZH["aud_col_field"]: "star_rating", ZH["aud_col_before"]: "0", ZH["aud_col_after"]: "4"},
        {ZH["aud_col_field"]: "version", ZH["aud_col_before"]: "1", ZH["aud_col_after"]: "2"},
    ]
    assert len(at.json) == 2


def audit_table(at: AppTest):
    [table] = [frame.value for frame in at.dataframe if ZH["aud_col_changes"] in frame.value.columns]
    return table


def test_query_audit_filters_limits_and_counts(engine):
    actor = Actor("cli", "office")
    for number in range(5):
        save_row(
            engine, actor, "experts", {"expert_no": f"E9{number}", "name": f"专家{number}", "specialty": "training"}
        )
    today = dt.date.today()
    with engine.connect() as conn:
        entries, total = audit.query_audit(conn, today, today, table="experts", limit=3)
        assert total == 5 and [e["row_key"] for e in entries] == ["E94", "E93", "E92"]  # newest first
        assert audit.query_audit(conn, today - dt.timedelta(days=3), today - dt.timedelta(days=1))[1] == 0
        assert audit.query_audit(conn, today, today, username="nobody")[1] == 0
        assert audit.query_audit(conn, today, today, action="insert", source="form")[1] == 5
        choices = audit.audit_choices(conn, today, today)
    assert choices["table_name"] == ["experts"] and choices["username"] == ["cli"]
    assert audit.changed_fields('{"a": 1, "b": 2}', '{"a": 1, "b": 3}') == {"b": (2, 3)}
    assert audit.changed_fields(None, '{"a": 1}') == {"a": (None, 1)}
