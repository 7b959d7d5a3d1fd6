"""驾驶舱 / Cockpit: the headline KPIs, their change and status, and monthly trends."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui import data, state
from ui.components import (
    change, definition, fmt_days, fmt_delta, fmt_minutes, fmt_pp, fmt_rate, kpi_card, plotly, trend_chart,
)
from ui.filters import screen_filters, window_caption
from ui.strings import t
from ui.targets import LEAD_TIME_REDUCTION_TARGET_DAYS, TARGETS, status

filters = screen_filters()
window, scope = filters.window, filters.scope
st.title(t("ov_title"))
window_caption(filters)
st.caption(t("ov_caption"))

now = data.headline(window, scope)
before = data.headline(window.previous(), scope)
trend = data.headline_trend(window, scope)


def spark(column: str, scale: float = 1.0) -> list[float]:
    """The card's sparkline: the monthly values that exist."""
    return [float(v) * scale for v in trend[column] if v is not None and pd.notna(v)]


def rate_card(container, kpi: str, column: str) -> None:
    delta = change(now[column], before[column])
    kpi_card(kpi, t(f"kpi_{kpi}"), fmt_rate(now[column]), delta=delta, delta_text=fmt_pp(delta),
             status=status(kpi, now[column]), chart_data=spark(column, 100), container=container)
    definition(kpi, container=container)


def measure_card(container, kpi: str, label_key: str, value: str, column: str, unit: str, *,
                 digits: int = 1, lower_is_better: bool = False, target_key: str | None = None) -> None:
    delta = change(now[column], before[column])
    kpi_card(kpi, t(label_key), value, delta=delta, delta_text=fmt_delta(delta, unit, digits),
             lower_is_better=lower_is_better, status=status(target_key, now[column]) if target_key else None,
             chart_data=spark(column), container=container)
    definition(kpi, target_key=target_key, container=container)


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


# --- Cards --------------------------------------------------------------------------------------

row = st.columns(4)
rate_card(row[0], "attendance", "attendance_rate")
rate_card(row[1], "log_completeness", "log_completeness_rate")
rate_card(row[2], "training", "training_rate")
kpi_card("expert_coverage", t("kpi_expert_coverage"),
         t("value_of_total", value=now["expert_covered"], total=now["expert_specialties"]),
         status=status("expert_coverage", now["expert_coverage_rate"]), container=row[3])
definition("expert_coverage", container=row[3])

row = st.columns(3)
measure_card(row[0], "expert_calls", "kpi_expert_response", fmt_minutes(now["expert_median_response_minutes"]),
             "expert_median_response_minutes", t("unit_minutes"), digits=0, lower_is_better=True,
             target_key="expert_response")
measure_card(row[1], "lead_time", "kpi_lead_time",
             t("lead_time_pair", resident=days(now["lead_resident_mean"]), other=days(now["lead_other_mean"])),
             "lead_resident_mean", t("unit_days"), lower_is_better=True)
measure_card(row[2], "lead_time", "kpi_lead_time_reduction", fmt_days(now["lead_reduction"]),
             "lead_reduction", t("unit_days"), target_key="lead_time_reduction")

# --- Trends -------------------------------------------------------------------------------------

st.subheader(t("ov_trends"))
st.caption(t("ov_trend_caption", months=len(trend)))
charts = st.columns(3)
if state.projection():
    # The wall screen (1920×1080, no scrolling) has room for one row: one trend per pillar.
    with charts[0]:
        trend_chart(trend, "month", "attendance_rate", t("kpi_attendance"), percent=True,
                    target=TARGETS["attendance"].green, height=260, key="trend_attendance_rate")
    with charts[1]:
        trend_chart(trend, "month", "expert_median_response_minutes", t("kpi_expert_response"),
                    target=TARGETS["expert_response"].green, height=260, key="trend_response")
    with charts[2]:
        trend_chart(trend, "month", "lead_reduction", t("kpi_lead_time_reduction"),
                    target=LEAD_TIME_REDUCTION_TARGET_DAYS, height=260, key="trend_reduction")
    st.stop()
for column, (value_column, label_key, target_key) in zip(charts, [
    ("attendance_rate", "kpi_attendance", "attendance"),
    ("log_completeness_rate", "kpi_log_completeness", "log_completeness"),
    ("training_rate", "kpi_training", "training"),
]):
    with column:
        trend_chart(trend, "month", value_column, t(label_key), percent=True,
                    target=TARGETS[target_key].green, key=f"trend_{value_column}")
charts = st.columns(3)
with charts[0]:
    trend_chart(trend, "month", "expert_median_response_minutes", t("kpi_expert_response"),
                target=TARGETS["expert_response"].green, key="trend_response")
with charts[1]:
    trend_chart(trend, "month", ["lead_resident_mean", "lead_other_mean"], t("kpi_lead_time"),
                names={"lead_resident_mean": t("resident_served"), "lead_other_mean": t("other_served")},
                key="trend_lead_time")
with charts[2]:
    trend_chart(trend, "month", "lead_reduction", t("kpi_lead_time_reduction"),
                target=LEAD_TIME_REDUCTION_TARGET_DAYS, key="trend_reduction")

by_specialty = now["expert_by_specialty"]
fig = go.Figure(go.Bar(x=[t(f"spec_{code}") for code in by_specialty], y=list(by_specialty.values()),
                       marker_color="#0B6E4F"))
fig.add_hline(y=data.settings()["min_experts_per_specialty"], line_dash="dash",
              annotation_text=t("ov_min_experts"), annotation_position="top left")
fig.update_layout(title=dict(text=t("ov_coverage_chart"), font=dict(size=15)))
plotly(fig, height=260, key="coverage_by_specialty")
