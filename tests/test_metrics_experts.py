"""Expert coverage and expert calls (data contract §3), hand-computed cases."""

import datetime as dt

import pytest

from data_access.models import SPECIALTIES
from data_access.settings import load_settings
from metrics import experts
from metrics.window import Scope, Window
from tests import builders as b

D = dt.date
T = dt.datetime
MARCH = Window(D(2025, 3, 1), D(2025, 3, 31))


def test_coverage_counts_active_experts_only(engine):
    with engine.begin() as conn:
        b.expert(conn, "E1", "hv_operation")
        b.expert(conn, "E2", "hv_operation")
        b.expert(conn, "E3", "hv_fault")
        b.expert(conn, "E4", "hv_fault", active=False)  # inactive: not counted, hv_fault stays at 1
        for no in ("E5", "E6", "E7"):
            b.expert(conn, no, "lv_fault")
    with engine.connect() as conn:
        result = experts.coverage(conn, load_settings(conn))
    assert list(result.by_specialty) == list(SPECIALTIES)
    assert result.by_specialty == {
        "hv_operation": 2,
        "hv_fault": 1,
        "lv_fault": 3,
        "equipment_om": 0,
        "tariff_billing": 0,
        "energy_efficiency": 0,
        "safety_assessment": 0,
        "training": 0,
    }
    # hv_operation (2) and lv_fault (3) reach the minimum of 2: 2 of 8 specialties.
    assert result.covered == 2
    assert result.rate == 0.25


def test_coverage_minimum_is_a_setting(engine):
    with engine.begin() as conn:
        b.expert(conn, "E1", "training")
    with engine.connect() as conn:
        settings = {**load_settings(conn), "min_experts_per_specialty": 1}
        assert experts.coverage(conn, settings).covered == 1


@pytest.fixture
def march_calls(engine):
    """Calls around March 2025; the comments give each one's role."""
    with engine.begin() as conn:
        e1 = b.expert(conn, "E1", "hv_fault")
        e2 = b.expert(conn, "E2", "tariff_billing")
        e3 = b.expert(conn, "E3", "training")
        b.expert(conn, "E4", "training", active=False)
        b.expert(conn, "E5", "safety_assessment")
        # C1: first minute of the window; 30 min response; closed; 2.5 h.
        b.expert_call(
            conn,
            "C1",
            e1,
            T(2025, 3, 1, 0, 0),
            responded_at=T(2025, 3, 1, 0, 30),
            closed_at=T(2025, 3, 1, 4, 0),
            hours=2.5,
        )
        # C2: 45 min response, never closed, blank hours (= 0), remote.
        b.expert_call(conn, "C2", e1, T(2025, 3, 10, 9, 0), mode="remote", responded_at=T(2025, 3, 10, 9, 45))
        # C3: last minutes of the window; response 80 min (crosses midnight); closed in April.
        b.expert_call(
            conn,
            "C3",
            e2,
            T(2025, 3, 31, 23, 30),
            responded_at=T(2025, 4, 1, 0, 50),
            closed_at=T(2025, 4, 1, 2, 0),
            hours=1.0,
        )
        # C4: no response recorded (left out of the median); closed; 4 h.
        b.expert_call(conn, "C4", e2, T(2025, 3, 15, 10, 0), closed_at=T(2025, 3, 15, 12, 0), hours=4)
        # C5, C6: just outside the window.
        b.expert_call(
            conn,
            "C5",
            e3,
            T(2025, 2, 28, 23, 59),
            responded_at=T(2025, 3, 1, 0, 4),
            closed_at=T(2025, 3, 1, 1, 0),
            hours=9,
        )
        b.expert_call(conn, "C6", e3, T(2025, 4, 1, 0, 0), responded_at=T(2025, 4, 1, 0, 1))
    return engine


def test_calls_in_window(march_calls):
    with march_calls.connect() as conn:
        result = experts.calls(conn, MARCH, load_settings(conn))
    assert result.count == 4  # C1..C4
    assert result.closed == 3  # C1, C3, C4 have closed_at (C3 closed after the window: still closed)
    assert result.median_response_minutes == 45.0  # median of 30, 45, 80; C4 has no response
    assert result.by_expert.to_dict("records") == [
        {"expert_no": "E1", "name": "专家E1", "specialty": "hv_fault", "calls": 2, "hours": 2.5},
        {"expert_no": "E2", "name": "专家E2", "specialty": "tariff_billing", "calls": 2, "hours": 5.0},
    ]


def test_call_stats_and_answered_minutes(march_calls):
    with march_calls.connect() as conn:
        stats = experts.call_stats(conn, MARCH, load_settings(conn))
        minutes = experts.answered_minutes(conn, MARCH)
        detail = experts.response_minutes(conn, MARCH, {})
    assert stats == experts.CallStats(count=4, closed=3, answered=3, median_response_minutes=45.0)
    assert list(minutes) == [30.0, 45.0, 80.0]  # C1, C2, C3 by request time; C4 has no response
    assert minutes.equals(detail["response_minutes"])


def test_median_response_of_an_even_count_is_the_middle_mean(engine):
    with engine.begin() as conn:
        e1 = b.expert(conn, "E1", "hv_fault")
        b.expert_call(conn, "C1", e1, T(2025, 3, 3, 8, 0), responded_at=T(2025, 3, 3, 8, 30))
        b.expert_call(conn, "C2", e1, T(2025, 3, 4, 8, 0), responded_at=T(2025, 3, 4, 8, 45))
        b.expert_call(conn, "C3", e1, T(2025, 3, 5, 8, 0), responded_at=T(2025, 3, 5, 10, 0))
        b.expert_call(conn, "C4", e1, T(2025, 3, 6, 8, 0), responded_at=T(2025, 3, 6, 8, 10))
    with engine.connect() as conn:
        # 10, 30, 45, 120 -> (30 + 45) / 2
        assert experts.calls(conn, MARCH, {}).median_response_minutes == 37.5


def test_empty_window_gives_zero_counts_and_null_median(march_calls):
    with march_calls.connect() as conn:
        section = experts.section(conn, Window(D(2024, 1, 1), D(2024, 1, 31)), load_settings(conn))
    assert section["calls"] == 0
    assert section["closed"] == 0
    assert section["median_response_minutes"] is None
    assert section["by_expert"] == []


def test_section_matches_the_contract(march_calls):
    with march_calls.connect() as conn:
        section = experts.section(conn, MARCH, load_settings(conn))
    assert list(section) == ["coverage", "calls", "closed", "median_response_minutes", "by_expert"]
    assert list(section["coverage"]) == ["by_specialty", "covered", "rate"]
    assert list(section["coverage"]["by_specialty"]) == list(SPECIALTIES)
    # One active expert in hv_fault, tariff_billing, training, safety_assessment: none reaches 2.
    assert section["coverage"]["covered"] == 0
    assert section["coverage"]["rate"] == 0.0
    assert section["calls"] == 4
    assert section["by_expert"] == [
        {"expert_no": "E1", "calls": 2, "hours": 2.5},
        {"expert_no": "E2", "calls": 2, "hours": 5.0},
    ]
    assert isinstance(section["by_expert"][0]["hours"], float)


def test_calls_by_specialty_lists_all_codes(march_calls):
    with march_calls.connect() as conn:
        frame = experts.calls_by_specialty(conn, MARCH, {})
    assert list(frame["specialty"]) == list(SPECIALTIES)
    rows = frame.set_index("specialty")
    assert rows.loc["hv_fault"].to_dict() == {"calls": 2, "onsite": 1, "remote": 1, "hours": 2.5}
    assert rows.loc["tariff_billing"].to_dict() == {"calls": 2, "onsite": 2, "remote": 0, "hours": 5.0}
    assert rows.loc["training"].to_dict() == {"calls": 0, "onsite": 0, "remote": 0, "hours": 0.0}


def test_response_minutes_rows_are_window_calls_with_a_response(march_calls):
    with march_calls.connect() as conn:
        frame = experts.response_minutes(conn, MARCH, {})
    assert list(frame["call_no"]) == ["C1", "C2", "C3"]
    assert list(frame["response_minutes"]) == [30.0, 45.0, 80.0]


def test_open_calls_as_of_a_day(march_calls):
    with march_calls.connect() as conn:
        frame = experts.open_calls(conn, D(2025, 3, 31))
    # C2 never closed (requested 3-10: 21 days old); C3 closed only on 4-01, so open at the end of 3-31.
    # C6 is requested after the day; C1, C4, C5 were closed by then.
    assert list(frame["call_no"]) == ["C2", "C3"]
    assert list(frame["age_days"]) == [21, 0]


def test_never_called_in_window_and_ever(march_calls):
    with march_calls.connect() as conn:
        in_window = experts.never_called(conn, MARCH)
        ever = experts.never_called(conn, MARCH, ever=True)
    # E3 was called only outside March; E5 never; inactive E4 is not listed.
    assert list(in_window["expert_no"]) == ["E3", "E5"]
    assert in_window.set_index("expert_no").loc["E3", "last_call_at"] == T(2025, 2, 28, 23, 59)
    assert list(ever["expert_no"]) == ["E5"]


def test_scope_by_town_uses_the_customer_or_else_the_manager(engine):
    with engine.begin() as conn:
        e1 = b.expert(conn, "E1", "hv_fault")
        east = b.customer(conn, "A1", town="东镇")
        west = b.customer(conn, "B1", town="西镇")
        m1 = b.manager(conn, "M1")
        b.posting(conn, m1, east, D(2025, 1, 1))
        b.expert_call(conn, "C1", e1, T(2025, 3, 2, 9, 0), customer_id=east, manager_id=m1)
        b.expert_call(conn, "C2", e1, T(2025, 3, 3, 9, 0), manager_id=m1)  # no customer: M1 posted in 东镇
        b.expert_call(conn, "C3", e1, T(2025, 3, 4, 9, 0), customer_id=west, manager_id=m1)
    with engine.connect() as conn:
        assert experts.calls(conn, MARCH, {}, Scope(town="东镇")).count == 2
        assert experts.calls(conn, MARCH, {}, Scope(town="西镇")).count == 1
        assert experts.calls(conn, MARCH, {}).count == 3


def test_screen_functions_on_an_empty_database(engine):
    with engine.connect() as conn:
        settings = load_settings(conn)
        assert experts.coverage(conn, settings).covered == 0
        assert experts.calls(conn, MARCH, settings).by_expert.empty
        assert experts.calls_by_specialty(conn, MARCH, settings)["calls"].sum() == 0
        assert experts.response_minutes(conn, MARCH, settings).empty
        assert list(experts.open_calls(conn, D(2025, 3, 31)).columns)[-1] == "age_days"
        assert experts.never_called(conn, MARCH, ever=True).empty
