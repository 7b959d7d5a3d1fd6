"""Login, logout, the session check of every run, roles and the acting user.

A login (data_access.sessions.login) opens a server-side session; this browser keeps its token in
a signed cookie (COOKIE_NAME) that expires with the session's absolute lifetime and is never
re-issued with a later expiry. Every run checks the session in the database (restore_login), so a
logout, a password change, a deactivation, a role change, an idle or absolute timeout or the
office's "end session" logs this browser out on its next run, in every app process. The user's
row comes from that check, never from a cache.

After a successful check `st.session_state` holds authentication_status (True), username, name
and roles (a one-element list: leader / office / manager).

For screens and forms:
    current_role()  -> "leader" | "office" | "manager" | None
    current_user()  -> the logged-in account (dict: username, display_name, role, manager_id, ...)
    current_actor() -> data_access.permissions.Actor for the write path (with the client address)
    can_edit()      -> True for office and manager (leader is read-only)
    session_token() -> this browser's session token (to keep it open on an own password change)

The cookie key comes from env DASHBOARD_COOKIE_KEY, else `cookie_key` in .streamlit/secrets.toml,
else a random key generated once per installation and kept in data/cookie_key (mode 0600,
git-ignored). Behind a reverse proxy, DASHBOARD_PROXY_HOPS=N (the number of proxies in front of
the app) makes the client address the N-th address from the right of X-Forwarded-For.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path

import streamlit as st

from data_access import sessions
from data_access.db import ROOT
from data_access.permissions import Actor
from ui import data, theme
from ui.language import language_switch
from ui.strings import t
from ui.text import plain

COOKIE_NAME = "rm_dashboard_auth"
COOKIE_KEY_FILE = ROOT / "data" / "cookie_key"
TOKEN = "_session_token"
USER = "_session_user"
EXPIRES = "_session_expires"
LOGGED_OUT = "_logged_out"  # this browser session ignores the request's cookie (it was refused or logged out)
NOTICE = "_auth_notice"
LOGIN_OUTCOME = "_login_outcome"
CHART_LIBRARY = "chart_library_loader"  # the container of the login page's hidden chart
STATE_KEYS = ("authentication_status", "username", "name", "roles")
END_NOTICES = {
    "idle": "session_end_idle",
    "expired": "session_end_expired",
    "password": "session_end_password",
    "deactivated": "account_inactive",
    "role": "session_end_role",
    "admin": "session_end_admin",
}


# ---------------------------------------------------------------- cookie key, client address


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


MIN_COOKIE_KEY_CHARS = 32  # a configured key shorter than this (a placeholder, a word) is refused


class WeakCookieKey(RuntimeError):
    """The configured cookie key is too short to be a secret: anyone guessing it could forge logins."""


def cookie_key() -> str:
    """The secret that signs the session cookie; never a constant. A configured key (environment or
    secrets.toml) must be a long random value; without one, the installation's generated key."""
    configured = os.environ.get("DASHBOARD_COOKIE_KEY") or _secrets_cookie_key()
    if configured is None:
        return _stored_cookie_key(COOKIE_KEY_FILE)
    if len(configured.strip()) < MIN_COOKIE_KEY_CHARS:
        raise WeakCookieKey(
            f"the cookie key (DASHBOARD_COOKIE_KEY or cookie_key in secrets.toml) has fewer than "
            f"{MIN_COOKIE_KEY_CHARS} characters: set a random one, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return configured


def forwarded_client(peer: str | None, forwarded_for: str | None, hops: int) -> str | None:
    """The client's address behind `hops` trusted proxies: the hops-th address from the right of
    X-Forwarded-For (each proxy appends the address it received from; anything further left was
    written by the client and cannot be trusted); the peer itself without proxies."""
    if hops <= 0:
        return peer
    addresses = [part.strip() for part in (forwarded_for or "").split(",") if part.strip()]
    return addresses[-hops][:64] if len(addresses) >= hops else peer


def client_address() -> str | None:
    """The browser's address: Streamlit's peer, or X-Forwarded-For behind DASHBOARD_PROXY_HOPS proxies."""
    try:
        hops = int(os.environ.get("DASHBOARD_PROXY_HOPS") or 0)
    except ValueError:
        hops = 0
    peer = st.context.ip_address
    return forwarded_client(peer if isinstance(peer, str) else None, st.context.headers.get("X-Forwarded-For"), hops)


def _request_cookie() -> str | None:
    cookies = st.context.cookies
    value = cookies.get(COOKIE_NAME) if COOKIE_NAME in cookies else None
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------- the check of every run


def is_logged_in() -> bool:
    return bool(st.session_state.get("authentication_status")) and TOKEN in st.session_state


def _forget_login(notice: str | None = None) -> None:
    for key in STATE_KEYS:
        st.session_state[key] = None
    for key in (TOKEN, USER, EXPIRES):
        st.session_state.pop(key, None)
    st.session_state[LOGGED_OUT] = True
    if notice:
        st.session_state[NOTICE] = notice


def _adopt(token: str, check: sessions.SessionCheck) -> None:
    user = check.user
    st.session_state[TOKEN] = token
    st.session_state[USER] = user
    st.session_state[EXPIRES] = check.expires_at
    st.session_state["authentication_status"] = True
    st.session_state["username"] = user["username"]
    st.session_state["name"] = user["display_name"]
    st.session_state["roles"] = [user["role"]]


def restore_login() -> bool:
    """Check this browser's session (its token, or the request's cookie); True when logged in."""
    token = st.session_state.get(TOKEN)
    was_logged_in = token is not None
    if token is None and not st.session_state.get(LOGGED_OUT):
        token = sessions.unsign(_request_cookie(), cookie_key())
    if token is None:
        for key in STATE_KEYS:
            st.session_state[key] = None
        return False
    check = sessions.check_session(data.engine(), token, data.settings())
    if check.status != "ok":
        quiet = check.reason == "logout" or (check.status == "unknown" and not was_logged_in)
        _forget_login(None if quiet else END_NOTICES.get(check.reason or "", "session_end_admin"))
        return False
    _adopt(token, check)
    return True


def password_change_due() -> str | None:
    """Why the user must change their password before anything else: "first" (set by the office)
    or "expired" ([password_max_age_days]); None when not."""
    user = current_user()
    if user is None:
        return None
    if user["must_change_password"]:
        return "first"
    max_age = data.settings().get("password_max_age_days", 0)
    changed = user["password_changed_at"]
    if max_age and changed is not None and changed + dt.timedelta(days=max_age) <= dt.datetime.now():
        return "expired"
    return None


# ---------------------------------------------------------------- the cookie in the browser


def _cookie_html(value: str | None, expires: dt.datetime) -> str:
    """A script that writes (or, with value None, removes) the session cookie in this browser."""
    stamp = expires.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    cookie = f"{COOKIE_NAME}={value or ''}; path=/; expires={stamp}; SameSite=Strict"
    if _served_over_https():
        cookie += "; Secure"
    return f"<script>document.cookie = {json.dumps(cookie)};</script>"


def _served_over_https() -> bool:
    forwarded = (st.context.headers.get("X-Forwarded-Proto") or "").lower()
    url = st.context.url
    return forwarded == "https" or (isinstance(url, str) and url.startswith("https:"))


def keep_cookie(container=None) -> None:
    """Write the session cookie while logged in (until the session's absolute end); remove it
    after a logout or a refused session. Written by a script in the page itself: the run that
    logs in or out may end at once, before a component could set it."""
    target = container or st
    if is_logged_in():
        value = sessions.sign(st.session_state[TOKEN], cookie_key())
        if _request_cookie() != value:
            expires = st.session_state.get(EXPIRES) or dt.datetime.now() + dt.timedelta(hours=12)
            target.html(_cookie_html(value, expires), unsafe_allow_javascript=True)
    elif st.session_state.get(LOGGED_OUT) or _request_cookie() is not None:
        target.html(_cookie_html(None, dt.datetime(1970, 1, 1, tzinfo=dt.UTC)), unsafe_allow_javascript=True)


# ---------------------------------------------------------------- login and logout


def _submit_login() -> None:
    """The login form's callback: check the password, open the session, forget the password."""
    username = st.session_state.get("login_username") or ""
    password = st.session_state.get("login_password") or ""
    st.session_state["login_password"] = ""
    outcome = sessions.login(data.engine(), username, password, client_address(), data.settings())
    if outcome.status != "ok":
        st.session_state[LOGIN_OUTCOME] = outcome
        return
    st.session_state.pop(LOGGED_OUT, None)
    check = sessions.check_session(data.engine(), outcome.token, data.settings())
    if check.status == "ok":
        _adopt(outcome.token, check)


def _login_message(outcome: sessions.LoginOutcome) -> str:
    if outcome.status == "locked":
        return t("login_locked", until=outcome.until.strftime("%H:%M"))
    if outcome.status == "wait":
        seconds = max(1, int((outcome.until - dt.datetime.now()).total_seconds() + 0.999))
        return t("login_wait", seconds=seconds)
    return t("login_failed")


def demo_banner() -> None:
    """A warning while accounts the demo made still have the published demo password."""
    accounts = data.demo_accounts()
    if accounts:
        st.warning(t("demo_accounts_banner", users=plain(", ".join(accounts))), icon=":material/warning:")


def login_page() -> None:
    """The only page while logged out: the login form (any URL shows it)."""
    left, _, right = st.columns([3, 1, 1])
    left.title(t("app_title"))
    left.caption(t("app_subtitle"))
    with right:
        language_switch()
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.warning(t(notice, minutes=int(data.settings()["session_idle_minutes"])))
    if not data.users_exist():
        st.info(t("login_no_users"))
    demo_banner()
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        with st.form("login", clear_on_submit=False, enter_to_submit=True):
            st.subheader(t("login_form"))
            st.text_input(t("login_username"), key="login_username", autocomplete="username", max_chars=64)
            st.text_input(
                t("login_password"),
                key="login_password",
                type="password",
                autocomplete="current-password",
                max_chars=128,
            )
            st.form_submit_button(t("login_submit"), on_click=_submit_login)
        outcome = st.session_state.pop(LOGIN_OUTCOME, None)
        if outcome is not None:
            st.error(_login_message(outcome))
        elif is_logged_in():
            st.rerun()  # build the role's navigation; the requested screen opens
        else:
            st.caption(t("login_hint"))
    keep_cookie()
    if not _on_a_phone():
        _load_chart_library()


def _on_a_phone() -> bool:
    """Whether the browser says it is a phone (a "Mobile" user agent)."""
    return "Mobile" in (st.context.headers.get("User-Agent") or "")


def _load_chart_library() -> None:
    """An empty chart the page never shows (ui.theme hides its container): the browser fetches
    and compiles the chart library while the person types, not after 登录 is pressed. Not on a
    phone: there the home screen is a manager's daily log, which has no chart, and a phone at a
    customer's site should not download a library it may not need."""
    import plotly.graph_objects as go  # here, after the form: the form is on screen first

    with st.container(key=CHART_LIBRARY):  # the charts' config: their locale file is loaded too
        st.plotly_chart(go.Figure(), height=10, theme=None, config=theme.plotly_config())


def log_out() -> None:
    """End this browser's session (the logout button's callback)."""
    token = st.session_state.get(TOKEN)
    if token:
        sessions.logout(data.engine(), token, client_address())
    _forget_login()


def logout_button(container=None) -> None:
    """The sidebar's logout button; logs out and shows the login page."""
    target = container or st.sidebar
    target.button(t("logout"), key="logout_button", on_click=log_out, width="stretch", icon=":material/logout:")


# ---------------------------------------------------------------- the acting user


def current_user() -> dict | None:
    """The account this run's session check found, or None."""
    return st.session_state.get(USER) if is_logged_in() else None


def session_token() -> str | None:
    return st.session_state.get(TOKEN) if is_logged_in() else None


def current_role() -> str | None:
    user = current_user()
    return user["role"] if user else None


def current_actor() -> Actor:
    """The logged-in user as the write path's Actor (username, role, manager_id, client)."""
    user = current_user()
    if user is None:
        raise PermissionError("not logged in")
    return Actor(user["username"], user["role"], user["manager_id"], client_address())


def can_edit() -> bool:
    """Whether the current role may enter data at all (office: everything; manager: own rows)."""
    return current_role() in ("office", "manager")
