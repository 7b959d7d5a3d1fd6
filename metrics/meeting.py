"""The joint-meeting agenda 联席会议议程: what is open as of a day, each item with an owner and an age.

Every section is a small DataFrame built from the KPI modules' own queries
(the aggregation runs in SQL there); this module only selects, labels and
assigns owners. Sections, in agenda order:

- open_problems: work-log problems not done (logs.open_problems), oldest first; owner = the manager.
- applications: connection applications not energized on as_of with a grid-side stage (plan reply,
  energization: lead_time.GRID_STAGES) over its State Grid limit or stalled in it
  (lead_time.over_limit); owner = the manager(s) posted to the customer on as_of, else the
  connection team 业扩班.
- expert_calls: expert calls open at the end of as_of (experts.open_calls); owner = expert / manager.
- expert_coverage: specialties with fewer active experts than min_experts_per_specialty; owner = office.
- managers_behind: managers who missed the on-site minimum in the last full ISO week before as_of's
  week, and, once as_of is past the plan deadline day, managers due a plan for as_of's month who have
  none; owner = the manager's team.
- new_needs: capacity increase, basic-charge and surge findings of the needs window (the day after
  the last meeting held before as_of, to as_of; the last 30 days when there was none). Direct trading
  is not windowed (a standing list, never "new") and stays on the needs screen.
- action_items: open action items of meetings held on or before as_of; they stay on every agenda
  until closed. owner, due date, overdue = due date before as_of.

age_days counts calendar days up to as_of from when the item arose (see each function).

Besides the sections, outages lists next month's planned or agreed outage plans (coming_outages),
and calendar_years names the years whose holiday arrangement is due and
missing on as_of (data_access.calendar.years_to_load: this year, and from 1 November next year,
when neither chinese-calendar nor the office covers it); the office owns it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from data_access import outages
from data_access.calendar import coverage, years_to_load
from data_access.models import (
    OPEN_CASE_STATUSES,
    SPECIALTIES,
    ActionItem,
    Customer,
    Manager,
    Meeting,
    NeedCase,
    Posting,
)
from metrics import attendance, experts, figures, lead_time, logs, needs, plans
from metrics.sql import query_frame, scoped_customer_ids
from metrics.window import Scope, Window

# Owners the agenda assigns itself, as codes (ui/agenda_text.py names them); others are people and teams.
OFFICE_OWNER = "@office"
CONNECTION_TEAM_OWNER = "@connection_team"
NEEDS_LOOKBACK_DAYS = 30  # the needs window when no meeting has been held yet
NAME_SEPARATOR = "、"

SECTIONS = (
    "open_problems",
    "applications",
    "expert_calls",
    "expert_coverage",
    "managers_behind",
    "new_needs",
    "open_cases",
    "action_items",
)
NEED_KINDS = ("capacity_increase", "basic_charge", "surge")


@dataclass(frozen=True)
class Agenda:
    as_of: dt.date
    last_meeting: dt.date | None  # held_on of the latest meeting before as_of
    needs_window: Window
    attendance_week: Window
    sections: dict[str, pd.DataFrame] = field(default_factory=dict)  # SECTIONS order
    calendar_years: tuple[int, ...] = ()  # years without a holiday arrangement, due by as_of
    outages: pd.DataFrame | None = None  # coming_outages: next month's outage plans (not a counted section)

    def counts(self) -> dict[str, int]:
        return {key: len(frame) for key, frame in self.sections.items()}


# --- windows -----------------------------------------------------------------------------------


def last_meeting_before(conn: Connection, as_of: dt.date) -> dt.date | None:
    return conn.execute(select(func.max(Meeting.held_on)).where(Meeting.held_on < as_of)).scalar()


def needs_window(last_meeting: dt.date | None, as_of: dt.date) -> Window:
    """(last meeting, as_of], or the last NEEDS_LOOKBACK_DAYS days up to as_of."""
    if last_meeting is None:
        return Window(as_of - dt.timedelta(days=NEEDS_LOOKBACK_DAYS - 1), as_of)
    return Window(last_meeting + dt.timedelta(days=1), as_of)


def last_full_week(as_of: dt.date) -> Window:
    """The ISO week (Monday-Sunday) before the week of as_of."""
    monday = as_of - dt.timedelta(days=as_of.weekday() + 7)
    return Window(monday, monday + dt.timedelta(days=6))


def _age(as_of: dt.date, since) -> list[int]:
    return [(as_of - day).days for day in since]


# --- owners ------------------------------------------------------------------------------------


def posted_managers(conn: Connection, account_nos, as_of: dt.date) -> dict[str, str]:
    """account_no -> names of the managers posted to it on as_of (joined by 、, by employee_no)."""
    account_nos = sorted(set(account_nos))
    if not account_nos:
        return {}
    query = (
        select(Customer.account_no, Manager.name)
        .join(Posting, Posting.customer_id == Customer.id)
        .join(Manager, Manager.id == Posting.manager_id)
        .where(
            Customer.account_no.in_(account_nos),
            Posting.start_date <= as_of,
            (Posting.end_date.is_(None)) | (Posting.end_date >= as_of),
        )
        .distinct()
        .order_by(Customer.account_no, Manager.name)
    )
    names: dict[str, list[str]] = {}
    for account_no, name in conn.execute(query):
        names.setdefault(account_no, []).append(name)
    return {account_no: NAME_SEPARATOR.join(found) for account_no, found in names.items()}


def _customer_owner(conn: Connection, frame: pd.DataFrame, as_of: dt.date, fallback: str) -> pd.DataFrame:
    owners = posted_managers(conn, frame["account_no"], as_of)
    frame["owner"] = [owners.get(account_no, fallback) for account_no in frame["account_no"]]
    return frame


def _team_of(conn: Connection, employee_nos) -> dict[str, str | None]:
    employee_nos = sorted(set(employee_nos))
    if not employee_nos:
        return {}
    query = select(Manager.employee_no, Manager.team).where(Manager.employee_no.in_(employee_nos))
    return dict(conn.execute(query).all())


# --- sections ----------------------------------------------------------------------------------


def open_problems(conn: Connection, as_of: dt.date, scope: Scope = Scope()) -> pd.DataFrame:
    """Work-log problems not done, oldest first; age from the log's date."""
    frame = logs.open_problems(conn, as_of, scope)
    frame["owner"] = frame["name"]
    return frame


APPLICATION_COLUMNS = [
    "app_no",
    "account_no",
    "name",
    "supply",
    "resident_served",
    "applied_on",
    "current_stage",
    "current_workdays",
    "current_limit",
    "stalled",
    "over_stages",
    "owner",
    "age_days",
]


def applications_behind(conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Applications still open on as_of that have a checked stage over its limit or are stalled in one.

    The checked stages are lead_time's default (the grid-side ones), so the agenda counts what the
    lead-time screen counts. over_stages: the finished checked stages that took longer than their
    limit; age from applied_on. Longest-running first.
    """
    checked = lead_time.GRID_STAGES
    found = lead_time.over_limit(conn, Window(as_of, as_of), settings, scope, checked=checked)
    frame = found[found["energized_on"].isna()].copy()
    frame["over_stages"] = [[stage for stage in checked if getattr(row, f"{stage}_over")] for row in frame.itertuples()]
    frame["age_days"] = _age(as_of, frame["applied_on"])
    frame = _customer_owner(conn, frame, as_of, CONNECTION_TEAM_OWNER)
    frame = frame.sort_values(["age_days", "app_no"], ascending=[False, True], ignore_index=True)
    return frame[APPLICATION_COLUMNS]


def open_expert_calls(conn: Connection, as_of: dt.date, scope: Scope = Scope()) -> pd.DataFrame:
    """Calls open at the end of as_of, oldest first; owner = the expert and the requesting manager."""
    frame = experts.open_calls(conn, as_of, scope)
    frame["owner"] = [
        NAME_SEPARATOR.join(name for name in (expert, manager) if isinstance(name, str) and name)
        for expert, manager in zip(frame["expert_name"], frame["manager_name"])
    ]
    return frame


def thin_specialties(conn: Connection, settings: dict) -> pd.DataFrame:
    """Specialties with fewer active experts than the minimum (not scoped: the pool serves everyone)."""
    cover = experts.coverage(conn, settings)
    minimum = int(settings["min_experts_per_specialty"])
    rows = [
        {
            "specialty": code,
            "active_experts": cover.by_specialty[code],
            "minimum": minimum,
            "owner": OFFICE_OWNER,
            "age_days": None,
        }
        for code in SPECIALTIES
        if cover.by_specialty[code] < minimum
    ]
    return pd.DataFrame(rows, columns=["specialty", "active_experts", "minimum", "owner", "age_days"])


BEHIND_COLUMNS = [
    "employee_no",
    "name",
    "team",
    "issue",
    "week_start",
    "required",
    "on_site_days",
    "month",
    "deadline",
    "owner",
    "age_days",
]


def managers_behind(conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """issue = attendance (missed last week's on-site minimum; age from that Sunday) or
    plan (no plan for as_of's month after its deadline; age from the deadline)."""
    week = last_full_week(as_of)
    missed = attendance.weekly_matrix(conn, week, settings, scope, only_missed=True)
    missed = missed.assign(issue="attendance", month=None, deadline=None, age_days=(as_of - week.end).days)
    frames = [missed]
    if as_of.day > settings["plan_deadline_day"]:
        frames.append(_missing_plans(conn, as_of, settings, scope))
    frames = [f for f in frames if not f.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BEHIND_COLUMNS)
    frame["owner"] = [team if isinstance(team, str) and team else OFFICE_OWNER for team in frame["team"]]
    frame = frame.sort_values(["issue", "employee_no"], ignore_index=True)
    return frame.reindex(columns=BEHIND_COLUMNS)


def _missing_plans(conn: Connection, as_of: dt.date, settings: dict, scope: Scope) -> pd.DataFrame:
    month = as_of.replace(day=1)
    month_end = needs.add_months(month, 1) - dt.timedelta(days=1)
    status = plans.plan_status(conn, Window(month, month_end), settings, scope)
    submitted_later = pd.to_datetime(status["submitted_on"]) > pd.Timestamp(as_of)
    missing = status[status["submitted_on"].isna() | submitted_later].copy()
    teams = _team_of(conn, missing["employee_no"])
    missing["team"] = [teams.get(no) for no in missing["employee_no"]]
    missing["deadline"] = pd.to_datetime(missing["due"]).dt.date
    missing["month"] = month
    missing["issue"] = "plan"
    missing["age_days"] = _age(as_of, missing["deadline"])
    return missing.drop(columns=["due", "submitted_on", "on_time"])


NEEDS_COLUMNS = ["kind", "account_no", "name", "month", "finding", "owner", "age_days"]


def new_needs(conn: Connection, window: Window, as_of: dt.date, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Needs flagged in the window; month = the month that raised it (capacity: the peak month,
    surge: the surge month, basic charge: the window's start); age from that day."""
    capacity, charge = needs.demand_findings(conn, window, settings, scope)
    capacity = capacity.assign(kind="capacity_increase", month=capacity["peak_month"])
    charge = charge.assign(kind="basic_charge", month=window.start)
    surge = needs.surge(conn, window, settings, scope).assign(kind="surge")
    found = [f[["kind", "account_no", "name", "month", "finding"]] for f in (capacity, charge, surge)]
    found = [f for f in found if not f.empty]
    if not found:
        return pd.DataFrame(columns=NEEDS_COLUMNS)
    frame = pd.concat(found, ignore_index=True)
    frame["age_days"] = _age(as_of, frame["month"])
    frame = _customer_owner(conn, frame, as_of, OFFICE_OWNER)
    return frame[NEEDS_COLUMNS]


CASE_COLUMNS = ["id", "account_no", "name", "rule", "status", "opened_on", "last_month", "owner", "age_days"]


def open_cases(conn: Connection, as_of: dt.date, scope: Scope = Scope()) -> pd.DataFrame:
    """Needs cases opened by as_of and still open (new, confirmed, proposed), oldest first; owner = the
    managers posted to the customer on as_of (else the office); age from the day it was opened."""
    query = (
        select(
            NeedCase.id,
            Customer.account_no,
            Customer.name,
            NeedCase.rule,
            NeedCase.status,
            NeedCase.opened_on,
            NeedCase.last_month,
        )
        .join(Customer, Customer.id == NeedCase.customer_id)
        .where(NeedCase.status.in_(OPEN_CASE_STATUSES), NeedCase.opened_on <= as_of)
        .order_by(NeedCase.opened_on, NeedCase.id)
    )
    customers = scoped_customer_ids(scope, Window(as_of, as_of))
    if customers is not None:
        query = query.where(NeedCase.customer_id.in_(customers))
    frame = query_frame(conn, query, CASE_COLUMNS[:7])
    frame["age_days"] = _age(as_of, frame["opened_on"])
    frame = _customer_owner(conn, frame, as_of, OFFICE_OWNER)
    return frame[CASE_COLUMNS]


ACTION_COLUMNS = [
    "id",
    "version",
    "meeting_id",
    "held_on",
    "title",
    "description",
    "owner",
    "due_date",
    "overdue",
    "age_days",
]


def open_action_items(conn: Connection, as_of: dt.date) -> pd.DataFrame:
    """Open action items of meetings held on or before as_of: overdue and earliest due first."""
    query = (
        select(
            ActionItem.id,
            ActionItem.version,
            ActionItem.meeting_id,
            Meeting.held_on,
            Meeting.title,
            ActionItem.description,
            ActionItem.owner,
            ActionItem.due_date,
        )
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(ActionItem.status == "open", Meeting.held_on <= as_of)
        .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, Meeting.held_on, ActionItem.id)
    )
    frame = query_frame(conn, query, ACTION_COLUMNS[:8])
    frame["overdue"] = [pd.notna(due) and due < as_of for due in frame["due_date"]]
    frame["age_days"] = _age(as_of, frame["held_on"])
    return frame[ACTION_COLUMNS]


OUTAGE_COLUMNS = ["planned_on", "account_no", "customer", "hours", "scope", "status"]


def next_month(as_of: dt.date) -> Window:
    """The calendar month after as_of's."""
    first = (as_of.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return Window(first, following - dt.timedelta(days=1))


def coming_outages(conn: Connection, as_of: dt.date, scope: Scope = Scope()) -> pd.DataFrame:
    """The outage plans (planned or agreed) of the month after as_of's, by day: the meeting
    coordinates them. Listed beside the agenda, not one of its counted sections. A town or team
    scope keeps the customers in scope during that month (metrics.sql.scoped_customer_ids)."""
    month = next_month(as_of)
    rows = outages.outage_plans(
        conn, month.start, month.end, statuses=("planned", "agreed"), customer_ids=scoped_customer_ids(scope, month)
    )
    return pd.DataFrame(rows, columns=["id", "version", *OUTAGE_COLUMNS, "entered_by"])[OUTAGE_COLUMNS]


def agenda(conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope()) -> Agenda:
    """Everything open for the joint meeting on as_of (see the module docstring)."""
    last = last_meeting_before(conn, as_of)
    window = needs_window(last, as_of)
    sections = {
        "open_problems": open_problems(conn, as_of, scope),
        "applications": applications_behind(conn, as_of, settings, scope),
        "expert_calls": open_expert_calls(conn, as_of, scope),
        "expert_coverage": thin_specialties(conn, settings),
        "managers_behind": managers_behind(conn, as_of, settings, scope),
        "new_needs": new_needs(conn, window, as_of, settings, scope),
        "open_cases": open_cases(conn, as_of, scope),
        "action_items": open_action_items(conn, as_of),
    }
    return Agenda(
        as_of,
        last,
        window,
        last_full_week(as_of),
        sections,
        calendar_years=years_to_load(coverage(conn), as_of),
        outages=coming_outages(conn, as_of, scope),
    )


# Each section's count as a figure of the catalogue (metrics.figures; as_of figures name the agenda date).
SECTION_FIGURES = {
    "open_problems": "open_problems",
    "applications": "agenda_applications",
    "expert_calls": "open_expert_calls",
    "expert_coverage": "thin_specialties",
    "managers_behind": "agenda_managers_behind",
    "new_needs": "agenda_new_needs",
    "open_cases": "agenda_open_cases",
    "action_items": "agenda_action_items",
}


def section_name(key: str, as_of: dt.date, lang: str = "zh") -> str:
    """The section's figure name on the agenda date ("截至 2025-09-30 未整改问题")."""
    return figures.figure_name(SECTION_FIGURES[key], lang, date=as_of.isoformat())
