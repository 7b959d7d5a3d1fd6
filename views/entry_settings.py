"""参数与日历 / Settings and calendar (office): KPI thresholds and prices; days the calendar gets wrong.

Settings are checked against data_access.settings.SETTING_SPECS (range,
whole numbers); only changed values are saved, with the version loaded.
A calendar override makes a day a workday or a day off whatever the
holiday calendar says (attendance and log KPIs count workdays).
"""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import streamlit as st

from data_access import admin
from ui import auth, data, forms
from ui.components import missing_as_dash
from ui.filters import MAX_DATE, MIN_DATE
from ui.strings import language, t

SETTINGS, ADD_DAY, REMOVE_DAY = "est", "est_day", "est_remove"


def spec_label(row: dict) -> str:
    return row["label_zh"] if language() == "zh" else row["label_en"]


def load_settings(rows: list[dict]) -> None:
    for row in rows:
        st.session_state[f"{SETTINGS}_{row['key']}"] = int(row["value"]) if row["integer"] else row["value"]
    st.session_state["_est_versions"] = {row["key"]: row["version"] for row in rows}


def save_settings(rows: list[dict]) -> str:
    stored = {row["key"]: row["value"] for row in rows}
    changed = {key: st.session_state[f"{SETTINGS}_{key}"] for key in stored
               if st.session_state.get(f"{SETTINGS}_{key}") != stored[key]}
    if not changed:
        return t("est_unchanged")
    admin.update_settings(data.engine(), auth.current_actor(), changed, st.session_state["_est_versions"])
    st.session_state.pop("_est_versions", None)  # load the saved values and versions next run
    return t("est_saved", count=len(changed))


def reload_settings() -> None:
    st.session_state.pop("_est_versions", None)


def number_field(row: dict) -> None:
    key = f"{SETTINGS}_{row['key']}"
    limits = {"min_value": row["minimum"]}
    if row["maximum"] is not None:
        limits["max_value"] = row["maximum"]
    if row["integer"]:
        limits = {name: int(value) for name, value in limits.items()}
        st.number_input(spec_label(row), key=key, step=1, format="%d", **limits,
                        help=t("est_default", value=f"{row['default']:g}"))
    else:
        small = row["maximum"] is not None and row["maximum"] <= 2
        limits = {name: float(value) for name, value in limits.items()}
        digits = "%.2f" if small else ("%.1f" if row["default"] < 1000 else "%.0f")
        st.number_input(spec_label(row), key=key, step=0.01 if small else _step(row["default"]),
                        format=digits, **limits,
                        help=t("est_default", value=f"{row['default']:,g}"))
    forms.field_error(SETTINGS, row["key"])


def _step(default: float) -> float:
    """A step of about a tenth of the default's order of magnitude (1 for small prices)."""
    return float(10 ** max(0, math.floor(math.log10(default)) - 1)) if default > 0 else 1.0


def settings_form() -> None:
    rows = forms.settings_rows()
    if "_est_versions" not in st.session_state:
        load_settings(rows)
    forms.messages(SETTINGS, reload=reload_settings)
    with st.form("est_form", clear_on_submit=False):
        for row in rows:
            number_field(row)
        st.form_submit_button(t("fm_save"), type="primary", icon=":material/save:",
                              on_click=forms.submit, args=(SETTINGS, lambda: save_settings(rows)))


def save_day(overrides: dict[dt.date, dict]) -> str:
    day = st.session_state[f"{ADD_DAY}_date"]
    existing = overrides.get(day)
    admin.set_calendar_override(data.engine(), auth.current_actor(), day, st.session_state[f"{ADD_DAY}_workday"],
                                st.session_state.get(f"{ADD_DAY}_note"),
                                expected_version=existing["version"] if existing else None)
    forms.forget(ADD_DAY, ("note",))
    return t("est_day_saved", day=day)


def remove_day(overrides: dict[dt.date, dict]) -> str:
    day = st.session_state[f"{REMOVE_DAY}_date"]
    admin.remove_calendar_override(data.engine(), auth.current_actor(), day,
                                   expected_version=overrides[day]["version"])
    st.session_state.pop(f"{REMOVE_DAY}_date", None)
    return t("est_day_removed", day=day)


def calendar_section() -> None:
    overrides = {row["date"]: row for row in forms.calendar_overrides()}
    if overrides:
        frame = pd.DataFrame(list(overrides.values()), columns=["date", "is_workday", "note"])
        shown, config = missing_as_dash(frame.rename(columns={"date": t("est_col_date"), "is_workday": t("est_col_workday"),
                                                              "note": t("est_col_note")}))
        st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
    else:
        st.caption(t("est_no_overrides"))
    left, right = st.columns(2)
    with left:
        forms.messages(ADD_DAY)
        with st.form("est_day_form", clear_on_submit=False):
            st.session_state.setdefault(f"{ADD_DAY}_date", dt.date.today())
            st.date_input(t("est_col_date"), key=f"{ADD_DAY}_date", min_value=MIN_DATE, max_value=MAX_DATE,
                          format="YYYY-MM-DD")
            forms.field_error(ADD_DAY, "date")
            st.toggle(t("est_col_workday"), key=f"{ADD_DAY}_workday", help=t("est_workday_help"))
            st.text_input(t("est_col_note"), key=f"{ADD_DAY}_note", max_chars=200)
            forms.field_error(ADD_DAY, "note")
            st.form_submit_button(t("est_day_save"), icon=":material/event:", on_click=forms.submit,
                                  args=(ADD_DAY, lambda: save_day(overrides)))
    with right:
        if overrides:
            forms.messages(REMOVE_DAY, reload=lambda: None)
            with st.form("est_remove_form", clear_on_submit=False):
                kinds = {True: t("est_workday"), False: t("est_day_off")}
                st.selectbox(t("est_remove_pick"), list(overrides), key=f"{REMOVE_DAY}_date",
                             format_func=lambda day: f"{day} · {kinds[bool(overrides[day]['is_workday'])]}")
                st.form_submit_button(t("est_day_remove"), icon=":material/event_busy:", on_click=forms.submit,
                                      args=(REMOVE_DAY, lambda: remove_day(overrides)))


forms.require("office")
forms.show_toast()
st.title(t("nav_entry_settings"))
st.subheader(t("est_settings"))
st.caption(t("est_settings_caption"))
settings_form()
st.subheader(t("est_calendar"))
st.caption(t("est_calendar_caption"))
calendar_section()
