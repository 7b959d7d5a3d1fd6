"""Login, logout, roles and the acting user.

streamlit-authenticator 0.4.2 checks passwords against the users table
(bcrypt hashes of data_access.users; inactive users are left out, so they
cannot log in) and keeps a signed re-login cookie. After a login,
`st.session_state` holds authentication_status, username, name and roles
(a one-element list: leader / office / manager, refreshed from the users
table on every run). The re-login cookie is written by keep_cookie().

For screens and forms:
    current_role()  -> "leader" | "office" | "manager" | None
    current_user()  -> the users-table row (dict) of the logged-in user, or None
    current_actor() -> data_access.permissions.Actor for the write path
    can_edit()      -> True for office and manager (leader is read-only)

The cookie key comes from env DASHBOARD_COOKIE_KEY, else `cookie_key` in
.streamlit/secrets.toml, else a random key generated once per installation
and kept in data/cookie_key (mode 0600, git-ignored).
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import os
import secrets
from pathlib import Path

import jwt

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.models import cookie_model
from streamlit_authenticator.utilities.exceptions import LoginError

from data_access.db import ROOT
from data_access.permissions import Actor
from ui import data
from ui.strings import t

COOKIE_NAME = "rm_dashboard_auth"
COOKIE_EXPIRY_DAYS = 7
COOKIE_KEY_FILE = ROOT / "data" / "cookie_key"
_AUTHENTICATOR = "_authenticator"


def _secrets_cookie_key() -> str | None:
    try:
        value = st.secrets.get("cookie_key")
    except Exception:  # no secrets.toml: st.secrets raises on first access
        return None
    return str(value) if value else None


def _stored_cookie_key(path: Path) -> str:
    """The installation's key in `path`, created (0600) on first use; safe when processes race."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)  # atomic; fails if another process won the race
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def cookie_key() -> str:
    """The secret that signs the re-login cookie; never a constant."""
    return os.environ.get("DASHBOARD_COOKIE_KEY") or _secrets_cookie_key() or _stored_cookie_key(COOKIE_KEY_FILE)


def credentials() -> dict:
    """The authenticator's credentials dict built from the active users."""
    users = {}
    for user in data.active_users():
        users[user["username"].lower()] = {
            "name": user["display_name"],
            "password": user["password_hash"],
            "roles": [user["role"]],
            "email": None,
        }
    return {"usernames": users}


class PageCookies:
    """Stands in for extra_streamlit_components.CookieManager inside streamlit-authenticator 0.4.2.

    The library builds a CookieManager on every run, and that draws a component
    iframe whose first value (the browser's cookies) triggers a second run of
    the whole script on every page load: the screen is computed and drawn
    twice before it settles, and the browser loads the component's bundle.
    The library already reads its cookie from st.context.cookies, and
    keep_cookie() writes and removes it from the page itself, so nothing is
    drawn here: set and delete do nothing.
    """

    def __init__(self, key: str = "init"):
        self.cookies = dict(st.context.cookies)

    def get(self, cookie: str):
        return self.cookies.get(cookie)

    def get_all(self, key: str = "get_all") -> dict:
        return self.cookies

    def set(self, cookie: str, val, **options) -> None:
        self.cookies[cookie] = val

    def delete(self, cookie: str, key: str = "delete") -> None:
        self.cookies.pop(cookie, None)


class _NoComponentCookies:
    CookieManager = PageCookies


cookie_model.stx = _NoComponentCookies  # the library's only use of extra_streamlit_components


def authenticator() -> stauth.Authenticate:
    """This run's authenticator (reads the re-login cookie from the request; draws nothing)."""
    auth = stauth.Authenticate(
        copy.deepcopy(credentials()),  # the library mutates the dict it gets
        cookie_name=COOKIE_NAME,
        cookie_key=cookie_key(),
        cookie_expiry_days=COOKIE_EXPIRY_DAYS,
        auto_hash=False,
        login_sleep_time=0,
    )
    st.session_state[_AUTHENTICATOR] = auth
    return auth


def is_logged_in() -> bool:
    return bool(st.session_state.get("authentication_status"))


def restore_login(auth: stauth.Authenticate) -> bool:
    """Log in from a valid cookie if there is one; True when logged in."""
    if not is_logged_in():
        try:
            auth.login(location="unrendered")
        except LoginError:  # the cookie names a user who is no longer active
            _forget_login()
    if is_logged_in():
        user = current_user()
        if user is None:  # deactivated while logged in
            _forget_login()
            st.session_state["_auth_notice"] = "account_inactive"
        elif st.session_state.get("roles") != [user["role"]]:  # the office changed the role
            st.session_state["roles"] = [user["role"]]
    return is_logged_in()


def _forget_login() -> None:
    for key in ("name", "username", "authentication_status", "email", "roles"):
        st.session_state[key] = None
    st.session_state["logout"] = True  # the library's flag: ignore the cookie in this session


def _cookie_html(token: str | None, expires: dt.datetime) -> str:
    """A script that writes (or, with token None, removes) the re-login cookie in this browser."""
    value = token or ""
    stamp = expires.astimezone(dt.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
    cookie = f"{COOKIE_NAME}={value}; path=/; expires={stamp}; SameSite=Strict"
    return f"<script>document.cookie = {json.dumps(cookie)};</script>"


def _login_token(username: str, expires: dt.datetime) -> str:
    """The signed token streamlit-authenticator reads back (CookieModel._token_decode)."""
    return jwt.encode({"username": username, "exp_date": expires.timestamp()}, cookie_key(), algorithm="HS256")


def keep_cookie(container=None) -> None:
    """Write the re-login cookie on every logged-in run; remove it on logged-out runs after a logout.

    The library sets and deletes its cookie from a component iframe that is
    lost when the run ends at once (st.rerun after login and logout), so the
    cookie is written here instead, by a script in the page itself, in the
    same format the library reads. The expiry is counted from the next full
    hour, so the script stays the same within the hour.
    """
    target = container or st
    if is_logged_in():
        hour = dt.datetime.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        expires = hour + dt.timedelta(days=COOKIE_EXPIRY_DAYS)
        target.html(_cookie_html(_login_token(st.session_state["username"], expires), expires),
                    unsafe_allow_javascript=True)
    elif st.session_state.get("logout") or COOKIE_NAME in st.context.cookies:
        target.html(_cookie_html(None, dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)),
                    unsafe_allow_javascript=True)


def login_page() -> None:
    """The only page while logged out: the login form (any URL shows it)."""
    from ui.sidebar import language_switch  # avoid a cycle: sidebar imports auth

    auth: stauth.Authenticate = st.session_state[_AUTHENTICATOR]
    left, _, right = st.columns([3, 1, 1])
    left.title(t("app_title"))
    left.caption(t("app_subtitle"))
    with right:
        language_switch()
    notice = st.session_state.pop("_auth_notice", None)
    if notice:
        st.warning(t(notice))
    if not data.active_users():
        st.info(t("login_no_users"))
    fields = {"Form name": t("login_form"), "Username": t("login_username"),
              "Password": t("login_password"), "Login": t("login_submit")}
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        try:
            auth.login(location="main", fields=fields, key="login")
        except LoginError as error:
            st.error(t("login_error", error=error))
        if st.session_state.get("authentication_status") is False:
            st.error(t("login_failed"))
        elif is_logged_in():
            st.rerun()  # build the role's navigation; the requested screen opens
        else:
            st.caption(t("login_hint"))
    keep_cookie()


def logout_button(auth: stauth.Authenticate) -> None:
    """The sidebar's logout button; logs out and shows the login page."""
    auth.logout(t("logout"), location="sidebar", key="logout_button", use_container_width=True)
    if not is_logged_in():
        st.rerun()


def current_user() -> dict | None:
    """The active users-table row of the logged-in user, or None."""
    username = st.session_state.get("username")
    if not is_logged_in() or not username:
        return None
    for user in data.active_users():
        if user["username"].lower() == username.lower():
            return user
    return None


def current_role() -> str | None:
    roles = st.session_state.get("roles") or []
    return roles[0] if is_logged_in() and roles else None


def current_actor() -> Actor:
    """The logged-in user as the write path's Actor (username, role, manager_id)."""
    user = current_user()
    if user is None:
        raise PermissionError("not logged in")
    return Actor(user["username"], user["role"], user["manager_id"])


def can_edit() -> bool:
    """Whether the current role may enter data at all (office: everything; manager: own rows)."""
    return current_role() in ("office", "manager")
