"""参数设置 / Settings (office): KPI thresholds and prices.

Settings are checked against data_access.settings.SETTING_SPECS (range,
whole numbers); only changed values are saved, with the version loaded.
Holidays, make-up days and single-day overrides are kept on the holiday
calendar screen (views/holiday_calendar.py); this screen links there.
"""

from __future__ import annotations

import math

import streamlit as st

from data_access import admin
from data_access.settings import number_date
from ui import auth, data, forms
from ui.reminders import CALENDAR_SCRIPT
from ui.strings import language, t

SETTINGS = "est"


def spec_label(row: dict) -> str:
    return row["label_zh"] if language() == "zh" else row["label_en"]


def _shown(row: dict):
    """A setting's value as its field holds it: a date setting (YYYYMMDD) as a date."""
    if row["kind"] == "date":
        return number_date(row["value"])
    return int(row["value"]) if row["integer"] else row["value"]


def load_settings(rows: list[dict]) -> None:
    for row in rows:
        st.session_state[f"{SETTINGS}_{row['key']}"] = _shown(row)
    st.session_state["_est_versions"] = {row["key"]: row["version"] for row in rows}


def save_settings(rows: list[dict]) -> str:
    stored = {row["key"]: _shown(row) for row in rows}
    changed = {
        key: st.session_state[f"{SETTINGS}_{key}"]
        for key in stored
        if st.session_state.get(f"{SETTINGS}_{key}") != stored[key]
    }
    if not changed:
        return t("est_unchanged")
    admin.update_settings(data.engine(), auth.current_actor(), changed, st.session_state["_est_versions"])
    st.session_state.pop("_est_versions", None)  # load the saved values and versions next run
    return t("est_saved", count=len(changed))


def reload_settings() -> None:
    st.session_state.pop("_est_versions", None)


def number_field(row: dict) -> None:
    """One setting's field; its range is in the help and checked on save (data_access.admin), so a
    value out of range gets a message instead of a red field that silently blocks the save."""
    key = f"{SETTINGS}_{row['key']}"
    if row["kind"] == "date":
        st.date_input(
            spec_label(row),
            key=key,
            min_value=number_date(row["minimum"]),
            max_value=number_date(row["maximum"]),
            help=t("lc_gate_from_help"),
        )
        forms.field_error(SETTINGS, row["key"])
        return
    limits = f"{row['minimum']:g}–{row['maximum']:g}" if row["maximum"] is not None else f"≥ {row['minimum']:g}"
    help_text = t("est_default_range", value=f"{row['default']:,g}", range=limits)
    if row["integer"]:
        st.number_input(spec_label(row), key=key, step=1, format="%d", help=help_text)
    else:
        small = row["maximum"] is not None and row["maximum"] <= 2
        digits = "%.2f" if small else ("%.1f" if row["default"] < 1000 else "%.0f")
        st.number_input(
            spec_label(row), key=key, step=0.01 if small else _step(row["default"]), format=digits, help=help_text
        )
    forms.field_error(SETTINGS, row["key"])


def _step(default: float) -> float:
    """A step of about a tenth of the default's order of magnitude (1 for small prices)."""
    return float(10 ** max(0, math.floor(math.log10(default)) - 1)) if default > 0 else 1.0


def settings_form() -> None:
    rows = data.settings_rows()
    if "_est_versions" not in st.session_state:
        load_settings(rows)
    forms.messages(SETTINGS, reload=reload_settings)
    with st.form("est_form", clear_on_submit=False):
        for row in rows:
            number_field(row)
        st.form_submit_button(
            t("fm_save"),
            type="primary",
            icon=":material/save:",
            on_click=forms.submit,
            args=(SETTINGS, lambda: save_settings(rows)),
        )


forms.require("office")
forms.show_toast()
st.title(t("nav_entry_settings"))
st.subheader(t("est_settings"))
st.caption(t("est_settings_caption"))
settings_form()
st.subheader(t("est_calendar"))
st.caption(t("est_calendar_moved"))
st.page_link(CALENDAR_SCRIPT, label=t("nav_calendar"), icon=":material/calendar_month:")
