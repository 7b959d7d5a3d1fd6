"""Hostile import files, made by code, and a worker that imports them one by one and measures.

    build_all(folder) -> {name: path}          the files (a few dozen; the bombs streamed to disk)
    python tests/hostile_files.py FOLDER DATABASE_URL [ROOT]
        imports every file in FOLDER into DATABASE_URL (code from ROOT, default this repo) and
        prints one JSON line per file: name, seconds, peak RSS in MB while it ran (VmHWM), the outcome
        (committed / problems, each "sheet, row, column, reason") and whether the database changed.

Used by tests/test_import_limits.py (the fuzz test) and bench/import_limits.py (before/after
figures in docs/performance.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
import threading
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

MB = 1024 * 1024

# The customers sheet: a valid row to build on (required columns filled).
CUSTOMER_HEADER = ["account_no", "name", "voltage_kv", "capacity_kva", "annual_kwh"]
CUSTOMER_ROW = ["C9001", "诸城市测试电器有限公司", 10, 800, 2_000_000]


# ---------------------------------------------------------------- writing .xlsx files


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A normal .xlsx written by openpyxl (one sheet per entry)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        worksheet = workbook.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CONTENT_TYPES = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
# Style 1 is a date (numFmt 14): a number in such a cell is an Excel date.
STYLES = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""
SHEET_HEAD = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"""
SHEET_TAIL = b"</sheetData></worksheet>"
STRINGS_HEAD = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"""


def _letter(index: int) -> str:
    return openpyxl.utils.get_column_letter(index + 1)


def cell_xml(row: int, column: int, value) -> str:
    """One <c> element: numbers as numbers, text inline, ('date', serial) with the date style,
    ('formula', text, cached) as a formula, None as an empty styled cell."""
    ref = f"{_letter(column)}{row}"
    if value is None:
        return f'<c r="{ref}" s="1"/>'
    if isinstance(value, tuple) and value[0] == "date":
        return f'<c r="{ref}" s="1"><v>{value[1]}</v></c>'
    if isinstance(value, tuple) and value[0] == "formula":
        cached = "" if value[2] is None else f"<v>{escape(str(value[2]))}</v>"
        return f'<c r="{ref}" t="str"><f>{escape(value[1])}</f>{cached}</c>'
    if isinstance(value, tuple) and value[0] == "shared":
        return f'<c r="{ref}" t="s"><v>{value[1]}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row_xml(number: int, values: list) -> bytes:
    cells = "".join(cell_xml(number, column, value) for column, value in enumerate(values))
    return f'<row r="{number}">{cells}</row>'.encode()


def write_package(
    path: Path,
    sheet_body,
    *,
    title: str = "customers",
    strings=None,
    workbook: bytes | None = None,
    sheet_head: bytes = SHEET_HEAD,
) -> Path:
    """A hand-made .xlsx: `sheet_body` and `strings` are bytes or iterables of bytes (streamed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook or WORKBOOK % title.encode())
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(STRINGS_HEAD)
            for piece in [strings] if isinstance(strings, bytes) else (strings or []):
                part.write(piece)
            part.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(sheet_head)
            for piece in [sheet_body] if isinstance(sheet_body, bytes) else sheet_body:
                part.write(piece)
            part.write(SHEET_TAIL)
    return path


def customer_rows(*data_rows: list, start: int = 1) -> bytes:
    rows = [row_xml(start, CUSTOMER_HEADER)]
    rows += [row_xml(start + 1 + i, values) for i, values in enumerate(data_rows)]
    return b"".join(rows)


def _blank_rows(first: int, count: int, batch: int = 20_000):
    """`count` blank rows (one empty styled cell each) from row `first`, in batches of bytes."""
    for start in range(first, first + count, batch):
        yield b"".join(
            b'<row r="%d"><c r="A%d" s="1"/></row>' % (n, n) for n in range(start, min(start + batch, first + count))
        )


# ---------------------------------------------------------------- the files


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _valid(path: Path) -> Path:
    path.write_bytes(workbook_bytes({"customers": [CUSTOMER_HEADER, CUSTOMER_ROW]}))
    return path


def build_all(folder: Path) -> dict[str, Path]:
    """Write every hostile file into `folder`; returns {name: path} (a CSV folder is a directory)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def put(name: str, content: bytes) -> None:
        path = folder / name
        path.write_bytes(content)
        files[name] = path

    valid = _valid(folder / "valid.xlsx")
    files["valid.xlsx"] = valid
    good = valid.read_bytes()
    # Broken containers
    put("truncated.xlsx", good[: len(good) // 2])
    put("not_a_zip.xlsx", os.urandom(5000))
    put("empty_file.xlsx", b"")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "no workbook in here")
    put("zip_without_workbook.xlsx", buffer.getvalue())
    damaged = bytearray(good)
    for offset in range(200, min(len(damaged), 1200), 7):  # scribble over the compressed parts
        damaged[offset] ^= 0x5A
    put("scribbled_zip.xlsx", bytes(damaged))
    # Damaged XML
    write_package(folder / "broken_sheet_xml.xlsx", customer_rows(CUSTOMER_ROW) + b"<row r='3'><c r='A3'><v>1</c>")
    files["broken_sheet_xml.xlsx"] = folder / "broken_sheet_xml.xlsx"
    write_package(folder / "broken_workbook_xml.xlsx", customer_rows(CUSTOMER_ROW), workbook=b"<workbook><sheets>")
    files["broken_workbook_xml.xlsx"] = folder / "broken_workbook_xml.xlsx"
    write_package(folder / "broken_strings_xml.xlsx", customer_rows(CUSTOMER_ROW), strings=b"<si><t>x</si>")
    files["broken_strings_xml.xlsx"] = folder / "broken_strings_xml.xlsx"
    # Huge cells
    huge = b"x" * MB

    def huge_string(megabytes: int):
        yield b"<si><t>"
        for _ in range(megabytes):
            yield huge
        yield b"</t></si>"

    write_package(
        folder / "huge_shared_cell.xlsx", customer_rows(["C1", ("shared", 0), 10, 800]), strings=huge_string(300)
    )
    files["huge_shared_cell.xlsx"] = folder / "huge_shared_cell.xlsx"

    def rich_runs(count: int):
        yield b"<si>"
        run = b"<r><t>" + b"y" * 8_000 + b"</t></r>"  # each run short: only the string is long
        for _ in range(count):
            yield run
        yield b"</si>"

    write_package(
        folder / "rich_text_bomb.xlsx", customer_rows(["C1", ("shared", 0), 10, 800]), strings=rich_runs(10_000)
    )
    files["rich_text_bomb.xlsx"] = folder / "rich_text_bomb.xlsx"

    def inline_huge():
        yield customer_rows(CUSTOMER_ROW)
        yield b'<row r="3"><c r="A3" t="inlineStr"><is><t>C2</t></is></c><c r="B3" t="inlineStr"><is><t>'
        for _ in range(50):
            yield huge
        yield b"</t></is></c></row>"

    write_package(folder / "huge_inline_cell.xlsx", inline_huge())
    files["huge_inline_cell.xlsx"] = folder / "huge_inline_cell.xlsx"
    put(
        "long_text_2001.xlsx",
        workbook_bytes(
            {
                "customers": [CUSTOMER_HEADER, ["C1", "名" * 2_001, 10, 800]],
                "work_logs": [
                    ["employee_no", "account_no", "date", "on_site", "content"],
                    ["M1", "C1", "2025-01-02", "yes", "巡" * 2_001],
                ],
            }
        ),
    )
    # Blank rows
    write_package(folder / "blank_row_bomb.xlsx", [customer_rows(CUSTOMER_ROW), *_blank_rows(3, 3_000_000)])
    files["blank_row_bomb.xlsx"] = folder / "blank_row_bomb.xlsx"
    write_package(
        folder / "blank_rows_then_data.xlsx",
        [customer_rows(CUSTOMER_ROW), *_blank_rows(3, 20_000), row_xml(20_003, ["C2", "乙", 10, 800])],
    )
    files["blank_rows_then_data.xlsx"] = folder / "blank_rows_then_data.xlsx"
    write_package(
        folder / "row_number_jump.xlsx", customer_rows(CUSTOMER_ROW) + row_xml(900_000, ["C2", "乙", 10, 800])
    )
    files["row_number_jump.xlsx"] = folder / "row_number_jump.xlsx"
    write_package(
        folder / "rows_without_numbers.xlsx",
        customer_rows(CUSTOMER_ROW).replace(b' r="1"', b"").replace(b' r="2"', b""),
    )
    files["rows_without_numbers.xlsx"] = folder / "rows_without_numbers.xlsx"
    write_package(folder / "far_column.xlsx", customer_rows(CUSTOMER_ROW + [None] * 120 + ["stray"]))
    files["far_column.xlsx"] = folder / "far_column.xlsx"
    # Formulas
    write_package(
        folder / "formulas_without_values.xlsx",
        customer_rows(["C1", ("formula", 'HYPERLINK("http://x","y")', None), 10, ("formula", "1+1", None)]),
    )
    files["formulas_without_values.xlsx"] = folder / "formulas_without_values.xlsx"
    write_package(
        folder / "formulas_with_values.xlsx",
        customer_rows(["C1", ("formula", 'CONCAT("甲","乙")', "甲乙"), 10, ("formula", "400*2", 800)]),
    )
    files["formulas_with_values.xlsx"] = folder / "formulas_with_values.xlsx"
    write_package(
        folder / "formula_text.xlsx",
        customer_rows(  # text that looks like a formula: kept as text
            ["C1", "=cmd|' /C calc'!A0", 10, 800], ["C2", "@SUM(1+1)*cmd|' /C calc'!A0", 10, 800]
        ),
    )
    files["formula_text.xlsx"] = folder / "formula_text.xlsx"
    # Dates, numbers, types
    plan = ["employee_no", "month", "submitted_on"]
    put(
        "dates_out_of_range.xlsx",
        workbook_bytes(
            {
                "managers": [["employee_no", "name"], ["M1", "甲"]],
                "monthly_plans": [
                    plan,
                    ["M1", "0000-01", "2025-01-03"],
                    ["M1", "2025-02", "0001-01-01"],
                    ["M1", "2025-03", "1900-01-01"],
                    ["M1", "2025-04", "9999-12-31"],
                    ["M1", "2101-01", dt.datetime(1999, 12, 31)],
                    ["M1", "2025-05", "2025-02-30"],
                ],
            }
        ),
    )
    write_package(
        folder / "excel_serial_dates.xlsx",
        b"".join(
            [
                row_xml(1, ["employee_no", "month", "submitted_on"]),
                row_xml(2, ["M1", ("date", 1e10), ("date", 45000)]),
                row_xml(3, ["M2", ("date", 45689), ("date", -5)]),
            ]
        ),
        title="monthly_plans",
    )
    files["excel_serial_dates.xlsx"] = folder / "excel_serial_dates.xlsx"
    put(
        "huge_numbers.xlsx",
        workbook_bytes(
            {
                "customers": [
                    CUSTOMER_HEADER,
                    ["C1", "甲", 10, 1e300, 1],
                    ["C2", "乙", 1e6, 800, -1e300],
                    ["C3", "丙", "inf", "nan", "1e309"],
                    ["C4", "丁", 10, 800, 1e12],
                ]
            }
        ),
    )
    put(
        "mixed_types.xlsx",
        workbook_bytes(
            {
                "customers": [
                    CUSTOMER_HEADER + ["star_rating", "churn_risk"],
                    ["C1", 12345, True, "八百", 1.5, 2.5, "maybe"],
                    [dt.datetime(2025, 1, 1), dt.date(2025, 1, 2), dt.datetime(2025, 1, 1), 800, None, "3", "是"],
                    [1e20, "甲", "10kV", dt.time(9, 30), "1,000", "-1", 0],
                ],
                "managers": [["employee_no", "name"], [1.0, 2], [True, dt.datetime(2025, 3, 4, 5, 6)]],
            }
        ),
    )
    put("wide_header.xlsx", workbook_bytes({"customers": [[f"col{i}" for i in range(1_000)], list(range(1_000))]}))
    put(
        "duplicate_sheets.xlsx",
        workbook_bytes(
            {"managers": [["employee_no", "name"], ["M1", "甲"]], "派驻经理": [["employee_no", "name"], ["M2", "乙"]]}
        ),
    )
    put("unknown_sheet.xlsx", workbook_bytes({"payroll": [["who", "salary"], ["M1", 1]]}))
    put("empty_workbook.xlsx", workbook_bytes({"Sheet": []}))
    put("header_only.xlsx", workbook_bytes({"customers": [CUSTOMER_HEADER], "managers": [["employee_no", "name"]]}))

    # CSV: each case a folder with <sheet>.csv
    def csv_case(case: str, sheet: str, content: bytes) -> Path:
        case_folder = folder / case
        case_folder.mkdir(exist_ok=True)
        (case_folder / f"{sheet}.csv").write_bytes(content)
        files[case] = case_folder
        return case_folder / f"{sheet}.csv"

    csv_case("csv_huge_field", "customers", _csv([CUSTOMER_HEADER, ["C1", "x" * 200_000, 10, 800]]))
    csv_case("csv_nul", "customers", _csv([CUSTOMER_HEADER]) + b"C1,\x00,10,800\n")
    csv_case("csv_unclosed_quote", "customers", _csv([CUSTOMER_HEADER]) + b'C1,"never closed,10,800\nC2,x,10,800\n')
    csv_case("csv_binary", "customers", os.urandom(20_000))
    csv_case("csv_control_chars", "managers", _csv([["employee_no", "name"], ["M1", "甲\x01乙"]]))
    blank_bomb = csv_case("csv_blank_bomb", "customers", _csv([CUSTOMER_HEADER, CUSTOMER_ROW]))
    with open(blank_bomb, "ab") as out:
        line = b",,,,\n" * 100_000
        for _ in range(30):  # 3 million blank lines, 15 MB
            out.write(line)
    csv_case("csv_gb18030", "客户", "户号,户名,电压等级kV,合同容量kVA\nC1,诸城市纺织厂,10,800\n".encode("gb18030"))
    rows_folder = folder / "csv_too_many_rows"
    rows_folder.mkdir(exist_ok=True)
    (rows_folder / "managers.csv").write_bytes(
        _csv([["employee_no", "name"], *([f"M{i}", "甲"] for i in range(1_001))])
    )
    files["csv_too_many_rows"] = rows_folder
    big_folder = folder / "csv_too_big"
    big_folder.mkdir(exist_ok=True)
    (big_folder / "managers.csv").write_bytes(_csv([["employee_no", "name"]]) + b"M1," + b"y" * (21 * MB) + b"\n")
    files["csv_too_big"] = big_folder
    empty_folder = folder / "csv_header_only"
    empty_folder.mkdir(exist_ok=True)
    (empty_folder / "managers.csv").write_bytes(_csv([["employee_no", "name"]]) + b"\n\n,,\n")
    files["csv_header_only"] = empty_folder
    return files


# ---------------------------------------------------------------- the worker

WORKER_ENV = {"DASHBOARD_IMPORT_MAX_ROWS": "1000", "DASHBOARD_IMPORT_MAX_MB": "20"}


class _PeakRss:
    """The process's peak resident memory since the last reset().

    Linux keeps it as VmHWM and lets a process reset it (/proc/self/clear_refs, "5"), so short
    spikes count too; where that is refused, a thread samples the RSS every 5 ms instead.
    (ru_maxrss would not do: it carries over through exec from the forking parent.)
    """

    def __init__(self) -> None:
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._sampled = 0
        try:
            self._reset_hwm()
            self.exact = True
        except OSError:
            self.exact = False
            threading.Thread(target=self._sample, daemon=True).start()

    @staticmethod
    def _reset_hwm() -> None:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")

    @staticmethod
    def _hwm() -> int:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024

    def _rss(self) -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * self._page

    def _sample(self) -> None:
        while True:
            self._sampled = max(self._sampled, self._rss())
            time.sleep(0.005)

    def reset(self) -> None:
        if self.exact:
            self._reset_hwm()
        else:
            self._sampled = self._rss()

    def peak(self) -> int:
        return self._hwm() if self.exact else max(self._sampled, self._rss())


def _snapshot(engine) -> dict[str, int]:
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        return {
            name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            for name in inspect(conn).get_table_names()
        }


def work(folder: Path, url: str, names: list[str]) -> None:
    """Import each file into `url` and print one JSON line for it."""
    from data_access.db import make_engine
    from data_access.importer import import_path
    from ui.problem_text import problem_text

    engine = make_engine(url)
    rss = _PeakRss()
    for name in names:
        before = _snapshot(engine)
        rss.reset()
        started = time.perf_counter()
        try:
            result = import_path(engine, folder / name)
            outcome = {
                "committed": result.committed,
                "problems": [f"{e.sheet}, {e.row}, {e.column}, {problem_text(e, 'en')}" for e in result.errors],
            }
        except BaseException as error:  # noqa: BLE001 - what the test must never see
            outcome = {"exception": f"{type(error).__name__}: {error}"[:500]}
        seconds = time.perf_counter() - started
        outcome.update(
            name=name, seconds=round(seconds, 3), peak_mb=round(rss.peak() / MB, 1), changed=_snapshot(engine) != before
        )
        print(json.dumps(outcome, ensure_ascii=False), flush=True)
    print(json.dumps({"name": "_process", "exact": rss.exact}), flush=True)


if __name__ == "__main__":
    root = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    for name, value in WORKER_ENV.items():
        os.environ.setdefault(name, value)
    folder = Path(sys.argv[1])
    work(folder, sys.argv[2], sys.argv[4:] or sorted(p.name for p in folder.iterdir()))
