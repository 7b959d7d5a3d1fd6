"""The screens, who may open them, and the navigation built from them.

To add a screen, add ONE line to SCREENS, e.g. a data-entry form for the
office and the managers:

    Screen("log_entry", "views/log_entry.py", "nav_log_entry", ":material/edit_note:",
           roles=EDITORS, section="nav_section_entry"),

and its title key (here nav_log_entry) to ui/strings.py in zh and en. The URL
path (first field) is the shareable link: http://host/log_entry. Sections
appear in the order of their first screen.

The root URL "/" opens the role's home screen (home_for): the overview for leadership and the
office, the work log for a manager (the screen they use every day, on a phone).
While logged out, the navigation holds only the hidden login page
(ui.auth.login_page), so every URL shows the login form; the screen that was
asked for opens right after login.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.strings import t

ALL_ROLES = ("leader", "office", "manager")
EDITORS = ("office", "manager")
OFFICE = ("office",)


@dataclass(frozen=True)
class Screen:
    url_path: str  # the link: http://host/<url_path>
    script: str  # relative to app.py
    title_key: str  # ui.strings key
    icon: str
    roles: tuple[str, ...] = ALL_ROLES
    section: str = "nav_section_screens"  # ui.strings key of the menu section
    home_for: tuple[str, ...] = ()  # the roles whose root URL opens this screen

    @property
    def dashboard(self) -> bool:
        """A dashboard screen (not data entry or administration): it reads the sidebar's filters."""
        return self.section == "nav_section_screens"


SCREENS: list[Screen] = [
    Screen("overview", "views/overview.py", "nav_overview", ":material/dashboard:", home_for=("leader", "office")),
    Screen("attendance", "views/attendance.py", "nav_attendance", ":material/event_available:"),
    Screen("experts", "views/experts.py", "nav_experts", ":material/engineering:"),
    Screen("customers", "views/customers.py", "nav_customers", ":material/apartment:"),
    Screen("lead_time", "views/lead_time.py", "nav_lead_time", ":material/bolt:"),
    Screen("needs", "views/needs.py", "nav_needs", ":material/troubleshoot:"),
    Screen("value", "views/value.py", "nav_value", ":material/workspace_premium:"),
    Screen("meeting", "views/meeting.py", "nav_meeting", ":material/groups:"),
    Screen("cases", "views/cases.py", "nav_cases", ":material/task_alt:", section="nav_section_followup"),
    Screen(
        "roster",
        "views/roster.py",
        "nav_roster",
        ":material/badge:",
        roles=("leader", "office"),
        section="nav_section_followup",
    ),
    Screen(
        "unit_reports", "views/reports.py", "nav_reports", ":material/folder_shared:", section="nav_section_followup"
    ),
    Screen(
        "entry_log",
        "views/entry_log.py",
        "nav_entry_log",
        ":material/edit_note:",
        roles=EDITORS,
        section="nav_section_entry",
        home_for=("manager",),
    ),
    Screen(
        "entry_plan",
        "views/entry_plan.py",
        "nav_entry_plan",
        ":material/calendar_month:",
        roles=EDITORS,
        section="nav_section_entry",
    ),
    Screen(
        "entry_calls",
        "views/entry_calls.py",
        "nav_entry_calls",
        ":material/support_agent:",
        roles=EDITORS,
        section="nav_section_entry",
    ),
    Screen(
        "entry_outages",
        "views/entry_outages.py",
        "nav_entry_outages",
        ":material/power_off:",
        roles=EDITORS,
        section="nav_section_entry",
    ),
    Screen(
        "entry_customers",
        "views/entry_customers.py",
        "nav_entry_customers",
        ":material/domain:",
        roles=OFFICE,
        section="nav_section_entry",
    ),
    Screen(
        "entry_experts",
        "views/entry_experts.py",
        "nav_entry_experts",
        ":material/badge:",
        roles=OFFICE,
        section="nav_section_entry",
    ),
    Screen(
        "entry_managers",
        "views/entry_managers.py",
        "nav_entry_managers",
        ":material/manage_accounts:",
        roles=OFFICE,
        section="nav_section_entry",
    ),
    Screen(
        "entry_applications",
        "views/entry_applications.py",
        "nav_entry_applications",
        ":material/electrical_services:",
        roles=OFFICE,
        section="nav_section_entry",
    ),
    Screen(
        "entry_consumption",
        "views/entry_consumption.py",
        "nav_entry_consumption",
        ":material/monitoring:",
        roles=OFFICE,
        section="nav_section_entry",
    ),
    Screen(
        "import_data",
        "views/import_data.py",
        "nav_import_data",
        ":material/upload_file:",
        roles=OFFICE,
        section="nav_section_entry",
    ),
    Screen(
        "entry_settings",
        "views/entry_settings.py",
        "nav_entry_settings",
        ":material/tune:",
        roles=OFFICE,
        section="nav_section_admin",
    ),
    Screen(
        "holiday_calendar",
        "views/holiday_calendar.py",
        "nav_calendar",
        ":material/calendar_month:",
        roles=OFFICE,
        section="nav_section_admin",
    ),
    Screen(
        "entry_users",
        "views/entry_users.py",
        "nav_entry_users",
        ":material/group:",
        roles=OFFICE,
        section="nav_section_admin",
    ),
    Screen("audit", "views/audit.py", "nav_audit", ":material/history:", roles=OFFICE, section="nav_section_admin"),
    Screen(
        "deliveries",
        "views/deliveries.py",
        "nav_deliveries",
        ":material/outgoing_mail:",
        roles=OFFICE,
        section="nav_section_admin",
    ),
    Screen("account", "views/account.py", "nav_account", ":material/key:", section="nav_section_account"),
    Screen(
        "subscriptions",
        "views/subscriptions.py",
        "nav_subscriptions",
        ":material/notifications:",
        section="nav_section_account",
    ),
]
ACCOUNT = next(screen for screen in SCREENS if screen.url_path == "account")


def screens_for(role: str | None) -> list[Screen]:
    """The screens `role` may open, in menu order."""
    return [screen for screen in SCREENS if role in screen.roles]


def _page(screen: Screen) -> st.Page:
    return st.Page(screen.script, title=t(screen.title_key), icon=screen.icon, url_path=screen.url_path)


def role_navigation(role: str) -> st.Page:
    """st.navigation for `role`, grouped in sections; returns the page to run.

    Streamlit serves its default page at the root URL only, so a link to
    /overview would not find it; the default page is therefore a hidden
    one at "/" that switches to the role's home screen (home_for),
    and every screen keeps its own path.
    """
    allowed = screens_for(role)
    home_screen = next((screen for screen in allowed if role in screen.home_for), allowed[0])
    sections: dict[str, list[st.Page]] = {}
    for screen in allowed:
        page = _page(screen)
        sections.setdefault(t(screen.section), []).append(page)
        if screen is home_screen:
            home = page

    def go_home() -> None:
        st.switch_page(home, query_params=dict(st.query_params))

    root = st.Page(go_home, title=home.title, icon=home.icon, url_path="home", default=True, visibility="hidden")
    first_section = next(iter(sections))
    sections[first_section] = [root, *sections[first_section]]
    return st.navigation(sections, position="sidebar", expanded=True)


def is_root(page: st.Page) -> bool:
    """Whether `page` is the hidden root page that only switches to the home screen."""
    return page.url_path == ""


def requested_url_path() -> str | None:
    """The URL path of the screen the browser asked for, if it is one of SCREENS.

    Streamlit keeps the request (a page id on reruns, the URL path on a fresh
    load) in the script run context; there is no public API for it before
    st.navigation has resolved the page.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    wanted_hash = ctx.pages_manager.intended_page_script_hash
    wanted_name = ctx.pages_manager.intended_page_name
    for screen in SCREENS:
        if wanted_hash == _page_hash(screen.url_path) or (not wanted_hash and wanted_name == screen.url_path):
            return screen.url_path
    return None


def _page_hash(url_path: str) -> str:
    """The page id Streamlit derives from a URL path (st.Page._script_hash)."""
    from streamlit.util import calc_hash

    return calc_hash(url_path)


def login_navigation(login_page) -> st.Page:
    """The logged-out navigation: only the hidden login page, whatever the URL.

    The default page's URL is always the root, and a fresh load of /attendance
    asks for a page by URL path, so the same login page is also registered
    under the requested screen's path: the URL stays, and after login the
    rerun opens that screen.
    """
    common = dict(title=t("nav_login"), icon=":material/login:", visibility="hidden")
    pages = [st.Page(login_page, url_path="login", default=True, **common)]
    requested = requested_url_path()
    if requested:
        pages.append(st.Page(login_page, url_path=requested, **common))
    return st.navigation(pages, position="hidden")


def account_navigation() -> st.Page:
    """The navigation while the user must choose a new password: the account page only, whatever the URL."""
    page = _page(ACCOUNT)
    pages = [st.Page(ACCOUNT.script, title=page.title, icon=ACCOUNT.icon, url_path="home", default=True)]
    requested = requested_url_path()
    if requested and requested != "home":
        pages.append(
            st.Page(ACCOUNT.script, title=page.title, icon=ACCOUNT.icon, url_path=requested, visibility="hidden")
        )
    return st.navigation(pages, position="hidden")


def shows_filters(page: st.Page) -> bool:
    """Whether `page` is a dashboard screen, whose sidebar carries the date, town and team filters."""
    screen = next((screen for screen in SCREENS if screen.url_path == page.url_path), None)
    return screen is not None and screen.dashboard
