"""The write path for data entry: forms and bulk edits (st.data_editor).

Unit of work: every public call opens ONE transaction, checks permissions
(data_access.permissions), validates with the data contract
(data_access.contract.validate_row), resolves references from natural keys
(employee_no -> manager, account_no -> customer, expert_no -> expert),
writes, records the audit trail and commits, or rolls everything back.

Rows are exchanged in the contract's form: column keys, references as
natural keys, plus `id` and `version` (load_row / load_rows). Saving is an
upsert by the sheet's natural key (or by `id`, which lets a form change a
key): a new row is inserted when no version is expected; an existing row is
updated only when the caller passes the version it loaded (optimistic lock:
`UPDATE ... WHERE id = :id AND version = :expected`, version + 1).

Errors, each with message(lang) for "zh" / "en":
- ValidationFailed: .problems, WriteProblems naming the column (and, for bulk
  saves, the row: its 0-based position in the list given);
- PermissionDenied (data_access.permissions);
- StaleRow: someone changed the row since it was loaded;
- NotFound: the row to change does not exist (any more).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from data_access import audit, gate
from data_access.contract import (
    REFERENCE_FK,
    SHEETS_BY_KEY,
    FieldProblem,
    Sheet,
    format_value,
    validate_row,
)
from data_access.models import Base, CalendarDay, Customer, Expert, ExpertCall, Manager, Posting, WorkLog
from data_access.permissions import (
    Actor,
    PermissionDenied,
    check_posted,
    check_table,
    check_write,
)
from data_access.settings import load_settings

__all__ = [
    "NotFound",
    "PermissionDenied",
    "SavedRow",
    "StaleRow",
    "UnitOfWork",
    "ValidationFailed",
    "WRITE_ERRORS",
    "WriteError",
    "WriteProblem",
    "close_call",
    "delete_in",
    "delete_row",
    "load_row",
    "load_rows",
    "manager_logs",
    "manager_postings_on",
    "request_call",
    "respond_call",
    "save_monthly_plan",
    "save_in",
    "save_row",
    "save_rows",
    "save_work_log",
    "update_row",
]

SOURCES = ("form", "bulk")

# ---------------------------------------------------------------- errors


@dataclass
class WriteProblem(FieldProblem):
    """A FieldProblem of a write: may name the row of a bulk save and carry its own label."""

    row: int | None = None  # 0-based position in the rows given to save_rows
    label: str | None = None  # a words key ("lbl_..."), for columns that are not contract columns

    @classmethod
    def of(cls, problem: FieldProblem, row: int | None = None) -> WriteProblem:
        label = getattr(problem, "label", None)
        return cls(problem.column, problem.code, dict(problem.params), row, label)


class WriteError(Exception):
    """Base of the write path's errors: codes and parameters, put into words by ui.problem_text."""


class ValidationFailed(WriteError):
    """Bad input; nothing was written. `problems` name the column (and row)."""

    def __init__(self, problems: Iterable[FieldProblem], sheet: str | None = None, from_database: bool = False) -> None:
        self.problems: list[WriteProblem] = [p if isinstance(p, WriteProblem) else WriteProblem.of(p) for p in problems]
        self.sheet = sheet
        # True when the database refused a statement (the transaction cannot go on).
        self.from_database = from_database
        super().__init__()

    def __str__(self) -> str:
        return "; ".join(f"{p.column} {p.code} {p.params}" for p in self.problems)


class StaleRow(WriteError):
    """The row's version changed since it was loaded: someone else saved it first."""

    def __init__(self, table: str, key: str, row: int | None = None) -> None:
        self.table, self.key, self.row = table, key, row
        super().__init__()

    def __str__(self) -> str:
        return f"{self.table} {self.key!r} was changed by someone else"


class NotFound(WriteError):
    """The row to change or delete does not exist (any more)."""

    def __init__(self, table: str, key: str, row: int | None = None) -> None:
        self.table, self.key, self.row = table, key, row
        super().__init__()

    def __str__(self) -> str:
        return f"{self.table} {self.key!r} does not exist"


# What a form catches around a save (PermissionDenied lives in data_access.permissions).
WRITE_ERRORS = (WriteError, PermissionDenied)


@dataclass(frozen=True)
class SavedRow:
    id: int
    version: int
    action: str  # insert / update / unchanged


# ---------------------------------------------------------------- unit of work


class UnitOfWork:
    """One transaction: checks, writes and audit rows commit together or not at all.

    with UnitOfWork(engine, actor) as uow:
        ...uow.conn.execute(...); uow.audit(...)
    """

    def __init__(self, engine: Engine, actor: Actor, source: str = "form") -> None:
        assert source in SOURCES, source
        self.engine, self.actor, self.source = engine, actor, source
        self._audit_rows: list[dict[str, Any]] = []

    def __enter__(self) -> UnitOfWork:
        self.conn = self.engine.connect()
        self._transaction = self.conn.begin()
        if self.conn.dialect.name == "sqlite":
            # Take the write lock first: a concurrent writer then waits (busy_timeout) and
            # reads fresh data, instead of failing to upgrade a stale read snapshot.
            self.conn.exec_driver_sql("BEGIN IMMEDIATE")
        return self

    def audit(self, action: str, table: str, key: str, before: dict | None, after: dict | None) -> None:
        self._audit_rows.append(audit.audit_row(self.actor.username, action, table, key, before, after, self.source))

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None:
                audit.record_many(self.conn, self._audit_rows)
                self._transaction.commit()
            else:
                self._transaction.rollback()
        finally:
            self.conn.close()
        return False


def execute_write(
    uow: UnitOfWork, statement, table: str, key_column: str, key: str, described: dict[str, str] | None = None
):
    """Run an INSERT/UPDATE/DELETE; a constraint the database enforces becomes ValidationFailed.
    `described`: the key's words for a duplicate (key_params); default the key itself."""
    try:
        return uow.conn.execute(statement)
    except IntegrityError as error:
        detail = str(error.orig).splitlines()[0][:200]
        unique = "unique" in detail.lower() or "duplicate" in detail.lower()
        params = described or {"key": key, "described_zh": key, "described_en": key}
        problem = (
            WriteProblem(key_column, "already_exists", params)
            if unique
            else WriteProblem(key_column, "rejected", {"detail": detail})
        )
        raise ValidationFailed([problem], table, from_database=True) from error


# ---------------------------------------------------------------- sheets and rows


def get_sheet(name: str) -> Sheet:
    try:
        return SHEETS_BY_KEY[name]
    except KeyError:
        raise ValueError(f"unknown sheet {name!r}") from None


def _table(sheet: Sheet):
    return Base.metadata.tables[sheet.key]


def _db_column(sheet: Sheet, key: str) -> str:
    column = sheet.column(key)
    return REFERENCE_FK[column.references] if column.references else key


def _parent(sheet_key: str):
    parent = SHEETS_BY_KEY[sheet_key]
    return _table(parent), parent.key_columns[0]


def form_select(sheet: Sheet):
    """SELECT id, version and the contract columns of `sheet`, references as
    natural keys, plus the foreign keys themselves labelled _fk_<column>."""
    table = _table(sheet)
    selected = [table.c.id, table.c.version]
    joined = table
    for column in sheet.columns:
        if column.references:
            parent, natural = _parent(column.references)
            fk = table.c[REFERENCE_FK[column.references]]
            joined = joined.join(parent, fk == parent.c.id, isouter=not column.required)
            selected.append(parent.c[natural].label(column.key))
            selected.append(fk.label(f"_fk_{fk.name}"))
        else:
            selected.append(table.c[column.key])
    return select(*selected).select_from(joined)


@dataclass
class Stored:
    """A stored row: its form values (contract columns + id + version) and foreign keys."""

    values: dict[str, Any]
    foreign_keys: dict[str, int | None]

    @property
    def db(self) -> dict[str, Any]:
        """Form values and foreign keys together (manager_id, customer_id, ...)."""
        return {**self.values, **self.foreign_keys}

    @property
    def id(self) -> int:
        return self.values["id"]

    @property
    def version(self) -> int:
        return self.values["version"]


def _stored(conn: Connection, sheet: Sheet, condition) -> Stored | None:
    record = conn.execute(form_select(sheet).where(condition)).mappings().first()
    if record is None:
        return None
    return _split(dict(record))


def _split(record: dict[str, Any]) -> Stored:
    foreign_keys = {key[4:]: record.pop(key) for key in list(record) if key.startswith("_fk_")}
    return Stored(record, foreign_keys)


def contract_values(sheet: Sheet, values: dict[str, Any]) -> dict[str, Any]:
    return {key: values.get(key) for key in sheet.column_keys}


def key_text(sheet: Sheet, values: dict[str, Any]) -> str:
    """The natural key as the audit trail and messages show it, e.g. M001|C001|2025-03-03."""
    parts = [format_value(sheet.column(key), values.get(key)) for key in sheet.key_columns]
    return "|".join("" if part is None else str(part) for part in parts)[:200]


def key_params(sheet: Sheet, values: dict[str, Any]) -> dict[str, str]:
    """The natural key for a message: raw (key) and described with the columns' names, in both
    languages ("工号 M001、户号 C001、日期 2025-03-03")."""
    parts = [(sheet.column(key), format_value(sheet.column(key), values.get(key))) for key in sheet.key_columns]
    return {
        "key": key_text(sheet, values),
        "described_zh": "、".join(f"{column.label('zh')} {value}" for column, value in parts if value is not None),
        "described_en": ", ".join(f"{column.label('en')} {value}" for column, value in parts if value is not None),
    }


def duplicate_column(sheet: Sheet) -> str:
    """The field a duplicate key is reported on: the key's last column, the part that usually tells
    two rows apart (the date of a log, the month of a plan)."""
    return sheet.key_columns[-1]


def plain_value(value: Any) -> Any:
    """pandas / numpy cell values (NaN, NaT, <NA>, numpy scalars, Timestamps) as plain Python."""
    if value is None:
        return None
    if type(value).__module__.startswith(("pandas", "numpy")):
        import pandas as pd

        if pd.api.types.is_scalar(value) and pd.isna(value):
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
        if hasattr(value, "item"):
            return value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _plain_row(values: dict[str, Any]) -> dict[str, Any]:
    return {key: plain_value(value) for key, value in values.items()}


def _int_or_none(value: Any) -> int | None:
    value = plain_value(value)
    return None if value is None else int(value)


def _resolve_references(
    conn: Connection, sheet: Sheet, clean: dict[str, Any], problems: list[FieldProblem]
) -> dict[str, int | None]:
    """db column -> id of each reference; unknown natural keys become problems."""
    ids: dict[str, int | None] = {}
    failed = {problem.column for problem in problems}
    for column_key, parent_key in sheet.references.items():
        value = clean.get(column_key)
        fk = REFERENCE_FK[parent_key]
        if value is None or column_key in failed:
            ids[fk] = None
            continue
        parent, natural = _parent(parent_key)
        found = conn.execute(select(parent.c.id).where(parent.c[natural] == value)).scalar()
        if found is None:
            parent_sheet = SHEETS_BY_KEY[parent_key]
            problems.append(
                WriteProblem(
                    column_key,
                    "unknown_reference",
                    {
                        "value": value,
                        "sheet": parent_sheet.en,
                        "sheet_zh": parent_sheet.zh,
                    },
                )
            )
        ids[fk] = found
    return ids


def _db_values(sheet: Sheet, clean: dict[str, Any], ids: dict[str, int | None]) -> dict[str, Any]:
    row = {}
    for column in sheet.columns:
        if column.references:
            fk = REFERENCE_FK[column.references]
            row[fk] = ids[fk]
        else:
            row[column.key] = clean[column.key]
    return row


def _key_condition(sheet: Sheet, db_values: dict[str, Any]):
    table = _table(sheet)
    return and_(*(table.c[_db_column(sheet, key)] == db_values[_db_column(sheet, key)] for key in sheet.key_columns))


def _checked(
    conn: Connection, sheet: Sheet, raw: dict[str, Any], row: int | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(clean contract values, database values) of `raw`; raises ValidationFailed."""
    clean, problems = validate_row(sheet, raw)
    ids = _resolve_references(conn, sheet, clean, problems)
    if problems:
        raise ValidationFailed([WriteProblem.of(p, row) for p in problems], sheet.key)
    return clean, _db_values(sheet, clean, ids)


def is_posted(conn: Connection, manager_id: int | None, customer_id: int | None, day: dt.date) -> bool:
    """True when the manager has a posting to the customer covering `day`."""
    if manager_id is None or customer_id is None:
        return False
    query = (
        select(Posting.id)
        .where(
            Posting.manager_id == manager_id,
            Posting.customer_id == customer_id,
            Posting.start_date <= day,
            or_(Posting.end_date.is_(None), Posting.end_date >= day),
        )
        .limit(1)
    )
    return conn.execute(query).first() is not None


def _check_row_permission(uow: UnitOfWork, sheet: Sheet, new: dict[str, Any] | None, stored: Stored | None) -> None:
    """Row-level rules: a manager writes only their own rows (before and after the
    change), and work logs only for a customer they are posted to on the log's date."""
    actor = uow.actor
    for row in (stored.db if stored else None, new):
        if row is None:
            continue
        check_write(actor, sheet.key, row.get("manager_id"))
        if sheet.key == "work_logs" and actor.role == "manager":
            posted = is_posted(uow.conn, row["manager_id"], row["customer_id"], row["date"])
            check_posted(actor, posted, row.get("account_no", ""), row["date"])


# ---------------------------------------------------------------- save / delete


def save_in(
    uow: UnitOfWork, sheet: Sheet | str, values: dict[str, Any], expected_version: int | None, row: int | None = None
) -> SavedRow:
    """save_row inside an open UnitOfWork (to save several rows in one transaction)."""
    sheet = get_sheet(sheet) if isinstance(sheet, str) else sheet
    check_table(uow.actor, sheet.key)
    raw = _plain_row(values)
    row_id = _int_or_none(raw.pop("id", None))
    raw.pop("version", None)
    clean, db_values = _checked(uow.conn, sheet, raw, row)
    table = _table(sheet)
    key = key_text(sheet, clean)
    same_key = _stored(uow.conn, sheet, _key_condition(sheet, db_values))
    stored = same_key if row_id is None else _stored(uow.conn, sheet, table.c.id == row_id)
    _check_row_permission(uow, sheet, {**clean, **db_values}, stored)
    overridden = _posting_gate(uow, clean, db_values, stored, row) if sheet.key == "postings" else None
    if overridden is not None:
        uow.audit(gate.AUDIT_ACTION, sheet.key, key, None, overridden)
    first_key = duplicate_column(sheet)
    if stored is None:
        if row_id is not None or expected_version is not None:
            raise NotFound(sheet.key, key, row)
        result = execute_write(
            uow, insert(table).values(**db_values), sheet.key, first_key, key, key_params(sheet, clean)
        )
        new_id = result.inserted_primary_key[0]
        uow.audit("insert", sheet.key, key, None, {**clean, "version": 1})
        return SavedRow(new_id, 1, "insert")
    if expected_version is None or same_key is not None and same_key.id != stored.id:
        # A new row whose key is taken, or an edit that would take another row's key.
        raise ValidationFailed([WriteProblem(first_key, "already_exists", key_params(sheet, clean), row)], sheet.key)
    before = contract_values(sheet, stored.values)
    if before == clean:
        return SavedRow(stored.id, stored.version, "unchanged")
    if stored.version != expected_version:
        raise StaleRow(sheet.key, key, row)
    _update_guarded(uow, sheet.key, table, stored.id, expected_version, db_values, first_key, key, row)
    uow.audit(
        "update", sheet.key, key, {**before, "version": stored.version}, {**clean, "version": expected_version + 1}
    )
    return SavedRow(stored.id, expected_version + 1, "update")


def _posting_gate(
    uow: UnitOfWork, clean: dict[str, Any], db_values: dict[str, Any], stored: Stored | None, row: int | None
) -> dict[str, Any] | None:
    """Apply the posting gate (data_access.gate) to a posting about to be saved.

    Raises ValidationFailed (code posting_gate, on the gate_override field) when the gate applies,
    the manager does not meet it and no override reason is given. Returns the audit record of
    an accepted exception (the reason and what fell short), None when nothing is to be audited.
    """
    if not gate.needed(stored.values if stored else None, clean):
        return None
    settings = load_settings(uow.conn)
    if not gate.applies(clean["start_date"], settings):
        return None
    result = gate.check(uow.conn, db_values["manager_id"], clean["start_date"], settings)
    if result.passed:
        return None
    params = result.params(settings, clean["start_date"])
    if not clean.get("gate_override"):
        raise ValidationFailed([WriteProblem("gate_override", gate.PROBLEM_CODE, params, row)], "postings")
    return {"gate_override": clean["gate_override"], **params}


def _update_guarded(
    uow: UnitOfWork,
    table_name: str,
    table,
    row_id: int,
    expected_version: int,
    values: dict[str, Any],
    key_column: str,
    key: str,
    row: int | None = None,
) -> None:
    """UPDATE ... SET ..., version = version + 1 WHERE id = :id AND version = :expected."""
    statement = (
        update(table)
        .where(table.c.id == row_id, table.c.version == expected_version)
        .values(**values, version=table.c.version + 1)
    )
    if execute_write(uow, statement, table_name, key_column, key).rowcount != 1:
        raise StaleRow(table_name, key, row)


def save_row(
    engine: Engine, actor: Actor, sheet: str, values: dict[str, Any], expected_version: int | None = None
) -> SavedRow:
    """Insert or update one row of a contract sheet (see the module doc).

    `values` maps the sheet's column keys to what the form holds; it may carry
    `id` (update that row, even if its natural key changes). Insert when the key
    is new and expected_version is None; update when it exists and
    expected_version is the version loaded.
    """
    with UnitOfWork(engine, actor) as uow:
        return save_in(uow, get_sheet(sheet), values, expected_version)


def save_rows(
    engine: Engine, actor: Actor, sheet: str, rows: list[dict[str, Any]], deleted: Iterable[dict[str, Any]] = ()
) -> list[SavedRow]:
    """Save the rows of a bulk edit (st.data_editor) in one transaction, all or nothing.

    Each row carries its loaded `version` (blank for a new row) and may carry
    `id`. `deleted` lists rows to delete: each an `id` or natural key plus
    `version`; they are deleted first (so a deleted key may be added again).
    Validation problems of all rows are collected and raised together (each
    WriteProblem has .row); StaleRow / NotFound / PermissionDenied stop at the
    first row (with .row). For deletions .row is the position in `deleted`.
    Unchanged rows are left alone.
    """
    contract_sheet = get_sheet(sheet)
    with UnitOfWork(engine, actor, "bulk") as uow:
        for index, key in enumerate(deleted):
            key = dict(key)
            delete_in(uow, contract_sheet, key, _int_or_none(key.pop("version", None)), index)
        saved: list[SavedRow] = []
        problems: list[WriteProblem] = []
        for index, values in enumerate(rows):
            values = dict(values)
            expected = _int_or_none(values.pop("version", None))
            try:
                saved.append(save_in(uow, contract_sheet, values, expected, index))
            except ValidationFailed as failed:
                if failed.from_database:
                    for problem in failed.problems:
                        problem.row = index
                    raise ValidationFailed(problems + failed.problems, sheet, True) from failed
                problems.extend(failed.problems)
        if problems:
            raise ValidationFailed(problems, sheet)
        return saved


def update_row(
    engine: Engine, actor: Actor, sheet: str, key: dict[str, Any], changes: dict[str, Any], expected_version: int
) -> SavedRow:
    """Change some columns of an existing row (found by `id` or natural key)."""
    with UnitOfWork(engine, actor) as uow:
        return _change(uow, get_sheet(sheet), key, changes, expected_version)


def _change(
    uow: UnitOfWork, sheet: Sheet, key: dict[str, Any], changes: dict[str, Any], expected_version: int
) -> SavedRow:
    stored = _locate(uow.conn, sheet, key)
    if stored is None:
        raise NotFound(sheet.key, _key_of(sheet, key))
    merged = {**contract_values(sheet, stored.values), **changes, "id": stored.id}
    return save_in(uow, sheet, merged, expected_version)


def delete_row(engine: Engine, actor: Actor, sheet: str, key: dict[str, Any], expected_version: int) -> None:
    """Delete one row (by `id` or natural key) if it still has `expected_version`.

    Refused while other rows refer to it (e.g. a customer with work logs).
    """
    with UnitOfWork(engine, actor) as uow:
        delete_in(uow, get_sheet(sheet), dict(key), expected_version)


def delete_in(
    uow: UnitOfWork, sheet: Sheet | str, key: dict[str, Any], expected_version: int | None, row: int | None = None
) -> None:
    """delete_row inside an open UnitOfWork."""
    sheet = get_sheet(sheet) if isinstance(sheet, str) else sheet
    check_table(uow.actor, sheet.key)
    stored = _locate(uow.conn, sheet, key)
    if stored is None:
        raise NotFound(sheet.key, _key_of(sheet, key), row)
    _check_row_permission(uow, sheet, None, stored)
    before = contract_values(sheet, stored.values)
    text = key_text(sheet, before)
    first_key = sheet.key_columns[0]
    problems = [
        WriteProblem(first_key, "still_referenced", {"count": count, "table": table}, row)
        for table, count in dependents(uow.conn, sheet.key, stored.id)
    ]
    if problems:
        raise ValidationFailed(problems, sheet.key)
    if expected_version is None or stored.version != expected_version:
        raise StaleRow(sheet.key, text, row)
    table = _table(sheet)
    statement = delete(table).where(table.c.id == stored.id, table.c.version == expected_version)
    if execute_write(uow, statement, sheet.key, first_key, text).rowcount != 1:
        raise StaleRow(sheet.key, text, row)
    uow.audit("delete", sheet.key, text, {**before, "version": stored.version}, None)


def dependents(conn: Connection, table_name: str, row_id: int) -> list[tuple[str, int]]:
    """(table, count) of rows whose foreign keys point at this row."""
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == table_name and fk.parent.table is table:
                count = conn.execute(select(func.count()).select_from(table).where(fk.parent == row_id)).scalar()
                if count:
                    found.append((table.name, int(count)))
    return found


# ---------------------------------------------------------------- reading for forms


def _key_of(sheet: Sheet, key: dict[str, Any]) -> str:
    if "id" in key:
        return f"id {key['id']}"
    return "|".join(str(plain_value(key.get(k)) or "") for k in sheet.key_columns)


def _locate(conn: Connection, sheet: Sheet, key: dict[str, Any]) -> Stored | None:
    """The stored row named by {"id": ...} or by the natural key's columns (form values)."""
    key = _plain_row(key)
    if key.get("id") is not None:
        return _stored(conn, sheet, _table(sheet).c.id == int(key["id"]))
    raw = {k: key.get(k) for k in sheet.key_columns}
    clean, problems = validate_row(sheet, raw)
    problems = [p for p in problems if p.column in sheet.key_columns]
    if problems:
        raise ValidationFailed(problems, sheet.key)
    ids = _resolve_references(conn, sheet, clean, problems)
    if problems:  # an unknown employee_no etc.: no such row
        return None
    db_values = {**{k: clean[k] for k in sheet.key_columns}, **ids}
    return _stored(conn, sheet, _key_condition(sheet, db_values))


def load_row(conn: Connection, sheet: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """The row as a form shows it (contract columns, natural keys, id, version), or None.

    `key` is {"id": ...} or the natural key, e.g. {"account_no": "C001"}.
    """
    stored = _locate(conn, get_sheet(sheet), key)
    return None if stored is None else stored.values


def load_rows(
    conn: Connection, sheet: str, where: dict[str, Any] | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Rows of a sheet in form shape (for st.data_editor), ordered by natural key.

    `where` filters by equality on contract columns, e.g. {"employee_no": "M001"}.
    """
    contract_sheet = get_sheet(sheet)
    query = form_select(contract_sheet)
    columns = query.selected_columns
    for column_key, value in (where or {}).items():
        query = query.where(columns[column_key] == value)
    query = query.order_by(*(columns[key] for key in contract_sheet.key_columns))
    if limit is not None:
        query = query.limit(limit)
    return [_split(dict(record)).values for record in conn.execute(query).mappings()]


def manager_postings_on(conn: Connection, manager_id: int, day: dt.date) -> list[tuple[str, str]]:
    """(account_no, name) of the customers the manager is posted to on `day`."""
    query = (
        select(Customer.account_no, Customer.name)
        .join(Posting, Posting.customer_id == Customer.id)
        .where(
            Posting.manager_id == manager_id,
            Posting.start_date <= day,
            or_(Posting.end_date.is_(None), Posting.end_date >= day),
        )
        .distinct()
        .order_by(Customer.account_no)
    )
    return [tuple(row) for row in conn.execute(query)]


def days_without_log(conn: Connection, manager_id: int, start: dt.date, end: dt.date) -> list[dt.date]:
    """The workdays in [start, end] on which the manager is posted and has no work log, newest
    first (the days log completeness counts as missed)."""
    posted = exists().where(
        Posting.manager_id == manager_id,
        Posting.start_date <= CalendarDay.date,
        or_(Posting.end_date.is_(None), Posting.end_date >= CalendarDay.date),
    )
    logged = exists().where(WorkLog.manager_id == manager_id, WorkLog.date == CalendarDay.date)
    query = (
        select(CalendarDay.date)
        .where(CalendarDay.date.between(start, end), CalendarDay.is_workday.is_(True), posted, ~logged)
        .order_by(CalendarDay.date.desc())
    )
    return list(conn.execute(query).scalars())


def manager_log_on(conn: Connection, manager_id: int, account_no: str, day: dt.date) -> dict[str, Any] | None:
    """The manager's log for one customer and day, in form shape (with id and version), or None."""
    sheet = get_sheet("work_logs")
    query = form_select(sheet).where(
        WorkLog.manager_id == manager_id, Customer.account_no == account_no, WorkLog.date == day
    )
    record = conn.execute(query).mappings().first()
    return None if record is None else _split(dict(record)).values


def manager_logs(conn: Connection, manager_id: int, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """A manager's work logs dated in [start, end], newest first, in form shape."""
    sheet = get_sheet("work_logs")
    query = (
        form_select(sheet)
        .where(WorkLog.manager_id == manager_id, WorkLog.date.between(start, end))
        .order_by(WorkLog.date.desc(), Customer.account_no)
    )
    return [_split(dict(record)).values for record in conn.execute(query).mappings()]


# ---------------------------------------------------------------- manager forms


def _actor_employee_no(conn: Connection, actor: Actor) -> str | None:
    if actor.manager_id is None:
        return None
    return conn.execute(select(Manager.employee_no).where(Manager.id == actor.manager_id)).scalar()


def save_work_log(
    engine: Engine,
    actor: Actor,
    *,
    account_no: str,
    date: dt.date,
    on_site: bool,
    content: str,
    hours: float | None = None,
    problems: str | None = None,
    measures: str | None = None,
    status: str | None = None,
    employee_no: str | None = None,
    row_id: int | None = None,
    expected_version: int | None = None,
) -> SavedRow:
    """Save a work log: a manager only their own, only for a customer they are posted to that day.

    employee_no defaults to the actor's own. row_id edits that log (date or
    customer may change); otherwise the log is found by (employee_no, account_no, date).
    """
    with UnitOfWork(engine, actor) as uow:
        check_table(actor, "work_logs")
        values = {
            "employee_no": employee_no or _actor_employee_no(uow.conn, actor),
            "account_no": account_no,
            "date": date,
            "on_site": on_site,
            "hours": hours,
            "content": content,
            "problems": problems,
            "measures": measures,
            "status": status,
        }
        if row_id is not None:
            values["id"] = row_id
        # Read before the write: after a refused INSERT, PostgreSQL reads nothing more in this transaction.
        name = uow.conn.execute(select(Customer.name).where(Customer.account_no == account_no)).scalar()
        try:
            return save_in(uow, get_sheet("work_logs"), values, expected_version)
        except ValidationFailed as failed:
            if [problem.code for problem in failed.problems] != ["already_exists"]:
                raise
            raise ValidationFailed(
                [WriteProblem("date", "log_exists", {"day": str(date), "customer": name or account_no})], "work_logs"
            ) from None


def save_monthly_plan(
    engine: Engine,
    actor: Actor,
    *,
    month: dt.date | str,
    content: str | None,
    employee_no: str | None = None,
    submitted_on: dt.date | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> SavedRow:
    """Save a monthly plan. A manager's plan is submitted today; editing it keeps the
    first submission date (the plan KPI counts that). The office may set submitted_on."""
    today = today or dt.date.today()
    sheet = get_sheet("monthly_plans")
    with UnitOfWork(engine, actor) as uow:
        check_table(actor, sheet.key)
        values = {
            "employee_no": employee_no or _actor_employee_no(uow.conn, actor),
            "month": month,
            "content": content,
            "submitted_on": submitted_on or today,
        }
        if actor.role == "manager":
            stored = _locate(uow.conn, sheet, values)
            values["submitted_on"] = stored.values["submitted_on"] if stored else today
        return save_in(uow, sheet, values, expected_version)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(second=0, microsecond=0)


# PostgreSQL advisory-lock family of the expert-call numbers (the second key is the day, yyyymmdd).
CALL_NUMBER_LOCK = 4_301


def _lock_call_numbers(conn: Connection, requested_at: dt.datetime) -> None:
    """Hold the day's call numbers until this transaction ends, so two requests never take the
    same "next" number. On PostgreSQL a transaction-scoped advisory lock (the next request waits,
    then reads the committed number); SQLite's UnitOfWork already holds the write lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:family AS integer), CAST(:day AS integer))"),
            {"family": CALL_NUMBER_LOCK, "day": int(f"{requested_at:%Y%m%d}")},
        )


def _next_call_no(conn: Connection, requested_at: dt.datetime) -> str:
    """EC<yyyymmdd>-<n>: the next free number of the request's day (call with the day locked)."""
    prefix = f"EC{requested_at:%Y%m%d}-"
    taken = conn.execute(select(ExpertCall.call_no).where(ExpertCall.call_no.like(f"{prefix}%"))).scalars()
    numbers = [int(no[len(prefix) :]) for no in taken if no[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def request_call(
    engine: Engine,
    actor: Actor,
    *,
    expert_no: str,
    mode: str,
    requested_at: dt.datetime | None = None,
    account_no: str | None = None,
    employee_no: str | None = None,
    summary: str | None = None,
    call_no: str | None = None,
) -> SavedRow:
    """Request an expert (step 1 of a call). A manager requests for themselves;
    call_no defaults to the next EC<yyyymmdd>-<n>."""
    requested_at = requested_at or _now()
    sheet = get_sheet("expert_calls")
    with UnitOfWork(engine, actor) as uow:
        check_table(actor, sheet.key)
        active = uow.conn.execute(select(Expert.active).where(Expert.expert_no == expert_no)).scalar()
        if active is False:
            raise ValidationFailed([WriteProblem("expert_no", "inactive_expert", {"value": expert_no})], sheet.key)
        if not call_no:
            _lock_call_numbers(uow.conn, requested_at)
        values = {
            "call_no": call_no or _next_call_no(uow.conn, requested_at),
            "expert_no": expert_no,
            "employee_no": employee_no or _actor_employee_no(uow.conn, actor),
            "account_no": account_no,
            "mode": mode,
            "requested_at": requested_at,
            "summary": summary,
        }
        return save_in(uow, sheet, values, None)


def _call_step(
    engine: Engine, actor: Actor, call_no: str, column: str, changes: dict[str, Any], expected_version: int
) -> SavedRow:
    sheet = get_sheet("expert_calls")
    with UnitOfWork(engine, actor) as uow:
        check_table(actor, sheet.key)
        stored = _locate(uow.conn, sheet, {"call_no": call_no})
        if stored is None:
            raise NotFound(sheet.key, call_no)
        if stored.values[column] is not None:
            shown = format_value(sheet.column(column), stored.values[column])
            raise ValidationFailed([WriteProblem(column, "already_set", {"value": shown})], sheet.key)
        return _change(uow, sheet, {"id": stored.id}, changes, expected_version)


def respond_call(
    engine: Engine, actor: Actor, call_no: str, *, expected_version: int, responded_at: dt.datetime | None = None
) -> SavedRow:
    """Record when the expert responded (step 2); not before the request."""
    changes = {"responded_at": responded_at or _now()}
    return _call_step(engine, actor, call_no, "responded_at", changes, expected_version)


def close_call(
    engine: Engine,
    actor: Actor,
    call_no: str,
    *,
    expected_version: int,
    closed_at: dt.datetime | None = None,
    hours: float | None = None,
    summary: str | None = None,
) -> SavedRow:
    """Close the call (step 3) with the hours spent and what was done; not before the request."""
    changes: dict[str, Any] = {"closed_at": closed_at or _now()}
    if hours is not None:
        changes["hours"] = hours
    if summary is not None:
        changes["summary"] = summary
    return _call_step(engine, actor, call_no, "closed_at", changes, expected_version)
