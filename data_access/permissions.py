"""Who may write what. Checked in the write path, whatever the caller."""

from __future__ import annotations

from dataclasses import dataclass

# Tables a manager may write, and only for rows of their own manager_id.
MANAGER_OWN_TABLES = frozenset({"work_logs", "monthly_plans", "expert_calls"})


class PermissionDenied(Exception):
    """The actor may not make this write: a code of ui/words/problems.py and its parameters."""

    def __init__(self, code: str, **params) -> None:
        super().__init__(f"{code} {params}")
        self.code, self.params = code, params


@dataclass(frozen=True)
class Actor:
    username: str
    role: str  # leader / office / manager
    manager_id: int | None = None
    client: str | None = None  # the browser's address (security events), "cli" for the command line


# The CLI (manage.py) acts as the office.
CLI_ACTOR = Actor("cli", "office", client="cli")


def check_table(actor: Actor, table: str) -> None:
    """Raise PermissionDenied unless `actor` may write some rows of `table`."""
    if actor.role == "office":
        return
    if actor.role == "manager" and table in MANAGER_OWN_TABLES and actor.manager_id is not None:
        return
    raise PermissionDenied("role_may_not_write", role=actor.role, table=table)


def check_write(actor: Actor, table: str, row_manager_id: int | None = None) -> None:
    """Raise PermissionDenied unless `actor` may write this row of `table`."""
    check_table(actor, table)
    if actor.role == "manager" and row_manager_id != actor.manager_id:
        raise PermissionDenied("own_rows_only", username=actor.username, table=table)


def check_posted(actor: Actor, posted: bool, account_no: str, day) -> None:
    """A manager logs work only for customers they are posted to on that day."""
    if actor.role == "manager" and not posted:
        raise PermissionDenied("not_posted", username=actor.username, account_no=account_no, day=str(day))
