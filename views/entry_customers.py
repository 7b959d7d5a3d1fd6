"""客户维护 / Customers (office): segment fields of many customers in one table, and new customers.

The table edits star rating, potential-customer reason, churn risk, power
purchase and basic-charge mode; one save writes every changed row in one
transaction (data_access.writes.save_rows), or nothing when a row is bad.
"""

from __future__ import annotations

import streamlit as st

from data_access import writes
from ui import auth, data, forms
from ui.strings import t

EDITOR = forms.Editor(
    "ecu",
    "customers",
    columns=(
        "account_no",
        "name",
        "town",
        "capacity_kva",
        "star_rating",
        "potential_reason",
        "churn_risk",
        "market_status",
        "billing_mode",
    ),
    editable=("star_rating", "potential_reason", "churn_risk", "market_status", "billing_mode"),
    num_rows="fixed",
)
ADD = "ecu_add"
SHEET = writes.get_sheet("customers")


def save_new() -> str:
    typed = forms.values(ADD, SHEET.column_keys)
    writes.save_row(data.engine(), auth.current_actor(), "customers", typed)
    forms.forget(ADD, SHEET.column_keys)
    return t("ecu_added", account_no=typed["account_no"])


def filters() -> tuple[dict, str]:
    left, middle, right = st.columns(3)
    everything = t("filter_all")
    town = left.selectbox(
        t("filter_town"),
        ["", *data.entry_distinct("customers", "town")],
        key="ecu_town",
        format_func=lambda v: v or everything,
    )
    search = middle.text_input(t("fm_search"), key="ecu_search", placeholder=t("ecu_search_hint"))
    market = SHEET.column("market_status")
    market_label = forms.choice_label(market)
    status = right.selectbox(
        forms.label(market),
        ["", *market.codes],
        key="ecu_market",
        format_func=lambda v: market_label(v) if v else everything,
    )
    equals = {key: value for key, value in (("town", town), ("market_status", status)) if value}
    return equals, search


forms.require("office")
forms.show_toast()
st.title(t("nav_entry_customers"))
st.caption(t("ecu_caption"))
equals, search = filters()
rows, total = data.entry_rows("customers", equals=equals, search=search, search_columns=("account_no", "name"))
forms.sheet_editor(EDITOR, rows, scope=(tuple(sorted(equals.items())), search), total=total)

with st.expander(t("ecu_add"), icon=":material/add_business:", expanded=forms.has_problems(ADD)):
    forms.messages(ADD)
    with st.form("ecu_add_form", clear_on_submit=False):
        for column in SHEET.columns:
            forms.field(ADD, "customers", column.key, f"{ADD}_{column.key}")
        st.form_submit_button(
            t("fm_save"), type="primary", icon=":material/save:", on_click=forms.submit, args=(ADD, save_new)
        )
