"""The 需求筛查 screen under AppTest: counts against the KPI report, each tab's rows with their
rule text, the yearly saving, the settings in the definitions, the town filter against the
scoped metrics, each role, no write widgets for the leader. Expected values come from metrics/.
"""

from __future__ import annotations

import pytest

from data_access.db import make_engine
from data_access.settings import load_settings
from metrics import needs
from metrics.report import build_report
from metrics.window import Scope, Window
from tests import builders as b
from tests.apptest import assert_read_only, defined_kpis, metric_by_label, screen
from tests.conftest import seeded_copy
from tests.seed_small import Q3, TOWNS, USERS
from ui.definitions import DEFINITIONS
from ui.needs_text import finding_text
from ui.strings import EN, ZH

SCRIPT = "views/needs.py"
WINDOW = Window(*Q3)
CAPACITY_PRICE = 31  # the office's price in this file's data, not the default
# report key -> (card label, metrics function computing the rows)
RULES = {
    "capacity_increase": ("kpi_needs_capacity_increase", needs.capacity_increase),
    "basic_charge_adjustment": ("kpi_needs_basic_charge", needs.basic_charge),
    "direct_trading": ("kpi_needs_direct_trading", None),
    "surge": ("kpi_needs_surge", needs.surge),
}


def add_extras(url: str) -> None:
    """What this screen's tests add to the small data set."""
    engine = make_engine(url)
    with engine.begin() as conn:
        b.setting(conn, "capacity_price", CAPACITY_PRICE)
    engine.dispose()


@pytest.fixture(scope="module")
def small_url(tmp_path_factory, small_template) -> str:
    """The small data set with this module's additions."""
    return seeded_copy(tmp_path_factory, small_template, "needs", add_extras)


def findings(url: str, scope: Scope = Scope()) -> dict:
    engine = make_engine(url)
    with engine.connect() as conn:
        settings = load_settings(conn)
        found = {rule: function(conn, WINDOW, settings, scope) for rule, (_, function) in RULES.items() if function}
        found["direct_trading"] = needs.direct_trading(conn, settings, scope, as_of=WINDOW.end)
    engine.dispose()
    return found


# --- Against the report --------------------------------------------------------------------------


def test_counts_and_saving_match_the_report(seeded_url, monkeypatch):
    add_extras(seeded_url)
    engine = make_engine(seeded_url)
    with engine.connect() as conn:
        report = build_report(conn, WINDOW, load_settings(conn))["needs"]
    engine.dispose()
    at = screen(seeded_url, monkeypatch, SCRIPT)
    assert at.title[0].value == ZH["nav_needs"]
    for rule, (label, _) in RULES.items():
        assert metric_by_label(at, ZH[label]).value == f"{len(report[rule]):,}", rule
    charges = findings(seeded_url)["basic_charge_adjustment"]
    assert list(charges["account_no"]) == report["basic_charge_adjustment"]
    caption = ZH["nd_yearly_saving_caption"].format(
        customers=len(charges), yuan=f"{charges['annual_saving'].sum():,.0f}"
    )
    assert caption in [c.value for c in at.caption]


def test_every_row_shows_its_rule_and_numbers(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT)
    expected = findings(small_url)
    assert all(not frame.empty for frame in expected.values())  # the seed raises every rule
    for tab, rule in zip(at.tabs, RULES):
        table = tab.dataframe[0].value
        assert list(table[ZH["nd_col_account_no"]]) == list(expected[rule]["account_no"]), rule
        assert list(table[ZH["nd_col_rule"]]) == [finding_text(f, "zh") for f in expected[rule]["finding"]], rule
        assert table[ZH["nd_col_rule"]].str.len().min() > 0
    charges = at.tabs[1].dataframe[0].value
    assert list(charges[ZH["nd_col_annual_saving"]]) == list(expected["basic_charge_adjustment"]["annual_saving"])
    surge = at.tabs[3].dataframe[0].value
    assert list(surge[ZH["nd_col_month"]]) == [f"{m:%Y-%m}" for m in expected["surge"]["month"]]


def test_english_rule_texts_and_projection(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, lang="en")
    expected = findings(small_url)
    table = at.tabs[0].dataframe[0].value
    assert list(table[EN["nd_col_rule"]]) == [finding_text(f, "en") for f in expected["capacity_increase"]["finding"]]
    at = screen(small_url, monkeypatch, SCRIPT, lang="en", present="1")
    assert not at.dataframe and not at.download_button and len(at.table) == 4


def test_the_definitions_show_the_settings_in_force(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT)
    texts = " ".join(block.value for e in at.expander for block in e.markdown)
    assert f"× {CAPACITY_PRICE} 元/kVA·月" in texts
    assert "× 28 元/kVA·月" not in texts  # not the default price


def test_a_town_filter_changes_the_numbers_as_the_scoped_metrics_do(small_url, monkeypatch):
    everywhere = {rule: set(frame["account_no"]) for rule, frame in findings(small_url).items()}
    for town in TOWNS:
        expected = findings(small_url, Scope(town=town))
        assert {rule: set(frame["account_no"]) for rule, frame in expected.items()} != everywhere
        at = screen(small_url, monkeypatch, SCRIPT, town=town)
        for rule, (label, _) in RULES.items():
            assert metric_by_label(at, ZH[label]).value == f"{expected[rule]['account_no'].nunique():,}", (town, rule)


# --- Roles, definitions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", list(USERS))
def test_every_role_sees_the_screen_and_every_card_has_a_definition(small_url, monkeypatch, username):
    at = screen(small_url, monkeypatch, SCRIPT, username)
    assert len(at.metric) == 5 + 7 and len(at.tabs) == 4  # the rules' cards, then the cases' conversion
    assert defined_kpis(at) == {kpi for kpi in DEFINITIONS if kpi.startswith("needs_")}


def test_the_leader_gets_no_write_widgets(small_url, monkeypatch):
    at = screen(small_url, monkeypatch, SCRIPT, "leader")
    assert_read_only(at)
