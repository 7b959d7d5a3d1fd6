"""Joint meetings: recording meetings and action items, and the meeting agenda."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from data_access.meetings import (
    NewActionItem,
    action_items,
    close_action_item,
    list_meetings,
    record_meeting,
)
from data_access.models import ActionItem, AuditLog, Meeting
from data_access.permissions import Actor, PermissionDenied
from data_access.writes import NotFound, StaleRow, ValidationFailed
from ui.problem_text import error_text

D = dt.date
OFFICE = Actor("office", "office")
LEADER = Actor("leader", "leader")
MANAGER = Actor("m1", "manager", manager_id=1)


def _record(engine, held_on=D(2025, 9, 1), items=(NewActionItem("整改配电房漏水", "一班", D(2025, 9, 15)),)):
    return record_meeting(
        engine,
        OFFICE,
        held_on=held_on,
        title="第三季度联席会议",
        attendees="办公室、营销部、运检部",
        decisions="加快业扩进度",
        action_items=list(items),
    )


def test_record_meeting_writes_meeting_items_and_audit(engine):
    meeting_id = _record(
        engine, items=[NewActionItem(" 整改漏水 ", "一班", D(2025, 9, 15)), NewActionItem("补报月度计划", "张三")]
    )
    with engine.connect() as conn:
        meeting = conn.execute(select(Meeting).where(Meeting.id == meeting_id)).one()
        assert (meeting.held_on, meeting.title, meeting.created_by) == (D(2025, 9, 1), "第三季度联席会议", "office")
        items = action_items(conn, meeting_id)
        assert items[["description", "owner", "status"]].values.tolist() == [
            ["整改漏水", "一班", "open"],
            ["补报月度计划", "张三", "open"],
        ]
        assert items["due_date"].tolist()[0] == D(2025, 9, 15)
        audited = conn.execute(select(AuditLog.table_name, AuditLog.username).order_by(AuditLog.id)).all()
        assert audited == [("meetings", "office"), ("action_items", "office"), ("action_items", "office")]


@pytest.mark.parametrize("actor", [LEADER, MANAGER])
def test_only_office_may_record_or_close(engine, actor):
    meeting_id = _record(engine)
    item = None
    with engine.connect() as conn:
        item = action_items(conn, meeting_id).iloc[0]
    with pytest.raises(PermissionDenied):
        record_meeting(engine, actor, held_on=D(2025, 9, 2), title="x")
    with pytest.raises(PermissionDenied):
        close_action_item(engine, actor, int(item["id"]), int(item["version"]), D(2025, 9, 3))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Meeting)).scalar() == 1
        assert conn.execute(select(ActionItem.status)).scalar() == "open"


@pytest.mark.parametrize(
    "title, items, en, zh",
    [
        ("  ", [], "title: is required", "会议名称：必填，不能为空"),
        ("会议", [NewActionItem("", "一班")], "row 1 · item: is required", "第 1 行 · 事项：必填，不能为空"),
        (
            "会议",
            [NewActionItem("a", "一班"), NewActionItem("b", " ")],
            "row 2 · owner: is required",
            "第 2 行 · 责任人：必填，不能为空",
        ),
        (
            "会议",
            [NewActionItem("a", "一班", D(2025, 8, 1))],
            "row 1 · due date: before the meeting date 2025-09-01",
            "第 1 行 · 截止日期：早于会议日期 2025-09-01",
        ),
        (
            "会" * 201,
            [NewActionItem("a", "乙" * 65)],
            "title: too long: at most 200 characters, got 201",
            "会议名称：过长：最多 200 个字符，实际 201 个\n第 1 行 · 责任人：过长：最多 64 个字符，实际 65 个",
        ),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(engine, title, items, en, zh):
    with pytest.raises(ValidationFailed) as error:
        record_meeting(engine, OFFICE, held_on=D(2025, 9, 1), title=title, action_items=items)
    assert error_text(error.value, "zh") == zh
    assert error_text(error.value, "en").startswith(en)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Meeting)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(AuditLog)).scalar() == 0


def test_close_action_item_with_version_and_stale_close_refused(engine):
    meeting_id = _record(engine)
    with engine.connect() as conn:
        item = action_items(conn, meeting_id).iloc[0]
    item_id, version = int(item["id"]), int(item["version"])
    close_action_item(engine, OFFICE, item_id, version, D(2025, 9, 10))
    # A second screen still showing the old version must not close it again.
    with pytest.raises(StaleRow) as stale:
        close_action_item(engine, OFFICE, item_id, version, D(2025, 9, 11))
    assert "督办事项" in error_text(stale.value, "zh")
    with engine.connect() as conn:
        row = conn.execute(select(ActionItem).where(ActionItem.id == item_id)).one()
        assert (row.status, row.closed_on, row.version) == ("done", D(2025, 9, 10), version + 1)
        before, after = conn.execute(select(AuditLog.before, AuditLog.after).where(AuditLog.action == "update")).one()
        assert json.loads(before)["status"] == "open"
        assert json.loads(after) == {"status": "done", "closed_on": "2025-09-10", "version": version + 1}


def test_close_unknown_item_is_refused_as_not_found(engine):
    with pytest.raises(NotFound) as error:
        close_action_item(engine, OFFICE, 4242, 1, D(2025, 9, 10))
    assert "4242" in error_text(error.value, "zh") and "4242" in error_text(error.value, "en")


def test_list_meetings_newest_first_with_item_counts(engine):
    first = _record(engine, D(2025, 8, 1), items=[NewActionItem("a", "一班"), NewActionItem("b", "二班")])
    _record(engine, D(2025, 9, 1), items=[])
    with engine.connect() as conn:
        item_id, version = conn.execute(
            select(ActionItem.id, ActionItem.version).where(
                ActionItem.meeting_id == first, ActionItem.description == "a"
            )
        ).one()
    close_action_item(engine, OFFICE, item_id, version, D(2025, 8, 20))
    with engine.connect() as conn:
        meetings = list_meetings(conn)
    assert meetings["held_on"].tolist() == [D(2025, 9, 1), D(2025, 8, 1)]
    assert meetings[["action_items", "open_items"]].values.tolist() == [[0, 0], [2, 1]]


# --- the agenda --------------------------------------------------------------------------------

from data_access.settings import load_settings  # noqa: E402
from metrics import meeting  # noqa: E402
from metrics.window import Scope  # noqa: E402
from tests.agenda_seed import AS_OF, EXPECTED, seed_agenda_db  # noqa: E402
from ui import agenda_text  # noqa: E402


def agenda_items(agenda) -> dict:
    """The agenda reduced to (identifying fields, owner) per item, as in EXPECTED."""
    s = agenda.sections
    return {
        "open_problems": list(
            zip(s["open_problems"]["problems"], s["open_problems"]["owner"], s["open_problems"]["age_days"])
        ),
        "applications": list(zip(s["applications"]["app_no"], s["applications"]["owner"])),
        "expert_calls": list(zip(s["expert_calls"]["call_no"], s["expert_calls"]["owner"])),
        "expert_coverage": list(zip(s["expert_coverage"]["specialty"], s["expert_coverage"]["owner"])),
        "managers_behind": list(
            zip(s["managers_behind"]["name"], s["managers_behind"]["issue"], s["managers_behind"]["owner"])
        ),
        "new_needs": sorted(zip(s["new_needs"]["account_no"], s["new_needs"]["kind"], s["new_needs"]["owner"])),
        "open_cases": list(
            zip(
                s["open_cases"]["account_no"],
                s["open_cases"]["rule"],
                s["open_cases"]["owner"],
                s["open_cases"]["age_days"],
            )
        ),
        "action_items": list(
            zip(s["action_items"]["description"], s["action_items"]["owner"], s["action_items"]["overdue"])
        ),
    }


def test_agenda_lists_exactly_the_open_items_with_owners(engine):
    with engine.begin() as conn:
        seed_agenda_db(conn)
    with engine.connect() as conn:
        agenda = meeting.agenda(conn, AS_OF, load_settings(conn))
    assert list(agenda.sections) == list(meeting.SECTIONS)
    assert agenda.last_meeting == D(2025, 8, 15)
    assert (agenda.needs_window.start, agenda.needs_window.end) == (D(2025, 8, 16), AS_OF)
    assert (agenda.attendance_week.start, agenda.attendance_week.end) == (D(2025, 9, 1), D(2025, 9, 7))
    items = agenda_items(agenda)
    assert items["new_needs"] == sorted(EXPECTED["new_needs"])
    assert {k: v for k, v in items.items() if k != "new_needs"} == {
        k: v for k, v in EXPECTED.items() if k != "new_needs"
    }
    assert agenda.counts() == {key: len(value) for key, value in EXPECTED.items()}


def test_agenda_details_ages_and_display_lines(engine):
    with engine.begin() as conn:
        seed_agenda_db(conn)
    with engine.connect() as conn:
        agenda = meeting.agenda(conn, AS_OF, load_settings(conn))
    apps = agenda.sections["applications"].set_index("app_no")
    assert apps.loc["A1", "current_stage"] == "plan_reply" and bool(apps.loc["A1", "stalled"])
    assert apps.loc["A2", "current_stage"] == "energization" and bool(apps.loc["A2", "stalled"])
    assert apps.loc["A2", "current_limit"] == 5
    assert apps.loc["A1", "age_days"] == (AS_OF - D(2025, 6, 2)).days
    behind = agenda.sections["managers_behind"].set_index("issue")
    assert (behind.loc["attendance", "on_site_days"], behind.loc["attendance", "required"]) == (1, 2)
    assert behind.loc["attendance", "age_days"] == 3  # since Sunday 2025-09-07
    assert behind.loc["plan", "deadline"] == D(2025, 9, 5) and behind.loc["plan", "age_days"] == 5
    items = agenda.sections["action_items"]
    assert items["due_date"].tolist() == [D(2025, 9, 1), None]
    assert items["age_days"].tolist() == [26, 26]
    for lang in ("zh", "en"):
        for key, frame in agenda.sections.items():
            table = agenda_text.display_table(key, frame, lang)
            assert len(table) == len(frame) and table["detail"].map(bool).all(), (key, lang)
    zh = agenda_text.display_table("applications", agenda.sections["applications"], "zh")
    assert zh["detail"].iloc[0].startswith("供电方案答复已 ")
    en_owners = agenda_text.display_table("expert_coverage", agenda.sections["expert_coverage"], "en")["owner"]
    assert en_owners.tolist() == ["Resident-manager office"]


def test_agenda_scope_by_team(engine):
    with engine.begin() as conn:
        seed_agenda_db(conn)
    with engine.connect() as conn:
        agenda = meeting.agenda(conn, AS_OF, load_settings(conn), Scope(team="一班"))
    items = agenda_items(agenda)
    assert items["open_problems"] == [("配电房漏水", "张三", 21)]
    assert items["managers_behind"] == []
    assert items["applications"] == [("A2", "张三")]
    assert items["action_items"] == EXPECTED["action_items"]  # meeting items are not scoped


def test_action_item_stays_on_agenda_until_closed(engine):
    with engine.begin() as conn:
        seed_agenda_db(conn)
    record_meeting(
        engine,
        OFFICE,
        held_on=AS_OF,
        title="九月例会",
        action_items=[NewActionItem("督办 A2 装表接电", "张三", D(2025, 9, 12))],
    )
    for day in (AS_OF, D(2025, 9, 13), D(2025, 9, 19)):
        with engine.connect() as conn:
            items = meeting.agenda(conn, day, load_settings(conn)).sections["action_items"]
        row = items[items["description"] == "督办 A2 装表接电"]
        assert len(row) == 1 and row["owner"].item() == "张三"
        assert bool(row["overdue"].item()) == (day > D(2025, 9, 12))
    close_action_item(engine, OFFICE, int(row["id"].item()), int(row["version"].item()), D(2025, 9, 19))
    with engine.connect() as conn:
        later = meeting.agenda(conn, D(2025, 9, 19), load_settings(conn))
    assert "督办 A2 装表接电" not in set(later.sections["action_items"]["description"])
    # The meeting on AS_OF is now the last one: the needs window starts the day after.
    assert later.last_meeting == AS_OF and later.needs_window.start == D(2025, 9, 11)


def test_needs_window_without_meetings_is_last_30_days(engine):
    with engine.connect() as conn:
        agenda = meeting.agenda(conn, AS_OF, load_settings(conn))
    assert agenda.last_meeting is None
    assert (agenda.needs_window.start, agenda.needs_window.days) == (D(2025, 8, 12), 30)
    assert all(frame.empty for key, frame in agenda.sections.items() if key != "expert_coverage")
    assert len(agenda.sections["expert_coverage"]) == 8
