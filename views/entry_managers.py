"""派驻经理维护 / Managers (office): the roster, and per manager training, assessments and postings.

A handover is two posting rows: the leaving manager's posting gets an end
date, the successor's posting starts with a handover note; the tab
"postings of a customer" shows both sides of a customer's handovers.
"""

from __future__ import annotations

import streamlit as st

from data_access.clock import today
from metrics.window import Scope
from ui import data, forms
from ui.components import data_table
from ui.strings import language, t
from ui.text import plain

ROSTER = forms.Editor("ema", "managers", columns=("employee_no", "name", "phone", "team"))


def manager_tables(employee_no: str) -> None:
    own = (("employee_no", employee_no),)
    tables = (
        ("ema_tab_training", forms.Editor("ema_training", "training", ("date", "hours", "kind", "topic"), new_row=own)),
        (
            "ema_tab_assessments",
            forms.Editor("ema_assessments", "assessments", ("date", "score", "passed"), new_row=own),
        ),
        (
            "ema_tab_postings",
            forms.Editor(
                "ema_postings",
                "postings",
                ("account_no", "start_date", "end_date", "handover_note", "gate_override"),
                new_row=own,
            ),
        ),
    )
    for tab, (_title, editor) in zip(st.tabs([t(title) for title, _ in tables]), tables):
        with tab:
            rows, total = data.entry_rows(editor.sheet, equals={"employee_no": employee_no})
            forms.sheet_editor(editor, rows, scope=(employee_no,), total=total)


def customer_postings() -> None:
    """Every posting of one customer (both sides of a handover)."""
    account_no = st.text_input(t("ema_customer"), key="ema_customer", placeholder=t("ema_customer_placeholder")).strip()
    if not account_no:
        return
    assigning(account_no)
    editor = forms.Editor(
        "ema_customer_postings",
        "postings",
        ("employee_no", "start_date", "end_date", "handover_note", "gate_override"),
        new_row=(("account_no", account_no),),
    )
    rows, total = data.entry_rows("postings", equals={"account_no": account_no})
    if not rows:
        st.caption(t("ema_no_postings", account_no=plain(account_no)))
    forms.sheet_editor(editor, rows, scope=(account_no,), total=total)


CUSTOMER_FACTS = ("name", "industry", "town", "voltage_kv", "capacity_kva", "annual_kwh")
FIT_COLUMNS = ["employee_no", "name", "team", "state", "active_postings", "gate_ok", "total_hours", "skill_share"]


def assigning(account_no: str) -> None:
    """Side by side when assigning a manager: the customer's attributes, and each manager's fit today
    (stage, current postings, whether the posting gate lets them be posted; metrics.lifecycle).
    Managers have no specialty in the data contract: their fit is their record and their load."""
    customer = data.stored_row("customers", {"account_no": account_no})
    if customer is None:
        return
    left, right = st.columns([1, 2])
    with left:
        st.markdown(f"**{t('lc_assign_customer')}**")
        for column in CUSTOMER_FACTS:
            value = customer.get(column)
            shown = (
                "—"
                if value is None
                else (
                    f"{value:,.0f}"
                    if isinstance(value, float) and value.is_integer()
                    else f"{value:,}"
                    if isinstance(value, float)
                    else plain(str(value))
                )
            )
            st.caption(
                f"{t('lc_assign_' + column)}：{shown}" if language() == "zh" else f"{t('lc_assign_' + column)}: {shown}"
            )
    with right:
        st.markdown(f"**{t('lc_assign_candidates')}**")
        fit = data.lifecycle_states(today(), Scope())
        fit = fit.sort_values(["gate_ok", "active_postings", "employee_no"], ascending=[False, True, True])
        fit = fit[FIT_COLUMNS].assign(state=[t(f"lc_state_{state}") for state in fit["state"]])
        data_table(
            fit,
            t("lc_assign_candidates"),
            "ema_fit",
            headers="lc_col_",
            percent=("skill_share",),
            flags=("gate_ok",),
            decimals=("total_hours",),
            blank=("team",),
        )


forms.require("office")
forms.show_toast()
st.title(t("nav_entry_managers"))
st.caption(t("ema_caption"))
search = st.text_input(t("fm_search"), key="ema_search", placeholder=t("ema_search_hint"))
roster, total = data.entry_rows("managers", search=search, search_columns=("employee_no", "name", "team"))
forms.sheet_editor(ROSTER, roster, scope=(search,), total=total)

st.subheader(t("ema_one_manager"))
employee_no = forms.manager_picker("ema_pick")
if employee_no:
    manager_tables(employee_no)
st.subheader(t("ema_handover"))
st.caption(t("ema_handover_caption"))
customer_postings()
