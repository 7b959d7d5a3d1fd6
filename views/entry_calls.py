"""专家调用 / Expert calls: request an expert, record the response, close the call.

A manager requests for themselves and handles only their own calls; the
office handles every call (data_access.writes checks this again).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from data_access import writes
from data_access.contract import SPECIALTY_CHOICES
from ui import auth, data, forms
from ui.strings import language, t

REQUEST, RESPOND, CLOSE = "ec_request", "ec_respond", "ec_close"
STEPS = ("request", "respond", "close")


def now() -> dt.datetime:
    return dt.datetime.now().replace(second=0, microsecond=0)


def whose_calls(role: str) -> tuple[str | None, int | None]:
    """(employee_no, manager id) of the manager whose calls these are; the office may choose none."""
    if role == "manager":
        manager_id = auth.current_actor().manager_id
        return data.employee_no_of(manager_id), manager_id
    employee_no = forms.manager_picker("ec_manager", t("ec_manager_optional"))
    return employee_no, (data.manager_ids()[employee_no] if employee_no else None)


def specialty_label(code: str) -> str:
    return next(c.zh if language() == "zh" else c.en for c in SPECIALTY_CHOICES if c.code == code)


def save_request(employee_no: str | None) -> str:
    typed = forms.values(REQUEST, ("expert_no", "mode", "account_no", "summary"))
    saved = writes.request_call(data.engine(), auth.current_actor(), employee_no=employee_no, **typed)
    forms.forget(REQUEST, ("expert_no", "account_no", "summary"))
    call_no = data.stored_row("expert_calls", {"id": saved.id})["call_no"]
    return t("ec_requested", call_no=call_no, expert=typed["expert_no"])


def request_form(employee_no: str | None, manager_id: int | None) -> None:
    specialty = st.selectbox(
        t("ec_specialty"), [c.code for c in SPECIALTY_CHOICES], key="ec_specialty", format_func=specialty_label
    )
    experts, _ = data.entry_rows("experts", equals={"specialty": specialty, "active": True})
    names = {row["expert_no"]: row["name"] for row in experts}
    if not names:
        st.warning(t("ec_no_experts"))
    if st.session_state.get(f"{REQUEST}_expert_no") not in names:
        st.session_state[f"{REQUEST}_expert_no"] = None
    customers = dict(data.postings_on(manager_id, dt.date.today())) if manager_id else {}
    forms.messages(REQUEST)
    with st.form("ec_request_form", clear_on_submit=False):
        forms.field(
            REQUEST,
            "expert_calls",
            "expert_no",
            f"{REQUEST}_expert_no",
            options=list(names),
            format_func=lambda no: f"{no} {names.get(no, '')}",
        )
        forms.field(REQUEST, "expert_calls", "mode", f"{REQUEST}_mode")
        forms.field(
            REQUEST,
            "expert_calls",
            "account_no",
            f"{REQUEST}_account_no",
            options=list(customers),
            format_func=lambda no: f"{no} {customers.get(no, '')}",
        )
        forms.field(REQUEST, "expert_calls", "summary", f"{REQUEST}_summary", area=True, help=t("ec_summary_help"))
        st.form_submit_button(
            t("ec_request_button"),
            type="primary",
            icon=":material/support_agent:",
            width="stretch",
            on_click=forms.submit,
            args=(REQUEST, lambda: save_request(employee_no)),
        )


def open_calls(employee_no: str | None, role: str, unanswered: bool) -> dict[str, dict]:
    equals: dict = {"closed_at": None}
    if unanswered:
        equals["responded_at"] = None
    if role == "manager" or employee_no:
        equals["employee_no"] = employee_no
    found, _ = data.entry_rows("expert_calls", equals=equals)
    return {row["call_no"]: row for row in found}


def call_label(calls: dict[str, dict]):
    return lambda no: f"{no} · {calls[no]['expert_no']} · {calls[no]['requested_at']:%Y-%m-%d %H:%M}"


def pick_call(form: str, calls: dict[str, dict]) -> dict | None:
    if not calls:
        st.info(t("ec_no_open_calls"))
        return None
    if st.session_state.get(f"{form}_call") not in calls:
        st.session_state[f"{form}_call"] = None
    call_no = st.selectbox(
        t("ec_pick_call"),
        list(calls),
        index=None,
        key=f"{form}_call",
        format_func=call_label(calls),
        placeholder=t("fm_choose"),
        on_change=start_over,
        args=(form,),
    )
    return calls.get(call_no)


def start_over(form: str) -> None:
    """Another call picked: its own defaults, no old messages."""
    forms.clear_messages(form)
    forms.forget(form, ("responded_at", "closed_at", "hours", "summary"))


def save_response(call: dict) -> str:
    responded_at = st.session_state[f"{RESPOND}_responded_at"]
    writes.respond_call(
        data.engine(),
        auth.current_actor(),
        call["call_no"],
        expected_version=call["version"],
        responded_at=responded_at,
    )
    forms.forget(RESPOND, ("responded_at", "call"))
    return t("ec_responded", call_no=call["call_no"])


def respond_form(employee_no: str | None, role: str) -> None:
    call = pick_call(RESPOND, open_calls(employee_no, role, unanswered=True))
    if call is None:
        return
    forms.messages(RESPOND, reload=lambda: None)
    with st.form("ec_respond_form", clear_on_submit=False):
        forms.field(RESPOND, "expert_calls", "responded_at", f"{RESPOND}_responded_at", default=now())
        st.form_submit_button(
            t("ec_respond_button"),
            type="primary",
            icon=":material/call:",
            width="stretch",
            on_click=forms.submit,
            args=(RESPOND, lambda: save_response(call)),
        )


def save_close(call: dict) -> str:
    typed = forms.values(CLOSE, ("closed_at", "hours", "summary"))
    writes.close_call(data.engine(), auth.current_actor(), call["call_no"], expected_version=call["version"], **typed)
    forms.forget(CLOSE, ("closed_at", "hours", "summary", "call"))
    return t("ec_closed", call_no=call["call_no"])


def close_form(employee_no: str | None, role: str) -> None:
    call = pick_call(CLOSE, open_calls(employee_no, role, unanswered=False))
    if call is None:
        return
    forms.messages(CLOSE, reload=lambda: None)
    with st.form("ec_close_form", clear_on_submit=False):
        forms.field(CLOSE, "expert_calls", "closed_at", f"{CLOSE}_closed_at", default=now())
        forms.field(CLOSE, "expert_calls", "hours", f"{CLOSE}_hours")
        forms.field(CLOSE, "expert_calls", "summary", f"{CLOSE}_summary", area=True, default=call["summary"])
        st.form_submit_button(
            t("ec_close_button"),
            type="primary",
            icon=":material/task_alt:",
            width="stretch",
            on_click=forms.submit,
            args=(CLOSE, lambda: save_close(call)),
        )


role = forms.require("office", "manager")
forms.keep_typed(f"{REQUEST}_", f"{RESPOND}_", f"{CLOSE}_")
forms.show_toast()
st.title(t("nav_entry_calls"))
st.caption(t("ec_caption"))
employee_no, manager_id = whose_calls(role)
steps = {step: t(f"ec_step_{step}") for step in STEPS}
step = st.radio(
    t("ec_step"), list(steps), key="ec_step", horizontal=True, format_func=steps.get, label_visibility="collapsed"
)
if step == "request":
    request_form(employee_no, manager_id)
elif step == "respond":
    respond_form(employee_no, role)
else:
    close_form(employee_no, role)
