"""The 专家智库 screen under AppTest on the small seeded DB: the cards against the KPI report (SQLite and
PostgreSQL), the coverage chart against the setting, calls per expert/specialty/mode, response
times, open and never-called experts against metrics.experts, the town/team filters, every role,
English, projection mode, and no write widgets for the leader.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.settings import load_settings
from metrics import experts
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
from tests.conftest import seeded_copy
from tests.seed_small import Q3, TEAMS, TOWNS, USERS
from ui.definitions import definition_name
from ui.strings import EN, ZH
from ui.theme import STATUS_COLORS

SCRIPT = "views/experts.py"
WINDOW = Window(*Q3)


# --- Fixtures and helpers -----------------------------------------------------------------------


def with_conn(url: str, work):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return work(conn, load_settings(conn))
    finally:
        engine.dispose()


def chart(at: AppTest, key: str) -> dict:
    """The plotly figure drawn with st.plotly_chart(key=key), as a dict."""
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(f"-{key}"):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart {key}")


def values(data) -> list:
    """A plotly array: a plain list, or plotly's base64 typed-array form."""
    if isinstance(data, dict) and "bdata" in data:
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"])).tolist()
    return list(data)


def count_delta(change: int) -> str:
    return "0" if change == 0 else f"{change:+,d}"


def minutes_delta(change: float) -> str:
    return "0 分钟" if round(change) == 0 else f"{change:+,.0f} 分钟"


# --- The cards against the report ---------------------------------------------------------------


def test_cards_match_the_report_and_the_previous_window(seeded_url, monkeypatch):
    def reports(conn, settings):
        return build_report(conn, WINDOW, settings)["experts"], build_report(conn, WINDOW.previous(), settings)[
            "experts"
        ]

    now, before = with_conn(seeded_url, reports)
    at = screen(seeded_url, monkeypatch, SCRIPT)
    assert at.title[0].value == ZH["nav_experts"]
    coverage = now["coverage"]
    assert (
        metric_by_label(at, ZH["kpi_expert_coverage"]).value == f"{coverage['covered']}/{len(coverage['by_specialty'])}"
    )
    calls = metric_by_label(at, ZH["kpi_expert_calls"])
    assert calls.value == f"{now['calls']:,}"
    assert calls.delta == count_delta(now["calls"] - before["calls"])
    response = metric_by_label(at, ZH["kpi_expert_response"])
    assert response.value == f"{now['median_response_minutes']:,.0f} 分钟"
    assert response.delta == minutes_delta(now["median_response_minutes"] - before["median_response_minutes"])
    assert ZH["exp_closed"].format(closed=now["closed"], count=now["calls"]) in [c.value for c in at.caption]

    per_expert = table_with(at, ZH["exp_col_expert_no"])
    shown = list(
        zip(per_expert[ZH["exp_col_expert_no"]], per_expert[ZH["exp_col_calls"]], per_expert[ZH["exp_col_hours"]])
    )
    assert shown == [(row["expert_no"], row["calls"], row["hours"]) for row in now["by_expert"]]


def test_coverage_chart_marks_the_thin_specialties_against_the_setting(small_url, monkeypatch):
    coverage, minimum = with_conn(
        small_url, lambda conn, settings: (experts.coverage(conn, settings), settings["min_experts_per_specialty"])
    )
    thin = [code for code, count in coverage.by_specialty.items() if count < minimum]
    assert thin, "the seed is short of experts in some specialties"
    at = screen(small_url, monkeypatch, SCRIPT)
    figure = chart(at, "exp_coverage")
    bars = figure["data"][0]
    assert bars["x"] == [ZH["spec_" + code] for code in coverage.by_specialty]
    assert values(bars["y"]) == list(coverage.by_specialty.values())
    red = [name for name, colour in zip(bars["x"], bars["marker"]["color"]) if colour == STATUS_COLORS["red"]]
    assert red == [ZH["spec_" + code] for code in thin]
    assert [shape["y0"] for shape in figure["layout"]["shapes"]] == [minimum]
    assert ZH["exp_thin"].format(specialties=ZH["exp_list_sep"].join(ZH["spec_" + c] for c in thin)) in [
        c.value for c in at.caption
    ]


def test_a_lower_minimum_in_the_settings_covers_every_specialty(tmp_path_factory, small_template, monkeypatch):
    url = seeded_copy(tmp_path_factory, small_template, "experts")
    engine = make_engine(url)
    with engine.begin() as conn:
        b.setting(conn, "min_experts_per_specialty", 1)
    engine.dispose()
    at = screen(url, monkeypatch, SCRIPT)
    assert metric_by_label(at, ZH["kpi_expert_coverage"]).value == "8/8"
    bars = chart(at, "exp_coverage")["data"][0]
    assert STATUS_COLORS["red"] not in bars["marker"]["color"]
    assert [shape["y0"] for shape in chart(at, "exp_coverage")["layout"]["shapes"]] == [1]
    assert ZH["exp_thin_none"] in [c.value for c in at.caption]


def test_calls_by_specialty_mode_and_response_times_follow_the_metrics(small_url, monkeypatch):
    def expected(conn, settings):
        return (
            experts.calls(conn, WINDOW, settings),
            experts.calls_by_specialty(conn, WINDOW, settings),
            experts.response_minutes(conn, WINDOW, settings),
        )

    calls, by_specialty, responses = with_conn(small_url, expected)
    at = screen(small_url, monkeypatch, SCRIPT)
    table = table_with(at, ZH["exp_col_onsite"])
    assert list(table[ZH["exp_col_specialty"]]) == [ZH["spec_" + code] for code in by_specialty["specialty"]]
    assert list(table[ZH["exp_col_calls"]]) == list(by_specialty["calls"])
    assert table[ZH["exp_col_calls"]].sum() == calls.count

    split = chart(at, "exp_mode_split")["data"][0]
    assert split["labels"] == [ZH["exp_mode_onsite"], ZH["exp_mode_remote"]]
    assert values(split["values"]) == [by_specialty["onsite"].sum(), by_specialty["remote"].sum()]
    assert sum(values(split["values"])) == calls.count

    histogram = chart(at, "exp_response")
    assert sorted(values(histogram["data"][0]["x"])) == sorted(responses["response_minutes"])
    median_line = [s for s in histogram["layout"]["shapes"] if s["x0"] == calls.median_response_minutes]
    assert median_line, "a line at the median"


def test_open_and_never_called_lists_follow_the_metrics(small_url, monkeypatch):
    def expected(conn, settings):
        return experts.open_calls(conn, WINDOW.end), experts.never_called(conn, WINDOW)

    open_calls, never = with_conn(small_url, expected)
    assert not open_calls.empty and not never.empty, "the seed has both"
    at = screen(small_url, monkeypatch, SCRIPT)
    shown_open = table_with(at, ZH["exp_col_call_no"])
    oldest_first = open_calls.sort_values(["age_days", "call_no"], ascending=[False, True])
    assert list(shown_open[ZH["exp_col_call_no"]]) == list(oldest_first["call_no"])
    assert list(shown_open[ZH["exp_col_age_days"]]) == list(oldest_first["age_days"])
    shown_never = table_with(at, ZH["exp_col_last_call_at"])
    assert list(shown_never[ZH["exp_col_expert_no"]]) == list(never["expert_no"])


# --- Filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "widget,value,scope",
    [
        ("w_town", TOWNS[1], Scope(town=TOWNS[1])),
        ("w_team", TEAMS[0], Scope(team=TEAMS[0])),
    ],
)
def test_town_and_team_filters_change_the_calls_like_the_scoped_metrics(small_url, monkeypatch, widget, value, scope):
    everything = with_conn(small_url, lambda conn, settings: experts.calls(conn, WINDOW, settings))
    scoped = with_conn(small_url, lambda conn, settings: experts.calls(conn, WINDOW, settings, scope))
    assert scoped.count != everything.count, "the filter must matter in the seed"
    at = screen(small_url, monkeypatch, SCRIPT)
    coverage_before = metric_by_label(at, ZH["kpi_expert_coverage"]).value
    at.sidebar.selectbox(key=widget).set_value(value).run()
    no_exception(at)
    assert metric_by_label(at, ZH["kpi_expert_calls"]).value == f"{scoped.count:,}"
    median = scoped.median_response_minutes
    assert metric_by_label(at, ZH["kpi_expert_response"]).value == ("—" if median is None else f"{median:,.0f} 分钟")
    assert metric_by_label(at, ZH["kpi_expert_coverage"]).value == coverage_before  # the pool is not scoped
    if not scoped.by_expert.empty:
        assert list(table_with(at, ZH["exp_col_expert_no"])[ZH["exp_col_expert_no"]]) == list(
            scoped.by_expert["expert_no"]
        )


# --- Roles, definitions, language, projection ------------------------------------------------


@pytest.mark.parametrize("username", list(USERS))
def test_every_role_sees_the_screen_with_definitions(small_url, monkeypatch, username):
    at = screen(small_url, monkeypatch, SCRIPT, username)
    assert defined_kpis(at) == {"expert_coverage", "expert_calls"}
    labels = [e.label for e in at.expander]
    assert labels.count(f"{ZH['definition']} · {definition_name('expert_calls', 'zh')}") == 2  # calls, response
    assert len(at.metric) == 3


def test_the_leader_gets_no_write_widgets(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, "leader")
    assert_read_only(at, (*TYPED_INPUTS, "selectbox", "multiselect"))
    assert at.download_button


def test_english(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, lang="en")
    assert at.title[0].value == EN["nav_experts"]
    for key in ("kpi_expert_coverage", "kpi_expert_calls", "kpi_expert_response"):
        assert metric_by_label(at, EN[key])
    assert chart(at, "exp_coverage")["data"][0]["x"][0] == EN["spec_hv_operation"]
    assert table_with(at, EN["exp_col_expert_no"]) is not None


def test_projection_mode_shows_the_cards_coverage_and_calls_only(small_url, monkeypatch):
    # The wall screen fits 1920×1080 without scrolling (tests/browser/test_playlist.py measures it).
    at = screen(small_url, monkeypatch, SCRIPT, present="1")
    assert not at.dataframe and not at.download_button and not at.table
    assert len(at.metric) == 3
    assert [s.value for s in at.main.subheader] == [ZH["exp_coverage_title"], ZH["exp_calls_title"]]
    assert len(at.get("plotly_chart")) == 3


def test_a_window_without_calls_says_so(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, **{"from": "2025-10-01", "to": "2025-10-31"})
    assert metric_by_label(at, ZH["kpi_expert_calls"]).value == "0"
    assert metric_by_label(at, ZH["kpi_expert_response"]).value == "—"
    infos = [i.value for i in at.info]
    assert ZH["exp_no_calls"] in infos and ZH["exp_no_responses"] in infos
