"""The filters shared by every screen: date window, town, team (kept in the URL).

app.py draws them in the sidebar with `sidebar_filters()` on every run.
A screen then asks for them:

    filters = screen_filters()      # stops the screen with a clear message if from > to
    window, scope = filters.window, filters.scope
    window_caption(filters)         # "统计区间 2025-07-01 至 2025-09-30 ..."

The default window is the last full calendar quarter with data: the quarter
of metrics.window.last_full_quarter counted from the day after the newest
work log (so data up to 30 Sep gives Jul–Sep), or from today when there are
no logs. Values come from the URL (?from=&to=&town=&team=) and go back to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from metrics.window import Scope, Window, WindowError, last_full_quarter
from ui import data, state
from ui.strings import t
from ui.text import plain

_FILTERS = "_filters"
# The calendar table spans these years (data_access.calendar).
MIN_DATE = dt.date(2015, 1, 1)
MAX_DATE = dt.date(2032, 12, 31)


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    scope: Scope
    error: str | None = None  # a message when the window cannot be used

    @property
    def window(self) -> Window:
        return Window(self.start, self.end)


def default_window() -> Window:
    latest = data.latest_log_date()
    return last_full_quarter((latest + dt.timedelta(days=1)) if latest else dt.date.today())


def _url_date(key: str, field: str, fallback: dt.date, notices: list[str]) -> dt.date:
    text = state.get(key)
    if text is None:
        return fallback
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        notices.append(t("filter_bad_date", value=text, field=field))
        return fallback
    return min(max(value, MIN_DATE), MAX_DATE)


def _url_choice(key: str, field: str, choices: list[str], notices: list[str]) -> str | None:
    value = state.get(key)
    if value is not None and value not in choices:
        notices.append(t("filter_unknown_choice", field=field, value=value))
        state.set_value(key, None)
        return None
    return value


_REFUSED = "_filter_refused"


def _on_date_change(widget_key: str, param: str) -> None:
    """Apply a changed date, unless it would put the end before the start: then the window in use
    stays (in the fields too, drawn from it on this run) and the sidebar says why."""
    value = st.session_state.get(widget_key)
    if value is None:
        return
    start = value if param == "from" else st.session_state.get("w_from")
    end = value if param == "to" else st.session_state.get("w_to")
    if start is not None and end is not None and start > end:
        st.session_state[_REFUSED] = t("filter_window_refused", start=start, end=end)
        return
    state.set_value(param, value.isoformat())


def _on_choice_change(widget_key: str, param: str) -> None:
    state.set_value(param, st.session_state.get(widget_key) or None)


def current_values() -> tuple[Filters, list[str]]:
    """The filters from the shared state (URL), and notices about values that were ignored."""
    notices: list[str] = []
    default = default_window()
    start = _url_date("from", t("filter_from"), default.start, notices)
    end = _url_date("to", t("filter_to"), default.end, notices)
    towns, teams = data.filter_choices()
    scope = Scope(
        _url_choice("town", t("filter_town"), towns, notices), _url_choice("team", t("filter_team"), teams, notices)
    )
    error = None
    try:
        Window(start, end)
    except WindowError:
        error = t("filter_window_error", start=start, end=end)
    return Filters(start, end, scope, error), notices


def unseen_filters() -> Filters:
    """The filters in use (from the URL) without drawing them: for the entry and admin screens,
    whose sidebar has no use for a date window; the playlist and a later dashboard screen still
    find them (screen_filters)."""
    filters, _ = current_values()
    st.session_state[_FILTERS] = filters
    return filters


def sidebar_filters() -> Filters:
    """Draw the filter widgets in the sidebar and return the filters (also kept for screen_filters())."""
    filters, notices = current_values()
    # The URL always carries the window in use, so any link reopens the same view.
    if state.get("from") != filters.start.isoformat():
        state.set_value("from", filters.start.isoformat())
    if state.get("to") != filters.end.isoformat():
        state.set_value("to", filters.end.isoformat())
    towns, teams = data.filter_choices()
    sidebar = st.sidebar
    sidebar.subheader(t("filter_heading"))
    refused = st.session_state.pop(_REFUSED, None)
    for notice in [*notices, *([refused] if refused else [])]:
        sidebar.warning(plain(notice))
    st.session_state["w_from"], st.session_state["w_to"] = filters.start, filters.end
    # "" stands for all towns / teams (a selectbox shows None as "no choice").
    st.session_state["w_town"], st.session_state["w_team"] = filters.scope.town or "", filters.scope.team or ""
    common = dict(min_value=MIN_DATE, max_value=MAX_DATE, format="YYYY-MM-DD")
    sidebar.date_input(t("filter_from"), key="w_from", on_change=_on_date_change, args=("w_from", "from"), **common)
    sidebar.date_input(t("filter_to"), key="w_to", on_change=_on_date_change, args=("w_to", "to"), **common)
    everything = t("filter_all")
    sidebar.selectbox(
        t("filter_town"),
        ["", *towns],
        key="w_town",
        format_func=lambda v: v or everything,
        on_change=_on_choice_change,
        args=("w_town", "town"),
    )
    sidebar.selectbox(
        t("filter_team"),
        ["", *teams],
        key="w_team",
        format_func=lambda v: v or everything,
        on_change=_on_choice_change,
        args=("w_team", "team"),
    )
    if filters.error:
        sidebar.error(filters.error)
    st.session_state[_FILTERS] = filters
    return filters


def screen_filters() -> Filters:
    """The filters for a screen; shows the window error and stops the screen when from > to."""
    filters = st.session_state.get(_FILTERS)
    if filters is None:  # a screen run without app.py's sidebar (should not happen)
        filters, _ = current_values()
    if filters.error:
        st.error(plain(filters.error))
        st.stop()
    return filters


def window_caption(filters: Filters) -> None:
    """One caption line: the window, its length and the scope."""
    window = filters.window
    scope_parts = [part for part in (filters.scope.town, filters.scope.team) if part]
    text = t("filter_window_caption", start=window.start, end=window.end, days=window.days)
    if scope_parts:
        text += " · " + t("filter_scope_caption", scope=" / ".join(scope_parts))
    st.caption(plain(text))
    fallback = data.calendar_fallback_days(window)
    if fallback:
        st.warning(t("calendar_fallback", days=fallback))
