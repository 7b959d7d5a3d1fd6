"""The files of one record: listed with a download button each, and an upload for those allowed.

Reads and the upload go through ui.data and data_access.attachments (type by content, size limit,
permissions); the file name offered for download is the one stored (sanitised on upload).
"""

from __future__ import annotations

import streamlit as st

from data_access import attachments
from data_access.clock import today as clock_today
from ui import auth, data, forms
from ui.strings import t
from ui.text import plain


def _size(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size < attachments.MB else f"{size / attachments.MB:,.1f} MB"


def _upload(kind: str, record_id: int, key: str) -> str:
    uploaded = st.session_state.get(key)
    name, content = (uploaded.name, uploaded.getvalue()) if uploaded is not None else ("", None)
    attachments.attach(
        data.engine(), auth.current_actor(), kind, record_id, name, content, max_mb=data.settings()["attachment_max_mb"]
    )
    return t("at_saved", name=name)


def panel(kind: str, record_id: int, can_upload: bool = True) -> None:
    """The record's files and, when `can_upload` and the user may, an upload."""
    actor, day = auth.current_actor(), clock_today()
    form = f"at_{kind}_{record_id}"
    st.markdown(f"**{t('at_title')}**")
    files = data.attachment_list(actor, kind, record_id, day)
    if not files:
        st.caption(t("at_none"))
    for row in files:
        name, content, mime = data.attachment_file(actor, row["id"], day)
        line = t(
            "at_line",
            name=row["filename"],
            size=_size(row["size"]),
            by=row["uploaded_by"],
            at=f"{row['uploaded_at']:%Y-%m-%d %H:%M}",
        )
        st.download_button(
            t("at_download", name=plain(line)),
            content,
            file_name=name,
            mime=mime,
            key=f"{form}_dl_{row['id']}",
            icon=":material/download:",
        )
    if not can_upload or not data.may_attach(actor, kind, record_id, day):
        return
    forms.messages(form)
    max_mb = data.settings()["attachment_max_mb"]
    st.file_uploader(t("at_upload", max_mb=f"{max_mb:g}"), key=f"{form}_file")
    st.button(
        t("at_save"),
        key=f"{form}_save",
        icon=":material/upload:",
        on_click=forms.submit,
        args=(form, lambda: _upload(kind, record_id, f"{form}_file")),
    )
