"""派驻经理服务看板 · Resident Manager Dashboard — the entry script.

    streamlit run app.py

Every run: page config and projection styling (ui.theme), shared URL state
(ui.state), the engine (ui.data), the session check (ui.auth). Logged out, the
only page is the hidden login page, whatever the URL. A user who must choose a
new password (first login, or the password has expired) sees only the account
page until they have. Logged in, the role's
screens (ui.nav.SCREENS) and the shared sidebar (ui.sidebar) frame the
page that runs; with the wall-screen playlist on (ui.playlist, ?rotate=N)
its footer and timer come before the screen. Screens live in views/, never
in a pages/ folder. The whole run is inside ui.errors' boundary: a database
that fails shows a short bilingual message with a reference id, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui import auth, components, data, errors, forms, nav, playlist, sidebar, state, theme  # noqa: E402


def main() -> None:
    state.sync_from_url()
    playlist.prepare()
    theme.page_config()
    theme.apply()
    components.begin_run()
    data.engine()
    if not auth.restore_login():
        page = nav.login_navigation(auth.login_page)
        state.push_to_url()
        page.run()
        return
    if auth.password_change_due():
        page = nav.account_navigation()  # nothing else until the user has chosen a password
        sidebar.render_minimal()
        auth.keep_cookie(st.sidebar)
        page.run()
        return
    page = nav.role_navigation(auth.current_role())
    forms.show_toast()  # a save's confirmation, also when the save led to another page
    if nav.is_root(page):
        page.run()  # switches to the home screen; the sidebar is drawn there
    playlist.begin(auth.current_role())  # before the sidebar: a new cycle reads fresh data
    filters = sidebar.render(with_filters=nav.shows_filters(page))
    auth.keep_cookie(st.sidebar)
    theme.close_menu_on_phone(page.url_path)
    state.push_to_url()
    playlist.frame(page, filters)
    page.run()


errors.run_guarded(main)
