"""The identity screens under AppTest on a seeded SQLite file: the first login's forced password
change, the lock message, the office's live sessions and unlock, the security events on the audit
screen, the demo banner, and stored text shown as text."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from data_access import admin, sessions
from data_access.db import make_engine
from data_access.models import UserSession
from data_access.permissions import CLI_ACTOR
from data_access.users import upsert_user
from tests.apptest import login_as
from tests.conftest import ROOT, seeded_copy
from tests.seed_small import PASSWORD, populate_small
from ui import auth
from ui.strings import ZH

APP = str(ROOT / "app.py")


def seed(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()


@pytest.fixture
def url(tmp_path_factory, sqlite_template) -> str:
    return seeded_copy(tmp_path_factory, sqlite_template, "security", seed)


@pytest.fixture
def engine(url):
    engine = make_engine(url)
    yield engine
    engine.dispose()


def app(url: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    return AppTest.from_file(APP, default_timeout=120)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def type_login(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return at.button[0].click().run()


def registered_paths(at: AppTest) -> set[str]:
    return {info["url_pathname"] for info in at._registered_pages.values()}


def test_a_first_login_must_choose_a_password_before_anything_else(url, engine, monkeypatch):
    admin.create_user(
        engine, CLI_ACTOR, username="newbie", display_name="新人", password="Given-by-office-1", role="leader"
    )
    at = type_login(app(url, monkeypatch).run(), "newbie", "Given-by-office-1")
    no_exception(at)
    assert registered_paths(at) <= {"", "home", "account"} and not at.metric
    assert at.title[0].value == ZH["nav_account"] and ZH["acc_due_first"] in [w.value for w in at.warning]
    at.text_input(key="acc_password_current_password").input("Given-by-office-1")
    at.text_input(key="acc_password_password").input("My-own-choice-22")
    at.text_input(key="acc_password_repeat").input("My-own-choice-23")
    at.button[0].click().run()
    assert "两次输入的新密码不一致" in "\n".join(e.value for e in at.error)
    at.text_input(key="acc_password_repeat").input("My-own-choice-22")
    at.button[0].click().run()
    no_exception(at)
    assert [t.value for t in at.toast] == [ZH["acc_password_changed"]]
    at.run()
    assert "overview" in registered_paths(at) and at.metric  # the whole dashboard from now on
    assert sessions.login(engine, "newbie", "My-own-choice-22", None).status == "ok"


def test_the_login_says_until_when_a_username_is_locked(url, engine, monkeypatch):
    at = app(url, monkeypatch).run()
    for _ in range(4):
        type_login(at, "leader", "not-it")
        assert [e.value for e in at.error] == [ZH["login_failed"]]
    type_login(at, "leader", "not-it")
    (message,) = [e.value for e in at.error]
    with engine.connect() as conn:
        until = sessions.locked_usernames(conn)["leader"]
    assert message == ZH["login_locked"].format(until=until.strftime("%H:%M"))
    type_login(at, "leader", PASSWORD)
    assert [e.value for e in at.error] == [message] and not at.metric
    assert at.text_input(key="login_password").value == ""  # the typed password is not kept


def test_the_office_ends_a_live_session_and_lifts_a_lock(url, engine, monkeypatch):
    leader_token = sessions.start_session(engine, "leader", client="10.1.1.1")
    for _ in range(5):
        sessions.login(engine, "manager", "not-it", "10.2.2.2")
    at = login_as(app(url, monkeypatch), "office", url).run()
    at.switch_page("views/entry_users.py").run()
    no_exception(at)
    live = at.dataframe[1].value
    assert {"leader", "office"} <= set(live["用户名"])
    assert "10.1.1.1" in set(live[ZH["eus_col_client"]])
    with engine.connect() as conn:
        leader_session = conn.execute(select(UserSession.id).where(UserSession.client == "10.1.1.1")).scalar()
    at.selectbox(key="eus_session").set_value(leader_session).run()
    at.button(key="eus_end_session").click().run()
    no_exception(at)
    assert sessions.check_session(engine, leader_token).reason == "admin"

    accounts = at.dataframe[0].value
    locked = accounts.loc[accounts["用户名"] == "manager", ZH["eus_col_locked"]].item()
    assert locked != "—"
    at.selectbox(key="eus_pick").set_value("manager").run()
    at.button(key="eus_unlock").click().run()
    no_exception(at)
    assert [t.value for t in at.toast] == [ZH["eus_unlocked"].format(username="manager")]
    assert sessions.login(engine, "manager", PASSWORD, None).status == "ok"


def test_the_audit_screen_lists_security_events(url, engine, monkeypatch):
    sessions.login(engine, "leader", "not-it", "10.3.3.3")
    sessions.login(engine, "leader", PASSWORD, "10.3.3.3")
    at = login_as(app(url, monkeypatch), "office", url).run()
    at.switch_page("views/audit.py").run()
    at.radio(key="aud_kind").set_value("security").run()
    no_exception(at)
    events = at.dataframe[0].value
    leader = events.loc[events[ZH["aud_col_account"]] == "leader"]
    assert list(leader[ZH["aud_col_event"]]) == [ZH["sec_event_login"], ZH["sec_event_login_failed"]]
    assert list(leader[ZH["aud_col_client"]]) == ["10.3.3.3", "10.3.3.3"]
    assert leader[ZH["aud_col_detail"]].iloc[1] == ZH["sec_detail_reason"].format(value=ZH["sec_reason_password"])
    at.selectbox(key="aud_event").set_value("login_failed").run()
    assert list(at.dataframe[0].value[ZH["aud_col_event"]]) == [ZH["sec_event_login_failed"]]
    assert at.get("download_button")  # downloadable, like every table


def test_the_login_page_warns_while_demo_accounts_exist(url, engine, monkeypatch):
    at = app(url, monkeypatch).run()
    assert not [w for w in at.warning if "demo123" in w.value or "演示账号" in w.value]
    with engine.begin() as conn:
        upsert_user(conn, "demo_leader", "演示", "demo123!", "leader", created_by="demo")
    at = app(url, monkeypatch).run()
    assert any("demo\\_leader" in w.value for w in at.warning)


def test_a_meeting_title_is_shown_as_text(url, monkeypatch):
    at = login_as(app(url, monkeypatch), "office", url)
    at.query_params["as_of"] = "2025-09-30"
    at.run()
    at.switch_page("views/meeting.py").run()
    title = "[点我](http://evil.example) **粗体** :red[红]"
    at.text_input(key="mt_title").set_value(title)
    at.form_submit_button[0].click().run()
    no_exception(at)
    saved = "\n".join(toast.value for toast in at.toast)  # the confirmation, a toast like every form's
    assert "\\[点我\\](http\\://evil.example) \\*\\*粗体\\*\\* :red\\[红\\]" in saved


@pytest.mark.parametrize(
    "peer,header,hops,client",
    [
        ("10.0.0.5", None, 0, "10.0.0.5"),
        ("127.0.0.1", "203.0.113.9", 1, "203.0.113.9"),
        ("127.0.0.1", "1.1.1.1, 203.0.113.9", 1, "203.0.113.9"),  # the client wrote 1.1.1.1 itself
        ("127.0.0.1", "1.1.1.1, 203.0.113.9, 10.0.0.2", 2, "203.0.113.9"),
        ("127.0.0.1", None, 1, "127.0.0.1"),
        ("127.0.0.1", "203.0.113.9", 0, "127.0.0.1"),  # headers are ignored unless proxies are configured
    ],
)
def test_the_client_address_behind_trusted_proxies(peer, header, hops, client):
    assert auth.forwarded_client(peer, header, hops) == client
