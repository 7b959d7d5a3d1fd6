"""The shared sidebar of a logged-in user: who, filters, language, projection, playlist, logout.

app.py calls `render()` after st.navigation and before the page runs,
so every screen has the same sidebar and the filters are ready for
ui.filters.screen_filters().
"""

from __future__ import annotations

import streamlit as st

from ui import auth as ui_auth
from ui import filters, playlist, state
from ui.language import language_switch
from ui.strings import t


def _on_projection_change() -> None:
    on = bool(st.session_state.get("w_present"))
    state.set_value("present", "1" if on else None)
    if not on:  # the playlist runs in projection mode only (ui.playlist.prepare)
        state.set_value("rotate", None)


def projection_toggle(container=None) -> None:
    """Projection mode on/off; kept in the URL (present=1)."""
    container = container or st
    st.session_state["w_present"] = state.projection()
    container.toggle(t("projection"), key="w_present", help=t("projection_help"), on_change=_on_projection_change)


def _signed_in(sidebar) -> None:
    user = ui_auth.current_user() or {}
    role = ui_auth.current_role()
    sidebar.caption(t("signed_in_as", name=user.get("display_name", ""), role=t(f"role_{role}") if role else ""))


def render(with_filters: bool = True) -> filters.Filters:
    """Draw the sidebar (the filters only for dashboard screens); returns the current filters."""
    sidebar = st.sidebar
    _signed_in(sidebar)
    if ui_auth.current_role() == "office" and not state.projection():
        with sidebar:
            ui_auth.demo_banner()
    current = filters.sidebar_filters() if with_filters else filters.unseen_filters()
    sidebar.divider()
    language_switch(sidebar)
    projection_toggle(sidebar)
    playlist.controls(sidebar)
    ui_auth.logout_button(sidebar)
    return current


def render_minimal() -> None:
    """The sidebar while only the account page is open: who, language, logout."""
    sidebar = st.sidebar
    _signed_in(sidebar)
    language_switch(sidebar)
    ui_auth.logout_button(sidebar)
