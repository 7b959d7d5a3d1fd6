"""停电计划 / Outage plans (managers and the office): the planned outage windows negotiated with a
posted customer each month (day, hours, scope, status planned / agreed / done / cancelled).

A manager enters plans only for customers they are posted to on the plan's day; the office for any
customer (data_access.outages checks this again). The list shows last month to next month; picking a
plan loads it into the form to change it (with its version: a plan changed meanwhile is refused).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_access import outages
from data_access.clock import today
from data_access.models import OUTAGE_STATUSES
from ui import auth, data, forms
from ui.components import data_table
from ui.strings import t

FORM = "out"
FIELDS = ("account_no", "planned_on", "hours", "scope", "status")


def month_range(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of last month and the last day of next month."""
    first = (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    after_next = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    last = (after_next.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def load_plan(plans: dict[int, dict]) -> None:
    """Fill the form with the picked plan (or empty it for a new one)."""
    plan = plans.get(st.session_state.get(f"{FORM}_pick"))
    forms.clear_messages(FORM)
    if plan is None:
        st.session_state.pop(f"{FORM}_editing", None)
        for field in ("scope", "hours"):
            st.session_state.pop(f"{FORM}_{field}", None)
        return
    st.session_state[f"{FORM}_editing"] = (plan["id"], plan["version"])
    for field in FIELDS:
        st.session_state[f"{FORM}_{field}"] = plan[field]


def save() -> str:
    typed = {field: st.session_state.get(f"{FORM}_{field}") for field in FIELDS}
    row_id, version = st.session_state.get(f"{FORM}_editing") or (None, None)
    outages.save_outage(data.engine(), auth.current_actor(), row_id=row_id, expected_version=version, **typed)
    st.session_state.pop(f"{FORM}_editing", None)
    st.session_state.pop(f"{FORM}_pick", None)
    return t("lc_outage_saved", account_no=typed["account_no"], day=typed["planned_on"])


def plan_form(role: str, customers: dict[str, str]) -> None:
    forms.messages(FORM)
    editing = st.session_state.get(f"{FORM}_editing")
    st.session_state.setdefault(f"{FORM}_planned_on", today())
    st.session_state.setdefault(f"{FORM}_hours", None)
    st.markdown(f"**{t('lc_outage_edit' if editing else 'lc_outage_new')}**")
    with st.form("out_form", clear_on_submit=False):
        if role == "manager":
            st.selectbox(
                t("lc_field_account_no"),
                list(customers),
                key=f"{FORM}_account_no",
                format_func=lambda no: f"{no} {customers.get(no, '')}",
            )
        else:
            st.text_input(t("lc_field_account_no"), key=f"{FORM}_account_no")
        forms.field_error(FORM, "account_no")
        st.date_input(t("lc_field_planned_on"), key=f"{FORM}_planned_on")
        forms.field_error(FORM, "planned_on")
        st.number_input(t("lc_field_hours"), key=f"{FORM}_hours", min_value=0.0, max_value=72.0, step=0.5)
        forms.field_error(FORM, "hours")
        st.text_input(t("lc_field_scope"), key=f"{FORM}_scope", max_chars=outages.MAX_SCOPE)
        forms.field_error(FORM, "scope")
        st.selectbox(
            t("lc_field_status"),
            OUTAGE_STATUSES,
            key=f"{FORM}_status",
            format_func=lambda code: t(f"lc_outage_status_{code}"),
        )
        st.form_submit_button(
            t("fm_save"), type="primary", icon=":material/save:", on_click=forms.submit, args=(FORM, save)
        )


def plan_list(plans: list[dict]) -> dict[int, dict]:
    st.subheader(t("lc_outage_list"))
    if not plans:
        st.caption(t("lc_none_yet"))
        return {}
    frame = pd.DataFrame(plans)
    shown = frame[["planned_on", "account_no", "customer", "hours", "scope", "status", "entered_by"]]
    shown = shown.assign(status=[t(f"lc_outage_status_{code}") for code in frame["status"]])
    data_table(shown, t("nav_entry_outages"), "out_list", headers="lc_col_", decimals=("hours",), blank=("entered_by",))
    return {plan["id"]: plan for plan in plans}


role = forms.require("office", "manager")
forms.show_toast()
st.title(t("nav_entry_outages"))
st.caption(t("lc_outage_caption"))
actor = auth.current_actor()
manager_id = actor.manager_id if role == "manager" else None
customers = dict(data.postings_on(manager_id, today())) if manager_id else {}
if role == "manager" and not customers:
    st.info(t("lc_outage_no_customers"))
plans = plan_list(data.outage_plans(*month_range(today()), manager_id))
st.selectbox(
    t("lc_outage_pick"),
    [None, *plans],
    key=f"{FORM}_pick",
    on_change=load_plan,
    args=(plans,),
    format_func=lambda pid: (
        t("lc_outage_pick_new")
        if pid is None
        else f"{plans[pid]['planned_on']} {plans[pid]['account_no']} {plans[pid]['scope']}"
    ),
)
if role == "office" or customers:
    plan_form(role, customers)
