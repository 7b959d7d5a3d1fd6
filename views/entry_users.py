"""用户管理 / Users (office): create accounts, change a role, reset a password, deactivate.

data_access.admin checks every change (office only, own account protected,
manager accounts linked to an employee no.) and audits it without the
password hash.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_access import admin
from data_access.models import ROLES
from ui import auth, data, forms
from ui.strings import language, t

CREATE, ROLE, PASSWORD = "eus_create", "eus_role", "eus_password"


def role_labels() -> dict[str, str]:
    """role -> its label in the UI language (read once per run, for format_func)."""
    index = 0 if language() == "zh" else 1
    return {role: labels[index] for role, labels in admin.ROLE_LABELS.items()}


def user_label(column: str) -> str:
    zh, en = admin.USER_LABELS[column]
    return zh if language() == "zh" else en


def manager_choices() -> list[str]:
    return list(forms.manager_ids())


def create() -> str:
    typed = forms.values(CREATE, ("username", "display_name", "password", "role", "employee_no"))
    admin.create_user(data.engine(), auth.current_actor(), username=typed["username"] or "",
                      display_name=typed["display_name"] or "", password=typed["password"] or "",
                      role=typed["role"], employee_no=typed["employee_no"])
    forms.forget(CREATE, ("username", "display_name", "password", "employee_no"))
    return t("eus_created", username=(typed["username"] or "").strip().lower())


def create_form() -> None:
    forms.messages(CREATE)
    with st.form("eus_create_form", clear_on_submit=False):
        st.text_input(user_label("username"), key=f"{CREATE}_username", help=t("eus_username_help"))
        forms.field_error(CREATE, "username")
        st.text_input(user_label("display_name"), key=f"{CREATE}_display_name")
        forms.field_error(CREATE, "display_name")
        st.text_input(user_label("password"), key=f"{CREATE}_password", type="password",
                      help=t("eus_password_help", min=admin.MIN_PASSWORD_LENGTH))
        forms.field_error(CREATE, "password")
        st.selectbox(user_label("role"), ROLES, key=f"{CREATE}_role", format_func=role_labels().get)
        forms.field_error(CREATE, "role")
        st.selectbox(user_label("employee_no"), manager_choices(), index=None, key=f"{CREATE}_employee_no",
                     placeholder=t("fm_choose"), help=t("eus_employee_help"))
        forms.field_error(CREATE, "employee_no")
        st.form_submit_button(t("eus_create"), type="primary", icon=":material/person_add:",
                              on_click=forms.submit, args=(CREATE, create))


def change_role(user: dict) -> str:
    role = st.session_state[f"{ROLE}_role"]
    admin.set_role(data.engine(), auth.current_actor(), user["username"], role,
                   expected_version=user["version"], employee_no=st.session_state.get(f"{ROLE}_employee_no"))
    return t("eus_role_changed", username=user["username"], role=role_labels()[role])


def reset(user: dict) -> str:
    admin.reset_password(data.engine(), auth.current_actor(), user["username"],
                         st.session_state.get(f"{PASSWORD}_password") or "")
    st.session_state.pop(f"{PASSWORD}_password", None)
    return t("eus_password_reset", username=user["username"])


def switch_active(user: dict) -> str:
    change = admin.deactivate_user if user["active"] else admin.activate_user
    change(data.engine(), auth.current_actor(), user["username"], expected_version=user["version"])
    return t("eus_deactivated" if user["active"] else "eus_activated", username=user["username"])


def picked(user: dict) -> None:
    """Another user picked: show their role and link, no old messages."""
    for form in (ROLE, PASSWORD):
        forms.clear_messages(form)
    st.session_state[f"{ROLE}_role"] = user["role"]
    st.session_state[f"{ROLE}_employee_no"] = user["employee_no"]


def manage(accounts: dict[str, dict]) -> None:
    username = st.selectbox(t("eus_pick"), list(accounts), index=None, key="eus_pick", placeholder=t("fm_choose"),
                            format_func=lambda u: f"{u} · {accounts[u]['display_name']}")
    if username is None:
        return
    user = accounts[username]
    if st.session_state.get("_eus_picked") != (username, user["version"]):
        st.session_state["_eus_picked"] = (username, user["version"])
        picked(user)
    st.caption(t("eus_state", role=role_labels()[user["role"]], active=t("eus_active") if user["active"] else
                 t("eus_inactive"), version=user["version"]))
    left, right = st.columns(2)
    with left:
        forms.messages(ROLE, reload=lambda: None)
        with st.form("eus_role_form", clear_on_submit=False):
            st.selectbox(user_label("role"), ROLES, key=f"{ROLE}_role", format_func=role_labels().get)
            forms.field_error(ROLE, "role")
            st.selectbox(user_label("employee_no"), manager_choices(), index=None, key=f"{ROLE}_employee_no",
                         placeholder=t("fm_choose"), help=t("eus_employee_help"))
            forms.field_error(ROLE, "employee_no")
            forms.field_error(ROLE, "username")
            st.form_submit_button(t("eus_change_role"), on_click=forms.submit, args=(ROLE, lambda: change_role(user)))
    with right:
        forms.messages(PASSWORD)
        with st.form("eus_password_form", clear_on_submit=False):
            st.text_input(t("eus_new_password"), key=f"{PASSWORD}_password", type="password",
                          help=t("eus_password_help", min=admin.MIN_PASSWORD_LENGTH))
            forms.field_error(PASSWORD, "password")
            st.form_submit_button(t("eus_reset_password"), on_click=forms.submit, args=(PASSWORD, lambda: reset(user)))
        forms.messages("eus_active", reload=lambda: None)
        st.button(t("eus_deactivate") if user["active"] else t("eus_activate"), key="eus_switch_active",
                  icon=":material/person_off:" if user["active"] else ":material/person_check:",
                  on_click=forms.submit, args=("eus_active", lambda: switch_active(user)))


forms.require("office")
forms.show_toast()
st.title(t("nav_entry_users"))
st.caption(t("eus_caption"))
accounts = {user["username"]: user for user in forms.users()}
table = pd.DataFrame(list(accounts.values()), columns=["username", "display_name", "role", "employee_no", "active"])
table["role"] = table["role"].map(role_labels())
st.dataframe(table.rename(columns={column: user_label(column) for column in table.columns}), hide_index=True,
             width="stretch")
st.subheader(t("eus_create"))
create_form()
st.subheader(t("eus_manage"))
manage(accounts)
