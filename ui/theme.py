"""Projection mode for a wall screen, and chart styling, in one place.

The everyday theme and fonts are in .streamlit/config.toml. Projection mode
(`?present=1` or the sidebar toggle) adds large type and a high-contrast dark
look on top of it, and the page starts with the sidebar collapsed; screens
show a compact version that fits 1920x1080 without scrolling. The wall-screen
playlist (ui.playlist, `?rotate=N`) adds a fixed footer and, while it runs,
hides the sidebar and the header. Charts take their colours from
`plotly_layout()` so they follow the mode.

    page_config()        call first in app.py (layout, sidebar state)
    apply()              once per run, after page_config()
    plotly_layout(fig)   style a plotly figure for the current mode
    STATUS_COLORS        red / amber / green of ui.targets statuses
"""

from __future__ import annotations

import functools

import streamlit as st

from metrics import figures
from ui import playlist, state
from ui.strings import language

# One mapping for every chart (metrics.figures: the PDF brief uses it too).
STATUS_COLORS = figures.STATUS_COLORS
# st.metric / badge colour names for the same statuses.
STATUS_BADGE = {"green": "green", "amber": "orange", "red": "red", "small": "gray", None: "gray"}
SERIES_COLORS = ["#0B6E4F", "#1F77B4", "#E8A317", "#9467BD", "#D93025", "#17BECF"]
# The same series brighter, for lines on the projection's black background.
PROJECTION_SERIES_COLORS = ["#34D399", "#60A5FA", "#FBBF24", "#C084FC", "#F87171", "#22D3EE"]

PROJECTION_CSS = """
<style>
/* Projection mode: high-contrast dark, large type, no scrolling at 1920x1080 (ui/theme.py) */
.stApp, [data-testid="stSidebar"] { background: #000000 !important; }
[data-testid="stHeader"] { background: transparent !important; }
.stApp, .stApp p, .stApp label, .stApp li, .stApp h1, .stApp h2, .stApp h3, .stApp h4,
.stApp summary, [data-testid="stMetricValue"] div {
    color: #FFFFFF !important;
}
.stApp [data-testid="stCaptionContainer"], .stApp [data-testid="stCaptionContainer"] p {
    color: #E0E0E0 !important; font-size: 1.15rem !important;
}
.stApp { font-size: 22px; }
.stApp h1 { font-size: 2.6rem !important; padding: 0 0 0.2rem 0 !important; }
.stApp h2, .stApp h3 { font-size: 1.8rem !important; padding: 0.2rem 0 !important; }
[data-testid="stMetric"] { background: #111111; border-color: #FFFFFF !important; }
[data-testid="stMetricLabel"] p { font-size: 1.5rem !important; }
[data-testid="stMetricValue"] { font-size: 3.6rem !important; color: #FFFFFF !important; }
[data-testid="stMetricDelta"] { font-size: 1.4rem !important; }
[data-testid="stMetricDelta"] p { color: inherit !important; }
[data-testid="stExpander"] details { border-color: #FFFFFF !important; }
[data-testid="stExpander"] summary:hover { color: #FFD54F !important; }
[data-testid="stVerticalBlockBorderWrapper"] { border-color: #FFFFFF !important; }
[data-testid="stTab"] p { font-size: 1.35rem !important; }
/* Tables: large light type on black */
[data-testid="stTable"] th, [data-testid="stTable"] td {
    font-size: 1.35rem !important; color: #FFFFFF !important; background: #000000 !important;
    border-color: #555555 !important; padding: 0.25rem 0.6rem !important;
}
[data-testid="stTable"] th { background: #1A1A1A !important; }
/* Data frames are drawn on a canvas in the light theme's colours: invert them to dark */
[data-testid="stDataFrame"] { filter: invert(1) hue-rotate(180deg); }
/* Buttons and inputs: light text on dark */
.stApp button[data-testid^="stBaseButton-secondary"], .stApp button[data-testid^="stBaseButton-tertiary"] {
    background: #111111 !important; color: #FFFFFF !important; border-color: #FFFFFF !important;
}
.stApp [data-testid="stDateInputField"], .stApp [data-testid="stNumberInputContainer"],
.stApp [data-testid="stTextInputRootElement"], .stApp [data-testid="stTextAreaRootElement"],
.stApp [data-testid="stSelectbox"] [role="group"], .stApp [data-testid="stMultiSelect"] [role="group"],
.stApp input, .stApp textarea {
    background: #111111 !important; border-color: #888888 !important;
}
.stApp input, .stApp textarea, .stApp [role="group"] { color: #FFFFFF !important; -webkit-text-fill-color: #FFFFFF; }
/* No clutter on the wall: no downloads, no definition expanders (the cards' tooltips keep them) */
[data-testid="stDownloadButton"], [data-testid="stMain"] [data-testid="stExpander"] { display: none !important; }
/* Room: invisible helpers (styles, the login cookie's component) taken out of the flow */
[data-testid="stMain"] [data-testid="stElementContainer"]:has(iframe[height="0"]),
[data-testid="stMain"] [data-testid="stElementContainer"]:has([data-testid="stMarkdown"] style) {
    position: absolute !important; height: 0; overflow: hidden;
}
.block-container, [data-testid="stMainBlockContainer"] {
    padding: 1rem 3rem 1rem 3rem !important; max-width: 100% !important;
}
</style>
"""

# Every mode: a KPI card's label and value wrap onto a second line instead of being cut off with
# "…" (st.metric truncates both), so a long label or a value with its unit is always whole.
BASE_CSS = """
<style id="dashboard-base">
[data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] .stMarkdownEllipsis p,
[data-testid="stMetricValue"] .stMarkdownEllipsis, [data-testid="stMetricValue"] .stMarkdownEllipsis p,
[data-testid="stMetricLabel"] > div {
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
    overflow-wrap: anywhere;
}
[data-testid="stMetricValue"] { overflow: visible !important; }
/* The login page's chart that loads the chart library early (ui.auth) is never shown */
.st-key-chart_library_loader { display: none; }
/* This style block itself takes no room in the page */
[data-testid="stMain"] [data-testid="stElementContainer"]:has(style#dashboard-base) { display: none; }
</style>
"""

# The playlist (ui.playlist) on top of projection: a footer fixed to the bottom.
PLAYLIST_CSS = """
<style>
.st-key-playlist_footer {
    position: fixed; left: 0; right: 0; bottom: 0; z-index: 999990;
    background: #000000; border-top: 1px solid #555555; padding: 0.2rem 3rem;
}
.st-key-playlist_footer [data-testid="stCaptionContainer"] p { white-space: nowrap; margin: 0; }
.block-container, [data-testid="stMainBlockContainer"] { padding-bottom: 4rem !important; }
</style>
"""

# The playlist while it runs: nothing but the screen (pause it to reach the sidebar).
PLAYLIST_RUNNING_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stHeader"] { display: none !important; }
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
    """Add the card styling, the projection styling when projection mode is on, and the playlist's
    when it is on."""
    st.markdown(BASE_CSS, unsafe_allow_html=True)
    if state.projection():
        st.markdown(PROJECTION_CSS, unsafe_allow_html=True)
    if state.get("rotate") is not None:
        st.markdown(PLAYLIST_CSS, unsafe_allow_html=True)
        if playlist.running():
            st.markdown(PLAYLIST_RUNNING_CSS, unsafe_allow_html=True)


# Template parts no screen draws: subplot kinds and trace types. Left out of the chart template,
# which plotly validates for every figure and sends with every chart (docs/performance.md).
_UNUSED_SUBPLOTS = ("geo", "polar", "ternary", "scene", "mapbox", "map")
_TRACE_TYPES = ("bar", "box", "heatmap", "histogram", "pie", "scatter")


# st.file_uploader's own words are English only ("Upload", "200MB per file • XLSX, CSV"): in Chinese
# they are hidden and replaced by ours (the size is the server's limit, server.maxUploadSize).
_UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: "{button}"; font-size: 1rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{limit}"; font-size: 0.8rem; }}
</style>"""


def uploader_words(button: str, limit: str) -> None:
    """Replace the file uploader's English button text and size note (call before the uploader)."""
    st.html(_UPLOADER_CSS.format(button=button.replace('"', ""), limit=limit.replace('"', "")))


# On a phone the menu covers the page; Streamlit leaves it open after a screen is chosen from it.
# This closes it once per screen (the page's path makes the script differ, so it runs again only
# after a navigation); on wider windows the menu stays as the user left it.
_CLOSE_MENU_ON_PHONE = """<script>/* {page} */
if (window.innerWidth <= {max_width}) {{
  const collapse = document.querySelector('[data-testid="stSidebarCollapseButton"] button[aria-expanded="true"]');
  if (collapse) collapse.click();
}}
</script>"""
PHONE_MAX_WIDTH = 768


def close_menu_on_phone(page_path: str) -> None:
    """Close the sidebar menu after a navigation on a narrow (phone) window."""
    st.sidebar.html(
        _CLOSE_MENU_ON_PHONE.format(page=page_path, max_width=PHONE_MAX_WIDTH), unsafe_allow_javascript=True
    )


@functools.cache
def chart_template(projection: bool):
    """plotly_white (plotly_dark in projection) without the parts no screen draws, with the
    dashboard's colours, font and margins: built once per mode, then only assigned."""
    import plotly.graph_objects as go
    import plotly.io as pio

    base = pio.templates["plotly_dark" if projection else "plotly_white"].to_plotly_json()
    template = go.layout.Template(
        layout={name: value for name, value in base["layout"].items() if name not in _UNUSED_SUBPLOTS},
        data={name: value for name, value in base["data"].items() if name in _TRACE_TYPES},
    )
    template.layout.update(
        paper_bgcolor="#000000" if projection else "rgba(0,0,0,0)",
        plot_bgcolor="#000000" if projection else "rgba(0,0,0,0)",
        font=dict(size=20 if projection else 13, color="#FFFFFF" if projection else "#1B2631"),
        margin=dict(l=8, r=8, t=36, b=8),
        colorway=PROJECTION_SERIES_COLORS if projection else SERIES_COLORS,
    )
    return template


def _set_template(fig, template) -> None:
    """fig.layout.template = template without validating it again: it was validated when built.
    Plotly assigns its default template the same way."""
    layout, validate = fig.layout, fig.layout._validate
    layout._validate = False
    try:
        layout.template = template
    finally:
        layout._validate = validate


def plotly_config() -> dict:
    """The config every chart is drawn with: no mode bar; numbers and dates in the language's locale."""
    return {"displayModeBar": False, "locale": "zh-CN" if language() == "zh" else "en"}


def plotly_layout(fig, height: int | None = None):
    """Style a plotly figure for the current mode (returns it)."""
    projection = state.projection()
    _set_template(fig, chart_template(projection))
    fig.update_layout(height=height)
    if projection:  # chart titles and lines readable from the back of the room
        fig.update_layout(title_font_size=22)
        fig.update_traces(line_width=3, selector={"type": "scatter", "mode": "lines+markers"})
    return fig
