"""Needs screening (data contract §3): capacity increase, basic charge, surge, direct trading.

The consumption rules look at the *window months*: consumption rows whose
month (stored as the month's first day) lies in the window. Each function
returns one row per finding with the numbers that raised it and a `rule`
text (English) and `rule_zh` (Chinese) for the screen.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from data_access.models import Consumption, Customer
from metrics.segments import MARKET_MIN_KV, trading_eligible_on_agency
from metrics.sql import month_index, scoped_customer_ids
from metrics.window import Scope, Window

# Contract: billed demand is never below 40% of capacity.
DEMAND_FLOOR_SHARE = 0.4
# Tolerance for "at least" comparisons of products like 0.85 x 1000 (kW, kWh, yuan): far below the
# data's precision, it makes a value exactly at a threshold count despite binary float rounding.
ROUNDING = 1e-6
PRIOR_MONTHS = 3  # surge: the 3 calendar months before
WATCH_MONTHS = 3  # capacity increase: the last 3 window months with max demand
MODE_NAMES = {"capacity": ("capacity", "按容量"), "demand": ("demand", "按需量")}


def _month_text(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def add_months(month: dt.date, count: int) -> dt.date:
    """First day of the month `count` months after (or before, when negative) `month`'s month."""
    year, index = divmod(month.year * 12 + month.month - 1 + count, 12)
    return dt.date(year, index + 1, 1)


def first_window_month(window: Window) -> dt.date:
    """The first month whose first day is in the window (it may lie after the window: then none is)."""
    return window.start if window.start.day == 1 else add_months(window.start, 1)


def in_window_months(window: Window):
    return Consumption.month.between(window.start, window.end)


def _scoped(query, column, scope: Scope, window: Window):
    customers = scoped_customer_ids(scope, window)
    return query if customers is None else query.where(column.in_(customers))


def _frame(conn: Connection, query, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(query).all(), columns=columns)


# --- capacity increase -------------------------------------------------------------------------

CAPACITY_COLUMNS = ["account_no", "name", "capacity_kva", "peak_month", "peak_demand_kw", "peak_ratio",
                    "over_months", "last3_min_ratio", "rule_code", "rule", "rule_zh"]


def capacity_increase(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Customers with a window month over capacity, or their last 3 window months with max demand all
    at least capacity_watch_ratio x capacity.

    peak_*: the window month with the highest max demand; last3_min_ratio: the lowest demand/capacity
    of the last 3 months with max demand (None with fewer than 3). rule_code: over_capacity or
    sustained_load (over_capacity when both apply).
    """
    ratio = settings["capacity_watch_ratio"]
    demand = Consumption.max_demand_kw
    capacity = Customer.capacity_kva
    rows = _scoped(
        select(
            Consumption.customer_id,
            Consumption.month,
            demand.label("demand"),
            capacity.label("capacity"),
            func.row_number().over(partition_by=Consumption.customer_id,
                                   order_by=Consumption.month.desc()).label("recent"),
            func.max(demand).over(partition_by=Consumption.customer_id).label("peak"),
        )
        .join(Customer, Customer.id == Consumption.customer_id)
        .where(in_window_months(window), demand.is_not(None)),
        Consumption.customer_id, scope, window,
    ).subquery()
    recent = rows.c.recent <= WATCH_MONTHS
    watched = and_(recent, rows.c.demand >= ratio * rows.c.capacity - ROUNDING)
    over_months = func.sum(case((rows.c.demand > rows.c.capacity, 1), else_=0))
    recent_months = func.sum(case((recent, 1), else_=0))
    recent_watched = func.sum(case((watched, 1), else_=0))
    per_customer = (
        select(
            rows.c.customer_id,
            func.max(rows.c.capacity).label("capacity_kva"),
            func.min(case((rows.c.demand == rows.c.peak, rows.c.month))).label("peak_month"),
            func.max(rows.c.demand).label("peak_demand_kw"),
            over_months.label("over_months"),
            recent_months.label("recent_months"),
            func.min(case((recent, rows.c.demand / rows.c.capacity))).label("last3_min_ratio"),
            recent_watched.label("recent_watched"),
        )
        .group_by(rows.c.customer_id)
        .having(or_(over_months > 0, and_(recent_months == WATCH_MONTHS, recent_watched == WATCH_MONTHS)))
        .subquery()
    )
    query = (
        select(Customer.account_no, Customer.name, per_customer.c.capacity_kva, per_customer.c.peak_month,
               per_customer.c.peak_demand_kw, per_customer.c.over_months, per_customer.c.recent_months,
               per_customer.c.last3_min_ratio)
        .join(per_customer, per_customer.c.customer_id == Customer.id)
        .order_by(Customer.account_no)
    )
    frame = _frame(conn, query, ["account_no", "name", "capacity_kva", "peak_month", "peak_demand_kw",
                                 "over_months", "recent_months", "last3_min_ratio"])
    frame["peak_month"] = pd.to_datetime(frame["peak_month"]).dt.date
    frame["peak_ratio"] = frame["peak_demand_kw"] / frame["capacity_kva"]
    frame.loc[frame["recent_months"] < WATCH_MONTHS, "last3_min_ratio"] = None
    frame["rule_code"] = frame["over_months"].gt(0).map({True: "over_capacity", False: "sustained_load"})
    frame["rule"] = [_capacity_rule(row, ratio, zh=False) for row in frame.itertuples()]
    frame["rule_zh"] = [_capacity_rule(row, ratio, zh=True) for row in frame.itertuples()]
    return frame[CAPACITY_COLUMNS]


def _capacity_rule(row, ratio: float, zh: bool) -> str:
    parts = []
    if row.over_months > 0:
        month = _month_text(row.peak_month)
        if zh:
            parts.append(f"{month} 最大需量 {row.peak_demand_kw:,.0f} kW > 合同容量 {row.capacity_kva:,.0f} kVA"
                         + (f"(共 {row.over_months} 个月超容)" if row.over_months > 1 else ""))
        else:
            parts.append(f"max demand {row.peak_demand_kw:,.0f} kW > capacity {row.capacity_kva:,.0f} kVA in {month}"
                         + (f" ({row.over_months} months over)" if row.over_months > 1 else ""))
    if row.last3_min_ratio is not None and row.last3_min_ratio >= ratio - ROUNDING:
        parts.append(f"近 3 个月最大需量均 ≥ 容量的 {ratio:.0%}" if zh
                     else f"last 3 months ≥ {ratio:.0%} of capacity")
    return "; ".join(parts)


# --- basic charge ------------------------------------------------------------------------------

BASIC_CHARGE_COLUMNS = ["account_no", "name", "capacity_kva", "billing_mode", "suggested_mode", "months",
                        "cost_by_capacity", "cost_by_demand", "current_cost", "saving", "saving_share",
                        "annual_saving", "rule", "rule_zh"]


def basic_charge(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Capacity- or demand-billed customers whose other basic-charge mode would have cost at least
    mode_saving_share less over the window months with max demand.

    cost_by_capacity = Σ capacity_kva × capacity_price; cost_by_demand = Σ max(max_demand_kw,
    0.4 × capacity_kva) × demand_price (yuan); saving = current - other mode's cost;
    annual_saving = saving × 12 / months (the window months used).
    """
    demand = Consumption.max_demand_kw
    floor = DEMAND_FLOOR_SHARE * Customer.capacity_kva
    billed_demand = case((demand >= floor, demand), else_=floor)
    costs = _scoped(
        select(
            Consumption.customer_id,
            func.count().label("months"),
            (func.sum(Customer.capacity_kva) * settings["capacity_price"]).label("by_capacity"),
            (func.sum(billed_demand) * settings["demand_price"]).label("by_demand"),
        )
        .join(Customer, Customer.id == Consumption.customer_id)
        .where(in_window_months(window), demand.is_not(None), Customer.billing_mode.in_(MODE_NAMES))
        .group_by(Consumption.customer_id),
        Consumption.customer_id, scope, window,
    ).subquery()
    by_capacity_now = Customer.billing_mode == "capacity"
    current = case((by_capacity_now, costs.c.by_capacity), else_=costs.c.by_demand)
    other = case((by_capacity_now, costs.c.by_demand), else_=costs.c.by_capacity)
    query = (
        select(Customer.account_no, Customer.name, Customer.capacity_kva, Customer.billing_mode, costs.c.months,
               costs.c.by_capacity, costs.c.by_demand)
        .join(costs, costs.c.customer_id == Customer.id)
        .where(current - other >= settings["mode_saving_share"] * current - ROUNDING)
        .order_by(Customer.account_no)
    )
    frame = _frame(conn, query, ["account_no", "name", "capacity_kva", "billing_mode", "months",
                                 "cost_by_capacity", "cost_by_demand"])
    by_capacity_mode = frame["billing_mode"] == "capacity"
    frame["suggested_mode"] = by_capacity_mode.map({True: "demand", False: "capacity"})
    frame["current_cost"] = frame["cost_by_capacity"].where(by_capacity_mode, frame["cost_by_demand"])
    other_cost = frame["cost_by_demand"].where(by_capacity_mode, frame["cost_by_capacity"])
    frame["saving"] = frame["current_cost"] - other_cost
    frame["saving_share"] = frame["saving"] / frame["current_cost"]
    frame["annual_saving"] = frame["saving"] * 12 / frame["months"]
    money = ["cost_by_capacity", "cost_by_demand", "current_cost", "saving", "annual_saving"]
    frame[money] = frame[money].astype(float).round(2)
    frame["rule"] = [_charge_rule(row, zh=False) for row in frame.itertuples()]
    frame["rule_zh"] = [_charge_rule(row, zh=True) for row in frame.itertuples()]
    return frame[BASIC_CHARGE_COLUMNS]


def _charge_rule(row, zh: bool) -> str:
    current, suggested = MODE_NAMES[row.billing_mode], MODE_NAMES[row.suggested_mode]
    other = row.current_cost - row.saving
    if zh:
        return (f"{row.months} 个月{current[1]} {row.current_cost:,.0f} 元,{suggested[1]} {other:,.0f} 元,"
                f"可省 {row.saving:,.0f} 元({row.saving_share:.1%}),折合每年 {row.annual_saving:,.0f} 元")
    return (f"{current[0]} mode {row.current_cost:,.0f} yuan vs {suggested[0]} mode {other:,.0f} yuan over "
            f"{row.months} months: saves {row.saving:,.0f} ({row.saving_share:.1%}), "
            f"{row.annual_saving:,.0f} yuan a year")


# --- surge -------------------------------------------------------------------------------------

SURGE_COLUMNS = ["account_no", "name", "month", "kwh", "prior_mean_kwh", "ratio", "rule", "rule_zh"]


def surge(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Window months whose kWh ≥ surge_ratio × the mean kWh of the 3 calendar months before,
    all 3 recorded and that mean > 0. One row per customer and surge month."""
    ratio = settings["surge_ratio"]
    earliest = add_months(first_window_month(window), -PRIOR_MONTHS)
    by_month = {"partition_by": Consumption.customer_id, "order_by": Consumption.month}
    rows = _scoped(
        select(
            Consumption.customer_id,
            Consumption.month,
            Consumption.kwh,
            month_index(Consumption.month).label("index"),
            func.lag(month_index(Consumption.month), PRIOR_MONTHS).over(**by_month).label("index_before"),
            (func.lag(Consumption.kwh, 1).over(**by_month) + func.lag(Consumption.kwh, 2).over(**by_month)
             + func.lag(Consumption.kwh, 3).over(**by_month)).label("prior_total"),
        ).where(Consumption.month.between(earliest, window.end)),
        Consumption.customer_id, scope, window,
    ).subquery()
    # (customer, month) is unique, so the row 3 back being exactly 3 months earlier means all 3 are there.
    query = (
        select(Customer.account_no, Customer.name, rows.c.month, rows.c.kwh,
               (rows.c.prior_total / PRIOR_MONTHS).label("prior_mean_kwh"))
        .join(rows, rows.c.customer_id == Customer.id)
        .where(
            rows.c.month >= window.start,
            rows.c.index_before == rows.c.index - PRIOR_MONTHS,
            rows.c.prior_total > 0,
            rows.c.kwh * PRIOR_MONTHS >= ratio * rows.c.prior_total - ROUNDING,
        )
        .order_by(Customer.account_no, rows.c.month)
    )
    frame = _frame(conn, query, ["account_no", "name", "month", "kwh", "prior_mean_kwh"])
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame["prior_mean_kwh"] = frame["prior_mean_kwh"].astype(float)
    frame["ratio"] = frame["kwh"] / frame["prior_mean_kwh"]
    frame["rule"] = [
        f"{row.kwh:,.0f} kWh in {_month_text(row.month)} = {row.ratio:.2f}× the mean "
        f"{row.prior_mean_kwh:,.0f} kWh of the 3 months before (≥ {ratio:g}×)" for row in frame.itertuples()
    ]
    frame["rule_zh"] = [
        f"{_month_text(row.month)} 用电 {row.kwh:,.0f} kWh,为前 3 个月均值 {row.prior_mean_kwh:,.0f} kWh 的 "
        f"{row.ratio:.2f} 倍(≥ {ratio:g} 倍)" for row in frame.itertuples()
    ]
    return frame[SURGE_COLUMNS]


# --- direct trading ----------------------------------------------------------------------------

TRADING_COLUMNS = ["account_no", "name", "voltage_kv", "annual_kwh", "market_status", "rule", "rule_zh"]


def direct_trading(conn: Connection, settings: dict, scope: Scope = Scope(),
                   as_of: dt.date | None = None) -> pd.DataFrame:
    """Customers of 10 kV and above with annual_kwh ≥ trading_min_kwh still on agency purchase.

    Not windowed; `as_of` (default today) only dates a team scope.
    """
    day = as_of or dt.date.today()
    query = _scoped(
        select(Customer.account_no, Customer.name, Customer.voltage_kv, Customer.annual_kwh,
               Customer.market_status)
        .where(trading_eligible_on_agency(settings))
        .order_by(Customer.account_no),
        Customer.id, scope, Window(day, day),
    )
    frame = _frame(conn, query, TRADING_COLUMNS[:5])
    minimum = settings["trading_min_kwh"]
    frame["rule"] = [
        f"{row.voltage_kv:g} kV ≥ {MARKET_MIN_KV} kV, {row.annual_kwh:,.0f} kWh/year ≥ {minimum:,.0f}, agency purchase"
        for row in frame.itertuples()
    ]
    frame["rule_zh"] = [
        f"{row.voltage_kv:g} kV ≥ {MARKET_MIN_KV} kV,年用电 {row.annual_kwh:,.0f} kWh ≥ {minimum:,.0f},代理购电"
        for row in frame.itertuples()
    ]
    return frame[TRADING_COLUMNS]


def section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's "needs" section: sorted account_no lists."""
    return {
        "capacity_increase": sorted(capacity_increase(conn, window, settings)["account_no"]),
        "basic_charge_adjustment": sorted(basic_charge(conn, window, settings)["account_no"]),
        "direct_trading": sorted(direct_trading(conn, settings, as_of=window.end)["account_no"]),
        "surge": sorted(set(surge(conn, window, settings)["account_no"])),
    }
