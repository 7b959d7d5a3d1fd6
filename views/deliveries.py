"""发送记录 / Delivery log (office): every message `manage.py notify` made, its status and attempts,
the sending settings it found (never a password or a webhook's URL), and one message's text."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_access import clock, notify_config
from data_access.models import DELIVERY_STATUSES
from ui import data, forms
from ui.strings import t
from ui.text import plain

TIME = "%Y-%m-%d %H:%M"
LOG_ROWS = 500


def config_panel() -> None:
    lines = []
    try:
        smtp = notify_config.smtp_config()
        lines.append(
            t("dlv_smtp_ok", host=smtp.host, port=smtp.port, sender=smtp.sender) if smtp else t("dlv_smtp_missing")
        )
    except notify_config.ConfigError as error:
        lines.append(t("dlv_smtp_bad", error=error))
    base = notify_config.base_url()
    lines.append(t("dlv_base_url", url=base) if base else t("dlv_base_url_missing"))
    names = notify_config.webhook_names()
    lines.append(t("dlv_webhooks", names=", ".join(names)) if names else t("dlv_no_webhooks"))
    with st.expander(t("dlv_config"), expanded=False):
        for line in lines:
            st.text(line)


def counts_row(counts: dict[str, int]) -> None:
    st.caption(t("dlv_counts"))
    for column, status in zip(st.columns(len(DELIVERY_STATUSES)), DELIVERY_STATUSES):
        column.metric(t(f"dlv_status_{status}"), counts.get(status, 0), border=True)


def _time(value) -> str:
    return value.strftime(TIME) if isinstance(value, dt.datetime) else "—"


def log_table(rows: list[dict]) -> None:
    table = pd.DataFrame(
        [
            {
                t("dlv_col_created"): _time(row["created_at"]),
                t("dlv_col_slot"): _time(row["slot"]),
                t("dlv_col_kind"): t(f"sub_kind_{row['kind']}").split("（")[0].split(" (")[0],
                t("dlv_col_channel"): t(f"sub_channel_{row['channel']}"),
                t("dlv_col_recipient"): row["recipient"],
                t("dlv_col_owner"): row["username"] or "—",
                t("dlv_col_subject"): row["subject"],
                t("dlv_col_items"): row["items"] if row["kind"] == "alerts" else "—",
                t("dlv_col_status"): t(f"dlv_status_{row['status']}"),
                t("dlv_col_attempts"): row["attempts"],
                t("dlv_col_sent"): _time(row["sent_at"]),
                t("dlv_col_error"): row["error"] or "",
            }
            for row in rows
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")


def message_view(rows: list[dict]) -> None:
    by_id = {row["id"]: row for row in rows}
    chosen = st.selectbox(
        t("dlv_pick"),
        list(by_id),
        index=None,
        key="dlv_pick",
        placeholder=t("fm_choose"),
        format_func=lambda i: f"#{i} · {_time(by_id[i]['created_at'])} · {by_id[i]['recipient']}",
    )
    if chosen is None:
        return
    message, name = data.delivery_message(chosen)
    if message is None:
        return
    st.text(message["subject"])
    st.code(message["markdown"] or message["body"], language=None, wrap_lines=True)
    if name:
        st.caption(plain(t("dlv_attachment", name=name)))


forms.require("office")
st.title(t("nav_deliveries"))
st.caption(t("dlv_caption"))
config_panel()
today = clock.today()
counts_row(data.delivery_counts(today - dt.timedelta(days=6)))
left, right = st.columns(2)
status = left.selectbox(
    t("dlv_status"),
    [None, *DELIVERY_STATUSES],
    key="dlv_status",
    format_func=lambda s: t("dlv_all") if s is None else t(f"dlv_status_{s}"),
)
since = right.date_input(t("dlv_since"), value=today - dt.timedelta(days=30), format="YYYY-MM-DD", key="dlv_since")
rows = data.delivery_log(since, status, LOG_ROWS)
if not rows:
    st.info(t("dlv_none"))
else:
    log_table(rows)
    message_view(rows)
