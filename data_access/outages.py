"""Outage plans (program rule 18): the planned outage windows a resident manager negotiates with
the customer each month: day, hours, scope and status (planned / agreed / done / cancelled).

Written by the office for any customer, and by a manager only for a customer they are posted to
on the plan's day (their own customers; checked here, in the write path, before and after an
edit). Each save is one UnitOfWork with its audit entry; problems come as WriteProblem codes,
the contract's (required, above_max, ...) or outage_not_posted, worded in ui/words/ (ui.problem_text).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from data_access.contract import FIRST_DATE, LAST_DATE
from data_access.models import OUTAGE_STATUSES, Customer, Manager, OutagePlan, Posting
from data_access.permissions import Actor, PermissionDenied
from data_access.writes import (
    NotFound,
    SavedRow,
    StaleRow,
    UnitOfWork,
    ValidationFailed,
    WriteProblem,
    execute_write,
    is_posted,
)

TABLE = "outage_plans"
MAX_HOURS = 72
MAX_SCOPE = 200


def _problem(field: str, code: str, **params) -> WriteProblem:
    """A problem of `field`, labelled by the words key lbl_outage_<field> (ui/words/lifecycle.py)."""
    return WriteProblem(field, code, params, label=f"lbl_outage_{field}")


def _problems(
    account_no: str | None, planned_on: Any, hours: Any, scope: str | None, status: str | None
) -> list[WriteProblem]:
    problems = []
    if not account_no:
        problems.append(_problem("account_no", "required"))
    if not isinstance(planned_on, dt.date):
        problems.append(_problem("planned_on", "required"))
    elif not FIRST_DATE <= planned_on <= LAST_DATE:
        problems.append(_problem("planned_on", "out_of_range_date", first=FIRST_DATE, last=LAST_DATE, value=planned_on))
    if hours is None:
        problems.append(_problem("hours", "required"))
    elif not 0 < float(hours):
        problems.append(_problem("hours", "not_above_min", limit=0, value=f"{float(hours):g}"))
    elif float(hours) > MAX_HOURS:
        problems.append(_problem("hours", "above_max", limit=MAX_HOURS, value=f"{float(hours):g}"))
    if not (scope or "").strip():
        problems.append(_problem("scope", "required"))
    elif len(scope.strip()) > MAX_SCOPE:
        problems.append(_problem("scope", "too_long", max=MAX_SCOPE, length=len(scope.strip())))
    if status not in OUTAGE_STATUSES:
        problems.append(
            _problem(
                "status",
                "bad_choice",
                value=status,
                allowed_zh="、".join(OUTAGE_STATUSES),
                allowed_en=", ".join(OUTAGE_STATUSES),
            )
        )
    return problems


def _check_actor(uow: UnitOfWork, customer_id: int, planned_on: dt.date, account_no: str) -> None:
    """The office writes any plan; a manager only for a customer they are posted to that day."""
    actor = uow.actor
    if actor.role == "office":
        return
    if actor.role != "manager" or actor.manager_id is None:
        raise PermissionDenied("role_may_not_write", role=actor.role, table=TABLE)
    if not is_posted(uow.conn, actor.manager_id, customer_id, planned_on):
        raise ValidationFailed(
            [_problem("account_no", "outage_not_posted", account_no=account_no, day=planned_on.isoformat())], TABLE
        )


def save_outage(
    engine: Engine,
    actor: Actor,
    *,
    account_no: str,
    planned_on: dt.date,
    hours: float,
    scope: str,
    status: str = "planned",
    row_id: int | None = None,
    expected_version: int | None = None,
) -> SavedRow:
    """Add an outage plan, or change the plan `row_id` (with the version loaded)."""
    problems = _problems(account_no, planned_on, hours, scope, status)
    if problems:
        raise ValidationFailed(problems, TABLE)
    values = {"planned_on": planned_on, "hours": float(hours), "scope": scope.strip(), "status": status}
    with UnitOfWork(engine, actor) as uow:
        customer_id = uow.conn.execute(select(Customer.id).where(Customer.account_no == account_no)).scalar()
        if customer_id is None:
            raise ValidationFailed(
                [_problem("account_no", "unknown_reference", value=account_no, sheet="customers")], TABLE
            )
        _check_actor(uow, customer_id, planned_on, account_no)
        key = f"{account_no}|{planned_on.isoformat()}"
        after = {"account_no": account_no, **values}
        if row_id is None:
            result = execute_write(
                uow,
                insert(OutagePlan).values(customer_id=customer_id, entered_by=actor.username, **values),
                TABLE,
                "planned_on",
                key,
            )
            uow.audit("insert", TABLE, key, None, {**after, "version": 1})
            return SavedRow(result.inserted_primary_key[0], 1, "insert")
        stored = _stored(uow.conn, row_id)
        if stored is None:
            raise NotFound(TABLE, key)
        _check_actor(uow, stored["customer_id"], stored["planned_on"], stored["account_no"])
        if stored["version"] != expected_version:
            raise StaleRow(TABLE, key)
        statement = (
            update(OutagePlan)
            .where(OutagePlan.id == row_id, OutagePlan.version == expected_version)
            .values(customer_id=customer_id, version=OutagePlan.version + 1, **values)
        )
        if execute_write(uow, statement, TABLE, "planned_on", key).rowcount != 1:
            raise StaleRow(TABLE, key)
        before = {k: stored[k] for k in ("account_no", "planned_on", "hours", "scope", "status", "version")}
        uow.audit("update", TABLE, key, before, {**after, "version": expected_version + 1})
        return SavedRow(row_id, expected_version + 1, "update")


def _stored(conn: Connection, row_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(
                OutagePlan.customer_id,
                OutagePlan.planned_on,
                OutagePlan.hours,
                OutagePlan.scope,
                OutagePlan.status,
                OutagePlan.version,
                Customer.account_no,
            )
            .join(Customer, Customer.id == OutagePlan.customer_id)
            .where(OutagePlan.id == row_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


PLAN_COLUMNS = (
    OutagePlan.id,
    OutagePlan.version,
    Customer.account_no,
    Customer.name.label("customer"),
    OutagePlan.planned_on,
    OutagePlan.hours,
    OutagePlan.scope,
    OutagePlan.status,
    OutagePlan.entered_by,
)


def outage_plans(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    *,
    manager_id: int | None = None,
    statuses: tuple[str, ...] = OUTAGE_STATUSES,
    customer_ids=None,
) -> list[dict[str, Any]]:
    """Plans dated start..end (by day, then customer); with manager_id only those of customers the
    manager is posted to on the plan's day; customer_ids (a SELECT of ids) narrows to those customers."""
    query = (
        select(*PLAN_COLUMNS)
        .join(Customer, Customer.id == OutagePlan.customer_id)
        .where(OutagePlan.planned_on.between(start, end), OutagePlan.status.in_(statuses))
        .order_by(OutagePlan.planned_on, Customer.account_no, OutagePlan.id)
    )
    if manager_id is not None:
        posted = (
            select(Posting.id)
            .where(
                Posting.manager_id == manager_id,
                Posting.customer_id == Customer.id,
                Posting.start_date <= OutagePlan.planned_on,
                (Posting.end_date.is_(None)) | (Posting.end_date >= OutagePlan.planned_on),
            )
            .exists()
        )
        query = query.where(posted)
    if customer_ids is not None:
        query = query.where(OutagePlan.customer_id.in_(customer_ids))
    return [dict(row) for row in conn.execute(query).mappings()]


def manager_outages(conn: Connection, employee_no: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """outage_plans of the customers the manager (by employee no.) is posted to, start..end."""
    manager_id = conn.execute(select(Manager.id).where(Manager.employee_no == employee_no)).scalar()
    return [] if manager_id is None else outage_plans(conn, start, end, manager_id=manager_id)
