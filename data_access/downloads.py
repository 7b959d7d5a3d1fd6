"""Every CSV and Excel file the dashboard hands out, made in one place so they are all inert.

A spreadsheet runs a cell as a formula when its text starts with `=`, `+`, `-` or `@` (and some
programs after a tab or carriage return), so a customer named `=HYPERLINK(...)` would become a
live link in a download. Following OWASP's CSV-injection rule, such text gets a leading `'`
(neutralise); the importer takes exactly that apostrophe off again (restore), so an export read
back by the import gives the same data. Only text is touched: numbers stay numbers.

    csv_bytes(frame, percent=...)        UTF-8 CSV with a BOM (Excel opens the Chinese text)
    xlsx_bytes(frame, name, percent=...) one-sheet workbook named after the table

Both write missing values as "—" and the `percent` columns (fractions 0..1) as percentages: in the
CSV as text such as 33.3%, in Excel as numbers with a percent format.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import get_column_letter

from data_access.formulas import FORMULA_STARTS, neutralise, restore  # noqa: F401 - part of this module's API

MISSING = "—"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: not a single missing value
        return False


def _plain(value: Any) -> Any:
    """A value as a file cell: missing -> "—", text neutralised, numbers and dates as themselves
    (Python types, no time zone), anything else as neutralised text."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "item"):  # a numpy scalar
        return _plain(value.item())
    return neutralise(str(value))


def _column(series: pd.Series) -> list:
    """A frame column as file cells (_plain), numbers without the per-cell checks."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return [MISSING if value is None or value is pd.NA or value != value else value for value in series.tolist()]
    return [_plain(value) for value in series.tolist()]


def _headers(frame: pd.DataFrame) -> list[str]:
    return [neutralise(str(name)) for name in frame.columns]


def _table(frame: pd.DataFrame) -> list[list]:
    """The frame's columns as lists of file cells (_plain)."""
    return [_column(frame.iloc[:, index]) for index in range(frame.shape[1])]


def _csv_cell(value: Any, percent: bool) -> Any:
    if percent and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return f"{value * 100:.1f}%"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M" if (value.hour, value.minute, value.second) != (0, 0, 0) else "%Y-%m-%d")
    return value


def csv_bytes(frame: pd.DataFrame, percent: Iterable[str] = ()) -> bytes:
    """CSV in UTF-8 with a BOM and CRLF rows, every text cell neutralised, missing values "—"."""
    percent = set(percent)
    columns = _table(frame)
    for index, name in enumerate(frame.columns):
        if name in percent or any(isinstance(value, dt.datetime) for value in columns[index][:50]):
            columns[index] = [_csv_cell(value, name in percent) for value in columns[index]]
    table = pd.DataFrame(dict(enumerate(columns)), dtype=object) if columns else pd.DataFrame()
    table.columns = _headers(frame)
    # CRLF rows, as Excel writes them; a text holding a lone CR or LF is then quoted, not split.
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def sheet_name(name: str) -> str:
    """A valid Excel sheet name: no []:*?/\\ and at most 31 characters."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name).strip() or "data"
    return cleaned[:31]


def _xlsx_cell(sheet, value: Any, percent: bool) -> Any:
    if isinstance(value, str):
        if value in ERROR_CODES:  # openpyxl would write an error value
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value
    if percent and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = PERCENT_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = (
            DATETIME_FORMAT
            if isinstance(value, dt.datetime) and (value.hour, value.minute, value.second) != (0, 0, 0)
            else DATE_FORMAT
        )
        return cell
    return value


def _width(text: str) -> float:
    """Column width for a header: Chinese characters take two places."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text) + 2


def xlsx_bytes(frame: pd.DataFrame, name: str, percent: Iterable[str] = ()) -> bytes:
    """An .xlsx workbook with one sheet named after the table: text cells neutralised and stored as
    text, numbers as numbers (percent columns with a percent format), dates as dates, missing "—"."""
    percent = set(percent)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name(name))
    headers = _headers(frame)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10.0, min(_width(header), 40.0))
    sheet.append([_xlsx_cell(sheet, header, False) for header in headers])
    flags = [column in percent for column in frame.columns]
    for row in zip(*_table(frame)):
        sheet.append([_xlsx_cell(sheet, value, flag) for value, flag in zip(row, flags)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
