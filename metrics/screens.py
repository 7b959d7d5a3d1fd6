"""The screens' multi-part reads: several KPIs of one screen read on one connection, as the
screen shows them (ui/data.py caches each one). Every number comes from the KPI modules."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from metrics import attendance, experts, lead_time, logs, needs, plans, segments, training
from metrics.calendar import rate
from metrics.sql import named_side_by_side, side_by_side
from metrics.window import Scope, Window, trend_months

# The overview's windows: the window, the one before it, and the trend months.
NOW, BEFORE, TREND = 0, 1, slice(2, None)
TREND_MONTHS = 12
MANAGER_KPIS = {
    "attendance": attendance.totals_by_window,
    "log_completeness": logs.totals_by_window,
    "training": training.totals_by_window,
}
CALL_AND_LEAD_COLUMNS = ("expert_median_response_minutes", "lead_resident_mean", "lead_other_mean", "lead_reduction")


def overview_windows(window: Window) -> list[Window]:
    """The window, the one before it and its trend months (indexed by NOW, BEFORE, TREND)."""
    return [window, window.previous(), *trend_months(window, TREND_MONTHS)]


def manager_totals(conn: Connection, kpi: str, window: Window, settings: dict, scope: Scope) -> list[tuple[int, int]]:
    """(denominator, numerator) of manager KPI `kpi` (a MANAGER_KPIS key) in each overview window:
    one read for all of them (totals_by_window)."""
    return MANAGER_KPIS[kpi](conn, overview_windows(window), settings, scope)


def calls_and_lead_times(conn: Connection, window: Window, settings: dict, scope: Scope) -> dict:
    """Median expert response and lead-time means in each overview window (window by window:
    medians and means do not add up), plus the window's strata, its like-for-like estimate
    without the interval, and the case counts its cards rest on."""
    values = {column: [] for column in CALL_AND_LEAD_COLUMNS}
    values["strata"] = lead_time.stratum_counts(conn, window, settings, scope)
    values["adjusted"] = lead_time.adjusted_of(values["strata"], interval=False)
    for each in overview_windows(window):
        lead = lead_time.summary(conn, each, settings, scope)
        calls = experts.call_stats(conn, each, settings, scope)
        for column, value in zip(
            CALL_AND_LEAD_COLUMNS,
            (calls.median_response_minutes, lead.resident.mean_days, lead.other.mean_days, lead.reduction_days),
        ):
            values[column].append(value)
        if "cases" not in values:  # the window's own
            values["cases"] = {
                "calls": calls.count,
                "answered": calls.answered,
                "resident": lead.resident.count,
                "other": lead.other.count,
            }
    return values


def attendance_screen_kpis(
    conn: Connection, window: Window, settings: dict, scope: Scope, matrix: pd.DataFrame | None = None
) -> dict:
    """The attendance screen's KPI results, keyed like the report's sections. With `matrix` (the
    screen's weekly_matrix), attendance is counted from it instead of read again."""
    if matrix is not None:
        by_manager = attendance.by_manager_in(matrix)
        due, compliant = int(by_manager["due"].sum()), int(by_manager["compliant"].sum())
        compliance = attendance.AttendanceResult(due, compliant, rate(compliant, due), by_manager)
    else:
        compliance = attendance.compliance(conn, window, settings, scope)
    return {
        "attendance": compliance,
        "log_completeness": logs.completeness(conn, window, settings, scope),
        "problem_closure": logs.problem_closure(conn, window, settings, scope),
        "monthly_plans": plans.summary(conn, window, settings, scope),
        "training": training.compliance(conn, window, settings, scope),
    }


# --- Reads side by side on several connections of `engine` (metrics.sql) -----------------------


def experts_head(engine: Engine, window: Window, settings: dict, scope: Scope) -> dict:
    """The top of the experts screen: calls and calls_before (call_stats of the window and of the
    one before it: the cards) and by_specialty (calls_by_specialty)."""
    return named_side_by_side(
        engine,
        {
            "calls": lambda conn: experts.call_stats(conn, window, settings, scope),
            "calls_before": lambda conn: experts.call_stats(conn, window.previous(), settings, scope),
            "by_specialty": lambda conn: experts.calls_by_specialty(conn, window, settings, scope),
        },
    )


def expert_details(engine: Engine, window: Window, scope: Scope) -> dict:
    """The lower part of the experts screen: by_expert, open_calls (at the window's end),
    never_called and response_minutes (every answered call's)."""
    return named_side_by_side(
        engine,
        {  # the longest first
            "by_expert": lambda conn: experts.by_expert(conn, window, scope),
            "open_calls": lambda conn: experts.open_calls(conn, window.end, scope),
            "never_called": lambda conn: experts.never_called(conn, window, scope),
            "response_minutes": lambda conn: experts.answered_minutes(conn, window, scope),
        },
    )


def segment_table(engine: Engine, as_of, settings: dict, scope: Scope, by: str, towns: list[str]) -> pd.DataFrame:
    """segments.combination_table by `by`; per town over every customer, the two halves of the
    `towns` are counted side by side and merged."""
    if by != "town" or scope.town is not None or len(towns) < 2:
        with engine.connect() as conn:
            return segments.combination_table(conn, as_of, settings, scope, by)
    middle = towns[len(towns) // 2]
    parts = side_by_side(
        engine,
        [
            lambda conn: segments.combination_table(conn, as_of, settings, scope, by, towns=(None, middle)),
            lambda conn: segments.combination_table(conn, as_of, settings, scope, by, towns=(middle, None)),
        ],
    )
    return segments.merge_parts(parts, by)


def segment_overview(table: pd.DataFrame) -> dict:
    """From the per-town segment_table: counts (segments.counts_of, plus segmented and the covered
    share of them) and overlaps (segments.overlaps_of)."""
    counts = segments.counts_of(table)
    segmented = counts["total"] - counts["none"]
    return {
        "counts": {
            **counts,
            "segmented": segmented,
            "coverage_rate": counts["covered"] / segmented if segmented else None,
        },
        "overlaps": segments.overlaps_of(table),
    }


def lead_time_head(engine: Engine, window: Window, settings: dict, scope: Scope) -> dict:
    """The top of the lead-time screen: strata (stratum_counts) and before (summary of the window
    before), read side by side; from the strata: now (the window's summary), distribution
    (lead_days_counts) and adjusted (the like-for-like reduction without its interval)."""
    head = named_side_by_side(
        engine,
        {
            "strata": lambda conn: lead_time.stratum_counts(conn, window, settings, scope),
            "before": lambda conn: lead_time.summary(conn, window.previous(), settings, scope),
        },
    )
    head["now"] = lead_time.summary_of(head["strata"])
    head["distribution"] = lead_time.lead_days_counts_of(head["strata"])
    head["adjusted"] = lead_time.adjusted_of(head["strata"], interval=False)
    return head


def lead_time_details(engine: Engine, window: Window, settings: dict, scope: Scope, trend_start) -> dict:
    """The lower part of the lead-time screen: the monthly trend from `trend_start`, the stage
    statistics, the stage limits, and the applications over a limit (how many, how many stalled)."""
    over, stages, trend = side_by_side(
        engine,
        [  # the longest first
            lambda conn: lead_time.over_limit_reasons(conn, window, settings, scope),
            lambda conn: lead_time.stage_summary(conn, window, settings, scope),
            lambda conn: lead_time.monthly_trend(conn, Window(trend_start, window.end), settings, scope),
        ],
    )
    return {
        "trend": trend,
        "stages": stages,
        "limits": lead_time.stage_limit_table(settings),
        "over_limit_applications": over["app_no"].nunique(),
        "stalled_applications": int((over["state"] == "stalled").sum()),
        "over_limit": over,
    }


def needs_findings(engine: Engine, window: Window, settings: dict, scope: Scope) -> dict:
    """Each needs rule's findings (the report's keys), the rules read side by side."""
    (capacity, charge), surge, trading = side_by_side(
        engine,
        [  # the longest first
            lambda conn: needs.demand_findings(conn, window, settings, scope),
            lambda conn: needs.surge(conn, window, settings, scope),
            lambda conn: needs.direct_trading(conn, settings, scope, as_of=window.end),
        ],
    )
    return {"capacity_increase": capacity, "basic_charge_adjustment": charge, "direct_trading": trading, "surge": surge}
