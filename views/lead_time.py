"""接电时长 / Connection lead time: resident-served vs other, the reduction against 18 days,
distributions, the monthly trend, stage durations against State Grid's limits, over-limit
and stalled applications.

Every number comes from metrics.lead_time through the cached loaders in ui.data (the lower part,
stages and over-limit, is read in the background while the top is drawn); the cards match
`manage.py kpis` (section "lead_time") when no town or team is chosen.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics.lead_time import STAGES
from ui import data, state
from ui.components import (
    change, definition, fmt_days, fmt_delta, fmt_number, kpi_card, layout_marks, plotly, reference_marks,
    show_table, translate_codes,
)
from ui.filters import screen_filters, window_caption
from ui.strings import t
from ui.targets import LEAD_TIME_REDUCTION_TARGET_DAYS, TARGETS, status
from ui.theme import SERIES_COLORS, STATUS_COLORS

GROUP_COLORS = {"resident": SERIES_COLORS[0], "other": SERIES_COLORS[1]}
LIMIT_COLOR = STATUS_COLORS["red"]
DUAL_LIMIT_COLOR = "#7B1FA2"

filters = screen_filters()
window, scope = filters.window, filters.scope
st.title(t("nav_lead_time"))
window_caption(filters)
st.caption(t("lt_caption"))

# The wall screen (1920×1080, no scrolling) ends with the cards and the distributions.
details_later = None if state.projection() else data.lead_time_details_later(window, scope)
head = data.lead_time_head(window, scope)
now, before = head["now"], head["before"]


# --- Pieces ------------------------------------------------------------------------------------

def table(frame: pd.DataFrame, name: str, key: str, column_config: dict | None = None,
          percent: tuple[str, ...] = ()) -> None:
    """A table with downloads (the wall screen stops before the tables).
    percent: columns holding fractions, shown as percentages."""
    config = {column: st.column_config.NumberColumn(format="percent") for column in percent}
    show_table(frame, name, key=key, column_config={**config, **(column_config or {})})


def days_card(container, label: str, value: float | None, previous: float | None) -> None:
    """A lead-days card (lower is better) with its change against the previous window."""
    delta = change(value, previous)
    kpi_card("lead_time", label, fmt_days(value), delta=delta, delta_text=fmt_delta(delta, t("unit_days")),
             lower_is_better=True, container=container)


def group_name(group: str) -> str:
    return t("resident_served") if group == "resident" else t("other_served")


def stage_name(stage: str) -> str:
    return t("lt_stage_" + stage)


def limit_marker(colour: str) -> dict:
    """A short horizontal line across a stage's bars marking its limit."""
    return dict(symbol="line-ew-open", size=44, color=colour, line=dict(width=4, color=colour))


def whole(values: pd.Series) -> pd.Series:
    return values.astype("Float64").round().astype("Int64")


# --- KPI cards -----------------------------------------------------------------------------------

row = st.columns(5)
days_card(row[0], t("lt_resident_mean"), now.resident.mean_days, before.resident.mean_days)
row[0].caption(t("lt_applications", count=fmt_number(now.resident.count)))
days_card(row[1], t("lt_resident_median"), now.resident.median_days, before.resident.median_days)
days_card(row[2], t("lt_other_mean"), now.other.mean_days, before.other.mean_days)
row[2].caption(t("lt_applications", count=fmt_number(now.other.count)))
days_card(row[3], t("lt_other_median"), now.other.median_days, before.other.median_days)
reduction = now.reduction_days
delta = change(reduction, before.reduction_days)
kpi_card("lead_time", t("kpi_lead_time_reduction"), fmt_days(reduction), delta=delta,
         delta_text=fmt_delta(delta, t("unit_days")), status=status("lead_time_reduction", reduction),
         container=row[4])
row[4].caption(t("lt_target", days=f"{LEAD_TIME_REDUCTION_TARGET_DAYS:g}"))
definition("lead_time", target_key="lead_time_reduction")


# --- Distributions -------------------------------------------------------------------------------

st.subheader(t("lt_distribution_title"))
distribution = head["distribution"]
if distribution.empty:
    st.info(t("lt_no_applications"))
else:
    # Applications per number of days, by group: the histogram sums the counts; the box plot
    # needs the values themselves.
    groups = {group: distribution.loc[distribution["resident_served"] == (group == "resident")]
              for group in ("resident", "other")}
    means = {"resident": now.resident.mean_days, "other": now.other.mean_days}
    left, right = st.columns(2)
    # Each figure is built in one call: cheaper than adding traces and updating the layout piecemeal.
    with left:
        mean_lines = [reference_marks(x=means[group], dash="dash", color=GROUP_COLORS[group],
                                      text=t("lt_mean_line", days=f"{means[group]:.1f}"),
                                      position="top right" if group == "other" else "top left")
                      for group in groups if means[group] is not None]
        fig = go.Figure(
            [go.Histogram(x=counts["lead_days"], y=counts["applications"], histfunc="sum", name=group_name(group),
                          opacity=0.6, xbins=dict(size=5), histnorm="percent", marker_color=GROUP_COLORS[group])
             for group, counts in groups.items()],
            layout=dict(barmode="overlay", title=dict(text=t("lt_histogram"), font=dict(size=15)),
                        legend=dict(orientation="h", y=-0.25), xaxis=dict(title=t("lt_lead_days_axis")),
                        yaxis=dict(title=t("lt_share_axis"), ticksuffix="%"), **layout_marks(*mean_lines)),
        )
        plotly(fig, height=320, key="lt_histogram")
    with right:
        fig = go.Figure(
            [go.Box(y=np.repeat(counts["lead_days"].to_numpy(), counts["applications"].to_numpy()),
                    name=group_name(group), boxmean=True, marker_color=GROUP_COLORS[group])
             for group, counts in groups.items()],
            layout=dict(title=dict(text=t("lt_box"), font=dict(size=15)), showlegend=False,
                        yaxis=dict(title=t("lt_lead_days_axis"))),
        )
        plotly(fig, height=320, key="lt_box")
    if reduction is not None:
        st.caption(t("lt_reduction_note", resident=f"{now.resident.mean_days:.1f}", other=f"{now.other.mean_days:.1f}",
                     days=f"{reduction:.1f}", target=f"{LEAD_TIME_REDUCTION_TARGET_DAYS:g}"))


if state.projection():
    st.stop()


# --- Monthly trend and the reduction against 18 days ----------------------------------------------

st.subheader(t("lt_trend_title"))
details = details_later()
trend = details["trend"]
st.caption(t("lt_trend_caption", start=f"{trend['month'].iloc[0]:%Y-%m}", end=f"{trend['month'].iloc[-1]:%Y-%m}"))
left, right = st.columns(2)
months = [f"{month:%Y-%m}" for month in trend["month"]]
with left:
    fig = go.Figure(
        [go.Scatter(x=months, y=trend[f"{group}_mean"].astype(float), mode="lines+markers", name=group_name(group),
                    line_color=GROUP_COLORS[group], connectgaps=False, customdata=trend[f"{group}_count"],
                    hovertemplate=("%{x}: %{y:.1f} " + t("unit_days") + " (%{customdata})<extra>"
                                   + group_name(group) + "</extra>"))
         for group in ("resident", "other")],
        layout=dict(title=dict(text=t("lt_trend_chart"), font=dict(size=15)), legend=dict(orientation="h", y=-0.25),
                    xaxis=dict(type="category"), yaxis=dict(title=t("lt_lead_days_axis"), rangemode="tozero")),
    )
    plotly(fig, height=320, key="lt_trend")
with right:
    reductions = trend["reduction"].astype(float)
    colours = [STATUS_COLORS[status("lead_time_reduction", None if pd.isna(v) else v)] for v in reductions]
    lines = layout_marks(
        reference_marks(y=LEAD_TIME_REDUCTION_TARGET_DAYS, dash="dash", color=STATUS_COLORS["green"],
                        text=t("target_line", value=f"{LEAD_TIME_REDUCTION_TARGET_DAYS:g} {t('unit_days')}"),
                        position="top left"),
        reference_marks(y=TARGETS["lead_time_reduction"].amber, dash="dot", color=STATUS_COLORS["amber"]),
    )
    fig = go.Figure(
        go.Bar(x=months, y=reductions, marker_color=colours, name=t("kpi_lead_time_reduction"),
               text=[None if pd.isna(v) else f"{v:.1f}" for v in reductions], textposition="outside"),
        layout=dict(title=dict(text=t("lt_reduction_chart"), font=dict(size=15)), xaxis=dict(type="category"),
                    yaxis=dict(title=t("lt_reduction_axis")), **lines),
    )
    plotly(fig, height=320, key="lt_reduction")


# --- Stages against State Grid's limits ---------------------------------------------------------

st.subheader(t("lt_stages_title"))
row = st.columns(3)
kpi_card("lead_time_over_limit", t("lt_over_limit_card"), fmt_number(details["over_limit_applications"]),
         container=row[0])
kpi_card("lead_time_over_limit", t("lt_stalled_card"), fmt_number(details["stalled_applications"]), container=row[1])
definition("lead_time_over_limit", container=row[2])
definition("lead_time_stages", container=row[2])

stages, limits = details["stages"], details["limits"].set_index("stage")
if stages["count"].sum() == 0:
    st.info(t("lt_no_applications" if distribution.empty else "lt_no_stages"))
else:
    names = [stage_name(stage) for stage in STAGES]
    bars = []
    for group in ("resident", "other"):
        rows = stages.loc[stages["group"] == group].set_index("stage").reindex(list(STAGES))
        bars.append(go.Bar(x=names, y=rows["mean_workdays"].astype(float), name=group_name(group),
                           marker_color=GROUP_COLORS[group], customdata=rows["count"],
                           hovertemplate="%{x}: %{y:.1f} (%{customdata})<extra>" + group_name(group) + "</extra>"))
    single, dual_limit = limits.loc[list(STAGES), "limit_single"], limits.loc[list(STAGES), "limit_dual"]
    dual = dual_limit != single
    fig = go.Figure(
        [*bars,
         go.Scatter(x=names, y=single, mode="markers", name=t("lt_limit_single"), marker=limit_marker(LIMIT_COLOR)),
         go.Scatter(x=[n for n, d in zip(names, dual) if d], y=dual_limit[dual], mode="markers",
                    name=t("lt_limit_dual"), marker=limit_marker(DUAL_LIMIT_COLOR))],
        layout=dict(barmode="group", title=dict(text=t("lt_stages_chart"), font=dict(size=15)),
                    legend=dict(orientation="h", y=-0.25), xaxis=dict(type="category"),
                    yaxis=dict(title=t("lt_workdays_axis"), rangemode="tozero")),
    )
    plotly(fig, height=360, key="lt_stages")
    st.caption(t("lt_stages_caption"))
    listed = stages.merge(limits.reset_index(), on="stage")
    listed = listed.assign(
        stage=listed["stage"].map(stage_name), group=listed["group"].map(group_name),
        limit=[f"{s:g}" if s == d else f"{s:g} / {d:g}" for s, d in zip(listed["limit_single"], listed["limit_dual"])],
        checked=listed["checked"].map({True: t("lt_checked_yes"), False: t("lt_checked_no")}),
    )[["stage", "group", "count", "mean_workdays", "median_workdays", "mean_days", "limit", "over_limit", "checked"]]
    table(listed.rename(columns=lambda c: t("lt_col_" + c)), t("lt_stages_title"), "lt_stages_table")


# --- Over-limit and stalled applications -------------------------------------------------------------

st.subheader(t("lt_over_title"))
over = details["over_limit"]
if over.empty:
    st.success(t("lt_over_none"))
else:
    st.caption(t("lt_over_caption", applications=fmt_number(details["over_limit_applications"]),
                 rows=fmt_number(len(over)), as_of=window.end))
    listed = over.assign(
        state=translate_codes(over["state"], "lt_state_"), stage=translate_codes(over["stage"], "lt_stage_"),
        workdays=whole(over["workdays"]), limit=whole(over["limit"]),
        resident_served=over["resident_served"].map({True: t("resident_served"), False: t("other_served")}),
        supply=translate_codes(over["supply"], "lt_supply_"),
    )[["state", "stage", "workdays", "limit", "app_no", "account_no", "name", "resident_served", "supply",
       "applied_on", "energized_on"]]
    table(listed.rename(columns=lambda c: t("lt_col_" + c)), t("lt_over_title"), "lt_over_table")
