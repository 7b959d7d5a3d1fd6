"""Projection mode for a wall screen, and chart styling, in one place.

The everyday theme and fonts are in .streamlit/config.toml. Projection mode
(`?present=1` or the sidebar toggle) adds large type and a high-contrast dark
look on top of it, and the page starts with the sidebar collapsed. Charts
take their colours from `plotly_layout()` so they follow the mode.

    page_config()        call first in app.py (layout, sidebar state)
    apply()              once per run, after page_config()
    plotly_layout(fig)   style a plotly figure for the current mode
    STATUS_COLORS        red / amber / green of ui.targets statuses
"""
from __future__ import annotations

import streamlit as st

from ui import state

STATUS_COLORS = {"green": "#1E8E3E", "amber": "#E8A317", "red": "#D93025", None: "#80868B"}
# st.metric / badge colour names for the same statuses.
STATUS_BADGE = {"green": "green", "amber": "orange", "red": "red", None: "gray"}
SERIES_COLORS = ["#0B6E4F", "#1F77B4", "#E8A317", "#9467BD", "#D93025", "#17BECF"]

PROJECTION_CSS = """
<style>
/* Projection mode: high-contrast dark, large type (ui/theme.py) */
.stApp, [data-testid="stHeader"], [data-testid="stSidebar"] { background: #000000 !important; }
.stApp, .stApp p, .stApp label, .stApp li, .stApp h1, .stApp h2, .stApp h3, .stApp h4,
.stApp summary, [data-testid="stMetricValue"] div {
    color: #FFFFFF !important;
}
.stApp [data-testid="stCaptionContainer"], .stApp [data-testid="stCaptionContainer"] p { color: #E0E0E0 !important; }
.stApp { font-size: 22px; }
.stApp h1 { font-size: 3rem !important; }
.stApp h2, .stApp h3 { font-size: 2.1rem !important; }
[data-testid="stMetric"] { background: #111111; border-color: #FFFFFF !important; }
[data-testid="stMetricLabel"] p { font-size: 1.5rem !important; }
[data-testid="stMetricValue"] { font-size: 3.6rem !important; color: #FFFFFF !important; }
[data-testid="stMetricDelta"] { font-size: 1.4rem !important; }
[data-testid="stMetricDelta"] p { color: inherit !important; }
[data-testid="stExpander"] details { border-color: #FFFFFF !important; }
[data-testid="stExpander"] summary:hover { color: #FFD54F !important; }
[data-testid="stVerticalBlockBorderWrapper"] { border-color: #FFFFFF !important; }
.block-container { padding-top: 2rem; max-width: 100% !important; }
</style>
"""


def page_config() -> None:
    """Wide layout always; projection starts with the sidebar collapsed."""
    st.set_page_config(
        page_title="派驻经理服务看板",
        page_icon="⚡",  # an emoji: a Material icon favicon is fetched from the internet
        layout="wide",
        initial_sidebar_state="collapsed" if state.projection() else "auto",
    )


def apply() -> None:
    """Add the projection styling when projection mode is on."""
    if state.projection():
        st.markdown(PROJECTION_CSS, unsafe_allow_html=True)


def plotly_layout(fig, height: int | None = None):
    """Style a plotly figure for the current mode (returns it)."""
    projection = state.projection()
    fig.update_layout(
        template="plotly_dark" if projection else "plotly_white",
        paper_bgcolor="#000000" if projection else "rgba(0,0,0,0)",
        plot_bgcolor="#000000" if projection else "rgba(0,0,0,0)",
        font=dict(size=20 if projection else 13, color="#FFFFFF" if projection else "#1B2631"),
        margin=dict(l=8, r=8, t=36, b=8),
        colorway=SERIES_COLORS,
        height=height,
    )
    return fig

