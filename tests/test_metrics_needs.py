"""Needs screening (data contract §3), hand-computed cases.

Defaults: capacity_watch_ratio 0.85, capacity_price 28, demand_price 38, mode_saving_share 0.05,
surge_ratio 1.3, trading_min_kwh 5,000,000.
"""

import datetime as dt

import pandas as pd
import pytest

from data_access.settings import load_settings
from metrics import needs
from metrics.window import Scope, Window
from tests import builders as b
from ui.needs_text import finding_text

D = dt.date
Q1 = Window(D(2025, 1, 1), D(2025, 3, 31))
JAN, FEB, MAR, APR = D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)
SEP, OCT, NOV, DEC = D(2024, 9, 1), D(2024, 10, 1), D(2024, 11, 1), D(2024, 12, 1)


def demand_months(conn, customer_id, demands: dict, kwh: float = 100_000):
    for month, demand in demands.items():
        b.consumption(conn, customer_id, month, kwh, demand)


def kwh_months(conn, customer_id, kwhs: dict):
    for month, kwh in kwhs.items():
        b.consumption(conn, customer_id, month, kwh)


# --- capacity increase -------------------------------------------------------------------------


@pytest.fixture
def capacity_cases(engine):
    with engine.begin() as conn:

        def c(no):
            return b.customer(conn, no, capacity_kva=1000)

        demand_months(conn, c("K1"), {JAN: 500, FEB: 1120, MAR: 600})  # over capacity in Feb
        demand_months(conn, c("K2"), {JAN: 500, FEB: 500, MAR: 1000})  # exactly at capacity: not over
        demand_months(conn, c("K3"), {JAN: 850, FEB: 900, MAR: 850})  # all 3 exactly/above 0.85 x 1000
        demand_months(conn, c("K4"), {JAN: 849, FEB: 900, MAR: 900})  # one month just below 850
        # only 2 window months with max demand (Jan has none; Dec is outside the window): not enough
        demand_months(conn, c("K5"), {DEC: 900, JAN: None, FEB: 900, MAR: 950})
        demand_months(conn, c("K6"), {JAN: 100, FEB: 100, MAR: 100, APR: 1500})  # over only after the window
    return engine


def test_capacity_increase(capacity_cases):
    with capacity_cases.connect() as conn:
        frame = needs.capacity_increase(conn, Q1, load_settings(conn))
    assert list(frame["account_no"]) == ["K1", "K3"]
    k1, k3 = frame.to_dict("records")
    assert k1["rule_code"] == "over_capacity"
    assert k1["peak_month"] == FEB and k1["peak_demand_kw"] == 1120 and k1["over_months"] == 1
    assert k1["peak_ratio"] == pytest.approx(1.12)
    assert finding_text(k1["finding"], "en") == "max demand 1,120 kW > capacity 1,000 kVA in 2025-02"
    assert finding_text(k1["finding"], "zh") == "2025-02 最大需量 1,120 kW > 合同容量 1,000 kVA"
    assert k3["rule_code"] == "sustained_load"
    assert k3["last3_min_ratio"] == pytest.approx(0.85)
    assert k3["finding"] == (("sustained_load", {"ratio": 0.85}),)
    assert finding_text(k3["finding"], "en") == "last 3 months ≥ 85% of capacity"
    assert finding_text(k3["finding"], "zh") == "近 3 个月最大需量均 ≥ 容量的 85%"


def test_capacity_watch_uses_the_last_three_months_with_demand(engine):
    with engine.begin() as conn:

        def c(no):
            return b.customer(conn, no, capacity_kva=1000)

        demand_months(conn, c("L1"), {JAN: 500, FEB: 900, MAR: 880, APR: 860})  # low Jan is not among the last 3
        demand_months(conn, c("L2"), {JAN: 900, FEB: 900, MAR: 900, APR: 500})  # the latest month is low
        # Apr has no max demand, so the last 3 with demand are Jan, Feb, Mar
        demand_months(conn, c("L3"), {JAN: 870, FEB: 870, MAR: 870, APR: None})
    with engine.connect() as conn:
        frame = needs.capacity_increase(conn, Window(JAN, D(2025, 4, 30)), load_settings(conn))
    assert list(frame["account_no"]) == ["L1", "L3"]


def test_capacity_watch_ratio_is_a_setting(capacity_cases):
    with capacity_cases.connect() as conn:
        settings = {**load_settings(conn), "capacity_watch_ratio": 0.5}
        frame = needs.capacity_increase(conn, Q1, settings)
    # K2 (500, 500, 1000) and K4 now qualify as well; K5 still has only 2 months.
    assert list(frame["account_no"]) == ["K1", "K2", "K3", "K4"]


# --- basic charge ------------------------------------------------------------------------------


@pytest.fixture
def charge_cases(engine):
    """1000 kVA customers over Jan-Mar: by capacity 3 x 1000 x 28 = 84,000 yuan."""
    with engine.begin() as conn:

        def c(no, mode):
            return b.customer(conn, no, capacity_kva=1000, billing_mode=mode)

        # by demand 3 x 700 x 38 = 79,800: saving 4,200 = exactly 5% of 84,000 -> flagged
        demand_months(conn, c("B1", "capacity"), {JAN: 700, FEB: 700, MAR: 700})
        # by demand 3 x 701 x 38 = 79,914: saving 4,086 = 4.86% -> not flagged
        demand_months(conn, c("B2", "capacity"), {JAN: 701, FEB: 701, MAR: 701})
        # demand 100 is billed at the floor 0.4 x 1000 = 400: 3 x 400 x 38 = 45,600; saving 38,400
        demand_months(conn, c("B3", "capacity"), {JAN: 100, FEB: 100, MAR: 100})
        # demand mode, 800 kW: 3 x 800 x 38 = 91,200 vs 84,000 by capacity: saving 7,200 (7.9%) -> flagged
        demand_months(conn, c("B4", "demand"), {JAN: 800, FEB: 800, MAR: 800})
        # demand mode, low demand: already the cheaper mode
        demand_months(conn, c("B5", "demand"), {JAN: 300, FEB: 300, MAR: 300})
        # demand mode, Mar without max demand: 2 months, 2 x 900 x 38 = 68,400 vs 2 x 28,000 = 56,000;
        # saving 12,400, annualised 12,400 x 12 / 2 = 74,400
        demand_months(conn, c("B6", "demand"), {JAN: 900, FEB: 900, MAR: None})
        # months on both sides of the 400 kW floor: billed 400 + 500 + 900 = 1,800 kW -> 68,400 yuan;
        # saving 84,000 - 68,400 = 15,600 -> flagged
        demand_months(conn, c("B8", "capacity"), {JAN: 300, FEB: 500, MAR: 900})
        # single-part tariff: never screened, however low its demand
        demand_months(
            conn, b.customer(conn, "B7", capacity_kva=200, billing_mode="single"), {JAN: 10, FEB: 10, MAR: 10}
        )
    return engine


def test_basic_charge(charge_cases):
    with charge_cases.connect() as conn:
        frame = needs.basic_charge(conn, Q1, load_settings(conn))
    assert list(frame["account_no"]) == ["B1", "B3", "B4", "B6", "B8"]
    rows = frame.set_index("account_no")
    assert rows.loc["B8", ["cost_by_demand", "saving"]].tolist() == [68_400, 15_600]
    money = ["cost_by_capacity", "cost_by_demand", "current_cost", "saving", "annual_saving"]
    assert rows.loc["B1", money].tolist() == [84_000, 79_800, 84_000, 4_200, 16_800]  # 4,200 x 12 / 3
    assert rows.loc["B1", "suggested_mode"] == "demand"
    assert rows.loc["B3", "cost_by_demand"] == 45_600  # the 40% floor, not 3 x 100 x 38
    assert rows.loc["B3", "saving"] == 38_400
    assert rows.loc["B4", ["billing_mode", "suggested_mode", "current_cost", "saving"]].tolist() == [
        "demand",
        "capacity",
        91_200,
        7_200,
    ]
    assert rows.loc["B6", ["months", "saving", "annual_saving"]].tolist() == [2, 12_400, 74_400]
    assert finding_text(rows.loc["B1", "finding"], "en") == (
        "capacity mode 84,000 yuan vs demand mode 79,800 yuan over 3 months: saves 4,200 (5.0%), 16,800 yuan a year"
    )
    assert finding_text(rows.loc["B4", "finding"], "zh") == (
        "3 个月按需量 91,200 元,按容量 84,000 元,可省 7,200 元(7.9%),折合每年 28,800 元"
    )


def test_basic_charge_prices_are_settings(charge_cases):
    with charge_cases.connect() as conn:
        settings = {**load_settings(conn), "demand_price": 40}
        frame = needs.basic_charge(conn, Q1, settings)
    # B1: 3 x 700 x 40 = 84,000 = by capacity: no saving. B4: 96,000 vs 84,000. B5 (300 -> floor 400):
    # 48,000, still cheaper than 84,000. B6: 72,000 vs 56,000. B8: 72,000 vs 84,000 (14%).
    assert list(frame["account_no"]) == ["B3", "B4", "B6", "B8"]


# --- surge -------------------------------------------------------------------------------------


@pytest.fixture
def surge_cases(engine):
    with engine.begin() as conn:

        def c(no):
            return b.customer(conn, no)

        # Jan = exactly 1.3 x mean(100, 100, 100) -> surge; Feb 120 vs mean(100, 100, 130) = 110: no
        kwh_months(conn, c("U1"), {OCT: 100, NOV: 100, DEC: 100, JAN: 130, FEB: 120})
        # Oct missing: Jan 200 is no surge; Feb 300 vs mean(100, 100, 200) = 133.3 -> surge (2.25x)
        kwh_months(conn, c("U2"), {NOV: 100, DEC: 100, JAN: 200, FEB: 300})
        # the 3 months before average 0: no surge
        kwh_months(conn, c("U3"), {OCT: 0, NOV: 0, DEC: 0, JAN: 100})
        # just below 1.3 x 100
        kwh_months(conn, c("U4"), {OCT: 100, NOV: 100, DEC: 100, JAN: 129.99})
        # the surge month (Dec) is before the window; Jan 100 vs mean(100, 100, 130) = 110: no
        kwh_months(conn, c("U5"), {SEP: 100, OCT: 100, NOV: 100, DEC: 130, JAN: 100})
    return engine


def test_surge(surge_cases):
    with surge_cases.connect() as conn:
        frame = needs.surge(conn, Q1, load_settings(conn))
    assert list(zip(frame["account_no"], frame["month"])) == [("U1", JAN), ("U2", FEB)]
    u1, u2 = frame.to_dict("records")
    assert u1["prior_mean_kwh"] == 100 and u1["ratio"] == pytest.approx(1.3)
    assert u2["prior_mean_kwh"] == pytest.approx(400 / 3)
    assert finding_text(u1["finding"], "en") == (
        "130 kWh in 2025-01 = 1.30× the mean 100 kWh of the 3 months before (≥ 1.3×)"
    )
    assert finding_text(u1["finding"], "zh") == "2025-01 用电 130 kWh,为前 3 个月均值 100 kWh 的 1.30 倍(≥ 1.3 倍)"


def test_surge_window_months_start_on_a_first_day(surge_cases):
    with surge_cases.connect() as conn:
        # From Jan 15: the window months are Feb and Mar, so U1's January surge is out.
        frame = needs.surge(conn, Window(D(2025, 1, 15), D(2025, 3, 31)), load_settings(conn))
    assert list(frame["account_no"]) == ["U2"]


# --- direct trading ----------------------------------------------------------------------------


def test_direct_trading(engine):
    with engine.begin() as conn:
        b.customer(conn, "T1", voltage_kv=10, annual_kwh=5_000_000, market_status="agency")  # exactly: yes
        b.customer(conn, "T2", voltage_kv=10, annual_kwh=4_999_999, market_status="agency")
        b.customer(conn, "T3", voltage_kv=35, annual_kwh=6_000_000, market_status="retail")
        b.customer(conn, "T4", voltage_kv=6, annual_kwh=6_000_000, market_status="agency")
        b.customer(conn, "T5", voltage_kv=110, annual_kwh=80_000_000, market_status="agency")
        b.customer(conn, "T6", voltage_kv=110, annual_kwh=None, market_status="agency")
    with engine.connect() as conn:
        frame = needs.direct_trading(conn, load_settings(conn))
    assert list(frame["account_no"]) == ["T1", "T5"]
    assert finding_text(frame.loc[0, "finding"], "en") == (
        "10 kV ≥ 10 kV, 5,000,000 kWh/year ≥ 5,000,000, agency purchase"
    )
    assert finding_text(frame.loc[0, "finding"], "zh") == "10 kV ≥ 10 kV,年用电 5,000,000 kWh ≥ 5,000,000,代理购电"


# --- section -----------------------------------------------------------------------------------


@pytest.fixture
def mixed(engine):
    with engine.begin() as conn:
        east = {"town": "东镇"}
        # over capacity all quarter; by demand 3 x 1,100 x 38 = 125,400 > 84,000: no basic-charge need
        demand_months(conn, b.customer(conn, "X1", capacity_kva=1000, **east), {JAN: 1100, FEB: 1100, MAR: 1100})
        # low demand on capacity billing: basic charge only
        demand_months(conn, b.customer(conn, "X2", capacity_kva=1000), {JAN: 300, FEB: 300, MAR: 300})
        b.customer(conn, "X3", voltage_kv=10, annual_kwh=6_000_000, **east)  # direct trading
        b.customer(conn, "X0", voltage_kv=35, annual_kwh=9_000_000)  # direct trading, listed first
        # surge only (single-part tariff, no max demand)
        kwh_months(
            conn, b.customer(conn, "X4", capacity_kva=200, **east), {OCT: 100, NOV: 100, DEC: 100, JAN: 200, FEB: 300}
        )
    return engine


def test_section_matches_the_contract(mixed):
    with mixed.connect() as conn:
        section = needs.section(conn, Q1, load_settings(conn))
    # X4 surges in Jan (2x) and Feb (300 vs 133.3): listed once
    assert section == {
        "capacity_increase": ["X1"],
        "basic_charge_adjustment": ["X2"],
        "direct_trading": ["X0", "X3"],
        "surge": ["X4"],
    }
    assert list(section) == ["capacity_increase", "basic_charge_adjustment", "direct_trading", "surge"]


def test_empty_window_lists_only_direct_trading(mixed):
    with mixed.connect() as conn:
        section = needs.section(conn, Window(D(2023, 1, 1), D(2023, 6, 30)), load_settings(conn))
    assert section == {
        "capacity_increase": [],
        "basic_charge_adjustment": [],
        "direct_trading": ["X0", "X3"],
        "surge": [],
    }


def test_empty_frames_keep_their_columns(engine):
    with engine.connect() as conn:
        settings = load_settings(conn)
        assert list(needs.capacity_increase(conn, Q1, settings).columns) == needs.CAPACITY_COLUMNS
        assert list(needs.basic_charge(conn, Q1, settings).columns) == needs.BASIC_CHARGE_COLUMNS
        assert list(needs.surge(conn, Q1, settings).columns) == needs.SURGE_COLUMNS
        assert list(needs.direct_trading(conn, settings).columns) == needs.TRADING_COLUMNS


def test_scope_by_town(mixed):
    with mixed.connect() as conn:
        settings = load_settings(conn)
        scope = Scope(town="东镇")
        assert list(needs.capacity_increase(conn, Q1, settings, scope)["account_no"]) == ["X1"]
        assert needs.basic_charge(conn, Q1, settings, scope).empty
        assert list(needs.surge(conn, Q1, settings, scope)["account_no"].unique()) == ["X4"]
        assert list(needs.direct_trading(conn, settings, scope)["account_no"]) == ["X3"]


def test_section_lists_match_the_detail_functions(capacity_cases, charge_cases, surge_cases):
    # The section runs its own lighter queries; on all the cases above together they must agree
    # with the screen functions, for a quarter and for a window that starts mid-month.
    engine = capacity_cases
    with engine.connect() as conn:
        settings = load_settings(conn)
        for window in (Q1, Window(D(2025, 1, 15), D(2025, 4, 30))):
            section = needs.section(conn, window, settings)
            capacity = needs.capacity_increase(conn, window, settings)
            charge = needs.basic_charge(conn, window, settings)
            assert section["capacity_increase"] == list(capacity["account_no"])
            assert section["basic_charge_adjustment"] == list(charge["account_no"])
            assert section["surge"] == sorted(set(needs.surge(conn, window, settings)["account_no"]))
            assert section["capacity_increase"] and section["basic_charge_adjustment"] and section["surge"]


def same_rows(found: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(found.columns) == list(expected.columns)
    if len(found) or len(expected):  # empty frames: the columns are what there is to compare
        pd.testing.assert_frame_equal(found, expected)


def test_demand_findings_equal_the_two_rules_alone(capacity_cases, charge_cases, mixed):
    # One pass for both rules (the screen and the meeting agenda) gives what each rule gives alone,
    # frames, rule texts and empty windows alike, scoped or not.
    with mixed.connect() as conn:
        settings = load_settings(conn)
        for window, scope in (
            (Q1, Scope()),
            (Window(D(2025, 1, 15), D(2025, 4, 30)), Scope()),
            (Q1, Scope(town="东镇")),
            (Window(D(2023, 1, 1), D(2023, 6, 30)), Scope()),
        ):
            capacity, charge = needs.demand_findings(conn, window, settings, scope)
            same_rows(capacity, needs.capacity_increase(conn, window, settings, scope))
            same_rows(charge, needs.basic_charge(conn, window, settings, scope))
        capacity, charge = needs.demand_findings(conn, Q1, settings)
        assert len(capacity) > 1 and len(charge) > 1  # both rules found customers here


def test_section_counts_only_window_months_for_demand(engine):
    # The section reads 3 months before the window for the surge rule (in the same pass on
    # PostgreSQL); those months must not count for capacity increase or basic charge.
    with engine.begin() as conn:

        def c(no, mode="capacity"):
            return b.customer(conn, no, capacity_kva=1000, billing_mode=mode)

        # over capacity in December only (before the window); the quarter itself is low
        demand_months(conn, c("P1", "single"), {DEC: 1500, JAN: 500, FEB: 500, MAR: 500})
        # 3 high months before the window and 1 in it: fewer than 3 window months with max demand
        demand_months(conn, c("P2", "single"), {OCT: 900, NOV: 900, DEC: 900, JAN: 900, FEB: None, MAR: None})
        # consumption before the window only: 3 low months that would save on demand billing
        demand_months(conn, c("P3"), {OCT: 100, NOV: 100, DEC: 100})
        # kWh but never a max demand: no demand figures, yet it surges in March (2 x 100)
        kwh_months(conn, c("P4", "demand"), {DEC: 100, JAN: 100, FEB: 100, MAR: 200})
    with engine.connect() as conn:
        settings = load_settings(conn)
        section = needs.section(conn, Q1, settings)
        assert needs.capacity_increase(conn, Q1, settings).empty
        assert needs.basic_charge(conn, Q1, settings).empty
    assert section == {"capacity_increase": [], "basic_charge_adjustment": [], "direct_trading": [], "surge": ["P4"]}


def test_window_without_a_first_of_month_has_no_window_months(mixed):
    with mixed.connect() as conn:
        settings = load_settings(conn)
        window = Window(D(2025, 1, 2), D(2025, 1, 31))  # January 1 is outside: no window month
        section = needs.section(conn, window, settings)
        assert needs.surge(conn, window, settings).empty
    assert section == {
        "capacity_increase": [],
        "basic_charge_adjustment": [],
        "direct_trading": ["X0", "X3"],
        "surge": [],
    }


def test_surge_reads_fractional_kwh_alike_on_both_databases(engine):
    # kWh are compared as whole Wh (to 0.001 kWh). 1.501 kWh is 1,501 Wh on both databases (a
    # plain CAST would round 1501.5 up on PostgreSQL); 3 x 1,952 = 5,856 >= 1.3 x 4,503 = 5,853.9.
    with engine.begin() as conn:
        kwh_months(conn, b.customer(conn, "F1"), {OCT: 1.501, NOV: 1.501, DEC: 1.501, JAN: 1.952})
        kwh_months(conn, b.customer(conn, "F2"), {OCT: 1.501, NOV: 1.501, DEC: 1.501, JAN: 1.951})
    with engine.connect() as conn:
        frame = needs.surge(conn, Q1, load_settings(conn))
    assert list(frame["account_no"]) == ["F1"]
    assert frame.loc[0, "kwh"] == pytest.approx(1.952)
    assert frame.loc[0, "prior_mean_kwh"] == pytest.approx(1.501)
