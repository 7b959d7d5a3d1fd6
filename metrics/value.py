"""The program's value for a window (成效): the report's "value" section and the value screen.

- connection_days_saved = the like-for-like reduction (lead_time.adjusted.reduction_days) × the
  resident-served applications it was measured on (resident_compared), energized in the window: the
  calendar days of connection the program saved its customers; None without a compared stratum.
- charge_saved_yuan_per_year: Σ yuan per year saved of the needs cases closed done in the window
  (cases_with_saving of them carry a saving).
- needs_converted: needs cases closed done in the window, of cases_found opened in it.
- resident_applications: applications accepted (applied_on) in the window for resident-served
  customers, of applications accepted in the window.
Every part is SQL aggregates (metrics.lead_time, metrics.cases), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from data_access.models import Application
from metrics import cases, lead_time
from metrics.sql import scoped_customer_ids
from metrics.window import Scope, Window

KEYS = (
    "connection_days_saved",
    "like_for_like_days",
    "resident_compared",
    "charge_saved_yuan_per_year",
    "cases_with_saving",
    "needs_converted",
    "cases_found",
    "resident_applications",
    "applications",
)


def resident_applications(conn: Connection, window: Window, scope: Scope = Scope()) -> tuple[int, int]:
    """(resident-served, all) applications accepted in the window."""
    query = select(
        func.coalesce(func.sum(case((Application.resident_served.is_(True), 1), else_=0)), 0), func.count()
    ).where(Application.applied_on.between(window.start, window.end))
    customers = scoped_customer_ids(scope, window)
    if customers is not None:
        query = query.where(Application.customer_id.in_(customers))
    resident, total = conn.execute(query).one()
    return int(resident), int(total)


def value(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> dict:
    """The value figures of the window (KEYS order)."""
    adjusted = lead_time.adjusted_of(lead_time.stratum_counts(conn, window, settings, scope), interval=False)
    days = adjusted.reduction_days
    saved = None if days is None else round(days * adjusted.resident_compared, 1)
    realised = cases.realised(conn, window, scope)
    found = cases.conversion(conn, window, scope)["found"]
    resident, total = resident_applications(conn, window, scope)
    return {
        "connection_days_saved": saved,
        "like_for_like_days": days,
        "resident_compared": adjusted.resident_compared,
        "charge_saved_yuan_per_year": realised["yuan_saved_per_year"],
        "cases_with_saving": realised["with_yuan"],
        "needs_converted": realised["done"],
        "cases_found": found,
        "resident_applications": resident,
        "applications": total,
    }


def section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's "value" section (whole program, no scope)."""
    return value(conn, window, settings)
