"""协作单位报告 / Unit reports: collaborating units' reports to the office, with their files.

The office enters a report (unit, period, summary; data_access.attachments.save_unit_report) and
attaches its forms, drawings and reports; everyone can read them and download the files.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_access import attachments
from data_access.clock import today as clock_today
from ui import attachments as files
from ui import auth, data, forms
from ui.components import data_table
from ui.strings import t

FORM = "ur_new"
FIELDS = ("unit", "period_start", "period_end", "summary", "submitted_on")


def save() -> str:
    typed = forms.values(FORM, FIELDS)
    report_id = attachments.save_unit_report(data.engine(), auth.current_actor(), **typed)
    st.session_state["ur_pick"] = report_id
    return t("ur_saved", id=report_id)


def new_report_form() -> None:
    with st.expander(t("ur_new"), icon=":material/add:"):
        forms.messages(FORM)
        today = clock_today()
        st.text_input(t("ur_unit"), key=f"{FORM}_unit")
        left, right, last = st.columns(3)
        left.date_input(t("ur_period_start"), value=today.replace(day=1), key=f"{FORM}_period_start")
        right.date_input(t("ur_period_end"), value=today, key=f"{FORM}_period_end")
        last.date_input(t("ur_submitted_on"), value=today, key=f"{FORM}_submitted_on")
        st.text_area(t("ur_summary"), key=f"{FORM}_summary", height=100)
        st.button(
            t("ur_save"),
            type="primary",
            icon=":material/save:",
            key=f"{FORM}_save",
            on_click=forms.submit,
            args=(FORM, save),
        )


role = auth.current_role()
forms.show_toast()
st.title(t("nav_reports"))
st.caption(t("ur_caption"))
if role == "office":
    new_report_form()
reports = data.unit_reports()
if not reports:
    st.info(t("ur_none"))
    st.stop()
frame = pd.DataFrame(reports, columns=["id", "unit", "period_start", "period_end", "summary", "submitted_on", "files"])
data_table(frame, t("nav_reports"), "ur_table", headers="ur_col_")
labels = {row.id: f"#{row.id} {row.unit} {row.period_start}–{row.period_end}" for row in frame.itertuples()}
picked = st.selectbox(t("ur_pick"), list(labels), format_func=labels.get, key="ur_pick")
files.panel("unit_reports", int(picked), can_upload=role == "office")
