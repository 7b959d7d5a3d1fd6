"""Login accounts (bcrypt hashes) for the three roles: the demo's and the test fixtures' loader.

Accounts that people create go through data_access.admin (password rules, audit, sessions).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.models import ROLES, Manager, User
from data_access.passwords import check_password, hash_password  # noqa: F401  (re-exported)


def manager_id_for(conn: Connection, employee_no: str) -> int:
    found = conn.execute(select(Manager.id).where(Manager.employee_no == employee_no)).scalar()
    if found is None:
        raise ValueError(f"unknown employee_no {employee_no!r}")
    return found


def upsert_user(
    conn: Connection,
    username: str,
    display_name: str,
    password: str,
    role: str,
    manager_id: int | None = None,
    *,
    password_hash: str | None = None,
    created_by: str | None = None,
) -> None:
    """Create the user, or reset its name, role, link and password, without the password rules.

    `password_hash`: a bcrypt hash of `password` made earlier (bulk loads hash once).
    `created_by="demo"` marks a demo account: it keeps its published password (no age limit) and
    the app shows a banner while such accounts are active.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if role == "manager" and manager_id is None:
        raise ValueError("a manager account must be linked to a manager")
    values = {
        "display_name": display_name,
        "password_hash": password_hash or hash_password(password),
        "role": role,
        "manager_id": manager_id,
        "active": True,
        "created_by": created_by,
        "password_changed_at": None if created_by == "demo" else dt.datetime.now().replace(microsecond=0),
        "must_change_password": False,
    }
    user = conn.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        conn.execute(User.__table__.insert().values(username=username, **values))
    else:
        conn.execute(
            User.__table__.update().where(User.username == username).values(version=User.version + 1, **values)
        )


def active_users(conn: Connection) -> list[dict]:
    """username, display_name, password_hash, role, manager_id of active users."""
    rows = conn.execute(
        select(User.username, User.display_name, User.password_hash, User.role, User.manager_id)
        .where(User.active.is_(True))
        .order_by(User.username)
    )
    return [dict(row._mapping) for row in rows]


def demo_accounts(conn: Connection) -> list[str]:
    """Active accounts the demo made that still have the demo password (never changed)."""
    query = (
        select(User.username)
        .where(User.active.is_(True), User.created_by == "demo", User.password_changed_at.is_(None))
        .order_by(User.username)
    )
    return list(conn.execute(query).scalars())
