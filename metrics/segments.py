"""Customer segments (data contract §3): star, potential, risk; not windowed.

A customer can be in several segments; "none" is in no segment. A customer
is *covered* on a day when it is in a segment and a manager is posted to it
that day. Screen scopes use the one-day window [as_of, as_of].
"""

from __future__ import annotations

import datetime as dt
from itertools import combinations, product

import numpy as np
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
        "hv_large": and_(
            Customer.voltage_kv >= settings["risk_min_kv"], Customer.annual_kwh >= settings["risk_min_kwh"]
        ),
    }


def _risk_reasons_text(settings: dict):
    """The codes of the risk reasons that apply, joined with ',' ('' when none)."""
    parts = [case((condition, f"{code},"), else_="") for code, condition in risk_conditions(settings).items()]
    return func.rtrim(parts[0] + parts[1] + parts[2], ",")


def segment_conditions(settings: dict) -> dict:
    """The condition of each segment (NULL, from a blank annual_kwh, counts as not met)."""
    return {
        "star": Customer.star_rating >= settings["star_min"],
        "potential": not_(blank(Customer.potential_reason)),
        "risk": or_(*risk_conditions(settings).values()),
    }


def segment_flags(settings: dict) -> dict:
    """Column expressions (1/0) per segment."""
    return {name: _flag(condition) for name, condition in segment_conditions(settings).items()}


def posted_customer_ids(as_of: dt.date):
    """Customers with a manager posted to them on `as_of`."""
    return select(Posting.customer_id).where(
        Posting.start_date <= as_of, or_(Posting.end_date.is_(None), Posting.end_date >= as_of)
    )


def _in_scope(query, scope: Scope, as_of: dt.date):
    customers = scoped_customer_ids(scope, Window(as_of, as_of))
    return query if customers is None else query.where(Customer.id.in_(customers))


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
    return _in_scope(query, scope, as_of).subquery("flagged")


COUNT_KEYS = ("total", "star", "potential", "risk", "none", "covered")
# Every combination of the segments as (star, potential, risk) on/off, all three first, none last.
COMBINATIONS = tuple(product((True, False), repeat=3))


def combination_label(combination: tuple[bool, ...]) -> str:
    """The segment codes of a combination joined with '+', "none" for no segment."""
    return "+".join(name for name, on in zip(SEGMENTS, combination) if on) or "none"


LABELS = tuple(combination_label(c) for c in COMBINATIONS)
COVERED = tuple(f"{label}_covered" for label in LABELS)
# Sets of segments, each as the tuple of its names: () is everyone.
_SEGMENT_SETS = tuple(names for size in range(4) for names in combinations(SEGMENTS, size))


def _inclusion_exclusion(names: tuple[str, ...], combination: tuple[bool, ...]) -> int:
    """How the customers in all of the segments `names` count towards those in exactly
    `combination`: (-1)^(|names| - |combination|) when names holds the combination's segments."""
    chosen = {name for name, on in zip(SEGMENTS, combination) if on}
    return (-1) ** (len(names) - len(chosen)) if chosen <= set(names) else 0


# Customers in all of each set (columns of a row) x _EXACTLY = customers in exactly each combination.
_EXACTLY = np.array([[_inclusion_exclusion(names, c) for c in COMBINATIONS] for names in _SEGMENT_SETS])
# Which segments each combination holds (1/0): combinations x segments.
_MEMBERS = np.array(COMBINATIONS, dtype=int)


def combination_table(
    conn: Connection,
    as_of: dt.date,
    settings: dict,
    scope: Scope = Scope(),
    by: str | None = None,
    towns: tuple[str | None, str | None] | None = None,
) -> pd.DataFrame:
    """Customers per combination of segments, per town / industry / voltage_kv (`by`) or in all.

    towns (first, stop): only the customers whose town is from `first` up to, not including,
    `stop` (None: no bound; the part without a first town also holds the customers without one).
    Parts of the customers counted on connections of their own go together with merge_parts.

    One row per group (largest first; a single row when `by` is None) with `by`, total, and for
    each combination label (LABELS, see combination_label): `<label>` customers in exactly that
    combination and `<label>_covered` those of them covered on `as_of` (0 for none).

    One pass over the customers without sorting them: SQL counts the customers in all of each set
    of segments (star, star and potential, ...), which are sums of cheap flags; the counts of
    exact combinations follow by inclusion-exclusion. The covered customers are the few with a
    manager posted, grouped by their flags.
    """
    if by is not None and by not in BREAKDOWN_COLUMNS:
        raise ValueError(f"by must be one of {', '.join(BREAKDOWN_COLUMNS)}, got {by!r}")
    conditions = segment_conditions(settings)
    keys = [] if by is None else [BREAKDOWN_COLUMNS[by].label(by)]
    in_all = [
        func.count() if not names else func.sum(_flag(and_(*(conditions[name] for name in names))))
        for names in _SEGMENT_SETS
    ]
    query = _town_part(select(*keys, *in_all).select_from(Customer), towns)
    if by is not None:
        query = query.group_by(BREAKDOWN_COLUMNS[by]).order_by(func.count().desc(), BREAKDOWN_COLUMNS[by])
    rows = conn.execute(_in_scope(query, scope, as_of)).all()
    groups = [row[0] for row in rows] if by else None
    counts = np.array([[value or 0 for value in row[len(keys) :]] for row in rows], dtype=np.int64)  # NULL: no rows
    counts = counts.reshape(len(rows), len(_SEGMENT_SETS))
    covered = _covered(conn, groups, as_of, settings, scope, by, towns)
    table = pd.DataFrame(np.hstack([counts[:, :1], counts @ _EXACTLY, covered]), columns=["total", *LABELS, *COVERED])
    if by:
        table.insert(0, by, groups)
    return table


def _town_part(query, towns: tuple[str | None, str | None] | None):
    """`query` narrowed to a part of the customers by town (combination_table's `towns`)."""
    if towns is None:
        return query
    first, stop = towns
    if first is not None:
        query = query.where(Customer.town >= first)
    if stop is not None:
        below = Customer.town < stop
        query = query.where(below if first is not None else or_(below, Customer.town.is_(None)))
    return query


def merge_parts(parts: list[pd.DataFrame], by: str | None = None) -> pd.DataFrame:
    """combination_tables of disjoint parts of the customers (the same `by`) as one: the counts of a
    group in several parts added up, the largest groups first (then by `by`), as combination_table
    orders them."""
    table = pd.concat(parts, ignore_index=True)
    if by is None:
        return table.sum().to_frame().T.astype(np.int64)
    table = table.groupby(by, sort=False, dropna=False).sum().reset_index()
    return table.sort_values(["total", by], ascending=[False, True], kind="stable", ignore_index=True)


def _covered(
    conn: Connection,
    groups: list | None,
    as_of: dt.date,
    settings: dict,
    scope: Scope,
    by: str | None,
    towns: tuple[str | None, str | None] | None = None,
) -> np.ndarray:
    """The customers with a manager posted on as_of per group (row) and combination (column;
    none is always 0: covered needs a segment)."""
    flags = segment_flags(settings)
    keys = [] if by is None else [BREAKDOWN_COLUMNS[by]]
    query = _in_scope(
        _town_part(select(*keys, *flags.values(), func.count()), towns)
        .where(Customer.id.in_(posted_customer_ids(as_of)))
        .group_by(*keys, *flags.values()),
        scope,
        as_of,
    )
    position = {} if by is None else {_key(group): row for row, group in enumerate(groups)}
    column = {combination: index for index, combination in enumerate(COMBINATIONS)}
    covered = np.zeros((1 if by is None else len(groups), len(COMBINATIONS)), dtype=np.int64)
    for *group, star, potential, risk, posted in conn.execute(query):
        combination = (bool(star), bool(potential), bool(risk))
        if any(combination):
            covered[position[_key(group[0])] if by else 0, column[combination]] += posted
    return covered


def _key(value):
    """A group value as a dict key (NaN, e.g. a float NULL, never equals itself)."""
    return None if value is None or value != value else value


def counts_from(table: pd.DataFrame) -> pd.DataFrame:
    """COUNT_KEYS per row of a combination_table (its group column, if any, first)."""
    exactly = table[list(LABELS)].to_numpy()
    result = table.drop(columns=[*LABELS, *COVERED])
    result[list(SEGMENTS)] = exactly @ _MEMBERS
    result["none"] = table["none"]
    result["covered"] = table[list(COVERED)].to_numpy().sum(axis=1)
    return result


def segment_counts(conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope()) -> dict:
    """{total, star, potential, risk, none, covered} customer counts."""
    return counts_of(combination_table(conn, as_of, settings, scope))


def counts_of(table: pd.DataFrame) -> dict:
    """The segment_counts of all the groups of a combination_table together."""
    totals = counts_from(table[["total", *LABELS, *COVERED]].sum().to_frame().T).iloc[0]
    return {key: int(totals[key]) for key in COUNT_KEYS}


def overlaps_of(table: pd.DataFrame) -> pd.DataFrame:
    """The overlaps() of all the groups of a combination_table together."""
    customers, covered = table[list(LABELS)].sum(), table[list(COVERED)].sum()
    rows = [
        {
            **dict(zip(SEGMENTS, combination)),
            "label": label,
            "customers": int(customers[label]),
            "covered": int(covered[f"{label}_covered"]),
        }
        for combination, label in zip(COMBINATIONS, LABELS)
    ]
    frame = pd.DataFrame(rows)
    return frame.sort_values("customers", ascending=False, kind="stable").reset_index(drop=True)


def overlaps(conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Customers per combination of segments (all 8, incl. none): star, potential, risk, label, customers, covered.

    label joins the segment codes with '+' ("none" for no segment); sorted by customers, largest first.
    """
    return overlaps_of(combination_table(conn, as_of, settings, scope))


def breakdown_of(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """The breakdown() of a combination_table grouped by `by`."""
    return counts_from(table)[[by, *COUNT_KEYS]].reset_index(drop=True)


def breakdown(
    conn: Connection, as_of: dt.date, settings: dict, scope: Scope = Scope(), by: str = "town"
) -> pd.DataFrame:
    """Segment counts per town, industry or voltage level; largest groups first."""
    return breakdown_of(combination_table(conn, as_of, settings, scope, by), by)


def _current_managers(as_of: dt.date):
    """Subquery (customer_id, manager): the manager posted to each customer on `as_of`.

    With several, the one whose posting started last (then the lowest employee_no).
    """
    ranked = (
        select(
            Posting.customer_id,
            Manager.name.label("manager"),
            func.row_number()
            .over(partition_by=Posting.customer_id, order_by=(Posting.start_date.desc(), Manager.employee_no))
            .label("rank"),
        )
        .join(Manager, Manager.id == Posting.manager_id)
        .where(Posting.start_date <= as_of, or_(Posting.end_date.is_(None), Posting.end_date >= as_of))
        .subquery()
    )
    return select(ranked.c.customer_id, ranked.c.manager).where(ranked.c.rank == 1).subquery("current_manager")


def _search_condition(search: str):
    pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(Customer.account_no.ilike(pattern, escape="\\"), Customer.name.ilike(pattern, escape="\\"))


LIST_COLUMNS = [
    "account_no",
    "name",
    "town",
    "industry",
    "voltage_kv",
    "capacity_kva",
    "annual_kwh",
    "star_rating",
    "is_star",
    "is_potential",
    "is_risk",
    "risk_reasons",
    "manager",
]


def customer_list(
    conn: Connection,
    as_of: dt.date,
    settings: dict,
    scope: Scope = Scope(),
    segment: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
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
            Customer.account_no,
            Customer.name,
            Customer.town,
            Customer.industry,
            Customer.voltage_kv,
            Customer.capacity_kva,
            Customer.annual_kwh,
            Customer.star_rating,
            flagged.c.star,
            flagged.c.potential,
            flagged.c.risk,
            flagged.c.risk_reasons,
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
