"""The 中文 / English switch, shown in the sidebar and on the login page."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.strings import t

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def _on_language_change() -> None:
    chosen = st.session_state.get("w_lang")
    state.set_value("lang", "en" if chosen == "en" else None)


def language_switch(container=None) -> None:
    """中文 / English radio; the choice is kept in the URL (lang=en)."""
    container = container or st
    st.session_state["w_lang"] = state.language()
    container.radio(
        t("language"),
        list(LANGUAGE_NAMES),
        key="w_lang",
        horizontal=True,
        format_func=LANGUAGE_NAMES.get,
        on_change=_on_language_change,
    )
