"""需求跟进 / Needs cases: every needs finding followed to a result.

The list shows the cases (a manager: those of the customers they are posted to; the office and
leadership: all), open ones first. The office and the managers move a case one step at a time:
new → confirmed or dismissed → proposed → done or declined, with the fields the step needs;
data_access.cases.advance checks the move, the fields and who may make it, and refuses with the
field named. Files attached to a case are listed and can be added below (ui.attachments).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_access import cases
from data_access.clock import today as clock_today
from data_access.models import PROPOSALS
from ui import attachments, auth, data, forms
from ui.components import data_table
from ui.strings import t
from ui.text import plain

FORM = "cs_move"
LIMIT = 500  # rows listed (open ones first, oldest first); the download has the same rows
SHOWN = [
    "id",
    "account_no",
    "name",
    "rule",
    "status",
    "first_month",
    "months_found",
    "opened_on",
    "confirmed_on",
    "proposed_on",
    "proposal",
    "closed_on",
    "app_no",
    "yuan_saved_per_year",
    "kwh_traded",
    "managers",
    "notes",
]


def shown_cases(frame: pd.DataFrame) -> pd.DataFrame:
    """The cases as shown: codes in words, months as YYYY-MM."""
    shown = frame[SHOWN].copy()
    shown["rule"] = [t(f"cs_rule_{rule}") for rule in shown["rule"]]
    shown["status"] = [t(f"cs_status_{status}") for status in shown["status"]]
    shown["proposal"] = [t(f"cs_proposal_{p}") if isinstance(p, str) else None for p in shown["proposal"]]
    shown["first_month"] = [f"{month:%Y-%m}" for month in shown["first_month"]]
    return shown


def case_label(row) -> str:
    return f"#{row.id} {row.account_no} {row.name} · {t('cs_rule_' + row.rule)} · {t('cs_status_' + row.status)}"


def move(case_id: int) -> str:
    """Save the move typed in the form (on_click of the save button)."""
    stored = data.case_row(case_id)
    if stored is None:
        raise cases.NotFound("need_cases", str(case_id))
    typed = forms.values(FORM, ("to", "on", "reason", "proposal", "application_no", "yuan", "kwh", "note"))
    cases.advance(
        data.engine(),
        auth.current_actor(),
        case_id,
        stored["version"],
        typed["to"],
        typed["on"],
        reason=typed["reason"],
        proposal=typed["proposal"],
        application_no=typed["application_no"],
        yuan_saved_per_year=typed["yuan"],
        kwh_traded=typed["kwh"],
        note=typed["note"],
        today=clock_today(),
    )
    return t("cs_saved", id=case_id, status=t(f"cs_status_{typed['to']}"))


def move_form(frame: pd.DataFrame) -> int | None:
    """The form that moves one open case; returns the picked case's id."""
    open_cases = frame[frame["status"].isin(cases.ALLOWED)]
    st.subheader(t("cs_move"))
    forms.messages(FORM)
    if open_cases.empty:
        st.info(t("cs_none"))
        return None
    labels = {row.id: case_label(row) for row in open_cases.itertuples()}
    case_id = st.selectbox(t("cs_pick"), list(labels), format_func=labels.get, key=f"{FORM}_case")
    status = open_cases.set_index("id").loc[case_id, "status"]
    moves = cases.ALLOWED[status]
    to = st.radio(t("cs_to"), moves, format_func=lambda code: t(f"cs_status_{code}"), key=f"{FORM}_to", horizontal=True)
    st.date_input(t("cs_on"), value=clock_today(), key=f"{FORM}_on")
    if to == "dismissed":
        st.text_input(t("cs_reason"), key=f"{FORM}_reason")
    if to == "proposed":
        st.selectbox(
            t("cs_proposal"), PROPOSALS, format_func=lambda code: t(f"cs_proposal_{code}"), key=f"{FORM}_proposal"
        )
    if to == "done":
        proposal = open_cases.set_index("id").loc[case_id, "proposal"]
        needed = cases.RESULT_OF.get(proposal)
        st.text_input(
            t("cs_application_no") + (" *" if needed == "application_no" else ""), key=f"{FORM}_application_no"
        )
        st.number_input(
            t("cs_yuan") + (" *" if needed == "yuan_saved_per_year" else ""),
            min_value=0.0,
            value=None,
            step=1000.0,
            key=f"{FORM}_yuan",
        )
        st.number_input(
            t("cs_kwh") + (" *" if needed == "kwh_traded" else ""),
            min_value=0.0,
            value=None,
            step=10000.0,
            key=f"{FORM}_kwh",
        )
    st.text_area(t("cs_note") + (" *" if to == "declined" else ""), key=f"{FORM}_note", height=80)
    st.button(
        t("cs_save"),
        type="primary",
        icon=":material/save:",
        key=f"{FORM}_save",
        on_click=forms.submit,
        args=(FORM, lambda: move(case_id)),
    )
    return case_id


role = auth.current_role()
forms.show_toast()
st.title(t("nav_cases"))
st.caption(t("cs_caption"))
actor = auth.current_actor()
today = clock_today()
open_only = st.toggle(t("cs_open_only"), value=True, key="cs_open_only")
frame = data.case_list(
    today, open_only=open_only, manager_id=actor.manager_id if role == "manager" else None, limit=LIMIT
)
if frame.empty:
    st.info(t("cs_none"))
else:
    st.caption(
        t("cs_rows", rows=f"{len(frame):,}") + (t("cs_first_rows", limit=f"{LIMIT:,}") if len(frame) >= LIMIT else "")
    )
    data_table(shown_cases(frame), t("nav_cases"), "cs_table", headers="cs_col_", blank=("notes",))
if role == "leader":
    st.caption(plain(t("cs_read_only")))
    picked = None
else:
    picked = move_form(frame)
if picked is not None:
    attachments.panel("need_cases", int(picked), can_upload=True)
