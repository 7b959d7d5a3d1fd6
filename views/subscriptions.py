"""订阅与提醒 / Subscriptions (every role): the weekly brief and alerts by email or group webhook.

Each user manages their own subscriptions; the office manages everyone's and subscribes group
webhooks. data_access.subscriptions checks every rule again when saving (a manager's alerts are
their own, email needs an address, webhooks are named, not stored). Nothing is sent from here:
`python manage.py notify`, run by the server's scheduler, sends what is due.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_access import notify_config
from data_access import subscriptions as subs
from data_access.models import FREQUENCIES, LANGUAGES, SUBSCRIPTION_KINDS
from ui import auth, data, forms
from ui.strings import t

FORM = "sub"
FIELDS = (
    "channel",
    "webhook",
    "frequency",
    "weekday",
    "send_time",
    "scope_kind",
    "scope_value",
    "rules",
    "language",
    "active",
)
ALWAYS_DRAWN = ("channel", "frequency", "weekday", "send_time", "language", "active")
_EDITING = "_sub_editing"  # (subscription id, version) being changed, or None for a new one


def weekdays() -> list[str]:
    return t("sub_weekdays").split(",")


def schedule(row: dict) -> str:
    if row["frequency"] == "each_run":
        return t("sub_each_run")
    if row["frequency"] == "daily":
        return t("sub_daily_at", time=row["send_time"])
    return t("sub_weekly_at", weekday=weekdays()[row["weekday"]], time=row["send_time"])


def scope_label(row: dict) -> str:
    label = t(f"sub_scope_{row['scope_kind']}")
    return f"{label} {row['scope_value']}" if row["scope_value"] else label


def subscriptions_table(rows: list[dict], office: bool) -> None:
    if not rows:
        st.info(t("sub_none"))
        return
    table = pd.DataFrame(
        [
            {
                t("sub_col_id"): row["id"],
                **({t("sub_col_owner"): f"{row['username']} · {row['display_name']}"} if office else {}),
                t("sub_col_kind"): t(f"sub_kind_{row['kind']}").split("（")[0].split(" (")[0],
                t("sub_col_channel"): row["email"]
                if row["channel"] == "email"
                else f"{t('sub_channel_webhook')} {row['webhook']}",
                t("sub_col_scope"): scope_label(row),
                t("sub_col_schedule"): schedule(row),
                t("sub_col_rules"): "、".join(t(f"sub_rule_{rule}") for rule in row["rules"]) or "—",
                t("sub_col_language"): t(f"sub_lang_{row['language']}"),
                t("sub_col_active"): "✓" if row["active"] else "",
            }
            for row in rows
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")


# --- the form: new or change -----------------------------------------------------------------------


def editing() -> tuple[int, int] | None:
    return st.session_state.get(_EDITING)


def start(row: dict | None) -> None:
    """Fill the form with a subscription to change, or with the defaults of a new one."""
    forms.clear_messages(FORM)
    if row is None:
        st.session_state[_EDITING] = None
        values = {
            "channel": "email",
            "webhook": None,
            "frequency": "weekly",
            "weekday": 0,
            "send_time": "08:00",
            "scope_kind": "all",
            "scope_value": None,
            "rules": list(subs.ALERT_RULES),
            "language": "zh",
            "active": True,
        }
    else:
        st.session_state[_EDITING] = (row["id"], row["version"])
        st.session_state[f"{FORM}_kind"] = row["kind"]
        values = {key: row[key] for key in FIELDS}
    forms.fill(FORM, values, FIELDS)


def on_pick(rows_by_id: dict[int, dict]) -> None:
    chosen = st.session_state.get("sub_pick")
    start(rows_by_id.get(chosen))


def save(owner: str) -> str:
    typed = forms.values(FORM, ("kind", *FIELDS))
    current = editing()
    saved = subs.save_subscription(
        data.engine(),
        auth.current_actor(),
        {"username": owner, **typed},
        subscription_id=current[0] if current else None,
        expected_version=current[1] if current else None,
    )
    st.session_state[_EDITING] = (saved.id, saved.version)
    return t("sub_saved", id=saved.id)


def kind_changed() -> None:
    """A new subscription's schedule follows its kind: the brief weekly on Monday 08:00, alerts daily 07:30."""
    kind = st.session_state.get(f"{FORM}_kind")
    st.session_state[f"{FORM}_frequency"] = "weekly" if kind == "brief" else "daily"
    st.session_state[f"{FORM}_send_time"] = subs.DEFAULT_TIMES.get(kind, "08:00")
    st.session_state[f"{FORM}_weekday"] = 0


def subscription_form(owner: dict, choices: dict[str, list[str]], office: bool) -> None:
    kind = st.session_state.setdefault(f"{FORM}_kind", "brief")
    st.radio(
        t("sub_kind"),
        SUBSCRIPTION_KINDS,
        key=f"{FORM}_kind",
        horizontal=True,
        on_change=kind_changed,
        format_func=lambda k: t(f"sub_kind_{k}"),
        disabled=editing() is not None,
    )
    forms.messages(FORM, reload=lambda: start(None))
    webhooks = notify_config.webhook_names()
    manager_alerts = owner["role"] == "manager" and kind == "alerts"
    with st.form("sub_form", clear_on_submit=False):
        left, right = st.columns(2)
        with left:
            channels = ("email", "webhook") if office else ("email",)
            st.selectbox(t("sub_channel"), channels, key=f"{FORM}_channel", format_func=lambda c: t(f"sub_channel_{c}"))
            forms.field_error(FORM, "channel")
            if office:
                st.selectbox(
                    t("sub_webhook"),
                    webhooks,
                    index=None,
                    key=f"{FORM}_webhook",
                    placeholder=t("fm_choose") if webhooks else t("sub_no_webhooks"),
                    help=t("sub_webhook_help"),
                )
                forms.field_error(FORM, "webhook")
            frequencies = subs.BRIEF_FREQUENCIES if kind == "brief" else FREQUENCIES
            st.selectbox(
                t("sub_frequency"), frequencies, key=f"{FORM}_frequency", format_func=lambda f: t(f"sub_frequency_{f}")
            )
            forms.field_error(FORM, "frequency")
            st.selectbox(t("sub_weekday"), range(7), key=f"{FORM}_weekday", format_func=lambda d: weekdays()[d])
            st.text_input(t("sub_time"), key=f"{FORM}_send_time", max_chars=5)
            forms.field_error(FORM, "send_time")
        with right:
            scopes = ("self",) if manager_alerts else ("all", "town", "team")
            st.selectbox(
                t("sub_scope"),
                scopes,
                key=f"{FORM}_scope_kind",
                format_func=lambda s: t(f"sub_scope_{s}"),
                help=t("sub_scope_help"),
            )
            forms.field_error(FORM, "scope_kind")
            if not manager_alerts:
                values = [*choices["town"], *choices["team"]]
                st.selectbox(
                    t("sub_scope_value"),
                    values,
                    index=None,
                    key=f"{FORM}_scope_value",
                    placeholder=t("fm_choose"),
                    format_func=lambda v: f"{t('sub_scope_town') if v in choices['town'] else t('sub_scope_team')} {v}",
                )
                forms.field_error(FORM, "scope_value")
            if kind == "alerts":
                st.multiselect(
                    t("sub_rules"),
                    subs.ALERT_RULES,
                    key=f"{FORM}_rules",
                    format_func=lambda r: t(f"sub_rule_{r}"),
                    help=t("sub_rules_help"),
                )
                forms.field_error(FORM, "rules")
            st.selectbox(
                t("sub_language"), LANGUAGES, key=f"{FORM}_language", format_func=lambda code: t(f"sub_lang_{code}")
            )
            st.checkbox(t("sub_active"), key=f"{FORM}_active")
        forms.field_error(FORM, "kind")
        forms.field_error(FORM, "username")
        st.form_submit_button(
            t("sub_save"),
            type="primary",
            icon=":material/notifications_active:",
            on_click=forms.submit,
            args=(FORM, lambda: save(owner["username"])),
        )


def keep_scope_consistent(owner: dict) -> None:
    """A manager's alerts are "self"; other owners never are (the widgets' values follow the kind)."""
    kind = st.session_state.get(f"{FORM}_kind", "brief")
    scope_key = f"{FORM}_scope_kind"
    manager_alerts = owner["role"] == "manager" and kind == "alerts"
    if manager_alerts:
        st.session_state[scope_key] = "self"
    elif st.session_state.get(scope_key) == "self" or scope_key not in st.session_state:
        st.session_state[scope_key] = "all"
    if kind == "brief" and st.session_state.get(f"{FORM}_frequency") == "each_run":
        st.session_state[f"{FORM}_frequency"] = "weekly"


# --- changing what exists ----------------------------------------------------------------------------


def delete(row: dict) -> str:
    subs.delete_subscription(data.engine(), auth.current_actor(), row["id"], row["version"])
    start(None)
    st.session_state.pop("sub_pick", None)
    return t("sub_deleted", id=row["id"])


def switch(row: dict) -> str:
    values = {key: row[key] for key in ("kind", *FIELDS)}
    values["active"] = not row["active"]
    saved = subs.save_subscription(
        data.engine(), auth.current_actor(), values, subscription_id=row["id"], expected_version=row["version"]
    )
    st.session_state[_EDITING] = (saved.id, saved.version)
    return t("sub_resumed" if values["active"] else "sub_paused", id=row["id"])


def existing(rows: list[dict]) -> dict | None:
    """The picker of an existing subscription; the picked row (None: a new one)."""
    by_id = {row["id"]: row for row in rows}
    options = [None, *by_id]
    if st.session_state.get("sub_pick") not in options:
        st.session_state["sub_pick"] = None
    st.selectbox(
        t("sub_pick"),
        options,
        key="sub_pick",
        on_change=on_pick,
        args=(by_id,),
        format_func=lambda i: (
            t("sub_new_mode")
            if i is None
            else f"{i} · {by_id[i]['username']} · {t('sub_kind_' + by_id[i]['kind']).split('（')[0].split(' (')[0]}"
            f" · {scope_label(by_id[i])} · {schedule(by_id[i])}"
        ),
    )
    return by_id.get(st.session_state.get("sub_pick"))


def row_actions(row: dict) -> None:
    forms.messages("sub_row")
    left, right = st.columns(2)
    left.button(
        t("sub_pause") if row["active"] else t("sub_resume"),
        key="sub_switch",
        icon=":material/pause_circle:" if row["active"] else ":material/play_circle:",
        on_click=forms.submit,
        args=("sub_row", lambda: switch(row)),
    )
    right.button(
        t("sub_delete"),
        key="sub_delete",
        icon=":material/delete:",
        on_click=forms.submit,
        args=("sub_row", lambda: delete(row)),
    )


def bulk_button() -> None:
    def subscribe_all() -> str:
        count = subs.subscribe_managers(data.engine(), auth.current_actor())
        return t("sub_bulk_done", count=count)

    forms.messages("sub_bulk")
    st.button(
        t("sub_bulk"),
        key="sub_bulk_button",
        icon=":material/group_add:",
        on_click=forms.submit,
        args=("sub_bulk", subscribe_all),
    )


# --- the screen ---------------------------------------------------------------------------------------

forms.show_toast()
user = auth.current_user()
office = user["role"] == "office"
st.title(t("nav_subscriptions"))
st.caption(t("sub_caption"))
rows = data.subscriptions_of(None if office else user["username"])
choices = data.subscription_scopes()
me = data.account(user["username"])
accounts = data.users() if office else [me]
if me["email"]:
    st.text(t("sub_email", email=me["email"]))  # st.text: an address is not turned into a link
else:
    st.warning(t("sub_no_email"), icon=":material/mail:")

st.subheader(t("sub_list"))
subscriptions_table(rows, office)
if office:
    bulk_button()

picked = existing(rows)
if _EDITING not in st.session_state or any(f"{FORM}_{key}" not in st.session_state for key in ALWAYS_DRAWN):
    start(picked)  # first visit, or back from another screen (Streamlit forgot the widgets' values)
if picked is not None:
    owner = next((a for a in accounts if a["username"] == picked["username"]), me)
    st.subheader(t("sub_edit"))
    row_actions(picked)
else:
    if st.session_state.get(_EDITING) is not None:
        start(None)
    st.subheader(t("sub_new"))
    owner = me
    if office:
        active = [a for a in accounts if a["active"]]
        names = [a["username"] for a in active]
        if st.session_state.get("sub_owner") not in names:
            st.session_state["sub_owner"] = user["username"]
        chosen = st.selectbox(
            t("sub_owner"),
            names,
            key="sub_owner",
            format_func=lambda u: next(f"{a['display_name']}（{u}）" for a in active if a["username"] == u),
        )
        owner = next(a for a in active if a["username"] == chosen)
        st.text(
            t(
                "sub_owner_email",
                name=owner["display_name"],
                username=owner["username"],
                email=owner.get("email") or "—",
            )
        )
keep_scope_consistent(owner)
subscription_form(owner, choices, office)
