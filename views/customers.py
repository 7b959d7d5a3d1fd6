"""客户分层 / Customer segments: counts, overlaps, breakdowns, coverage by resident managers, the list.

Segments are not windowed: they are read on the window's last day, which also
dates the coverage (a manager posted that day) and a team scope. Every number
comes from metrics.segments through the cached loaders in ui.data; the cards
match `manage.py kpis` (section "segments") when no town or team is chosen.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics.segments import LIST_FILTERS, RISK_REASONS, SEGMENTS
from ui import data, state
from ui.components import (
    data_table,
    definition,
    download_buttons,
    fmt_number,
    fmt_rate,
    kpi_card,
    large_axis,
    missing_as_dash,
    plotly,
)
from ui.filters import screen_filters, window_caption
from ui.strings import t
from ui.theme import STATUS_COLORS

BADGES = {"star": "⭐", "potential": "🌱", "risk": "⚠️", "none": "○", "covered": "👤"}
SEGMENT_COLORS = {"star": "#E8A317", "potential": "#0B6E4F", "risk": "#D93025", "none": "#80868B"}
BREAKDOWNS = ("town", "industry", "voltage_kv")
CHART_GROUPS = 20  # bars in the breakdown charts; the tables list every group
LIST_COLUMNS = [
    "account_no",
    "name",
    "segments",
    "risk_reasons",
    "manager",
    "town",
    "industry",
    "voltage_kv",
    "capacity_kva",
    "annual_kwh",
    "star_rating",
]

filters = screen_filters()
window, scope = filters.window, filters.scope
as_of = window.end
st.title(t("nav_customers"))
window_caption(filters)
st.caption(t("cus_caption", as_of=as_of))

overview = data.segment_overview(as_of, scope)
counts = overview["counts"]


# --- Pieces ------------------------------------------------------------------------------------


def badge(segment: str) -> str:
    return f"{BADGES[segment]} {t('cus_seg_' + segment)}"


def share_of_total(count: int) -> str:
    share = fmt_rate(count / counts["total"]) if counts["total"] else "—"
    return t("cus_share_of_total", share=share)


def group_name(value, by: str) -> str:
    if value is None or pd.isna(value):
        return t("cus_blank")
    return f"{value:g} kV" if by == "voltage_kv" else str(value)


def combination_name(row) -> str:
    return " + ".join(badge(segment) for segment in SEGMENTS if row[segment]) or badge("none")


# --- KPI cards -----------------------------------------------------------------------------------

row = st.columns(6)
kpi_card(
    "segments",
    t("cus_total"),
    fmt_number(counts["total"]),
    container=row[0],
    basis=t("cus_segmented", count=fmt_number(counts["segmented"])),
    date=as_of,
    figures={"segments_total": counts["total"], "segments_segmented": counts["segmented"]},
)
for column, segment in zip(row[1:5], (*SEGMENTS, "none")):
    kpi_card(
        "segments",
        badge(segment),
        fmt_number(counts[segment]),
        container=column,
        basis=share_of_total(counts[segment]),
        figures={f"segments_{segment}": counts[segment]},
        date=as_of,
    )
kpi_card(
    "segments_coverage",
    badge("covered"),
    fmt_number(counts["covered"]),
    container=row[5],
    basis=t("cus_coverage_of", rate=fmt_rate(counts["coverage_rate"]), segmented=fmt_number(counts["segmented"])),
    figures={"segments_covered": counts["covered"]},
    date=as_of,
)
left, right = st.columns(2)
definition("segments", container=left)
definition("segments_coverage", container=right)
st.caption(t("cus_overlap_note"))


# --- Overlaps ------------------------------------------------------------------------------------

st.subheader(t("cus_overlaps_title"))
overlaps = overview["overlaps"]
overlaps = overlaps.loc[overlaps["customers"] > 0].assign(
    combination=lambda frame: [combination_name(r) for r in frame.to_dict("records")]
)
if overlaps.empty:
    st.info(t("cus_no_customers"))
else:
    order = overlaps.iloc[::-1]  # largest at the top of a horizontal bar chart
    fig = go.Figure(
        [
            go.Bar(
                y=order["combination"],
                x=order["covered"],
                orientation="h",
                name=t("cus_covered_bar"),
                marker_color=STATUS_COLORS["green"],
            ),
            go.Bar(
                y=order["combination"],
                x=order["customers"] - order["covered"],
                orientation="h",
                name=t("cus_not_covered_bar"),
                marker_color="#9AA0A6",
                # The covered part is often too thin to see next to the whole: say it in words.
                text=[
                    t("cus_overlap_bar_text", customers=fmt_number(n), covered=fmt_number(c), share=fmt_rate(c / n, 0))
                    for n, c in zip(order["customers"], order["covered"])
                ],
                textposition="outside",
                cliponaxis=False,
            ),
        ]
    )
    fig.update_layout(
        barmode="stack",
        title=dict(text=t("cus_overlaps_chart"), font=dict(size=15)),
        legend=dict(orientation="h", y=-0.2),
    )
    top = 1.45 * float(order["customers"].max())
    fig.update_xaxes(title=t("cus_customers_axis"), range=[0, top], **large_axis(top))
    fig.update_yaxes(type="category")
    plotly(fig, height=max(240, 90 + 36 * len(order)), key="cus_overlaps")
if state.projection():
    st.stop()  # the wall screen (1920×1080, no scrolling) ends with the cards and the overlaps
if not overlaps.empty:
    venn = overlaps[["combination", "customers", "covered"]].rename(columns=lambda c: t("cus_col_" + c))
    data_table(venn, t("cus_overlaps_title"), "cus_overlaps_table")


# --- Breakdown by town / industry / voltage ------------------------------------------------------

st.subheader(t("cus_breakdown_title"))
by = st.radio(
    t("cus_breakdown_by"), BREAKDOWNS, format_func=lambda b: t("cus_by_" + b), horizontal=True, key="cus_breakdown_by"
)
breakdown = data.segment_breakdown(as_of, scope, by)
if breakdown.empty:
    st.info(t("cus_no_customers"))
else:
    groups = breakdown.head(CHART_GROUPS)
    names = [group_name(value, by) for value in groups[by]]
    fig = go.Figure(
        [
            go.Bar(x=names, y=groups[segment], name=badge(segment), marker_color=SEGMENT_COLORS[segment])
            for segment in (*SEGMENTS, "none")
        ]
    )
    fig.update_layout(
        barmode="group",
        title=dict(text=t("cus_breakdown_chart", by=t("cus_by_" + by)), font=dict(size=15)),
        legend=dict(orientation="h", y=-0.25),
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(
        title=t("cus_customers_axis"), **large_axis(float(groups[[*SEGMENTS, "none"]].to_numpy().max(initial=0)))
    )
    plotly(fig, height=340, key="cus_breakdown")
    if len(breakdown) > CHART_GROUPS:
        st.caption(t("cus_chart_capped", shown=CHART_GROUPS, groups=len(breakdown)))
    listed = breakdown.assign(**{by: [group_name(value, by) for value in breakdown[by]]})
    listed = listed[[by, "total", *SEGMENTS, "none", "segmented", "covered", "coverage_rate"]]
    data_table(
        listed.rename(columns=lambda c: t("cus_col_" + ("group" if c == by else c))),
        f"{t('cus_breakdown_title')}_{t('cus_by_' + by)}",
        "cus_breakdown_table",
        column_config={
            t("cus_col_coverage_rate"): st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
        },
        percent=(t("cus_col_coverage_rate"),),
    )


# --- Coverage by resident managers, per town -------------------------------------------------------

st.subheader(t("cus_coverage_title"))
towns = data.segment_breakdown(as_of, scope, "town")
towns = towns.loc[towns["segmented"] > 0].sort_values(["segmented", "town"], ascending=[False, True])
if towns.empty:
    st.info(t("cus_no_segment_customers"))
else:
    st.caption(t("cus_coverage_caption", as_of=as_of))
    shown = towns.head(CHART_GROUPS)
    names = [group_name(value, "town") for value in shown["town"]]
    rates = [fmt_rate(rate, 0) for rate in shown["coverage_rate"]]
    fig = go.Figure(
        [
            go.Bar(x=names, y=shown["covered"], name=t("cus_covered_bar"), marker_color=STATUS_COLORS["green"]),
            go.Bar(
                x=names,
                y=shown["segmented"] - shown["covered"],
                name=t("cus_not_covered_bar"),
                marker_color="#9AA0A6",
                text=rates,
                textposition="outside",
                cliponaxis=False,
            ),
        ]
    )
    fig.update_layout(
        barmode="stack",
        title=dict(text=t("cus_coverage_chart"), font=dict(size=15)),
        legend=dict(orientation="h", y=-0.25),
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(title=t("cus_customers_axis"), **large_axis(1.1 * float(shown["segmented"].max())))
    plotly(fig, height=340, key="cus_coverage")
    if len(towns) > CHART_GROUPS:
        st.caption(t("cus_chart_capped", shown=CHART_GROUPS, groups=len(towns)))


# --- The customer list -----------------------------------------------------------------------------


def list_labels() -> dict:
    """The list's translated texts, taken in the script run (a deferred download runs outside it)."""
    return {
        "columns": {column: t("cus_col_" + column) for column in LIST_COLUMNS},
        "badges": {segment: badge(segment) for segment in SEGMENTS},
        "reasons": {reason: t("cus_reason_" + reason) for reason in RISK_REASONS},
    }


def list_table(frame: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """The customer list as shown and downloaded: segment badges in one column, reasons in words."""
    flags = frame[[f"is_{segment}" for segment in SEGMENTS]].to_numpy()
    badges = [" ".join(labels["badges"][s] for s, on in zip(SEGMENTS, row) if on) for row in flags]
    reasons = [
        ("、".join(labels["reasons"][code] for code in codes.split(",") if code) if isinstance(codes, str) else "")
        for codes in frame["risk_reasons"]
    ]
    listed = frame.assign(segments=badges, risk_reasons=reasons, manager=frame["manager"].fillna(""))[LIST_COLUMNS]
    return listed.rename(columns=labels["columns"])


st.subheader(t("cus_list_title"))
pick, find = st.columns([1, 2])
segment = pick.selectbox(
    t("cus_list_segment"),
    ["", *LIST_FILTERS],
    key="cus_segment",
    format_func=lambda s: badge(s) if s else t("filter_all"),
)
search = find.text_input(t("cus_list_search"), key="cus_search", placeholder=t("cus_list_search_hint")).strip()
segment, search = segment or None, search or None
rows = data.CUSTOMER_LIST_ROWS
page = data.customer_page(as_of, scope, segment, search, rows + 1)
labels = list_labels()
shown = list_table(page.head(rows), labels)
known_total = None if search else counts[segment or "total"]
if page.empty:
    st.info(t("cus_list_empty"))
else:
    number = st.column_config.NumberColumn
    listed, config = missing_as_dash(
        shown,
        {
            labels["columns"]["voltage_kv"]: number(format="%g kV"),
            labels["columns"]["capacity_kva"]: number(format="localized"),
            labels["columns"]["annual_kwh"]: number(format="localized"),
        },
    )
    st.dataframe(listed, hide_index=True, width="stretch", column_config=config)
    if len(page) > rows:
        note = (
            t("cus_list_capped", shown=rows, rows=fmt_number(known_total))
            if known_total is not None
            else t("cus_list_capped_search", shown=rows)
        )
    else:
        note = t("tbl_rows", rows=len(page))
    name = t("cus_list_file")

    def all_rows() -> pd.DataFrame:
        return list_table(data.customer_list_all(as_of, scope, segment, search), labels)

    download_buttons(all_rows, name, key="cus_list", note=note)
