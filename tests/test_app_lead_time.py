"""The 接电时长 screen under AppTest: cards against the KPI report (and their change against the
previous window), the town filter against the scoped metrics, stages against the limits, the
over-limit and stalled table, each role, definitions, no write widgets for the leader.

The small seed plus two applications of this file: S001, resident-served on dual supply with
every milestone and a plan reply slower than its limit; S002, still waiting for its plan reply.
Expected values come from metrics/, never from constants.
"""

from __future__ import annotations

import datetime as dt

import pytest

from data_access.db import make_engine
from data_access.models import Setting
from data_access.settings import load_settings
from metrics import lead_time
from metrics.figures import figure_name
from metrics.report import build_report
from metrics.window import Scope, Window
from tests import builders as b
from tests.apptest import assert_read_only, defined_kpis, metric_by_label, screen
from tests.conftest import seeded_copy
from tests.seed_small import Q3, TOWNS, USERS, small_ids
from ui.strings import EN, ZH
from ui.targets import status

D = dt.date
SCRIPT = "views/lead_time.py"
WINDOW = Window(*Q3)


def add_extras(url: str) -> None:
    """What this screen's tests add to the small data set."""
    engine = make_engine(url)
    with engine.begin() as conn:
        ids = small_ids(conn)
        b.application(
            conn,
            "S001",
            ids["C003"],
            D(2025, 6, 3),
            resident_served=True,
            supply="dual",
            surveyed_on=D(2025, 6, 5),
            plan_replied_on=D(2025, 7, 25),
            design_reviewed_on=D(2025, 8, 1),
            mid_inspected_on=D(2025, 8, 15),
            completion_inspected_on=D(2025, 9, 1),
            energized_on=D(2025, 9, 4),
        )
        b.application(conn, "S002", ids["C005"], D(2025, 7, 1), resident_served=False, surveyed_on=D(2025, 7, 3))
    engine.dispose()


@pytest.fixture(scope="module")
def small_url(tmp_path_factory, small_template) -> str:
    """The small data set with this module's additions."""
    return seeded_copy(tmp_path_factory, small_template, "lead_time", add_extras)


def computed(url: str, function, window: Window = WINDOW, scope: Scope = Scope()):
    engine = make_engine(url)
    with engine.connect() as conn:
        result = function(conn, window, load_settings(conn), scope)
    engine.dispose()
    return result


def days(value) -> str:
    return "—" if value is None else f"{value:,.1f} 天"


def cards(summary) -> dict[str, str]:
    return {
        ZH["lt_resident_mean"]: days(summary.resident.mean_days),
        ZH["lt_resident_median"]: days(summary.resident.median_days),
        ZH["lt_other_mean"]: days(summary.other.mean_days),
        ZH["lt_other_median"]: days(summary.other.median_days),
        ZH["kpi_lead_time_reduction"]: days(summary.reduction_days),
    }


# --- Against the report --------------------------------------------------------------------------


def test_cards_match_the_report(seeded_url, monkeypatch):
    add_extras(seeded_url)
    engine = make_engine(seeded_url)
    with engine.connect() as conn:
        settings = load_settings(conn)
        report = build_report(conn, WINDOW, settings)["lead_time"]
        previous = build_report(conn, WINDOW.previous(), settings)["lead_time"]
    engine.dispose()
    at = screen(seeded_url, monkeypatch, SCRIPT)
    assert at.title[0].value == ZH["nav_lead_time"]
    expected = {
        ZH["lt_resident_mean"]: days(report["resident"]["mean_days"]),
        ZH["lt_resident_median"]: days(report["resident"]["median_days"]),
        ZH["lt_other_mean"]: days(report["other"]["mean_days"]),
        ZH["lt_other_median"]: days(report["other"]["median_days"]),
        ZH["kpi_lead_time_reduction"]: days(report["reduction_days"]),
    }
    for label, value in expected.items():
        assert metric_by_label(at, label).value == value, label
    reduction = metric_by_label(at, ZH["kpi_lead_time_reduction"])
    # A handful of applications: marked as a small sample, not judged (the default threshold is 30).
    assert min(report["resident"]["count"], report["other"]["count"]) < 30
    assert ZH["status_small"] in reduction.label
    assert not any(ZH["status_" + s] in reduction.label for s in ("green", "amber", "red"))
    adjusted = report["adjusted"]
    assert metric_by_label(at, ZH["kpi_lead_time_adjusted"]).value == days(adjusted["reduction_days"])
    captions = [c.value for c in at.caption]
    assert (
        ZH["lt_adjusted_basis"].format(
            resident=adjusted["resident_compared"], strata=adjusted["strata_compared"], total=2
        )
        in captions
    )
    if adjusted["ci95"] is None:
        assert ZH["lt_adjusted_no_interval"] in captions
    else:
        low, high = adjusted["ci95"]
        assert ZH["lt_adjusted_interval"].format(low=f"{low:,.1f}", high=f"{high:,.1f}") in captions
    change = report["reduction_days"] - previous["reduction_days"]
    assert reduction.delta == f"{change:+.1f} 天"
    change = report["resident"]["mean_days"] - previous["resident"]["mean_days"]
    assert metric_by_label(at, ZH["lt_resident_mean"]).delta == f"{change:+.1f} 天"
    assert ZH["lt_applications"].format(count=report["resident"]["count"]) in captions


def test_with_a_lower_sample_threshold_the_cards_are_judged(seeded_url, monkeypatch):
    add_extras(seeded_url)
    engine = make_engine(seeded_url)
    with engine.begin() as conn:
        conn.execute(Setting.__table__.update().where(Setting.key == "min_sample_size").values(value=2))
        report = build_report(conn, WINDOW, load_settings(conn))["lead_time"]
    engine.dispose()
    at = screen(seeded_url, monkeypatch, SCRIPT)
    reduction = metric_by_label(at, ZH["kpi_lead_time_reduction"])
    assert ZH["status_" + status("lead_time_reduction", report["reduction_days"])] in reduction.label
    assert ZH["status_small"] not in reduction.label


def test_a_town_filter_changes_the_numbers_as_the_scoped_metrics_do(small_url, monkeypatch):
    everywhere = computed(small_url, lead_time.summary)
    for town in TOWNS:
        expected = computed(small_url, lead_time.summary, scope=Scope(town=town))
        assert expected != everywhere
        at = screen(small_url, monkeypatch, SCRIPT, town=town)
        for label, value in cards(expected).items():
            assert metric_by_label(at, label).value == value, (town, label)


# --- Stages, over limit, stalled -----------------------------------------------------------------------


def test_over_limit_and_stalled_applications(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT)
    over = computed(small_url, lead_time.over_limit)
    assert {"S001", "S002"} <= set(over["app_no"])
    assert metric_by_label(at, figure_name("lead_over_limit")).value == f"{len(over):,}"
    assert metric_by_label(at, figure_name("lead_stalled", date=WINDOW.end)).value == f"{int(over['stalled'].sum()):,}"
    table = at.dataframe[-1].value
    assert set(table[ZH["lt_col_app_no"]]) == set(over["app_no"])
    s001 = over.set_index("app_no").loc["S001"]
    row = table.loc[table[ZH["lt_col_app_no"]] == "S001"].iloc[0]
    assert (row[ZH["lt_col_state"]], row[ZH["lt_col_stage"]]) == (ZH["lt_state_over"], ZH["lt_stage_plan_reply"])
    assert (
        row[ZH["lt_col_workdays"]] == s001["plan_reply_workdays"] > row[ZH["lt_col_limit"]] == s001["plan_reply_limit"]
    )
    assert row[ZH["lt_col_supply"]] == ZH["lt_supply_dual"]
    stalled = table.loc[table[ZH["lt_col_app_no"]] == "S002"].iloc[0]
    s002 = over.set_index("app_no").loc["S002"]
    assert (stalled[ZH["lt_col_state"]], stalled[ZH["lt_col_stage"]]) == (
        ZH["lt_state_stalled"],
        ZH["lt_stage_plan_reply"],
    )
    assert stalled[ZH["lt_col_workdays"]] == s002["current_workdays"]


def test_stage_table_follows_the_stage_summary_with_limits(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT)
    summary = computed(small_url, lead_time.stage_summary)
    table = at.dataframe[0].value
    assert len(table) == len(summary)
    assert list(table[ZH["lt_col_count"]]) == list(summary["count"])
    assert list(table[ZH["lt_col_over_limit"]]) == list(summary["over_limit"])
    limits = lead_time.stage_limits({})
    plan_reply = table.loc[table[ZH["lt_col_stage"]] == ZH["lt_stage_plan_reply"], ZH["lt_col_limit"]].iloc[0]
    assert plan_reply == (f"{limits['stage_limit_plan_reply_single']:g} / {limits['stage_limit_plan_reply_dual']:g}")


# --- Roles, language, definitions, projection ---------------------------------------------------------


@pytest.mark.parametrize("username", list(USERS))
def test_every_role_sees_the_screen_and_every_card_has_a_definition(small_url, monkeypatch, username):
    at = screen(small_url, monkeypatch, SCRIPT, username)
    assert len(at.metric) == 8
    assert defined_kpis(at) == {"lead_time", "lead_time_adjusted", "lead_time_over_limit", "lead_time_stages"}
    assert len(at.get("plotly_chart")) == 5


def test_the_leader_gets_no_write_widgets(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, "leader")
    assert_read_only(at)


def test_english_and_projection(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, lang="en", present="1")
    assert at.title[0].value == EN["nav_lead_time"]
    assert metric_by_label(at, EN["lt_resident_mean"]).value.endswith(" days")
    # The wall screen (1920×1080 without scrolling): the cards and the distributions, no tables.
    assert not at.dataframe and not at.download_button and not at.table
    assert [s.value for s in at.main.subheader] == [EN["lt_distribution_title"]]
