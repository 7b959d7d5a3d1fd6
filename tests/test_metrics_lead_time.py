"""Connection lead time and application stages (data contract §3, domain.md limits)."""

import datetime as dt

import pandas as pd
import pytest

from data_access.settings import load_settings
from metrics import lead_time
from metrics.window import Scope, Window
from tests import builders as b

D = dt.date
Q1 = Window(D(2025, 1, 1), D(2025, 3, 31))


def records(frame):
    """Rows as dicts with missing numbers as None (pandas stores them as NaN)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@pytest.fixture
def q1_apps(engine):
    """Applications around Q1 2025; lead days in the comments (energized_on - applied_on)."""
    with engine.begin() as conn:
        east = b.customer(conn, "C1", town="东镇")
        west = b.customer(conn, "C2", town="西镇")
        # resident-served, energized in Q1: 60 and 55 days
        b.application(conn, "A1", east, D(2024, 12, 1), energized_on=D(2025, 1, 30), resident_served=True)
        b.application(conn, "A2", west, D(2025, 1, 5), energized_on=D(2025, 3, 1), resident_served=True)
        # resident-served but energized outside Q1 (or not yet): ignored
        b.application(conn, "A3", east, D(2025, 3, 22), energized_on=D(2025, 4, 1), resident_served=True)
        b.application(conn, "A4", east, D(2024, 12, 1), energized_on=D(2024, 12, 31), resident_served=True)
        b.application(conn, "A5", east, D(2025, 2, 1), resident_served=True)
        # other, energized in Q1: 75, 80, 89 (on the window's last day), 59 days
        b.application(conn, "B1", east, D(2024, 11, 1), energized_on=D(2025, 1, 15), resident_served=False)
        b.application(
            conn, "B2", west, D(2024, 12, 1), energized_on=D(2025, 2, 19), resident_served=False, supply="dual"
        )
        b.application(conn, "B3", west, D(2025, 1, 1), energized_on=D(2025, 3, 31), resident_served=False)
        b.application(conn, "B4", west, D(2025, 1, 1), energized_on=D(2025, 3, 1), resident_served=False)
    return engine


def test_summary_resident_vs_other(q1_apps):
    with q1_apps.connect() as conn:
        result = lead_time.summary(conn, Q1, load_settings(conn))
    # resident: 60, 55 -> mean 57.5, median of an even count (55 + 60) / 2 = 57.5
    assert result.resident == lead_time.GroupStats(2, 57.5, 57.5)
    # other: 59, 75, 80, 89 -> mean 303 / 4 = 75.75, median (75 + 80) / 2 = 77.5
    assert result.other == lead_time.GroupStats(4, 75.75, 77.5)
    assert result.reduction_days == 18.25  # 75.75 - 57.5


def test_section_matches_the_contract(q1_apps):
    with q1_apps.connect() as conn:
        section = lead_time.section(conn, Q1, load_settings(conn))
    # Like for like: new/single holds A1, A2 (60, 55) against B1, B3, B4 (75, 89, 59: mean 74.33);
    # B2 is dual supply, a stratum without resident-served applications.
    adjusted = section.pop("adjusted")
    assert section == {
        "resident": {"count": 2, "mean_days": 57.5, "median_days": 57.5},
        "other": {"count": 4, "mean_days": 75.75, "median_days": 77.5},
        "reduction_days": 18.25,
    }
    assert list(section) == ["resident", "other", "reduction_days"]
    assert list(adjusted) == ["reduction_days", "ci95", "resident_compared", "strata_compared"]
    assert adjusted["reduction_days"] == round(223 / 3 - 57.5, 2)
    assert (adjusted["resident_compared"], adjusted["strata_compared"]) == (2, 1)
    low, high = adjusted["ci95"]
    assert low <= adjusted["reduction_days"] <= high


def test_empty_window_gives_nulls(q1_apps):
    with q1_apps.connect() as conn:
        section = lead_time.section(conn, Window(D(2023, 1, 1), D(2023, 12, 31)), load_settings(conn))
    assert section == {
        "resident": {"count": 0, "mean_days": None, "median_days": None},
        "other": {"count": 0, "mean_days": None, "median_days": None},
        "reduction_days": None,
        "adjusted": {"reduction_days": None, "ci95": None, "resident_compared": 0, "strata_compared": 0},
    }


def test_reduction_needs_both_sides(q1_apps):
    with q1_apps.connect() as conn:
        # February: only B2 (other, 80 days) is energized
        result = lead_time.summary(conn, Window(D(2025, 2, 1), D(2025, 2, 28)), {})
    assert result.resident == lead_time.GroupStats(0, None, None)
    assert result.other == lead_time.GroupStats(1, 80.0, 80.0)
    assert result.reduction_days is None


def test_scope_by_town(q1_apps):
    with q1_apps.connect() as conn:
        result = lead_time.summary(conn, Q1, {}, Scope(town="东镇"))
    # 东镇 in Q1: A1 (resident, 60) and B1 (other, 75)
    assert result.resident.count == 1 and result.other.count == 1
    assert result.reduction_days == 15.0


def test_distribution_rows(q1_apps):
    with q1_apps.connect() as conn:
        frame = lead_time.distribution(conn, Q1, {})
    assert list(frame.columns) == ["app_no", "account_no", "resident_served", "supply", "lead_days"]
    assert list(frame["app_no"]) == ["A1", "A2", "B1", "B2", "B3", "B4"]
    assert list(frame["lead_days"]) == [60, 55, 75, 80, 89, 59]
    assert list(frame["resident_served"]) == [True, True, False, False, False, False]
    assert frame.set_index("app_no").loc["B2", "supply"] == "dual"
    with q1_apps.connect() as conn:
        counted = lead_time.lead_days_counts(conn, Q1, {})
    # What the charts draw: the same applications, counted per group and number of days.
    expected = (
        frame.groupby(["resident_served", "lead_days"])
        .size()
        .rename("applications")
        .reset_index()
        .sort_values(["resident_served", "lead_days"])
        .reset_index(drop=True)
    )
    assert counted.equals(expected.astype(counted.dtypes.to_dict()))


def test_monthly_trend_by_energization_month(q1_apps):
    with q1_apps.connect() as conn:
        frame = lead_time.monthly_trend(conn, Q1, {})
    assert records(frame) == [
        # January: A1 60 vs B1 75
        {
            "month": D(2025, 1, 1),
            "resident_mean": 60.0,
            "other_mean": 75.0,
            "reduction": 15.0,
            "resident_count": 1,
            "other_count": 1,
        },
        # February: only B2
        {
            "month": D(2025, 2, 1),
            "resident_mean": None,
            "other_mean": 80.0,
            "reduction": None,
            "resident_count": 0,
            "other_count": 1,
        },
        # March: A2 55 vs B3 89, B4 59 (mean 74)
        {
            "month": D(2025, 3, 1),
            "resident_mean": 55.0,
            "other_mean": 74.0,
            "reduction": 19.0,
            "resident_count": 1,
            "other_count": 2,
        },
    ]


Q4 = Window(D(2025, 10, 1), D(2025, 12, 31))


@pytest.fixture
def q4_stages(engine):
    """Applications across the 2025 National Day holiday (10-01..10-08 off, Sun 9-28 and Sat 10-11 worked).

    Working days in the comments are counted after the start date up to and including the end date.
    """
    with engine.begin() as conn:
        c = b.customer(conn, "C1")
        # S1 single supply, resident:
        #   plan reply 9-19 -> 10-10: 21 days, 10 wd (9-22..26, Sun 9-28, 9-29, 9-30, 10-09, 10-10) <= 15
        #   design review 10-10 -> 10-24: 14 days, 11 wd (make-up Sat 10-11 + two weeks) > 10: over
        #   mid inspection 10-24 -> 10-31: 7 days, 5 wd = limit: not over
        #   completion inspection 10-31 -> 11-10: 10 days, 6 wd > 5: over
        #   energization 11-10 -> 11-12: 2 days, 2 wd
        b.application(
            conn,
            "S1",
            c,
            D(2025, 9, 19),
            surveyed_on=D(2025, 9, 22),
            plan_replied_on=D(2025, 10, 10),
            design_reviewed_on=D(2025, 10, 24),
            mid_inspected_on=D(2025, 10, 31),
            completion_inspected_on=D(2025, 11, 10),
            energized_on=D(2025, 11, 12),
            resident_served=True,
        )
        # S2 dual supply, other: plan reply 9-19 -> 10-31 is 26 wd (over 15, within the dual 30);
        #   design review not recorded: mid inspection starts at the plan reply, 10-31 -> 11-07 = 5 wd;
        #   completion 11-07 -> 11-14 = 5 wd; energization 11-14 -> 11-24 = 6 wd > 5: over (a grid stage).
        b.application(
            conn,
            "S2",
            c,
            D(2025, 9, 19),
            supply="dual",
            plan_replied_on=D(2025, 10, 31),
            mid_inspected_on=D(2025, 11, 7),
            completion_inspected_on=D(2025, 11, 14),
            energized_on=D(2025, 11, 24),
            resident_served=False,
        )
        # S3 open: plan replied 11-10; design review under way since, 37 wd by 12-31 > 10
        #   (stalled only when design review is checked: it includes the customer's design time).
        b.application(
            conn,
            "S3",
            c,
            D(2025, 11, 3),
            surveyed_on=D(2025, 11, 5),
            plan_replied_on=D(2025, 11, 10),
            resident_served=False,
        )
        # S4 like S3 but its later milestones fall after the window: as of 12-31 it is stalled the same way.
        b.application(
            conn,
            "S4",
            c,
            D(2025, 11, 3),
            plan_replied_on=D(2025, 11, 10),
            design_reviewed_on=D(2026, 1, 5),
            energized_on=D(2026, 3, 2),
            resident_served=True,
        )
        # S5 open: applied 12-24, plan reply due within 15 wd; 5 wd by 12-31: not stalled.
        b.application(conn, "S5", c, D(2025, 12, 24), resident_served=True)
        # S8 open: applied 12-01, no plan reply by 12-31: 22 wd > 15, stalled in a grid stage.
        b.application(conn, "S8", c, D(2025, 12, 1), resident_served=False)
        # S6 resident, quick: 4, 5, 1, 1, 1 wd (11-03 -> 11-07 -> 11-14 -> 11-17 -> 11-18 -> 11-19).
        b.application(
            conn,
            "S6",
            c,
            D(2025, 11, 3),
            plan_replied_on=D(2025, 11, 7),
            design_reviewed_on=D(2025, 11, 14),
            mid_inspected_on=D(2025, 11, 17),
            completion_inspected_on=D(2025, 11, 18),
            energized_on=D(2025, 11, 19),
            resident_served=True,
        )
    return engine


def test_stage_durations_across_national_day(q4_stages):
    with q4_stages.connect() as conn:
        frame = lead_time.stage_durations(conn, Q4, load_settings(conn))
    assert list(frame["app_no"]) == ["S1", "S2", "S6"]  # energized in Q4 only
    s1 = frame.set_index("app_no").loc["S1"]
    assert [s1[f"{stage}_days"] for stage in lead_time.STAGES] == [21, 14, 7, 10, 2]
    assert [s1[f"{stage}_workdays"] for stage in lead_time.STAGES] == [10, 11, 5, 6, 2]
    assert [s1[f"{stage}_limit"] for stage in lead_time.STAGES] == [15, 10, 5, 5, 5]
    assert [s1[f"{stage}_over"] for stage in lead_time.STAGES] == [False, True, False, True, False]
    # Only design review and completion inspection are over: they include customer time, so by
    # default S1 is not over its limits; counting every stage it is.
    assert not s1["over_limit"] and not s1["stalled"]
    assert s1["lead_days"] == 54
    s2 = frame.set_index("app_no").loc["S2"]
    assert s2["plan_reply_workdays"] == 26 and s2["plan_reply_limit"] == 30
    assert pd.isna(s2["design_review_days"]) and pd.isna(s2["design_review_workdays"])
    assert s2["mid_inspection_workdays"] == 5
    assert s2["energization_workdays"] == 6 and s2["energization_over"] and s2["over_limit"]
    with q4_stages.connect() as conn:
        every_stage = lead_time.stage_durations(conn, Q4, load_settings(conn), checked=lead_time.STAGES)
    assert every_stage.set_index("app_no").loc["S1", "over_limit"]


def test_stage_limits_are_settings(q4_stages):
    with q4_stages.connect() as conn:
        settings = {**load_settings(conn), "stage_limit_plan_reply_dual": 25, "stage_limit_energization": 6}
        frame = lead_time.stage_durations(conn, Q4, settings).set_index("app_no")
    assert frame.loc["S2", "plan_reply_limit"] == 25 and frame.loc["S2", "plan_reply_over"]
    assert not frame.loc["S2", "energization_over"]


def test_office_override_changes_working_days(q4_stages):
    with q4_stages.begin() as conn:
        b.calendar_override(conn, D(2025, 10, 24), False, "停电检修日")
    with q4_stages.connect() as conn:
        s1 = lead_time.stage_durations(conn, Q4, load_settings(conn)).set_index("app_no").loc["S1"]
    # 10-24 no longer counts: design review 10 wd (not over), mid inspection still 5 (10-27..10-31)
    assert s1["design_review_workdays"] == 10 and not s1["design_review_over"]
    assert s1["mid_inspection_workdays"] == 5


def test_over_limit_includes_stalled_open_applications(q4_stages):
    with q4_stages.connect() as conn:
        frame = lead_time.over_limit(conn, Q4, load_settings(conn))
        every_stage = lead_time.over_limit(conn, Q4, load_settings(conn), checked=lead_time.STAGES)
    # S2: energization over; S8: stalled in plan reply (22 wd of 15 by 12-31).
    assert list(frame["app_no"]) == ["S2", "S8"]
    s8 = frame.set_index("app_no").loc["S8"]
    assert (s8["current_stage"], s8["current_workdays"], s8["current_limit"], s8["stalled"]) == (
        "plan_reply",
        22,
        15,
        True,
    )
    assert list(every_stage["app_no"]) == ["S1", "S2", "S3", "S4", "S8"]
    rows = every_stage.set_index("app_no")
    assert rows.loc["S3", "current_stage"] == "design_review"
    assert rows.loc["S3", "current_workdays"] == 37
    assert rows.loc["S3", "stalled"]
    # S4's design review and energization happen after 12-31: as of then it is open like S3.
    assert rows.loc["S4", "current_stage"] == "design_review"
    assert rows.loc["S4", "current_workdays"] == 37
    assert pd.isna(rows.loc["S4", "energized_on"])


def test_unknown_checked_stage_is_refused(q4_stages):
    with q4_stages.connect() as conn, pytest.raises(ValueError, match="unknown stages: survey"):
        lead_time.over_limit(conn, Q4, {}, checked=("survey",))


def test_open_application_within_its_limit(q4_stages):
    with q4_stages.connect() as conn:
        frame = lead_time.stage_durations(conn, Q4, load_settings(conn), include_open=True).set_index("app_no")
    assert frame.loc["S5", "current_stage"] == "plan_reply"
    assert frame.loc["S5", "current_workdays"] == 5
    assert not frame.loc["S5", "stalled"] and not frame.loc["S5", "over_limit"]


def test_stage_summary_resident_vs_other(q4_stages):
    with q4_stages.connect() as conn:
        frame = lead_time.stage_summary(conn, Q4, load_settings(conn))
    assert len(frame) == 10  # 5 stages x (resident, other)
    rows = frame.set_index(["stage", "group"])
    # resident: S1 and S6
    assert rows.loc[("plan_reply", "resident")].to_dict() == {
        "count": 2,
        "mean_workdays": 7.0,
        "median_workdays": 7.0,
        "mean_days": 12.5,
        "over_limit": 0,
    }
    assert rows.loc[("design_review", "resident")].to_dict() == {
        "count": 2,
        "mean_workdays": 8.0,
        "median_workdays": 8.0,
        "mean_days": 10.5,
        "over_limit": 1,
    }
    # other: S2 only; its design review was not recorded
    assert rows.loc[("plan_reply", "other"), "mean_workdays"] == 26.0
    assert rows.loc[("design_review", "other"), "count"] == 0
    assert pd.isna(rows.loc[("design_review", "other"), "median_workdays"])


def test_over_limit_reasons_one_per_reason_in_application_order(q4_stages):
    with q4_stages.connect() as conn:
        rows = lead_time.over_limit_reasons(conn, Q4, load_settings(conn), checked=lead_time.STAGES)
    assert list(rows.columns) == lead_time.REASON_COLUMNS
    assert list(zip(rows["app_no"], rows["state"], rows["stage"])) == [
        ("S1", "over", "design_review"),
        ("S1", "over", "completion_inspection"),
        ("S2", "over", "energization"),
        ("S3", "stalled", "design_review"),
        ("S4", "stalled", "design_review"),
        ("S8", "stalled", "plan_reply"),
    ]
    assert list(zip(rows["workdays"], rows["limit"]))[:3] == [(11, 10), (6, 5), (6, 5)]


def test_stage_summary_median_of_an_odd_count(q4_stages):
    with q4_stages.begin() as conn:
        # S7 resident: plan reply Mon 11-24 -> Thu 11-27, 3 days and 3 wd; energized the next day.
        b.application(
            conn,
            "S7",
            b.customer(conn, "C7"),
            D(2025, 11, 24),
            plan_replied_on=D(2025, 11, 27),
            energized_on=D(2025, 11, 28),
            resident_served=True,
        )
    with q4_stages.connect() as conn:
        rows = lead_time.stage_summary(conn, Q4, load_settings(conn)).set_index(["stage", "group"])
    # resident plan replies: S1 10 wd (21 days), S6 4 wd (4 days), S7 3 wd (3 days)
    assert rows.loc[("plan_reply", "resident")].to_dict() == {
        "count": 3,
        "mean_workdays": 5.67,
        "median_workdays": 4.0,
        "mean_days": 9.33,
        "over_limit": 0,
    }


def test_stage_summary_agrees_with_the_stage_durations(q4_stages):
    with q4_stages.connect() as conn:
        settings = load_settings(conn)
        summary = lead_time.stage_summary(conn, Q4, settings).set_index(["stage", "group"])
        durations = lead_time.stage_durations(conn, Q4, settings)
    for stage in lead_time.STAGES:
        for resident, group in lead_time.GROUPS.items():
            rows = durations.loc[
                (durations["resident_served"] == resident)
                & durations[f"{stage}_workdays"].notna()
                & durations[f"{stage}_days"].notna()
            ]
            found = summary.loc[(stage, group)]
            assert found["count"] == len(rows)
            assert found["over_limit"] == rows[f"{stage}_over"].sum()
            if len(rows):
                assert found["mean_workdays"] == round(rows[f"{stage}_workdays"].mean(), 2)
                assert found["median_workdays"] == round(rows[f"{stage}_workdays"].median(), 2)
                assert found["mean_days"] == round(rows[f"{stage}_days"].mean(), 2)


def test_screen_functions_on_an_empty_database(engine):
    with engine.connect() as conn:
        settings = load_settings(conn)
        assert lead_time.distribution(conn, Q1, settings).empty
        assert lead_time.lead_days_counts(conn, Q1, settings).empty
        assert lead_time.monthly_trend(conn, Q1, settings)["resident_count"].tolist() == [0, 0, 0]
        assert lead_time.stage_durations(conn, Q1, settings, include_open=True).empty
        assert lead_time.over_limit(conn, Q1, settings).empty
        assert lead_time.stage_summary(conn, Q1, settings)["count"].sum() == 0
