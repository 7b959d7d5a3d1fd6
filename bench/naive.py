"""The naive path of each screen: whole tables into pandas, the screen's main numbers in Python.

A yardstick only (the app must never do this): it shows what a screen would
cost if it read its tables instead of asking the database for aggregates.
For each screen, `NAIVE[screen](frames, view)` computes the numbers the
screen leads with, from the frames `read_frames(url, TABLES[screen])` reads;
`check(url, screen, view, numbers)` asserts they equal the SQL (the report
sections and metrics functions the screen shows), so the yardstick computes
the same thing.

The manager-side areas reuse bench/kpis.py's yardstick (kpis.naive: posted
days day by day). The overview needs them for 14 windows (the window, the
one before and 12 trend months), so it builds the day table once for the
whole span and filters it per window: a fair pandas version, not a loop of
full recomputations.
"""
from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from bench import kpis
from data_access.db import make_engine
from data_access.models import SPECIALTIES
from data_access.settings import load_settings
from metrics import experts as m_experts
from metrics import lead_time as m_lead_time
from metrics import meeting as m_meeting
from metrics import needs as m_needs
from metrics.report import section_function
from metrics.window import Window


@dataclass(frozen=True)
class View:
    """What a screen shows by default: its window, the day of the meeting agenda, the settings."""
    window: Window
    as_of: dt.date  # the meeting agenda's day
    settings: dict

    @property
    def trend(self) -> list[Window]:
        return trend_months(self.window)


def trend_months(window: Window, months: int = 12) -> list[Window]:
    """The same months as ui.data.trend_months (the last `months` months up to the window's end)."""
    first, starts = window.end.replace(day=1), []
    for _ in range(months):
        starts.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return [Window(start, min((start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1), window.end))
            for start in reversed(starts)]


# ---- reading ------------------------------------------------------------------------------

QUERIES = {
    "managers": "SELECT id, employee_no, name, team FROM managers",
    "postings": "SELECT manager_id, customer_id, start_date, end_date FROM postings",
    "logs": "SELECT manager_id, customer_id, date, on_site, problems, status FROM work_logs",
    "calendar": "SELECT date, is_workday FROM calendar_days",
    "training": "SELECT manager_id, date, hours, kind FROM training",
    "assessments": "SELECT manager_id, date, passed FROM assessments",
    "plans": "SELECT manager_id, month, submitted_on FROM monthly_plans",
    "experts": "SELECT id, expert_no, specialty, active FROM experts",
    "calls": "SELECT expert_id, manager_id, customer_id, requested_at, responded_at, closed_at, hours FROM expert_calls",
    "customers": "SELECT id, account_no, town, voltage_kv, capacity_kva, annual_kwh, star_rating, potential_reason, "
                 "churn_risk, market_status, billing_mode FROM customers",
    "applications": "SELECT customer_id, resident_served, applied_on, energized_on FROM applications",
    "consumption": "SELECT customer_id, month, kwh, max_demand_kw FROM consumption",
    "meetings": "SELECT id, held_on FROM meetings",
    "action_items": "SELECT meeting_id, status FROM action_items",
}
MANAGER_TABLES = ("managers", "postings", "logs", "calendar", "training", "assessments", "plans")
TABLES = {
    "overview": MANAGER_TABLES + ("experts", "calls", "applications"),
    "attendance": MANAGER_TABLES,
    "experts": ("experts", "calls"),
    "customers": ("customers", "postings"),
    "lead_time": ("applications",),
    "needs": ("customers", "consumption"),
    "meeting": ("managers", "postings", "logs", "calendar", "experts", "calls", "customers", "consumption",
                "meetings", "action_items"),
}
DATES = ("date", "start_date", "end_date", "month", "submitted_on", "applied_on", "energized_on", "held_on")
TIMES = ("requested_at", "responded_at", "closed_at")
BOOLS = ("on_site", "is_workday", "passed", "active", "churn_risk", "resident_served")


def read_frames(url: str, tables) -> dict[str, pd.DataFrame]:
    """Whole tables into pandas, dates as datetime64, flags as bool."""
    engine = make_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        frames = {name: pd.read_sql(text(QUERIES[name]), conn) for name in tables}
    engine.dispose()
    for frame in frames.values():
        for column in frame.columns:
            if column in DATES or column in TIMES:
                frame[column] = pd.to_datetime(frame[column])
            elif column in BOOLS:
                frame[column] = frame[column].astype(bool)
    return frames


def not_blank(texts: pd.Series) -> pd.Series:
    return texts.fillna("").str.strip() != ""


def ts(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


# ---- manager side, one day table for many windows (overview) ---------------------------------------

def day_table(frames: dict, first: dt.date, last: dt.date) -> pd.DataFrame:
    """(manager_id, date) posted in [first, last] with workday, logged and on_site flags."""
    days = kpis.posted_days(frames["postings"], first, last)
    calendar = frames["calendar"]
    days["workday"] = days["date"].isin(set(calendar.loc[calendar["is_workday"], "date"]))
    logs = frames["logs"]
    logs = logs[logs["date"].between(ts(first), ts(last))]
    logged = logs[["manager_id", "date"]].drop_duplicates().assign(logged=True)
    on_site = logs.loc[logs["on_site"], ["manager_id", "date"]].drop_duplicates().assign(on_site=True)
    days = days.merge(logged, on=["manager_id", "date"], how="left").merge(on_site, on=["manager_id", "date"],
                                                                              how="left")
    days[["logged", "on_site"]] = days[["logged", "on_site"]].fillna(False).astype(bool)
    days["week"] = days["date"] - pd.to_timedelta(days["date"].dt.day_of_week, unit="D")
    return days


def rate(numerator, denominator) -> float | None:
    return numerator / denominator if denominator else None


def attendance_rate(days: pd.DataFrame, window: Window, minimum: int) -> float | None:
    weeks = days[(days["week"] >= ts(window.start)) & (days["week"] + pd.Timedelta(days=6) <= ts(window.end))]
    per_week = weeks.groupby(["manager_id", "week"]).agg(posted=("workday", "sum"), on_site=("on_site", "sum"))
    required = per_week["posted"].clip(upper=minimum)
    due = required >= 1
    return rate(int((per_week["on_site"] >= required)[due].sum()), int(due.sum()))


def completeness_rate(days: pd.DataFrame, window: Window) -> float | None:
    posted = days[days["workday"] & days["date"].between(ts(window.start), ts(window.end))]
    return rate(int(posted["logged"].sum()), len(posted))


def training_rate(frames: dict, window: Window, settings: dict) -> float | None:
    first_start = frames["postings"].groupby("manager_id")["start_date"].min()
    first_start = first_start[first_start <= ts(window.end)].rename("first")
    training = frames["training"].merge(first_start, left_on="manager_id", right_index=True)
    training = training[training["date"] <= training["first"]]
    total = training.groupby("manager_id")["hours"].sum()
    skill = training[training["kind"] == "skill"].groupby("manager_id")["hours"].sum()
    assessments = frames["assessments"].merge(first_start, left_on="manager_id", right_index=True)
    passed = set(assessments.loc[(assessments["date"] <= assessments["first"]) & assessments["passed"], "manager_id"])
    hours = total.reindex(first_start.index, fill_value=0.0)
    skill_hours = skill.reindex(first_start.index, fill_value=0.0)
    ok = ((hours >= settings["min_training_hours"] - 1e-9) & (hours > 0)
          & (skill_hours >= settings["min_skill_share"] * hours - 1e-9) & first_start.index.isin(list(passed)))
    return rate(int(ok.sum()), len(first_start))


# ---- experts, lead time ---------------------------------------------------------------------------

def calls_in(frames: dict, window: Window) -> pd.DataFrame:
    calls = frames["calls"]
    return calls[(calls["requested_at"] >= ts(window.start))
                 & (calls["requested_at"] < ts(window.end + dt.timedelta(days=1)))]


def median_response(calls: pd.DataFrame) -> float | None:
    minutes = ((calls["responded_at"] - calls["requested_at"]).dt.total_seconds() / 60).dropna()
    return None if minutes.empty else round(float(minutes.median()), m_experts.MINUTES_DECIMALS)


def coverage(frames: dict, settings: dict) -> dict:
    experts = frames["experts"]
    counts = experts[experts["active"]].groupby("specialty").size()
    by_specialty = {code: int(counts.get(code, 0)) for code in SPECIALTIES}
    covered = sum(1 for count in by_specialty.values() if count >= settings["min_experts_per_specialty"])
    return {"by_specialty": by_specialty, "covered": covered, "rate": covered / len(SPECIALTIES)}


def calls_section(frames: dict, window: Window) -> dict:
    calls = calls_in(frames, window)
    numbers = frames["experts"].set_index("id")["expert_no"]
    per_expert = calls.assign(hours=calls["hours"].fillna(0.0)).groupby("expert_id").agg(
        calls=("hours", "size"), hours=("hours", "sum"))
    per_expert["expert_no"] = numbers.reindex(per_expert.index).to_numpy()
    by_expert = [{"expert_no": row.expert_no, "calls": int(row.calls), "hours": float(row.hours)}
                 for row in per_expert.sort_values("expert_no").itertuples()]
    return {"calls": len(calls), "closed": int(calls["closed_at"].notna().sum()),
            "median_response_minutes": median_response(calls), "by_expert": by_expert}


def lead_stats(frames: dict, window: Window) -> dict:
    apps = frames["applications"]
    apps = apps[apps["energized_on"].between(ts(window.start), ts(window.end))]
    days = (apps["energized_on"] - apps["applied_on"]).dt.days

    def group(resident: bool) -> dict:
        values = days[apps["resident_served"] == resident]
        if values.empty:
            return {"count": 0, "mean_days": None, "median_days": None}
        return {"count": len(values), "mean_days": round(float(values.mean()), m_lead_time.DAY_DECIMALS),
                "median_days": round(float(values.median()), m_lead_time.DAY_DECIMALS)}

    resident, other = group(True), group(False)
    reduction = None
    if resident["count"] and other["count"]:  # from the unrounded means, as the SQL
        means = days.groupby(apps["resident_served"]).mean()
        reduction = round(float(means[False] - means[True]), m_lead_time.DAY_DECIMALS)
    return {"resident": resident, "other": other, "reduction_days": reduction}


# ---- segments, needs -------------------------------------------------------------------------------

def segment_flags(frames: dict, as_of: dt.date, settings: dict) -> pd.DataFrame:
    c = frames["customers"]
    trading = (c["voltage_kv"] >= 10) & (c["annual_kwh"] >= settings["trading_min_kwh"]) & (c["market_status"] == "agency")
    hv_large = (c["voltage_kv"] >= settings["risk_min_kv"]) & (c["annual_kwh"] >= settings["risk_min_kwh"])
    flags = pd.DataFrame({"town": c["town"], "star": c["star_rating"] >= settings["star_min"],
                          "potential": not_blank(c["potential_reason"]),
                          "risk": c["churn_risk"] | trading | hv_large})
    flags["none"] = ~(flags["star"] | flags["potential"] | flags["risk"])
    postings = frames["postings"]
    posted = postings[(postings["start_date"] <= ts(as_of))
                      & (postings["end_date"].isna() | (postings["end_date"] >= ts(as_of)))]
    flags["covered"] = ~flags["none"] & c["id"].isin(set(posted["customer_id"]))
    return flags


def segment_counts(flags: pd.DataFrame) -> dict:
    counts = {"total": len(flags)}
    counts.update({key: int(flags[key].sum()) for key in ("star", "potential", "risk", "none", "covered")})
    return counts


def needs_lists(frames: dict, window: Window, settings: dict) -> dict[str, list[str]]:
    """The four rules of the contract; sorted account_no lists, like the report."""
    customers = frames["customers"].set_index("id")
    consumption = frames["consumption"]
    in_window = consumption[consumption["month"].between(ts(window.start), ts(window.end))]
    demand = in_window.dropna(subset=["max_demand_kw"]).join(customers[["capacity_kva", "billing_mode"]],
                                                             on="customer_id")
    rounding = m_needs.ROUNDING

    over = set(demand.loc[demand["max_demand_kw"] > demand["capacity_kva"], "customer_id"])
    last3 = demand.sort_values("month").groupby("customer_id").tail(m_needs.WATCH_MONTHS)
    last3 = last3.assign(high=last3["max_demand_kw"] >= settings["capacity_watch_ratio"] * last3["capacity_kva"]
                         - rounding)
    sustained = last3.groupby("customer_id").agg(months=("high", "size"), high=("high", "all"))
    sustained = set(sustained.index[(sustained["months"] >= m_needs.WATCH_MONTHS) & sustained["high"]])

    billed = demand[demand["billing_mode"].isin(m_needs.BASIC_CHARGE_MODES)]
    billed = billed.assign(by_capacity=billed["capacity_kva"] * settings["capacity_price"],
                           by_demand=billed["max_demand_kw"].clip(lower=m_needs.DEMAND_FLOOR_SHARE
                                                                  * billed["capacity_kva"]) * settings["demand_price"])
    costs = billed.groupby("customer_id").agg(mode=("billing_mode", "first"), by_capacity=("by_capacity", "sum"),
                                              by_demand=("by_demand", "sum"))
    on_capacity = costs["mode"] == "capacity"
    current = costs["by_capacity"].where(on_capacity, costs["by_demand"])
    other = costs["by_demand"].where(on_capacity, costs["by_capacity"])
    charge = set(costs.index[current - other >= settings["mode_saving_share"] * current - rounding])

    surge = {customer for customer, _month in surge_rows(consumption, window, settings)}
    c = frames["customers"]
    trading = c[(c["voltage_kv"] >= 10) & (c["annual_kwh"] >= settings["trading_min_kwh"])
                & (c["market_status"] == "agency")]
    account = customers["account_no"]
    return {"capacity_increase": sorted(account[list(over | sustained)]),
            "basic_charge_adjustment": sorted(account[list(charge)]),
            "direct_trading": sorted(trading["account_no"]),
            "surge": sorted(account[list(surge)])}


def surge_rows(consumption: pd.DataFrame, window: Window, settings: dict) -> set[tuple[int, pd.Timestamp]]:
    """(customer_id, month) of the surge months: kWh as whole Wh (rounded half up), as the SQL reads them."""
    wh = consumption.assign(wh=(consumption["kwh"] * m_needs.WH_PER_KWH + 0.5).apply(math.floor))
    by_month = {month: rows.set_index("customer_id")["wh"] for month, rows in wh.groupby("month")}
    found = set()
    for month in pd.date_range(ts(window.start).to_period("M").to_timestamp(), ts(window.end), freq="MS"):
        if month < ts(window.start) or month not in by_month:
            continue
        now = by_month[month]
        prior = [by_month.get(month - pd.DateOffset(months=back), pd.Series(dtype=float)).reindex(now.index)
                 for back in range(1, m_needs.PRIOR_MONTHS + 1)]
        total = sum(prior[1:], prior[0])
        surging = (total > 0) & (now * m_needs.PRIOR_MONTHS >= settings["surge_ratio"] * total - m_needs.ROUNDING)
        found |= {(customer, month) for customer in now.index[surging]}
    return found


# ---- the screens --------------------------------------------------------------------------------

def overview(frames: dict, view: View) -> dict:
    """The cards (the window and the one before) and the 12 monthly trend points."""
    settings, minimum = view.settings, int(view.settings["min_onsite_days"])
    windows = {"now": view.window, "before": view.window.previous(),
               **{month.start.isoformat(): month for month in view.trend}}
    days = day_table(frames, min(w.start for w in windows.values()), max(w.end for w in windows.values()))
    numbers = {key: {"attendance": attendance_rate(days, window, minimum),
                     "log_completeness": completeness_rate(days, window),
                     "training": training_rate(frames, window, settings),
                     "median_response_minutes": median_response(calls_in(frames, window)),
                     "lead_time": lead_stats(frames, window)}
               for key, window in windows.items()}
    numbers["coverage"] = coverage(frames, settings)
    return numbers


def attendance(frames: dict, view: View) -> dict:
    """The five manager-side KPIs for the window and the one before (kpis.naive), open problems."""
    logs = frames["logs"]
    open_problems = (not_blank(logs["problems"]) & (logs["status"] != "done") & (logs["date"] <= ts(view.window.end)))
    return {"now": kpis.naive(frames, view.window, view.settings),
            "before": kpis.naive(frames, view.window.previous(), view.settings),
            "open_problems": int(open_problems.sum())}


def experts(frames: dict, view: View) -> dict:
    """Coverage, calls of the window (and the one before), calls per specialty, open calls."""
    calls = calls_in(frames, view.window).merge(frames["experts"][["id", "specialty"]], left_on="expert_id",
                                                right_on="id")
    day_end = ts(view.window.end + dt.timedelta(days=1))
    all_calls = frames["calls"]
    still_open = (all_calls["requested_at"] < day_end) & (all_calls["closed_at"].isna() | (all_calls["closed_at"] >= day_end))
    return {"coverage": coverage(frames, view.settings), **calls_section(frames, view.window),
            "before": calls_section(frames, view.window.previous()),
            "by_specialty": calls.groupby("specialty").size().to_dict(), "open_calls": int(still_open.sum())}


def customers(frames: dict, view: View) -> dict:
    """Segment counts on the window's last day, and per town."""
    flags = segment_flags(frames, view.window.end, view.settings)
    by_town = flags.groupby("town")[["star", "potential", "risk", "none", "covered"]].sum()
    return {"counts": segment_counts(flags), "by_town": by_town.to_dict("index")}


def lead_time(frames: dict, view: View) -> dict:
    """Resident vs other for the window and the one before, and per month of the trend."""
    first = min(view.window.start, view.trend[0].start)
    months = trend_months(Window(first, view.window.end), months=(view.window.end.year - first.year) * 12
                          + view.window.end.month - first.month + 1)
    return {"now": lead_stats(frames, view.window), "before": lead_stats(frames, view.window.previous()),
            "trend": {month.start.isoformat(): lead_stats(frames, month) for month in months}}


def needs(frames: dict, view: View) -> dict:
    return needs_lists(frames, view.window, view.settings)


def meeting(frames: dict, view: View) -> dict:
    """The agenda's counts on view.as_of (all sections but the applications over their limits)."""
    as_of, settings = view.as_of, view.settings
    logs = frames["logs"]
    problems = not_blank(logs["problems"]) & (logs["status"] != "done") & (logs["date"] <= ts(as_of))
    calls, day_end = frames["calls"], ts(as_of + dt.timedelta(days=1))
    open_calls = (calls["requested_at"] < day_end) & (calls["closed_at"].isna() | (calls["closed_at"] >= day_end))
    thin = sum(1 for count in coverage(frames, settings)["by_specialty"].values()
               if count < settings["min_experts_per_specialty"])
    week = m_meeting.last_full_week(as_of)
    days = day_table(frames, week.start, week.end)
    per_week = days.groupby("manager_id").agg(posted=("workday", "sum"), on_site=("on_site", "sum"))
    required = per_week["posted"].clip(upper=int(settings["min_onsite_days"]))
    behind = int(((required >= 1) & (per_week["on_site"] < required)).sum())
    meetings = frames["meetings"]
    before = meetings[meetings["held_on"] < ts(as_of)]["held_on"]
    window = m_meeting.needs_window(before.max().date() if len(before) else None, as_of)
    found = needs_lists(frames, window, settings)
    new_needs = (len(found["capacity_increase"]) + len(found["basic_charge_adjustment"])
                 + len(surge_rows(frames["consumption"], window, settings)))
    held = set(meetings.loc[meetings["held_on"] <= ts(as_of), "id"])
    items = frames["action_items"]
    open_items = int(((items["status"] == "open") & items["meeting_id"].isin(held)).sum())
    return {"open_problems": int(problems.sum()), "expert_calls": int(open_calls.sum()), "expert_coverage": thin,
            "managers_behind_attendance": behind, "new_needs": new_needs, "action_items": open_items}


NAIVE = {"overview": overview, "attendance": attendance, "experts": experts, "customers": customers,
         "lead_time": lead_time, "needs": needs, "meeting": meeting}


# ---- the default view, timing and the check against the SQL ---------------------------------------------

def default_view(url: str, as_of: dt.date | None = None) -> View:
    """The screens' default: the last full quarter before the day after the newest log (ui.filters)."""
    from metrics.window import last_full_quarter

    engine = make_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        latest = conn.execute(text("SELECT max(date) FROM work_logs")).scalar()
        settings = load_settings(conn)
    engine.dispose()
    latest = dt.date.fromisoformat(str(latest)[:10]) if latest else None
    window = last_full_quarter(latest + dt.timedelta(days=1) if latest else dt.date.today())
    return View(window, as_of or dt.date.today(), settings)


def time_naive(url: str, screen: str, view: View) -> dict:
    """{"read", "compute", "total": wall seconds, "cpu": process CPU seconds, "numbers"}."""
    wall, cpu = time.perf_counter(), time.process_time()
    frames = read_frames(url, TABLES[screen])
    read = time.perf_counter() - wall
    numbers = NAIVE[screen](frames, view)
    total = time.perf_counter() - wall
    return {"read": read, "compute": total - read, "total": total, "cpu": time.process_time() - cpu,
            "numbers": numbers}


def _headline_sql(section, window: Window) -> dict:
    return {"attendance": section("attendance", window)["rate"],
            "log_completeness": section("log_completeness", window)["rate"],
            "training": section("training", window)["rate"],
            "median_response_minutes": section("experts", window)["median_response_minutes"],
            "lead_time": section("lead_time", window)}


def compared(conn, screen: str, view: View, numbers: dict) -> list[tuple[str, object, object]]:
    """(what, naive, SQL) pairs that must be equal: the report sections and metrics the screen shows."""
    window = view.window

    def section(key: str, in_window: Window) -> dict:
        return section_function(key)(conn, in_window, view.settings)

    if screen == "overview":
        last_month = view.trend[-1]
        return [("window", numbers["now"], _headline_sql(section, window)),
                ("last trend month", numbers[last_month.start.isoformat()], _headline_sql(section, last_month)),
                ("coverage", numbers["coverage"], section("experts", window)["coverage"])]
    if screen == "attendance":
        return [(area, numbers["now"][area], section(area, window)) for area in kpis.NAIVE_AREAS]
    if screen == "experts":
        found = {key: numbers[key] for key in ("coverage", "calls", "closed", "median_response_minutes", "by_expert")}
        return [("experts", found, section("experts", window))]
    if screen == "customers":
        return [("segments", numbers["counts"], section("segments", window))]
    if screen == "lead_time":
        return [("lead_time", numbers["now"], section("lead_time", window))]
    if screen == "needs":
        return [("needs", numbers, section("needs", window))]
    if screen == "meeting":
        agenda = m_meeting.agenda(conn, view.as_of, view.settings)
        counts = agenda.counts()
        behind = agenda.sections["managers_behind"]
        counts["managers_behind_attendance"] = int((behind["issue"] == "attendance").sum())
        return [(key, value, counts[key]) for key, value in numbers.items()]
    raise KeyError(screen)


def check(url: str, screen: str, view: View, numbers: dict) -> None:
    """Assert that the naive numbers equal the SQL's (AssertionError naming what differs)."""
    engine = make_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        pairs = compared(conn, screen, view, numbers)
    engine.dispose()
    for what, naive_value, sql_value in pairs:
        assert kpis.same(naive_value, sql_value), f"{screen} {what}: naive {naive_value!r} != SQL {sql_value!r}"
