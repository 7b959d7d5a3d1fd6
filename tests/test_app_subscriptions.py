"""Subscriptions on the screens (AppTest): the leader adds an email address on 我的账号, subscribes to
the weekly brief on 订阅与提醒, and `notify` sends that leader the brief; a manager's alert
subscription can only be their own; the office sees both subscriptions and the delivery log.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access import admin
from data_access.db import make_engine
from data_access.models import Delivery, Subscription, User
from data_access.permissions import CLI_ACTOR
from reports import notify
from tests.apptest import app, login_as, no_exception
from tests.conftest import seeded_copy
from tests.notify_servers import SmtpSink
from tests.seed_small import populate_small
from ui.strings import ZH

AT = dt.datetime(2025, 10, 6, 8, 0)  # the Monday after the small data set's last week
ACCOUNT, SUBSCRIPTIONS, DELIVERIES = "views/account.py", "views/subscriptions.py", "views/deliveries.py"


def seed(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()


@pytest.fixture
def url(tmp_path_factory, sqlite_template) -> str:
    return seeded_copy(tmp_path_factory, sqlite_template, "subscriptions", seed)


def screen(url: str, monkeypatch, username: str, script: str):
    at = login_as(app(url, monkeypatch), username).run()
    at.switch_page(script).run()
    no_exception(at)
    return at


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def rows(url: str, model, *columns):
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(select(*(getattr(model, c) for c in columns))).all()
    engine.dispose()
    return found


def test_subscribing_on_the_screens(url, monkeypatch):
    # The leader has no address yet: the screen says so; 我的账号 takes one (a bad one is refused).
    at = screen(url, monkeypatch, "leader", SUBSCRIPTIONS)
    assert any(ZH["sub_no_email"] in w.value for w in at.warning)
    at.switch_page(ACCOUNT).run()
    at.text_input(key="acc_email_email").input("not an address")
    button(at, ZH["acc_email_save"]).click().run()
    assert any("不是有效的邮箱地址" in e.value for e in at.error)
    at.text_input(key="acc_email_email").input("leader@example.test")
    button(at, ZH["acc_email_save"]).click().run()
    no_exception(at)
    assert rows(url, User, "username", "email").count(("leader", "leader@example.test")) == 1

    # The weekly brief, Monday 08:00 by default: saved as the leader's own.
    at.switch_page(SUBSCRIPTIONS).run()
    no_exception(at)
    assert at.radio(key="sub_kind").value == "brief"
    assert at.selectbox(key="sub_scope_kind").options == [
        ZH["sub_scope_all"],
        ZH["sub_scope_town"],
        ZH["sub_scope_team"],
    ]
    button(at, ZH["sub_save"]).click().run()
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    ((kind, frequency, weekday, send_time, active),) = rows(
        url, Subscription, "kind", "frequency", "weekday", "send_time", "active"
    )
    assert (kind, frequency, weekday, send_time, active) == ("brief", "weekly", 0, "08:00", True)

    # Picked again: the form holds it; a new time is saved, a pause and a resume are kept.
    ((sub_id,),) = rows(url, Subscription, "id")
    at.selectbox(key="sub_pick").set_value(sub_id).run()
    assert at.text_input(key="sub_send_time").value == "08:00"
    at.text_input(key="sub_send_time").input("7:5")
    button(at, ZH["sub_save"]).click().run()
    assert any("HH:MM" in e.value for e in at.error)  # refused, and what was typed stays
    assert at.text_input(key="sub_send_time").value == "7:5"
    at.text_input(key="sub_send_time").input("07:50")
    button(at, ZH["sub_save"]).click().run()
    no_exception(at)
    button(at, ZH["sub_pause"]).click().run()
    assert rows(url, Subscription, "send_time", "active", "version") == [("07:50", False, 3)]
    button(at, ZH["sub_resume"]).click().run()
    assert rows(url, Subscription, "active") == [(True,)]

    # A manager's alerts: the only scope offered is the manager's own.
    engine = make_engine(url)
    admin.set_email(engine, CLI_ACTOR, "manager", "manager@example.test")
    at = screen(url, monkeypatch, "manager", SUBSCRIPTIONS)
    at.radio(key="sub_kind").set_value("alerts").run()
    assert at.selectbox(key="sub_scope_kind").options == [ZH["sub_scope_self"]]
    button(at, ZH["sub_save"]).click().run()
    no_exception(at)
    assert sorted(rows(url, Subscription, "kind", "scope_kind", "frequency", "send_time")) == [
        ("alerts", "self", "daily", "07:30"),
        ("brief", "all", "weekly", "07:50"),
    ]

    # notify sends the leader the brief (the manager's alerts as the data has them).
    with SmtpSink() as smtp:
        monkeypatch.setenv("DASHBOARD_SMTP_URL", smtp.url)
        monkeypatch.setenv("DASHBOARD_SMTP_FROM", "noreply@example.test")
        report = notify.run(engine, AT)
        assert not report.failed and not report.skipped
        (brief,) = smtp.to("leader@example.test")
        assert [a.get_filename() for a in brief.iter_attachments()] == [f"联席会议材料_{AT:%Y-%m-%d}.pdf"]
        assert "李领导" in brief.get_body(("plain",)).get_content()
    engine.dispose()

    # The office sees both subscriptions and the log of what was sent.
    at = screen(url, monkeypatch, "office", SUBSCRIPTIONS)
    listed = at.dataframe[0].value
    assert sorted(listed[ZH["sub_col_id"]]) == sorted(r[0] for r in rows(url, Subscription, "id"))
    at.switch_page(DELIVERIES).run()
    no_exception(at)
    log = at.dataframe[0].value
    assert "leader@example.test" in list(log[ZH["dlv_col_recipient"]])
    assert set(log[ZH["dlv_col_status"]]) == {ZH["dlv_status_sent"]}
    assert len(log) == len(rows(url, Delivery, "id"))
