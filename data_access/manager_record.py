"""One manager's records for the manager page (views/roster.py): personal data, training,
assessments, postings with their handovers, recent work logs and expert calls, outage plans.

Plain rows (dicts), newest first where a list can grow long; no KPI rule here (the lifecycle
state is metrics.lifecycle's).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.models import Assessment, Customer, Expert, ExpertCall, Manager, Posting, Training, WorkLog
from data_access.outages import manager_outages

RECENT = 20  # work logs and expert calls shown
OUTAGE_DAYS = 92  # outage plans shown: about three months either side of the day
OUTAGE_COLUMNS = ("planned_on", "account_no", "customer", "hours", "scope", "status")


def _rows(conn: Connection, query) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(query).mappings()]


def manager_record(conn: Connection, employee_no: str, day: dt.date, recent: int = RECENT) -> dict[str, Any] | None:
    """{"manager", "training", "assessments", "postings", "logs", "calls", "outages"}, or None
    when no manager has this employee number. Outages: the plans of their customers from three
    months before `day` to three months after."""
    manager = (
        conn.execute(
            select(Manager.id, Manager.employee_no, Manager.name, Manager.phone, Manager.team).where(
                Manager.employee_no == employee_no
            )
        )
        .mappings()
        .first()
    )
    if manager is None:
        return None
    mid = manager["id"]
    record = {"manager": dict(manager)}
    record["training"] = _rows(
        conn,
        select(Training.date, Training.hours, Training.kind, Training.topic)
        .where(Training.manager_id == mid)
        .order_by(Training.date.desc()),
    )
    record["assessments"] = _rows(
        conn,
        select(Assessment.date, Assessment.score, Assessment.passed)
        .where(Assessment.manager_id == mid)
        .order_by(Assessment.date.desc()),
    )
    record["postings"] = _rows(
        conn,
        select(
            Customer.account_no,
            Customer.name.label("customer"),
            Posting.start_date,
            Posting.end_date,
            Posting.handover_note,
            Posting.gate_override,
        )
        .join(Customer, Customer.id == Posting.customer_id)
        .where(Posting.manager_id == mid)
        .order_by(Posting.start_date.desc()),
    )
    record["logs"] = _rows(
        conn,
        select(
            WorkLog.date,
            Customer.account_no,
            Customer.name.label("customer"),
            WorkLog.on_site,
            WorkLog.content,
            WorkLog.problems,
            WorkLog.status,
        )
        .join(Customer, Customer.id == WorkLog.customer_id)
        .where(WorkLog.manager_id == mid)
        .order_by(WorkLog.date.desc())
        .limit(recent),
    )
    record["calls"] = _rows(
        conn,
        select(
            ExpertCall.call_no,
            ExpertCall.requested_at,
            Expert.name.label("expert"),
            Expert.specialty,
            ExpertCall.mode,
            ExpertCall.closed_at,
            ExpertCall.summary,
        )
        .join(Expert, Expert.id == ExpertCall.expert_id)
        .where(ExpertCall.manager_id == mid)
        .order_by(ExpertCall.requested_at.desc())
        .limit(recent),
    )
    record["outages"] = [
        {key: row[key] for key in OUTAGE_COLUMNS}
        for row in manager_outages(
            conn, employee_no, day - dt.timedelta(days=OUTAGE_DAYS), day + dt.timedelta(days=OUTAGE_DAYS)
        )
    ]
    return record
