"""`manage.py notify` for real: the county demo, a local SMTP server and a local HTTP receiver.

What arrives is read back: the brief's PDF opens and has Chinese text, its Chinese subject and file
name are encoded (RFC 2047 / RFC 2231) and decode back, the alert bodies name the managers and
figures that metrics.alerts finds, nothing is sent twice, and a webhook that is down gets its
message at a later run. Expected deliveries and figures come from the metrics functions, never
from hard-coded values.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from sqlalchemy import func, select

import manage
from data_access import admin
from data_access.db import get_engine
from data_access.demo import generate_demo
from data_access.models import Delivery, DeliveryItem, Manager, User
from data_access.permissions import CLI_ACTOR, Actor
from data_access.settings import load_settings
from data_access.subscriptions import ALERT_RULES, save_subscription
from metrics import alerts, attendance, headline
from reports import notify as notify_run
from reports import notify_text
from tests.notify_servers import HttpReceiver, SmtpSink, free_port

AT = dt.datetime(2026, 10, 5, 8, 0)  # a Monday: last week is 28 Sep - 4 Oct
UNTIL = dt.date(2026, 10, 4)
OFFICE, LEADER = Actor("office", "office"), Actor("leader", "leader")


def notify(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = manage.main(["notify", "--at", AT.strftime("%Y-%m-%dT%H:%M"), *args])
    out, err = capsys.readouterr()
    return code, out, err


def demo_manager(engine) -> tuple[str, str]:
    """(employee_no, team) of the demo's manager account."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                select(Manager.employee_no, Manager.team)
                .join(User, User.manager_id == Manager.id)
                .where(User.username == "manager")
            ).one()
        )


def subscribe(engine, team: str, hook_url: str, down_url: str, smtp_url: str, monkeypatch) -> dict[str, int]:
    """Emails for the demo logins, the channels' settings, and five subscriptions."""
    for username in ("leader", "office", "manager"):
        admin.set_email(engine, CLI_ACTOR, username, f"{username}@example.test")
    monkeypatch.setenv("DASHBOARD_SMTP_URL", smtp_url)
    monkeypatch.setenv("DASHBOARD_SMTP_FROM", "派驻经理看板 <noreply@example.test>")
    monkeypatch.setenv("DASHBOARD_BASE_URL", "http://dash.example.test")
    monkeypatch.setenv("DASHBOARD_WEBHOOK_TEAM_GROUP", hook_url)
    monkeypatch.setenv("DASHBOARD_WEBHOOK_DOWN_GROUP", down_url)
    every = list(ALERT_RULES)
    return {
        "brief": save_subscription(
            engine,
            LEADER,
            {"kind": "brief", "channel": "email", "frequency": "weekly", "weekday": 0, "send_time": "08:00"},
        ).id,
        "office": save_subscription(
            engine,
            OFFICE,
            {"kind": "alerts", "channel": "email", "rules": every, "frequency": "daily", "send_time": "07:30"},
        ).id,
        "manager": save_subscription(
            engine,
            OFFICE,
            {
                "username": "manager",
                "kind": "alerts",
                "channel": "email",
                "rules": every,
                "frequency": "daily",
                "send_time": "07:30",
                "scope_kind": "self",
            },
        ).id,
        "team": save_subscription(
            engine,
            OFFICE,
            {
                "kind": "alerts",
                "channel": "webhook",
                "webhook": "team_group",
                "rules": every,
                "frequency": "each_run",
                "scope_kind": "team",
                "scope_value": team,
            },
        ).id,
        "down": save_subscription(
            engine,
            OFFICE,
            {
                "kind": "brief",
                "channel": "webhook",
                "webhook": "down_group",
                "frequency": "weekly",
                "weekday": 0,
                "send_time": "08:00",
            },
        ).id,
    }


def expected_items(found, scope_kind: str, scope_value=None, employee_no=None, shown: bool = True) -> list:
    """What notify should tell a subscription of this scope: the lines shown (the week alert gives way
    to two weeks running), or all the alerts recorded as told (shown=False)."""
    items = [a for a in found if alerts.concerns(a, scope_kind, scope_value, employee_no)]
    two_weeks = {a.subject for a in items if a.rule == "attendance_two_weeks"}
    return [a for a in items if not (shown and a.rule == "attendance_week" and a.subject in two_weeks)]


def pdf_text(content: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "brief.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def deliveries(engine) -> dict[int, tuple[str, int]]:
    """subscription id -> (status, attempts)."""
    with engine.connect() as conn:
        return {
            sid: (status, attempts)
            for sid, status, attempts in conn.execute(
                select(Delivery.subscription_id, Delivery.status, Delivery.attempts)
            )
        }


def test_notify_on_the_county_demo(db_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", db_url)
    if db_url.startswith("sqlite"):  # the PDF made in a child process, as at scale; in process on PostgreSQL
        monkeypatch.setattr(notify_run, "PDF_PROCESS_MIN_ALERTS", 0)
    engine = get_engine(db_url)
    generate_demo(engine, "county", until=UNTIL)
    employee_no, team = demo_manager(engine)
    down_port = free_port()
    with SmtpSink() as smtp, HttpReceiver() as hook:
        ids = subscribe(engine, team, hook.url(), f"http://127.0.0.1:{down_port}/send", smtp.url, monkeypatch)
        window = headline.brief_window(AT)
        with engine.connect() as conn:
            settings = load_settings(conn)
            found = alerts.evaluate(conn, AT, settings)
            figures = headline.with_change(conn, window, settings)
            attendance_rate = attendance.compliance(conn, window, settings).rate
        office_items, team_items = expected_items(found, "all"), expected_items(found, "team", team)
        manager_items = expected_items(found, "self", employee_no=employee_no)
        assert manager_items and len(team_items) > len(manager_items)

        # Dry run: the five messages listed, nothing stored or sent.
        code, out, _ = notify(capsys, "--dry-run")
        assert code == 0
        listed = [line for line in out.splitlines() if line.startswith("would send")]
        assert len(listed) == 5
        expected = {
            "leader@example.test": "brief + PDF",
            "office@example.test": f"{len(office_items)} alert(s)",
            "manager@example.test": f"{len(manager_items)} alert(s)",
            "team_group": f"{len(team_items)} alert(s)",
            "down_group": "brief + PDF",
        }
        for recipient, what in expected.items():
            assert any(recipient in line and what in line for line in listed), (recipient, what, listed)
        assert smtp.messages == [] and hook.posts == [] and deliveries(engine) == {}

        # The run: three emails, one post, the webhook that is down fails (exit 1) and is kept for later.
        code, out, err = notify(capsys)
        assert code == 1 and "down_group" in err and "retried at the next run" in err
        assert sorted(r for recipients, _, _ in smtp.messages for r in recipients) == [
            "leader@example.test",
            "manager@example.test",
            "office@example.test",
        ]
        assert deliveries(engine) == {
            ids["brief"]: ("sent", 1),
            ids["office"]: ("sent", 1),
            ids["manager"]: ("sent", 1),
            ids["team"]: ("sent", 1),
            ids["down"]: ("failed", 1),
        }

        # The brief: encoded Chinese subject and file name, the PDF with Chinese text, the figures.
        ((_, raw, brief),) = [m for m in smtp.messages if "leader@example.test" in m[0]]
        head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
        assert b"Subject: =?utf-8?" in head and b"filename*" in raw
        assert brief["Subject"] == notify_text.brief_subject(AT, "zh")
        (attachment,) = list(brief.iter_attachments())
        assert attachment.get_filename() == f"联席会议材料_{AT:%Y-%m-%d}.pdf"
        text = pdf_text(attachment.get_content(), tmp_path)
        assert "联席会议材料" in text and f"{attendance_rate * 100:.1f}%" in text
        body = brief.get_body(("plain",)).get_content()
        assert f"{attendance_rate * 100:.1f}%" in body
        for name, value, change, _status in notify_text.figure_rows(figures, "zh"):
            assert name in body and value in body and change in body
        assert f"overview?from={window.start}&to={window.end}" in body

        # Alerts: each names the manager and the figure metrics.alerts found.
        manager_body = smtp.to("manager@example.test")[0].get_body(("plain",)).get_content()
        for alert in manager_items:
            assert notify_text.alert_line(alert, "zh") in manager_body
            assert alert.facts.get("name", alert.facts.get("managers", [""])[0]) in manager_body
        office_mail = smtp.to("office@example.test")[0]
        assert f"{len(office_items)} 项" in office_mail["Subject"]
        ((path, payload),) = hook.posts
        assert path == "/robot/send?key=test" and payload["msgtype"] == "markdown"
        markdown = payload["markdown"]["content"]
        assert len(markdown.encode()) <= 4096
        for alert in team_items[:3]:
            assert notify_text.alert_line(alert, "zh", notify_text.md_text) in markdown
        with engine.connect() as conn:
            told = conn.execute(select(func.count()).select_from(DeliveryItem)).scalar()
        assert told == sum(
            len(expected_items(found, *scope, shown=False))
            for scope in (("all",), ("self", None, employee_no), ("team", team))
        )

        # A second run at the same moment sends nothing new; the failed webhook is tried again.
        code, out, err = notify(capsys)
        assert code == 1 and len(smtp.messages) == 3 and len(hook.posts) == 1
        assert deliveries(engine)[ids["down"]] == ("failed", 2)

        # The receiver is back: the retry goes through, and only that one.
        with HttpReceiver(down_port) as late:
            code, out, _ = notify(capsys)
            assert code == 0
            ((_, posted),) = late.posts
        assert "每周简报" in posted["markdown"]["content"] and posted["title"] == notify_text.brief_subject(AT, "zh")
        assert deliveries(engine)[ids["down"]] == ("sent", 3)
        assert len(smtp.messages) == 3 and len(hook.posts) == 1 and len(deliveries(engine)) == 5
