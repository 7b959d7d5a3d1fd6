"""The 联席会议 screen under AppTest: the agenda of a small seeded DB, recording a meeting with an
action item that stays on the agenda until closed, the brief download, and no forms for the leader."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.models import ActionItem
from data_access.users import manager_id_for, upsert_user
from metrics import meeting
from tests.agenda_seed import AS_OF, EXPECTED, seed_agenda_db
from tests.apptest import login_as
from tests.conftest import ROOT
from ui.agenda_text import owner_name
from ui.strings import EN, ZH

APP = str(ROOT / "app.py")
SCRIPT = "views/meeting.py"
PASSWORD = "meeting-test-1"
USERS = {"leader": ("李领导", "leader"), "office": ("王办公室", "office"), "manager": ("张三", "manager")}


def seed(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        seed_agenda_db(conn)
        for username, (name, role) in USERS.items():
            manager_id = manager_id_for(conn, "M1") if role == "manager" else None
            upsert_user(conn, username, name, PASSWORD, role, manager_id)
    engine.dispose()


@pytest.fixture
def seeded_url(db_url) -> str:
    """A fresh seeded database, SQLite and PostgreSQL (for the tests that write)."""
    seed(db_url)
    return db_url


@pytest.fixture(scope="module")
def read_url(tmp_path_factory, sqlite_template) -> str:
    """One seeded SQLite file shared by the tests that only read (or whose writes are refused)."""
    path = tmp_path_factory.mktemp("meeting") / "meeting.db"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{path}"
    seed(url)
    return url


def open_meeting(url: str, monkeypatch, username: str, **query) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"as_of": AS_OF.isoformat(), **query})
    login_as(at, username, url)
    at.run()
    at.switch_page(SCRIPT).run()
    no_exception(at)
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def shown_tables(at: AppTest) -> list:
    """The agenda's dataframes in section order (sections without items show no table)."""
    return [frame.value for frame in at.dataframe]


def counts(at: AppTest) -> dict[str, int]:
    """Each section's card, named by the figure catalogue on the agenda date."""
    as_of = dt.date.fromisoformat(
        at.query_params["as_of"][0] if isinstance(at.query_params["as_of"], list) else at.query_params["as_of"]
    )
    return {
        key: int(next(m.value for m in at.metric if m.label == meeting.section_name(key, as_of, "zh")))
        for key in meeting.SECTIONS
    }


def action_rows(at: AppTest) -> list[tuple[str, str]]:
    """(detail, owner) of the action-item table (the last agenda table before the history)."""
    for frame in shown_tables(at):
        if ZH["mt_col_due"] in frame.columns:
            return list(zip(frame[ZH["mt_col_detail"]], frame[ZH["mt_col_owner"]]))
    return []


def test_agenda_screen_shows_exactly_the_open_items(read_url, monkeypatch):
    at = open_meeting(read_url, monkeypatch, "office")
    assert at.title[0].value == ZH["nav_meeting"]
    assert counts(at) == {key: len(items) for key, items in EXPECTED.items()}
    tables = shown_tables(at)
    owners = [list(frame[ZH["mt_col_owner"]]) for frame in tables[: len(meeting.SECTIONS)]]
    # Where each EXPECTED tuple keeps the owner.
    owner_at = {key: 1 for key in EXPECTED} | {"managers_behind": 2, "new_needs": 2, "open_cases": 2}
    expected_owners = [[owner_name(item[owner_at[key]], "zh") for item in items] for key, items in EXPECTED.items()]
    assert sorted(owners[5]) == sorted(expected_owners[5])  # new needs: no particular order
    assert owners[:5] + owners[6:] == expected_owners[:5] + expected_owners[6:]
    assert action_rows(at) == [(d, o) for d, o, _ in EXPECTED["action_items"]]
    problems = tables[0]
    assert list(problems[ZH["mt_col_detail"]]) == ["配电房漏水", "电容器异常"]
    assert list(problems[ZH["mt_col_age"]]) == [21, 5]
    assert [b.label for b in at.download_button if b.key == "mt_brief"] == [ZH["mt_brief_download"]]


def test_recorded_action_item_stays_until_closed(seeded_url, monkeypatch):
    at = open_meeting(seeded_url, monkeypatch, "office")
    at.text_input(key="mt_title").set_value("九月联席会议")
    at.text_area(key="mt_attendees").set_value("办公室、营销部、运检部")
    at.text_input(key="mt_item_desc_0").set_value("督办 A2 装表接电")
    at.text_input(key="mt_item_owner_0").set_value("张三")
    at.date_input(key="mt_item_due_0").set_value(dt.date(2025, 9, 12))
    at.form_submit_button[0].click().run()  # the record form comes first
    no_exception(at)
    assert [toast.value for toast in at.toast if "九月联席会议" in toast.value]
    assert ("督办 A2 装表接电", "张三") in action_rows(at)

    # Still there on a later agenda (overdue by then), until the office closes it.
    at = open_meeting(seeded_url, monkeypatch, "office", as_of="2025-09-15")
    assert ("督办 A2 装表接电", "张三") in action_rows(at)
    at.selectbox(key="mt_close_item").set_value(action_item_id(seeded_url, "督办 A2 装表接电"))
    at.form_submit_button[1].click().run()
    no_exception(at)
    assert ("督办 A2 装表接电", "张三") not in action_rows(at)
    assert len(action_rows(at)) == len(EXPECTED["action_items"])


def action_item_id(url: str, description: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(select(ActionItem.id).where(ActionItem.description == description)).scalar_one()
    engine.dispose()
    return found


def test_bad_action_item_is_reported_and_nothing_saved(read_url, monkeypatch):
    at = open_meeting(read_url, monkeypatch, "office")
    at.text_input(key="mt_item_desc_1").set_value("没有责任人的事项")
    at.form_submit_button[0].click().run()
    no_exception(at)
    # Row 1 is blank but row 2 is typed: every problem is reported, by its screen row.
    assert [e.value for e in at.error] == [
        "\n".join(
            [
                ZH["fm_not_saved"],
                "- 督办事项第 1 行 · 事项：必填，不能为空",
                "- 督办事项第 1 行 · 责任人：必填，不能为空",
                "- 督办事项第 2 行 · 责任人：必填，不能为空",
            ]
        )
    ]
    assert counts(at)["action_items"] == len(EXPECTED["action_items"])
    assert at.text_input(key="mt_item_desc_1").value == "没有责任人的事项"  # what was typed stays


@pytest.mark.parametrize("username", ["leader", "manager"])
def test_only_the_office_gets_forms(read_url, monkeypatch, username):
    at = open_meeting(read_url, monkeypatch, username)
    assert counts(at) == {key: len(items) for key, items in EXPECTED.items()}
    assert not at.form_submit_button and not at.text_input and not at.text_area
    assert ZH["mt_record"] not in [e.label for e in at.expander]
    assert [b.key for b in at.download_button if b.key == "mt_brief"] == ["mt_brief"]


def test_english_screen(read_url, monkeypatch):
    at = open_meeting(read_url, monkeypatch, "leader", lang="en")
    assert at.title[0].value == EN["nav_meeting"]
    labels = [m.label for m in at.metric]
    assert meeting.section_name("action_items", AS_OF, "en") in labels
    owners = [
        owner
        for frame in shown_tables(at)
        if EN["mt_col_owner"] in frame.columns
        for owner in frame[EN["mt_col_owner"]]
    ]
    assert "Resident-manager office" in owners and "Connection team" in owners


def test_projection_shows_plain_tables_without_downloads(read_url, monkeypatch):
    at = open_meeting(read_url, monkeypatch, "leader", present="1")
    assert len(at.table) == len(meeting.SECTIONS)  # every seeded section has items
    assert not [b for b in at.download_button if b.key.startswith("mt_table_")]
    assert [b.key for b in at.download_button if b.key == "mt_brief"] == ["mt_brief"]
