"""Joint meetings 联席会议: record a meeting with its action items, close items, list them.

Only the office writes here (data_access.permissions.check_write). Every
write is audited. Closing an action item is optimistic: the caller passes
the `version` it showed, and a row changed in between is not overwritten.
The caller owns the transaction (`with engine.begin() as conn:`), so a
meeting and its action items are written together or not at all.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, func, insert, select, update
from sqlalchemy.engine import Connection

from data_access import audit
from data_access.models import ActionItem, Meeting
from data_access.permissions import Actor, check_write


class MeetingError(Exception):
    """Base of this module's errors; message(lang) is what the screen shows (zh / en)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en, self.zh = en, zh

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


class MeetingInputError(MeetingError, ValueError):
    """Bad input for a meeting or an action item; the message names the field (and item row)."""


class StaleActionItem(MeetingError):
    """The action item was changed or closed by someone else since it was shown."""


@dataclass(frozen=True)
class NewActionItem:
    description: str
    owner: str
    due_date: dt.date | None = None


def _text(value: str | None) -> str:
    return (value or "").strip()


FIELDS = {"held_on": "会议日期", "title": "会议名称", "description": "事项", "owner": "责任人",
          "due_date": "截止日期"}


def _problem(field: str, en: str, zh: str, item: int | None = None) -> MeetingInputError:
    """An input error naming the field, and the action item's row (from 1) when there is one."""
    where_en = f"action item {item}, {field}" if item else field
    where_zh = f"督办事项第 {item} 行 · {FIELDS[field]}" if item else FIELDS[field]
    return MeetingInputError(f"{where_en}: {en}", f"{where_zh}：{zh}")


def _validate(held_on, title: str, items: list[NewActionItem]) -> None:
    if not isinstance(held_on, dt.date):
        raise _problem("held_on", "a date is required", "请填写日期")
    if not title:
        raise _problem("title", "required", "必填")
    if len(title) > 200:
        raise _problem("title", "at most 200 characters", "不超过 200 字")
    for row, item in enumerate(items, start=1):
        if not _text(item.description):
            raise _problem("description", "required", "必填", row)
        if not _text(item.owner):
            raise _problem("owner", "required", "必填", row)
        if len(_text(item.owner)) > 64:
            raise _problem("owner", "at most 64 characters", "不超过 64 字", row)
        if item.due_date is not None and item.due_date < held_on:
            raise _problem("due_date", f"before the meeting date {held_on}", f"早于会议日期 {held_on}", row)


def record_meeting(conn: Connection, actor: Actor, *, held_on: dt.date, title: str,
                   attendees: str | None = None, decisions: str | None = None,
                   action_items: list[NewActionItem] = ()) -> int:
    """Insert a meeting and its action items (status open); returns the meeting id."""
    check_write(actor, "meetings")
    title = _text(title)
    items = list(action_items)
    _validate(held_on, title, items)
    meeting = {
        "held_on": held_on,
        "title": title,
        "attendees": _text(attendees) or None,
        "decisions": _text(decisions) or None,
        "created_by": actor.username,
    }
    meeting_id = conn.execute(insert(Meeting).values(**meeting)).inserted_primary_key[0]
    audit.record(conn, actor.username, "insert", "meetings", str(meeting_id), after=meeting)
    for item in items:
        row = {
            "meeting_id": meeting_id,
            "description": _text(item.description),
            "owner": _text(item.owner),
            "due_date": item.due_date,
            "status": "open",
        }
        item_id = conn.execute(insert(ActionItem).values(**row)).inserted_primary_key[0]
        audit.record(conn, actor.username, "insert", "action_items", str(item_id), after=row)
    return meeting_id


def close_action_item(conn: Connection, actor: Actor, item_id: int, version: int,
                      closed_on: dt.date) -> None:
    """Mark an open action item done on `closed_on`, if it still has `version`."""
    check_write(actor, "action_items")
    before = conn.execute(
        select(ActionItem.status, ActionItem.closed_on, ActionItem.version).where(ActionItem.id == item_id)
    ).mappings().first()
    if before is None:
        raise MeetingInputError(f"action item {item_id}: not found", f"督办事项 {item_id} 不存在，请刷新")
    changed = conn.execute(
        update(ActionItem)
        .where(ActionItem.id == item_id, ActionItem.version == version, ActionItem.status == "open")
        .values(status="done", closed_on=closed_on, version=ActionItem.version + 1)
    ).rowcount
    if changed != 1:
        raise StaleActionItem(
            f"action item {item_id} was changed by someone else (now version {before['version']}, "
            f"status {before['status']}); reload and try again",
            f"督办事项 {item_id} 在您打开后已被他人修改或关闭，请刷新后再操作",
        )
    after = {"status": "done", "closed_on": closed_on, "version": version + 1}
    audit.record(conn, actor.username, "update", "action_items", str(item_id), before=dict(before), after=after)


def list_meetings(conn: Connection, limit: int = 50) -> pd.DataFrame:
    """The latest meetings with their action-item counts, newest first."""
    items = (
        select(
            ActionItem.meeting_id,
            func.count().label("action_items"),
            func.sum(case((ActionItem.status == "open", 1), else_=0)).label("open_items"),
        )
        .group_by(ActionItem.meeting_id)
        .subquery()
    )
    query = (
        select(
            Meeting.id, Meeting.held_on, Meeting.title, Meeting.attendees, Meeting.decisions,
            Meeting.created_by,
            func.coalesce(items.c.action_items, 0).label("action_items"),
            func.coalesce(items.c.open_items, 0).label("open_items"),
        )
        .outerjoin(items, items.c.meeting_id == Meeting.id)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(limit)
    )
    return pd.DataFrame(conn.execute(query).mappings().all(), columns=[
        "id", "held_on", "title", "attendees", "decisions", "created_by", "action_items", "open_items",
    ])


def action_items(conn: Connection, meeting_id: int) -> pd.DataFrame:
    """All action items of one meeting, in entry order."""
    query = (
        select(ActionItem.id, ActionItem.description, ActionItem.owner, ActionItem.due_date,
               ActionItem.status, ActionItem.closed_on, ActionItem.version)
        .where(ActionItem.meeting_id == meeting_id)
        .order_by(ActionItem.id)
    )
    return pd.DataFrame(conn.execute(query).mappings().all(), columns=[
        "id", "description", "owner", "due_date", "status", "closed_on", "version",
    ])
