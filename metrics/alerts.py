"""Alerts: what to tell whom at a moment, from the KPI modules' own queries.

Every figure comes from the functions the screens and the joint-meeting agenda use
(metrics.meeting, metrics.attendance, metrics.experts); this module only picks the rows that cross
a threshold and says which managers, teams and towns each one concerns. It returns codes and
numbers, never sentences (reports.notify words them).

Each Alert has a `subject` and a `period`: a subscription is told about a (rule, subject, period)
at most once (delivery_items). The rules (data_access.subscriptions.ALERT_RULES):

| rule                 | subject                      | period                      | screen     |
|----------------------|------------------------------|-----------------------------|------------|
| attendance_week      | employee no.                 | Monday of last week         | attendance |
| attendance_two_weeks | employee no.                 | Monday of last week         | attendance |
| plan_missing         | employee no.                 | the month (YYYY-MM)         | attendance |
| problem_open         | employee no./account/date    | once                        | attendance |
| application_behind   | application no.              | the stage that is late      | lead_time  |
| call_unanswered      | call no.                     | once                        | experts    |
| specialty_thin       | specialty code               | Monday of this week         | experts    |
| new_need             | need kind/account no.        | surge: its month; else the quarter | needs |

"Last week" is the ISO week before the week of `at` (metrics.meeting.last_full_week); a plan is
missing from the day after [plan_deadline_day]; a problem alerts once it has been open more than
[alert_problem_open_days] days; a call once it has waited [alert_call_unanswered_minutes] minutes
without a response; new needs are the agenda's (capacity increase, basic charge, surge) in the
months from three months before `at`'s month, for customers with a manager posted on that day.
A manager-level alert belongs to the manager's team and to the towns of the customers the manager
was posted to in the last two weeks; a customer-level one to the customer's town and the teams of
the managers posted to it.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.models import Customer, Manager, Posting
from data_access.subscriptions import ALERT_RULES
from metrics import attendance, experts, meeting, needs
from metrics.window import Window

TOWN_LOOKBACK_DAYS = 14  # a manager-level alert belongs to the towns of the last two weeks' postings
NEEDS_MONTHS_BACK = 3
CHUNK = 500  # ids per IN list


@dataclass(frozen=True)
class Alert:
    rule: str
    subject: str
    period: str  # '' = once
    employee_nos: tuple[str, ...] = ()  # the managers it concerns
    teams: tuple[str, ...] = ()
    towns: tuple[str, ...] = ()
    facts: dict = field(default_factory=dict)  # names, dates and figures for the message
    screen: str = "meeting"  # the URL path of the screen that shows it
    params: dict = field(default_factory=dict)  # that screen's query parameters


@dataclass
class Directory:
    """Who is where, read once per evaluation: managers' names and teams, their recent towns,
    customers' towns and the managers posted to each customer on the day."""

    managers: dict[str, tuple[str, str | None]]  # employee_no -> (name, team)
    manager_towns: dict[str, tuple[str, ...]]
    posted: dict[str, tuple[str, ...]]  # account_no -> employee_nos posted on the day
    towns: dict[str, str | None] = field(default_factory=dict)  # account_no -> town (filled on demand)

    def team(self, employee_no: str) -> str | None:
        return self.managers.get(employee_no, (None, None))[1]

    def teams(self, employee_nos) -> tuple[str, ...]:
        return tuple(sorted({team for no in employee_nos if (team := self.team(no))}))


def directory(conn: Connection, as_of: dt.date) -> Directory:
    managers = {
        no: (name, team) for no, name, team in conn.execute(select(Manager.employee_no, Manager.name, Manager.team))
    }
    since = as_of - dt.timedelta(days=TOWN_LOOKBACK_DAYS)
    query = (
        select(Manager.employee_no, Customer.account_no, Customer.town, Posting.start_date, Posting.end_date)
        .join(Posting, Posting.manager_id == Manager.id)
        .join(Customer, Customer.id == Posting.customer_id)
        .where(Posting.start_date <= as_of, (Posting.end_date.is_(None)) | (Posting.end_date >= since))
    )
    towns: dict[str, set] = {}
    posted: dict[str, set] = {}
    customer_towns: dict[str, str | None] = {}
    for employee_no, account_no, town, _start, end in conn.execute(query):
        customer_towns[account_no] = town
        if town:
            towns.setdefault(employee_no, set()).add(town)
        if end is None or end >= as_of:
            posted.setdefault(account_no, set()).add(employee_no)
    return Directory(
        managers,
        {no: tuple(sorted(found)) for no, found in towns.items()},
        {account: tuple(sorted(nos)) for account, nos in posted.items()},
        customer_towns,
    )


def _customer_towns(conn: Connection, where: Directory, account_nos) -> None:
    missing = sorted({no for no in account_nos if no not in where.towns})
    for start in range(0, len(missing), CHUNK):
        chunk = missing[start : start + CHUNK]
        where.towns.update(
            conn.execute(select(Customer.account_no, Customer.town).where(Customer.account_no.in_(chunk))).all()
        )


def _rows(frame: pd.DataFrame) -> list:
    """The frame's rows as named tuples, read column by column (fast on Arrow-backed text)."""
    row = namedtuple("Row", frame.columns)
    return [row(*values) for values in zip(*(frame[column].tolist() for column in frame.columns))]


def _iso(day) -> str:
    return pd.Timestamp(day).date().isoformat() if pd.notna(day) else ""


def _quarter(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


# --- rules ---------------------------------------------------------------------------------------


def _manager_alert(rule: str, row, where: Directory, period: str, facts: dict, params: dict) -> Alert:
    employee_no = row.employee_no
    team = where.team(employee_no)
    return Alert(
        rule,
        employee_no,
        period,
        (employee_no,),
        (team,) if team else (),
        where.manager_towns.get(employee_no, ()),
        {"name": row.name, "employee_no": employee_no, **facts},
        "attendance",
        {**params, **({"team": team} if team else {})},
    )


def attendance_and_plans(
    conn: Connection, as_of: dt.date, settings: dict, where: Directory, rules: set[str]
) -> list[Alert]:
    """Last week below the on-site minimum (the agenda's managers_behind), two weeks running
    (attendance.weekly_matrix over the last two weeks), and monthly plans missing after the deadline."""
    alerts: list[Alert] = []
    week = meeting.last_full_week(as_of)
    behind = meeting.managers_behind(conn, as_of, settings)
    week_params = {"from": week.start.isoformat(), "to": week.end.isoformat()}
    if "attendance_week" in rules:
        for row in _rows(behind[behind["issue"] == "attendance"]):
            alerts.append(
                _manager_alert(
                    "attendance_week",
                    row,
                    where,
                    week.start.isoformat(),
                    {
                        "week_start": week.start.isoformat(),
                        "week_end": week.end.isoformat(),
                        "on_site_days": int(row.on_site_days),
                        "required": int(row.required),
                    },
                    week_params,
                )
            )
    if "plan_missing" in rules:
        for row in _rows(behind[behind["issue"] == "plan"]):
            month_end = needs.add_months(row.month, 1) - dt.timedelta(days=1)
            alerts.append(
                _manager_alert(
                    "plan_missing",
                    row,
                    where,
                    f"{row.month:%Y-%m}",
                    {"month": f"{row.month:%Y-%m}", "deadline": _iso(row.deadline), "days_late": int(row.age_days)},
                    {"from": row.month.isoformat(), "to": month_end.isoformat()},
                )
            )
    if "attendance_two_weeks" in rules:
        alerts += two_weeks_running(conn, week, settings, where)
    return alerts


def two_weeks_running(conn: Connection, week: Window, settings: dict, where: Directory) -> list[Alert]:
    two_weeks = Window(week.start - dt.timedelta(days=7), week.end)
    missed = attendance.weekly_matrix(conn, two_weeks, settings, only_missed=True)
    counts = missed.groupby("employee_no")["week_start"].count()
    both = missed[missed["employee_no"].isin(counts[counts == 2].index)].sort_values(["employee_no", "week_start"])
    alerts = []
    for _employee_no, rows in both.groupby("employee_no", sort=True):
        first, last = _rows(rows)
        alerts.append(
            _manager_alert(
                "attendance_two_weeks",
                last,
                where,
                week.start.isoformat(),
                {
                    "weeks": [_iso(first.week_start), _iso(last.week_start)],
                    "on_site_days": [int(first.on_site_days), int(last.on_site_days)],
                    "required": [int(first.required), int(last.required)],
                },
                {"from": two_weeks.start.isoformat(), "to": two_weeks.end.isoformat()},
            )
        )
    return alerts


def open_problems(conn: Connection, as_of: dt.date, settings: dict, where: Directory) -> list[Alert]:
    """Work-log problems not done and open more than [alert_problem_open_days] (the agenda's list)."""
    limit = int(settings["alert_problem_open_days"])
    frame = meeting.open_problems(conn, as_of)
    frame = frame[frame["age_days"] > limit]
    _customer_towns(conn, where, frame["account_no"])
    alerts = []
    for row in _rows(frame):
        day, town, team = _iso(row.date), where.towns.get(row.account_no), where.team(row.employee_no)
        alerts.append(
            Alert(
                "problem_open",
                f"{row.employee_no}/{row.account_no}/{day}",
                "",
                (row.employee_no,),
                (team,) if team else (),
                (town,) if town else (),
                {
                    "name": row.name,
                    "employee_no": row.employee_no,
                    "customer": row.customer,
                    "account_no": row.account_no,
                    "date": day,
                    "problems": row.problems,
                    "age_days": int(row.age_days),
                    "limit": limit,
                },
                "attendance",
                {"from": day, "to": as_of.isoformat(), **({"team": team} if team else {})},
            )
        )
    return alerts


def applications(conn: Connection, as_of: dt.date, settings: dict, where: Directory) -> list[Alert]:
    """Open applications over a grid-side stage limit or stalled in one (the agenda's list); the
    period is the late stage, so the next late stage alerts again."""
    frame = meeting.applications_behind(conn, as_of, settings)
    _customer_towns(conn, where, frame["account_no"])
    alerts = []
    for row in _rows(frame):
        stage = row.current_stage if row.stalled else (row.over_stages[-1] if row.over_stages else row.current_stage)
        employee_nos = where.posted.get(row.account_no, ())
        town = where.towns.get(row.account_no)
        alerts.append(
            Alert(
                "application_behind",
                row.app_no,
                str(stage),
                employee_nos,
                where.teams(employee_nos),
                (town,) if town else (),
                {
                    "app_no": row.app_no,
                    "customer": row.name,
                    "account_no": row.account_no,
                    "stalled": bool(row.stalled),
                    "stage": str(row.current_stage),
                    "workdays": None if pd.isna(row.current_workdays) else int(row.current_workdays),
                    "limit": None if pd.isna(row.current_limit) else float(row.current_limit),
                    "over_stages": list(row.over_stages),
                    "applied_on": _iso(row.applied_on),
                    "managers": [where.managers.get(no, (no, None))[0] for no in employee_nos],
                },
                "lead_time",
                {"from": _iso(row.applied_on), "to": as_of.isoformat()},
            )
        )
    return alerts


def unanswered_calls(conn: Connection, at: dt.datetime, settings: dict, where: Directory) -> list[Alert]:
    """Expert calls open at `at` with no response [alert_call_unanswered_minutes] after the request."""
    minutes = int(settings["alert_call_unanswered_minutes"])
    frame = experts.open_calls(conn, at.date())
    requested = pd.to_datetime(frame["requested_at"])
    waiting = ((pd.Timestamp(at) - requested).dt.total_seconds() / 60).round()
    frame = frame.assign(waiting=waiting)
    frame = frame[frame["responded_at"].isna() & (requested <= pd.Timestamp(at - dt.timedelta(minutes=minutes)))]
    _customer_towns(conn, where, frame["account_no"].dropna())
    alerts = []
    for row in _rows(frame):
        employee_nos = (row.employee_no,) if isinstance(row.employee_no, str) else ()
        town = where.towns.get(row.account_no) if isinstance(row.account_no, str) else None
        requested_at = pd.Timestamp(row.requested_at)
        alerts.append(
            Alert(
                "call_unanswered",
                row.call_no,
                "",
                employee_nos,
                where.teams(employee_nos),
                (town,) if town else (),
                {
                    "call_no": row.call_no,
                    "expert": row.expert_name,
                    "specialty": row.specialty,
                    "mode": row.mode,
                    "manager": row.manager_name if isinstance(row.manager_name, str) else None,
                    "customer": row.customer_name if isinstance(row.customer_name, str) else None,
                    "requested_at": requested_at.strftime("%Y-%m-%d %H:%M"),
                    "waiting_minutes": int(row.waiting),
                    "limit": minutes,
                },
                "experts",
                {"from": requested_at.date().isoformat(), "to": at.date().isoformat()},
            )
        )
    return alerts


def thin_specialties(conn: Connection, as_of: dt.date, settings: dict) -> list[Alert]:
    """Specialties below the expert minimum (program-wide), once a week while it lasts."""
    monday = (as_of - dt.timedelta(days=as_of.weekday())).isoformat()
    return [
        Alert(
            "specialty_thin",
            row.specialty,
            monday,
            facts={"specialty": row.specialty, "active_experts": int(row.active_experts), "minimum": int(row.minimum)},
            screen="experts",
        )
        for row in _rows(meeting.thin_specialties(conn, settings))
    ]


def needs_window(as_of: dt.date) -> Window:
    return Window(needs.add_months(as_of.replace(day=1), -NEEDS_MONTHS_BACK), as_of)


def new_needs(conn: Connection, as_of: dt.date, settings: dict, where: Directory) -> list[Alert]:
    """The agenda's needs findings of the last months, for customers with a manager posted on as_of."""
    window = needs_window(as_of)
    frame = meeting.new_needs(conn, window, as_of, settings)
    frame = frame[frame["account_no"].isin(list(where.posted))]
    alerts = []
    for row in _rows(frame):
        employee_nos = where.posted[row.account_no]
        town = where.towns.get(row.account_no)
        period = f"{pd.Timestamp(row.month):%Y-%m}" if row.kind == "surge" else _quarter(as_of)
        alerts.append(
            Alert(
                "new_need",
                f"{row.kind}/{row.account_no}",
                period,
                employee_nos,
                where.teams(employee_nos),
                (town,) if town else (),
                {
                    "kind": row.kind,
                    "customer": row.name,
                    "account_no": row.account_no,
                    "month": _iso(row.month)[:7],
                    "finding": row.finding,
                    "managers": [where.managers.get(no, (no, None))[0] for no in employee_nos],
                },
                "needs",
                {"from": window.start.isoformat(), "to": as_of.isoformat(), **({"town": town} if town else {})},
            )
        )
    return alerts


def evaluate(conn: Connection, at: dt.datetime, settings: dict, rules=ALERT_RULES) -> list[Alert]:
    """Every alert of `rules` at the moment `at`, in ALERT_RULES order; within a rule in the order of the
    screen's list (oldest problem first, longest-running application first, ...)."""
    rules = set(rules)
    as_of = at.date()
    where = directory(conn, as_of)
    found: list[Alert] = []
    if rules & {"attendance_week", "attendance_two_weeks", "plan_missing"}:
        found += attendance_and_plans(conn, as_of, settings, where, rules)
    if "problem_open" in rules:
        found += open_problems(conn, as_of, settings, where)
    if "application_behind" in rules:
        found += applications(conn, as_of, settings, where)
    if "call_unanswered" in rules:
        found += unanswered_calls(conn, at, settings, where)
    if "specialty_thin" in rules:
        found += thin_specialties(conn, as_of, settings)
    if "new_need" in rules:
        found += new_needs(conn, as_of, settings, where)
    order = {rule: index for index, rule in enumerate(ALERT_RULES)}
    return sorted(found, key=lambda alert: order[alert.rule])  # stable: each rule keeps its list's order


def concerns(alert: Alert, scope_kind: str, scope_value: str | None, employee_no: str | None) -> bool:
    """Whether a subscription with this scope gets the alert: all; its town or team; or (a manager's
    own alerts) the manager it concerns. Program-wide alerts (no manager, team or town) go to
    subscriptions to everything only."""
    if scope_kind == "all":
        return True
    if scope_kind == "self":
        return employee_no is not None and employee_no in alert.employee_nos
    if scope_kind == "team":
        return scope_value in alert.teams
    if scope_kind == "town":
        return scope_value in alert.towns
    return False
