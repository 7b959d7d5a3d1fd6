"""工作日志 / Work log: a day's log for a customer one is posted to, and editing one's recent logs.

A manager writes only their own logs (the office picks the manager); the
customers offered are the manager's postings on the chosen day.
data_access.writes.save_work_log checks both again when saving.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_access import writes
from ui import auth, data, forms
from ui.components import missing_as_dash
from ui.filters import MIN_DATE
from ui.strings import language, t

FORM, EDIT = "el_new", "el_edit"
FIELDS = ("account_no", "on_site", "hours", "content", "problems", "measures", "status")
EDIT_FIELDS = ("on_site", "hours", "content", "problems", "measures", "status")
CLEARED_AFTER_SAVE = ("hours", "content", "problems", "measures", "status")
RECENT_DAYS = 60


def whose_logs(role: str) -> tuple[str, int]:
    """(employee_no, manager id) whose logs this screen writes; the office picks one."""
    if role == "manager":
        manager_id = auth.current_actor().manager_id
        return data.employee_no_of(manager_id), manager_id
    employee_no = forms.manager_picker("el_manager")
    if employee_no is None:
        st.info(t("fm_pick_manager"))
        st.stop()
    return employee_no, forms.manager_ids()[employee_no]


def save_new(employee_no: str) -> str:
    typed = forms.values(FORM, FIELDS)
    day = st.session_state["el_day"]
    writes.save_work_log(data.engine(), auth.current_actor(), employee_no=employee_no, date=day, **typed)
    forms.forget(FORM, CLEARED_AFTER_SAVE)
    return t("el_saved", day=day, customer=typed["account_no"])


def save_edit(employee_no: str) -> str:
    row = forms.editing(EDIT)
    typed = forms.values(EDIT, EDIT_FIELDS)
    saved = writes.save_work_log(data.engine(), auth.current_actor(), employee_no=employee_no,
                                 account_no=row["account_no"], date=row["date"], row_id=row["id"],
                                 expected_version=row["version"], **typed)
    forms.saved_version(EDIT, saved)
    return t("el_updated", day=row["date"], customer=row["account_no"])


def load_log(log: dict | None) -> None:
    forms.start_editing(EDIT, log)
    forms.clear_messages(EDIT)
    if log is not None:
        forms.fill(EDIT, log, EDIT_FIELDS)


def reload_log() -> None:
    """After 'someone changed it': the stored log replaces what was typed."""
    row = forms.editing(EDIT)
    with data.engine().connect() as conn:
        load_log(writes.load_row(conn, "work_logs", {"id": row["id"]}))


def pick_log(logs: dict[int, dict]) -> None:
    load_log(logs.get(st.session_state.get("el_pick")))


def customer_label(customers: dict[str, str]):
    return lambda account_no: f"{account_no} {customers.get(account_no, '')}"


def new_log_form(employee_no: str, manager_id: int) -> None:
    today = dt.date.today()
    st.session_state.setdefault("el_day", today)
    day = st.date_input(t("el_day"), key="el_day", min_value=MIN_DATE, max_value=today, format="YYYY-MM-DD")
    customers = dict(forms.postings_on(manager_id, day))
    if not customers:
        st.info(t("el_no_posting", day=day))
        return
    chosen = st.session_state.get(f"{FORM}_account_no")
    if chosen not in customers:  # another day, other postings
        st.session_state[f"{FORM}_account_no"] = next(iter(customers)) if len(customers) == 1 else None
    forms.messages(FORM)
    with st.form("el_new_form", clear_on_submit=False):
        forms.field(FORM, "work_logs", "account_no", f"{FORM}_account_no", options=list(customers),
                    format_func=customer_label(customers))
        forms.field(FORM, "work_logs", "on_site", f"{FORM}_on_site", default=True)
        log_fields(FORM)
        st.form_submit_button(t("fm_save"), type="primary", icon=":material/save:", width="stretch",
                              on_click=forms.submit, args=(FORM, lambda: save_new(employee_no)))


def log_fields(form: str) -> None:
    forms.field(form, "work_logs", "hours", f"{form}_hours")
    forms.field(form, "work_logs", "content", f"{form}_content", area=True)
    forms.field(form, "work_logs", "problems", f"{form}_problems", area=True)
    forms.field(form, "work_logs", "measures", f"{form}_measures", area=True)
    forms.field(form, "work_logs", "status", f"{form}_status", help=t("el_status_help"))


def recent_logs(employee_no: str, manager_id: int) -> None:
    today = dt.date.today()
    st.session_state.setdefault("el_since", today - dt.timedelta(days=RECENT_DAYS))
    since = st.date_input(t("el_since"), key="el_since", min_value=MIN_DATE, max_value=today, format="YYYY-MM-DD")
    logs = forms.manager_logs(manager_id, since, today)
    st.caption(t("el_recent_count", count=len(logs), since=since))
    if not logs:
        return
    shown, config = missing_as_dash(log_table(logs))
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, key="el_recent_table")
    by_id = {log["id"]: log for log in logs}
    st.selectbox(t("el_pick"), list(by_id), index=None, key="el_pick", placeholder=t("fm_choose"),
                 format_func=lambda i: f"{by_id[i]['date']} · {by_id[i]['account_no']} · {by_id[i]['content'][:20]}",
                 on_change=pick_log, args=(by_id,))
    row = forms.editing(EDIT)
    if row is None or row["id"] not in by_id:
        return
    st.caption(t("el_editing", day=row["date"], customer=row["account_no"], version=row["version"]))
    forms.messages(EDIT, reload=reload_log)
    with st.form("el_edit_form", clear_on_submit=False):
        forms.field(EDIT, "work_logs", "on_site", f"{EDIT}_on_site")
        log_fields(EDIT)
        st.form_submit_button(t("fm_save_changes"), type="primary", icon=":material/save:", width="stretch",
                              on_click=forms.submit, args=(EDIT, lambda: save_edit(employee_no)))


def log_table(logs: list[dict]) -> pd.DataFrame:
    sheet = writes.get_sheet("work_logs")
    lang = language()
    shown = ("date", "account_no", "on_site", "hours", "content", "problems", "status")
    frame = pd.DataFrame(logs, columns=list(shown))
    frame["status"] = frame["status"].map(lambda code: sheet.column("status").choice_label(code, lang))
    return frame.rename(columns={key: sheet.column(key).label(lang) for key in shown})


role = forms.require("office", "manager")
forms.keep_typed(f"{FORM}_", f"{EDIT}_")
forms.show_toast()
st.title(t("nav_entry_log"))
st.caption(t("el_caption"))
employee_no, manager_id = whose_logs(role)
modes = {mode: t(f"el_mode_{mode}") for mode in ("new", "edit")}
mode = st.radio(t("el_mode"), list(modes), key="el_mode", horizontal=True, format_func=modes.get,
                label_visibility="collapsed")
if mode == "new":
    new_log_form(employee_no, manager_id)
else:
    recent_logs(employee_no, manager_id)
