"""Import the contract's template: an .xlsx workbook or a folder of CSV files.

All or nothing. Everything is read and validated first; every problem is
reported as (sheet, row, column, reason) and nothing is written if there is
any. Otherwise all sheets are upserted in one transaction, in dependency order
(managers, customers, experts before the rows that refer to them): a row whose
key exists updates it (version + 1), a new key inserts it, a row identical to
the stored one is left alone (counted as unchanged, no version bump, no audit
row). Every insert and update is written to the audit trail (source "import").
Derived tables follow in the same transaction: a changed `calendar` sheet
rebuilds calendar_days (DERIVED_REBUILDS), so every KPI sees the new workdays.

Reading rules (see also data_access.contract):
- sheets (or CSV file names) are the sheet key or its Chinese label; the
  sheet "说明 Instructions" (also "说明", "Instructions") is ignored, so is a
  completely empty sheet; any other unknown sheet is an error. In a folder,
  only *.csv files are read (hidden files and other files are ignored).
- row 1 is the header (English keys or Chinese labels, optional trailing `*`);
  row 2 is skipped when it only repeats the column names (the template's label
  row, see contract.is_label_row); blank rows are skipped.
- row numbers are the spreadsheet's own (header = row 1); sheet-level
  problems (unknown sheet, unreadable file) have row 0.
- CSV files are UTF-8 (BOM allowed); files that are not valid UTF-8 are read
  as GB18030, what Chinese Excel writes by default.
- limits (data_access.limits), checked while reading, before rows are kept:
  file size, data rows per import, text length (a longer cell is kept as a
  contract.TooLong marker and reported by validation), 64 columns, and no
  more than 10,000 blank rows in a row inside a sheet. Trailing blank rows end
  a sheet: an .xlsx sheet is read only up to its last row holding a value
  (data_access.xlsx_guard finds it, and refuses parts that would take openpyxl
  too much memory, before openpyxl parses anything); a CSV file's trailing
  blank lines are dropped. Anything unreadable (a broken zip, damaged XML, a
  CSV quote never closed) becomes a problem of its sheet, never an exception.
- an import without a single data row is refused ("nothing to import", code
  "nothing_to_import"): nothing is written.

Every problem is an ImportProblem: where (sheet, row, column) and what, as a code of
ui/words/problems.py with its parameters; ui.problem_text puts it into words for the
screen and the CLI alike.

Entry points: import_path (CLI), read_uploads + validate_source +
import_source (an upload page: preview, then import), read_calendar_path
(`manage.py calendar import`: the calendar sheet alone).
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.parsers.expat import ExpatError

import openpyxl
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine

from data_access import audit, gate, xlsx_guard
from data_access.calendar import rebuild_calendar
from data_access.contract import (
    REFERENCE_FK,
    SHEETS,
    SHEETS_BY_KEY,
    Column,
    Sheet,
    TooLong,
    find_sheet,
    format_value,
    is_blank,
    is_label_row,
    is_reserved_sheet,
    validate_row,
)
from data_access.failures import DATABASE_ERRORS, classify, short_reason
from data_access.limits import MAX_BLANK_RUN, MAX_COLUMNS, MAX_TEXT_CHARS, max_file_bytes, max_rows
from data_access.models import Base
from data_access.permissions import CLI_ACTOR, Actor, check_write
from data_access.settings import load_settings

Progress = Callable[[str, float], None]

# Derived tables rebuilt, in the import's transaction, when their sheet had inserts or updates.
DERIVED_REBUILDS: dict[str, Callable[[Connection], Any]] = {"calendar": rebuild_calendar}

CHUNK = 1000  # keys per IN (...) query
PROGRESS_EVERY = 20_000  # rows between progress reports inside a sheet
WRITE_BATCH = 5_000  # rows per executemany


# ---------------------------------------------------------------- results

NOTHING_TO_IMPORT = "ipr_nothing_to_import"  # a screen tells this one apart


@dataclass
class ImportProblem:
    """Where (sheet, row from 1 with 0 for the whole sheet or file, column) and what (code, params)."""

    sheet: str
    row: int
    column: str
    code: str
    params: dict = field(default_factory=dict)


def _problem(sheet: str, row: int, column: str, code: str, **params) -> ImportProblem:
    return ImportProblem(sheet, row, column, code, params)


@dataclass
class ImportResult:
    errors: list[ImportProblem] = field(default_factory=list)
    # sheet key -> (inserted, updated); for a dry run what would be. Empty when
    # there are errors.
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # data rows read per sheet
    dry_run: bool = False
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------- reading


@dataclass
class SheetInput:
    sheet: Sheet
    name: str  # as given: sheet name or file name
    columns: list[Column | None]  # per header position; None = blank header
    rows: list[tuple[int, tuple]]  # (spreadsheet row number, cell values)
    missing: frozenset[str] = frozenset()  # required columns absent from the header


@dataclass
class Source:
    """What was read from a workbook or CSV files, before validation."""

    label: str
    sheets: list[SheetInput] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    data_rows: int = 0  # data rows kept so far, all sheets (limits.max_rows)
    full: bool = False  # the row limit was reached: nothing more is read
    reading: tuple[str, int] = ("", 0)  # the sheet and its last row read (for a sheet that breaks off)

    def rows_per_sheet(self) -> dict[str, int]:
        return {item.sheet.key: len(item.rows) for item in self.sheets}


def _column_letter(index: int) -> str:
    return openpyxl.utils.get_column_letter(index + 1)


def _read_header(sheet: Sheet, header: tuple, source: Source) -> list[Column | None]:
    columns: list[Column | None] = []
    seen: set[str] = set()
    for index, cell in enumerate(header):
        if is_blank(cell):
            columns.append(None)
            continue
        column = sheet.find_column(cell)
        if column is None:
            source.problems.append(
                _problem(sheet.key, 1, str(cell).strip()[:40], "ipr_unknown_column", letter=_column_letter(index))
            )
        elif column.key in seen:
            source.problems.append(_problem(sheet.key, 1, column.key, "ipr_column_twice"))
            column = None
        else:
            seen.add(column.key)
        columns.append(column)
    return columns


def _kept(values: tuple, width: int) -> tuple:
    """The row's cells under a header; a text longer than any column allows becomes TooLong."""
    return tuple(
        TooLong(len(cell)) if isinstance(cell, str) and len(cell) > MAX_TEXT_CHARS else cell for cell in values[:width]
    )


def _read_sheet(sheet: Sheet, name: str, rows: Iterator[tuple], source: Source) -> None:
    source.reading = (sheet.key, 0)
    header = next(rows, None)
    source.reading = (sheet.key, 1)
    if header is None or all(is_blank(cell) for cell in header):
        if any(not all(is_blank(cell) for cell in row) for row in rows):
            source.problems.append(_problem(sheet.key, 1, "", "ipr_header_row"))
        return
    columns = _read_header(sheet, header[:MAX_COLUMNS], source)
    present = {column.key for column in columns if column}
    missing = frozenset(c.key for c in sheet.columns if c.required and c.key not in present)
    for key in sorted(missing, key=sheet.column_keys.index):
        source.problems.append(_problem(sheet.key, 1, key, "ipr_required_column"))
    width = len(columns)
    headless = {i for i, cell in enumerate(header[:MAX_COLUMNS]) if is_blank(cell)}
    data: list[tuple[int, tuple]] = []
    stray_reported = False
    blank_run = 0
    limit = max_rows()
    for number, values in enumerate(rows, start=2):
        source.reading = (sheet.key, number)
        if all(is_blank(cell) for cell in values):
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                source.problems.append(_blank_run_problem(sheet, number - blank_run + 1))
                break
            continue
        blank_run = 0
        if number == 2 and is_label_row(columns, values):
            continue
        beyond = [i for i in range(MAX_COLUMNS, len(values)) if not is_blank(values[i])][:1]
        if beyond:
            source.problems.append(
                _problem(
                    sheet.key,
                    number,
                    _column_letter(beyond[0]),
                    "ipr_beyond_columns",
                    letter=_column_letter(MAX_COLUMNS - 1),
                    max=MAX_COLUMNS,
                )
            )
            break
        if not stray_reported and (headless or len(values) > width):
            stray = [i for i, cell in enumerate(values) if not is_blank(cell) and (i >= width or i in headless)]
            if stray:
                source.problems.append(_problem(sheet.key, number, _column_letter(stray[0]), "ipr_headless_value"))
                stray_reported = True
        source.data_rows += 1
        if source.data_rows > limit:
            source.problems.append(_problem(sheet.key, number, "", "ipr_too_many_rows", limit=limit))
            source.full = True
            break
        data.append((number, _kept(values, width)))
    source.sheets.append(SheetInput(sheet, name, columns, data, missing))


def _blank_run_problem(sheet: Sheet, first: int) -> ImportProblem:
    last = first + MAX_BLANK_RUN
    return _problem(sheet.key, first, "", "ipr_blank_run", max=MAX_BLANK_RUN, first=first, last=last)


def _unreadable(sheet: str, row: int, error: BaseException) -> ImportProblem:
    if isinstance(error, (zipfile.BadZipFile, zlib.error, EOFError)):
        return _problem(sheet, row, "", "ipr_bad_zip")
    if isinstance(error, (ElementTree.ParseError, ExpatError)):
        return _problem(sheet, row, "", "ipr_bad_xml", detail=str(error))
    if isinstance(error, csv.Error):
        return _problem(sheet, row, "", "ipr_bad_csv", detail=str(error))
    if isinstance(error, KeyError):
        return _problem(sheet, row, "", "ipr_missing_part", detail=str(error))
    detail = (str(error).strip().splitlines() or [""])[0][:120]
    return _problem(sheet, row, "", "ipr_unreadable", kind=type(error).__name__, detail=detail)


def _add_sheet(source: Source, name: str, rows: Callable[[], Iterator[tuple]], given: set[str]) -> None:
    """Read one sheet or CSV file called `name` into `source`."""
    if is_reserved_sheet(name):
        return
    sheet = find_sheet(name)
    if sheet is None:
        if any(not all(is_blank(cell) for cell in row) for row in rows()):
            source.problems.append(_problem(name, 0, "", "ipr_unknown_sheet"))
        return
    if sheet.key in given:
        source.problems.append(_problem(sheet.key, 0, "", "ipr_sheet_twice", name=name))
        return
    given.add(sheet.key)
    try:
        _read_sheet(sheet, name, rows(), source)
    except Exception as error:  # noqa: BLE001 - a damaged sheet raises whatever its parser raises
        row = source.reading[1] + 1 if source.reading[0] == sheet.key else 0  # the row it broke off in
        source.problems.append(_unreadable(sheet.key, row, error))


class _SheetReader(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, not measured when the workbook opens: openpyxl would parse a
    sheet without a <dimension> element to its end for that; the importer needs no size."""

    def _get_size(self) -> None:
        pass


class _WorkbookReader(ExcelReader):
    """openpyxl's reader (read-only, values only) with _SheetReader sheets; chart sheets are skipped."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                self.wb._sheets.append(_SheetReader(self.wb, sheet.name, rel.target, self.shared_strings))


def _guard_problem(sheet: str, row: int, refusal: xlsx_guard.Refusal) -> ImportProblem:
    if refusal.code == "expanded":
        return _problem(sheet, row, "", "ipr_expanded", size_mb=refusal.size_mb)
    if refusal.code == "long_row":
        return _problem(sheet, row, "", "ipr_long_row")
    return _problem(sheet, row, "", "ipr_long_text", max=MAX_TEXT_CHARS)


def read_workbook(file: Path | io.BytesIO, label: str, progress: Progress | None = None) -> Source:
    """Read an .xlsx workbook (a path or bytes in a BytesIO); see the module docstring for the limits."""
    source = Source(label)
    try:
        guard = xlsx_guard.scan(file)
        refused = [refusal for refusal in guard.refusals if not refusal.in_sheet]
        if refused:  # not in a sheet: the shared texts, styles, or the archive itself
            source.problems.append(_guard_problem(label, 0, refused[0]))
            return source
        reader = _WorkbookReader(file, read_only=True, data_only=True, keep_links=False)
        reader.read()
        workbook = reader.wb
    except Exception as error:  # noqa: BLE001 - a broken zip or damaged XML raises many kinds
        source.problems.append(_unreadable(label, 0, error))
        return source
    try:
        given: set[str] = set()
        worksheets = workbook.worksheets
        for index, worksheet in enumerate(worksheets):
            _report(progress, f"reading {worksheet.title}", index / max(len(worksheets), 1))
            part = worksheet._worksheet_path
            refusal = guard.refused(part)
            if refusal is not None:
                source.problems.append(_guard_problem(_sheet_name(worksheet.title), refusal.row, refusal))
                continue
            last = guard.last_value_row.get(part)  # None: rows without numbers, read them all
            _add_sheet(source, worksheet.title, lambda ws=worksheet, last=last: _rows_until(ws, last), given)
            if source.full:
                break
    finally:
        workbook.close()
    return source


def _rows_until(worksheet: ReadOnlyWorksheet, last: int | None) -> Iterator[tuple]:
    """The sheet's rows as value tuples, up to its last row holding a value."""
    if last == 0:
        return iter(())
    return worksheet.iter_rows(max_row=last, values_only=True)


def _sheet_name(title: str) -> str:
    sheet = find_sheet(title)
    return sheet.key if sheet else title


def _too_big(name: str, size: int) -> ImportProblem:
    limit = max_file_bytes() // (1024 * 1024)
    return _problem(name, 0, "", "ipr_too_big", size_mb=size / 1024 / 1024, limit=limit)


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_csv_files(files: Iterable[tuple[str, bytes]], label: str, progress: Progress | None = None) -> Source:
    """Read CSV files given as (file name, bytes); the name without .csv names the sheet."""
    source = Source(label)
    given: set[str] = set()
    files = list(files)
    for index, (filename, data) in enumerate(files):
        _report(progress, f"reading {filename}", index / max(len(files), 1))
        stem = Path(filename).name
        if not stem.lower().endswith(".csv"):
            source.problems.append(_problem(stem, 0, "", "ipr_not_csv_xlsx"))
            continue
        if len(data) > max_file_bytes():
            source.problems.append(_too_big(stem, len(data)))
            continue
        text = _decode(data)
        if text is None:
            source.problems.append(_problem(stem, 0, "", "ipr_not_utf8"))
            continue
        # Trailing blank lines (and empty cells) end the file; csv rejects a cell over 131,072 characters.
        text = text.rstrip(" \t\r\n,") + "\n"
        _add_sheet(source, stem[:-4], lambda text=text: iter(csv.reader(io.StringIO(text, newline=""))), given)
        if source.full:
            break
    return source


def read_path(path: Path, progress: Progress | None = None) -> Source:
    """Read an .xlsx file or a folder of <sheet>.csv files."""
    path = Path(path)
    if not path.exists():
        return Source(str(path), problems=[_problem(str(path), 0, "", "ipr_no_such_path")])
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix.lower() == ".csv"
        )
        too_big = [p for p in files if p.stat().st_size > max_file_bytes()]
        if too_big:
            return Source(str(path), problems=[_too_big(p.name, p.stat().st_size) for p in too_big])
        return read_csv_files(((p.name, p.read_bytes()) for p in files), str(path), progress)
    if path.is_file() and path.stat().st_size > max_file_bytes():
        return Source(str(path), problems=[_too_big(path.name, path.stat().st_size)])
    if path.suffix.lower() == ".csv":
        return read_csv_files([(path.name, path.read_bytes())], str(path), progress)
    if path.suffix.lower() != ".xlsx":
        return Source(str(path), problems=[_problem(path.name, 0, "", "ipr_bad_path")])
    return read_workbook(path, str(path), progress)


def read_uploads(files: dict[str, bytes], progress: Progress | None = None) -> Source:
    """Read uploaded files: one .xlsx workbook, or CSV files named <sheet>.csv."""
    too_big = [name for name, data in files.items() if len(data) > max_file_bytes()]
    if too_big:
        return Source("upload", problems=[_too_big(name, len(files[name])) for name in sorted(too_big)])
    workbooks = [name for name in files if name.lower().endswith(".xlsx")]
    if workbooks:
        if len(files) > 1:
            return Source("upload", problems=[_problem(", ".join(sorted(files)), 0, "", "ipr_upload_mix")])
        return read_workbook(io.BytesIO(files[workbooks[0]]), workbooks[0], progress)
    return read_csv_files(sorted(files.items()), "upload", progress)


# ---------------------------------------------------------------- database glue


def _table(sheet: Sheet):
    return Base.metadata.tables[sheet.key]


def contract_select(sheet: Sheet):
    """SELECT id, version and every contract column of `sheet`, references as natural keys."""
    table = _table(sheet)
    selected = [table.c.id.label("_id"), table.c.version.label("_version")]
    joined = table
    for column in sheet.columns:
        if column.references:
            parent_sheet = SHEETS_BY_KEY[column.references]
            parent = _table(parent_sheet)
            fk = table.c[REFERENCE_FK[column.references]]
            joined = joined.join(parent, fk == parent.c.id, isouter=not column.required)
            selected.append(parent.c[parent_sheet.key_columns[0]].label(column.key))
        else:
            selected.append(table.c[column.key].label(column.key))
    return select(*selected).select_from(joined)


def key_expressions(sheet: Sheet) -> list:
    """The SQL expressions of the sheet's key columns (references as natural keys)."""
    exprs = []
    for key in sheet.key_columns:
        column = sheet.column(key)
        if column.references:
            parent_sheet = SHEETS_BY_KEY[column.references]
            exprs.append(_table(parent_sheet).c[parent_sheet.key_columns[0]])
        else:
            exprs.append(_table(sheet).c[key])
    return exprs


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def lookup_ids(conn: Connection, sheet: Sheet, keys: Iterable[str]) -> dict[str, int]:
    """natural key -> id for those of `keys` that exist (a query per 1,000 keys)."""
    table = _table(sheet)
    key_column = table.c[sheet.key_columns[0]]
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(keys))):
        found.update(conn.execute(select(key_column, table.c.id).where(key_column.in_(chunk))).all())
    return found


def existing_rows(conn: Connection, sheet: Sheet, rows: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """The stored rows whose keys are among `rows`' keys, by key (contract form).

    One query per 1,000 distinct values of the first key column, narrowed by
    the range of any date or month key column.
    """
    if not rows:
        return {}
    exprs = key_expressions(sheet)
    narrowing = []
    for key, expr in zip(sheet.key_columns[1:], exprs[1:]):
        if sheet.column(key).type in ("date", "month"):
            values = [row[key] for row in rows]
            narrowing.append(expr.between(min(values), max(values)))
    stmt = contract_select(sheet)
    wanted = {sheet.row_key(row) for row in rows}
    found: dict[tuple, dict[str, Any]] = {}
    for chunk in _chunks(sorted({row[sheet.key_columns[0]] for row in rows})):
        for record in conn.execute(stmt.where(and_(exprs[0].in_(chunk), *narrowing))).mappings():
            stored = dict(record)
            key = sheet.row_key(stored)
            if key in wanted:
                found[key] = stored
    return found


# ---------------------------------------------------------------- validation


@dataclass
class _SheetPlan:
    sheet: Sheet
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # valid rows
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (stored, new)
    unchanged: int = 0
    absent: frozenset[str] = frozenset()  # the sheet's columns the file does not have
    overridden: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (key, audit record) of gate exceptions


def _report(progress: Progress | None, step: str, fraction: float) -> None:
    if progress is not None:
        progress(step, min(max(fraction, 0.0), 1.0))


def _key_text(sheet: Sheet, values: tuple) -> str:
    parts = [format_value(sheet.column(key), value) for key, value in zip(sheet.key_columns, values)]
    return "|".join("" if part is None else str(part) for part in parts)[:200]


def _validate_sheet(
    item: SheetInput, errors: list[ImportProblem], import_keys: dict[str, set], tick: Callable[[int], None]
) -> _SheetPlan:
    sheet = item.sheet
    keys = [column.key if column else None for column in item.columns]
    plan = _SheetPlan(sheet, absent=frozenset(sheet.column_keys) - set(keys))
    first_row_of_key: dict[tuple, int] = {}
    own_keys = import_keys.setdefault(sheet.key, set()) if sheet.key in REFERENCE_FK else None
    for count, (number, values) in enumerate(item.rows, start=1):
        if count % PROGRESS_EVERY == 0:
            tick(count)
        raw = {key: value for key, value in zip(keys, values) if key is not None}
        clean, problems = validate_row(sheet, raw)
        problems = [p for p in problems if not (p.code == "required" and p.column in item.missing)]
        for problem in problems:
            errors.append(ImportProblem(sheet.key, number, problem.column, problem.code, dict(problem.params)))
        key = sheet.row_key(clean)
        if own_keys is not None and not is_blank(raw.get(sheet.key_columns[0])):
            # Referenced sheets have one text key; even a bad row names it.
            own_keys.add(key[0] if key[0] is not None else str(raw[sheet.key_columns[0]]).strip())
        if any(part is None for part in key):
            continue
        if key in first_row_of_key:
            errors.append(
                _problem(
                    sheet.key,
                    number,
                    sheet.key_columns[0],
                    "ipr_duplicate_key",
                    columns=", ".join(sheet.key_columns),
                    first_row=first_row_of_key[key],
                )
            )
            continue
        first_row_of_key[key] = number
        if not problems:
            plan.rows.append((number, clean))
    return plan


def _check_references(
    conn: Connection, plans: list[_SheetPlan], errors: list[ImportProblem], import_keys: dict[str, set]
) -> None:
    """Rows naming an employee_no / account_no / expert_no found neither in the
    database nor in this import are bad rows; the rows are dropped from the plan."""
    for plan in plans:
        bad_numbers: set[int] = set()
        for column_key, parent_key in plan.sheet.references.items():
            used = {clean[column_key] for _, clean in plan.rows if clean[column_key] is not None}
            outside = used - import_keys.get(parent_key, set())
            known = set(lookup_ids(conn, SHEETS_BY_KEY[parent_key], outside)) if outside else set()
            unknown = outside - known
            if not unknown:
                continue
            for number, clean in plan.rows:
                value = clean[column_key]
                if value in unknown:
                    errors.append(
                        _problem(
                            plan.sheet.key,
                            number,
                            column_key,
                            "ipr_unknown_reference",
                            name=column_key,
                            value=value,
                            parent=parent_key,
                            parent_zh=SHEETS_BY_KEY[parent_key].zh,
                        )
                    )
                    bad_numbers.add(number)
        if bad_numbers:
            plan.rows = [(n, clean) for n, clean in plan.rows if n not in bad_numbers]


def _classify(conn: Connection, plan: _SheetPlan) -> None:
    """Split valid rows into inserts, updates (changed) and unchanged."""
    clean_rows = [clean for _, clean in plan.rows]
    stored = existing_rows(conn, plan.sheet, clean_rows)
    columns = plan.sheet.column_keys
    kept = [key for key in KEPT_WHEN_ABSENT.get(plan.sheet.key, ()) if key in plan.absent]
    for clean in clean_rows:
        old = stored.get(plan.sheet.row_key(clean))
        if old is not None:
            clean.update({key: old[key] for key in kept})
        if old is None:
            plan.inserts.append(clean)
        elif any(old[key] != clean[key] for key in columns):
            plan.updates.append((old, clean))
        else:
            plan.unchanged += 1


# Columns a file may leave out without clearing what is stored: a posting keeps the office's
# reason for a gate exception when the file has no gate_override column.
KEPT_WHEN_ABSENT: dict[str, tuple[str, ...]] = {"postings": ("gate_override",)}
# Sheets the gate counts, written inside a savepoint so the rows of the same file count.
GATE_SHEETS = ("managers", "training", "assessments")


def _gate_candidates(plan: _SheetPlan, settings: dict[str, float]) -> list[dict[str, Any]]:
    """The postings of the plan the gate applies to (new ones, or changed as gate.needed says)."""
    rows = [new for new in plan.inserts] + [new for old, new in plan.updates if gate.needed(old, new)]
    return [row for row in rows if gate.applies(row["start_date"], settings)]


def _gate_checks(
    conn: Connection, plans: list[_SheetPlan], rows: list[dict[str, Any]], settings: dict[str, float]
) -> list[gate.GateCheck]:
    """The gate check of each posting row, counting the managers, training and assessments of
    this import: they are written in a savepoint, checked, and rolled back."""
    savepoint = conn.begin_nested()
    try:
        _write(conn, [plan for plan in plans if plan.sheet.key in GATE_SHEETS], "gate-check", None, 0.0, 1.0)
        ids = lookup_ids(conn, SHEETS_BY_KEY["managers"], {row["employee_no"] for row in rows})
        pairs = [(ids.get(row["employee_no"]), row["start_date"]) for row in rows]
        checks = gate.check_many(conn, [pair for pair in pairs if pair[0] is not None], settings)
    finally:
        savepoint.rollback()
    return [checks.get(pair, gate.missing(settings)) for pair in pairs]


def _check_gate(conn: Connection, plans: list[_SheetPlan], errors: list[ImportProblem]) -> None:
    """Postings that must pass the posting gate (data_access.gate) and do not: a bad row unless
    its gate_override gives the office's reason, then kept for the audit trail."""
    plan = next((plan for plan in plans if plan.sheet.key == "postings"), None)
    if plan is None:
        return
    settings = load_settings(conn)
    rows = _gate_candidates(plan, settings)
    if not rows:
        return
    numbers = {plan.sheet.row_key(clean): number for number, clean in plan.rows}
    for row, result in zip(rows, _gate_checks(conn, plans, rows, settings)):
        if result.passed:
            continue
        params = result.params(settings, row["start_date"])
        key = plan.sheet.row_key(row)
        if row.get("gate_override"):
            plan.overridden.append((_key_text(plan.sheet, key), {"gate_override": row["gate_override"], **params}))
            continue
        errors.append(ImportProblem(plan.sheet.key, numbers[key], "gate_override", gate.PROBLEM_CODE, params))


def _problem_order(problem: ImportProblem) -> tuple[int, int]:
    sheet = SHEETS_BY_KEY.get(problem.sheet)
    return (SHEETS.index(sheet) if sheet else -1, problem.row)


def nothing_to_import(result: ImportResult) -> bool:
    """True when the import was refused only because no sheet holds a data row."""
    return bool(result.errors) and all(problem.code == NOTHING_TO_IMPORT for problem in result.errors)


def _prepare(
    conn: Connection, source: Source, progress: Progress | None, start: float = 0.0, end: float = 1.0
) -> tuple[ImportResult, list[_SheetPlan]]:
    result = ImportResult(errors=list(source.problems), rows=source.rows_per_sheet())
    if not result.errors and not any(item.rows for item in source.sheets):
        result.errors.append(_problem(source.label, 0, "", NOTHING_TO_IMPORT))
        return result, []
    inputs = sorted(source.sheets, key=lambda item: SHEETS.index(item.sheet))
    import_keys: dict[str, set] = {}
    plans = []
    total = sum(len(item.rows) for item in inputs) or 1
    done = 0
    for item in inputs:

        def tick(count: int, key: str = item.sheet.key, before: int = done) -> None:
            _report(progress, f"checking {key}", start + (end - start) * 0.8 * (before + count) / total)

        tick(0)
        plans.append(_validate_sheet(item, result.errors, import_keys, tick))
        done += len(item.rows)
    _report(progress, "checking references", start + (end - start) * 0.8)
    _check_references(conn, plans, result.errors, import_keys)
    if result.errors:
        result.errors.sort(key=_problem_order)
        return result, plans
    _report(progress, "comparing with the database", start + (end - start) * 0.9)
    for plan in plans:
        _classify(conn, plan)
    _check_gate(conn, plans, result.errors)
    if result.errors:
        result.errors.sort(key=_problem_order)
        return result, plans
    for plan in plans:
        result.counts[plan.sheet.key] = (len(plan.inserts), len(plan.updates))
        result.unchanged[plan.sheet.key] = plan.unchanged
    return result, plans


def validate_source(conn: Connection, source: Source, progress: Progress | None = None) -> ImportResult:
    """Validate everything and say what an import would do; writes nothing.

    `result.rows` has the data rows per sheet (a preview); `result.counts`
    and `result.unchanged` the would-be inserts/updates when there are no errors.
    """
    result, _ = _prepare(conn, source, progress)
    result.dry_run = True
    return result


# ---------------------------------------------------------------- writing


def _db_row(sheet: Sheet, clean: dict[str, Any], ids: dict[str, dict[str, int]]) -> dict[str, Any]:
    row = {}
    for column in sheet.columns:
        value = clean[column.key]
        if column.references:
            row[REFERENCE_FK[column.references]] = None if value is None else ids[column.references][value]
        else:
            row[column.key] = value
    return row


def _resolve_ids(conn: Connection, plan: _SheetPlan, ids: dict[str, dict[str, int]]) -> None:
    """Make sure ids[parent] knows every natural key the plan's rows refer to."""
    rows = plan.inserts + [new for _, new in plan.updates]
    for column_key, parent_key in plan.sheet.references.items():
        known = ids.setdefault(parent_key, {})
        needed = {row[column_key] for row in rows if row[column_key] is not None} - known.keys()
        if needed:
            known.update(lookup_ids(conn, SHEETS_BY_KEY[parent_key], needed))


def _contract_only(sheet: Sheet, row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in sheet.column_keys}


def _insert_batch(conn: Connection, sheet: Sheet, rows: list[dict], ids: dict, username: str) -> None:
    conn.execute(insert(_table(sheet)), [_db_row(sheet, row, ids) for row in rows])
    audit.record_many(
        conn,
        (
            audit.audit_row(username, "insert", sheet.key, _key_text(sheet, sheet.row_key(row)), None, row, "import")
            for row in rows
        ),
    )


def _update_batch(conn: Connection, sheet: Sheet, pairs: list[tuple[dict, dict]], ids: dict, username: str) -> None:
    table = _table(sheet)
    params = [
        {"_id": old["_id"], **{f"v_{name}": value for name, value in _db_row(sheet, new, ids).items()}}
        for old, new in pairs
    ]
    names = [key[2:] for key in params[0] if key != "_id"]
    stmt = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values({**{name: bindparam(f"v_{name}") for name in names}, "version": table.c.version + 1})
    )
    conn.execute(stmt, params)
    audit.record_many(
        conn,
        (
            audit.audit_row(
                username,
                "update",
                sheet.key,
                _key_text(sheet, sheet.row_key(new)),
                _contract_only(sheet, old),
                new,
                "import",
            )
            for old, new in pairs
        ),
    )


def _write(
    conn: Connection, plans: list[_SheetPlan], username: str, progress: Progress | None, start: float, end: float
) -> None:
    """Write the plans in dependency order, in batches (bounded memory, progress per batch)."""
    ids: dict[str, dict[str, int]] = {}
    total = sum(len(p.inserts) + len(p.updates) for p in plans) or 1
    done = 0
    for plan in plans:
        _resolve_ids(conn, plan, ids)
        for write, rows in ((_insert_batch, plan.inserts), (_update_batch, plan.updates)):
            for batch in _chunks(rows, WRITE_BATCH):
                _report(progress, f"writing {plan.sheet.key}", start + (end - start) * done / total)
                write(conn, plan.sheet, batch, ids, username)
                done += len(batch)
        audit.record_many(
            conn,
            (
                audit.audit_row(username, gate.AUDIT_ACTION, plan.sheet.key, key, None, record, "import")
                for key, record in plan.overridden
            ),
        )
        if (plan.inserts or plan.updates) and plan.sheet.key in DERIVED_REBUILDS:
            _report(progress, f"rebuilding from {plan.sheet.key}", start + (end - start) * done / total)
            DERIVED_REBUILDS[plan.sheet.key](conn)


def import_source(
    engine: Engine,
    source: Source,
    *,
    dry_run: bool = False,
    actor: Actor = CLI_ACTOR,
    progress: Progress | None = None,
    progress_start: float = 0.0,
) -> ImportResult:
    """Validate `source` and, when it is clean and not a dry run, write it in one transaction.

    Raises PermissionDenied unless the actor may write every sheet (the office).
    """
    for sheet in SHEETS:
        check_write(actor, sheet.key)
    middle = progress_start + (1 - progress_start) * 0.5
    try:
        with engine.begin() as conn:
            result, plans = _prepare(conn, source, progress, progress_start, middle)
            result.dry_run = dry_run
            if not result.errors and not dry_run:
                _write(conn, plans, actor.username, progress, middle, 1.0)
        result.committed = not result.errors and not dry_run
    except DATABASE_ERRORS as error:
        result = ImportResult(errors=[_database_problem(error)], rows=source.rows_per_sheet(), dry_run=dry_run)
    _report(progress, "done" if result.ok else "problems found", 1.0)
    return result


# A failing database (data_access.failures codes) and what the import says of it.
_DATABASE_CODES = {
    "busy": "ipr_db_busy",
    "read_only": "ipr_db_read_only",
    "unreachable": "ipr_db_unreachable",
    "timeout": "ipr_db_timeout",
}


def _database_problem(error: BaseException) -> ImportProblem:
    code = _DATABASE_CODES.get(classify(error))
    if code:
        return _problem("", 0, "", code)
    return _problem("", 0, "", "ipr_db_rejected", reason=short_reason(error))


def import_path(
    engine: Engine, path: Path, *, dry_run: bool = False, progress: Progress | None = None, actor: Actor = CLI_ACTOR
) -> ImportResult:
    """Import an .xlsx workbook or a folder of CSV files (see the module docstring)."""
    source = read_path(Path(path), _scaled(progress, 0.0, 0.3))
    return import_source(engine, source, dry_run=dry_run, actor=actor, progress=progress, progress_start=0.3)


def _scaled(progress: Progress | None, start: float, end: float) -> Progress | None:
    if progress is None:
        return None
    return lambda step, fraction: progress(step, start + (end - start) * fraction)


def read_calendar_path(path: Path) -> tuple[Source, list[str]]:
    """Read only the `calendar` sheet of an .xlsx workbook or a folder of CSV files; a single .csv
    file is taken as the calendar sheet whatever its name. Returns the source and the names of
    the other sheets that held data (left out, not checked)."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".csv":
        source = read_csv_files([("calendar.csv", path.read_bytes())], str(path))
    else:
        source = read_path(path)
    calendar = SHEETS_BY_KEY["calendar"]
    ignored = [item.name for item in source.sheets if item.sheet is not calendar and item.rows]
    ignored += [p.sheet for p in source.problems if p.row == 0 and p.sheet not in (calendar.key, source.label)]
    source.sheets = [item for item in source.sheets if item.sheet is calendar]
    source.problems = [p for p in source.problems if p.sheet in (calendar.key, source.label)]
    if not source.sheets and not source.problems:
        source.problems.append(_problem(calendar.key, 0, "", "ipr_no_calendar_sheet", key=calendar.key, zh=calendar.zh))
    return source, sorted(set(ignored))
