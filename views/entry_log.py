"""工作日志 / Work log: the day's log for a customer one is posted to, and editing one's recent logs.

A manager writes only their own logs (the office picks the manager); the customers offered are the
manager's postings on the chosen day. The form opens on the most recent posted workday that still
has no log (today when none is missing) and lists the recent days still missing. When the chosen
customer and day already have a log, that log is loaded for editing (saved with its version); what
was typed before stays available. data_access.writes.save_work_log checks everything again.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_access import writes
from data_access.clock import today as clock_today
from data_access.writes import ValidationFailed
from ui import attachments, auth, data, forms
from ui.components import missing_as_dash
from ui.filters import MIN_DATE
from ui.strings import language, t
from ui.text import plain

FORM, EDIT = "el_new", "el_edit"
TYPED = ("on_site", "hours", "content", "problems", "measures", "status")
EDIT_FIELDS = TYPED
RECENT_DAYS = 60
MISSING_DAYS = 14  # how far back the form looks for days without a log
LOADED = "_el_loaded"  # {"account_no", "date", "values"}: the stored log now in the form
STASH = "_el_stash"  # what was typed before a stored log replaced it
RACE = "_el_race"  # a save found the log saved meanwhile elsewhere


def whose_logs(role: str) -> tuple[str, int]:
    """(employee_no, manager id) whose logs this screen writes; the office picks one."""
    if role == "manager":
        manager_id = auth.current_actor().manager_id
        return data.employee_no_of(manager_id), manager_id
    employee_no = forms.manager_picker("el_manager")
    if employee_no is None:
        st.info(t("fm_pick_manager"))
        st.stop()
    return employee_no, data.manager_ids()[employee_no]


def typed_values() -> dict:
    return {column: st.session_state.get(f"{FORM}_{column}") for column in TYPED}


def save_new(employee_no: str) -> str:
    typed = forms.values(FORM, TYPED)
    day, account_no = st.session_state["el_day"], st.session_state.get(f"{FORM}_account_no")
    row = forms.editing(FORM)
    try:
        if row and (row["account_no"], row["date"]) == (account_no, day):  # the loaded log
            saved = writes.save_work_log(
                data.engine(),
                auth.current_actor(),
                employee_no=employee_no,
                account_no=account_no,
                date=day,
                row_id=row["id"],
                expected_version=row["version"],
                **typed,
            )
            forms.saved_version(FORM, saved)
            st.session_state[LOADED] = {"account_no": account_no, "date": day, "values": typed_values()}
            return t("el_updated", day=day, customer=account_no)
        saved = writes.save_work_log(
            data.engine(), auth.current_actor(), employee_no=employee_no, date=day, account_no=account_no, **typed
        )
    except ValidationFailed as failed:
        if any(problem.code == "log_exists" for problem in failed.problems):
            data.clear_caches()  # someone saved this day meanwhile: the next run loads that log
            st.session_state[RACE] = True  # ... and keeps this message above it
        raise
    # The form now edits the saved log (a second save changes it, with its version).
    forms.start_editing(FORM, {"id": saved.id, "version": saved.version, "account_no": account_no, "date": day})
    st.session_state[LOADED] = {"account_no": account_no, "date": day, "values": typed_values()}
    return t("el_saved", day=day, customer=account_no)


def load_stored(log: dict | None, account_no: str, day: dt.date) -> None:
    """Put the stored log of (account_no, day) in the form, keeping what was typed aside; with no
    stored log, empty the form if it still shows another day's stored log unchanged."""
    loaded = st.session_state.get(LOADED)
    if log is None:
        if loaded and typed_values() == loaded["values"]:
            forms.forget(FORM, TYPED)
        forms.start_editing(FORM, None)
        st.session_state.pop(LOADED, None)
        return
    typed = typed_values()
    if any(value not in (None, "", False) for key, value in typed.items() if key != "on_site") and (
        not loaded or typed != loaded["values"]
    ):
        st.session_state[STASH] = typed
    forms.fill(FORM, log, TYPED)
    forms.start_editing(FORM, log)
    if not st.session_state.pop(RACE, False):
        forms.clear_messages(FORM)
    st.session_state[LOADED] = {"account_no": account_no, "date": day, "values": typed_values(), "found": True}


def restore_typed() -> None:
    """The button under a loaded log: what was typed before replaces the stored log's values."""
    for column, value in st.session_state.pop(STASH, {}).items():
        st.session_state[f"{FORM}_{column}"] = value


def default_day(manager_id: int, today: dt.date) -> dt.date:
    missing = data.days_without_log(manager_id, today - dt.timedelta(days=MISSING_DAYS - 1), today)
    return missing[0] if missing else today


def pick_missing_day() -> None:
    chosen = st.session_state.pop("el_missing", None)
    if chosen is not None:
        st.session_state["el_day"] = chosen


def missing_days(manager_id: int, today: dt.date) -> None:
    """The recent posted workdays without a log, as buttons that open the form on that day."""
    missing = data.days_without_log(manager_id, today - dt.timedelta(days=MISSING_DAYS - 1), today)
    if not missing:
        st.caption(t("el_none_missing", days=MISSING_DAYS))
        return
    weekday = t("el_weekdays").split(",")
    st.pills(
        t("el_missing", count=len(missing), days=MISSING_DAYS),
        missing,
        key="el_missing",
        format_func=lambda day: f"{day:%m-%d} {weekday[day.weekday()]}",
        on_change=pick_missing_day,
    )


def new_log_form(employee_no: str, manager_id: int) -> None:
    today = clock_today()
    st.session_state.setdefault("el_day", default_day(manager_id, today))
    missing_days(manager_id, today)
    day = st.date_input(t("el_day"), key="el_day", min_value=MIN_DATE, max_value=today, format="YYYY-MM-DD")
    customers = dict(data.postings_on(manager_id, day))
    if not customers:
        st.info(t("el_no_posting", day=day))
        return
    if st.session_state.get(f"{FORM}_account_no") not in customers:  # another day, other postings
        st.session_state[f"{FORM}_account_no"] = next(iter(customers)) if len(customers) == 1 else None
    account_no = forms.field(
        FORM,
        "work_logs",
        "account_no",
        f"{FORM}_account_no",
        options=list(customers),
        format_func=customer_label(customers),
    )
    loaded = st.session_state.get(LOADED)
    if account_no is not None and (not loaded or (loaded["account_no"], loaded["date"]) != (account_no, day)):
        load_stored(data.log_on(manager_id, account_no, day), account_no, day)
    elif account_no is None and loaded:
        load_stored(None, account_no, day)
    row = forms.editing(FORM)
    if row is not None:
        found = (st.session_state.get(LOADED) or {}).get("found")
        st.info(
            t(
                "el_loaded" if found else "el_editing",
                day=day,
                customer=plain(customers.get(account_no, account_no)),
                version=row["version"],
            ),
            icon=":material/edit_note:",
        )
        if st.session_state.get(STASH):
            st.button(t("el_restore_typed"), key="el_restore", on_click=restore_typed, icon=":material/undo:")
    forms.messages(FORM)
    with st.form("el_new_form", clear_on_submit=False):
        forms.field(FORM, "work_logs", "on_site", f"{FORM}_on_site", default=True)
        log_fields(FORM)
        label = t("fm_save_changes") if row is not None else t("fm_save")
        st.form_submit_button(
            label,
            type="primary",
            icon=":material/save:",
            width="stretch",
            on_click=forms.submit,
            args=(FORM, lambda: save_new(employee_no)),
        )


def save_edit(employee_no: str) -> str:
    row = forms.editing(EDIT)
    typed = forms.values(EDIT, EDIT_FIELDS)
    saved = writes.save_work_log(
        data.engine(),
        auth.current_actor(),
        employee_no=employee_no,
        account_no=row["account_no"],
        date=row["date"],
        row_id=row["id"],
        expected_version=row["version"],
        **typed,
    )
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
    load_log(data.stored_row("work_logs", {"id": row["id"]}))


def pick_log(logs: dict[int, dict]) -> None:
    load_log(logs.get(st.session_state.get("el_pick")))


def customer_label(customers: dict[str, str]):
    return lambda account_no: f"{account_no} {customers.get(account_no, '')}"


def log_fields(form: str) -> None:
    forms.field(form, "work_logs", "hours", f"{form}_hours")
    forms.field(form, "work_logs", "content", f"{form}_content", area=True)
    forms.field(form, "work_logs", "problems", f"{form}_problems", area=True)
    forms.field(form, "work_logs", "measures", f"{form}_measures", area=True)
    forms.field(form, "work_logs", "status", f"{form}_status", help=t("el_status_help"))


def recent_logs(employee_no: str, manager_id: int) -> None:
    today = clock_today()
    st.session_state.setdefault("el_since", today - dt.timedelta(days=RECENT_DAYS))
    since = st.date_input(t("el_since"), key="el_since", min_value=MIN_DATE, max_value=today, format="YYYY-MM-DD")
    logs = data.entry_logs(manager_id, since, today)
    st.caption(t("el_recent_count", count=len(logs), since=since))
    if not logs:
        return
    shown, config = missing_as_dash(log_table(logs))
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, key="el_recent_table")
    by_id = {log["id"]: log for log in logs}
    st.selectbox(
        t("el_pick"),
        list(by_id),
        index=None,
        key="el_pick",
        placeholder=t("fm_choose"),
        format_func=lambda i: f"{by_id[i]['date']} · {by_id[i]['account_no']} · {by_id[i]['content'][:20]}",
        on_change=pick_log,
        args=(by_id,),
    )
    row = forms.editing(EDIT)
    if row is None or row["id"] not in by_id:
        return
    st.caption(t("el_editing", day=row["date"], customer=plain(row["account_no"]), version=row["version"]))
    forms.messages(EDIT, reload=reload_log)
    with st.form("el_edit_form", clear_on_submit=False):
        forms.field(EDIT, "work_logs", "on_site", f"{EDIT}_on_site")
        log_fields(EDIT)
        st.form_submit_button(
            t("fm_save_changes"),
            type="primary",
            icon=":material/save:",
            width="stretch",
            on_click=forms.submit,
            args=(EDIT, lambda: save_edit(employee_no)),
        )
    attachments.panel("work_logs", int(row["id"]))


def log_table(logs: list[dict]) -> pd.DataFrame:
    sheet = writes.get_sheet("work_logs")
    lang = language()
    shown = ("date", "account_no", "on_site", "hours", "content", "problems", "status")
    frame = pd.DataFrame(logs, columns=list(shown))
    frame["status"] = frame["status"].map(lambda code: sheet.column("status").choice_label(code, lang))
    return frame.rename(columns={key: sheet.column(key).label(lang) for key in shown})


def my_cases(manager_id: int) -> None:
    """The manager's open needs cases (customers posted to today), until each is closed."""
    open_cases = data.case_list(clock_today(), open_only=True, manager_id=manager_id)
    if open_cases.empty:
        return
    with st.expander(t("cs_my_open", count=len(open_cases)), icon=":material/task_alt:"):
        rows = [
            f"- {plain(row.account_no)} {plain(row.name)} · {t('cs_rule_' + row.rule)} · "
            f"{t('cs_status_' + row.status)} · {row.opened_on}"
            for row in open_cases.head(20).itertuples()
        ]
        st.markdown("\n".join(rows))
        st.page_link("views/cases.py", label=t("cs_go"), icon=":material/arrow_forward:")


role = forms.require("office", "manager")
forms.keep_typed(f"{FORM}_", f"{EDIT}_", "el_day")
forms.show_toast()
st.title(t("nav_entry_log"))
st.caption(t("el_caption"))
employee_no, manager_id = whose_logs(role)
if role == "manager":
    my_cases(manager_id)
modes = {mode: t(f"el_mode_{mode}") for mode in ("new", "edit")}
mode = st.radio(
    t("el_mode"), list(modes), key="el_mode", horizontal=True, format_func=modes.get, label_visibility="collapsed"
)
if mode == "new":
    new_log_form(employee_no, manager_id)
else:
    recent_logs(employee_no, manager_id)
