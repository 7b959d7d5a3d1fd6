"""Inert downloads (data_access.downloads): text a spreadsheet would run as a formula gets a leading
apostrophe in every CSV and Excel file; numbers stay numbers; missing values are "—"; percentages
are percentages. Checked on the files themselves and on the customers screen's downloads under
AppTest, whose customer names start with formula characters (both databases).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from data_access.db import make_engine
from data_access.downloads import MISSING, csv_bytes, neutralise, restore, xlsx_bytes
from tests import builders as b
from tests.apptest import app, login_as, no_exception
from tests.seed_small import TOWNS, populate_small
from ui.strings import ZH

RISKY_NAMES = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1", "@SUM(1)", "-2+3", "\t=tab", "=x\n=y"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_neutralise_and_restore_are_each_others_inverse():
    for text in [*RISKY_NAMES, "\r=cr", "'=quoted", "''+twice", "plain", "'plain", "", "-", "中文=不是公式"]:
        made = neutralise(text)
        assert not made.startswith(FORMULA_STARTS)
        assert restore(made) == text
    assert neutralise("=1") == "'=1" and neutralise("plain") == "plain" and restore("'plain") == "'plain"


def test_files_are_inert_with_numbers_dates_percentages_and_missing_values():
    frame = pd.DataFrame(
        {
            "户名": [*RISKY_NAMES, None],  # openpyxl reads a CR as LF: no lone CR here
            "容量": [1000.0, None, 315.0, 2.5, 1.0, 2.0, 3.0, 4.0],
            "件数": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
            "覆盖率": [1 / 3, 1.0, None, 0.0, 0.5, 0.25, 0.125, 0.0625],
            "日期": [dt.date(2025, 7, 1), None, *[dt.date(2025, 7, 2)] * 6],
            "时间": pd.to_datetime(["2025-07-01 09:30", None, *["2025-07-02 00:00"] * 6]),
        }
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame, "客户/清单", percent=["覆盖率"]))).active
    assert sheet.title == "客户_清单"
    rows = list(sheet.iter_rows(min_row=2))
    assert not [cell.coordinate for row in rows for cell in row if cell.data_type == "f"]
    assert [row[0].value for row in rows] == [neutralise(name) for name in RISKY_NAMES] + [MISSING]
    assert [row[1].value for row in rows[:3]] == [1000, MISSING, 315]
    assert rows[0][2].value == 1 and rows[1][2].value == MISSING
    assert rows[0][3].value == pytest.approx(1 / 3) and rows[0][3].number_format == "0.0%"
    assert rows[0][4].value == dt.datetime(2025, 7, 1) and rows[0][4].is_date and rows[1][4].value == MISSING
    assert rows[0][5].value == dt.datetime(2025, 7, 1, 9, 30)

    lines = list(csv.reader(io.StringIO(csv_bytes(frame, percent=["覆盖率"]).decode("utf-8-sig"))))
    assert lines[0] == ["户名", "容量", "件数", "覆盖率", "日期", "时间"]
    assert [line[0] for line in lines[1:]] == [neutralise(name) for name in RISKY_NAMES] + [MISSING]
    assert lines[1][1:] == ["1000.0", "1", "33.3%", "2025-07-01", "2025-07-01 09:30"]
    assert lines[2][1:] == [MISSING, MISSING, "100.0%", MISSING, MISSING]
    assert "None" not in "".join(map("".join, lines)) and "nan" not in "".join(map("".join, lines)).lower()


def seed_risky(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        ids = populate_small(conn)
        for number, name in enumerate(RISKY_NAMES):
            customer = b.customer(
                conn,
                f"R{number:03d}",
                name=name,
                town=TOWNS[0],
                industry="=行业" if number else None,
                churn_risk=True,
                capacity_kva=800 + number,
                annual_kwh=1_000_000 * (number + 1),
            )
            if number == 0:
                b.posting(conn, ids["M001"], customer, dt.date(2025, 3, 3))
    engine.dispose()


def test_customer_screen_downloads_hold_no_formula(db_url, monkeypatch):
    seed_risky(db_url)
    made: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    at = login_as(app(db_url, monkeypatch), "leader").run()
    at.switch_page("views/customers.py").run()
    no_exception(at)
    name = ZH["cus_list_file"]
    assert {f"{name}.csv", f"{name}.xlsx"} <= set(made) and len(made) >= 6  # the list and the tables
    for file_name, make in made.items():  # called outside the script run, as the server does on a click
        content = make()
        if file_name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
            cells = [cell for row in rows for cell in row]
            assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))], file_name
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(content)).active
            cells = [cell for row in sheet.iter_rows() for cell in row]
            assert not [c.coordinate for c in cells if c.data_type == "f"], file_name
            texts = [c.value for c in cells if isinstance(c.value, str)]
            assert not [text for text in texts if text.startswith(FORMULA_STARTS)], file_name
    listed = openpyxl.load_workbook(io.BytesIO(made[f"{name}.xlsx"]())).active
    header = [cell.value for cell in listed[1]]
    rows = {row[header.index(ZH["cus_col_account_no"])]: row for row in listed.iter_rows(min_row=2, values_only=True)}
    assert rows["R000"][header.index(ZH["cus_col_name"])] == neutralise(RISKY_NAMES[0])
    for column in ("capacity_kva", "annual_kwh", "voltage_kv"):  # numbers stay numeric cells
        assert all(isinstance(row[header.index(ZH["cus_col_" + column])], (int, float)) for row in rows.values())
    assert rows["R003"][header.index(ZH["cus_col_capacity_kva"])] == 803
    from_csv = pd.read_csv(io.BytesIO(made[f"{name}.csv"]()), encoding="utf-8-sig")
    assert pd.api.types.is_numeric_dtype(from_csv[ZH["cus_col_annual_kwh"]])
    assert set(from_csv[ZH["cus_col_name"]]) >= {neutralise(n) for n in RISKY_NAMES if not n.startswith(("\t", "\r"))}
