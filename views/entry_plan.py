"""月度计划 / Monthly plan: a manager's plan for a month (the office may enter it for any manager).

The write path sets the submission date of a manager's plan (today, kept
when the plan is edited later); the office may set it by hand.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from data_access import writes
from ui import auth, data, forms
from ui.strings import t

FORM = "ep"
MONTHS_BACK = 12


def month_choices(today: dt.date) -> list[dt.date]:
    """Next month, this month and the twelve before, newest first."""
    first = today.replace(day=1)
    months = [(first + dt.timedelta(days=32)).replace(day=1), first]
    for _ in range(MONTHS_BACK):
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    return months


def stored_plan(employee_no: str, month: dt.date) -> dict | None:
    found, _ = data.entry_rows("monthly_plans", equals={"employee_no": employee_no, "month": month}, limit=1)
    return found[0] if found else None


def show_plan(employee_no: str, month: dt.date, plan: dict | None) -> None:
    """Load the stored plan into the form when the manager or month changes."""
    shown_for = (employee_no, month)
    if st.session_state.get("_ep_shown_for") == shown_for:
        return
    st.session_state["_ep_shown_for"] = shown_for
    forms.clear_messages(FORM)
    forms.start_editing(FORM, plan)
    forms.fill(FORM, plan or {"submitted_on": dt.date.today()}, ("content", "submitted_on"))


def reload_plan() -> None:
    st.session_state.pop("_ep_shown_for", None)  # the next run loads the stored plan afresh


def save(employee_no: str, month: dt.date, role: str) -> str:
    typed = forms.values(FORM, ("content", "submitted_on"))
    row = forms.editing(FORM)
    saved = writes.save_monthly_plan(
        data.engine(),
        auth.current_actor(),
        employee_no=employee_no,
        month=month,
        content=typed["content"],
        submitted_on=typed["submitted_on"] if role == "office" else None,
        expected_version=row["version"] if row else None,
    )
    forms.saved_version(FORM, saved)
    return t("ep_saved", month=month.strftime("%Y-%m"))


role = forms.require("office", "manager")
forms.show_toast()
st.title(t("nav_entry_plan"))
st.caption(t("ep_caption", day=int(data.settings()["plan_deadline_day"])))
if role == "manager":
    employee_no = data.employee_no_of(auth.current_actor().manager_id)
else:
    employee_no = forms.manager_picker("ep_manager")
    if employee_no is None:
        st.info(t("fm_pick_manager"))
        st.stop()
month = st.selectbox(
    t("ep_month"), month_choices(dt.date.today()), index=1, key="ep_month", format_func=lambda m: m.strftime("%Y-%m")
)
plan = stored_plan(employee_no, month)
show_plan(employee_no, month, plan)
if plan:
    st.caption(t("ep_stored", submitted=plan["submitted_on"], version=plan["version"]))
forms.messages(FORM, reload=reload_plan)
with st.form("ep_form", clear_on_submit=False):
    if role == "office":
        forms.field(FORM, "monthly_plans", "submitted_on", f"{FORM}_submitted_on")
    forms.field(FORM, "monthly_plans", "content", f"{FORM}_content", area=True)
    st.form_submit_button(
        t("fm_save"),
        type="primary",
        icon=":material/save:",
        width="stretch",
        on_click=forms.submit,
        args=(FORM, lambda: save(employee_no, month, role)),
    )
