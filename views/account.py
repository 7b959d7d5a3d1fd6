"""我的账号 / My account (every role): change one's own password; the email address for subscriptions.

The office sets a first password for every account it creates; the user must replace it at the
first login, and again when it is older than [password_max_age_days]. Until then this is the only
page the user can open (app.py). A change ends the user's other sessions; this one stays open.
"""

from __future__ import annotations

import streamlit as st

from data_access import admin, passwords
from data_access.writes import ValidationFailed, WriteProblem
from ui import auth, data, forms
from ui.strings import t
from ui.text import plain

FORM = "acc_password"
EMAIL_FORM = "acc_email"


def change_password() -> str:
    typed = forms.values(FORM, ("current_password", "password", "repeat"))
    if (typed["password"] or "") != (typed["repeat"] or ""):
        raise ValidationFailed([WriteProblem("repeat", "passwords_differ", {}, None, "acc_repeat")], "users")
    admin.change_own_password(
        data.engine(),
        auth.current_actor(),
        typed["current_password"] or "",
        typed["password"] or "",
        keep_session=auth.session_token(),
    )
    forms.forget(FORM, ("current_password", "password", "repeat"))
    return t("acc_password_changed")


def password_form() -> None:
    forms.messages(FORM)
    with st.form("acc_password_form", clear_on_submit=False):
        st.text_input(
            t("acc_current"), key=f"{FORM}_current_password", type="password", autocomplete="current-password"
        )
        forms.field_error(FORM, "current_password")
        st.text_input(
            t("acc_new"),
            key=f"{FORM}_password",
            type="password",
            autocomplete="new-password",
            help=t("acc_rules", min=passwords.MIN_LENGTH, classes=passwords.MIN_CLASSES),
        )
        forms.field_error(FORM, "password")
        st.text_input(t("acc_repeat"), key=f"{FORM}_repeat", type="password", autocomplete="new-password")
        forms.field_error(FORM, "repeat")
        st.form_submit_button(
            t("acc_change"), type="primary", icon=":material/key:", on_click=forms.submit, args=(FORM, change_password)
        )


def save_email() -> str:
    stored = admin.set_email(
        data.engine(),
        auth.current_actor(),
        auth.current_user()["username"],
        st.session_state.get(f"{EMAIL_FORM}_email"),
    )
    return t("acc_email_saved", email=stored) if stored else t("acc_email_removed")


def email_form() -> None:
    """The address subscriptions send to (views/subscriptions.py); data_access.admin checks it."""
    if f"{EMAIL_FORM}_email" not in st.session_state:
        st.session_state[f"{EMAIL_FORM}_email"] = (data.account(auth.current_user()["username"]) or {}).get("email")
    forms.messages(EMAIL_FORM)
    with st.form("acc_email_form", clear_on_submit=False):
        st.text_input(
            t("acc_email"), key=f"{EMAIL_FORM}_email", help=t("acc_email_help"), autocomplete="email", max_chars=254
        )
        forms.field_error(EMAIL_FORM, "email")
        st.form_submit_button(
            t("acc_email_save"), icon=":material/mail:", on_click=forms.submit, args=(EMAIL_FORM, save_email)
        )


forms.show_toast()
user = auth.current_user()
st.title(t("nav_account"))
due = auth.password_change_due()
if due:
    st.warning(t(f"acc_due_{due}"), icon=":material/key:")
st.caption(t("acc_caption", username=plain(user["username"]), role=t(f"role_{user['role']}")))
st.caption(t("acc_rules", min=passwords.MIN_LENGTH, classes=passwords.MIN_CLASSES))
password_form()
if not due:  # the first or an expired password comes first
    email_form()
