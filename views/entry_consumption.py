"""月度用电维护 / Monthly consumption (office): one customer's months, or one month's customers, in a table."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ui import data, forms
from ui.strings import t
from ui.text import plain

MONTHS_BACK = 24


def recent_months(today: dt.date) -> list[str]:
    first = today.replace(day=1)
    months = []
    for _ in range(MONTHS_BACK):
        months.append(first.strftime("%Y-%m"))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return months


def by_customer() -> None:
    search = st.text_input(t("ecn_customer_search"), key="ecn_search", placeholder=t("ecu_search_hint"))
    if not search.strip():
        st.info(t("ecn_type_customer"))
        return
    found, _ = data.entry_rows("customers", search=search, search_columns=("account_no", "name"), limit=50)
    names = {row["account_no"]: row["name"] for row in found}
    if not names:
        st.warning(t("ecn_no_customer", search=plain(search)))
        return
    account_no = st.selectbox(
        t("ecn_customer"), list(names), key="ecn_account", format_func=lambda no: f"{no} {names[no]}"
    )
    editor = forms.Editor(
        "ecn_customer", "consumption", ("month", "kwh", "max_demand_kw"), new_row=(("account_no", account_no),)
    )
    rows, total = data.entry_rows("consumption", equals={"account_no": account_no})
    forms.sheet_editor(editor, rows, scope=(account_no,), total=total)


def by_month() -> None:
    month_text = st.selectbox(t("ecn_month"), recent_months(dt.date.today()), key="ecn_month")
    month = dt.date.fromisoformat(month_text + "-01")
    editor = forms.Editor(
        "ecn_month", "consumption", ("account_no", "kwh", "max_demand_kw"), new_row=(("month", month_text),)
    )
    rows, total = data.entry_rows("consumption", equals={"month": month})
    forms.sheet_editor(editor, rows, scope=(month_text,), total=total)


forms.require("office")
forms.show_toast()
st.title(t("nav_entry_consumption"))
st.caption(t("ecn_caption"))
views = {view: t(f"ecn_view_{view}") for view in ("customer", "month")}
view = st.radio(
    t("ecn_view"), list(views), key="ecn_view", horizontal=True, format_func=views.get, label_visibility="collapsed"
)
if view == "customer":
    by_customer()
else:
    by_month()
