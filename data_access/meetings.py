"""Joint meetings 联席会议: record a meeting with its action items, close items, list them.

Only the office writes here (data_access.permissions.check_write). Writes go
through the unit of work of every form (data_access.writes.UnitOfWork): a
meeting and its action items are written and audited together or not at all,
and a refusal is one of the write path's errors (ValidationFailed naming the
field and action-item row, StaleRow, NotFound, PermissionDenied). Closing an
action item is optimistic: the caller passes the `version` it showed, and a
row changed in between is not overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from data_access.models import ActionItem, Meeting
from data_access.permissions import Actor, check_write
from data_access.writes import NotFound, StaleRow, UnitOfWork, ValidationFailed, WriteProblem


@dataclass(frozen=True)
class NewActionItem:
    description: str
    owner: str
    due_date: dt.date | None = None


def _text(value: str | None) -> str:
    return (value or "").strip()


MAX_TITLE, MAX_OWNER = 200, 64


def _problem(field: str, code: str, item: int | None = None, **params) -> WriteProblem:
    """A problem naming the field, and the action item's row (from 0) when there is one."""
    return WriteProblem(field, code, params, row=item, label=f"lbl_meeting_{field}")


def _problems(held_on, title: str, items: list[NewActionItem]) -> list[WriteProblem]:
    problems = []
    if not isinstance(held_on, dt.date):
        problems.append(_problem("held_on", "required"))
    if not title:
        problems.append(_problem("title", "required"))
    elif len(title) > MAX_TITLE:
        problems.append(_problem("title", "too_long", max=MAX_TITLE, length=len(title)))
    for row, item in enumerate(items):
        owner = _text(item.owner)
        if not _text(item.description):
            problems.append(_problem("description", "required", row))
        if not owner:
            problems.append(_problem("owner", "required", row))
        elif len(owner) > MAX_OWNER:
            problems.append(_problem("owner", "too_long", row, max=MAX_OWNER, length=len(owner)))
        if isinstance(held_on, dt.date) and item.due_date is not None and item.due_date < held_on:
            problems.append(_problem("due_date", "due_before_meeting", row, held_on=held_on.isoformat()))
    return problems


def record_meeting(
    engine: Engine,
    actor: Actor,
    *,
    held_on: dt.date,
    title: str,
    attendees: str | None = None,
    decisions: str | None = None,
    action_items: list[NewActionItem] = (),
) -> int:
    """Insert a meeting and its action items (status open); returns the meeting id."""
    check_write(actor, "meetings")
    title = _text(title)
    items = list(action_items)
    problems = _problems(held_on, title, items)
    if problems:
        raise ValidationFailed(problems, "meetings")
    meeting = {
        "held_on": held_on,
        "title": title,
        "attendees": _text(attendees) or None,
        "decisions": _text(decisions) or None,
        "created_by": actor.username,
    }
    with UnitOfWork(engine, actor) as uow:
        meeting_id = uow.conn.execute(insert(Meeting).values(**meeting)).inserted_primary_key[0]
        uow.audit("insert", "meetings", str(meeting_id), None, meeting)
        for item in items:
            row = {
                "meeting_id": meeting_id,
                "description": _text(item.description),
                "owner": _text(item.owner),
                "due_date": item.due_date,
                "status": "open",
            }
            item_id = uow.conn.execute(insert(ActionItem).values(**row)).inserted_primary_key[0]
            uow.audit("insert", "action_items", str(item_id), None, row)
    return meeting_id


def close_action_item(engine: Engine, actor: Actor, item_id: int, version: int, closed_on: dt.date) -> None:
    """Mark an open action item done on `closed_on`, if it still has `version`."""
    check_write(actor, "action_items")
    with UnitOfWork(engine, actor) as uow:
        before = (
            uow.conn.execute(
                select(ActionItem.status, ActionItem.closed_on, ActionItem.version).where(ActionItem.id == item_id)
            )
            .mappings()
            .first()
        )
        if before is None:
            raise NotFound("action_items", str(item_id))
        changed = uow.conn.execute(
            update(ActionItem)
            .where(ActionItem.id == item_id, ActionItem.version == version, ActionItem.status == "open")
            .values(status="done", closed_on=closed_on, version=ActionItem.version + 1)
        ).rowcount
        if changed != 1:
            raise StaleRow("action_items", str(item_id))
        after = {"status": "done", "closed_on": closed_on, "version": version + 1}
        uow.audit("update", "action_items", str(item_id), dict(before), after)


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
            Meeting.id,
            Meeting.held_on,
            Meeting.title,
            Meeting.attendees,
            Meeting.decisions,
            Meeting.created_by,
            func.coalesce(items.c.action_items, 0).label("action_items"),
            func.coalesce(items.c.open_items, 0).label("open_items"),
        )
        .outerjoin(items, items.c.meeting_id == Meeting.id)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(limit)
    )
    return pd.DataFrame(
        conn.execute(query).mappings().all(),
        columns=[
            "id",
            "held_on",
            "title",
            "attendees",
            "decisions",
            "created_by",
            "action_items",
            "open_items",
        ],
    )


def action_items(conn: Connection, meeting_id: int) -> pd.DataFrame:
    """All action items of one meeting, in entry order."""
    query = (
        select(
            ActionItem.id,
            ActionItem.description,
            ActionItem.owner,
            ActionItem.due_date,
            ActionItem.status,
            ActionItem.closed_on,
            ActionItem.version,
        )
        .where(ActionItem.meeting_id == meeting_id)
        .order_by(ActionItem.id)
    )
    return pd.DataFrame(
        conn.execute(query).mappings().all(),
        columns=[
            "id",
            "description",
            "owner",
            "due_date",
            "status",
            "closed_on",
            "version",
        ],
    )
