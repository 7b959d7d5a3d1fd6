"""Who may write what. Checked in the write path, whatever the caller."""
from __future__ import annotations

from dataclasses import dataclass

# Tables a manager may write, and only for rows of their own manager_id.
MANAGER_OWN_TABLES = frozenset({"work_logs", "monthly_plans", "expert_calls"})


class PermissionDenied(Exception):
    pass


@dataclass(frozen=True)
class Actor:
    username: str
    role: str  # leader / office / manager
    manager_id: int | None = None


# The CLI (manage.py) acts as the office.
CLI_ACTOR = Actor("cli", "office")


def check_write(actor: Actor, table: str, row_manager_id: int | None = None) -> None:
    """Raise PermissionDenied unless `actor` may write this row of `table`."""
    if actor.role == "office":
        return
    if actor.role == "manager" and table in MANAGER_OWN_TABLES:
        if actor.manager_id is not None and row_manager_id == actor.manager_id:
            return
        raise PermissionDenied(f"{actor.username} may only write their own {table}")
    raise PermissionDenied(f"role {actor.role} may not write {table}")
