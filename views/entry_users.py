"""用户管理 / Users (office): create accounts, change a role, reset a password, deactivate, lift a
login lock, and see and end live sessions.

data_access.admin checks every change (office only, own account protected, manager accounts linked
to an employee no., the password rules) and audits it without the password hash; a new role, a
reset password or a deactivation ends the account's sessions at once.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_access import admin, passwords
from data_access.models import ROLES
from ui import auth, data, forms
from ui.strings import t
from ui.text import plain

CREATE, ROLE, PASSWORD, SESSIONS = "eus_create", "eus_role", "eus_password", "eus_sessions"
EMAIL = "eus_email"
TIME = "%Y-%m-%d %H:%M"


def role_labels() -> dict[str, str]:
    """role -> its label in the UI language (read once per run, for format_func)."""
    return {role: t(f"lbl_role_{role}") for role in ROLES}


def user_label(column: str) -> str:
    return t(f"lbl_user_{column}")


def password_help() -> str:
    return t("eus_password_help", min=passwords.MIN_LENGTH, classes=passwords.MIN_CLASSES)


def manager_choices() -> list[str]:
    return list(data.manager_ids())


def create() -> str:
    typed = forms.values(CREATE, ("username", "display_name", "password", "role", "employee_no"))
    admin.create_user(
        data.engine(),
        auth.current_actor(),
        username=typed["username"] or "",
        display_name=typed["display_name"] or "",
        password=typed["password"] or "",
        role=typed["role"],
        employee_no=typed["employee_no"],
    )
    forms.forget(CREATE, ("username", "display_name", "password", "employee_no"))
    return t("eus_created", username=passwords.normalized_username(typed["username"]))


def create_form() -> None:
    forms.messages(CREATE)
    with st.form("eus_create_form", clear_on_submit=False):
        st.text_input(user_label("username"), key=f"{CREATE}_username", help=t("eus_username_help"))
        forms.field_error(CREATE, "username")
        st.text_input(user_label("display_name"), key=f"{CREATE}_display_name")
        forms.field_error(CREATE, "display_name")
        st.text_input(
            user_label("password"),
            key=f"{CREATE}_password",
            type="password",
            help=password_help(),
            autocomplete="new-password",
        )
        forms.field_error(CREATE, "password")
        st.selectbox(user_label("role"), ROLES, key=f"{CREATE}_role", format_func=role_labels().get)
        forms.field_error(CREATE, "role")
        st.selectbox(
            user_label("employee_no"),
            manager_choices(),
            index=None,
            key=f"{CREATE}_employee_no",
            placeholder=t("fm_choose"),
            help=t("eus_employee_help"),
        )
        forms.field_error(CREATE, "employee_no")
        st.form_submit_button(
            t("eus_create"), type="primary", icon=":material/person_add:", on_click=forms.submit, args=(CREATE, create)
        )


def change_role(user: dict) -> str:
    role = st.session_state[f"{ROLE}_role"]
    admin.set_role(
        data.engine(),
        auth.current_actor(),
        user["username"],
        role,
        expected_version=user["version"],
        employee_no=st.session_state.get(f"{ROLE}_employee_no"),
    )
    return t("eus_role_changed", username=user["username"], role=role_labels()[role])


def reset(user: dict) -> str:
    admin.reset_password(
        data.engine(), auth.current_actor(), user["username"], st.session_state.get(f"{PASSWORD}_password") or ""
    )
    st.session_state.pop(f"{PASSWORD}_password", None)
    return t("eus_password_reset", username=user["username"])


def switch_active(user: dict) -> str:
    change = admin.deactivate_user if user["active"] else admin.activate_user
    change(data.engine(), auth.current_actor(), user["username"], expected_version=user["version"])
    return t("eus_deactivated" if user["active"] else "eus_activated", username=user["username"])


def unlock(user: dict) -> str:
    lifted = admin.unlock_user(data.engine(), auth.current_actor(), user["username"])
    return t("eus_unlocked" if lifted else "eus_not_locked", username=user["username"])


def picked(user: dict) -> None:
    """Another user picked: show their role and link, no old messages."""
    for form in (ROLE, PASSWORD):
        forms.clear_messages(form)
    st.session_state[f"{ROLE}_role"] = user["role"]
    st.session_state[f"{ROLE}_employee_no"] = user["employee_no"]
    st.session_state[f"{EMAIL}_email"] = user.get("email")
    forms.clear_messages(EMAIL)


def role_form(user: dict) -> None:
    forms.messages(ROLE, reload=lambda: None)
    with st.form("eus_role_form", clear_on_submit=False):
        st.selectbox(user_label("role"), ROLES, key=f"{ROLE}_role", format_func=role_labels().get)
        forms.field_error(ROLE, "role")
        st.selectbox(
            user_label("employee_no"),
            manager_choices(),
            index=None,
            key=f"{ROLE}_employee_no",
            placeholder=t("fm_choose"),
            help=t("eus_employee_help"),
        )
        forms.field_error(ROLE, "employee_no")
        forms.field_error(ROLE, "username")
        st.form_submit_button(t("eus_change_role"), on_click=forms.submit, args=(ROLE, lambda: change_role(user)))


def password_form(user: dict) -> None:
    forms.messages(PASSWORD)
    with st.form("eus_password_form", clear_on_submit=False):
        st.text_input(
            t("eus_new_password"),
            key=f"{PASSWORD}_password",
            type="password",
            help=password_help(),
            autocomplete="new-password",
        )
        forms.field_error(PASSWORD, "password")
        st.form_submit_button(t("eus_reset_password"), on_click=forms.submit, args=(PASSWORD, lambda: reset(user)))


def email_label() -> str:
    return t("lbl_sub_email")


def save_email(user: dict) -> str:
    stored = admin.set_email(
        data.engine(), auth.current_actor(), user["username"], st.session_state.get(f"{EMAIL}_email")
    )
    return t("acc_email_saved", email=stored) if stored else t("acc_email_removed")


def email_form(user: dict) -> None:
    """The address subscriptions of this account send to (checked by data_access.admin.set_email)."""
    forms.messages(EMAIL)
    with st.form("eus_email_form", clear_on_submit=False):
        st.text_input(email_label(), key=f"{EMAIL}_email", max_chars=254, help=t("acc_email_help"))
        forms.field_error(EMAIL, "email")
        st.form_submit_button(t("acc_email_save"), on_click=forms.submit, args=(EMAIL, lambda: save_email(user)))


def manage(accounts: dict[str, dict], locked: dict) -> None:
    username = st.selectbox(
        t("eus_pick"),
        list(accounts),
        index=None,
        key="eus_pick",
        placeholder=t("fm_choose"),
        format_func=lambda u: f"{u} · {accounts[u]['display_name']}",
    )
    if username is None:
        return
    user = accounts[username]
    if st.session_state.get("_eus_picked") != (username, user["version"]):
        st.session_state["_eus_picked"] = (username, user["version"])
        picked(user)
    state = t(
        "eus_state",
        role=role_labels()[user["role"]],
        version=user["version"],
        active=t("eus_active") if user["active"] else t("eus_inactive"),
    )
    if username in locked:
        state += " · " + t("eus_locked_state", until=locked[username].strftime(TIME))
    st.caption(plain(state))
    left, right = st.columns(2)
    with left:
        role_form(user)
    with right:
        password_form(user)
        email_form(user)
        forms.messages("eus_active", reload=lambda: None)
        st.button(
            t("eus_deactivate") if user["active"] else t("eus_activate"),
            key="eus_switch_active",
            icon=":material/person_off:" if user["active"] else ":material/person_check:",
            on_click=forms.submit,
            args=("eus_active", lambda: switch_active(user)),
        )
        if username in locked:
            st.button(
                t("eus_unlock"),
                key="eus_unlock",
                icon=":material/lock_open:",
                on_click=forms.submit,
                args=("eus_active", lambda: unlock(user)),
            )


def end_session(session: dict) -> str:
    if not admin.end_session(data.engine(), auth.current_actor(), session["id"]):
        return t("eus_session_gone")
    return t("eus_session_ended", username=session["username"])


def sessions_section() -> None:
    st.subheader(t("eus_sessions"))
    st.caption(t("eus_sessions_caption"))
    live = data.live_sessions()
    if not live:
        st.info(t("eus_no_sessions"))
        return
    table = pd.DataFrame(
        [
            {
                user_label("username"): s["username"],
                user_label("display_name"): s["display_name"],
                t("eus_col_client"): s["client"] or "—",
                t("eus_col_started"): s["created_at"],
                t("eus_col_last_seen"): s["last_seen_at"],
                t("eus_col_expires"): s["expires_at"],
            }
            for s in live
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    by_id = {s["id"]: s for s in live}
    chosen = st.selectbox(
        t("eus_pick_session"),
        list(by_id),
        index=None,
        key="eus_session",
        placeholder=t("fm_choose"),
        format_func=lambda sid: (
            f"{by_id[sid]['username']} · {by_id[sid]['client'] or '—'} · {by_id[sid]['created_at']:%m-%d %H:%M}"
        ),
    )
    forms.messages(SESSIONS)
    if chosen is not None:
        st.button(
            t("eus_end_session"),
            key="eus_end_session",
            icon=":material/logout:",
            on_click=forms.submit,
            args=(SESSIONS, lambda: end_session(by_id[chosen])),
        )


def accounts_table(accounts: dict[str, dict], locked: dict) -> pd.DataFrame:
    rows = [
        {
            user_label("username"): u["username"],
            user_label("display_name"): u["display_name"],
            user_label("role"): role_labels()[u["role"]],
            user_label("employee_no"): u["employee_no"] or "—",
            user_label("active"): t("eus_active") if u["active"] else t("eus_inactive"),
            email_label(): u.get("email") or "—",
            t("eus_col_locked"): locked[u["username"]].strftime(TIME) if u["username"] in locked else "—",
            t("eus_col_changed"): u["password_changed_at"].strftime(TIME) if u["password_changed_at"] else "—",
            t("eus_col_must_change"): "✓" if u["must_change_password"] else "",
        }
        for u in accounts.values()
    ]
    return pd.DataFrame(rows)


forms.require("office")
forms.show_toast()
st.title(t("nav_entry_users"))
st.caption(t("eus_caption"))
auth.demo_banner()
accounts = {user["username"]: user for user in data.users()}
locked_now = data.locked_usernames()
st.dataframe(accounts_table(accounts, locked_now), hide_index=True, width="stretch")
st.subheader(t("eus_create"))
create_form()
st.subheader(t("eus_manage"))
manage(accounts, locked_now)
sessions_section()
