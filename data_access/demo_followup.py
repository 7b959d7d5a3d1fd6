"""Demo data of issue 17: needs cases in every state, a few documents, collaborating units' reports.

Called by data_access.demo at the end of its transaction, after the domain tables are loaded, so the
cases come from the demo's own consumption: the needs rules are run for two months (the month before
the last full quarter, whose cases are followed up during that quarter, and the month before
`until`, whose findings mostly join those cases or open new ones). The follow-up is drawn with a
seeded random generator: most cases are confirmed within days, some dismissed, about a third end done
with a realistic result. Files are small generated PDFs, PNGs and a .docx (data_access.sample_files).
All in a few hundred rows: `manage.py demo` stays fast.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from data_access import sample_files
from data_access.models import (
    Application,
    Attachment,
    AttachmentBlob,
    Customer,
    NeedCase,
    NeedCaseMonth,
    UnitReport,
    WorkLog,
)
from data_access.settings import load_settings

DEMO_USER = "demo"
UNITS = ("运检部", "营销部（客户服务中心）", "电力调度控制中心", "经济技术研究所")
SUMMARIES = (
    "本期完成派驻客户配电设施联合巡视 {n} 户，发现并督促整改隐患 {k} 项。",
    "本期受理派驻客户业扩报装 {n} 件，配合派驻经理现场勘查 {k} 次。",
    "本期与派驻客户协商停电计划 {n} 项，开展故障集中研判 {k} 次。",
    "本期为派驻客户开展能效诊断 {n} 户，出具节能建议 {k} 份。",
)
PROPOSAL_OF = {
    "capacity_increase": "increase",
    "basic_charge_adjustment": "tariff_mode",
    "direct_trading": "trading",
    "surge": "increase",
}


def clear(conn: Connection) -> None:
    """Remove what an earlier demo run made (cases cascade their months; files of domain records)."""
    conn.execute(delete(Attachment).where(Attachment.record_kind.in_(("work_logs", "applications", "need_cases"))))
    demo_reports = select(UnitReport.id).where(UnitReport.created_by == DEMO_USER)
    conn.execute(
        delete(Attachment).where(Attachment.record_kind == "unit_reports", Attachment.record_id.in_(demo_reports))
    )
    conn.execute(delete(UnitReport).where(UnitReport.created_by == DEMO_USER))
    conn.execute(delete(NeedCaseMonth))
    conn.execute(delete(NeedCase))
    used = select(Attachment.sha256)
    conn.execute(delete(AttachmentBlob).where(AttachmentBlob.sha256.not_in(used)))


def _quarter_start(day: dt.date) -> dt.date:
    """The first day of the last full quarter before `day`."""
    this_quarter = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    from metrics.needs import add_months

    return add_months(this_quarter, -3)


def write(conn: Connection, seed: int, until: dt.date, demo_manager_id: int) -> dict[str, int]:
    """The cases, files and unit reports; returns rows written per table."""
    from metrics.cases import month_findings
    from metrics.needs import add_months

    rng = random.Random(f"{seed}-followup")
    settings = load_settings(conn)
    quarter = _quarter_start(until)
    first = month_findings(conn, add_months(quarter, -1), settings)
    later = month_findings(conn, add_months(until.replace(day=1), -1), settings)
    _cases(conn, rng, first, quarter, until)
    _later_findings(conn, later, add_months(until.replace(day=1), -1), until)
    _files(conn, rng, until, demo_manager_id)
    _unit_reports(conn, rng, quarter, until)
    tables = (NeedCase, NeedCaseMonth, UnitReport, Attachment, AttachmentBlob)
    return {model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar() for model in tables}


def _day(start: dt.date, rng: random.Random, low: int, high: int, until: dt.date) -> dt.date | None:
    day = start + dt.timedelta(days=rng.randint(low, high))
    return day if day <= until else None


def _cases(conn: Connection, rng: random.Random, found: list[tuple[int, str]], quarter: dt.date, until: dt.date) -> int:
    """Open a case per finding early in the quarter and follow it up."""
    month = quarter.replace(day=1) - dt.timedelta(days=1)
    month = month.replace(day=1)
    applications = dict(
        conn.execute(select(Application.customer_id, func.max(Application.id)).group_by(Application.customer_id)).all()
    )
    annual = dict(conn.execute(select(Customer.id, Customer.annual_kwh)).all())
    for customer_id, rule in found:
        opened = quarter + dt.timedelta(days=rng.randint(0, 10))
        row = {
            "customer_id": customer_id,
            "rule": rule,
            "first_month": month,
            "last_month": month,
            "status": "new",
            "opened_on": opened,
            "updated_by": DEMO_USER,
        }
        row.update(_follow_up(rng, rule, opened, until, applications.get(customer_id), annual.get(customer_id)))
        case_id = conn.execute(insert(NeedCase).values(**row)).inserted_primary_key[0]
        conn.execute(insert(NeedCaseMonth).values(case_id=case_id, month=month))
    return len(found)


def _follow_up(rng: random.Random, rule: str, opened: dt.date, until: dt.date, application_id, annual_kwh) -> dict:
    """A drawn path through the states, with dates, notes and a result."""
    fate = rng.random()
    confirmed = _day(opened, rng, 2, 12, until)
    if fate < 0.2 or confirmed is None:
        return {}
    if fate < 0.3:
        return {
            "status": "dismissed",
            "dismissed_on": confirmed,
            "dismiss_reason": "现场核实为临时负荷，无需办理",
            "notes": f"{confirmed} 走访核实：临时负荷，已向客户说明",
        }
    values = {"status": "confirmed", "confirmed_on": confirmed, "notes": f"{confirmed} 已走访客户，需求属实"}
    proposed = _day(confirmed, rng, 3, 20, until)
    if fate < 0.45 or proposed is None:
        return values
    proposal = PROPOSAL_OF[rule] if application_id is not None or PROPOSAL_OF[rule] != "increase" else "tariff_mode"
    values |= {"status": "proposed", "proposed_on": proposed, "proposal": proposal}
    closed = _day(proposed, rng, 7, 45, until)
    if fate < 0.6 or closed is None:
        return values
    if fate < 0.68:
        return values | {
            "status": "declined",
            "closed_on": closed,
            "notes": values["notes"] + f"\n{closed} 客户暂缓，明年再议",
        }
    values |= {"status": "done", "closed_on": closed}
    if proposal == "increase":
        values["application_id"] = application_id
    elif proposal == "tariff_mode":
        values["yuan_saved_per_year"] = float(rng.randrange(6_000, 90_000, 100))
    else:
        values["kwh_traded"] = round((annual_kwh or 6_000_000) * rng.uniform(0.5, 0.9), -3)
    return values


def _later_findings(conn: Connection, found: list[tuple[int, str]], month: dt.date, until: dt.date) -> int:
    """The month before `until`: a finding with an open case joins it, the others open new cases."""
    open_cases = dict(
        ((c, r), i)
        for i, c, r in conn.execute(
            select(NeedCase.id, NeedCase.customer_id, NeedCase.rule).where(
                NeedCase.status.in_(("new", "confirmed", "proposed"))
            )
        )
    )
    opened = 0
    for customer_id, rule in found:
        case_id = open_cases.get((customer_id, rule))
        if case_id is None:
            row = {
                "customer_id": customer_id,
                "rule": rule,
                "first_month": month,
                "last_month": month,
                "status": "new",
                "opened_on": min(until, month + dt.timedelta(days=33)),
                "updated_by": DEMO_USER,
            }
            case_id = conn.execute(insert(NeedCase).values(**row)).inserted_primary_key[0]
            opened += 1
        else:
            conn.execute(NeedCase.__table__.update().where(NeedCase.id == case_id).values(last_month=month))
        conn.execute(insert(NeedCaseMonth).values(case_id=case_id, month=month))
    return opened


def _blob(conn: Connection, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    if conn.execute(select(AttachmentBlob.sha256).where(AttachmentBlob.sha256 == digest)).first() is None:
        conn.execute(insert(AttachmentBlob).values(sha256=digest, size=len(content), content=content))
    return digest


def _attach(
    conn: Connection, kind: str, record_id: int, filename: str, file_type: str, content: bytes, at: dt.datetime, by: str
) -> None:
    conn.execute(
        insert(Attachment).values(
            record_kind=kind,
            record_id=record_id,
            filename=filename,
            file_type=file_type,
            size=len(content),
            sha256=_blob(conn, content),
            uploaded_at=at,
            uploaded_by=by,
        )
    )


def _files(conn: Connection, rng: random.Random, until: dt.date, manager_id: int) -> int:
    """Photos on the demo manager's latest logs, PDFs on done cases and recent applications."""
    written = 0
    logs = conn.execute(
        select(WorkLog.id, WorkLog.date).where(WorkLog.manager_id == manager_id).order_by(WorkLog.date.desc()).limit(3)
    ).all()
    for number, (log_id, day) in enumerate(logs, start=1):
        photo = sample_files.png(96, 64, (30 + 40 * number, 142, 62))
        _attach(
            conn,
            "work_logs",
            log_id,
            f"现场照片{number}.png",
            "png",
            photo,
            dt.datetime.combine(day, dt.time(17, 30)),
            "manager",
        )
        written += 1
    done = conn.execute(
        select(NeedCase.id, NeedCase.closed_on, Customer.account_no)
        .join(Customer, Customer.id == NeedCase.customer_id)
        .where(NeedCase.status == "done")
        .order_by(NeedCase.id)
        .limit(3)
    ).all()
    for case_id, closed, account_no in done:
        document = sample_files.pdf(f"Needs case {case_id}", (f"Customer {account_no}", f"Closed {closed}"))
        _attach(
            conn,
            "need_cases",
            case_id,
            f"办结说明-{account_no}.pdf",
            "pdf",
            document,
            dt.datetime.combine(closed, dt.time(10, 0)),
            "office",
        )
        written += 1
    recent = conn.execute(
        select(Application.id, Application.app_no, Application.applied_on)
        .where(Application.applied_on <= until)
        .order_by(Application.applied_on.desc(), Application.id)
        .limit(2)
    ).all()
    for app_id, app_no, applied in recent:
        drawing = sample_files.pdf(f"Single-line diagram {app_no}", ("10 kV incoming", "2 x 800 kVA"))
        _attach(
            conn,
            "applications",
            app_id,
            f"一次接线图-{app_no}.pdf",
            "pdf",
            drawing,
            dt.datetime.combine(applied, dt.time(9, 0)),
            "office",
        )
        written += 1
    return written


def _unit_reports(conn: Connection, rng: random.Random, quarter: dt.date, until: dt.date) -> int:
    """One report per collaborating unit for the last full quarter, each with a file."""
    from metrics.needs import add_months

    end = add_months(quarter, 3) - dt.timedelta(days=1)
    for number, (unit, summary) in enumerate(zip(UNITS, SUMMARIES), start=1):
        submitted = min(until, end + dt.timedelta(days=3 + number))
        row = {
            "unit": unit,
            "period_start": quarter,
            "period_end": end,
            "created_by": DEMO_USER,
            "summary": summary.format(n=rng.randint(8, 40), k=rng.randint(2, 15)),
            "submitted_on": submitted,
        }
        report_id = conn.execute(insert(UnitReport).values(**row)).inserted_primary_key[0]
        at = dt.datetime.combine(submitted, dt.time(15, 0))
        if number % 2:
            _attach(
                conn,
                "unit_reports",
                report_id,
                f"{unit}季度报告.pdf",
                "pdf",
                sample_files.pdf(f"Quarterly report {number}", (f"{quarter} - {end}",)),
                at,
                "office",
            )
        else:
            _attach(
                conn,
                "unit_reports",
                report_id,
                f"{unit}季度报告.docx",
                "docx",
                sample_files.docx(f"{unit} {quarter}—{end}"),
                at,
                "office",
            )
    return len(UNITS)
