"""操作日志 / Audit trail (office): who changed what, when, and the values before and after; and the
security events (logins, failures, locks, session ends, password and account changes).

The queries run in SQL with filters and a row limit (data_access.audit.query_audit,
data_access.security.query_events). Both logs are read-only here.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from data_access import audit, security
from ui import data, forms
from ui.components import show_table
from ui.filters import MAX_DATE, MIN_DATE
from ui.problem_text import table_label
from ui.strings import language, t

LIMIT = 1000
DEFAULT_DAYS = 7
ACTIONS = ("insert", "update", "delete", "gate_override")


def shown(value) -> str:
    return "∅" if value is None else str(value)


def changes_text(before: str | None, after: str | None) -> str:
    """'field: before → after; ...' for the fields the entry changed."""
    return "; ".join(
        f"{field}: {shown(old)} → {shown(new)}"
        for field, (old, new) in audit.changed_fields(before, after).items()
        if field != "version"
    )


def entries_table(entries: list[dict]) -> pd.DataFrame:
    lang = language()
    rows = [
        {
            t("aud_col_at"): entry["at"],
            t("aud_col_user"): entry["username"],
            t("aud_col_action"): t(f"aud_action_{entry['action']}") if entry["action"] in ACTIONS else entry["action"],
            t("aud_col_table"): table_label(entry["table_name"], lang),
            t("aud_col_key"): entry["row_key"],
            t("aud_col_source"): entry["source"],
            t("aud_col_changes"): changes_text(entry["before"], entry["after"]),
            t("aud_col_before"): entry["before"],
            t("aud_col_after"): entry["after"],
        }
        for entry in entries
    ]
    return pd.DataFrame(
        rows,
        columns=[
            t(f"aud_col_{c}") for c in ("at", "user", "action", "table", "key", "source", "changes", "before", "after")
        ],
    )


def date_range() -> tuple[dt.date, dt.date]:
    today = dt.date.today()
    first, second = st.columns(2)
    st.session_state.setdefault("aud_from", today - dt.timedelta(days=DEFAULT_DAYS))
    st.session_state.setdefault("aud_to", today)
    start = first.date_input(
        t("filter_from"), key="aud_from", min_value=MIN_DATE, max_value=MAX_DATE, format="YYYY-MM-DD"
    )
    end = second.date_input(t("filter_to"), key="aud_to", min_value=MIN_DATE, max_value=MAX_DATE, format="YYYY-MM-DD")
    if start > end:
        st.error(t("filter_window_error", start=start, end=end))
        st.stop()
    return start, end


def filters() -> dict:
    start, end = date_range()
    choices = data.audit_choices(start, end)
    lang = language()
    actions = {action: t(f"aud_action_{action}") for action in ACTIONS}
    labels = {
        "username": {},
        "table": {table: table_label(table, lang) for table in choices["table_name"]},
        "action": actions,
        "source": {},
    }
    options = {
        "username": choices["username"],
        "table": choices["table_name"],
        "action": choices["action"],
        "source": choices["source"],
    }
    everything = t("filter_all")
    picked = {}
    for column, name in zip(st.columns(4), options):
        shown = {None: everything, **{value: labels[name].get(value, value) for value in options[name]}}
        picked[name] = column.selectbox(t(f"aud_filter_{name}"), list(shown), key=f"aud_{name}", format_func=shown.get)
    return {"start": start, "end": end, **picked}


def detail(entries: list[dict]) -> None:
    by_id = {entry["id"]: entry for entry in entries}
    chosen = st.selectbox(
        t("aud_pick"),
        list(by_id),
        index=None,
        key="aud_pick",
        placeholder=t("fm_choose"),
        format_func=lambda i: (
            f"{by_id[i]['at']} · {by_id[i]['username']} · {by_id[i]['table_name']} · {by_id[i]['row_key']}"
        ),
    )
    if chosen is None:
        return
    entry = by_id[chosen]
    changed = audit.changed_fields(entry["before"], entry["after"])
    st.dataframe(
        pd.DataFrame(
            [
                {t("aud_col_field"): f, t("aud_col_before"): shown(old), t("aud_col_after"): shown(new)}
                for f, (old, new) in changed.items()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    left, right = st.columns(2)
    left.caption(t("aud_col_before"))
    left.json(json.loads(entry["before"]) if entry["before"] else {})
    right.caption(t("aud_col_after"))
    right.json(json.loads(entry["after"]) if entry["after"] else {})


def event_detail(detail: dict) -> str:
    """The event's detail in words: reason, until, failures, by whom, role change."""
    parts = []
    if "reason" in detail:
        parts.append(t("sec_detail_reason", value=t(f"sec_reason_{detail['reason']}")))
    if "until" in detail:
        parts.append(t("sec_detail_until", value=detail["until"].replace("T", " ")))
    if "failures" in detail:
        parts.append(t("sec_detail_failures", value=detail["failures"]))
    if "by" in detail:
        parts.append(t("sec_detail_by", value=t(f"sec_by_{detail['by']}")))
    if "before" in detail and "after" in detail:
        parts.append(t("sec_detail_role", before=t(f"role_{detail['before']}"), after=t(f"role_{detail['after']}")))
    elif "role" in detail:
        parts.append(t("sec_detail_new_role", value=t(f"role_{detail['role']}")))
    return "；".join(parts) if language() == "zh" else "; ".join(parts)


def events_table(events: list[dict]) -> pd.DataFrame:
    rows = [
        {
            t("aud_col_at"): event["at"],
            t("aud_col_event"): t(f"sec_event_{event['event']}"),
            t("aud_col_account"): event["username"] or "—",
            t("aud_col_actor"): event["actor"] or "—",
            t("aud_col_client"): event["client"] or "—",
            t("aud_col_detail"): event_detail(event["detail"]),
        }
        for event in events
    ]
    return pd.DataFrame(
        rows, columns=[t(f"aud_col_{c}") for c in ("at", "event", "account", "actor", "client", "detail")]
    )


def security_events() -> None:
    st.caption(t("aud_sec_caption"))
    start, end = date_range()
    usernames = data.security_usernames(start, end)
    everything = t("filter_all")
    left, right = st.columns(2)
    events = {None: everything, **{event: t(f"sec_event_{event}") for event in security.EVENTS}}
    event = left.selectbox(t("aud_filter_event"), list(events), key="aud_event", format_func=events.get)
    users = {None: everything, **{name: name for name in usernames}}
    username = right.selectbox(t("aud_filter_username"), list(users), key="aud_sec_user", format_func=users.get)
    found, total = data.security_events(start, end, event=event, username=username, limit=LIMIT)
    if total > len(found):
        st.caption(t("fm_rows_cut", shown=len(found), total=total))
    show_table(events_table(found), t("aud_sec_file"), key="aud_sec_table")


def data_changes() -> None:
    st.caption(t("aud_caption"))
    chosen = filters()
    entries, total = data.audit_entries(
        chosen["start"],
        chosen["end"],
        username=chosen["username"],
        table=chosen["table"],
        action=chosen["action"],
        source=chosen["source"],
        limit=LIMIT,
    )
    if total > len(entries):
        st.caption(t("fm_rows_cut", shown=len(entries), total=total))
    show_table(entries_table(entries), t("aud_file"), key="aud_table")
    if entries:
        detail(entries)


forms.require("office")
st.title(t("nav_audit"))
kinds = {"changes": t("aud_kind_changes"), "security": t("aud_kind_security")}
kind = st.radio(
    t("aud_kind"), list(kinds), format_func=kinds.get, key="aud_kind", horizontal=True, label_visibility="collapsed"
)
if kind == "security":
    security_events()
else:
    data_changes()
