"""Needs screening (data contract §3): capacity increase, basic charge, surge, direct trading.

The consumption rules look at the *window months*: consumption rows whose
month (stored as the month's first day) lies in the window. Each function
returns one row per finding with the numbers that raised it and a `rule`
text (English) and `rule_zh` (Chinese) for the screen.

Speed (province demo: 1.16 M consumption rows, 723 k of them in the 15 months a 12-month report
reads, 48 k of the 300 k customers with consumption):
- The demand figures per customer (count, peak, lowest and total max demand of the window months)
  come from one join-free pass over the covering index ix_consumption_customer_values in customer
  order; capacity is applied per customer afterwards. Only the customers the aggregates cannot
  decide get a correlated look-up of their months: the 40% floor when their lowest month is below
  it (3 k customers), the last-3-months watch when their lowest month is below the ratio and their
  peak above it (10 k). Joining the customer to every consumption row instead costs as much.
- The surge rule needs each month next to the 3 before it: window functions (LAG) cost about 1 µs
  a row on SQLite, so the months are pivoted into one row per customer instead (on SQLite through
  a JSON object per customer, elsewhere with one conditional aggregate per month), with kWh as
  whole Wh (to 0.001 kWh) on both databases: SQLite writes and reads integers in JSON much faster
  than floats. The surge screen expands the months of the customers with a surge only.
- The report section: on PostgreSQL one pass gives the demand figures (FILTERed to the window
  months) and the pivot together. On SQLite the surge pass stays separate: FILTERing the 4 demand
  aggregates inside it costs as much as the second pass it saves (~0.15 s each).

Measured at province scale, 12-month window (SQLite: process CPU s; PostgreSQL: best wall s of 7;
old and new code run alternately on a loaded 2-core machine, load average ~2.5):

| function          | SQLite before | after | PostgreSQL before | after |
|-------------------|--------------:|------:|------------------:|------:|
| section()         |          0.80 |  0.68 |              0.71 |  0.38 |
| capacity_increase |          0.34 |  0.28 |              0.37 |  0.27 |
| basic_charge      |          0.32 |  0.27 |              0.39 |  0.26 |
| surge             |          0.52 |  0.44 |              0.76 |  0.40 |
| direct_trading    |          0.21 |  0.12 |              0.23 |  0.14 |

bench/kpis.py at load average ~4.5, needs area: SQLite 1.07 s wall (0.83 CPU) before, 1.11 (0.69)
after; PostgreSQL 1.39 s before, 0.74 after.

What the SQLite section still spends: the demand pass 0.24 s (grouping the window rows with its 4
aggregates 0.14 s, of which a bare grouped scan is 0.07 s), the surge pass 0.35 s (grouping and
JSON objects 0.16 s, reading the 15 months back out of them 0.15 s), direct trading 0.03 s. Tried
and slower: LAG (0.94 s for the surge pass), a running sum over a ROWS frame (0.56 s), 15
conditional aggregates (0.73 s), JSON object keys shorter than the month (the key costs a function
call a row), the demand aggregates FILTERed inside the surge pass (see above). A JSON array read by
position would save ~0.08 s but depends on the order in which rows reach the aggregate, which
SQLite does not promise (ORDER BY inside an aggregate needs SQLite 3.44; we run on 3.40).
"""
from __future__ import annotations

import datetime as dt
from collections import namedtuple

import pandas as pd
from sqlalchemy import (BigInteger, Date, String, and_, case, cast, false, func, literal, literal_column, null, or_,
                        select, true, union_all)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from data_access.models import Consumption, Customer
from metrics.segments import MARKET_MIN_KV, trading_eligible_on_agency
from metrics.sql import query_frame, scoped_customer_ids
from metrics.window import Scope, Window

# Contract: billed demand is never below 40% of capacity.
DEMAND_FLOOR_SHARE = 0.4
# Tolerance for "at least" comparisons of products like 0.85 x 1000 (kW, kWh, yuan): far below the
# data's precision, it makes a value exactly at a threshold count despite binary float rounding.
ROUNDING = 1e-6
PRIOR_MONTHS = 3  # surge: the 3 calendar months before
WH_PER_KWH = 1000  # the surge rule reads kWh to 0.001 kWh (whole Wh)
WATCH_MONTHS = 3  # capacity increase: the last 3 window months with max demand
BASIC_CHARGE_MODES = ("capacity", "demand")
MODE_NAMES = {"capacity": ("capacity", "按容量"), "demand": ("demand", "按需量")}


class month_in_customer_order(FunctionElement):
    """Consumption.month for a range filter that must not drive the plan.

    On SQLite a unary + keeps the planner off the (month, customer_id) index, so it scans the
    covering (customer_id, month, kwh, max_demand_kw) index in customer order and groups without
    sorting. Elsewhere the plain column.
    """

    type = Date()
    inherit_cache = True


@compiles(month_in_customer_order)
def _month_default(element, compiler, **kw):
    return compiler.process(Consumption.__table__.c.month, **kw)


@compiles(month_in_customer_order, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return "+" + compiler.process(Consumption.__table__.c.month, **kw)


def _rows(frame: pd.DataFrame, columns: list[str]) -> list:
    """The frame's rows as named tuples of plain Python values, for the rule texts.

    itertuples() reads pandas' Arrow-backed text columns one element at a time (about 2 µs each).
    """
    row = namedtuple("Row", columns)
    return [row(*values) for values in zip(*(frame[column].tolist() for column in columns))]


def _month_text(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def add_months(month: dt.date, count: int) -> dt.date:
    """First day of the month `count` months after (or before, when negative) `month`'s month."""
    year, index = divmod(month.year * 12 + month.month - 1 + count, 12)
    return dt.date(year, index + 1, 1)


def first_window_month(window: Window) -> dt.date:
    """The first month whose first day is in the window (it may lie after the window: then none is)."""
    return window.start if window.start.day == 1 else add_months(window.start, 1)


def window_months(window: Window) -> list[dt.date]:
    """First days of the months whose first day is in the window."""
    months = []
    month = first_window_month(window)
    while month <= window.end:
        months.append(month)
        month = add_months(month, 1)
    return months


def _scoped(query, column, scope: Scope, window: Window):
    customers = scoped_customer_ids(scope, window)
    return query if customers is None else query.where(column.in_(customers))


# --- per customer: window demand (capacity increase, basic charge) and, off SQLite, surge ------------


def _demand_aggregates(in_window=None) -> list:
    """count, peak, lowest and total max demand per customer, over the rows where `in_window` holds
    (all rows read when None). Rows without max demand do not count."""
    demand = Consumption.max_demand_kw
    aggregates = {"demand_months": func.count(demand), "peak_demand_kw": func.max(demand),
                  "low_demand_kw": func.min(demand), "total_demand_kw": func.sum(demand)}
    return [(aggregate if in_window is None else aggregate.filter(in_window)).label(name)
            for name, aggregate in aggregates.items()]


def _per_customer(window: Window, scope: Scope, pivot_months: list[dt.date] | None = None, dialect: str = ""):
    """Subquery, one row per customer with consumption: the window's demand aggregates and, given
    `pivot_months`, columns m0, m1, ... of Wh in those months (from 3 before the first window month).

    Without a pivot it reads the window months only; with one, the earlier months too, and the
    demand aggregates are filtered to the window months.
    """
    if pivot_months:
        first = pivot_months[0]
        columns = _demand_aggregates(Consumption.month >= window.start) + _wh_columns(pivot_months, dialect)
    else:
        first = window.start
        columns = _demand_aggregates()
    query = (select(Consumption.customer_id, *columns)
             .where(month_in_customer_order().between(first, window.end))
             .group_by(Consumption.customer_id))
    return _scoped(query, Consumption.customer_id, scope, window).subquery("per_customer")


def _window_demand_rows(customer_id, window: Window):
    """The customer's window months with max demand, as an alias and a condition (for subqueries)."""
    months = aliased(Consumption)
    condition = and_(months.customer_id == customer_id, months.month.between(window.start, window.end),
                     months.max_demand_kw.is_not(None))
    return months, condition


def _last3_min_demand(stats, window: Window):
    """The lowest max demand of the customer's last 3 window months with max demand (correlated)."""
    months, condition = _window_demand_rows(stats.c.customer_id, window)
    # correlate() explicitly: the reference to stats sits two levels down.
    last3 = (select(months.max_demand_kw.label("demand")).where(condition).correlate(stats)
             .order_by(months.month.desc()).limit(WATCH_MONTHS).subquery())
    return select(func.min(last3.c.demand)).scalar_subquery()


def _billed_demand(stats, window: Window):
    """Σ max(max demand, 40% of capacity) over the window months with max demand.

    The plain total when no month is below the floor (most customers); otherwise a correlated sum
    over the customer's months, which a CASE runs only then.
    """
    floor = DEMAND_FLOOR_SHARE * Customer.capacity_kva
    months, condition = _window_demand_rows(stats.c.customer_id, window)
    demand = months.max_demand_kw
    floored = select(func.sum(case((demand >= floor, demand), else_=floor))).where(condition)
    return case((stats.c.demand_months == 0, null()), (stats.c.low_demand_kw >= floor, stats.c.total_demand_kw),
                else_=floored.scalar_subquery())


def _sustained_load(stats, window: Window, settings: dict):
    """The last 3 window months with max demand all at or above the watch ratio.

    Decided from the aggregates when it can be (fewer than 3 months, lowest or peak against the
    ratio); the correlated look-up of the last 3 months runs only for the rest.
    """
    watch = settings["capacity_watch_ratio"] * Customer.capacity_kva - ROUNDING
    return case(
        (stats.c.demand_months < WATCH_MONTHS, false()),
        (stats.c.low_demand_kw >= watch, true()),
        (stats.c.peak_demand_kw < watch, false()),
        else_=_last3_min_demand(stats, window) >= watch,
    )


def _needs_stats(window: Window, settings: dict, scope: Scope, rules: tuple[str, ...] = ("capacity", "charge"),
                 pivot_months: list[dt.date] | None = None, dialect: str = ""):
    """Subquery per customer with consumption: account_no, name, capacity_kva, billing_mode,
    demand_months, peak_demand_kw; for the capacity rule sustained_load (bool), for the charge rule
    billed_demand; given `pivot_months`, surge (bool: some window month surges).

    OFFSET 0 keeps the database from merging it into the outer query, which would repeat the
    correlated look-ups for each use of a column (PostgreSQL and SQLite alike).
    """
    stats = _per_customer(window, scope, pivot_months, dialect)
    columns = [Customer.account_no, Customer.name, Customer.capacity_kva, Customer.billing_mode,
               stats.c.customer_id, stats.c.demand_months, stats.c.peak_demand_kw]
    if "capacity" in rules:
        columns.append(_sustained_load(stats, window, settings).label("sustained_load"))
    if "charge" in rules:
        columns.append(_billed_demand(stats, window).label("billed_demand"))
    if pivot_months:
        conditions = [condition for *_, condition in _surge_terms(stats, pivot_months, settings)]
        columns.append(or_(*conditions).label("surge"))
    return (select(*columns).join(Customer, Customer.id == stats.c.customer_id)
            .offset(0).subquery("needs_stats"))


def _capacity_need(stats):
    return or_(stats.c.peak_demand_kw > stats.c.capacity_kva, stats.c.sustained_load)


def _charge_costs(stats, settings: dict) -> dict:
    by_capacity = stats.c.demand_months * stats.c.capacity_kva * settings["capacity_price"]
    by_demand = stats.c.billed_demand * settings["demand_price"]
    on_capacity = stats.c.billing_mode == "capacity"
    return {
        "by_capacity": by_capacity,
        "by_demand": by_demand,
        "current": case((on_capacity, by_capacity), else_=by_demand),
        "other": case((on_capacity, by_demand), else_=by_capacity),
    }


def _charge_need(stats, settings: dict):
    costs = _charge_costs(stats, settings)
    return and_(
        stats.c.billing_mode.in_(BASIC_CHARGE_MODES),
        stats.c.demand_months > 0,
        costs["current"] - costs["other"] >= settings["mode_saving_share"] * costs["current"] - ROUNDING,
    )


# --- capacity increase -------------------------------------------------------------------------

CAPACITY_COLUMNS = ["account_no", "name", "capacity_kva", "peak_month", "peak_demand_kw", "peak_ratio",
                    "over_months", "last3_min_ratio", "rule_code", "rule", "rule_zh"]


def capacity_increase(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Customers with a window month over capacity, or their last 3 window months with max demand all
    at least capacity_watch_ratio x capacity.

    peak_*: the (first) window month with the highest max demand; last3_min_ratio: the lowest
    demand/capacity of the last 3 months with max demand (None with fewer than 3). rule_code:
    over_capacity or sustained_load (over_capacity when both apply).
    """
    stats = _needs_stats(window, settings, scope, rules=("capacity",))
    query = (select(*_capacity_columns(stats, window)).where(_capacity_need(stats))
             .order_by(stats.c.account_no))
    return _capacity_frame(query_frame(conn, query, _CAPACITY_READ), settings)


_CAPACITY_READ = ["account_no", "name", "capacity_kva", "peak_month", "peak_demand_kw", "over_months",
                  "last3_min_demand"]


def _capacity_columns(stats, window: Window, when=None) -> list:
    """The columns of _CAPACITY_READ; the month look-ups only where `when` holds (if given)."""
    months, in_window = _window_demand_rows(stats.c.customer_id, window)
    peak_month = select(func.min(months.month)).where(in_window, months.max_demand_kw == stats.c.peak_demand_kw)
    over_months = select(func.count()).where(in_window, months.max_demand_kw > stats.c.capacity_kva)
    looked_up = [peak_month.scalar_subquery(), over_months.scalar_subquery(),
                 case((stats.c.demand_months >= WATCH_MONTHS, _last3_min_demand(stats, window)))]
    if when is not None:
        looked_up = [case((when, column)) for column in looked_up]
    peak, over, last3 = looked_up
    return [stats.c.account_no, stats.c.name, stats.c.capacity_kva, peak.label("peak_month"), stats.c.peak_demand_kw,
            over.label("over_months"), last3.label("last3_min_demand")]


def _capacity_frame(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """CAPACITY_COLUMNS from the _CAPACITY_READ columns of the customers that need more capacity."""
    ratio = settings["capacity_watch_ratio"]
    frame = frame[_CAPACITY_READ].copy()
    frame["over_months"] = frame["over_months"].astype(int)
    frame["peak_ratio"] = frame["peak_demand_kw"] / frame["capacity_kva"]
    frame["last3_min_ratio"] = frame["last3_min_demand"].astype(float) / frame["capacity_kva"]
    frame["rule_code"] = frame["over_months"].gt(0).map({True: "over_capacity", False: "sustained_load"})
    rows = _rows(frame, ["over_months", "peak_month", "peak_demand_kw", "capacity_kva", "last3_min_ratio"])
    frame["rule"] = [_capacity_rule(row, ratio, zh=False) for row in rows]
    frame["rule_zh"] = [_capacity_rule(row, ratio, zh=True) for row in rows]
    return frame[CAPACITY_COLUMNS].reset_index(drop=True)


def _capacity_rule(row, ratio: float, zh: bool) -> str:
    parts = []
    if row.over_months > 0:
        month = _month_text(row.peak_month)
        if zh:
            parts.append(f"{month} 最大需量 {row.peak_demand_kw:,.0f} kW > 合同容量 {row.capacity_kva:,.0f} kVA"
                         + (f"(共 {row.over_months} 个月超容)" if row.over_months > 1 else ""))
        else:
            parts.append(f"max demand {row.peak_demand_kw:,.0f} kW > capacity {row.capacity_kva:,.0f} kVA "
                         f"in {month}"
                         + (f" ({row.over_months} months over)" if row.over_months > 1 else ""))
    if row.last3_min_ratio >= ratio - ROUNDING:  # NaN (fewer than 3 months) compares False
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
    stats = _needs_stats(window, settings, scope, rules=("charge",))
    query = (select(*_charge_columns(stats, settings)).where(_charge_need(stats, settings))
             .order_by(stats.c.account_no))
    return _charge_frame(query_frame(conn, query, _CHARGE_READ))


_CHARGE_READ = ["account_no", "name", "capacity_kva", "billing_mode", "months", "cost_by_capacity", "cost_by_demand"]


def _charge_columns(stats, settings: dict) -> list:
    """The columns of _CHARGE_READ."""
    costs = _charge_costs(stats, settings)
    return [stats.c.account_no, stats.c.name, stats.c.capacity_kva, stats.c.billing_mode,
            stats.c.demand_months.label("months"), costs["by_capacity"].label("cost_by_capacity"),
            costs["by_demand"].label("cost_by_demand")]


def _charge_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """BASIC_CHARGE_COLUMNS from the _CHARGE_READ columns of the customers to move."""
    frame = frame[_CHARGE_READ].copy()
    frame["months"] = frame["months"].astype(int)
    by_capacity_mode = frame["billing_mode"] == "capacity"
    frame["suggested_mode"] = by_capacity_mode.map({True: "demand", False: "capacity"})
    frame["current_cost"] = frame["cost_by_capacity"].where(by_capacity_mode, frame["cost_by_demand"])
    other_cost = frame["cost_by_demand"].where(by_capacity_mode, frame["cost_by_capacity"])
    frame["saving"] = frame["current_cost"] - other_cost
    frame["saving_share"] = frame["saving"] / frame["current_cost"]
    frame["annual_saving"] = frame["saving"] * 12 / frame["months"]
    money = ["cost_by_capacity", "cost_by_demand", "current_cost", "saving", "annual_saving"]
    frame[money] = frame[money].astype(float).round(2)
    rows = _rows(frame, ["billing_mode", "suggested_mode", "months", "current_cost", "saving", "saving_share",
                         "annual_saving"])
    frame["rule"] = [_charge_rule(row, zh=False) for row in rows]
    frame["rule_zh"] = [_charge_rule(row, zh=True) for row in rows]
    return frame[BASIC_CHARGE_COLUMNS].reset_index(drop=True)


def demand_findings(conn: Connection, window: Window, settings: dict,
                    scope: Scope = Scope()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(capacity_increase, basic_charge) from one pass over the window's consumption: the per-customer
    demand figures both rules read are worked out once (each function alone works them out again)."""
    stats = _needs_stats(window, settings, scope)
    capacity, charge = _capacity_need(stats), _charge_need(stats, settings)
    flags = [case((capacity, 1), else_=0).label("capacity"), case((charge, 1), else_=0).label("charge")]
    charge_columns = _charge_columns(stats, settings)[3:]  # account_no, name, capacity_kva: in the capacity ones
    query = (select(*_capacity_columns(stats, window, when=capacity), *charge_columns, *flags)
             .where(or_(capacity, charge)).order_by(stats.c.account_no))
    names = [*_CAPACITY_READ, *_CHARGE_READ[3:], "capacity", "charge"]
    frame = query_frame(conn, query, names)
    return (_capacity_frame(frame[frame["capacity"] == 1], settings),
            _charge_frame(frame[frame["charge"] == 1]))


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


def _whole_wh(dialect: str):
    """kWh as whole Wh, rounded half up (integers make SQLite's JSON fast).

    SQLite's CAST truncates (here: floors, the value being positive); PostgreSQL's rounds, so floor first.
    """
    # Constants inline, not bound: SQLite computes identical aggregates once only if their text matches.
    half_up = Consumption.kwh * literal_column(str(WH_PER_KWH)) + literal_column("0.5")
    return cast(half_up if dialect == "sqlite" else func.floor(half_up), BigInteger)


def _wh_columns(months: list[dt.date], dialect: str) -> list:
    """Aggregate columns m0, m1, ...: Wh in each of `months` (NULL when missing).

    One conditional aggregate per month; on SQLite that is slow (~0.3 µs per month and row), so it
    collects the months into one JSON object per customer and reads them back by key, about 3 times
    faster (SQLite computes the object once, however many columns read it).
    """
    if dialect != "sqlite":
        return [func.max(case((Consumption.month == month, _whole_wh(dialect)))).label(f"m{i}")
                for i, month in enumerate(months)]
    by_month = func.json_group_object(Consumption.month, _whole_wh(dialect))
    return [func.json_extract(by_month, literal(f'$."{month.isoformat()}"', String), type_=BigInteger).label(f"m{i}")
            for i, month in enumerate(months)]


def _read_months(window: Window) -> list[dt.date]:
    """The months the surge rule reads: from 3 before the first window month to the last; [] without
    window months."""
    months = window_months(window)
    if not months:
        return []
    return [add_months(months[0], offset - PRIOR_MONTHS) for offset in range(len(months) + PRIOR_MONTHS)]


def _kwh_pivot(window: Window, scope: Scope, dialect: str):
    """Subquery with one row per customer and a column m0, m1, ... of Wh per month (NULL when missing),
    from 3 months before the first window month to the last; and those months. None without
    window months."""
    read = _read_months(window)
    if not read:
        return None, []
    pivot = _scoped(
        select(Consumption.customer_id, *_wh_columns(read, dialect))
        .where(month_in_customer_order().between(read[0], window.end)).group_by(Consumption.customer_id),
        Consumption.customer_id, scope, window,
    )
    # OFFSET 0 keeps the database from merging the pivot into the outer query, which would
    # compute a month's column again for each surge term that uses it.
    return pivot.offset(0).subquery("wh_pivot"), read


def _surge_terms(pivot, read: list[dt.date], settings: dict):
    """(month, Wh, Wh of the 3 months before, surge condition) per window month, on the pivot's columns."""
    ratio = settings["surge_ratio"]
    for i in range(PRIOR_MONTHS, len(read)):
        wh = pivot.c[f"m{i}"]
        # A missing month (NULL) makes the sum NULL and the condition not true: all 3 must be present.
        prior = sum((pivot.c[f"m{i - back}"] for back in range(2, PRIOR_MONTHS + 1)), pivot.c[f"m{i - 1}"])
        yield read[i], wh, prior, and_(prior > 0, wh * PRIOR_MONTHS >= ratio * prior - ROUNDING)


def _surge_months(window: Window, settings: dict, scope: Scope, dialect: str):
    """Subquery (customer_id, month, kwh, prior_total) of the surge months, or None without window months."""
    pivot, read = _kwh_pivot(window, scope, dialect)
    if pivot is None:
        return None
    # One branch per window month, over the few customers with a surge only.
    conditions = [condition for *_, condition in _surge_terms(pivot, read, settings)]
    surging = select(pivot).where(or_(*conditions)).cte("surging").prefix_with("MATERIALIZED")
    branches = [
        select(surging.c.customer_id, literal(month, Date).label("month"), (wh / WH_PER_KWH).label("kwh"),
               (prior / WH_PER_KWH).label("prior_total")).where(condition)
        for month, wh, prior, condition in _surge_terms(surging, read, settings)
    ]
    return union_all(*branches).subquery("surge_months")


def _surge_customers(window: Window, settings: dict, scope: Scope, dialect: str):
    """SELECT of the customer ids with at least one surge month, or None without window months."""
    pivot, read = _kwh_pivot(window, scope, dialect)
    if pivot is None:
        return None
    conditions = [condition for *_, condition in _surge_terms(pivot, read, settings)]
    return select(pivot.c.customer_id).where(or_(*conditions))


def surge(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Window months whose kWh ≥ surge_ratio × the mean kWh of the 3 calendar months before,
    all 3 recorded and that mean > 0. One row per customer and surge month."""
    surges = _surge_months(window, settings, scope, conn.dialect.name)
    if surges is None:
        return pd.DataFrame(columns=SURGE_COLUMNS)
    # The customer's columns looked up per surge row: joined, PostgreSQL cannot tell how few rows
    # surge and hashes all customers (~0.1 s at province scale).
    customer = {column.key: select(column).where(Customer.id == surges.c.customer_id).scalar_subquery()
                for column in (Customer.account_no, Customer.name)}
    query = (
        select(customer["account_no"].label("account_no"), customer["name"].label("name"), surges.c.month,
               surges.c.kwh, (surges.c.prior_total / PRIOR_MONTHS).label("prior_mean_kwh"))
        .order_by("account_no", surges.c.month)
    )
    frame = query_frame(conn, query, ["account_no", "name", "month", "kwh", "prior_mean_kwh"])
    frame[["kwh", "prior_mean_kwh"]] = frame[["kwh", "prior_mean_kwh"]].astype(float)
    frame["ratio"] = frame["kwh"] / frame["prior_mean_kwh"]
    ratio = settings["surge_ratio"]
    rows = _rows(frame, ["month", "kwh", "prior_mean_kwh", "ratio"])
    frame["rule"] = [
        f"{row.kwh:,.0f} kWh in {_month_text(row.month)} = {row.ratio:.2f}× the mean "
        f"{row.prior_mean_kwh:,.0f} kWh of the 3 months before (≥ {ratio:g}×)" for row in rows
    ]
    frame["rule_zh"] = [
        f"{_month_text(row.month)} 用电 {row.kwh:,.0f} kWh,为前 3 个月均值 {row.prior_mean_kwh:,.0f} kWh 的 "
        f"{row.ratio:.2f} 倍(≥ {ratio:g} 倍)" for row in rows
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
    frame = query_frame(conn, query, TRADING_COLUMNS[:5])
    minimum = settings["trading_min_kwh"]
    rows = _rows(frame, ["voltage_kv", "annual_kwh"])
    frame["rule"] = [
        f"{row.voltage_kv:g} kV ≥ {MARKET_MIN_KV} kV, {row.annual_kwh:,.0f} kWh/year ≥ {minimum:,.0f}, "
        "agency purchase"
        for row in rows
    ]
    frame["rule_zh"] = [
        f"{row.voltage_kv:g} kV ≥ {MARKET_MIN_KV} kV,年用电 {row.annual_kwh:,.0f} kWh ≥ {minimum:,.0f},代理购电"
        for row in rows
    ]
    return frame[TRADING_COLUMNS]


NEEDS_KEYS = ("capacity_increase", "basic_charge_adjustment", "direct_trading", "surge")


def section_parts(dialect: str) -> tuple:
    """The report section's independent queries, each f(conn, window, settings) -> part of the dict.

    metrics.report runs them side by side on their own connections. SQLite reads the surge months
    in a pass of their own (see the module docstring); elsewhere one pass gives the demand figures
    and the kWh pivot together.
    """
    if dialect == "sqlite":
        return (demand_lists, surge_list, trading_list)
    return (demand_and_surge_lists, trading_list)


def section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's "needs" section: sorted account_no lists (ids only, no rule texts)."""
    lists = {}
    for part in section_parts(conn.dialect.name):
        lists.update(part(conn, window, settings))
    return merge_section(lists)


def merge_section(lists: dict) -> dict:
    """The section's lists in the contract's key order."""
    return {key: lists[key] for key in NEEDS_KEYS}


def trading_list(conn: Connection, window: Window, settings: dict) -> dict:
    trading = select(Customer.account_no).where(trading_eligible_on_agency(settings))
    return {"direct_trading": sorted(conn.execute(trading).scalars().all())}


def demand_lists(conn: Connection, window: Window, settings: dict, *, with_surge: bool = False) -> dict:
    """capacity_increase and basic_charge_adjustment (and surge, when with_surge) from one pass."""
    read = _read_months(window)
    keys = ("capacity_increase", "basic_charge_adjustment") + (("surge",) if with_surge else ())
    if not read:  # no window months: nothing to screen
        return {key: [] for key in keys}
    stats = _needs_stats(window, settings, Scope(), pivot_months=read if with_surge else None,
                         dialect=conn.dialect.name)
    flags = [_capacity_need(stats), _charge_need(stats, settings)] + ([stats.c.surge] if with_surge else [])
    rows = conn.execute(
        select(stats.c.account_no, *(case((flag, 1), else_=0) for flag in flags)).where(or_(*flags))
    ).all()
    return {key: sorted(row[0] for row in rows if row[index]) for index, key in enumerate(keys, start=1)}


def demand_and_surge_lists(conn: Connection, window: Window, settings: dict) -> dict:
    return demand_lists(conn, window, settings, with_surge=True)


def surge_list(conn: Connection, window: Window, settings: dict) -> dict:
    surging = _surge_customers(window, settings, Scope(), conn.dialect.name)
    if surging is None:
        return {"surge": []}
    return {"surge": sorted(conn.execute(select(Customer.account_no).where(Customer.id.in_(surging))).scalars())}
