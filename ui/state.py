"""Shared screen state kept in the URL, so every link can be shared.

The state is a few query parameters that every screen understands:

    lang     zh (default) or en
    present  1 = projection mode for a wall screen
    from/to  the reporting window, YYYY-MM-DD
    town     customer town filter
    team     manager team filter
    rotate   seconds per screen of the wall-screen playlist (ui.playlist)
    screens  the playlist's screens, comma-separated URL paths

The session holds the current values (page switches in st.navigation drop
the query string); the URL mirrors them after every run. A URL that differs
from what the app last wrote (a pasted link, the browser's back button) wins
over the session. Call `sync_from_url()` once at the top of each run (app.py
does) and `push_to_url()` after the sidebar has been drawn.

Screens read values with `get(key)` and change them with `set_value(key, v)`
(ui.filters and ui.sidebar show how a widget is kept in step: set the
widget's session value before drawing it, and call set_value in on_change).
Screen-specific parameters (e.g. a selected manager) can use st.query_params
directly; they are not carried across screens.
"""

from __future__ import annotations

import streamlit as st

PARAMS = ("lang", "present", "from", "to", "town", "team", "rotate", "screens")
_STATE = "_url_state"
_WRITTEN = "_url_written"


def _incoming() -> dict[str, str]:
    return {key: st.query_params[key] for key in PARAMS if key in st.query_params}


def sync_from_url() -> None:
    """Adopt the URL's parameters on a session's first run or when the URL was changed outside the app."""
    incoming = _incoming()
    first_run = _STATE not in st.session_state
    changed_outside = bool(incoming) and incoming != st.session_state.get(_WRITTEN)
    if first_run or changed_outside:
        st.session_state[_STATE] = dict(incoming)


def state() -> dict[str, str]:
    return st.session_state.setdefault(_STATE, {})


def get(key: str) -> str | None:
    """The current text value of a shared parameter, None when unset."""
    value = state().get(key)
    return value if value not in (None, "") else None


def set_value(key: str, value: str | None) -> None:
    """Change a shared parameter (None removes it) and mirror it in the URL."""
    if key not in PARAMS:
        raise KeyError(f"{key!r} is not a shared URL parameter; use st.query_params")
    if value in (None, ""):
        state().pop(key, None)
    else:
        state()[key] = str(value)
    push_to_url()


def push_to_url() -> None:
    """Write the session's values to the URL (only what differs)."""
    desired = {key: value for key, value in state().items() if key in PARAMS and value not in (None, "")}
    current = _incoming()
    for key in PARAMS:
        if key in desired and current.get(key) != desired[key]:
            st.query_params[key] = desired[key]
        elif key not in desired and key in current:
            del st.query_params[key]
    st.session_state[_WRITTEN] = desired


def language() -> str:
    return "en" if get("lang") == "en" else "zh"


def projection() -> bool:
    return (get("present") or "").lower() in ("1", "true", "yes", "on")
