"""Joint meetings: recording meetings and action items, and the meeting agenda."""
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from data_access.meetings import (
    MeetingInputError, NewActionItem, StaleActionItem, action_items, close_action_item,
    list_meetings, record_meeting,
)
from data_access.models import ActionItem, AuditLog, Meeting
from data_access.permissions import Actor, PermissionDenied

D = dt.date
OFFICE = Actor("office", "office")
LEADER = Actor("leader", "leader")
MANAGER = Actor("m1", "manager", manager_id=1)


def _record(conn, held_on=D(2025, 9, 1), items=(NewActionItem("整改配电房漏水", "一班", D(2025, 9, 15)),)):
    return record_meeting(conn, OFFICE, held_on=held_on, title="第三季度联席会议",
                          attendees="办公室、营销部、运检部", decisions="加快业扩进度", action_items=list(items))


def test_record_meeting_writes_meeting_items_and_audit(engine):
    with engine.begin() as conn:
        meeting_id = _record(conn, items=[NewActionItem(" 整改漏水 ", "一班", D(2025, 9, 15)),
                                           NewActionItem("补报月度计划", "张三")])
    with engine.connect() as conn:
        meeting = conn.execute(select(Meeting).where(Meeting.id == meeting_id)).one()
        assert (meeting.held_on, meeting.title, meeting.created_by) == (D(2025, 9, 1), "第三季度联席会议", "office")
        items = action_items(conn, meeting_id)
        assert items[["description", "owner", "status"]].values.tolist() == [
            ["整改漏水", "一班", "open"], ["补报月度计划", "张三", "open"]]
        assert items["due_date"].tolist()[0] == D(2025, 9, 15)
        audited = conn.execute(select(AuditLog.table_name, AuditLog.username).order_by(AuditLog.id)).all()
        assert audited == [("meetings", "office"), ("action_items", "office"), ("action_items", "office")]


@pytest.mark.parametrize("actor", [LEADER, MANAGER])
def test_only_office_may_record_or_close(engine, actor):
    with engine.begin() as conn:
        meeting_id = _record(conn)
    item = None
    with engine.connect() as conn:
        item = action_items(conn, meeting_id).iloc[0]
    with pytest.raises(PermissionDenied), engine.begin() as conn:
        record_meeting(conn, actor, held_on=D(2025, 9, 2), title="x")
    with pytest.raises(PermissionDenied), engine.begin() as conn:
        close_action_item(conn, actor, int(item["id"]), int(item["version"]), D(2025, 9, 3))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Meeting)).scalar() == 1
        assert conn.execute(select(ActionItem.status)).scalar() == "open"


@pytest.mark.parametrize("title, items, field", [
    ("  ", [], "title"),
    ("会议", [NewActionItem("", "一班")], "action item 1, description"),
    ("会议", [NewActionItem("a", "一班"), NewActionItem("b", " ")], "action item 2, owner"),
    ("会议", [NewActionItem("a", "一班", D(2025, 8, 1))], "action item 1, due_date"),
])
def test_bad_input_names_the_field_and_writes_nothing(engine, title, items, field):
    with pytest.raises(MeetingInputError, match=field), engine.begin() as conn:
        record_meeting(conn, OFFICE, held_on=D(2025, 9, 1), title=title, action_items=items)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Meeting)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(AuditLog)).scalar() == 0


def test_close_action_item_with_version_and_stale_close_refused(engine):
    with engine.begin() as conn:
        meeting_id = _record(conn)
    with engine.connect() as conn:
        item = action_items(conn, meeting_id).iloc[0]
    item_id, version = int(item["id"]), int(item["version"])
    with engine.begin() as conn:
        close_action_item(conn, OFFICE, item_id, version, D(2025, 9, 10))
    # A second screen still showing the old version must not close it again.
    with pytest.raises(StaleActionItem), engine.begin() as conn:
        close_action_item(conn, OFFICE, item_id, version, D(2025, 9, 11))
    with engine.connect() as conn:
        row = conn.execute(select(ActionItem).where(ActionItem.id == item_id)).one()
        assert (row.status, row.closed_on, row.version) == ("done", D(2025, 9, 10), version + 1)
        before, after = conn.execute(
            select(AuditLog.before, AuditLog.after).where(AuditLog.action == "update")).one()
        assert json.loads(before)["status"] == "open"
        assert json.loads(after) == {"status": "done", "closed_on": "2025-09-10", "version": version + 1}


def test_close_unknown_item_is_an_input_error(engine):
    with pytest.raises(MeetingInputError, match="not found"), engine.begin() as conn:
        close_action_item(conn, OFFICE, 4242, 1, D(2025, 9, 10))


def test_list_meetings_newest_first_with_item_counts(engine):
    with engine.begin() as conn:
        first = _record(conn, D(2025, 8, 1), items=[NewActionItem("a", "一班"), NewActionItem("b", "二班")])
        _record(conn, D(2025, 9, 1), items=[])
        item_id, version = conn.execute(
            select(ActionItem.id, ActionItem.version).where(ActionItem.meeting_id == first,
                                                            ActionItem.description == "a")).one()
        close_action_item(conn, OFFICE, item_id, version, D(2025, 8, 20))
    with engine.connect() as conn:
        meetings = list_meetings(conn)
    assert meetings["held_on"].tolist() == [D(2025, 9, 1), D(2025, 8, 1)]
    assert meetings[["action_items", "open_items"]].values.tolist() == [[0, 0], [2, 1]]
