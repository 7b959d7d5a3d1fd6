"""Who may write what. Checked in the write path, whatever the caller."""
from __future__ import annotations

from dataclasses import dataclass

# Tables a manager may write, and only for rows of their own manager_id.
MANAGER_OWN_TABLES = frozenset({"work_logs", "monthly_plans", "expert_calls"})


class PermissionDenied(Exception):
    """The actor may not make this write. message(lang) is for the screen."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh or en

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


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
    raise PermissionDenied(f"role {actor.role} may not write {table}",
                           f"当前角色（{actor.role}）无权修改 {table}")


def check_write(actor: Actor, table: str, row_manager_id: int | None = None) -> None:
    """Raise PermissionDenied unless `actor` may write this row of `table`."""
    check_table(actor, table)
    if actor.role == "manager" and row_manager_id != actor.manager_id:
        raise PermissionDenied(f"{actor.username} may only write their own {table}",
                               f"{actor.username} 只能填写本人的 {table} 记录")


def check_posted(actor: Actor, posted: bool, account_no: str, day) -> None:
    """A manager logs work only for customers they are posted to on that day."""
    if actor.role == "manager" and not posted:
        raise PermissionDenied(
            f"{actor.username} is not posted to customer {account_no} on {day}",
            f"{actor.username} 在 {day} 未派驻客户 {account_no}，不能填写该客户的日志",
        )
