"""Customer segments (data contract §3), hand-computed cases."""

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from data_access.settings import load_settings
from metrics import segments
from metrics.window import Scope, Window
from tests import builders as b

D = dt.date
AS_OF = D(2025, 3, 31)


@pytest.fixture
def customers(engine):
    """11 customers; the comment on each says which segments it is in (defaults of the contract)."""
    with engine.begin() as conn:
        m1 = b.manager(conn, "M1")
        m2 = b.manager(conn, "M2")
        a = {"town": "东镇"}
        w = {"town": "西镇"}
        # star exactly at star_min = 2; posted on AS_OF -> covered.
        s1 = b.customer(conn, "S1", star_rating=2, annual_kwh=1e6, market_status="retail", **a)
        # star 1, whitespace-only potential_reason -> no segment; posted, but covered needs a segment.
        s0 = b.customer(conn, "S0", star_rating=1, potential_reason="   ", **a)
        # potential; its posting ended the day before AS_OF -> not covered on AS_OF.
        p1 = b.customer(conn, "P1", potential_reason="市重点项目", **a)
        # star 3 + potential + risk (churn, and 35 kV / 20 GWh on agency: all three reasons);
        # posting ends on AS_OF itself -> covered. An older posting by M1 ended earlier.
        mx = b.customer(
            conn,
            "MX",
            star_rating=3,
            potential_reason="省重点项目",
            churn_risk=True,
            voltage_kv=35,
            annual_kwh=2e7,
            market_status="agency",
            **a,
        )
        # risk by churn only; its posting starts after AS_OF -> not covered.
        r1 = b.customer(conn, "R1", churn_risk=True, **w)
        # risk: 10 kV, exactly 5,000,000 kWh, agency purchase.
        b.customer(conn, "R2", voltage_kv=10, annual_kwh=5_000_000, market_status="agency", **w)
        # none: one kWh short of the trading threshold.
        b.customer(conn, "R2B", voltage_kv=10, annual_kwh=4_999_999, market_status="agency", **w)
        # none: big enough but already with a retail company.
        b.customer(conn, "R2C", voltage_kv=10, annual_kwh=6_000_000, market_status="retail", **w)
        # risk: exactly 35 kV and exactly 10,000,000 kWh (high voltage & large), trading directly.
        b.customer(conn, "R3", voltage_kv=35, annual_kwh=10_000_000, market_status="direct", **w)
        # none: 35 kV but annual_kwh blank.
        b.customer(conn, "R3B", voltage_kv=35, annual_kwh=None, market_status="agency", **w)
        # none: below 10 kV, so not market-eligible whatever its consumption.
        b.customer(conn, "V6", voltage_kv=6, annual_kwh=6_000_000, market_status="agency", **w)
        b.posting(conn, m1, s1, D(2025, 1, 1))
        b.posting(conn, m1, s0, D(2025, 1, 1))
        b.posting(conn, m1, p1, D(2025, 1, 1), D(2025, 3, 30))
        b.posting(conn, m1, mx, D(2024, 6, 1), D(2025, 2, 1))
        b.posting(conn, m2, mx, D(2025, 2, 2), AS_OF)
        b.posting(conn, m2, r1, D(2025, 4, 1))
    return engine


def test_segment_counts(customers):
    with customers.connect() as conn:
        counts = segments.segment_counts(conn, AS_OF, load_settings(conn))
    # star: S1, MX; potential: P1, MX; risk: MX, R1, R2, R3; none: S0, R2B, R2C, R3B, V6;
    # covered: S1 and MX (P1's posting ended, R1's not started, S0 in no segment).
    assert counts == {"total": 11, "star": 2, "potential": 2, "risk": 4, "none": 5, "covered": 2}


def test_section_uses_the_window_end(customers):
    with customers.connect() as conn:
        section = segments.section(conn, Window(D(2025, 1, 1), D(2025, 3, 30)), load_settings(conn))
    assert list(section) == ["total", "star", "potential", "risk", "none", "covered"]
    # On 3-30 P1 is still posted: S1, P1, MX covered.
    assert section["covered"] == 3


def test_settings_move_the_thresholds(customers):
    with customers.connect() as conn:
        settings = {**load_settings(conn), "star_min": 3, "trading_min_kwh": 6_000_000}
        counts = segments.segment_counts(conn, AS_OF, settings)
    # star: only MX (3 stars). R2 (5 GWh) is no longer trading-eligible; V6 and R2C still are not.
    assert counts["star"] == 1
    assert counts["risk"] == 3
    assert counts["none"] == 7  # + S1 and R2


def test_empty_database_counts_zero(engine):
    with engine.connect() as conn:
        counts = segments.segment_counts(conn, AS_OF, load_settings(conn))
    assert counts == {"total": 0, "star": 0, "potential": 0, "risk": 0, "none": 0, "covered": 0}


def test_overlaps_cover_all_combinations(customers):
    with customers.connect() as conn:
        frame = segments.overlaps(conn, AS_OF, load_settings(conn))
    assert len(frame) == 8
    by_label = frame.set_index("label")
    assert by_label.loc["none", "customers"] == 5
    assert by_label.loc["risk", "customers"] == 3  # R1, R2, R3
    assert by_label.loc["star", "customers"] == 1  # S1
    assert by_label.loc["potential", "customers"] == 1  # P1
    assert by_label.loc["star+potential+risk", "customers"] == 1  # MX
    assert by_label.loc["star+potential+risk", "covered"] == 1
    assert by_label.loc["star+risk", "customers"] == 0
    assert frame["customers"].sum() == 11
    assert list(frame["customers"]) == sorted(frame["customers"], reverse=True)


def test_breakdown_by_town(customers):
    with customers.connect() as conn:
        frame = segments.breakdown(conn, AS_OF, load_settings(conn), by="town")
    assert frame.to_dict("records") == [
        {"town": "西镇", "total": 7, "star": 0, "potential": 0, "risk": 3, "none": 4, "covered": 0},
        {"town": "东镇", "total": 4, "star": 2, "potential": 2, "risk": 1, "none": 1, "covered": 2},
    ]


def test_combination_table_per_town(customers):
    with customers.connect() as conn:
        settings = load_settings(conn)
        table = segments.combination_table(conn, AS_OF, settings, by="town").set_index("town")
        counts = segments.segment_counts(conn, AS_OF, settings)
    # 东镇: S1 star (covered), S0 none, P1 potential, MX all three (covered)
    east = table.loc["东镇"]
    assert (east["total"], east["star"], east["potential"], east["star+potential+risk"], east["none"]) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert (east["star_covered"], east["star+potential+risk_covered"], east["potential_covered"]) == (1, 1, 0)
    # 西镇: R1, R2, R3 risk only; R2B, R2C, R3B, V6 none; nobody covered
    west = table.loc["西镇"]
    assert (west["total"], west["risk"], west["none"], west["star"]) == (7, 3, 4, 0)
    assert sum(west[f"{segments.combination_label(c)}_covered"] for c in segments.COMBINATIONS) == 0
    assert segments.counts_of(table.reset_index()) == counts


@pytest.mark.parametrize("by", ["town", "industry", None])
def test_parts_by_town_merge_into_the_whole_table(customers, by):
    with customers.begin() as conn:
        b.customer(conn, "NT", star_rating=3, town=None)  # no town: in the part without a first town
        b.customer(conn, "NZ", churn_risk=True, town="北镇")
    with customers.connect() as conn:
        settings = load_settings(conn)
        whole = segments.combination_table(conn, AS_OF, settings, by=by)
        parts = [
            segments.combination_table(conn, AS_OF, settings, by=by, towns=towns)
            for towns in [(None, "东镇"), ("东镇", "西镇"), ("西镇", None)]
        ]
    sizes = [int(part["total"].sum()) for part in parts]
    assert sum(sizes) == int(whole["total"].sum()) == 13 and min(sizes) > 0
    merged = segments.merge_parts(parts, by)
    if by == "town":  # ties on total: combination_table's order puts NULL first on SQLite, last on PostgreSQL
        merged, whole = (
            frame.sort_values(["total", by], na_position="first", ignore_index=True) for frame in (merged, whole)
        )
    assert merged.equals(whole.astype(merged.dtypes.to_dict()))


def test_breakdown_by_voltage_and_bad_column(customers):
    with customers.connect() as conn:
        frame = segments.breakdown(conn, AS_OF, load_settings(conn), by="voltage_kv")
        with pytest.raises(ValueError, match="by must be one of"):
            segments.breakdown(conn, AS_OF, load_settings(conn), by="name")
    assert dict(zip(frame["voltage_kv"], frame["total"])) == {10.0: 7, 35.0: 3, 6.0: 1}


def test_customer_list_flags_reasons_and_manager(customers):
    with customers.connect() as conn:
        frame = segments.customer_list(conn, AS_OF, load_settings(conn))
    assert list(frame.columns) == [
        "account_no",
        "name",
        "town",
        "industry",
        "voltage_kv",
        "capacity_kva",
        "annual_kwh",
        "star_rating",
        "is_star",
        "is_potential",
        "is_risk",
        "risk_reasons",
        "manager",
    ]
    assert list(frame["account_no"]) == sorted(frame["account_no"])
    rows = frame.set_index("account_no")
    assert rows.loc["MX", ["is_star", "is_potential", "is_risk"]].tolist() == [True, True, True]
    assert rows.loc["MX", "risk_reasons"] == "churn_risk,trading_eligible,hv_large"
    assert rows.loc["MX", "manager"] == "经理M2"  # M1's posting ended before AS_OF
    assert rows.loc["R2", "risk_reasons"] == "trading_eligible"
    assert rows.loc["R3", "risk_reasons"] == "hv_large"
    assert rows.loc["S0", "risk_reasons"] == ""
    assert not rows.loc["S0", "is_potential"]  # whitespace-only reason is blank
    assert rows.loc["S0", "manager"] == "经理M1"
    assert pd.isna(rows.loc["P1", "manager"])  # no manager posted on AS_OF


def test_customer_list_filters(customers):
    with customers.connect() as conn:
        settings = load_settings(conn)
        risk = segments.customer_list(conn, AS_OF, settings, segment="risk")
        covered = segments.customer_list(conn, AS_OF, settings, segment="covered")
        searched = segments.customer_list(conn, AS_OF, settings, search="r2")
        limited = segments.customer_list(conn, AS_OF, settings, segment="none", limit=2)
        literal_percent = segments.customer_list(conn, AS_OF, settings, search="%")
    assert list(risk["account_no"]) == ["MX", "R1", "R2", "R3"]
    assert list(covered["account_no"]) == ["MX", "S1"]
    assert list(searched["account_no"]) == ["R2", "R2B", "R2C"]
    assert list(limited["account_no"]) == ["R2B", "R2C"]
    assert literal_percent.empty


def test_scope_by_town(customers):
    with customers.connect() as conn:
        counts = segments.segment_counts(conn, AS_OF, load_settings(conn), Scope(town="东镇"))
    assert counts == {"total": 4, "star": 2, "potential": 2, "risk": 1, "none": 1, "covered": 2}


def test_screen_functions_on_an_empty_database(engine):
    with engine.connect() as conn:
        settings = load_settings(conn)
        assert segments.overlaps(conn, AS_OF, settings)["customers"].sum() == 0
        assert segments.breakdown(conn, AS_OF, settings, by="industry").empty
        assert segments.customer_list(conn, AS_OF, settings, segment="none").empty


def test_filter_choices_list_each_town_once_in_order(customers):
    from data_access.lookups import distinct_indexed as distinct_values
    from data_access.models import Customer

    with customers.begin() as conn:
        b.customer(conn, "NT", town=None)
        b.customer(conn, "AT", town="A镇")
    with customers.connect() as conn:
        for column in (Customer.town, Customer.name):
            plain = select(column).distinct().where(column.is_not(None)).order_by(column)
            assert distinct_values(conn, column) == conn.execute(plain).scalars().all()
        assert set(distinct_values(conn, Customer.town)) == {"东镇", "西镇", "A镇"}
