"""专家智库 / Expert pool: coverage per specialty, calls, on-site vs remote, response times, open calls.

Every number comes from metrics.experts through the cached loaders in ui.data;
this script only lays them out. The cards match `manage.py kpis` for the same
window when no town or team is chosen (coverage is never scoped: the pool
serves everyone).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics.figures import figure_name
from ui import data, state
from ui.components import (
    change,
    data_table,
    definition,
    fmt_delta,
    fmt_minutes,
    fmt_number,
    kpi_card,
    layout_marks,
    plotly,
    reference_marks,
    show_figures,
    translate_codes,
)
from ui.filters import screen_filters, window_caption
from ui.strings import language, t
from ui.targets import TARGETS, specialty_status, status
from ui.theme import SERIES_COLORS, STATUS_COLORS

TOP_EXPERTS = 20  # bars in the calls-per-expert chart
WALL_CHART_HEIGHT = 240  # coverage and calls charts on the wall screen (1920×1080 without scrolling)

filters = screen_filters()
window, scope = filters.window, filters.scope
st.title(t("nav_experts"))
window_caption(filters)
st.caption(t("exp_caption"))

# The wall screen (1920×1080, no scrolling) ends with the cards, coverage and calls; the lower
# part is read in the background meanwhile.
details_later = None if state.projection() else data.expert_details_later(window, scope)
coverage = data.expert_coverage()
head = data.experts_head(window, scope)
calls, calls_before = head["calls"], head["calls_before"]
minimum = data.settings()["min_experts_per_specialty"]


def whole_numbers(top: float) -> dict:
    """Axis ticks on whole numbers (counts), about five of them."""
    return dict(tick0=0, dtick=max(1, int(top) // 5), rangemode="tozero")


def specialty_names(codes: pd.Series) -> pd.Series:
    return translate_codes(codes, "spec_")


# --- KPI cards -----------------------------------------------------------------------------------

row = st.columns(3)
thin = [code for code, count in coverage.by_specialty.items() if count < minimum]
kpi_card(
    "expert_coverage",
    t("kpi_expert_coverage"),
    t("value_of_total", value=coverage.covered, total=len(coverage.by_specialty)),
    status=status("expert_coverage", coverage.rate),
    basis=t("exp_thin", specialties=t("exp_list_sep").join(t("spec_" + c) for c in thin))
    if thin
    else t("exp_thin_none"),
    container=row[0],
    figures={"expert_covered_specialties": coverage.covered, "thin_specialties": len(thin)},
)
definition("expert_coverage", container=row[0])

delta = change(calls.count, calls_before.count)
kpi_card(
    "expert_calls",
    t("kpi_expert_calls"),
    fmt_number(calls.count),
    delta=delta,
    delta_text=fmt_delta(delta, digits=0),
    basis=t("exp_closed", closed=calls.closed, count=calls.count),
    container=row[1],
    figures={"expert_calls": calls.count, "expert_calls_closed": calls.closed},
)
definition("expert_calls", container=row[1])

response = calls.median_response_minutes
delta = change(response, calls_before.median_response_minutes)
kpi_card(
    "expert_calls",
    t("kpi_expert_response"),
    fmt_minutes(response),
    delta=delta,
    delta_text=fmt_delta(delta, t("unit_minutes"), 0),
    lower_is_better=True,
    status=status("expert_response", response),
    basis=t("exp_answered", answered=calls.answered, count=calls.count),
    n=calls.answered if response is not None else None,
    container=row[2],
    figures={"expert_median_response": response, "expert_calls_answered": calls.answered},
)
definition("expert_calls", target_key="expert_response", container=row[2])


# --- Coverage per specialty ----------------------------------------------------------------------

st.subheader(t("exp_coverage_title"))
codes = list(coverage.by_specialty)
counts = list(coverage.by_specialty.values())
# Each figure is built in one call: cheaper than adding traces and updating the layout piecemeal.
fig = go.Figure(
    go.Bar(
        x=[t("spec_" + code) for code in codes],
        y=counts,
        text=counts,
        textposition="inside",
        marker_color=[STATUS_COLORS[specialty_status(count, minimum)] for count in counts],
        hovertext=[
            t("exp_coverage_hover", specialty=t("spec_" + c), count=n, minimum=f"{minimum:g}")
            for c, n in zip(codes, counts)
        ],
        hoverinfo="text",
    ),
    layout=dict(
        yaxis=dict(title=t("exp_active_experts"), **whole_numbers(max(counts + [minimum]))),
        **reference_marks(
            y=minimum,
            dash="dash",
            color=STATUS_COLORS["amber"],
            text=t("exp_min_line", minimum=f"{minimum:g}"),
            position="top right",
        ),
    ),
)
plotly(fig, height=WALL_CHART_HEIGHT if state.projection() else 300, key="exp_coverage")


# --- Calls per specialty, on site vs remote --------------------------------------------------

st.subheader(t("exp_calls_title"))
by_specialty = head["by_specialty"]
if calls.count == 0:
    st.info(t("exp_no_calls"))
else:
    left, right = st.columns([3, 2])
    with left:
        names = specialty_names(by_specialty["specialty"])
        fig = go.Figure(
            [
                go.Bar(x=names, y=by_specialty[mode], name=t("exp_mode_" + mode), marker_color=colour)
                for mode, colour in (("onsite", SERIES_COLORS[0]), ("remote", SERIES_COLORS[1]))
            ],
            layout=dict(
                barmode="stack",
                title=dict(text=t("exp_by_specialty_chart"), font=dict(size=15)),
                legend=dict(orientation="h", y=-0.3, traceorder="normal"),
                yaxis=dict(title=t("exp_calls_axis"), **whole_numbers(by_specialty["calls"].max())),
            ),
        )
        plotly(fig, height=WALL_CHART_HEIGHT if state.projection() else 320, key="exp_by_specialty")
    with right:
        split = [int(by_specialty["onsite"].sum()), int(by_specialty["remote"].sum())]
        fig = go.Figure(
            go.Pie(
                labels=[t("exp_mode_onsite"), t("exp_mode_remote")],
                values=split,
                hole=0.5,
                marker=dict(colors=SERIES_COLORS[:2]),
                sort=False,
            ),
            layout=dict(title=dict(text=t("exp_mode_chart"), font=dict(size=15)), legend=dict(orientation="h", y=-0.1)),
        )
        plotly(fig, height=WALL_CHART_HEIGHT if state.projection() else 320, key="exp_mode_split")
    if not state.projection():
        specialty_table = by_specialty.assign(specialty=specialty_names(by_specialty["specialty"]))
        data_table(
            specialty_table,
            t("exp_by_specialty_chart"),
            "exp_by_specialty_table",
            headers="exp_col_",
            decimals=["hours"],
        )
if state.projection():
    st.stop()


# --- Calls per expert ------------------------------------------------------------------------

st.subheader(t("exp_by_expert_title"))
details = details_later()
by_expert = details["by_expert"]
if by_expert.empty:
    st.info(t("exp_no_calls"))
else:
    top = by_expert.sort_values(["calls", "expert_no"], ascending=[False, True]).head(TOP_EXPERTS)
    labels = [f"{no} {name}" for no, name in zip(top["expert_no"].astype(str), top["name"])]
    fig = go.Figure(
        go.Bar(
            x=top["calls"],
            y=labels,
            orientation="h",
            marker_color=SERIES_COLORS[0],
            text=top["calls"],
            textposition="outside",
            hovertext=[
                t("exp_expert_hover", expert=label, specialty=t("spec_" + s), calls=c, hours=f"{h:.1f}")
                for label, s, c, h in zip(labels, top["specialty"], top["calls"], top["hours"])
            ],
            hoverinfo="text",
        ),
        layout=dict(
            yaxis=dict(type="category", autorange="reversed"),
            xaxis=dict(title=t("exp_calls_axis"), **whole_numbers(top["calls"].max())),
        ),
    )
    if len(by_expert) > TOP_EXPERTS:
        st.caption(t("exp_top_experts", shown=TOP_EXPERTS, experts=len(by_expert)))
    row_height = 34 if state.projection() else 26
    plotly(fig, height=max(200, 60 + row_height * len(top)), key="exp_by_expert")
    expert_table = by_expert.assign(specialty=specialty_names(by_expert["specialty"]))
    data_table(expert_table, t("exp_by_expert_title"), "exp_by_expert_table", headers="exp_col_", decimals=["hours"])


# --- Response times ------------------------------------------------------------------------------

st.subheader(t("exp_response_title"))
responses = details["response_minutes"]
if responses.empty:
    st.info(t("exp_no_responses"))
else:
    lines = layout_marks(
        reference_marks(
            x=response,
            dash="dash",
            color=SERIES_COLORS[2],
            text=t("exp_median_line", minutes=f"{response:,.0f}"),
            position="top right",
        ),
        reference_marks(
            x=TARGETS["expert_response"].green,
            dash="dot",
            color=STATUS_COLORS["green"],
            text=t("target_line", value=f"{TARGETS['expert_response'].green:g}"),
            position="top left",
        ),
    )
    fig = go.Figure(
        [
            go.Histogram(x=responses, name=t("exp_calls_axis"), marker_color=SERIES_COLORS[1], yaxis="y"),
            go.Box(
                x=responses, name="", marker_color=SERIES_COLORS[1], boxpoints="outliers", yaxis="y2", hoverinfo="x"
            ),
        ],
        layout=dict(
            showlegend=False,
            bargap=0.05,
            yaxis=dict(domain=[0, 0.78], title=t("exp_calls_axis")),
            yaxis2=dict(domain=[0.82, 1], showticklabels=False),
            xaxis=dict(title=t("exp_minutes_axis"), rangemode="tozero"),
            **lines,
        ),
    )
    plotly(fig, height=320, key="exp_response")


# --- Open calls and experts never called --------------------------------------------------------

st.subheader(t("exp_open_title"))
open_calls = details["open_calls"]
st.caption(
    t(
        "exp_open_caption",
        name=figure_name("open_expert_calls", language(), date=window.end),
        count=fmt_number(len(open_calls)),
    )
)
show_figures({"open_expert_calls": len(open_calls)}, window.end)
if open_calls.empty:
    st.success(t("exp_open_none"))
else:
    shown = open_calls.sort_values(["age_days", "call_no"], ascending=[False, True], ignore_index=True)
    shown = shown.assign(
        specialty=specialty_names(shown["specialty"]), mode=translate_codes(shown["mode"], "exp_mode_")
    )
    shown = shown[
        [
            "call_no",
            "age_days",
            "expert_no",
            "expert_name",
            "specialty",
            "mode",
            "employee_no",
            "manager_name",
            "account_no",
            "customer_name",
            "requested_at",
            "responded_at",
        ]
    ]
    data_table(
        shown,
        t("exp_open_title"),
        "exp_open",
        headers="exp_col_",
        blank=["employee_no", "manager_name", "account_no", "customer_name"],
        manager_column="employee_no",
    )

st.subheader(t("exp_never_title"))
never = details["never_called"]
if never.empty:
    st.success(t("exp_never_none"))
else:
    st.caption(t("exp_never_caption", count=len(never)))
    never = never.assign(specialty=specialty_names(never["specialty"]))
    data_table(never, t("exp_never_title"), "exp_never", headers="exp_col_", blank=["phone"])
