"""Export all contract data as a workbook in the import template's format.

Natural keys instead of ids, months as YYYY-MM, yes/no as yes/no, dates and
times as Excel dates; text that a spreadsheet would run as a formula gets a
leading ' (data_access.downloads.neutralise), which the importer takes off again;
so exporting and importing into a fresh database gives the same data. Rows are streamed from the database (yield_per) into a
write-only workbook, so memory stays bounded however large the database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from data_access.contract import CONTROL_CHARS, SHEETS, Column, Sheet, format_value
from data_access.downloads import neutralise
from data_access.importer import contract_select, key_expressions
from data_access.models import Base
from data_access.template import add_data_sheet, new_workbook

BATCH = 2000
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
Progress = Callable[[str, float], None]


def _cell(worksheet, column: Column, value: Any) -> Any:
    value = format_value(column, value)
    if isinstance(value, str):
        if CONTROL_CHARS.search(value):  # Excel cannot hold them; the importer refuses them too
            value = CONTROL_CHARS.sub("", value)
        value = neutralise(value)  # inert in a spreadsheet; the importer takes the quote off again
        if value in ERROR_CODES:  # kept as text: openpyxl would write an error value
            cell = WriteOnlyCell(worksheet, value=value)
            cell.data_type = "s"
            return cell
        return value
    if isinstance(value, float) and float(f"{value:.16g}") != value:
        # openpyxl writes 16 significant digits; keep all 17 so the import gets the same float.
        cell = WriteOnlyCell(worksheet, value=repr(value))
        cell.data_type = "n"
        return cell
    if column.type == "datetime" and value is not None:
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    return value


def _write_sheet(conn, workbook, sheet: Sheet, size: int) -> int:
    worksheet = add_data_sheet(workbook, sheet, size)
    stmt = contract_select(sheet).order_by(*key_expressions(sheet))
    count = 0
    for row in conn.execution_options(yield_per=BATCH).execute(stmt).mappings():
        worksheet.append([_cell(worksheet, column, row[column.key]) for column in sheet.columns])
        count += 1
    return count


def export_workbook(engine: Engine, path: Path | BinaryIO, progress: Progress | None = None) -> dict[str, int]:
    """Write every sheet of the contract to `path` (a file name or a binary stream).

    Returns the number of data rows per sheet.
    """
    counts: dict[str, int] = {}
    workbook = new_workbook()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # One snapshot for all sheets, so references stay consistent under concurrent edits.
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        sizes = {
            sheet.key: conn.execute(select(func.count()).select_from(Base.metadata.tables[sheet.key])).scalar()
            for sheet in SHEETS
        }
        total = sum(sizes.values()) or 1
        done = 0
        for sheet in SHEETS:
            _report(progress, f"exporting {sheet.key}", 0.95 * done / total)
            counts[sheet.key] = _write_sheet(conn, workbook, sheet, sizes[sheet.key])
            done += sizes[sheet.key]
    _report(progress, "saving", 0.95)
    workbook.save(path)
    _report(progress, "done", 1.0)
    return counts


def _report(progress: Progress | None, step: str, fraction: float) -> None:
    if progress is not None:
        progress(step, fraction)
