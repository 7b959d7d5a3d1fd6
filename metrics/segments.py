"""Customer segments (data contract §3): star, potential, risk; not windowed.

A customer can be in several segments; "none" is in no segment. A customer
is *covered* on a day when it is in a segment and a manager is posted to it
that day. Screen scopes use the one-day window [as_of, as_of].
"""
from __future__ import annotations

import datetime as dt
from itertools import product

import pandas as pd
from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.engine import Connection

from data_access.models import Customer, Manager, Posting
from metrics.sql import blank, query_frame, scoped_customer_ids
from metrics.window import Scope, Window

# Contract: customers of 10 kV and above are in the power market.
MARKET_MIN_KV = 10
SEGMENTS = ("star", "potential", "risk")
# Why a customer is a risk customer, in the contract's order.
RISK_REASONS = ("churn_risk", "trading_eligible", "hv_large")
BREAKDOWN_COLUMNS = {"town": Customer.town, "industry": Customer.industry, "voltage_kv": Customer.voltage_kv}
LIST_FILTERS = ("star", "potential", "risk", "none", "covered")


def trading_eligible_on_agency(settings: dict):
    """Market-eligible and still on grid agency purchase (a retail company's target)."""
    return and_(
        Customer.voltage_kv >= MARKET_MIN_KV,
        Customer.annual_kwh >= settings["trading_min_kwh"],
        Customer.market_status == "agency",
    )


def _flag(condition):
    """1/0 for a condition; NULL comparisons (blank annual_kwh) count as 0."""
    return case((condition, 1), else_=0)


def risk_conditions(settings: dict) -> dict:
    """The contract's three reasons for the risk segment, keyed by RISK_REASONS."""
    return {
        "churn_risk": Customer.churn_risk.is_(True),
        "trading_eligible": trading_eligible_on_agency(settings),
        "hv_large": and_(Customer.voltage_kv >= settings["risk_min_kv"],
                         Customer.annual_kwh >= settings["risk_min_kwh"]),
    }


def _risk_reasons_text(settings: dict):
    """The codes of the risk reasons that apply, joined with ',' ('' when none)."""
    parts = [case((condition, f"{code},"), else_="") for code, condition in risk_conditions(settings).items()]
    return func.rtrim(parts[0] + parts[1] + parts[2], ",")


def segment_flags(settings: dict) -> dict:
    """Column expressions (1/0) per segment."""
    return {
        "star": _flag(Customer.star_rating >= settings["star_min"]),
        "potential": _flag(not_(blank(Customer.potential_reason))),
        "risk": _flag(or_(*risk_conditions(settings).values())),
    }


def posted_customer_ids(as_of: dt.date):
    """Customers with a manager posted to them on `as_of`."""
    return select(Posting.customer_id).where(
        Posting.start_date <= as_of, or_(Posting.end_date.is_(None), Posting.end_date >= as_of)
    )


def _flagged_customers(as_of: dt.date, settings: dict, scope: Scope, *extra):
    """Subquery: one row per customer in scope with star/potential/risk/none/covered as 1/0."""
    flags = segment_flags(settings)
    any_segment = or_(*(flag == 1 for flag in flags.values()))
    query = select(
        Customer.id,
        *extra,
        *(flag.label(name) for name, flag in flags.items()),
        _flag(not_(any_segment)).label("none"),
        _flag(and_(any_segment, Customer.id.in_(posted_customer_ids(as_of)))).label("covered"),
    )
    customers = scoped_customer_ids(scope, Window(as_of, as_of))
    if customers is not None:
        query = query.where(Customer.id.in_(customers))
    return query.subquery("flagged")


COUNT_KEYS = ("total", "star", "potential", "risk", "none", "covered")


def _count_columns(flagged):
    return [
        func.count().label("total"),
        *(func.coalesce(func.sum(flagged.c[name]), 0).label(name) for name in COUNT_KEYS[1:]),
    ]


def segment_counts(conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope()) -> dict:
    """{total, star, potential, risk, none, covered} customer counts."""
    flagged = _flagged_customers(as_of, settings, scope)
    row = conn.execute(select(*_count_columns(flagged))).one()
    return {key: int(value) for key, value in zip(COUNT_KEYS, row)}


def overlaps(conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Customers per combination of segments (all 8, incl. none): star, potential, risk, label, customers, covered.

    label joins the segment codes with '+' ("none" for no segment); sorted by customers, largest first.
    """
    flagged = _flagged_customers(as_of, settings, scope)
    query = select(
        flagged.c.star, flagged.c.potential, flagged.c.risk,
        func.count().label("customers"), func.sum(flagged.c.covered).label("covered"),
    ).group_by(flagged.c.star, flagged.c.potential, flagged.c.risk)
    found = {(int(s), int(p), int(r)): (int(n), int(c)) for s, p, r, n, c in conn.execute(query)}
    rows = []
    for combination in product((1, 0), repeat=3):
        customers, covered = found.get(combination, (0, 0))
        names = [name for name, on in zip(SEGMENTS, combination) if on]
        rows.append({**{name: bool(on) for name, on in zip(SEGMENTS, combination)},
                     "label": "+".join(names) or "none", "customers": customers, "covered": covered})
    frame = pd.DataFrame(rows)
    return frame.sort_values("customers", ascending=False, kind="stable").reset_index(drop=True)


def breakdown(conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope(),
              by: str = "town") -> pd.DataFrame:
    """Segment counts per town, industry or voltage level; largest groups first."""
    if by not in BREAKDOWN_COLUMNS:
        raise ValueError(f"by must be one of {', '.join(BREAKDOWN_COLUMNS)}, got {by!r}")
    flagged = _flagged_customers(as_of, settings, scope, BREAKDOWN_COLUMNS[by].label(by))
    query = (
        select(flagged.c[by], *_count_columns(flagged))
        .group_by(flagged.c[by])
        .order_by(func.count().desc(), flagged.c[by])
    )
    frame = query_frame(conn, query, [by, *COUNT_KEYS])
    frame[list(COUNT_KEYS)] = frame[list(COUNT_KEYS)].astype(int)
    return frame


def _current_managers(as_of: dt.date):
    """Subquery (customer_id, manager): the manager posted to each customer on `as_of`.

    With several, the one whose posting started last (then the lowest employee_no).
    """
    ranked = (
        select(
            Posting.customer_id,
            Manager.name.label("manager"),
            func.row_number().over(partition_by=Posting.customer_id,
                                   order_by=(Posting.start_date.desc(), Manager.employee_no)).label("rank"),
        )
        .join(Manager, Manager.id == Posting.manager_id)
        .where(Posting.start_date <= as_of, or_(Posting.end_date.is_(None), Posting.end_date >= as_of))
        .subquery()
    )
    return select(ranked.c.customer_id, ranked.c.manager).where(ranked.c.rank == 1).subquery("current_manager")


def _search_condition(search: str):
    pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(Customer.account_no.ilike(pattern, escape="\\"), Customer.name.ilike(pattern, escape="\\"))


LIST_COLUMNS = ["account_no", "name", "town", "industry", "voltage_kv", "capacity_kva", "annual_kwh",
                "star_rating", "is_star", "is_potential", "is_risk", "risk_reasons", "manager"]


def customer_list(conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope(),
                  segment: str | None = None, search: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Customers with their segment flags, sorted by account_no.

    segment: star / potential / risk / none / covered (None = all); search: part of account_no or name.
    risk_reasons: the RISK_REASONS codes that apply, joined with ','.
    """
    if segment is not None and segment not in LIST_FILTERS:
        raise ValueError(f"segment must be one of {', '.join(LIST_FILTERS)}, got {segment!r}")
    flagged = _flagged_customers(as_of, settings, scope, _risk_reasons_text(settings).label("risk_reasons"))
    managers = _current_managers(as_of)
    query = (
        select(
            Customer.account_no, Customer.name, Customer.town, Customer.industry, Customer.voltage_kv,
            Customer.capacity_kva, Customer.annual_kwh, Customer.star_rating,
            flagged.c.star, flagged.c.potential, flagged.c.risk, flagged.c.risk_reasons,
            managers.c.manager,
        )
        .join(flagged, flagged.c.id == Customer.id)
        .outerjoin(managers, managers.c.customer_id == Customer.id)
        .order_by(Customer.account_no)
    )
    if segment is not None:
        query = query.where(flagged.c[segment] == 1)
    if search and search.strip():
        query = query.where(_search_condition(search))
    if limit is not None:
        query = query.limit(limit)
    frame = query_frame(conn, query, LIST_COLUMNS)
    for name in SEGMENTS:
        frame[f"is_{name}"] = frame[f"is_{name}"].astype(bool)
    return frame


def section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's "segments" section: counts as of the window's last day."""
    return segment_counts(conn, window.end, settings)
