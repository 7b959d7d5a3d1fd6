"""Export in the template's format, the template itself, and export -> import round trips."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from data_access.contract import INSTRUCTIONS_SHEET, SHEETS, label_cell
from data_access.exporter import export_workbook
from data_access.importer import contract_select, import_path, key_expressions
from data_access.template import write_template
from tests import builders as b
from tests.conftest import fresh_engine

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "import_zh"
D, T = dt.date, dt.datetime


@pytest.fixture
def second_engine(db_url, tmp_path, sqlite_template, pg_template):
    """A second fresh database of the same kind as `engine`'s."""
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    with fresh_engine(kind, tmp_path, sqlite_template, pg_template) as engine:
        yield engine


def all_data(engine) -> dict[str, list[dict]]:
    """Every contract row, natural keys only (no ids or versions), sorted by key."""
    data = {}
    with engine.connect() as conn:
        for sheet in SHEETS:
            stmt = contract_select(sheet).order_by(*key_expressions(sheet))
            data[sheet.key] = [
                {k: v for k, v in row.items() if not k.startswith("_")} for row in conn.execute(stmt).mappings()
            ]
    return data


def add_awkward_rows(engine) -> None:
    """Values that could be lost on the way through Excel."""
    with engine.begin() as conn:
        manager = b.manager(conn, "007", name="=SUM(A1)", team=None, phone="0536-1234567")
        customer = b.customer(
            conn,
            "#N/A",
            name="多行\n备注",
            capacity_kva=314.5,
            annual_kwh=12345678.9,
            star_rating=5,
            churn_risk=True,
            market_status="direct",
            potential_reason="政府重点项目",
        )
        b.log(
            conn,
            manager,
            customer,
            D(2025, 3, 3),
            on_site=False,
            hours=0.1 + 0.2,
            problems="接地电阻偏大",
            status="in_progress",
            measures=None,
        )
        b.training(conn, manager, D(2024, 12, 30), 12, kind="other", topic="")
        expert = b.expert(conn, "E-9", "training", active=False)
        b.expert_call(
            conn,
            "K-9",
            expert,
            T(2025, 3, 4, 9, 0, 30),
            responded_at=T(2025, 3, 4, 9, 1, 59),
            closed_at=T(2025, 3, 5, 23, 59),
            manager_id=manager,
            customer_id=customer,
            hours=0,
        )
        b.consumption(conn, customer, D(2024, 12, 1), 0)
        b.plan(conn, manager, D(2024, 12, 1), D(2024, 11, 28), content=None)
        # Text a spreadsheet would run as a formula (OWASP's CSV-injection characters), in keys too.
        risky = b.customer(
            conn,
            "@C2",
            name='=HYPERLINK("http://x","y")',
            industry="+1",
            town="-西镇",
            potential_reason="=cmd|' /C calc'!A0",
        )
        b.log(
            conn,
            manager,
            risky,
            D(2025, 3, 4),
            content="@SUM(1)",
            problems="'=already quoted",
            measures="\t=tab first",
            status="open",
        )
        b.manager(conn, "-M8", name="''+two quotes")


def test_export_then_import_into_a_fresh_db_gives_identical_data(engine, second_engine, tmp_path):
    assert import_path(engine, FIXTURE).errors == []
    add_awkward_rows(engine)
    path = tmp_path / "export.xlsx"
    original = all_data(engine)

    counts = export_workbook(engine, path)
    assert counts == {sheet: len(rows) for sheet, rows in original.items()}

    result = import_path(second_engine, path)
    assert result.errors == []
    assert all_data(second_engine) == original

    again = import_path(engine, path)  # into the source itself: nothing to change
    assert again.errors == []
    assert all(again.counts[sheet] == (0, 0) for sheet in counts)
    assert again.unchanged == counts


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_export_holds_no_formula_and_reads_back_the_same(engine, second_engine, tmp_path):
    add_awkward_rows(engine)
    path = tmp_path / "export.xlsx"
    export_workbook(engine, path)
    workbook = openpyxl.load_workbook(path)
    cells = [cell for sheet in SHEETS for row in workbook[sheet.key].iter_rows(min_row=3) for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert not [text for text in texts if text.startswith(FORMULA_STARTS)]
    quoted = {'\'=HYPERLINK("http://x","y")', "'@C2", "'-M8", "'" + "''+two quotes", "''=already quoted"}
    assert quoted <= set(texts)
    assert any(isinstance(cell.value, float) and cell.value == 314.5 for cell in cells)  # numbers stay numbers
    original = all_data(engine)
    assert import_path(second_engine, path).errors == []
    assert all_data(second_engine) == original
    customers = {row["account_no"]: row for row in original["customers"]}
    assert customers["@C2"]["name"] == '=HYPERLINK("http://x","y")' and customers["@C2"]["town"] == "-西镇"


def test_export_is_in_the_template_format(engine, tmp_path):
    import_path(engine, FIXTURE)
    path = tmp_path / "export.xlsx"
    export_workbook(engine, path)

    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == [INSTRUCTIONS_SHEET] + [sheet.key for sheet in SHEETS]
    rows = {sheet.key: list(workbook[sheet.key].iter_rows(values_only=True)) for sheet in SHEETS}
    for sheet in SHEETS:
        assert rows[sheet.key][0] == sheet.column_keys
        assert rows[sheet.key][1] == tuple(label_cell(column) for column in sheet.columns)
    assert rows["monthly_plans"][2][:2] == ("M001", "2025-02")  # natural key, month as text
    assert rows["work_logs"][2][:4] == ("M001", "C1001", T(2025, 2, 3), "yes")
    assert rows["work_logs"][3][3] == "no"
    assert rows["expert_calls"][2][:6] == ("K001", "E01", "M001", "C1001", "onsite", T(2025, 2, 10, 9, 0))
    assert rows["customers"][3][9:12] == ("yes", "agency", "capacity")  # C1002: churn, defaults
    workbook.close()


def test_template_layout(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [INSTRUCTIONS_SHEET] + [sheet.key for sheet in SHEETS]
    for sheet in SHEETS:
        worksheet = workbook[sheet.key]
        header, labels = list(worksheet.iter_rows(values_only=True))
        assert header == sheet.column_keys
        assert labels == tuple(label_cell(column) for column in sheet.columns)
        assert worksheet.freeze_panes == "A3"
        for index, column in enumerate(sheet.columns, start=1):
            comment = worksheet.cell(1, index).comment.text
            assert column.zh in comment and ("必填" in comment) == column.required
        listed = {str(dv.sqref).split(":")[0][:-1] for dv in worksheet.data_validations.dataValidation}
        letters = {
            openpyxl.utils.get_column_letter(i)
            for i, c in enumerate(sheet.columns, start=1)
            if c.type in ("enum", "yesno")
        }
        assert listed == letters
    assert workbook["customers"]["A2"].value == "户号*"
    instructions = [row for row in workbook[INSTRUCTIONS_SHEET].iter_rows(values_only=True)]
    described = {(row[0], row[3]) for row in instructions}
    assert {(sheet.key, column.key) for sheet in SHEETS for column in sheet.columns} <= described
    training_hours = next(row for row in instructions if row[0] == "training" and row[3] == "hours")
    assert training_hours[6:] == ("数字；> 0；≤ 12", "number; > 0; ≤ 12")
