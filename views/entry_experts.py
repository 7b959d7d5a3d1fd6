"""专家库维护 / Expert roster (office): add, change and remove experts in one table."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from data_access.writes import get_sheet
from ui import data, forms
from ui.strings import t

EDITOR = forms.Editor("eex", "experts", columns=("expert_no", "name", "specialty", "phone", "active"))
SPECIALTY = get_sheet("experts").column("specialty")

forms.require("office")
forms.show_toast()
st.title(t("nav_entry_experts"))
st.caption(t("eex_caption"))
left, right = st.columns(2)
everything = t("filter_all")
specialty_label = forms.choice_label(SPECIALTY)
specialty = left.selectbox(
    forms.label(SPECIALTY),
    ["", *SPECIALTY.codes],
    key="eex_specialty",
    format_func=lambda v: specialty_label(v) if v else everything,
)
search = right.text_input(t("fm_search"), key="eex_search", placeholder=t("eex_search_hint"))
equals = {"specialty": specialty} if specialty else {}
rows, total = data.entry_rows("experts", equals=equals, search=search, search_columns=("expert_no", "name"))
# New rows start in the specialty shown.
editor = replace(EDITOR, new_row=tuple(equals.items()))
forms.sheet_editor(editor, rows, scope=(specialty, search), total=total)
