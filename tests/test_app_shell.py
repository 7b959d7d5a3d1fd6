"""The dashboard shell under Streamlit's AppTest: login, roles, navigation,
filters in the URL, language, the overview against the KPI report, and the
KPI definitions. Runs on a seeded SQLite file; the overview values also on
PostgreSQL (the db_url fixture).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import stat

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access import admin
from data_access.db import make_engine
from data_access.permissions import CLI_ACTOR
from data_access.settings import DEFAULTS, load_settings
from metrics.report import build_report
from metrics.window import Window, trend_months
from tests.apptest import app, login_as, metric_by_label, no_exception
from tests.conftest import ROOT
from tests.seed_small import INACTIVE_USER, PASSWORD, Q3, TOWNS, USERS
from ui import auth, nav
from ui.auth import TOKEN, _stored_cookie_key
from ui.components import csv_bytes, xlsx_bytes
from ui.definitions import DEFINITIONS, definition_text
from ui.strings import EN, ZH
from ui.targets import TARGETS, status

APP = str(ROOT / "app.py")
CONTRACT_KPIS = {
    "attendance",
    "log_completeness",
    "problem_closure",
    "training",
    "monthly_plans",
    "expert_coverage",
    "expert_calls",
    "segments",
    "lead_time",
    "needs_capacity_increase",
    "needs_basic_charge",
    "needs_surge",
    "needs_direct_trading",
}


# --- Fixtures and helpers -----------------------------------------------------


def log_out(at: AppTest) -> AppTest:
    """Forget this browser's session, as a new browser without the cookie would."""
    at.session_state[TOKEN] = None
    return at


def registered_paths(at: AppTest) -> set[str]:
    # The navigation registry AppTest keeps from the last run (what st.navigation was given).
    return {info["url_pathname"] for info in at._registered_pages.values()}


def shows_login_only(at: AppTest) -> bool:
    labels = [w.label for w in at.text_input]
    return labels == [ZH["login_username"], ZH["login_password"]] and not at.metric and not at.sidebar.date_input


def screen_scripts() -> list[str]:
    return [screen.script for screen in nav.SCREENS]


# --- Pure pieces ----------------------------------------------------------------


def test_every_contract_kpi_has_a_definition_with_settings_filled():
    assert CONTRACT_KPIS <= set(DEFINITIONS)
    for key in DEFINITIONS:
        for lang in ("zh", "en"):
            text = definition_text(key, lang, DEFAULTS)
            assert "{" not in text and text
    changed = dict(DEFAULTS, min_onsite_days=3, trading_min_kwh=7_500_000)
    assert "min(3," in definition_text("attendance", "en", changed)
    assert "7,500,000" in definition_text("needs_direct_trading", "zh", changed)


def test_target_status_bands():
    assert status("attendance", TARGETS["attendance"].green) == "green"
    assert status("attendance", TARGETS["attendance"].amber) == "amber"
    assert status("attendance", TARGETS["attendance"].amber - 0.01) == "red"
    assert status("expert_response", TARGETS["expert_response"].green + 1) == "amber"
    assert status("lead_time_reduction", 18) == "green"
    assert status("attendance", None) is None


def test_downloads_are_excel_friendly():
    frame = pd.DataFrame({"工号": ["M001", "M002"], "合规率": [0.5, 1.0]})
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf") and "工号".encode() in data
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(frame, "考勤/明细")))
    sheet = book.active
    assert sheet.title == "考勤_明细"
    assert [cell.value for cell in sheet[1]] == ["工号", "合规率"]
    assert sheet["A3"].value == "M002"


def test_cookie_key_is_generated_once_and_private(tmp_path):
    path = tmp_path / "data" / "cookie_key"
    first = _stored_cookie_key(path)
    assert len(first) >= 40 and _stored_cookie_key(path) == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert _stored_cookie_key(tmp_path / "other" / "cookie_key") != first


def test_trend_months_end_at_the_window():
    months = trend_months(Window(dt.date(2025, 7, 1), dt.date(2025, 9, 15)), 3)
    assert [(m.start, m.end) for m in months] == [
        (dt.date(2025, 7, 1), dt.date(2025, 7, 31)),
        (dt.date(2025, 8, 1), dt.date(2025, 8, 31)),
        (dt.date(2025, 9, 1), dt.date(2025, 9, 15)),
    ]


# --- Login and navigation -------------------------------------------------------------


def test_logged_out_shows_only_the_login_form(small_url, monkeypatch):
    at = app(small_url, monkeypatch).run()
    no_exception(at)
    assert shows_login_only(at)
    assert registered_paths(at) == {""}  # the hidden login page only


@pytest.mark.parametrize("script", screen_scripts())
def test_every_screen_path_logged_out_shows_the_login(small_url, monkeypatch, script):
    at = login_as(app(small_url, monkeypatch), "office").run()  # the office may open every screen
    at.switch_page(script).run()
    assert at.metric or at.title, "the screen itself renders when logged in"
    log_out(at).run()
    no_exception(at)
    assert shows_login_only(at)
    assert nav.SCREENS[screen_scripts().index(script)].url_path in registered_paths(at) - {""}


def test_an_empty_database_says_how_to_create_an_account(db_url, monkeypatch):
    at = app(db_url, monkeypatch).run()
    no_exception(at)
    assert shows_login_only(at)
    assert ZH["login_no_users"] in [i.value for i in at.info]


def test_login_form_logs_in_and_opens_the_overview(small_url, monkeypatch):
    at = app(small_url, monkeypatch).run()
    at.text_input[0].input("leader")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    no_exception(at)
    assert at.session_state["roles"] == ["leader"]
    assert metric_by_label(at, ZH["kpi_attendance"])
    assert at.sidebar.button(key="logout_button")


@pytest.mark.parametrize("username,password", [("leader", "wrong"), (INACTIVE_USER, PASSWORD), ("nobody", PASSWORD)])
def test_bad_or_inactive_logins_are_refused(small_url, monkeypatch, username, password):
    at = app(small_url, monkeypatch).run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    no_exception(at)
    assert not at.session_state["authentication_status"]
    assert ZH["login_failed"] in [e.value for e in at.error]
    assert not at.metric


def test_a_user_deactivated_while_logged_in_is_logged_out(seeded_url, monkeypatch):
    at = login_as(app(seeded_url, monkeypatch), "leader").run()
    assert at.metric
    engine = make_engine(seeded_url)
    admin.deactivate_user(engine, CLI_ACTOR, "leader")
    engine.dispose()
    at.run()
    no_exception(at)
    assert shows_login_only(at)
    assert ZH["account_inactive"] in [w.value for w in at.warning]


def test_a_changed_role_ends_the_session(seeded_url, monkeypatch):
    at = login_as(app(seeded_url, monkeypatch), "leader").run()
    assert at.session_state["roles"] == ["leader"]
    engine = make_engine(seeded_url)
    admin.set_role(engine, CLI_ACTOR, "leader", "office", expected_version=None)
    engine.dispose()
    at.run()
    no_exception(at)
    assert shows_login_only(at)
    assert ZH["session_end_role"] in [w.value for w in at.warning]


def test_logout_returns_to_the_login(small_url, monkeypatch):
    at = login_as(app(small_url, monkeypatch), "office").run()
    assert at.metric
    at.sidebar.button(key="logout_button").click().run()
    no_exception(at)
    assert shows_login_only(at)


@pytest.mark.parametrize("username", list(USERS))
def test_each_role_gets_its_navigation(small_url, monkeypatch, username):
    at = login_as(app(small_url, monkeypatch), username).run()
    no_exception(at)
    role = USERS[username][1]
    expected = {screen.url_path for screen in nav.screens_for(role)}
    assert registered_paths(at) == expected | {""}  # "" = the root, which opens the overview


def test_a_screen_limited_to_a_role_is_missing_for_the_others(small_url, monkeypatch):
    office_only = nav.Screen(
        "office_only", "views/needs.py", "nav_needs", ":material/lock:", roles=nav.OFFICE, section="nav_section_admin"
    )
    monkeypatch.setattr(nav, "SCREENS", [*nav.SCREENS, office_only])
    office = login_as(app(small_url, monkeypatch), "office").run()
    leader = login_as(app(small_url, monkeypatch), "leader").run()
    manager = login_as(app(small_url, monkeypatch), "manager").run()
    assert "office_only" in registered_paths(office)
    assert "office_only" not in registered_paths(leader) | registered_paths(manager)


def _show_actor():
    import streamlit as st

    from ui.auth import current_actor, restore_login

    restore_login()
    actor = current_actor()
    st.write(f"{actor.username}|{actor.role}|{actor.manager_id}")


def test_current_actor_comes_from_the_users_table(small_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", small_url)
    at = login_as(AppTest.from_function(_show_actor, default_timeout=60), "manager").run()
    no_exception(at)
    engine = make_engine(small_url)
    with engine.connect() as conn:
        manager_id = conn.execute(text("SELECT id FROM managers WHERE employee_no = 'M001'")).scalar()
    engine.dispose()
    assert at.markdown[0].value == f"manager|manager|{manager_id}"


# --- Overview against the report ----------------------------------------------------------


def expected_cards(report: dict) -> dict[str, str]:
    lead = report["lead_time"]
    coverage = report["experts"]["coverage"]
    return {
        ZH["kpi_attendance"]: f"{report['attendance']['rate'] * 100:.1f}%",
        ZH["kpi_log_completeness"]: f"{report['log_completeness']['rate'] * 100:.1f}%",
        ZH["kpi_training"]: f"{report['training']['rate'] * 100:.1f}%",
        ZH["kpi_expert_coverage"]: f"{coverage['covered']}/8",
        ZH["kpi_expert_response"]: f"{report['experts']['median_response_minutes']:,.0f} 分钟",
        ZH["kpi_lead_time"]: f"{lead['resident']['mean_days']:.1f} / {lead['other']['mean_days']:.1f} 天",
        ZH["kpi_lead_time_reduction"]: f"{lead['reduction_days']:,.1f} 天",
    }


def test_overview_matches_the_report(seeded_url, monkeypatch):
    engine = make_engine(seeded_url)
    window = Window(*Q3)
    with engine.connect() as conn:
        settings = load_settings(conn)
        report = build_report(conn, window, settings)
        previous = build_report(conn, window.previous(), settings)
    engine.dispose()
    at = login_as(app(seeded_url, monkeypatch), "leader").run()
    no_exception(at)
    # The default window is the last full quarter with logs: Q3 2025.
    assert at.query_params["from"] == "2025-07-01" and at.query_params["to"] == "2025-09-30"
    for label, value in expected_cards(report).items():
        assert metric_by_label(at, label).value == value, label
    change = (report["attendance"]["rate"] - previous["attendance"]["rate"]) * 100
    assert metric_by_label(at, ZH["kpi_attendance"]).delta == f"{change:+.1f} 个百分点"
    expected_status = ZH["status_" + status("attendance", report["attendance"]["rate"])]
    assert expected_status in metric_by_label(at, ZH["kpi_attendance"]).label


def test_every_kpi_shown_has_a_definition(small_url, monkeypatch):
    """Every screen, for every role: each KPI card's key has a definition entry and an expander."""
    for username in USERS:
        at = login_as(app(small_url, monkeypatch), username).run()
        for script in {screen.script for screen in nav.screens_for(USERS[username][1])}:
            at.switch_page(script).run()
            no_exception(at)
            shown = at.session_state["_kpis_shown"] if "_kpis_shown" in at.session_state else []
            missing = [key for key in shown if key not in DEFINITIONS]
            assert not missing, f"{script} shows KPIs without a definition: {missing}"
            if shown:
                labels = " ".join(e.label for e in at.expander)
                assert ZH["definition"] in labels


def test_overview_definition_shows_the_current_settings(small_url, monkeypatch):
    at = login_as(app(small_url, monkeypatch), "leader").run()
    texts = [block.value for e in at.expander for block in e.markdown]
    assert any("min（2 天" in text for text in texts)  # min_onsite_days from the settings table


# --- Filters in the URL, window validation, language ---------------------------------------


def test_url_filters_are_restored(small_url, monkeypatch):
    at = login_as(
        app(small_url, monkeypatch, **{"from": "2025-04-01", "to": "2025-06-30", "town": TOWNS[0]}), "leader"
    ).run()
    no_exception(at)
    assert at.sidebar.date_input(key="w_from").value == dt.date(2025, 4, 1)
    assert at.sidebar.date_input(key="w_to").value == dt.date(2025, 6, 30)
    assert at.sidebar.selectbox(key="w_town").value == TOWNS[0]
    assert any("2025-04-01" in c.value and TOWNS[0] in c.value for c in at.caption)


def test_changing_a_filter_updates_the_url(small_url, monkeypatch):
    at = login_as(app(small_url, monkeypatch), "leader").run()
    at.sidebar.date_input(key="w_from").set_value(dt.date(2025, 8, 1)).run()
    at.sidebar.selectbox(key="w_team").set_value("二班").run()
    no_exception(at)
    assert at.query_params["from"] == "2025-08-01" and at.query_params["team"] == "二班"
    assert any("2025-08-01" in c.value for c in at.caption)
    at.sidebar.selectbox(key="w_team").set_value("").run()
    assert "team" not in at.query_params


def test_from_after_to_gives_a_clear_message(small_url, monkeypatch):
    at = login_as(app(small_url, monkeypatch, **{"from": "2025-09-30", "to": "2025-07-01"}), "leader").run()
    no_exception(at)
    message = ZH["filter_window_error"].format(start="2025-09-30", end="2025-07-01")
    assert message in [e.value for e in at.error]
    assert not at.metric


def test_an_end_before_the_start_in_the_sidebar_keeps_the_window(small_url, monkeypatch):
    at = login_as(app(small_url, monkeypatch, **{"from": "2025-07-01", "to": "2025-09-30"}), "leader").run()
    cards = [m.value for m in at.metric]
    at.sidebar.date_input(key="w_to").set_value(dt.date(2025, 6, 1)).run()
    no_exception(at)
    message = ZH["filter_window_refused"].format(start="2025-07-01", end="2025-06-01")
    assert message in [w.value for w in at.sidebar.warning]
    assert at.sidebar.date_input(key="w_to").value == dt.date(2025, 9, 30)  # the field shows the window in use
    assert at.query_params["to"] == "2025-09-30" and [m.value for m in at.metric] == cards
    at.sidebar.date_input(key="w_to").set_value(dt.date(2025, 8, 31)).run()  # a valid change still applies
    assert at.query_params["to"] == "2025-08-31" and not at.sidebar.warning


def test_bad_dates_and_unknown_towns_in_the_url_are_reported(small_url, monkeypatch):
    at = login_as(app(small_url, monkeypatch, **{"from": "2025-13-01", "town": "火星"}), "leader").run()
    no_exception(at)
    warnings = " ".join(w.value for w in at.sidebar.warning)
    assert "2025-13-01" in warnings and "火星" in warnings
    assert at.query_params["from"] == "2025-07-01" and "town" not in at.query_params


def test_language_switch_changes_the_labels_and_the_url(small_url, monkeypatch):
    at = login_as(app(small_url, monkeypatch), "leader").run()
    assert metric_by_label(at, ZH["kpi_attendance"])
    at.sidebar.radio(key="w_lang").set_value("en").run()
    no_exception(at)
    assert metric_by_label(at, EN["kpi_attendance"])
    assert at.title[0].value == EN["ov_title"]
    assert at.query_params["lang"] == "en"
    assert any(EN["definition"] in e.label for e in at.expander)


def test_lang_in_the_url_opens_english_login(small_url, monkeypatch):
    at = app(small_url, monkeypatch, lang="en").run()
    assert [w.label for w in at.text_input] == [EN["login_username"], EN["login_password"]]


def test_projection_toggle_and_url(small_url, monkeypatch):
    at = login_as(app(small_url, monkeypatch, present="1"), "leader").run()
    no_exception(at)
    assert at.sidebar.toggle(key="w_present").value is True
    assert any("Projection mode" in m.value for m in at.markdown)
    at.sidebar.toggle(key="w_present").set_value(False).run()
    assert "present" not in at.query_params
    assert not any("Projection mode" in m.value for m in at.markdown)


@pytest.mark.parametrize("weak", ["CHANGE-ME", "secret", " " * 40])
def test_a_short_configured_cookie_key_is_refused(monkeypatch, tmp_path, weak):
    monkeypatch.setattr(auth, "COOKIE_KEY_FILE", tmp_path / "cookie_key")
    monkeypatch.setenv("DASHBOARD_COOKIE_KEY", weak)
    with pytest.raises(auth.WeakCookieKey):
        auth.cookie_key()
    monkeypatch.delenv("DASHBOARD_COOKIE_KEY")
    assert auth.cookie_key() == _stored_cookie_key(tmp_path / "cookie_key")  # none set: the generated key
