"""Needs screening (data contract §3): four rules that point a manager at a customer to talk to.

- capacity increase: a window month's max demand above the contract capacity, or the last 3 window
  months with max demand all at least capacity_watch_ratio x capacity (`capacity_need`);
- basic-charge adjustment: a capacity- or demand-billed customer whose other billing mode would have
  cost at least mode_saving_share less over the window months with max demand (`charge_need`);
- surge: a window month's kWh at least surge_ratio x the mean of the 3 calendar months before, all 3
  recorded and that mean above 0 (`surge_terms`);
- direct trading: 10 kV and above, annual_kwh at least trading_min_kwh, still on agency purchase
  (`metrics.segments.trading_eligible_on_agency`); not windowed.

The consumption rules look at the *window months*: consumption rows whose month (stored as the
month's first day) lies in the window. The screen functions return one row per finding with the
numbers that raised it and a `finding`: the rule's parts that hold, as (code, parameters) pairs,
which the UI turns into words (`ui.needs_text`, words in `ui/words/needs_findings.py`). The
report's section returns account numbers only. How the queries are kept fast and what was tried:
docs/performance.md, "Design notes moved from code".
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Date,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
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
    """The frame's rows as named tuples of plain Python values, for the findings.

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


# --- the capacity-increase rule ------------------------------------------------------------------


def capacity_need(stats, window: Window, settings: dict):
    """The capacity-increase rule, one SQL condition per customer.

    A customer needs more capacity when
    - over capacity: the highest max demand of a window month is above the contract capacity, or
    - sustained load: its last 3 window months with max demand all reach
      capacity_watch_ratio x capacity (a customer with fewer than 3 such months never does).

    `stats` is `_per_customer` (one row per customer with consumption: demand_months,
    peak_demand_kw, low_demand_kw over the window months with max demand); `_needs_stats` joins
    the customer for its capacity_kva. The sustained load is read off those figures when they
    settle it (every month at the ratio, or none); only the other customers look up their last 3.
    """
    capacity = Customer.capacity_kva
    watch = settings["capacity_watch_ratio"] * capacity - ROUNDING
    over_capacity = stats.c.peak_demand_kw > capacity
    sustained_load = case(
        (stats.c.demand_months < WATCH_MONTHS, false()),
        (stats.c.low_demand_kw >= watch, true()),
        (stats.c.peak_demand_kw < watch, false()),
        else_=_last3_min_demand(stats, window) >= watch,
    )
    return or_(over_capacity, sustained_load)


def capacity_finding(row, ratio: float) -> tuple:
    """The parts of the capacity rule that hold for `row` (over_months, peak_month, peak_demand_kw,
    capacity_kva, last3_min_ratio), as (code, parameters) pairs; `ratio` is capacity_watch_ratio."""
    parts = []
    if row.over_months > 0:
        code = "over_capacity_months" if row.over_months > 1 else "over_capacity"
        parts.append(
            (
                code,
                {
                    "month": _month_text(row.peak_month),
                    "peak_demand_kw": row.peak_demand_kw,
                    "capacity_kva": row.capacity_kva,
                    "over_months": row.over_months,
                },
            )
        )
    if row.last3_min_ratio >= ratio - ROUNDING:  # NaN (fewer than 3 months) compares False
        parts.append(("sustained_load", {"ratio": ratio}))
    return tuple(parts)


# --- the basic-charge rule -----------------------------------------------------------------------


def charge_need(stats, settings: dict):
    """The basic-charge rule, one SQL condition per customer of `_needs_stats`.

    A capacity- or demand-billed customer with window months with max demand should change mode when
    the other mode would have cost at least mode_saving_share of what the current one cost, less:
    by capacity = Σ capacity_kva x capacity_price, by demand = Σ max(max demand, 40% of capacity) x
    demand_price, over those months.
    """
    costs = _charge_costs(stats, settings)
    return and_(
        stats.c.billing_mode.in_(BASIC_CHARGE_MODES),
        stats.c.demand_months > 0,
        costs["current"] - costs["other"] >= settings["mode_saving_share"] * costs["current"] - ROUNDING,
    )


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


def charge_finding(row) -> tuple:
    """The basic-charge finding of `row` (billing_mode, suggested_mode, months, current_cost, saving,
    saving_share, annual_saving) as one (code, parameters) pair."""
    return (
        (
            "charge_to_" + row.suggested_mode,
            {
                "months": row.months,
                "current_cost": row.current_cost,
                "other_cost": row.current_cost - row.saving,
                "saving": row.saving,
                "saving_share": row.saving_share,
                "annual_saving": row.annual_saving,
            },
        ),
    )


# --- per customer: the figures both rules read ---------------------------------------------------


def _demand_aggregates(in_window=None) -> list:
    """count, peak, lowest and total max demand per customer, over the rows where `in_window` holds
    (all rows read when None). Rows without max demand do not count."""
    demand = Consumption.max_demand_kw
    aggregates = {
        "demand_months": func.count(demand),
        "peak_demand_kw": func.max(demand),
        "low_demand_kw": func.min(demand),
        "total_demand_kw": func.sum(demand),
    }
    return [
        (aggregate if in_window is None else aggregate.filter(in_window)).label(name)
        for name, aggregate in aggregates.items()
    ]


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
    query = (
        select(Consumption.customer_id, *columns)
        .where(month_in_customer_order().between(first, window.end))
        .group_by(Consumption.customer_id)
    )
    return _scoped(query, Consumption.customer_id, scope, window).subquery("per_customer")


def _window_demand_rows(customer_id, window: Window):
    """The customer's window months with max demand, as an alias and a condition (for subqueries)."""
    months = aliased(Consumption)
    condition = and_(
        months.customer_id == customer_id,
        months.month.between(window.start, window.end),
        months.max_demand_kw.is_not(None),
    )
    return months, condition


def _last3_min_demand(stats, window: Window):
    """The lowest max demand of the customer's last 3 window months with max demand (correlated)."""
    months, condition = _window_demand_rows(stats.c.customer_id, window)
    # correlate() explicitly: the reference to stats sits two levels down.
    last3 = (
        select(months.max_demand_kw.label("demand"))
        .where(condition)
        .correlate(stats)
        .order_by(months.month.desc())
        .limit(WATCH_MONTHS)
        .subquery()
    )
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
    return case(
        (stats.c.demand_months == 0, null()),
        (stats.c.low_demand_kw >= floor, stats.c.total_demand_kw),
        else_=floored.scalar_subquery(),
    )


def _needs_stats(
    window: Window,
    settings: dict,
    scope: Scope,
    rules: tuple[str, ...] = ("capacity", "charge"),
    pivot_months: list[dt.date] | None = None,
    dialect: str = "",
):
    """Subquery per customer with consumption: account_no, name, capacity_kva, billing_mode,
    demand_months, peak_demand_kw; for the capacity rule capacity_need (bool), for the charge rule
    billed_demand; given `pivot_months`, surge (bool: some window month surges).

    OFFSET 0 keeps the database from merging it into the outer query, which would repeat the
    correlated look-ups for each use of a column (PostgreSQL and SQLite alike).
    """
    stats = _per_customer(window, scope, pivot_months, dialect)
    columns = [
        Customer.account_no,
        Customer.name,
        Customer.capacity_kva,
        Customer.billing_mode,
        stats.c.customer_id,
        stats.c.demand_months,
        stats.c.peak_demand_kw,
    ]
    if "capacity" in rules:
        columns.append(capacity_need(stats, window, settings).label("capacity_need"))
    if "charge" in rules:
        columns.append(_billed_demand(stats, window).label("billed_demand"))
    if pivot_months:
        conditions = [condition for *_, condition in surge_terms(stats, pivot_months, settings)]
        columns.append(or_(*conditions).label("surge"))
    return select(*columns).join(Customer, Customer.id == stats.c.customer_id).offset(0).subquery("needs_stats")


# --- capacity increase -------------------------------------------------------------------------

CAPACITY_COLUMNS = [
    "account_no",
    "name",
    "capacity_kva",
    "peak_month",
    "peak_demand_kw",
    "peak_ratio",
    "over_months",
    "last3_min_ratio",
    "rule_code",
    "finding",
]


def capacity_increase(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """The customers that need more capacity (`capacity_need`), one row each.

    peak_*: the (first) window month with the highest max demand; last3_min_ratio: the lowest
    demand/capacity of the last 3 months with max demand (None with fewer than 3). rule_code:
    over_capacity or sustained_load (over_capacity when both apply); finding: `capacity_finding`.
    """
    stats = _needs_stats(window, settings, scope, rules=("capacity",))
    query = select(*_capacity_columns(stats, window)).where(stats.c.capacity_need).order_by(stats.c.account_no)
    return _capacity_frame(query_frame(conn, query, _CAPACITY_READ), settings)


_CAPACITY_READ = [
    "account_no",
    "name",
    "capacity_kva",
    "peak_month",
    "peak_demand_kw",
    "over_months",
    "last3_min_demand",
]


def _capacity_columns(stats, window: Window, when=None) -> list:
    """The columns of _CAPACITY_READ; the month look-ups only where `when` holds (if given)."""
    months, in_window = _window_demand_rows(stats.c.customer_id, window)
    peak_month = select(func.min(months.month)).where(in_window, months.max_demand_kw == stats.c.peak_demand_kw)
    over_months = select(func.count()).where(in_window, months.max_demand_kw > stats.c.capacity_kva)
    looked_up = [
        peak_month.scalar_subquery(),
        over_months.scalar_subquery(),
        case((stats.c.demand_months >= WATCH_MONTHS, _last3_min_demand(stats, window))),
    ]
    if when is not None:
        looked_up = [case((when, column)) for column in looked_up]
    peak, over, last3 = looked_up
    return [
        stats.c.account_no,
        stats.c.name,
        stats.c.capacity_kva,
        peak.label("peak_month"),
        stats.c.peak_demand_kw,
        over.label("over_months"),
        last3.label("last3_min_demand"),
    ]


def _capacity_frame(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """CAPACITY_COLUMNS from the _CAPACITY_READ columns of the customers that need more capacity."""
    ratio = settings["capacity_watch_ratio"]
    frame = frame[_CAPACITY_READ].copy()
    frame["over_months"] = frame["over_months"].astype(int)
    frame["peak_ratio"] = frame["peak_demand_kw"] / frame["capacity_kva"]
    frame["last3_min_ratio"] = frame["last3_min_demand"].astype(float) / frame["capacity_kva"]
    frame["rule_code"] = frame["over_months"].gt(0).map({True: "over_capacity", False: "sustained_load"})
    rows = _rows(frame, ["over_months", "peak_month", "peak_demand_kw", "capacity_kva", "last3_min_ratio"])
    frame["finding"] = [capacity_finding(row, ratio) for row in rows]
    return frame[CAPACITY_COLUMNS].reset_index(drop=True)


# --- basic charge ------------------------------------------------------------------------------

BASIC_CHARGE_COLUMNS = [
    "account_no",
    "name",
    "capacity_kva",
    "billing_mode",
    "suggested_mode",
    "months",
    "cost_by_capacity",
    "cost_by_demand",
    "current_cost",
    "saving",
    "saving_share",
    "annual_saving",
    "finding",
]


def basic_charge(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Capacity- or demand-billed customers whose other basic-charge mode would have cost at least
    mode_saving_share less over the window months with max demand.

    cost_by_capacity = Σ capacity_kva × capacity_price; cost_by_demand = Σ max(max_demand_kw,
    0.4 × capacity_kva) × demand_price (yuan); saving = current - other mode's cost;
    annual_saving = saving × 12 / months (the window months used).
    """
    stats = _needs_stats(window, settings, scope, rules=("charge",))
    query = select(*_charge_columns(stats, settings)).where(charge_need(stats, settings)).order_by(stats.c.account_no)
    return _charge_frame(query_frame(conn, query, _CHARGE_READ))


_CHARGE_READ = ["account_no", "name", "capacity_kva", "billing_mode", "months", "cost_by_capacity", "cost_by_demand"]


def _charge_columns(stats, settings: dict) -> list:
    """The columns of _CHARGE_READ."""
    costs = _charge_costs(stats, settings)
    return [
        stats.c.account_no,
        stats.c.name,
        stats.c.capacity_kva,
        stats.c.billing_mode,
        stats.c.demand_months.label("months"),
        costs["by_capacity"].label("cost_by_capacity"),
        costs["by_demand"].label("cost_by_demand"),
    ]


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
    rows = _rows(
        frame, ["billing_mode", "suggested_mode", "months", "current_cost", "saving", "saving_share", "annual_saving"]
    )
    frame["finding"] = [charge_finding(row) for row in rows]
    return frame[BASIC_CHARGE_COLUMNS].reset_index(drop=True)


def demand_findings(
    conn: Connection, window: Window, settings: dict, scope: Scope = Scope()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(capacity_increase, basic_charge) from one pass over the window's consumption: the per-customer
    demand figures both rules read are worked out once (each function alone works them out again)."""
    stats = _needs_stats(window, settings, scope)
    capacity, charge = stats.c.capacity_need, charge_need(stats, settings)
    flags = [case((capacity, 1), else_=0).label("capacity"), case((charge, 1), else_=0).label("charge")]
    charge_columns = _charge_columns(stats, settings)[3:]  # account_no, name, capacity_kva: in the capacity ones
    query = (
        select(*_capacity_columns(stats, window, when=capacity), *charge_columns, *flags)
        .where(or_(capacity, charge))
        .order_by(stats.c.account_no)
    )
    names = [*_CAPACITY_READ, *_CHARGE_READ[3:], "capacity", "charge"]
    frame = query_frame(conn, query, names)
    return (_capacity_frame(frame[frame["capacity"] == 1], settings), _charge_frame(frame[frame["charge"] == 1]))


# --- surge -------------------------------------------------------------------------------------

SURGE_COLUMNS = ["account_no", "name", "month", "kwh", "prior_mean_kwh", "ratio", "finding"]


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
        return [
            func.max(case((Consumption.month == month, _whole_wh(dialect)))).label(f"m{i}")
            for i, month in enumerate(months)
        ]
    by_month = func.json_group_object(Consumption.month, _whole_wh(dialect))
    return [
        func.json_extract(by_month, literal(f'$."{month.isoformat()}"', String), type_=BigInteger).label(f"m{i}")
        for i, month in enumerate(months)
    ]


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
        .where(month_in_customer_order().between(read[0], window.end))
        .group_by(Consumption.customer_id),
        Consumption.customer_id,
        scope,
        window,
    )
    # OFFSET 0 keeps the database from merging the pivot into the outer query, which would
    # compute a month's column again for each surge term that uses it.
    return pivot.offset(0).subquery("wh_pivot"), read


def surge_terms(pivot, read: list[dt.date], settings: dict):
    """The surge rule: (month, Wh, Wh of the 3 months before, surge condition) per window month, on the
    pivot's columns m0, m1, ... (Wh of the months `read`, from 3 before the first window month).

    A window month surges when its kWh is at least surge_ratio x the mean kWh of the 3 calendar
    months before, all 3 recorded and their total above 0 (kWh read to the Wh on both databases).
    """
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
    conditions = [condition for *_, condition in surge_terms(pivot, read, settings)]
    surging = select(pivot).where(or_(*conditions)).cte("surging").prefix_with("MATERIALIZED")
    branches = [
        select(
            surging.c.customer_id,
            literal(month, Date).label("month"),
            (wh / WH_PER_KWH).label("kwh"),
            (prior / WH_PER_KWH).label("prior_total"),
        ).where(condition)
        for month, wh, prior, condition in surge_terms(surging, read, settings)
    ]
    return union_all(*branches).subquery("surge_months")


def _surge_customers(window: Window, settings: dict, scope: Scope, dialect: str):
    """SELECT of the customer ids with at least one surge month, or None without window months."""
    pivot, read = _kwh_pivot(window, scope, dialect)
    if pivot is None:
        return None
    conditions = [condition for *_, condition in surge_terms(pivot, read, settings)]
    return select(pivot.c.customer_id).where(or_(*conditions))


def surge(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Window months whose kWh ≥ surge_ratio × the mean kWh of the 3 calendar months before,
    all 3 recorded and that mean > 0. One row per customer and surge month."""
    surges = _surge_months(window, settings, scope, conn.dialect.name)
    if surges is None:
        return pd.DataFrame(columns=SURGE_COLUMNS)
    # The customer's columns looked up per surge row: joined, PostgreSQL cannot tell how few rows
    # surge and hashes all customers (~0.1 s at province scale).
    customer = {
        column.key: select(column).where(Customer.id == surges.c.customer_id).scalar_subquery()
        for column in (Customer.account_no, Customer.name)
    }
    query = select(
        customer["account_no"].label("account_no"),
        customer["name"].label("name"),
        surges.c.month,
        surges.c.kwh,
        (surges.c.prior_total / PRIOR_MONTHS).label("prior_mean_kwh"),
    ).order_by("account_no", surges.c.month)
    frame = query_frame(conn, query, ["account_no", "name", "month", "kwh", "prior_mean_kwh"])
    frame[["kwh", "prior_mean_kwh"]] = frame[["kwh", "prior_mean_kwh"]].astype(float)
    frame["ratio"] = frame["kwh"] / frame["prior_mean_kwh"]
    rows = _rows(frame, ["month", "kwh", "prior_mean_kwh", "ratio"])
    frame["finding"] = [surge_finding(row, settings["surge_ratio"]) for row in rows]
    return frame[SURGE_COLUMNS]


def surge_finding(row, threshold: float) -> tuple:
    """The surge finding of `row` (month, kwh, prior_mean_kwh, ratio) as one (code, parameters) pair;
    `threshold` is surge_ratio."""
    return (
        (
            "surge",
            {
                "month": _month_text(row.month),
                "kwh": row.kwh,
                "prior_mean_kwh": row.prior_mean_kwh,
                "ratio": row.ratio,
                "threshold": threshold,
            },
        ),
    )


# --- direct trading ----------------------------------------------------------------------------

TRADING_COLUMNS = ["account_no", "name", "voltage_kv", "annual_kwh", "market_status", "finding"]


def direct_trading(
    conn: Connection, settings: dict, scope: Scope = Scope(), as_of: dt.date | None = None
) -> pd.DataFrame:
    """Customers of 10 kV and above with annual_kwh ≥ trading_min_kwh still on agency purchase.

    Not windowed; `as_of` (default today) only dates a team scope.
    """
    day = as_of or dt.date.today()
    query = _scoped(
        select(Customer.account_no, Customer.name, Customer.voltage_kv, Customer.annual_kwh, Customer.market_status)
        .where(trading_eligible_on_agency(settings))
        .order_by(Customer.account_no),
        Customer.id,
        scope,
        Window(day, day),
    )
    frame = query_frame(conn, query, TRADING_COLUMNS[:5])
    rows = _rows(frame, ["voltage_kv", "annual_kwh"])
    frame["finding"] = [trading_finding(row, settings["trading_min_kwh"]) for row in rows]
    return frame[TRADING_COLUMNS]


def trading_finding(row, minimum: float) -> tuple:
    """The direct-trading finding of `row` (voltage_kv, annual_kwh) as one (code, parameters) pair;
    `minimum` is trading_min_kwh."""
    return (
        (
            "direct_trading",
            {"voltage_kv": row.voltage_kv, "min_kv": MARKET_MIN_KV, "annual_kwh": row.annual_kwh, "minimum": minimum},
        ),
    )


NEEDS_KEYS = ("capacity_increase", "basic_charge_adjustment", "direct_trading", "surge")


def section_parts(dialect: str) -> tuple:
    """The report section's independent queries, each f(conn, window, settings) -> part of the dict.

    metrics.report runs them side by side on their own connections. SQLite reads the surge months
    in a pass of their own; elsewhere one pass gives the demand figures and the kWh pivot together
    (why: docs/performance.md, "Design notes moved from code").
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
    stats = _needs_stats(
        window, settings, Scope(), pivot_months=read if with_surge else None, dialect=conn.dialect.name
    )
    flags = [stats.c.capacity_need, charge_need(stats, settings)] + ([stats.c.surge] if with_surge else [])
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
