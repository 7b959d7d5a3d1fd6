"""需求筛查 / Needs screening: capacity increase, basic-charge adjustment, direct trading, surge.

Each rule has a tab with one row per finding: the rule in words and the numbers that
raised it. Every number comes from metrics.needs through the cached loaders in ui.data;
the card counts match `manage.py kpis` (section "needs") when no town or team is chosen.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui import data, state
from ui.components import (
    MISSING,
    data_table,
    definition,
    fmt_large,
    fmt_number,
    fmt_rate,
    kpi_card,
    large_axis,
    plotly,
)
from ui.filters import screen_filters, window_caption
from ui.needs_text import finding_text
from ui.strings import language, t
from ui.theme import SERIES_COLORS
from ui.value_cards import conversion_cards

PROJECTION_ROWS = 10  # rows of a table on the wall screen (1920×1080 without scrolling)
SAVING_CHART_ROWS = 15
# Report key -> definition (KPI) key, card label key.
RULE_KPIS = {
    "capacity_increase": "needs_capacity_increase",
    "basic_charge_adjustment": "needs_basic_charge",
    "direct_trading": "needs_direct_trading",
    "surge": "needs_surge",
}
COLUMNS = {
    "capacity_increase": [
        "account_no",
        "name",
        "rule",
        "capacity_kva",
        "peak_month",
        "peak_demand_kw",
        "peak_ratio",
        "over_months",
        "last3_min_ratio",
    ],
    "basic_charge_adjustment": [
        "account_no",
        "name",
        "rule",
        "capacity_kva",
        "billing_mode",
        "suggested_mode",
        "months",
        "cost_by_capacity",
        "cost_by_demand",
        "current_cost",
        "saving",
        "saving_share",
        "annual_saving",
    ],
    "direct_trading": ["account_no", "name", "rule", "voltage_kv", "annual_kwh", "market_status"],
    "surge": ["account_no", "name", "rule", "month", "kwh", "prior_mean_kwh", "ratio"],
}
PERCENT = ("peak_ratio", "last3_min_ratio", "saving_share")
MONTHS = ("peak_month", "month")
CODES = ("billing_mode", "suggested_mode", "market_status")

filters = screen_filters()
window, scope = filters.window, filters.scope
st.title(t("nav_needs"))
window_caption(filters)
st.caption(t("nd_caption"))

findings = data.needs_findings(window, scope)
customers = data.needs_customers(findings)
charges = findings["basic_charge_adjustment"]
yearly_saving = float(charges["annual_saving"].sum())


# --- Pieces ------------------------------------------------------------------------------------


def wall_text(frame: pd.DataFrame, percent: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows as text for st.table on the wall screen (st.table has no column formats)."""

    def cell(value, as_percent: bool) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return MISSING
        if as_percent:
            return fmt_rate(float(value))
        if isinstance(value, (bool, np.bool_)):
            return "✓" if value else ""
        if isinstance(value, numbers.Integral):
            return f"{value:,}"
        if isinstance(value, numbers.Real):
            return f"{value:,.1f}"
        return str(value)

    return pd.DataFrame({column: [cell(v, column in percent) for v in frame[column]] for column in frame.columns})


def table(
    frame: pd.DataFrame, name: str, key: str, column_config: dict | None = None, percent: tuple[str, ...] = ()
) -> None:
    """A table with downloads; on the wall screen a plain large-type table of the first rows.
    percent: columns holding fractions, shown as percentages."""
    if state.projection():
        st.table(wall_text(frame.head(PROJECTION_ROWS), percent), hide_index=True)
        if len(frame) > PROJECTION_ROWS:
            st.caption(t("nd_first_rows", shown=PROJECTION_ROWS, rows=len(frame)))
        return
    data_table(frame, name, key, column_config=column_config, percent=percent)


def yuan_short(value: float) -> str:
    """A sum for a card: 万元 / 亿元 in Chinese, K / M yuan in English, when that large."""
    return t("nd_yuan", value=fmt_large(value))


def findings_table(rule: str) -> pd.DataFrame:
    """The rule's findings as shown: the rule text in the current language, months as YYYY-MM, codes in words."""
    frame = findings[rule]
    lang = language()
    shown = frame.assign(rule=[finding_text(finding, lang) for finding in frame["finding"]])
    for column in MONTHS:
        if column in shown:
            shown[column] = [None if pd.isna(month) else f"{month:%Y-%m}" for month in shown[column]]
    for column in CODES:
        if column in shown:
            names = {code: t(f"nd_{column}_{code}") for code in shown[column].dropna().unique()}  # t() once per code
            shown[column] = shown[column].map(names).fillna("")
    return shown[COLUMNS[rule]]


def column_config(columns: list[str]) -> dict:
    number = st.column_config.NumberColumn
    config = {}
    for column in columns:
        label = t("nd_col_" + column)
        if column == "ratio":
            config[label] = number(format="%.2f×")
        elif column in (
            "kwh",
            "prior_mean_kwh",
            "annual_kwh",
            "capacity_kva",
            "peak_demand_kw",
            "cost_by_capacity",
            "cost_by_demand",
            "current_cost",
            "saving",
            "annual_saving",
        ):
            config[label] = number(format="localized")
        elif column == "rule":
            config[label] = st.column_config.TextColumn(width="large")
    return config


def rule_tab(rule: str) -> None:
    frame = findings[rule]
    if frame.empty:
        st.success(t("nd_none", rule=t("kpi_" + RULE_KPIS[rule])))
        return
    st.caption(t("nd_rows_caption", customers=fmt_number(customers[rule]), rows=fmt_number(len(frame))))
    shown = findings_table(rule)
    table(
        shown.rename(columns=lambda c: t("nd_col_" + c)),
        t("kpi_" + RULE_KPIS[rule]),
        f"nd_{rule}",
        column_config(list(shown.columns)),
        percent=tuple(t("nd_col_" + c) for c in PERCENT if c in shown),
    )


# --- KPI cards -----------------------------------------------------------------------------------

row = st.columns(5)
for column, rule in zip((row[0], row[1], row[3], row[4]), RULE_KPIS):
    kpi = RULE_KPIS[rule]
    shown = {kpi: customers[rule], **({"needs_surge_months": len(findings[rule])} if rule == "surge" else {})}
    kpi_card(
        kpi,
        t("kpi_" + kpi),
        fmt_number(customers[rule]),
        container=column,
        figures=shown,
        date=window.end,
        basis=t("nd_months", months=fmt_number(len(findings[rule]))) if rule == "surge" else None,
    )
    definition(kpi, container=column)
kpi_card(
    "needs_basic_charge",
    t("nd_yearly_saving"),
    yuan_short(yearly_saving),
    container=row[2],
    basis=t(
        "nd_yearly_saving_caption",
        customers=fmt_number(customers["basic_charge_adjustment"]),
        yuan=f"{yearly_saving:,.0f}",
    ),
    figures={"needs_yearly_saving": round(yearly_saving, 2)},
)


# --- One tab per rule ----------------------------------------------------------------------------

tabs = st.tabs([f"{t('kpi_' + RULE_KPIS[rule])} ({customers[rule]:,})" for rule in RULE_KPIS])
with tabs[0]:
    rule_tab("capacity_increase")
with tabs[1]:
    if not charges.empty and not state.projection():  # the wall screen: the table only, no scrolling
        top = charges.nlargest(SAVING_CHART_ROWS, "annual_saving").iloc[::-1]
        fig = go.Figure(
            go.Bar(
                y=[f"{no} {name}" for no, name in zip(top["account_no"], top["name"])],
                x=top["annual_saving"],
                orientation="h",
                marker_color=SERIES_COLORS[0],
                text=[fmt_large(v) for v in top["annual_saving"]],
                textposition="outside",
                cliponaxis=False,
            )
        )
        fig.update_layout(title=dict(text=t("nd_saving_chart", shown=len(top)), font=dict(size=15)))
        fig.update_xaxes(title=t("nd_saving_axis"), **large_axis(1.15 * float(top["annual_saving"].max())))
        fig.update_yaxes(type="category")
        plotly(fig, height=max(220, 70 + 26 * len(top)), key="nd_saving_chart")
    rule_tab("basic_charge_adjustment")
with tabs[2]:
    rule_tab("direct_trading")
with tabs[3]:
    rule_tab("surge")


# --- Follow-up: the needs cases of the window ----------------------------------------------------

if not state.projection():  # the wall screen keeps to the findings (1920×1080 without scrolling)
    st.subheader(t("cs_follow_up"))
    st.caption(t("cs_conversion_caption"))
    conversion_cards(window, scope)
    st.page_link("views/cases.py", label=t("cs_go"), icon=":material/task_alt:")
