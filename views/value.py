"""成效 / Value: what the program delivered in the window, each figure with its n and definition.

Connection days saved (like-for-like reduction × resident-served applications compared), charges
saved for customers (yuan per year, from the needs cases closed done), needs converted and the
applications handled by resident managers (metrics.value, the report's "value" section); below,
the needs cases' conversion (metrics.cases).
"""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.components import definition
from ui.filters import screen_filters, window_caption
from ui.strings import t
from ui.value_cards import conversion_cards, value_cards

filters = screen_filters()
window, scope = filters.window, filters.scope
st.title(t("nav_value"))
window_caption(filters)
wall = state.projection()  # the wall screen: one row of cards, no notes (1920×1080 without scrolling)
if not wall:
    st.caption(t("vl_caption"))
value_cards(window, scope, st.columns(4) if wall else [*st.columns(2), *st.columns(2)])
if not wall:
    definition("value")
st.subheader(t("cs_follow_up"))
st.caption(t("cs_conversion_caption"))
conversion_cards(window, scope)
