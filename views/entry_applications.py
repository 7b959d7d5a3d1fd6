"""业扩报装维护 / Connection applications (office): stage dates of many applications in one table."""

from __future__ import annotations

import streamlit as st

from data_access.models import APPLICATION_STAGES
from ui import attachments, data, forms
from ui.strings import t

EDITOR = forms.Editor(
    "eap",
    "applications",
    columns=("app_no", "account_no", "kind", "capacity_kva", "supply", "resident_served", *APPLICATION_STAGES),
)

forms.require("office")
forms.show_toast()
st.title(t("nav_entry_applications"))
st.caption(t("eap_caption"))
left, right = st.columns([2, 1], vertical_alignment="bottom")
search = left.text_input(t("fm_search"), key="eap_search", placeholder=t("eap_search_hint"))
open_only = right.toggle(t("eap_open_only"), key="eap_open_only", value=True)
equals = {"energized_on": None} if open_only else {}
rows, total = data.entry_rows("applications", equals=equals, search=search, search_columns=("app_no", "account_no"))
forms.sheet_editor(EDITOR, rows, scope=(search, open_only), total=total)
if rows:  # the files of one application (forms, drawings)
    by_id = {row["id"]: row["app_no"] for row in rows}
    picked = st.selectbox(
        t("at_application_pick"),
        list(by_id),
        format_func=by_id.get,
        index=None,
        key="eap_files_pick",
        placeholder=t("fm_choose"),
    )
    if picked is not None:
        attachments.panel("applications", int(picked))
