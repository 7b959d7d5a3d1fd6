"""Import limits and hostile files: every one ends in a clear problem or a clean import, never a
traceback, within the stated time and memory (docs/performance.md, "Hostile import files").

The fuzz test builds a few dozen files (tests/hostile_files.py) and imports them one by one in a
separate process that samples its own memory; the other tests run the CLI and the import screen
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys

import openpyxl
import pytest

from data_access import xlsx_guard
from data_access.importer import read_uploads
from data_access.template import write_template
from tests.apptest import run_app
from tests.conftest import ROOT
from tests.helpers import snapshot
from tests.hostile_files import CUSTOMER_HEADER, CUSTOMER_ROW, build_all, workbook_bytes
from tests.seed_small import populate_small
from ui.problem_text import problem_text
from ui.strings import ZH

SECONDS = 5.0  # every file, the three-million-blank-row bombs included
PEAK_MB = 300.0  # resident memory of the importing process, at any moment

# What each file must end in: "committed", or a phrase of its first problem.
EXPECTED = {
    "valid.xlsx": "committed",
    "truncated.xlsx": "zip container is damaged",
    "not_a_zip.xlsx": "zip container is damaged",
    "empty_file.xlsx": "zip container is damaged",
    "zip_without_workbook.xlsx": "not an .xlsx workbook",
    "scribbled_zip.xlsx": "zip container is damaged",
    "broken_sheet_xml.xlsx": "customers, 3, , damaged XML",
    "broken_workbook_xml.xlsx": "damaged XML",
    "broken_strings_xml.xlsx": "damaged XML",
    "huge_shared_cell.xlsx": "far longer than 2,000 characters",
    "rich_text_bomb.xlsx": "far longer than 2,000 characters",
    "huge_inline_cell.xlsx": "customers, 3, , a cell holds a text far longer",
    "long_text_2001.xlsx": "customers, 2, name, too long: at most 200 characters, got 2001",
    "blank_row_bomb.xlsx": "committed",
    "blank_rows_then_data.xlsx": "customers, 3, , more than 10,000 blank rows in a row",
    "row_number_jump.xlsx": "more than 10,000 blank rows in a row",
    "rows_without_numbers.xlsx": "committed",
    "far_column.xlsx": "customers, 2, DV, values beyond column BL",
    "formulas_without_values.xlsx": "customers, 2, name, is required",
    "formulas_with_values.xlsx": "committed",
    "formula_text.xlsx": "committed",
    "dates_out_of_range.xlsx": "monthly_plans, 2, month, must be between 2000-01 and 2100-12, got '0000-01'",
    "excel_serial_dates.xlsx": "monthly_plans, 2, month",
    "huge_numbers.xlsx": "customers, 2, capacity_kva, must be <= 10000000, got 1e+300",
    "mixed_types.xlsx": "customers, 2, voltage_kv, must be a number, got 'True'",
    "wide_header.xlsx": "customers, 1, col0, unknown column in column A",
    "duplicate_sheets.xlsx": "sheet given twice",
    "unknown_sheet.xlsx": "payroll, 0, , unknown sheet",
    "empty_workbook.xlsx": "nothing to import",
    "header_only.xlsx": "nothing to import",
    "csv_huge_field": "customers, 2, , not readable as CSV",
    "csv_nul": "contains control characters",
    "csv_unclosed_quote": "customers, 2, voltage_kv, is required",
    "csv_binary": "not UTF-8 (or GB18030) text",
    "csv_control_chars": "managers, 2, name, contains control characters",
    "csv_blank_bomb": "committed",
    "csv_gb18030": "committed",
    "csv_too_many_rows": "managers, 1002, , more than 1,000 data rows in one import",
    "csv_too_big": "the file is 21.0 MB, more than 20 MB",
    "csv_header_only": "nothing to import",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("hostile"))


def test_hostile_files_end_in_a_problem_or_an_import_in_time_and_memory(hostile, sqlite_template, tmp_path):
    database = tmp_path / "fuzz.db"
    shutil.copy(sqlite_template, database)
    folder = next(iter(hostile.values())).parent
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "hostile_files.py"),
            str(folder),
            f"sqlite:///{database}",
            str(ROOT),
            *hostile,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = {line["name"]: line for line in map(json.loads, run.stdout.splitlines())}
    assert set(results) == {*EXPECTED, "_process"} and set(hostile) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        outcome = results[name]
        assert "exception" not in outcome, outcome
        if expected == "committed":
            assert outcome["committed"] and not outcome["problems"], outcome
        else:
            assert not outcome["committed"] and expected in outcome["problems"][0], outcome
            assert not outcome["changed"], outcome  # a refused file writes nothing
        assert outcome["seconds"] < SECONDS, outcome
        assert outcome["peak_mb"] < PEAK_MB, outcome


def test_a_workbook_that_expands_too_far_is_refused_unopened(monkeypatch):
    monkeypatch.setattr(xlsx_guard, "MAX_EXPANDED_MB", 1)
    data = workbook_bytes(
        {"customers": [CUSTOMER_HEADER, CUSTOMER_ROW, *([f"C{i}", "乙" * 100, 10, 800] for i in range(5_000))]}
    )
    source = read_uploads({"big.xlsx": data})
    assert [(p.sheet, p.row, problem_text(p, "en")) for p in source.problems] == [
        ("big.xlsx", 0, "the workbook expands to 2 MB, more than an import may hold")
    ]
    assert source.sheets == []


def test_the_template_states_the_limits(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    notes = "\n".join(
        str(cell)
        for row in openpyxl.load_workbook(path)["说明 Instructions"].iter_rows(values_only=True)
        for cell in row
        if cell
    )
    for stated in (
        "2000-01-01",
        "2100-12-31",
        "1,000,000",
        "2,000",
        "50 MB",
        "10,000",
        "≤ 10,000,000",
        "≤ 1,100",
        "≤ 100,000,000,000",
        "nothing to import",
        "没有可导入的数据",
    ):
        assert stated in notes, stated


# --- Both databases: the CLI and the import screen ---------------------------------------------


def test_cli_nothing_to_import_and_dates_out_of_range_write_nothing(engine, tmp_path, monkeypatch, capsys):
    import manage

    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    template = tmp_path / "template.xlsx"
    write_template(template)
    before = snapshot(engine)
    assert manage.main(["import", str(template)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "nothing to import: no sheet holds a data row" in err
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "managers.csv").write_text("employee_no,name\nM1,甲\n", encoding="utf-8")
    (folder / "monthly_plans.csv").write_text(
        "employee_no,month,submitted_on\nM1,0000-01,9999-12-31\n", encoding="utf-8"
    )
    assert manage.main(["import", str(folder)]) == 1
    _, err = capsys.readouterr()
    assert "monthly_plans, 2, month, must be between 2000-01 and 2100-12, got '0000-01'" in err
    assert "monthly_plans, 2, submitted_on, must be between 2000-01-01 and 2100-12-31, got '9999-12-31'" in err
    assert snapshot(engine) == before


def test_import_screen_says_nothing_to_import_and_lists_a_broken_file(engine, monkeypatch):
    with engine.begin() as conn:
        populate_small(conn)  # the office login
    at = run_app(engine.url.render_as_string(hide_password=False), monkeypatch, "office", "views/import_data.py")
    before = snapshot(engine)  # after the login, which opened a session
    template = io.BytesIO()
    write_template(template)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at.file_uploader[0].set_value([("模板.xlsx", template.getvalue(), xlsx)]).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [ZH["imp_empty"]]
    assert not [b for b in at.button if b.label == ZH["imp_commit"]]
    broken = workbook_bytes({"customers": [CUSTOMER_HEADER, CUSTOMER_ROW]})[:3000]
    at.file_uploader[0].set_value([("客户.xlsx", broken, xlsx)]).run()
    assert not at.exception
    assert ZH["imp_errors"].format(count=1) in [e.value for e in at.error]
    table = at.dataframe[-1].value
    assert "压缩包已损坏或不完整" in table.iloc[0].to_list()[-1]
    assert snapshot(engine) == before
