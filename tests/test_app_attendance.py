"""The 驻点考勤 screen under AppTest on the small seeded DB: the cards against the KPI report (SQLite
and PostgreSQL), the heat map and tables against the metrics, the town/team filters, a manager's
logs, every role, English, projection mode, and no write widgets for the leader. Also the small
query the screen added, metrics.logs.manager_logs, on both databases.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.settings import load_settings
from metrics import attendance, logs, plans, training
from metrics.logs import AGE_BUCKETS, age_bucket
from metrics.report import build_report
from metrics.window import Scope, Window
from tests import builders as b
from tests.apptest import (
    TYPED_INPUTS,
    assert_read_only,
    defined_kpis,
    metric_by_label,
    no_exception,
    screen,
    table_with,
)
from tests.seed_small import Q3, TEAMS, TOWNS, USERS
from ui.strings import EN, ZH

SCRIPT = "views/attendance.py"
WINDOW = Window(*Q3)
RATE_KPIS = ("attendance", "log_completeness", "problem_closure", "monthly_plans", "training")


# --- Fixtures and helpers -----------------------------------------------------------------------


def with_conn(url: str, work):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return work(conn, load_settings(conn))
    finally:
        engine.dispose()


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def pp_text(change: float) -> str:
    points = change * 100
    return f"{0:.1f} 个百分点" if round(points, 1) == 0 else f"{points:+.1f} 个百分点"


def card(at: AppTest, kpi: str, lang: dict = ZH):
    return metric_by_label(at, lang[f"kpi_{kpi}"])


def heat_map_cells(at: AppTest) -> list[tuple[str, str, str]]:
    """(manager, week, 'on/required') of the heat map's filled cells."""
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert spec["type"] == "heatmap"
    return [
        (manager, week, cell)
        for manager, row in zip(spec["y"], spec["text"])
        for week, cell in zip(spec["x"], row)
        if cell
    ]


# --- The cards against the report ---------------------------------------------------------------


def test_cards_match_the_report_and_the_previous_window(seeded_url, monkeypatch):
    def reports(conn, settings):
        return build_report(conn, WINDOW, settings), build_report(conn, WINDOW.previous(), settings)

    report, previous = with_conn(seeded_url, reports)
    at = screen(seeded_url, monkeypatch, SCRIPT)
    assert at.title[0].value == ZH["nav_attendance"]
    for kpi in RATE_KPIS:
        shown = card(at, kpi)
        assert shown.value == rate_text(report[kpi]["rate"]), kpi
        assert shown.delta == pp_text(report[kpi]["rate"] - previous[kpi]["rate"]), kpi
    captions = [c.value for c in at.caption]
    assert (
        ZH["att_count_weeks"].format(compliant=report["attendance"]["compliant"], due=report["attendance"]["due"])
        in captions
    )
    assert (
        ZH["att_count_days"].format(
            logged=report["log_completeness"]["logged_workdays"], posted=report["log_completeness"]["posted_workdays"]
        )
        in captions
    )


def test_heat_map_and_missed_list_follow_the_report(small_url, monkeypatch):
    report = with_conn(small_url, lambda conn, settings: build_report(conn, WINDOW, settings))
    at = screen(small_url, monkeypatch, SCRIPT)
    cells = heat_map_cells(at)
    assert len(cells) == report["attendance"]["due"]
    compliant = [cell for cell in cells if int(cell[2].split("/")[0]) >= int(cell[2].split("/")[1])]
    assert len(compliant) == report["attendance"]["compliant"]
    behind = {m["employee_no"]: m for m in report["attendance"]["by_manager"] if m["compliant"] < m["due"]}
    assert behind, "the seed has managers behind"
    missed = table_with(at, ZH["att_col_missed_weeks"])
    assert set(missed[ZH["att_col_employee_no"]]) == set(behind)
    for row in missed.itertuples(index=False):
        employee_no, due, weeks_missed, rate = row[0], row[3], row[4], row[5]
        assert due == behind[employee_no]["due"]
        assert weeks_missed == behind[employee_no]["due"] - behind[employee_no]["compliant"]
        assert rate == pytest.approx(behind[employee_no]["rate"])
    # Lowest compliance first: the worst manager is the heat map's top row.
    worst = min(report["attendance"]["by_manager"], key=lambda m: (m["rate"], m["employee_no"]))
    assert cells[0][0].startswith(worst["employee_no"])


def test_weeks_a_manager_was_not_posted_stay_blank(small_url, monkeypatch):
    q2 = WINDOW.previous()  # M003 is posted from 2 June only
    due = with_conn(small_url, lambda conn, settings: attendance.compliance(conn, q2, settings).due)
    at = screen(small_url, monkeypatch, SCRIPT, **{"from": q2.start.isoformat(), "to": q2.end.isoformat()})
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    texts = [cell for row in spec["text"] for cell in row]
    assert len([cell for cell in texts if cell]) == due
    assert "" in texts and None not in texts


def test_detail_tables_follow_the_metrics(small_url, monkeypatch):
    def expected(conn, settings):
        return (
            logs.completeness(conn, WINDOW, settings),
            logs.open_problems(conn, WINDOW.end),
            plans.plan_status(conn, WINDOW, settings),
            training.compliance(conn, WINDOW, settings),
        )

    completeness, problems, plan_rows, train = with_conn(small_url, expected)
    at = screen(small_url, monkeypatch, SCRIPT)
    per_manager = table_with(at, ZH["att_col_logged_workdays"])
    assert dict(zip(per_manager[ZH["att_col_employee_no"]], per_manager[ZH["att_col_logged_workdays"]])) == dict(
        zip(completeness.by_manager["employee_no"], completeness.by_manager["logged_workdays"])
    )

    assert not problems.empty, "the seed has open problems"
    oldest = table_with(at, ZH["att_col_age_bucket"])
    assert list(oldest[ZH["att_col_age_days"]]) == sorted(problems["age_days"], reverse=True)
    assert list(oldest[ZH["att_col_age_bucket"]]) == [
        ZH["att_age_" + age_bucket(age)] for age in sorted(problems["age_days"], reverse=True)
    ]

    plan_table = table_with(at, ZH["att_col_plan_state"])
    assert len(plan_table) == len(plan_rows)
    late = plan_rows.loc[~plan_rows["on_time"]]
    assert not late.empty, "the seed has a late plan"
    assert (plan_table[ZH["att_col_plan_state"]] != ZH["att_plan_on_time"]).sum() == len(late)

    failing = train.detail.loc[~train.detail["compliant"]]
    reasons = table_with(at, ZH["att_col_reasons"])
    assert list(reasons[ZH["att_col_employee_no"]]) == list(failing["employee_no"])
    for shown, codes in zip(reasons[ZH["att_col_reasons"]], failing["reasons"]):
        assert shown == ZH["att_list_sep"].join(ZH["att_reason_" + code] for code in codes)


def test_problem_ages_fall_in_the_buckets():
    assert [age_bucket(days) for days in (0, 7, 8, 30, 31, 90, 91, 400)] == [
        "0_7",
        "0_7",
        "8_30",
        "8_30",
        "31_90",
        "31_90",
        "over_90",
        "over_90",
    ]
    assert [label for label, _first, _last in AGE_BUCKETS] == ["0_7", "8_30", "31_90", "over_90"]


# --- Filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "widget,value,scope",
    [
        ("w_team", TEAMS[1], Scope(team=TEAMS[1])),
        ("w_town", TOWNS[0], Scope(town=TOWNS[0])),
    ],
)
def test_town_and_team_filters_change_the_numbers_like_the_scoped_metrics(small_url, monkeypatch, widget, value, scope):
    def rates(conn, settings, chosen):
        return {
            "attendance": attendance.compliance(conn, WINDOW, settings, chosen).rate,
            "log_completeness": logs.completeness(conn, WINDOW, settings, chosen).rate,
            "problem_closure": logs.problem_closure(conn, WINDOW, settings, chosen).rate,
            "monthly_plans": plans.summary(conn, WINDOW, settings, chosen).rate,
            "training": training.compliance(conn, WINDOW, settings, chosen).rate,
        }

    everything = with_conn(small_url, lambda conn, settings: rates(conn, settings, Scope()))
    scoped = with_conn(small_url, lambda conn, settings: rates(conn, settings, scope))
    assert scoped != everything, "the filter must matter in the seed"
    at = screen(small_url, monkeypatch, SCRIPT)
    at.sidebar.selectbox(key=widget).set_value(value).run()
    no_exception(at)
    for kpi in RATE_KPIS:
        assert card(at, kpi).value == rate_text(scoped[kpi]), kpi
    scoped_due = with_conn(small_url, lambda conn, settings: attendance.compliance(conn, WINDOW, settings, scope).due)
    assert len(heat_map_cells(at)) == scoped_due


# --- A manager's logs --------------------------------------------------------------------------


def test_picking_a_manager_shows_their_logs_in_the_window(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT)
    at.selectbox(key="att_manager").set_value("M003").run()
    no_exception(at)
    expected = with_conn(small_url, lambda conn, settings: logs.manager_logs(conn, WINDOW, "M003"))
    shown = table_with(at, ZH["att_col_content"])
    assert len(shown) == len(expected) > 0
    assert list(shown[ZH["att_col_on_site"]]) == list(expected["on_site"])
    assert list(shown[ZH["att_col_date"]]) == list(expected["date"])


def test_a_manager_login_opens_on_their_own_logs(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, "manager")
    assert at.selectbox(key="att_manager").value == "M001"  # the seed links the manager login to M001
    expected = with_conn(small_url, lambda conn, settings: logs.manager_logs(conn, WINDOW, "M001"))
    assert len(table_with(at, ZH["att_col_content"])) == len(expected)


def test_manager_logs_query(engine):
    with engine.begin() as conn:
        alice, bob = b.manager(conn, "A1", "甲"), b.manager(conn, "B1", "乙")
        north = b.customer(conn, "N1", town="北镇")
        south = b.customer(conn, "S1", town="南镇")
        b.log(conn, alice, north, dt.date(2025, 7, 1), on_site=True, hours=3, problems="漏油")
        b.log(conn, alice, south, dt.date(2025, 7, 2), on_site=False, content="电话回访")
        b.log(conn, alice, north, dt.date(2025, 6, 30))  # before the window
        b.log(conn, bob, north, dt.date(2025, 7, 1))  # someone else
    window = Window(dt.date(2025, 7, 1), dt.date(2025, 7, 31))
    with engine.connect() as conn:
        frame = logs.manager_logs(conn, window, "A1")
        north_only = logs.manager_logs(conn, window, "A1", Scope(town="北镇"))
        nobody = logs.manager_logs(conn, window, "ZZZ")
    assert list(frame.columns) == logs.MANAGER_LOG_COLUMNS
    assert [
        (d, a, s, c) for d, a, s, c in zip(frame["date"], frame["account_no"], frame["on_site"], frame["content"])
    ] == [(dt.date(2025, 7, 1), "N1", True, "巡视配电房"), (dt.date(2025, 7, 2), "S1", False, "电话回访")]
    assert frame["status"].tolist() == ["open", "done"] and frame["problems"].iloc[0] == "漏油"
    assert north_only["account_no"].tolist() == ["N1"]
    assert nobody.empty and list(nobody.columns) == logs.MANAGER_LOG_COLUMNS


# --- Roles, definitions, language, projection ------------------------------------------------


@pytest.mark.parametrize("username", list(USERS))
def test_every_role_sees_the_screen_with_definitions(small_url, monkeypatch, username):
    at = screen(small_url, monkeypatch, SCRIPT, username)
    assert set(RATE_KPIS) <= defined_kpis(at)
    assert len(at.metric) == len(RATE_KPIS)


def test_the_leader_gets_no_write_widgets(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, "leader")
    assert_read_only(at, TYPED_INPUTS)
    assert [w.key for w in at.main.selectbox] == ["att_manager"]  # the read-only drill-down
    assert at.download_button  # tables still download


def test_english(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, lang="en")
    assert at.title[0].value == EN["nav_attendance"]
    for kpi in RATE_KPIS:
        assert card(at, kpi, EN)
    assert table_with(at, EN["att_col_missed_weeks"]) is not None
    assert any(e.label.startswith(EN["definition"]) for e in at.expander)


def test_projection_mode_shows_the_cards_and_the_heat_map_only(small_url, monkeypatch):
    # The wall screen fits 1920×1080 without scrolling (tests/browser/test_playlist.py measures it).
    at = screen(small_url, monkeypatch, SCRIPT, present="1")
    assert not at.dataframe and not at.download_button and not at.table
    assert len(at.metric) == len(RATE_KPIS)
    assert [s.value for s in at.main.subheader] == [ZH["att_matrix_title"]]
    assert len(at.get("plotly_chart")) == 1


def test_a_window_without_full_weeks_says_so(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, **{"from": "2025-07-01", "to": "2025-07-03"})
    assert ZH["att_no_weeks"] in [i.value for i in at.info]
    assert card(at, "attendance").value == "—"
