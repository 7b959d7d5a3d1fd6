"""Portable SQL pieces: the same expression on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
from sqlalchemy import Float, Integer, and_, func, literal_column, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from data_access.models import Customer, Manager, Posting
from metrics.window import Scope, Window


class days_between(FunctionElement):
    """Whole calendar days from the first date to the second (later - earlier)."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    earlier, later = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    earlier, later = list(element.clauses)
    return f"CAST(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}) AS INTEGER)"


class minutes_between(FunctionElement):
    """Minutes from the first timestamp to the second, as a float."""

    type = Float()
    inherit_cache = True


@compiles(minutes_between)
def _minutes_between_default(element, compiler, **kw):
    earlier, later = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})) / 60.0)"


@compiles(minutes_between, "sqlite")
def _minutes_between_sqlite(element, compiler, **kw):
    earlier, later = list(element.clauses)
    return f"((julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)})) * 1440.0)"


def median_select(values):
    """SELECT the median of `values` (a subquery with one column named `value`).

    Portable: row_number over the sorted values, average of the middle one or two.
    Returns NULL for no rows.
    """
    ranked = select(
        values.c.value,
        func.row_number().over(order_by=values.c.value).label("rn"),
        func.count().over().label("cnt"),
    ).subquery()
    middle = or_(ranked.c.rn == (ranked.c.cnt + 1) // 2, ranked.c.rn == (ranked.c.cnt + 2) // 2)
    return select(func.avg(ranked.c.value * 1.0)).where(middle)


def posted_on_window(window: Window) -> ColumnElement[bool]:
    """Postings overlapping the window."""
    return and_(Posting.start_date <= window.end, or_(Posting.end_date.is_(None), Posting.end_date >= window.start))


def scoped_manager_ids(scope: Scope, window: Window):
    """Manager ids in scope: the team, and (with a town) posted in that town during the window.

    None when the scope is everything (callers then add no filter).
    """
    if scope.is_all:
        return None
    query = select(Manager.id)
    if scope.team is not None:
        query = query.where(Manager.team == scope.team)
    if scope.town is not None:
        in_town = (
            select(Posting.manager_id)
            .join(Customer, Customer.id == Posting.customer_id)
            .where(Customer.town == scope.town, posted_on_window(window))
        )
        query = query.where(Manager.id.in_(in_town))
    return query


def scoped_customer_ids(scope: Scope, window: Window):
    """Customer ids in scope: the town, and (with a team) served by that team during the window.

    None when the scope is everything.
    """
    if scope.is_all:
        return None
    query = select(Customer.id)
    if scope.town is not None:
        query = query.where(Customer.town == scope.town)
    if scope.team is not None:
        by_team = (
            select(Posting.customer_id)
            .join(Manager, Manager.id == Posting.manager_id)
            .where(Manager.team == scope.team, posted_on_window(window))
        )
        query = query.where(Customer.id.in_(by_team))
    return query


def blank(column) -> ColumnElement[bool]:
    """NULL, empty or whitespace-only text."""
    return or_(column.is_(None), func.trim(column) == literal_column("''"))


def query_frame(conn, query, columns: list[str] | None = None):
    """Run `query` and return its rows as a DataFrame (columns: `columns`, else the result's keys).

    Rows go in as plain tuples: pandas probing SQLAlchemy Row objects costs about 5 µs a row.
    """
    result = conn.execute(query)
    names = columns if columns is not None else list(result.keys())
    return pd.DataFrame([tuple(row) for row in result], columns=names)


def side_by_side(engine: Engine, reads, workers: int = 2) -> list:
    """Each read(conn) on a connection of its own, `workers` at a time; the results in order.

    For independent read-only queries: SQLite and psycopg release the GIL while a statement runs,
    so on idle cores two take about the time of the longer one. Put the longest first. Each
    connection reads its own snapshot: a write landing meanwhile can show in some results only.
    """

    def run(read):
        with engine.connect() as conn:
            return read(conn)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, reads))


def named_side_by_side(engine: Engine, reads: dict, workers: int = 2) -> dict:
    """side_by_side over {name: read}: {name: result}, the reads handed out in the dict's order."""
    return dict(zip(reads, side_by_side(engine, list(reads.values()), workers)))
