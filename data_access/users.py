"""Login accounts (bcrypt hashes) for the three roles."""
from __future__ import annotations

import bcrypt
from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.models import ROLES, Manager, User


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def check_password(password: str, password_hash: str) -> bool:
    return bcrypt.checkpw(password.encode(), password_hash.encode())


def manager_id_for(conn: Connection, employee_no: str) -> int:
    found = conn.execute(select(Manager.id).where(Manager.employee_no == employee_no)).scalar()
    if found is None:
        raise ValueError(f"unknown employee_no {employee_no!r}")
    return found


def upsert_user(conn: Connection, username: str, display_name: str, password: str,
                role: str, manager_id: int | None = None, *, password_hash: str | None = None) -> None:
    """Create the user, or reset its name, role, link and password.

    `password_hash`: a bcrypt hash of `password` made earlier (bulk loads hash once).
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
    }
    user = conn.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        conn.execute(User.__table__.insert().values(username=username, **values))
    else:
        conn.execute(
            User.__table__.update()
            .where(User.username == username)
            .values(version=User.version + 1, **values)
        )


def active_users(conn: Connection) -> list[dict]:
    """username, display_name, password_hash, role, manager_id of active users."""
    rows = conn.execute(
        select(User.username, User.display_name, User.password_hash, User.role, User.manager_id)
        .where(User.active.is_(True))
        .order_by(User.username)
    )
    return [dict(row._mapping) for row in rows]
