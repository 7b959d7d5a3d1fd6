"""Needs cases as figures: which findings a month brings, conversion and time in each state.

- `month_findings`: the (customer, rule) pairs the four needs rules find for a month: the rules of
  metrics.needs over the CASE_WINDOW_MONTHS calendar months ending with that month (the sustained
  capacity rule needs 3 months). `manage.py cases open` turns them into cases (data_access.cases).
- `conversion`: of the cases opened in a window, how many reached confirmed, proposed and done
  (a case counts for every state it passed), dismissed, declined and still open.
- `state_days`: mean days spent in new, confirmed and proposed by the cases that left that state in
  the window, each with its n.
- `realised`: what the cases closed done in the window brought: cases, yuan per year saved, kWh
  traded, applications linked.
All aggregates are SQL (GROUP BY in the database), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import calendar
import datetime as dt

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from data_access.models import OPEN_CASE_STATUSES, Customer, NeedCase
from metrics import needs
from metrics.sql import days_between, scoped_customer_ids
from metrics.window import Scope, Window

CASE_WINDOW_MONTHS = 3


def month_window(month: dt.date) -> Window:
    """The window the rules read for `month`: its first day CASE_WINDOW_MONTHS - 1 months before, to
    the month's last day."""
    last = calendar.monthrange(month.year, month.month)[1]
    return Window(needs.add_months(month, 1 - CASE_WINDOW_MONTHS), month.replace(day=last))


def month_findings(conn: Connection, month: dt.date, settings: dict) -> list[tuple[int, str]]:
    """(customer_id, rule) of every finding of `month` (any day of it), rules as metrics.needs.NEEDS_KEYS."""
    lists = needs.section(conn, month_window(month.replace(day=1)), settings)
    accounts = sorted({no for found in lists.values() for no in found})
    ids = dict(conn.execute(select(Customer.account_no, Customer.id).where(Customer.account_no.in_(accounts))).all())
    return sorted((ids[no], rule) for rule, found in lists.items() for no in found)


def _in_scope(query, scope: Scope, window: Window):
    customers = scoped_customer_ids(scope, window)
    return query if customers is None else query.where(NeedCase.customer_id.in_(customers))


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


CONVERSION_KEYS = ("found", "confirmed", "proposed", "done", "dismissed", "declined", "open")


def conversion(conn: Connection, window: Window, scope: Scope = Scope()) -> dict[str, int]:
    """Cases opened in the window: found (all), confirmed / proposed (reached that state at any time
    since), done, dismissed, declined and still open (as stored now)."""
    status = NeedCase.status
    query = select(
        func.count(),
        _count(NeedCase.confirmed_on.is_not(None)),
        _count(NeedCase.proposed_on.is_not(None)),
        _count(status == "done"),
        _count(status == "dismissed"),
        _count(status == "declined"),
        _count(status.in_(OPEN_CASE_STATUSES)),
    ).where(NeedCase.opened_on.between(window.start, window.end))
    row = conn.execute(_in_scope(query, scope, window)).one()
    return {key: int(value) for key, value in zip(CONVERSION_KEYS, row)}


# Each state: the day it began and the day it ended (the next state's date).
STATE_SPANS = {
    "new": (NeedCase.opened_on, func.coalesce(NeedCase.confirmed_on, NeedCase.dismissed_on)),
    "confirmed": (
        NeedCase.confirmed_on,
        func.coalesce(NeedCase.proposed_on, case((NeedCase.confirmed_on.is_not(None), NeedCase.dismissed_on))),
    ),
    "proposed": (NeedCase.proposed_on, NeedCase.closed_on),
}


def state_days(conn: Connection, window: Window, scope: Scope = Scope()) -> dict[str, dict]:
    """{state: {"n", "mean_days"}}: days from entering to leaving the state, for the cases that left it
    within the window (mean_days None when n is 0)."""
    result = {}
    for state, (began, ended) in STATE_SPANS.items():
        left = and_(began.is_not(None), ended.is_not(None), ended.between(window.start, window.end))
        query = select(func.count(), func.avg(days_between(began, ended) * 1.0)).where(left)
        n, mean = conn.execute(_in_scope(query, scope, window)).one()
        result[state] = {"n": int(n), "mean_days": None if mean is None else round(float(mean), 1)}
    return result


def realised(conn: Connection, window: Window, scope: Scope = Scope()) -> dict:
    """The cases closed done in the window: count, yuan per year saved (sum), kWh traded (sum),
    applications linked, and the cases with a yuan saving (the sum's n)."""
    query = select(
        func.count(),
        func.coalesce(func.sum(NeedCase.yuan_saved_per_year), 0.0),
        func.coalesce(func.sum(NeedCase.kwh_traded), 0.0),
        func.count(NeedCase.application_id),
        func.count(NeedCase.yuan_saved_per_year),
    ).where(NeedCase.status == "done", NeedCase.closed_on.between(window.start, window.end))
    done, yuan, kwh, applications, with_yuan = conn.execute(_in_scope(query, scope, window)).one()
    return {
        "done": int(done),
        "yuan_saved_per_year": round(float(yuan), 2),
        "kwh_traded": round(float(kwh), 1),
        "applications": int(applications),
        "with_yuan": int(with_yuan),
    }


def figures(conn: Connection, window: Window, scope: Scope = Scope()) -> dict:
    """What the screens show of the window's cases: {"conversion": conversion(), "state_days": state_days()}."""
    return {"conversion": conversion(conn, window, scope), "state_days": state_days(conn, window, scope)}


def open_count(conn: Connection, scope: Scope = Scope(), as_of: dt.date | None = None) -> int:
    """Cases open now."""
    day = as_of or dt.date.today()
    query = select(func.count()).where(NeedCase.status.in_(OPEN_CASE_STATUSES))
    return int(conn.execute(_in_scope(query, scope, Window(day, day))).scalar_one())
