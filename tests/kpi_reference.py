"""A plain-Python statement of each KPI, for tests: whole tables read into lists of dicts, every rule
written the slow, obvious way (day by day, week by week), workdays from chinese-calendar itself.

The SQL in metrics/ must give the same numbers (tests/test_kpi_reference.py, random data, SQLite and
PostgreSQL). Each function's docstring is the rule as docs/report.md states it.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.models import (
    SPECIALTIES,
    Application,
    Assessment,
    Customer,
    Expert,
    ExpertCall,
    Manager,
    MonthlyPlan,
    Posting,
    Training,
    WorkLog,
)

ONE_DAY = dt.timedelta(days=1)


def rows(conn: Connection, model) -> list[dict]:
    """Every row of a table as a dict."""
    return [dict(row) for row in conn.execute(select(model.__table__)).mappings()]


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + ONE_DAY * n for n in range((end - start).days + 1)]


def is_workday(day: dt.date) -> bool:
    return chinese_calendar.is_workday(day)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class Data:
    """The tables the KPIs read, once."""

    def __init__(self, conn: Connection) -> None:
        self.managers = rows(conn, Manager)
        self.customers = rows(conn, Customer)
        self.postings = rows(conn, Posting)
        self.logs = rows(conn, WorkLog)
        self.training = rows(conn, Training)
        self.assessments = rows(conn, Assessment)
        self.plans = rows(conn, MonthlyPlan)
        self.experts = rows(conn, Expert)
        self.calls = rows(conn, ExpertCall)
        self.applications = rows(conn, Application)
        self.employee_no = {m["id"]: m["employee_no"] for m in self.managers}

    def posted(self, manager_id: int, day: dt.date) -> bool:
        """A manager is posted on a day when a posting has start ≤ day ≤ end (or no end)."""
        return any(
            p["manager_id"] == manager_id and p["start_date"] <= day and (p["end_date"] is None or day <= p["end_date"])
            for p in self.postings
        )


def attendance(data: Data, start: dt.date, end: dt.date, min_onsite_days: int) -> dict:
    """ISO weeks wholly inside the window. required = min(min_onsite_days, posted workdays of the
    week); due when required ≥ 1; on-site days = distinct posted dates with an on-site log;
    compliant when on-site days ≥ required."""
    first_monday = start + ONE_DAY * ((7 - start.weekday()) % 7)
    weeks = []
    monday = first_monday
    while monday + ONE_DAY * 6 <= end:
        weeks.append(days(monday, monday + ONE_DAY * 6))
        monday += ONE_DAY * 7
    due = compliant = 0
    by_manager = {}
    for manager in data.managers:
        m_due = m_ok = 0
        for week in weeks:
            posted_workdays = [d for d in week if is_workday(d) and data.posted(manager["id"], d)]
            required = min(min_onsite_days, len(posted_workdays))
            if required < 1:
                continue
            on_site = {
                log["date"]
                for log in data.logs
                if log["manager_id"] == manager["id"]
                and log["on_site"]
                and log["date"] in week
                and data.posted(manager["id"], log["date"])
            }
            m_due += 1
            m_ok += len(on_site) >= required
        if m_due:
            by_manager[manager["employee_no"]] = (m_due, m_ok)
        due, compliant = due + m_due, compliant + m_ok
    return {"due": due, "compliant": compliant, "rate": rate(compliant, due), "by_manager": by_manager}


def log_completeness(data: Data, start: dt.date, end: dt.date) -> dict:
    """Posted workdays of the window, and those with at least one log of that manager."""
    posted = logged = 0
    logged_days = {(log["manager_id"], log["date"]) for log in data.logs}
    for manager in data.managers:
        for day in days(start, end):
            if is_workday(day) and data.posted(manager["id"], day):
                posted += 1
                logged += (manager["id"], day) in logged_days
    return {"posted_workdays": posted, "logged_workdays": logged, "rate": rate(logged, posted)}


def problem_closure(data: Data, start: dt.date, end: dt.date) -> dict:
    """Logs dated in the window with problems filled in; closed = status done."""
    found = [log for log in data.logs if start <= log["date"] <= end and (log["problems"] or "").strip()]
    closed = sum(log["status"] == "done" for log in found)
    return {"with_problems": len(found), "closed": closed, "rate": rate(closed, len(found))}


def training(data: Data, end: dt.date, min_hours: float, min_skill_share: float) -> dict:
    """Managers whose first posting starts by the window's end; compliant when, counting records
    dated on or before that start, hours ≥ min_hours, skill hours ≥ min_skill_share of them, and a
    passed assessment."""
    managers = compliant = 0
    failing = []
    for manager in data.managers:
        starts = [p["start_date"] for p in data.postings if p["manager_id"] == manager["id"]]
        if not starts or min(starts) > end:
            continue
        first = min(starts)
        managers += 1
        taken = [t for t in data.training if t["manager_id"] == manager["id"] and t["date"] <= first]
        hours = sum(float(t["hours"]) for t in taken)
        skill = sum(float(t["hours"]) for t in taken if t["kind"] == "skill")
        passed = any(a["passed"] for a in data.assessments if a["manager_id"] == manager["id"] and a["date"] <= first)
        if hours >= min_hours and hours > 0 and skill >= min_skill_share * hours and passed:
            compliant += 1
        else:
            failing.append(manager["employee_no"])
    return {
        "managers": managers,
        "compliant": compliant,
        "rate": rate(compliant, managers),
        "non_compliant": sorted(failing),
    }


def monthly_plans(data: Data, start: dt.date, end: dt.date, deadline_day: int) -> dict:
    """Months wholly inside the window; due when the manager is posted on a workday of it; on time
    when that month's plan was submitted on or before day deadline_day."""
    months = []
    month = start if start.day == 1 else (start.replace(day=28) + ONE_DAY * 4).replace(day=1)
    while True:
        last = (month.replace(day=28) + ONE_DAY * 4).replace(day=1) - ONE_DAY
        if last > end:
            break
        months.append((month, last))
        month = last + ONE_DAY
    due = on_time = 0
    for manager in data.managers:
        for first, last in months:
            if not any(is_workday(d) and data.posted(manager["id"], d) for d in days(first, last)):
                continue
            due += 1
            on_time += any(
                p["manager_id"] == manager["id"]
                and p["month"] == first
                and p["submitted_on"] <= first.replace(day=deadline_day)
                for p in data.plans
            )
    return {"due": due, "on_time": on_time, "rate": rate(on_time, due)}


def experts(data: Data, start: dt.date, end: dt.date, min_per_specialty: int) -> dict:
    """Coverage: active experts per specialty, covered at min_per_specialty. Calls requested in the
    window; closed = with a closing time; median response in minutes over the answered ones."""
    by_specialty = {code: sum(e["active"] and e["specialty"] == code for e in data.experts) for code in SPECIALTIES}
    covered = sum(count >= min_per_specialty for count in by_specialty.values())
    calls = [c for c in data.calls if start <= c["requested_at"].date() <= end]
    minutes = [(c["responded_at"] - c["requested_at"]).total_seconds() / 60 for c in calls if c["responded_at"]]
    return {
        "by_specialty": by_specialty,
        "covered": covered,
        "coverage_rate": covered / len(SPECIALTIES),
        "calls": len(calls),
        "closed": sum(c["closed_at"] is not None for c in calls),
        "median_response_minutes": statistics.median(minutes) if minutes else None,
    }


def lead_time(data: Data, start: dt.date, end: dt.date) -> dict:
    """Applications energized in the window; lead days = energized − applied (calendar days); mean and
    median per resident-served / other; reduction = mean(other) − mean(resident)."""
    groups = defaultdict(list)
    for app in data.applications:
        if app["energized_on"] and start <= app["energized_on"] <= end:
            groups[bool(app["resident_served"])].append((app["energized_on"] - app["applied_on"]).days)
    out = {}
    for name, served in (("resident", True), ("other", False)):
        values = groups[served]
        out[name] = {
            "count": len(values),
            "mean": statistics.mean(values) if values else None,
            "median": statistics.median(values) if values else None,
        }
    means = (out["resident"]["mean"], out["other"]["mean"])
    out["reduction"] = None if None in means else means[1] - means[0]
    return out
