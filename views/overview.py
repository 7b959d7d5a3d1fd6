"""驾驶舱 / Cockpit: the headline KPIs, their change and status, and monthly trends."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from data_access import clock
from metrics.calendar import rate
from metrics.screens import BEFORE, MANAGER_KPIS, NOW, TREND, overview_windows
from ui import auth, data, state
from ui.components import (
    adjusted_card,
    change,
    definition,
    fmt_days,
    fmt_delta,
    fmt_minutes,
    fmt_number,
    fmt_pp,
    fmt_rate,
    interval_caption,
    kpi_card,
    plotly,
    reference_marks,
    trend_chart,
)
from ui.filters import screen_filters, window_caption
from ui.reminders import calendar_reminder
from ui.strings import t
from ui.targets import LEAD_TIME_REDUCTION_TARGET_DAYS, TARGETS, specialty_status, status
from ui.theme import STATUS_COLORS
from ui.value_cards import value_cards

filters = screen_filters()
window, scope = filters.window, filters.scope
st.title(t("ov_title"))
window_caption(filters)
st.caption(t("ov_caption"))
if auth.current_role() == "office" and not state.projection():
    calendar_reminder(data.calendar_years_to_load(clock.today()), link=True)
months = overview_windows(window)[TREND]
trend = pd.DataFrame({"month": [month.start for month in months]})

# The layout first; then each KPI fills its card and its trend chart as soon as it is read, the
# manager KPIs (one read each for all the windows) before the expert calls and lead times, so the
# first chart leaves early instead of after every number of the screen.
cards, more_cards = st.columns(4), st.columns(4)
st.subheader(t("ov_trends"))
st.caption(t("ov_trend_caption", months=len(months)))
charts = st.columns(3)
more_charts = None if state.projection() else st.columns(3)


def spark(values: list, scale: float = 1.0) -> list[float]:
    """The card's sparkline: the monthly values that exist."""
    return [float(v) * scale for v in values if v is not None and pd.notna(v)]


# The numerator / denominator under each manager KPI's card (ui.strings key and its two fields),
# and the card's figures (metrics.figures): the rate, the denominator, the numerator.
MANAGER_BASIS = {
    "attendance": ("att_count_weeks", "due", "compliant"),
    "log_completeness": ("att_count_days", "posted", "logged"),
    "training": ("att_count_training", "managers", "compliant"),
}
MANAGER_FIGURES = {
    "attendance": ("attendance_rate", "attendance_due", "attendance_compliant"),
    "log_completeness": ("log_completeness_rate", "log_posted_workdays", "log_logged_workdays"),
    "training": ("training_rate", "training_managers", "training_compliant"),
}


def rate_card(container, kpi: str, totals: list[tuple[int, int]]) -> list[float | None]:
    """The card of a manager KPI from its (denominator, numerator) per screen window; returns the rates."""
    values = [rate(part, whole) for whole, part in totals]
    delta = change(values[NOW], values[BEFORE])
    whole, part = totals[NOW]
    key, whole_name, part_name = MANAGER_BASIS[kpi]
    kpi_card(
        kpi,
        t(f"kpi_{kpi}"),
        fmt_rate(values[NOW]),
        delta=delta,
        delta_text=fmt_pp(delta),
        status=status(kpi, values[NOW]),
        chart_data=spark(values[TREND], 100),
        container=container,
        basis=t(key, **{whole_name: fmt_number(whole), part_name: fmt_number(part)}),
        n=whole if values[NOW] is not None else None,
        figures=dict(zip(MANAGER_FIGURES[kpi], (values[NOW], whole, part))),
    )
    definition(kpi, container=container)
    return values


def measure_card(
    container,
    kpi: str,
    label_key: str,
    value: str,
    values: list,
    unit: str,
    *,
    digits: int = 1,
    lower_is_better: bool = False,
    target_key: str | None = None,
    basis: str | None = None,
    n: int | None = None,
    figures: dict | None = None,
) -> None:
    delta = change(values[NOW], values[BEFORE])
    kpi_card(
        kpi,
        t(label_key),
        value,
        delta=delta,
        delta_text=fmt_delta(delta, unit, digits),
        lower_is_better=lower_is_better,
        status=status(target_key, values[NOW]) if target_key else None,
        chart_data=spark(values[TREND]),
        container=container,
        basis=basis,
        n=n if values[NOW] is not None else None,
        figures=figures,
    )
    definition(kpi, target_key=target_key, container=container)


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


# --- Manager KPIs: cards and trends -------------------------------------------------------------

for index, kpi in enumerate(MANAGER_KPIS):
    totals = data.overview_manager_totals(kpi, window, scope)
    values = rate_card(cards[index], kpi, totals)
    trend[f"{kpi}_rate"] = values[TREND]
    if kpi == "attendance":
        with charts[0]:
            if state.projection():  # the wall screen (1920×1080, no scrolling): one trend per pillar
                trend_chart(
                    trend,
                    "month",
                    "attendance_rate",
                    t("kpi_attendance"),
                    percent=True,
                    target=TARGETS["attendance"].green,
                    height=240,
                    key="trend_attendance_rate",
                )
            else:
                trend_chart(
                    trend,
                    "month",
                    "attendance_rate",
                    t("kpi_attendance"),
                    percent=True,
                    target=TARGETS["attendance"].green,
                    key="trend_attendance_rate",
                )
    elif not state.projection():
        with charts[index]:
            trend_chart(
                trend,
                "month",
                f"{kpi}_rate",
                t(f"kpi_{kpi}"),
                percent=True,
                target=TARGETS[kpi].green,
                key=f"trend_{kpi}_rate",
            )

cover = data.expert_coverage()
kpi_card(
    "expert_coverage",
    t("kpi_expert_coverage"),
    t("value_of_total", value=cover.covered, total=len(cover.by_specialty)),
    status=status("expert_coverage", cover.rate),
    container=cards[3],
    figures={"expert_covered_specialties": cover.covered},
)
definition("expert_coverage", container=cards[3])

# --- Expert response and lead time: cards and trends ----------------------------------------------

measures = data.overview_calls_and_lead_times(window, scope)
adjusted, cases, strata = measures.pop("adjusted"), measures.pop("cases"), measures.pop("strata")
interval_later = data.lead_time_interval_later(window, scope, strata)  # the lead-time screen's, shared
for column, values in measures.items():
    trend[column] = values[TREND]
response, resident = measures["expert_median_response_minutes"], measures["lead_resident_mean"]
reduction = measures["lead_reduction"]
measure_card(
    more_cards[0],
    "expert_calls",
    "kpi_expert_response",
    fmt_minutes(response[NOW]),
    response,
    t("unit_minutes"),
    digits=0,
    lower_is_better=True,
    target_key="expert_response",
    basis=t("exp_answered", answered=fmt_number(cases["answered"]), count=fmt_number(cases["calls"])),
    n=cases["answered"],
    figures={
        "expert_median_response": response[NOW],
        "expert_calls_answered": cases["answered"],
        "expert_calls": cases["calls"],
    },
)
lead_counts = t("lt_reduction_basis_short", resident=fmt_number(cases["resident"]), other=fmt_number(cases["other"]))
measure_card(
    more_cards[1],
    "lead_time",
    "kpi_lead_time",
    t("lead_time_pair", resident=days(resident[NOW]), other=days(measures["lead_other_mean"][NOW])),
    resident,
    t("unit_days"),
    lower_is_better=True,
    basis=lead_counts,
    n=min(cases["resident"], cases["other"]),
    figures={
        "lead_resident_mean": resident[NOW],
        "lead_other_mean": measures["lead_other_mean"][NOW],
        "lead_resident_count": cases["resident"],
        "lead_other_count": cases["other"],
    },
)
measure_card(
    more_cards[2],
    "lead_time",
    "kpi_lead_time_reduction",
    fmt_days(reduction[NOW]),
    reduction,
    t("unit_days"),
    target_key="lead_time_reduction",
    basis=lead_counts,
    n=min(cases["resident"], cases["other"]),
    figures={"lead_reduction": reduction[NOW]},
)
interval_slot = adjusted_card(more_cards[3], adjusted)
definition("lead_time_adjusted", container=more_cards[3])

if state.projection():
    with charts[1]:
        trend_chart(
            trend,
            "month",
            "expert_median_response_minutes",
            t("kpi_expert_response"),
            target=TARGETS["expert_response"].green,
            height=240,
            key="trend_response",
            unit=t("unit_minutes"),
        )
    with charts[2]:
        trend_chart(
            trend,
            "month",
            "lead_reduction",
            t("kpi_lead_time_reduction"),
            target=LEAD_TIME_REDUCTION_TARGET_DAYS,
            height=240,
            key="trend_reduction",
            unit=t("unit_days"),
        )
    interval_caption(interval_slot, adjusted, interval_later)  # worked out while the charts were drawn
    st.stop()
with more_charts[0]:
    trend_chart(
        trend,
        "month",
        "expert_median_response_minutes",
        t("kpi_expert_response"),
        target=TARGETS["expert_response"].green,
        key="trend_response",
        unit=t("unit_minutes"),
    )
with more_charts[1]:
    trend_chart(
        trend,
        "month",
        ["lead_resident_mean", "lead_other_mean"],
        t("kpi_lead_time"),
        names={"lead_resident_mean": t("resident_served"), "lead_other_mean": t("other_served")},
        key="trend_lead_time",
        unit=t("unit_days"),
    )
with more_charts[2]:
    trend_chart(
        trend,
        "month",
        "lead_reduction",
        t("kpi_lead_time_reduction"),
        target=LEAD_TIME_REDUCTION_TARGET_DAYS,
        key="trend_reduction",
        unit=t("unit_days"),
    )

by_specialty = cover.by_specialty
minimum = data.settings()["min_experts_per_specialty"]
fig = go.Figure(
    go.Bar(
        x=[t(f"spec_{code}") for code in by_specialty],
        y=list(by_specialty.values()),
        marker_color=[STATUS_COLORS[specialty_status(count, minimum)] for count in by_specialty.values()],
        text=list(by_specialty.values()),
        textposition="inside",
    ),
    layout=dict(
        title=dict(text=t("ov_coverage_chart"), font=dict(size=15)),
        yaxis=dict(
            title=t("exp_active_experts"),
            rangemode="tozero",
            tick0=0,
            dtick=max(1, int(max(by_specialty.values(), default=0)) // 5),
        ),
        **reference_marks(
            y=minimum,
            dash="dash",
            color=STATUS_COLORS["amber"],
            text=t("exp_min_line", minimum=f"{minimum:g}"),
            position="top right",
        ),
    ),
)
plotly(fig, height=260, key="coverage_by_specialty")
interval_caption(interval_slot, adjusted, interval_later)  # worked out while the charts were drawn


# --- Value delivered (the value screen's four figures, small) -------------------------------------

if not state.projection():  # the wall screen: the value screen has them large
    st.subheader(t("vl_overview"))
    value_cards(window, scope, st.columns(4))
