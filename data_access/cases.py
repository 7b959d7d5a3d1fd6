"""Needs cases: each needs finding (customer, rule) followed to a result.

A case moves new → confirmed (the resident manager visited and confirmed it) or dismissed (with a
reason) → proposed (what: an increase application, a tariff-mode change or a trading arrangement)
→ done (with its realised result) or declined. ALLOWED says which moves exist; `advance` refuses
any other, and a move without the fields its new state needs, with the write path's errors
(ValidationFailed whose problems carry a code per field, PermissionDenied, StaleRow, NotFound).

Who: the office moves every case; a manager the cases of customers they are posted to on the day
of the move; leadership none (they read).

Opening: `record_findings` takes one month's findings (metrics.cases.month_findings) and opens a
case for each (customer, rule) without an open case, or adds the month to the open one: a finding
that recurs joins its case, never a second one (the partial unique index uq_need_cases_open holds
that in the database too). Running it twice for a month changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from data_access.models import (
    CASE_STATUSES,
    OPEN_CASE_STATUSES,
    PROPOSALS,
    Application,
    Customer,
    Manager,
    NeedCase,
    NeedCaseMonth,
    Posting,
)
from data_access.permissions import Actor, PermissionDenied
from data_access.writes import NotFound, StaleRow, UnitOfWork, ValidationFailed, WriteProblem

# The moves a case may make, from each state; the states without moves are closed.
ALLOWED: dict[str, tuple[str, ...]] = {
    "new": ("confirmed", "dismissed"),
    "confirmed": ("proposed", "dismissed"),
    "proposed": ("done", "declined"),
}
CLOSED_STATUSES = tuple(status for status in CASE_STATUSES if status not in OPEN_CASE_STATUSES)
# The date column each state sets.
DATE_OF = {
    "confirmed": "confirmed_on",
    "dismissed": "dismissed_on",
    "proposed": "proposed_on",
    "done": "closed_on",
    "declined": "closed_on",
}
# The result a done case must carry, per proposal.
RESULT_OF = {"increase": "application_no", "tariff_mode": "yuan_saved_per_year", "trading": "kwh_traded"}
MAX_NOTE = 2000

# The codes below are put into words by ui.problem_text (ui/words/cases.py: pr_<code>, lbl_cs_<field>).
STATUS_CODES = CASE_STATUSES


def _problem(field: str, code: str, **params) -> WriteProblem:
    return WriteProblem(field, code, params, label=f"lbl_cs_{field}")


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value)


# ---------------------------------------------------------------- who may move a case


def posted_on(conn: Connection, manager_id: int, customer_id: int, day: dt.date) -> bool:
    """Whether the manager is posted to the customer on `day`."""
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


def check_case_write(conn: Connection, actor: Actor, customer_id: int, day: dt.date) -> None:
    """The office moves every case, a manager those of their customers (posted on `day`), nobody else."""
    if actor.role == "office":
        return
    if actor.role == "manager" and actor.manager_id is not None and posted_on(conn, actor.manager_id, customer_id, day):
        return
    raise PermissionDenied("case_not_yours", username=actor.username)


# ---------------------------------------------------------------- opening from the findings


def record_findings(
    engine: Engine, actor: Actor, month: dt.date, findings: Iterable[tuple[int, str]], on: dt.date
) -> dict[str, int]:
    """Open a case per (customer_id, rule) found in `month` (its first day), or join the open one.

    Returns {"opened": n, "joined": n, "unchanged": n}: unchanged = the month was already recorded.
    Only the office (and the CLI) opens cases.
    """
    if actor.role != "office":
        raise PermissionDenied("case_open_office_only", username=actor.username)
    counts = {"opened": 0, "joined": 0, "unchanged": 0}
    with UnitOfWork(engine, actor) as uow:
        open_cases = dict(
            ((customer, rule), (case_id, last))
            for case_id, customer, rule, last in uow.conn.execute(
                select(NeedCase.id, NeedCase.customer_id, NeedCase.rule, NeedCase.last_month).where(
                    NeedCase.status.in_(OPEN_CASE_STATUSES)
                )
            )
        )
        for customer_id, rule in sorted(set(findings)):
            found = open_cases.get((customer_id, rule))
            if found is None:
                case_id = _open_case(uow, customer_id, rule, month, on)
                open_cases[(customer_id, rule)] = (case_id, month)
                counts["opened"] += 1
            elif _join(uow, *found, month):
                counts["joined"] += 1
            else:
                counts["unchanged"] += 1
    return counts


def _open_case(uow: UnitOfWork, customer_id: int, rule: str, month: dt.date, on: dt.date) -> int:
    row = {
        "customer_id": customer_id,
        "rule": rule,
        "first_month": month,
        "last_month": month,
        "status": "new",
        "opened_on": on,
        "updated_by": uow.actor.username,
    }
    case_id = uow.conn.execute(insert(NeedCase).values(**row)).inserted_primary_key[0]
    uow.conn.execute(insert(NeedCaseMonth).values(case_id=case_id, month=month))
    uow.audit("insert", "need_cases", str(case_id), None, row)
    return case_id


def _join(uow: UnitOfWork, case_id: int, last_month: dt.date, month: dt.date) -> bool:
    """Add `month` to the open case; False when it was recorded already."""
    known = uow.conn.execute(
        select(NeedCaseMonth.id).where(NeedCaseMonth.case_id == case_id, NeedCaseMonth.month == month)
    ).first()
    if known is not None:
        return False
    uow.conn.execute(insert(NeedCaseMonth).values(case_id=case_id, month=month))
    if month > last_month:
        uow.conn.execute(
            update(NeedCase).where(NeedCase.id == case_id).values(last_month=month, version=NeedCase.version + 1)
        )
    uow.audit("update", "need_cases", str(case_id), {"last_month": last_month}, {"found_again": month})
    return True


# ---------------------------------------------------------------- moving a case


def advance(
    engine: Engine,
    actor: Actor,
    case_id: int,
    version: int,
    to: str,
    on: dt.date | None,
    *,
    reason: str | None = None,
    proposal: str | None = None,
    application_no: str | None = None,
    yuan_saved_per_year: float | None = None,
    kwh_traded: float | None = None,
    note: str | None = None,
    today: dt.date | None = None,
) -> None:
    """Move case `case_id` (as loaded at `version`) to state `to` on day `on`, with the fields that
    state needs: dismissed a reason; proposed a proposal (PROPOSALS); done the result its proposal
    asks for (RESULT_OF: an application of the same customer, yuan per year, or kWh); declined a note.
    Optional results of other kinds are kept too. Every move may carry a note."""
    with UnitOfWork(engine, actor) as uow:
        case = uow.conn.execute(select(NeedCase).where(NeedCase.id == case_id)).mappings().first()
        if case is None:
            raise NotFound("need_cases", str(case_id))
        day = on if isinstance(on, dt.date) else None
        check_case_write(uow.conn, actor, case["customer_id"], day or (today or dt.date.today()))
        values = _move(
            uow.conn,
            dict(case),
            to,
            day,
            reason=reason,
            proposal=proposal,
            application_no=application_no,
            yuan=yuan_saved_per_year,
            kwh=kwh_traded,
            note=note,
            today=today or dt.date.today(),
            username=actor.username,
        )
        changed = uow.conn.execute(
            update(NeedCase)
            .where(NeedCase.id == case_id, NeedCase.version == version)
            .values(**values, version=NeedCase.version + 1)
        ).rowcount
        if changed != 1:
            raise StaleRow("need_cases", str(case_id))
        before = {key: case[key] for key in values}
        uow.audit("update", "need_cases", str(case_id), before, values)


def _move(
    conn: Connection,
    case: dict,
    to: str,
    day: dt.date | None,
    *,
    reason,
    proposal,
    application_no,
    yuan,
    kwh,
    note,
    today: dt.date,
    username: str,
) -> dict:
    """The column values of the move, or ValidationFailed with every problem found."""
    status = case["status"]
    if to not in ALLOWED.get(status, ()):
        raise ValidationFailed([_problem("status", "case_bad_transition", status=status, to=to)], "need_cases")
    problems = _date_problems(case, day, today)
    values: dict = {"status": to, DATE_OF[to]: day, "updated_by": username}
    reason, note = _text(reason), _text(note)
    for field, text in (("reason", reason), ("note", note)):
        if len(text) > MAX_NOTE:
            problems.append(_problem(field, "too_long", max=MAX_NOTE, length=len(text)))
    if to == "dismissed":
        if not reason:
            problems.append(_problem("reason", "required"))
        values["dismiss_reason"] = reason
    if to == "proposed":
        if not proposal:
            problems.append(_problem("proposal", "required"))
        elif proposal not in PROPOSALS:
            problems.append(_problem("proposal", "case_unknown_choice", choices=", ".join(PROPOSALS)))
        values["proposal"] = proposal
    if to == "declined" and not note:
        problems.append(_problem("note", "required"))
    if to == "done":
        problems += _result(conn, case, values, application_no, yuan, kwh)
    if problems:
        raise ValidationFailed(problems, "need_cases")
    if note or reason:
        line = f"{day.isoformat() if day else ''} {username} [{to}] {note or reason}"
        values["notes"] = f"{case['notes']}\n{line}" if case.get("notes") else line
    return values


def _date_problems(case: dict, day: dt.date | None, today: dt.date) -> list[WriteProblem]:
    if day is None:
        return [_problem("on", "required")]
    previous = max(d for d in (case["opened_on"], case["confirmed_on"], case["proposed_on"]) if d is not None)
    if day < previous:
        return [_problem("on", "case_before_previous", previous=previous.isoformat())]
    if day > today:
        return [_problem("on", "case_after_today", today=today.isoformat())]
    return []


def _number(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return float(value)


def _result(conn: Connection, case: dict, values: dict, application_no, yuan, kwh) -> list[WriteProblem]:
    """The realised result of a done case into `values`; problems where it is missing or wrong."""
    problems = []
    given = {
        "application_no": _text(application_no) or None,
        "yuan_saved_per_year": _number(yuan),
        "kwh_traded": _number(kwh),
    }
    needed = RESULT_OF[case["proposal"]]
    if given[needed] is None:
        problems.append(_problem(needed, "required"))
    for field in ("yuan_saved_per_year", "kwh_traded"):
        if given[field] is not None and given[field] <= 0:
            problems.append(_problem(field, "case_not_positive"))
        values[field] = given[field]
    if given["application_no"] is not None:
        app = conn.execute(
            select(Application.id, Application.customer_id).where(Application.app_no == given["application_no"])
        ).first()
        if app is None:
            problems.append(_problem("application_no", "case_unknown_application", value=given["application_no"]))
        elif app.customer_id != case["customer_id"]:
            problems.append(_problem("application_no", "case_other_customer", value=given["application_no"]))
        else:
            values["application_id"] = app.id
    return problems


# ---------------------------------------------------------------- reads

CASE_COLUMNS = [
    "id",
    "version",
    "account_no",
    "name",
    "rule",
    "status",
    "first_month",
    "last_month",
    "months_found",
    "opened_on",
    "confirmed_on",
    "dismissed_on",
    "dismiss_reason",
    "proposed_on",
    "proposal",
    "closed_on",
    "app_no",
    "yuan_saved_per_year",
    "kwh_traded",
    "notes",
    "managers",
]


def list_cases(
    conn: Connection,
    as_of: dt.date,
    *,
    open_only: bool = False,
    manager_id: int | None = None,
    customer_ids=None,
    limit: int = 500,
) -> pd.DataFrame:
    """Cases with their customer, months found, result and the manager posted on `as_of`; open ones
    first, oldest first. manager_id: only the customers that manager is posted to on `as_of`."""
    months = (
        select(NeedCaseMonth.case_id, func.count().label("months_found")).group_by(NeedCaseMonth.case_id).subquery()
    )
    manager = (
        select(func.min(Manager.name))
        .join(Posting, Posting.manager_id == Manager.id)
        .where(
            Posting.customer_id == NeedCase.customer_id,
            Posting.start_date <= as_of,
            or_(Posting.end_date.is_(None), Posting.end_date >= as_of),
        )
        .correlate(NeedCase)
        .scalar_subquery()
    )
    is_open = NeedCase.status.in_(OPEN_CASE_STATUSES)
    query = (
        select(
            NeedCase.id,
            NeedCase.version,
            Customer.account_no,
            Customer.name,
            NeedCase.rule,
            NeedCase.status,
            NeedCase.first_month,
            NeedCase.last_month,
            func.coalesce(months.c.months_found, 0),
            NeedCase.opened_on,
            NeedCase.confirmed_on,
            NeedCase.dismissed_on,
            NeedCase.dismiss_reason,
            NeedCase.proposed_on,
            NeedCase.proposal,
            NeedCase.closed_on,
            Application.app_no,
            NeedCase.yuan_saved_per_year,
            NeedCase.kwh_traded,
            NeedCase.notes,
            manager,
        )
        .join(Customer, Customer.id == NeedCase.customer_id)
        .outerjoin(months, months.c.case_id == NeedCase.id)
        .outerjoin(Application, Application.id == NeedCase.application_id)
        .order_by(is_open.desc(), NeedCase.opened_on, NeedCase.id)
        .limit(limit)
    )
    if open_only:
        query = query.where(is_open)
    if manager_id is not None:
        query = query.where(
            NeedCase.customer_id.in_(
                select(Posting.customer_id).where(
                    Posting.manager_id == manager_id,
                    Posting.start_date <= as_of,
                    or_(Posting.end_date.is_(None), Posting.end_date >= as_of),
                )
            )
        )
    if customer_ids is not None:
        query = query.where(NeedCase.customer_id.in_(customer_ids))
    return pd.DataFrame([tuple(row) for row in conn.execute(query)], columns=CASE_COLUMNS)


def case_row(conn: Connection, case_id: int) -> dict | None:
    """One case as stored now (for the form that moves it)."""
    row = conn.execute(select(NeedCase).where(NeedCase.id == case_id)).mappings().first()
    return None if row is None else dict(row)
