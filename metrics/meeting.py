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

Besides the sections, calendar_years names the years whose holiday arrangement is due and
missing on as_of (data_access.calendar.years_to_load: this year, and from 1 November next year,
when neither chinese-calendar nor the office covers it); the office owns it.
"""
from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

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

OFFICE_OWNER = "派驻经理工作办公室"
CONNECTION_TEAM_OWNER = "业扩班"
NEEDS_LOOKBACK_DAYS = 30  # the needs window when no meeting has been held yet
NAME_SEPARATOR = "、"

SECTIONS = ("open_problems", "applications", "expert_calls", "expert_coverage", "managers_behind",
            "new_needs", "open_cases", "action_items")
NEED_KINDS = ("capacity_increase", "basic_charge", "surge")


@dataclass(frozen=True)
class Agenda:
    as_of: dt.date
    last_meeting: dt.date | None  # held_on of the latest meeting before as_of
    needs_window: Window
    attendance_week: Window
    sections: dict[str, pd.DataFrame] = field(default_factory=dict)  # SECTIONS order
    calendar_years: tuple[int, ...] = ()  # years without a holiday arrangement, due by as_of

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
        .where(Customer.account_no.in_(account_nos), Posting.start_date <= as_of,
               (Posting.end_date.is_(None)) | (Posting.end_date >= as_of))
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


APPLICATION_COLUMNS = ["app_no", "account_no", "name", "supply", "resident_served", "applied_on",
                       "current_stage", "current_workdays", "current_limit", "stalled", "over_stages",
                       "owner", "age_days"]


def applications_behind(conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Applications still open on as_of that have a checked stage over its limit or are stalled in one.

    The checked stages are lead_time's default (the grid-side ones), so the agenda counts what the
    lead-time screen counts. over_stages: the finished checked stages that took longer than their
    limit; age from applied_on. Longest-running first.
    """
    checked = lead_time.GRID_STAGES
    found = lead_time.over_limit(conn, Window(as_of, as_of), settings, scope, checked=checked)
    frame = found[found["energized_on"].isna()].copy()
    frame["over_stages"] = [
        [stage for stage in checked if getattr(row, f"{stage}_over")] for row in frame.itertuples()
    ]
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
        {"specialty": code, "active_experts": cover.by_specialty[code], "minimum": minimum,
         "owner": OFFICE_OWNER, "age_days": None}
        for code in SPECIALTIES if cover.by_specialty[code] < minimum
    ]
    return pd.DataFrame(rows, columns=["specialty", "active_experts", "minimum", "owner", "age_days"])


BEHIND_COLUMNS = ["employee_no", "name", "team", "issue", "week_start", "required", "on_site_days",
                  "month", "deadline", "owner", "age_days"]


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


def new_needs(conn: Connection, window: Window, as_of: dt.date, settings: dict,
              scope: Scope = Scope()) -> pd.DataFrame:
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
        select(NeedCase.id, Customer.account_no, Customer.name, NeedCase.rule, NeedCase.status, NeedCase.opened_on,
               NeedCase.last_month)
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


ACTION_COLUMNS = ["id", "version", "meeting_id", "held_on", "title", "description", "owner", "due_date",
                  "overdue", "age_days"]


def open_action_items(conn: Connection, as_of: dt.date) -> pd.DataFrame:
    """Open action items of meetings held on or before as_of: overdue and earliest due first."""
    query = (
        select(ActionItem.id, ActionItem.version, ActionItem.meeting_id, Meeting.held_on, Meeting.title,
               ActionItem.description, ActionItem.owner, ActionItem.due_date)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(ActionItem.status == "open", Meeting.held_on <= as_of)
        .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, Meeting.held_on, ActionItem.id)
    )
    frame = query_frame(conn, query, ACTION_COLUMNS[:8])
    frame["overdue"] = [pd.notna(due) and due < as_of for due in frame["due_date"]]
    frame["age_days"] = _age(as_of, frame["held_on"])
    return frame[ACTION_COLUMNS]


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
    return Agenda(as_of, last, window, last_full_week(as_of), sections,
                  calendar_years=years_to_load(coverage(conn), as_of))


# --- display: one short line per item, in zh or en (the screen and the PDF brief share it) -----

SECTION_TITLES = {
    "open_problems": {"zh": "未整改的日志问题", "en": "Open work-log problems"},
    "applications": {"zh": "超时限或停滞的业扩报装", "en": "Applications over a stage limit or stalled"},
    "expert_calls": {"zh": "未关闭的专家调用", "en": "Open expert calls"},
    "expert_coverage": {"zh": "专家配置不足的专业", "en": "Specialties below the expert minimum"},
    "managers_behind": {"zh": "上周驻点不达标 / 本月计划未交的派驻经理",
                        "en": "Managers below last week's on-site minimum / without this month's plan"},
    "new_needs": {"zh": "上次会议以来新发现的客户需求", "en": "Needs found since the last meeting"},
    "open_cases": {"zh": "尚未办结的需求跟进线索", "en": "Needs cases not closed"},
    "action_items": {"zh": "往次会议未关闭的督办事项", "en": "Open action items of earlier meetings"},
}
# Each section's count as a figure of the catalogue (metrics.figures; as_of figures name the agenda date).
SECTION_FIGURES = {
    "open_problems": "open_problems", "applications": "agenda_applications", "expert_calls": "open_expert_calls",
    "expert_coverage": "thin_specialties", "managers_behind": "agenda_managers_behind",
    "new_needs": "agenda_new_needs", "open_cases": "agenda_open_cases", "action_items": "agenda_action_items",
}


def section_name(key: str, as_of: dt.date, lang: str = "zh") -> str:
    """The section's figure name on the agenda date ("截至 2025-09-30 未整改问题")."""
    return figures.figure_name(SECTION_FIGURES[key], lang, date=as_of.isoformat())


DISPLAY_COLUMNS = ["subject", "detail", "owner", "age_days"]
ACTION_DISPLAY_COLUMNS = [*DISPLAY_COLUMNS, "due_date", "overdue"]

TEXT = {
    "zh": {
        "stages": {"plan_reply": "供电方案答复", "design_review": "设计审核", "mid_inspection": "中间检查",
                   "completion_inspection": "竣工检验", "energization": "装表接电"},
        "specialties": {"hv_operation": "高压操作", "hv_fault": "高压故障处理", "lv_fault": "低压故障处理",
                        "equipment_om": "设备运维", "tariff_billing": "电费电价",
                        "energy_efficiency": "能效诊断", "safety_assessment": "安全评价", "training": "人员培训"},
        "modes": {"onsite": "现场", "remote": "咨询"},
        "needs": {"capacity_increase": "增容", "basic_charge": "基本电费调整", "surge": "用电激增"},
        "case_rules": {"capacity_increase": "增容", "basic_charge_adjustment": "基本电费调整",
                       "direct_trading": "直接交易", "surge": "用电激增"},
        "case_states": {"new": "新发现", "confirmed": "已核实", "proposed": "已提出方案"},
        "case": "{rule}·{state}，{month} 起发现",
        "stalled": "{stage}已 {days} 个工作日（时限 {limit}）",
        "over": "超时环节：{stages}",
        "call": "{specialty}·{mode}，申请于 {at}",
        "responded": "，已响应未关闭",
        "coverage": "在岗专家 {count} 人，少于 {minimum} 人",
        "attendance": "{week} 当周驻点 {days} 天，应 {required} 天",
        "plan": "{month} 月度计划未提交（截止 {deadline}）",
        "separator": "；",
    },
    "en": {
        "stages": {"plan_reply": "supply-plan reply", "design_review": "design review",
                   "mid_inspection": "mid inspection", "completion_inspection": "completion inspection",
                   "energization": "energization"},
        "specialties": {"hv_operation": "HV operation", "hv_fault": "HV fault handling",
                        "lv_fault": "LV fault handling", "equipment_om": "Equipment O&M",
                        "tariff_billing": "Tariffs & billing", "energy_efficiency": "Energy efficiency",
                        "safety_assessment": "Safety assessment", "training": "Staff training"},
        "modes": {"onsite": "on site", "remote": "remote"},
        "needs": {"capacity_increase": "capacity increase", "basic_charge": "basic-charge adjustment",
                  "surge": "consumption surge"},
        "case_rules": {"capacity_increase": "capacity increase", "basic_charge_adjustment": "basic-charge adjustment",
                       "direct_trading": "direct trading", "surge": "consumption surge"},
        "case_states": {"new": "new", "confirmed": "confirmed", "proposed": "proposed"},
        "case": "{rule}, {state}, found since {month}",
        "stalled": "{stage} running {days} working days (limit {limit})",
        "over": "over limit: {stages}",
        "call": "{specialty}, {mode}, requested {at}",
        "responded": "; responded, not closed",
        "coverage": "{count} active experts, fewer than {minimum}",
        "attendance": "week of {week}: {days} on-site days, {required} required",
        "plan": "no plan for {month} (deadline {deadline})",
        "separator": "; ",
    },
}
# Owner names the agenda assigns itself (the others are people and teams from the data).
OWNER_NAMES_EN = {OFFICE_OWNER: "Resident-manager office", CONNECTION_TEAM_OWNER: "Connection team"}


def _application_detail(row, text: dict) -> str:
    parts = []
    if row.stalled:
        parts.append(text["stalled"].format(stage=text["stages"][row.current_stage],
                                            days=int(row.current_workdays), limit=f"{row.current_limit:g}"))
    if row.over_stages:
        parts.append(text["over"].format(stages=", ".join(text["stages"][s] for s in row.over_stages)))
    return text["separator"].join(parts)


def _call_detail(row, text: dict) -> str:
    detail = text["call"].format(specialty=text["specialties"][row.specialty], mode=text["modes"][row.mode],
                                 at=pd.Timestamp(row.requested_at).strftime("%Y-%m-%d %H:%M"))
    return detail + (text["responded"] if pd.notna(row.responded_at) else "")


def _manager_detail(row, text: dict) -> str:
    if row.issue == "attendance":
        return text["attendance"].format(week=row.week_start, days=int(row.on_site_days),
                                         required=int(row.required))
    return text["plan"].format(month=f"{row.month:%Y-%m}", deadline=row.deadline)


def _join(*parts) -> str:
    return " ".join(str(part) for part in parts if pd.notna(part) and str(part))


def _rows(frame: pd.DataFrame) -> list:
    """The frame's rows as named tuples, from plain column lists (itertuples over Arrow-backed text
    columns took ~20 us a row: 0.15 s for a province's open problems)."""
    row = namedtuple("Row", frame.columns)
    return [row(*values) for values in zip(*(frame[column].tolist() for column in frame.columns))]


def display_table(key: str, frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The section as short lines: subject, detail, owner, age_days (+ due_date, overdue for action items)."""
    text = TEXT[lang]
    rows = _rows(frame)
    if key == "open_problems":
        subject = [_join(row.date, row.customer) for row in rows]
        detail = [row.problems for row in rows]
    elif key == "applications":
        subject = [_join(row.app_no, row.name) for row in rows]
        detail = [_application_detail(row, text) for row in rows]
    elif key == "expert_calls":
        subject = [_join(row.call_no, row.customer_name) for row in rows]
        detail = [_call_detail(row, text) for row in rows]
    elif key == "expert_coverage":
        subject = [text["specialties"][row.specialty] for row in rows]
        detail = [text["coverage"].format(count=row.active_experts, minimum=row.minimum) for row in rows]
    elif key == "managers_behind":
        subject = [_join(row.name, row.employee_no) for row in rows]
        detail = [_manager_detail(row, text) for row in rows]
    elif key == "new_needs":
        subject = [_join(row.name, row.account_no) for row in rows]
        # The findings' words are the UI's (ui/words/needs_findings.py); this table is rendered text already.
        from ui.needs_text import finding_text
        detail = [f"{text['needs'][row.kind]}: {finding_text(row.finding, lang)}" for row in rows]
    elif key == "open_cases":
        subject = [_join(row.name, row.account_no) for row in rows]
        detail = [text["case"].format(rule=text["case_rules"][row.rule], state=text["case_states"][row.status],
                                      month=f"{row.opened_on:%Y-%m-%d}") for row in rows]
    elif key == "action_items":
        subject = [_join(row.held_on, row.title) for row in rows]
        detail = [row.description for row in rows]
    else:
        raise KeyError(key)
    owners = list(frame["owner"])
    if lang == "en":
        owners = [OWNER_NAMES_EN.get(owner, owner) for owner in owners]
    table = pd.DataFrame({"subject": subject, "detail": detail, "owner": owners,
                          "age_days": list(frame["age_days"])}, columns=DISPLAY_COLUMNS)
    if key == "action_items":
        table["due_date"] = list(frame["due_date"])
        table["overdue"] = list(frame["overdue"])
    return table
