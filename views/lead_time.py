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

from metrics import lead_time
from metrics.figures import figure_name
from metrics.lead_time import STAGES
from ui import data, state
from ui.components import (
    adjusted_card,
    change,
    data_table,
    definition,
    fmt_days,
    fmt_delta,
    fmt_number,
    interval_caption,
    judged,
    kpi_card,
    layout_marks,
    plotly,
    reference_marks,
    small_sample,
    translate_codes,
)
from ui.filters import screen_filters, window_caption
from ui.strings import language, t
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


def days_card(
    container, label: str, value: float | None, previous: float | None, basis: str, n: int, figures: dict
) -> None:
    """A lead-days card (lower is better) with its change against the previous window and its n."""
    delta = change(value, previous)
    kpi_card(
        "lead_time",
        label,
        fmt_days(value),
        delta=delta,
        delta_text=fmt_delta(delta, t("unit_days")),
        lower_is_better=True,
        basis=basis,
        n=n if value is not None else None,
        container=container,
        figures=figures,
    )


def group_name(group: str) -> str:
    return t("resident_served") if group == "resident" else t("other_served")


def stage_name(stage: str) -> str:
    return t("lt_stage_" + stage)


def limit_marker(colour: str) -> dict:
    """A short horizontal line across a stage's bars marking its limit."""
    return dict(symbol="line-ew-open", size=44, color=colour, line=dict(width=4, color=colour))


def trend_notes(trend: pd.DataFrame, reductions: pd.Series, compared: list[int]) -> list[str]:
    """What the monthly charts leave out or cannot judge, in words: months without an energized
    application in a group (gaps in the lines, no bar), months where the reduction is negative,
    months on too few applications (grey bars)."""
    notes = []
    for group in ("resident", "other"):
        empty = [f"{month:%Y-%m}" for month, count in zip(trend["month"], trend[f"{group}_count"]) if count == 0]
        if empty:
            notes.append(
                t(
                    "lt_gap_note",
                    group=group_name(group),
                    months="、".join(empty) if language() == "zh" else ", ".join(empty),
                )
            )
    if (reductions < 0).any():
        notes.append(t("lt_negative_note"))
    if any(small_sample(n) for n, value in zip(compared, reductions) if not pd.isna(value)):
        notes.append(t("lt_small_months_note", minimum=int(data.settings()["min_sample_size"])))
    return notes


def whole(values: pd.Series) -> pd.Series:
    return values.astype("Float64").round().astype("Int64")


# --- KPI cards -----------------------------------------------------------------------------------


def group_cards(columns) -> None:
    """Mean and median of each group, each with its number of applications."""
    for group, (mean_card, median_card) in zip(("resident", "other"), (columns[0:2], columns[2:4])):
        stats, previous = getattr(now, group), getattr(before, group)
        basis = t("lt_applications", count=fmt_number(stats.count))
        days_card(
            mean_card,
            t(f"lt_{group}_mean"),
            stats.mean_days,
            previous.mean_days,
            basis,
            stats.count,
            {f"lead_{group}_mean": stats.mean_days, f"lead_{group}_count": stats.count},
        )
        days_card(
            median_card,
            t(f"lt_{group}_median"),
            stats.median_days,
            previous.median_days,
            basis,
            stats.count,
            {f"lead_{group}_median": stats.median_days},
        )


def reduction_card(container) -> None:
    """The raw reduction against 18 days, resting on the smaller group."""
    delta = change(now.reduction_days, before.reduction_days)
    compared = min(now.resident.count, now.other.count)
    kpi_card(
        "lead_time",
        t("kpi_lead_time_reduction"),
        fmt_days(now.reduction_days),
        delta=delta,
        delta_text=fmt_delta(delta, t("unit_days")),
        status=status("lead_time_reduction", now.reduction_days),
        basis=t(
            "lt_reduction_basis",
            resident=fmt_number(now.resident.count),
            other=fmt_number(now.other.count),
            days=f"{LEAD_TIME_REDUCTION_TARGET_DAYS:g}",
        ),
        n=compared if now.reduction_days is not None else None,
        container=container,
        figures={"lead_reduction": now.reduction_days},
    )


adjusted = head["adjusted"]
interval_later = data.lead_time_interval_later(window, scope, head["strata"])
if state.projection():  # the wall screen: one row, no notes
    row = st.columns(6)
    group_cards(row[:4])
    reduction_card(row[4])
    interval_slot = adjusted_card(row[5], adjusted)
else:
    group_cards(st.columns(4))
    left, middle, note = st.columns([1, 1, 2])
    reduction_card(left)
    interval_slot = adjusted_card(middle, adjusted)
    note.caption(
        t(
            "lt_adjusted_note",
            resampled=f"{lead_time.BOOTSTRAP_RESAMPLES:,}",
            minimum=int(data.settings()["min_sample_size"]),
        )
    )
    definition("lead_time", target_key="lead_time_reduction", container=note)
    definition("lead_time_adjusted", container=note)


# --- Distributions -------------------------------------------------------------------------------

st.subheader(t("lt_distribution_title"))
distribution = head["distribution"]
if distribution.empty:
    st.info(t("lt_no_applications"))
else:
    # Applications per number of days, by group: the histogram sums the counts; the box plot
    # needs the values themselves.
    groups = {
        group: distribution.loc[distribution["resident_served"] == (group == "resident")]
        for group in ("resident", "other")
    }
    means = {"resident": now.resident.mean_days, "other": now.other.mean_days}
    left, right = st.columns(2)
    # Each figure is built in one call: cheaper than adding traces and updating the layout piecemeal.
    with left:
        mean_lines = [
            reference_marks(
                x=means[group],
                dash="dash",
                color=GROUP_COLORS[group],
                text=t("lt_mean_line", days=f"{means[group]:.1f}"),
                position="top right" if group == "other" else "top left",
            )
            for group in groups
            if means[group] is not None
        ]
        fig = go.Figure(
            [
                go.Histogram(
                    x=counts["lead_days"],
                    y=counts["applications"],
                    histfunc="sum",
                    name=group_name(group),
                    opacity=0.6,
                    xbins=dict(size=5),
                    histnorm="percent",
                    marker_color=GROUP_COLORS[group],
                )
                for group, counts in groups.items()
            ],
            layout=dict(
                barmode="overlay",
                title=dict(text=t("lt_histogram"), font=dict(size=15)),
                legend=dict(orientation="h", y=-0.25),
                xaxis=dict(title=t("lt_lead_days_axis")),
                yaxis=dict(title=t("lt_share_axis"), ticksuffix="%"),
                **layout_marks(*mean_lines),
            ),
        )
        plotly(fig, height=320, key="lt_histogram")
    with right:
        fig = go.Figure(
            [
                go.Box(
                    y=np.repeat(counts["lead_days"].to_numpy(), counts["applications"].to_numpy()),
                    name=group_name(group),
                    boxmean=True,
                    marker_color=GROUP_COLORS[group],
                )
                for group, counts in groups.items()
            ],
            layout=dict(
                title=dict(text=t("lt_box"), font=dict(size=15)),
                showlegend=False,
                yaxis=dict(title=t("lt_lead_days_axis")),
            ),
        )
        plotly(fig, height=320, key="lt_box")
    if now.reduction_days is not None:
        st.caption(
            t(
                "lt_reduction_note",
                resident=f"{now.resident.mean_days:.1f}",
                other=f"{now.other.mean_days:.1f}",
                days=f"{now.reduction_days:.1f}",
                target=f"{LEAD_TIME_REDUCTION_TARGET_DAYS:g}",
            )
        )


if state.projection():
    interval_caption(interval_slot, adjusted, interval_later)
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
        [
            go.Scatter(
                x=months,
                y=trend[f"{group}_mean"].astype(float),
                mode="lines+markers",
                name=group_name(group),
                line_color=GROUP_COLORS[group],
                connectgaps=False,
                customdata=trend[f"{group}_count"],
                hovertemplate=(
                    "%{x}: %{y:.1f} " + t("unit_days") + " (%{customdata})<extra>" + group_name(group) + "</extra>"
                ),
            )
            for group in ("resident", "other")
        ],
        layout=dict(
            title=dict(text=t("lt_trend_chart"), font=dict(size=15)),
            legend=dict(orientation="h", y=-0.25),
            xaxis=dict(type="category"),
            yaxis=dict(title=t("lt_lead_days_axis"), rangemode="tozero"),
        ),
    )
    plotly(fig, height=320, key="lt_trend")
with right:
    reductions = trend["reduction"].astype(float)
    compared = [min(r, o) for r, o in zip(trend["resident_count"], trend["other_count"])]
    colours = [
        STATUS_COLORS[judged(status("lead_time_reduction", None if pd.isna(v) else v), n)]
        for v, n in zip(reductions, compared)
    ]
    amber = TARGETS["lead_time_reduction"].amber
    lines = layout_marks(
        reference_marks(
            y=LEAD_TIME_REDUCTION_TARGET_DAYS,
            dash="dash",
            color=STATUS_COLORS["green"],
            text=t("target_line", value=f"{LEAD_TIME_REDUCTION_TARGET_DAYS:g} {t('unit_days')}"),
            position="top left",
        ),
        reference_marks(
            y=amber,
            dash="dot",
            color=STATUS_COLORS["amber"],
            text=t("watch_line", value=f"{amber:g} {t('unit_days')}"),
            position="top right",
        ),
    )
    fig = go.Figure(
        go.Bar(
            x=months,
            y=reductions,
            marker_color=colours,
            name=t("kpi_lead_time_reduction"),
            text=[None if pd.isna(v) else f"{v:.1f}" for v in reductions],
            textposition="outside",
            cliponaxis=False,
            customdata=np.column_stack([trend["resident_count"], trend["other_count"]]),
            hovertemplate=("%{x}: %{y:.1f} " + t("unit_days") + "<br>" + t("lt_month_counts") + "<extra></extra>"),
        ),
        layout=dict(
            title=dict(text=t("lt_reduction_chart"), font=dict(size=15)),
            xaxis=dict(type="category"),
            yaxis=dict(title=t("lt_reduction_axis")),
            showlegend=False,
            **lines,
        ),
    )
    plotly(fig, height=320, key="lt_reduction")
for line in trend_notes(trend, reductions, compared):
    st.caption(line)


# --- Stages against State Grid's limits ---------------------------------------------------------

st.subheader(t("lt_stages_title"))
row = st.columns(3)
kpi_card(
    "lead_time_over_limit",
    figure_name("lead_over_limit", language()),
    fmt_number(details["over_limit_applications"]),
    container=row[0],
    figures={"lead_over_limit": details["over_limit_applications"]},
)
kpi_card(
    "lead_time_over_limit",
    figure_name("lead_stalled", language(), date=window.end),
    fmt_number(details["stalled_applications"]),
    container=row[1],
    figures={"lead_stalled": details["stalled_applications"]},
    date=window.end,
)
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
        bars.append(
            go.Bar(
                x=names,
                y=rows["mean_workdays"].astype(float),
                name=group_name(group),
                marker_color=GROUP_COLORS[group],
                customdata=rows["count"],
                hovertemplate="%{x}: %{y:.1f} (%{customdata})<extra>" + group_name(group) + "</extra>",
            )
        )
    single, dual_limit = limits.loc[list(STAGES), "limit_single"], limits.loc[list(STAGES), "limit_dual"]
    dual = dual_limit != single
    fig = go.Figure(
        [
            *bars,
            go.Scatter(x=names, y=single, mode="markers", name=t("lt_limit_single"), marker=limit_marker(LIMIT_COLOR)),
            go.Scatter(
                x=[n for n, d in zip(names, dual) if d],
                y=dual_limit[dual],
                mode="markers",
                name=t("lt_limit_dual"),
                marker=limit_marker(DUAL_LIMIT_COLOR),
            ),
        ],
        layout=dict(
            barmode="group",
            title=dict(text=t("lt_stages_chart"), font=dict(size=15)),
            legend=dict(orientation="h", y=-0.25),
            xaxis=dict(type="category"),
            yaxis=dict(title=t("lt_workdays_axis"), rangemode="tozero"),
        ),
    )
    plotly(fig, height=360, key="lt_stages")
    st.caption(t("lt_stages_caption"))
    listed = stages.merge(limits.reset_index(), on="stage")
    listed = listed.assign(
        stage=listed["stage"].map(stage_name),
        group=listed["group"].map(group_name),
        limit=[f"{s:g}" if s == d else f"{s:g} / {d:g}" for s, d in zip(listed["limit_single"], listed["limit_dual"])],
        checked=listed["checked"].map({True: t("lt_checked_yes"), False: t("lt_checked_no")}),
    )[["stage", "group", "count", "mean_workdays", "median_workdays", "mean_days", "limit", "over_limit", "checked"]]
    data_table(listed.rename(columns=lambda c: t("lt_col_" + c)), t("lt_stages_title"), "lt_stages_table")


# --- Over-limit and stalled applications -------------------------------------------------------------

st.subheader(t("lt_over_title"))
over = details["over_limit"]
if over.empty:
    st.success(t("lt_over_none"))
else:
    st.caption(
        t(
            "lt_over_caption",
            applications=fmt_number(details["over_limit_applications"]),
            rows=fmt_number(len(over)),
            as_of=window.end,
        )
    )
    listed = over.assign(
        state=translate_codes(over["state"], "lt_state_"),
        stage=translate_codes(over["stage"], "lt_stage_"),
        workdays=whole(over["workdays"]),
        limit=whole(over["limit"]),
        resident_served=over["resident_served"].map({True: t("resident_served"), False: t("other_served")}),
        supply=translate_codes(over["supply"], "lt_supply_"),
    )[
        [
            "state",
            "stage",
            "workdays",
            "limit",
            "app_no",
            "account_no",
            "name",
            "resident_served",
            "supply",
            "applied_on",
            "energized_on",
        ]
    ]
    data_table(listed.rename(columns=lambda c: t("lt_col_" + c)), t("lt_over_title"), "lt_over_table")
interval_caption(interval_slot, adjusted, interval_later)  # worked out in the background meanwhile
