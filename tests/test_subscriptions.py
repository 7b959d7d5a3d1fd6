"""Subscriptions' write path and the alert rules on a small data set (SQLite and PostgreSQL).

Who may subscribe to what is checked in data_access.subscriptions whatever the caller; the alert
rules are checked on rows built for each of them, and notify's periods (once per subject and
period), its each-run schedule and its attempt limit against a local HTTP receiver.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_access import admin
from data_access.models import AuditLog, Delivery, DeliveryItem
from data_access.permissions import Actor, PermissionDenied
from data_access.settings import load_settings
from data_access.subscriptions import (
    ALERT_RULES,
    delete_subscription,
    list_subscriptions,
    save_subscription,
    subscribe_managers,
)
from data_access.users import upsert_user
from data_access.writes import StaleRow, ValidationFailed
from metrics import alerts
from reports import notify
from tests import builders as b
from tests.notify_servers import HttpReceiver, free_port

D = dt.date
OFFICE, LEADER = Actor("office", "office"), Actor("leader", "leader")
AT = dt.datetime(2026, 6, 9, 9, 0)  # a Tuesday after the plan deadline (5th); last week 1-7 June


def seed(engine) -> dict[str, int]:
    """M001 (一班, town 城关) behind on everything; M002 (二班, town 舜王) fine."""
    with engine.begin() as conn:
        ids = {
            "M001": b.manager(conn, "M001", "张经理", team="一班"),
            "M002": b.manager(conn, "M002", "刘经理", team="二班"),
            "C001": b.customer(conn, "C001", name="城关化工", town="城关"),
            "C002": b.customer(conn, "C002", name="舜王纺织", town="舜王"),
        }
        b.posting(conn, ids["M001"], ids["C001"], D(2026, 3, 2))
        b.posting(conn, ids["M002"], ids["C002"], D(2026, 3, 2))
        for day in (D(2026, 5, 25), D(2026, 5, 26), D(2026, 6, 1), D(2026, 6, 2)):
            b.log(conn, ids["M002"], ids["C002"], day, on_site=True)
            b.log(conn, ids["M001"], ids["C001"], day, on_site=False)
        b.log(conn, ids["M001"], ids["C001"], D(2026, 5, 6), problems="变压器温升偏高")  # open 34 days
        b.plan(conn, ids["M002"], D(2026, 6, 1), D(2026, 6, 3))
        expert = b.expert(conn, "E001", "hv_fault")
        b.expert_call(
            conn, "K001", expert, dt.datetime(2026, 6, 9, 7, 30), manager_id=ids["M001"], customer_id=ids["C001"]
        )  # 90 minutes without a response at 09:00
        b.expert_call(
            conn, "K002", expert, dt.datetime(2026, 6, 9, 8, 30), manager_id=ids["M001"], customer_id=ids["C001"]
        )  # 30 minutes: not yet
        b.application(conn, "A001", ids["C001"], D(2026, 4, 1), resident_served=True)  # no plan reply: stalled
        users = {
            "leader": ("李领导", "leader", None),
            "office": ("王办公室", "office", None),
            "manager": ("张经理", "manager", ids["M001"]),
            "manager2": ("刘经理", "manager", ids["M002"]),
        }
        for username, (name, role, manager_id) in users.items():
            upsert_user(conn, username, name, "subscribe-test-1", role, manager_id)
    for username in ("leader", "office", "manager"):
        admin.set_email(engine, OFFICE, username, f"{username}@example.test")
    return ids


def problem_codes(error: ValidationFailed) -> dict[str, str]:
    return {problem.column: problem.code for problem in error.problems}


def test_who_may_subscribe_to_what(engine, monkeypatch):
    seed(engine)
    manager = Actor("manager", "manager", manager_id=1)

    def alerts_of(**kw):
        return {
            "kind": "alerts",
            "channel": "email",
            "rules": ["problem_open"],
            "frequency": "daily",
            "send_time": "07:30",
            **kw,
        }

    own = save_subscription(engine, manager, alerts_of(scope_kind="self"))
    # A manager cannot subscribe to another manager's alerts, nor to a team's.
    with pytest.raises(PermissionDenied):
        save_subscription(engine, manager, alerts_of(username="manager2", scope_kind="self"))
    with pytest.raises(ValidationFailed) as failed:
        save_subscription(engine, manager, alerts_of(scope_kind="team", scope_value="一班"))
    assert problem_codes(failed.value) == {"scope_kind": "self_only"}
    # The office subscribes manager2 (who has no email yet: refused, then fine) to their own alerts.
    with pytest.raises(ValidationFailed) as failed:
        save_subscription(engine, OFFICE, alerts_of(username="manager2", scope_kind="self"))
    assert problem_codes(failed.value) == {"channel": "no_email"}
    with pytest.raises(PermissionDenied):
        admin.set_email(engine, manager, "manager2", "liu@example.test")
    with pytest.raises(ValidationFailed) as failed:
        admin.set_email(engine, OFFICE, "manager2", "liu at example")
    assert problem_codes(failed.value) == {"email": "bad_email"}
    admin.set_email(engine, OFFICE, "manager2", "liu@example.test")
    other = save_subscription(engine, OFFICE, alerts_of(username="manager2", scope_kind="self"))
    with pytest.raises(PermissionDenied):
        save_subscription(engine, manager, alerts_of(scope_kind="self"), subscription_id=other.id)
    with pytest.raises(PermissionDenied):
        delete_subscription(engine, manager, other.id, other.version)
    # The office's bulk subscription skips managers who have one.
    assert subscribe_managers(engine, OFFICE) == 0
    with pytest.raises(PermissionDenied):
        subscribe_managers(engine, LEADER)

    # Leaders: all, a town or a team; never "self"; no group webhooks; the field rules.
    cases = [
        ({"kind": "brief", "scope_kind": "self"}, {"scope_kind": "self_needs_manager"}),
        ({"kind": "brief", "scope_kind": "team", "scope_value": "九班"}, {"scope_value": "unknown_team"}),
        ({"kind": "brief", "frequency": "each_run"}, {"frequency": "brief_frequency"}),
        ({"kind": "brief", "send_time": "25:00"}, {"send_time": "bad_time"}),
        ({"kind": "alerts", "rules": []}, {"rules": "no_rules"}),
        ({"kind": "alerts", "rules": ["attendance_week", "nonsense"]}, {"rules": "bad_choice"}),
        ({"kind": "brief", "channel": "webhook", "webhook": "group"}, {"channel": "webhook_office"}),
        ({"kind": "brief", "language": "fr"}, {"language": "bad_choice"}),
    ]
    for values, expected in cases:
        with pytest.raises(ValidationFailed) as failed:
            save_subscription(engine, LEADER, {"channel": "email", "frequency": "weekly", **values})
        assert problem_codes(failed.value) == expected, values
    brief = save_subscription(
        engine,
        LEADER,
        {"kind": "brief", "channel": "email", "frequency": "weekly", "scope_kind": "town", "scope_value": "城关"},
    )
    with pytest.raises(ValidationFailed) as failed:
        save_subscription(
            engine,
            LEADER,
            {"kind": "brief", "channel": "email", "scope_kind": "town", "scope_value": "城关", "send_time": "09:00"},
        )
    assert problem_codes(failed.value) == {"kind": "duplicate"}
    with pytest.raises(PermissionDenied):
        delete_subscription(engine, LEADER, own.id, own.version)
    changed = save_subscription(
        engine,
        LEADER,
        {"kind": "brief", "channel": "email", "frequency": "daily", "send_time": "06:45", "scope_kind": "all"},
        subscription_id=brief.id,
        expected_version=brief.version,
    )
    with pytest.raises(StaleRow):
        save_subscription(
            engine,
            LEADER,
            {"kind": "brief", "channel": "email"},
            subscription_id=brief.id,
            expected_version=brief.version,
        )

    # Group webhooks: the office, and only names configured in the environment.
    hook = {"kind": "alerts", "channel": "webhook", "webhook": "team_a", "rules": ["new_need"], "frequency": "daily"}
    with pytest.raises(ValidationFailed) as failed:
        save_subscription(engine, OFFICE, hook)
    assert problem_codes(failed.value) == {"webhook": "webhook_unknown"}
    monkeypatch.setenv("DASHBOARD_WEBHOOK_TEAM_A", "http://127.0.0.1:9/hook?key=secret")
    save_subscription(engine, OFFICE, hook)

    with engine.connect() as conn:
        rows = list_subscriptions(conn, "leader")
        audited = conn.execute(
            select(func.count()).select_from(AuditLog).where(AuditLog.table_name == "subscriptions")
        ).scalar()
        stored = conn.execute(select(func.count()).select_from(Delivery)).scalar()
    assert [(r["frequency"], r["send_time"], r["scope_kind"], r["version"]) for r in rows] == [
        ("daily", "06:45", "all", changed.version)
    ]
    assert audited == 5 and stored == 0  # 4 created + 1 changed; no webhook URL anywhere in the database


def test_alert_rules_periods_and_attempt_limit(engine, monkeypatch):
    seed(engine)
    with engine.connect() as conn:
        settings = load_settings(conn)
        found = alerts.evaluate(conn, AT, settings)
    by_rule = {}
    for alert in found:
        by_rule.setdefault(alert.rule, []).append(alert)
    assert {a.subject for a in by_rule["attendance_week"]} == {"M001"}
    assert {a.subject for a in by_rule["attendance_two_weeks"]} == {"M001"}
    assert {a.subject for a in by_rule["plan_missing"]} == {"M001"}
    assert [a.facts["problems"] for a in by_rule["problem_open"]] == ["变压器温升偏高"]
    assert [(a.subject, a.employee_nos, a.towns) for a in by_rule["call_unanswered"]] == [
        ("K001", ("M001",), ("城关",))
    ]
    assert [(a.subject, a.facts["stalled"], a.employee_nos) for a in by_rule["application_behind"]] == [
        ("A001", True, ("M001",))
    ]
    assert all(alerts.concerns(a, "town", "城关", None) for a in found if a.rule != "specialty_thin")
    assert not any(alerts.concerns(a, "team", "二班", None) for a in found)
    assert not any(alerts.concerns(a, "self", None, "M002") for a in found)

    down = free_port()
    with engine.begin() as conn:
        b.setting(conn, "notify_max_attempts", 2)
    with HttpReceiver() as hook:
        monkeypatch.setenv("DASHBOARD_WEBHOOK_TOWN", hook.url())
        monkeypatch.setenv("DASHBOARD_WEBHOOK_DOWN", f"http://127.0.0.1:{down}/x")
        town = save_subscription(
            engine,
            OFFICE,
            {
                "kind": "alerts",
                "channel": "webhook",
                "webhook": "town",
                "rules": list(ALERT_RULES),
                "frequency": "each_run",
                "scope_kind": "town",
                "scope_value": "城关",
                "language": "en",
            },
        )
        save_subscription(
            engine,
            OFFICE,
            {
                "kind": "alerts",
                "channel": "webhook",
                "webhook": "down",
                "rules": ["problem_open"],
                "frequency": "each_run",
            },
        )
        first = notify.run(engine, AT)
        assert len(first.sent) == 1 and len(first.failed) == 1
        text = hook.posts[0][1]["markdown"]["content"]
        assert "K001" in text and "A001" in text and "M001" in text and "M002" not in text
        # Two weeks running replaces the week alert for the same manager in one message.
        assert "Below the on-site minimum two weeks running" in text and "minimum last week" not in text
        # Later the same day: nothing new for the town (each run, each subject once) ...
        later = notify.run(engine, AT + dt.timedelta(minutes=20))  # K002 has waited 50 minutes
        assert later.sent == [] and len(hook.posts) == 1
        # ... the down webhook's own message (a new slot) and the retry both fail; at 2 attempts the
        # first is abandoned and its problem is free for the next message.
        assert len(later.failed) == 1 and later.abandoned == [first.failed[0][0]]
        with engine.connect() as conn:
            statuses = dict(conn.execute(select(Delivery.id, Delivery.status)).all())
            freed = conn.execute(
                select(func.count()).select_from(DeliveryItem).where(DeliveryItem.delivery_id == first.failed[0][0])
            ).scalar()
        assert statuses[first.failed[0][0]] == "abandoned" and freed == 0
        # A week on: the weekly periods (attendance, this month's plan stays told) alert again.
        notify.run(engine, AT + dt.timedelta(days=7))
        assert len(hook.posts) == 2
        text = hook.posts[1][1]["markdown"]["content"]
        assert "M001" in text and "K001" not in text and "变压器温升偏高" not in text and "June" not in text
        with engine.connect() as conn:
            periods = conn.execute(
                select(DeliveryItem.rule, DeliveryItem.period).where(
                    DeliveryItem.subscription_id == town.id, DeliveryItem.subject == "M001"
                )
            ).all()
        assert sorted(periods) == [
            ("attendance_two_weeks", "2026-06-01"),
            ("attendance_two_weeks", "2026-06-08"),
            ("attendance_week", "2026-06-01"),
            ("attendance_week", "2026-06-08"),
            ("plan_missing", "2026-06"),
        ]


def test_smtp_settings_and_login():
    """The SMTP URL's rules, and a login with a percent-encoded password on a server that requires one."""
    from data_access.notify_config import ConfigError, parse_smtp_url
    from reports.channels import EmailSender, SendError, build_email
    from tests.notify_servers import SmtpSink

    config = parse_smtp_url("smtp://mailer%40example.test:p%40ss%3Aword@mail.example.test:587?starttls=1", None)
    assert (config.username, config.password, config.starttls, config.ssl, config.sender) == (
        "mailer@example.test",
        "p@ss:word",
        True,
        False,
        "mailer@example.test",
    )
    assert parse_smtp_url("smtps://mail.example.test", "a@b.test").port == 465
    for bad, words in (
        ("http://mail.example.test", "smtp://"),
        ("smtp://mail.example.test:99999", "port"),
        ("smtp://mail.example.test?tls=1", "unknown option"),
        ("smtp://mail.example.test", "SMTP_FROM"),
    ):
        with pytest.raises(ConfigError, match=words):
            parse_smtp_url(bad, None)
    with SmtpSink(login=("mailer", "p@ss:word")) as smtp:
        good = parse_smtp_url(f"smtp://mailer:p%40ss%3Aword@127.0.0.1:{smtp.port}?starttls=0", "看板 <n@example.test>")
        sender = EmailSender(good)
        sender.send(build_email(good.sender, "x@example.test", "测试", "正文"))
        sender.close()
        first = smtp.messages
    with pytest.raises(SendError, match="127.0.0.1"):  # nobody listens there any more
        EmailSender(parse_smtp_url(f"smtp://127.0.0.1:{smtp.port}?starttls=0&timeout=5", "n@example.test")).send(
            build_email("n@example.test", "x@example.test", "测试", "正文")
        )
    assert [message["Subject"] for _, _, message in first] == ["测试"]
