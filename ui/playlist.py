"""The wall-screen playlist of joint meetings: the chosen screens in turn, every N seconds.

    ?present=1&rotate=60                                    the default screens, a minute each
    ?present=1&rotate=30&screens=overview,attendance,lead_time

`rotate` (seconds per screen) turns the playlist on, and projection mode with
it; `screens` lists URL paths of the dashboards in ui.nav.SCREENS (never the
entry forms), DEFAULT_SCREENS when absent. Both are shared URL parameters
(ui.state), so page switches keep them with the filters; the sidebar edits
them (controls()). A bad value is replaced by the default, with a notice.

app.py, on every run:
    prepare()                 first: a link with rotate= also turns projection on
    begin(role)               after login: read the values; a new cycle clears the cached data
    controls(sidebar)         in the sidebar: on/off, seconds, screens (ui.sidebar)
    frame(page, filters)      before the screen: the footer (window, refresh time, ⏮ ⏯ ⏭
                              with the keys ← space →) and the timer

The timer is an st.fragment(run_every=N), drawn before the screen so a screen
that stops early (st.stop) cannot stop the playlist. The browser keeps one
interval per fragment and drops them all when a full run starts, so timers
never stack. A tick that finds the screen shown for N seconds starts a new
cycle and st.switch_page()s to the next screen with the shared URL
parameters: the session, and so the login, stays; begin() then clears
st.cache_data so the next screen reads the database again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from ui import data, nav, state
from ui.strings import t
from ui.text import plain

DEFAULT_SCREENS = ("overview", "attendance", "experts", "lead_time", "needs", "meeting")
DEFAULT_SECONDS = 60
MIN_SECONDS = 5
MAX_SECONDS = 3600
TICK_TOLERANCE = 1.0  # seconds: a tick this much early still advances

_PLAYLIST = "_playlist"  # this run's Playlist
_CYCLE = "_playlist_cycle"  # counts the playlist's screen changes in this session
_REFRESHED = "_playlist_refreshed"  # (cycle, time) of the last cache clear
_SHOWN_AT = "_playlist_shown_at"  # time.monotonic() when this screen was drawn
_PAUSED = "_playlist_paused"


@dataclass(frozen=True)
class Playlist:
    seconds: int | None  # None: the playlist is off
    screens: tuple[str, ...]  # URL paths, in playing order
    default: tuple[str, ...]  # the screens when the URL names none
    options: tuple[str, ...]  # every screen the role may put in the playlist
    notices: tuple[str, ...] = ()  # messages about URL values that were replaced

    @property
    def on(self) -> bool:
        return self.seconds is not None


# --- Pure pieces -----------------------------------------------------------------------------


def playlist_screens(role: str | None) -> list[nav.Screen]:
    """The screens `role` may put in the playlist: the dashboards of its menu, not the entry forms."""
    return [screen for screen in nav.screens_for(role) if screen.section == "nav_section_screens"]


def default_screens(options: Sequence[str]) -> tuple[str, ...]:
    return tuple(path for path in DEFAULT_SCREENS if path in options) or tuple(options)


def parse_seconds(text: str | None) -> tuple[int | None, str | None]:
    """The seconds per screen from the URL's rotate value, and a notice when it was unusable.

    None (off) when absent; DEFAULT_SECONDS when not a whole number from MIN_SECONDS to MAX_SECONDS.
    """
    if text is None:
        return None, None
    try:
        seconds = int(text.strip())
    except ValueError:
        seconds = None
    if seconds is None or not MIN_SECONDS <= seconds <= MAX_SECONDS:
        return DEFAULT_SECONDS, t(
            "pl_bad_seconds", value=text, default=DEFAULT_SECONDS, min=MIN_SECONDS, max=MAX_SECONDS
        )
    return seconds, None


def parse_screens(text: str | None, options: Sequence[str]) -> tuple[tuple[str, ...], str | None]:
    """The playlist's screens from the URL's screens value (comma-separated URL paths), and a
    notice naming what was dropped: unknown paths, or screens the role may not open. Nothing
    usable gives the default screens."""
    default = default_screens(options)
    if text is None:
        return default, None
    names = [name.strip() for name in text.split(",") if name.strip()]
    known = tuple(dict.fromkeys(name for name in names if name in options))
    unknown = [name for name in names if name not in options]
    if not known:
        return default, t("pl_no_screens", value=text)
    if unknown:
        return known, t("pl_unknown_screens", names=", ".join(unknown))
    return known, None


def screens_param(screens: Sequence[str], default: Sequence[str]) -> str | None:
    """The URL value for `screens`: None (no parameter) for the default list."""
    return None if tuple(screens) == tuple(default) else ",".join(screens)


def next_screen(current: str, screens: Sequence[str], step: int = 1) -> str:
    """The screen `step` places after `current` in the cycle (step=-1: the one before).

    A screen outside the cycle is followed by the first screen and preceded by the last.
    """
    if not screens:
        raise ValueError("the playlist has no screens")
    if current in screens:
        return screens[(list(screens).index(current) + step) % len(screens)]
    return screens[0] if step > 0 else screens[-1]


def footer_text(window_start: dt.date, window_end: dt.date, refreshed: dt.datetime) -> str:
    """统计区间 2026-07-01 至 2026-09-30 · 刷新于 10:32:05"""
    return t("pl_footer", start=window_start, end=window_end, time=f"{refreshed:%H:%M:%S}")


# --- State of this session -------------------------------------------------------------------


def prepare() -> None:
    """A link with rotate= also turns projection mode on (call before ui.theme.page_config)."""
    if state.get("rotate") is not None and not state.projection():
        state.set_value("present", "1")


def begin(role: str | None) -> Playlist:
    """Read the playlist from the shared state (bad values -> defaults, with notices, and the URL
    corrected); when a new cycle starts, clear the cached data and note the time."""
    options = tuple(screen.url_path for screen in playlist_screens(role))
    seconds, seconds_notice = parse_seconds(state.get("rotate"))
    screens, screens_notice = parse_screens(state.get("screens"), options)
    default = default_screens(options)
    if seconds_notice:
        state.set_value("rotate", str(seconds))
    if screens_notice:
        state.set_value("screens", screens_param(screens, default))
    notices = tuple(notice for notice in (seconds_notice, screens_notice) if notice)
    playlist = Playlist(seconds, screens, default, options, notices)
    st.session_state[_PLAYLIST] = playlist
    if playlist.on:
        _refresh_on_new_cycle()
    else:
        st.session_state.pop(_REFRESHED, None)  # turned on again later: refresh then
        st.session_state.pop(_PAUSED, None)
    return playlist


def current() -> Playlist:
    """This run's playlist (begin() must have run)."""
    return st.session_state[_PLAYLIST]


def paused() -> bool:
    return bool(st.session_state.get(_PAUSED))


def running() -> bool:
    """Whether the playlist is on and not paused (the wall screen hides the sidebar then)."""
    return state.get("rotate") is not None and not paused()


def refreshed_at() -> dt.datetime | None:
    """When the playlist last cleared the cached data (in the browser's time zone if known)."""
    refreshed = st.session_state.get(_REFRESHED)
    return refreshed[1] if refreshed else None


def _now() -> dt.datetime:
    """Now in the browser's time zone (the wall screen's clock), else the server's."""
    try:
        zone = st.context.timezone
        return dt.datetime.now(ZoneInfo(zone)) if isinstance(zone, str) and zone else dt.datetime.now()
    except (ZoneInfoNotFoundError, ValueError, AttributeError):
        return dt.datetime.now()


def _refresh_on_new_cycle() -> None:
    cycle = st.session_state.setdefault(_CYCLE, 0)
    refreshed = st.session_state.get(_REFRESHED)
    if refreshed is None or refreshed[0] != cycle:
        data.clear_caches()
        st.session_state[_REFRESHED] = (cycle, _now())


def shared_params() -> dict[str, str]:
    """The shared URL parameters (filters, language, projection, playlist) to carry to the next screen."""
    return {key: value for key, value in state.state().items() if key in state.PARAMS and value}


def _go(url_path: str) -> None:
    """Start a new cycle and open `url_path` with the shared parameters (ends this run)."""
    st.session_state[_CYCLE] = st.session_state.get(_CYCLE, 0) + 1
    script = next(screen.script for screen in nav.SCREENS if screen.url_path == url_path)
    st.switch_page(script, query_params=shared_params())


def _tick(current_path: str, screens: tuple[str, ...], seconds: int) -> None:
    """The timer fragment's body: after `seconds` on this screen, go to the next one."""
    shown_at = st.session_state.get(_SHOWN_AT)
    if shown_at is None or paused() or time.monotonic() - shown_at < seconds - TICK_TOLERANCE:
        return
    _go(next_screen(current_path, screens))


def _toggle_pause() -> None:
    st.session_state[_PAUSED] = not paused()


# --- On the page -----------------------------------------------------------------------------


def frame(page: st.Page, filters) -> None:
    """The playlist's footer and timer around the screen `page` (nothing when the playlist is off).

    Call after the sidebar and before page.run(). A screen outside the playlist gives way to
    the playlist's first screen at once (unless paused). The footer is fixed to the bottom of
    the window (ui.theme styles the container with key "playlist_footer").
    """
    playlist = current()
    if not playlist.on:
        return
    here = page.url_path
    if here not in playlist.screens and not paused():
        _go(playlist.screens[0])  # e.g. "/" opened the overview, or the playlist was started elsewhere
    following = next_screen(here, playlist.screens)
    with st.container(key="playlist_footer", horizontal=True, vertical_alignment="center", gap="small"):
        st.caption(footer_text(filters.start, filters.end, refreshed_at() or _now()), width="content")
        st.caption(_status_text(here, following, playlist), width="stretch")
        back = st.button(
            "",
            key="playlist_prev",
            icon=":material/skip_previous:",
            shortcut="Left",
            help=t("pl_prev_help"),
            type="tertiary",
        )
        st.button(
            "",
            key="playlist_pause",
            icon=":material/play_arrow:" if paused() else ":material/pause:",
            shortcut="Space",
            help=t("pl_resume_help" if paused() else "pl_pause_help"),
            type="tertiary",
            on_click=_toggle_pause,
        )
        forward = st.button(
            "",
            key="playlist_next",
            icon=":material/skip_next:",
            shortcut="Right",
            help=t("pl_next_help"),
            type="tertiary",
        )
        if back or forward:
            _go(next_screen(here, playlist.screens, -1 if back else 1))
        st.session_state[_SHOWN_AT] = time.monotonic()
        if not paused():
            st.fragment(_tick, run_every=playlist.seconds)(here, playlist.screens, playlist.seconds)


def _status_text(here: str, following: str, playlist: Playlist) -> str:
    titles = {screen.url_path: t(screen.title_key) for screen in nav.SCREENS}
    position = (
        f"{playlist.screens.index(here) + 1}/{len(playlist.screens)}"
        if here in playlist.screens
        else f"–/{len(playlist.screens)}"
    )
    if paused():
        return t("pl_status_paused", position=position)
    return t("pl_status", position=position, seconds=playlist.seconds, next=titles[following])


# --- Sidebar ---------------------------------------------------------------------------------


def _on_toggle() -> None:
    if st.session_state.get("w_rotate"):
        state.set_value("present", "1")
        state.set_value("rotate", str(st.session_state.get("w_rotate_seconds") or DEFAULT_SECONDS))
    else:
        state.set_value("rotate", None)


def _on_seconds() -> None:
    if state.get("rotate") is not None:
        state.set_value("rotate", str(st.session_state.get("w_rotate_seconds") or DEFAULT_SECONDS))


def _on_screens() -> None:
    chosen = st.session_state.get("w_rotate_screens") or []
    if not chosen:  # keep the playlist as it was; the widget shows it again
        st.session_state["_playlist_need_screen"] = True
        return
    state.set_value("screens", screens_param(chosen, current().default))


def controls(container) -> None:
    """Sidebar controls: playlist on/off, seconds per screen, the screens (kept in the URL)."""
    playlist = current()
    for notice in playlist.notices:
        container.warning(plain(notice))
        st.toast(plain(notice), icon=":material/warning:")
    if st.session_state.pop("_playlist_need_screen", False):
        container.warning(t("pl_need_screen"))
    st.session_state["w_rotate"] = playlist.on
    container.toggle(t("pl_toggle"), key="w_rotate", help=t("pl_toggle_help"), on_change=_on_toggle)
    if playlist.on or "w_rotate_seconds" not in st.session_state:
        st.session_state["w_rotate_seconds"] = playlist.seconds or DEFAULT_SECONDS
    container.number_input(
        t("pl_seconds"),
        min_value=MIN_SECONDS,
        max_value=MAX_SECONDS,
        step=5,
        key="w_rotate_seconds",
        on_change=_on_seconds,
    )
    st.session_state["w_rotate_screens"] = list(playlist.screens)
    titles = {screen.url_path: t(screen.title_key) for screen in nav.SCREENS}
    container.multiselect(
        t("pl_screens"), list(playlist.options), key="w_rotate_screens", format_func=titles.get, on_change=_on_screens
    )
