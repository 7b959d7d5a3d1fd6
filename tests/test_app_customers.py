"""The 客户分层 screen under AppTest: cards against the KPI report, the town filter against the
scoped metrics, the customer list (segment filter, search, cap on screen, the full download),
each role, definitions, and no write widgets for the leader. Expected values come from
metrics/, never from constants.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from data_access.db import make_engine
from data_access.settings import load_settings
from metrics import segments
from metrics.report import build_report
from metrics.window import Scope, Window
from tests.apptest import assert_read_only, defined_kpis, metric_by_label, no_exception, screen
from tests.seed_small import Q3, TOWNS, USERS
from ui.strings import EN, ZH

SCRIPT = "views/customers.py"
CARDS = {  # report key -> card label
    "total": ZH["cus_total"],
    "star": "⭐ " + ZH["cus_seg_star"],
    "potential": "🌱 " + ZH["cus_seg_potential"],
    "risk": "⚠️ " + ZH["cus_seg_risk"],
    "none": "○ " + ZH["cus_seg_none"],
    "covered": "👤 " + ZH["cus_seg_covered"],
}


def scoped(url: str, function, *args, **kwargs):
    """Run a metrics function on the seeded database as of the window's end (Q3 2025)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        result = function(conn, Q3[1], load_settings(conn), *args, **kwargs)
    engine.dispose()
    return result


def customer_list(at) -> pd.DataFrame:
    return at.dataframe[-1].value


# --- Against the report --------------------------------------------------------------------------


def test_cards_match_the_report(seeded_url, monkeypatch):
    engine = make_engine(seeded_url)
    with engine.connect() as conn:
        report = build_report(conn, Window(*Q3), load_settings(conn))
    engine.dispose()
    at = screen(seeded_url, monkeypatch, SCRIPT)
    assert at.title[0].value == ZH["nav_customers"]
    for key, label in CARDS.items():
        assert metric_by_label(at, label).value == f"{report['segments'][key]:,}", key
    counts = report["segments"]
    segmented = counts["total"] - counts["none"]
    coverage = f"{counts['covered'] / segmented * 100:.1f}%"
    assert ZH["cus_coverage_of"].format(rate=coverage, segmented=f"{segmented:,}") in [c.value for c in at.caption]


def test_overlaps_and_breakdown_follow_the_metrics(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT)
    overlaps = scoped(small_url, segments.overlaps)
    shown = at.dataframe[0].value
    expected = overlaps.loc[overlaps["customers"] > 0]
    assert list(shown[ZH["cus_col_customers"]]) == list(expected["customers"])
    assert list(shown[ZH["cus_col_covered"]]) == list(expected["covered"])
    star_and_risk = expected.loc[expected["star"] & expected["risk"] & ~expected["potential"], "customers"].iloc[0]
    row = shown.loc[shown[ZH["cus_col_combination"]] == f"⭐ {ZH['cus_seg_star']} + ⚠️ {ZH['cus_seg_risk']}"]
    assert list(row[ZH["cus_col_customers"]]) == [star_and_risk]

    at.radio(key="cus_breakdown_by").set_value("industry").run()
    no_exception(at)
    by_industry = scoped(small_url, segments.breakdown, by="industry")
    table = at.dataframe[1].value
    assert list(table[ZH["cus_col_total"]]) == list(by_industry["total"])
    assert list(table[ZH["cus_col_risk"]]) == list(by_industry["risk"])


def test_a_town_filter_changes_the_numbers_as_the_scoped_metrics_do(small_url, monkeypatch):
    everywhere = scoped(small_url, segments.segment_counts)
    for town in TOWNS:
        at = screen(small_url, monkeypatch, SCRIPT, town=town)
        expected = scoped(small_url, segments.segment_counts, Scope(town=town))
        assert expected != everywhere
        for key, label in CARDS.items():
            assert metric_by_label(at, label).value == f"{expected[key]:,}", (town, key)
        assert len(customer_list(at)) == expected["total"]


# --- The customer list ------------------------------------------------------------------------------


def test_list_filters_by_segment_and_search_with_badges(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT)
    assert len(customer_list(at)) == scoped(small_url, segments.segment_counts)["total"]
    at.selectbox(key="cus_segment").set_value("risk").run()
    no_exception(at)
    shown = customer_list(at)
    expected = scoped(small_url, segments.customer_list, segment="risk")
    assert list(shown[ZH["cus_col_account_no"]]) == list(expected["account_no"])
    first = shown.loc[shown[ZH["cus_col_account_no"]] == "C001"].iloc[0]
    assert first[ZH["cus_col_segments"]] == f"⭐ {ZH['cus_seg_star']} ⚠️ {ZH['cus_seg_risk']}"
    assert first[ZH["cus_col_risk_reasons"]] == ZH["cus_reason_trading_eligible"]

    at.selectbox(key="cus_segment").set_value("").run()
    at.text_input(key="cus_search").input("c003").run()
    no_exception(at)
    assert list(customer_list(at)[ZH["cus_col_account_no"]]) == ["C003"]
    at.text_input(key="cus_search").input("没有这个客户").run()
    assert ZH["cus_list_empty"] in [i.value for i in at.info]


def test_the_screen_caps_the_list_and_the_download_has_every_row(small_url, monkeypatch):
    """A cap of 2 rows on screen; the CSV and Excel files, made when clicked, hold all customers."""
    monkeypatch.setattr("ui.data.CUSTOMER_LIST_ROWS", 2)
    made: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    at = screen(small_url, monkeypatch, SCRIPT)
    total = scoped(small_url, segments.segment_counts)["total"]
    assert len(customer_list(at)) == 2
    assert ZH["cus_list_capped"].format(shown=2, rows=total) in [c.value for c in at.caption]
    csv_name, xlsx_name = f"{ZH['cus_list_file']}.csv", f"{ZH['cus_list_file']}.xlsx"
    # Called outside the script run, as the server does when the button is clicked.
    from_csv = pd.read_csv(io.BytesIO(made[csv_name]()), encoding="utf-8-sig", dtype=str)
    from_xlsx = pd.read_excel(io.BytesIO(made[xlsx_name]()), dtype=str)
    expected = list(scoped(small_url, segments.customer_list)["account_no"])
    assert list(from_csv[ZH["cus_col_account_no"]]) == expected and len(expected) == total > 2
    assert list(from_xlsx[ZH["cus_col_account_no"]]) == expected
    assert list(from_csv.columns) == list(customer_list(at).columns)


# --- Roles, language, definitions, projection ---------------------------------------------------------


@pytest.mark.parametrize("username", list(USERS))
def test_every_role_sees_the_screen_and_every_card_has_a_definition(small_url, monkeypatch, username):
    at = screen(small_url, monkeypatch, SCRIPT, username)
    assert len(at.metric) == len(CARDS)
    assert defined_kpis(at) == {"segments", "segments_coverage"}
    assert len(at.get("plotly_chart")) == 3


def test_the_leader_gets_no_write_widgets(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, "leader")
    assert_read_only(at)


def test_english_and_projection(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, lang="en", present="1")
    assert at.title[0].value == EN["nav_customers"]
    assert metric_by_label(at, EN["cus_total"])
    # The wall screen (1920×1080 without scrolling): the cards and the overlaps chart, no tables.
    assert not at.dataframe and not at.download_button and not at.table
    assert [s.value for s in at.main.subheader] == [EN["cus_overlaps_title"]]
    assert any(EN["definition"] in e.label for e in at.expander)
