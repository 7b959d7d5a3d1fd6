"""成效 / Value: what the program delivered in the window, each figure with its n and definition.

Connection days saved (like-for-like reduction × resident-served applications compared), charges
saved for customers (yuan per year, from the needs cases closed done), needs converted and the
applications handled by resident managers (metrics.value, the report's "value" section); below,
the needs cases' conversion (metrics.cases).
"""

from __future__ import annotations

import streamlit as st

from ui.components import definition
from ui.filters import screen_filters, window_caption
from ui.strings import t
from ui.value_cards import conversion_cards, value_cards

filters = screen_filters()
window, scope = filters.window, filters.scope
st.title(t("nav_value"))
window_caption(filters)
st.caption(t("vl_caption"))
top = st.columns(2)
bottom = st.columns(2)
value_cards(window, scope, [*top, *bottom])
definition("value")
st.subheader(t("cs_follow_up"))
st.caption(t("cs_conversion_caption"))
conversion_cards(window, scope)
