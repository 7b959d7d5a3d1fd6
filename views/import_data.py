"""数据导入 / Import (office): the contract's template as one .xlsx workbook or several CSV files.

Upload -> read and check everything (data_access.importer, nothing written)
-> preview what would be inserted / updated per sheet and every problem
(sheet, row, column, reason, downloadable) -> "import" only when clean: one
transaction, all or nothing, audited with source "import".
"""

from __future__ import annotations

import hashlib
import io

import pandas as pd
import streamlit as st

from data_access import importer
from data_access.contract import SHEETS, SHEETS_BY_KEY
from data_access.permissions import PermissionDenied
from data_access.template import write_template
from ui import auth, data, forms, theme
from ui.components import missing_as_dash, show_table
from ui.problem_text import error_text, problem_text
from ui.strings import language, t
from ui.text import plain

_CHECKED = "_imp_checked"
_UPLOADER = "_imp_uploader"


@st.cache_data(show_spinner=False)
def template_bytes() -> bytes:
    """The empty template (the same bytes every run, so the download link stays valid across reruns)."""
    buffer = io.BytesIO()
    write_template(buffer)
    return buffer.getvalue()


def progress_reporter(bar):
    """An importer Progress callback drawing on `bar` (st.progress)."""

    def report(step: str, fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t("imp_progress", step=step, percent=round(fraction * 100)))

    return report


def uploads_signature(files: dict[str, bytes]) -> str:
    digest = hashlib.sha1()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(hashlib.sha1(files[name]).digest())
    return digest.hexdigest()


def check(files: dict[str, bytes]) -> dict:
    """Read and validate the uploads once (kept for this upload), with progress."""
    signature = uploads_signature(files)
    checked = st.session_state.get(_CHECKED)
    if checked and checked["signature"] == signature:
        return checked
    bar = st.progress(0.0, text=t("imp_checking"))
    report = progress_reporter(bar)
    source = importer.read_uploads(files, lambda step, fraction: report(step, fraction * 0.3))
    result = data.validate_import(source, lambda step, fraction: report(step, 0.3 + fraction * 0.7))
    bar.empty()
    checked = {"signature": signature, "source": source, "result": result}
    st.session_state[_CHECKED] = checked
    return checked


def sheet_label(key: str) -> str:
    sheet = SHEETS_BY_KEY.get(key)
    return sheet.label(language()) if sheet else key


def column_label(sheet_key: str, column: str) -> str:
    sheet = SHEETS_BY_KEY.get(sheet_key)
    if sheet is not None and column in sheet.column_keys:
        return f"{sheet.column(column).label(language())} ({column})"
    return column


def preview_table(result: importer.ImportResult) -> pd.DataFrame:
    rows = []
    for sheet in SHEETS:
        if sheet.key not in result.rows:
            continue
        inserted, updated = result.counts.get(sheet.key, (None, None))
        rows.append(
            {
                t("imp_col_sheet"): sheet.label(language()),
                t("imp_col_rows"): result.rows[sheet.key],
                t("imp_col_insert"): inserted,
                t("imp_col_update"): updated,
                t("imp_col_unchanged"): result.unchanged.get(sheet.key),
            }
        )
    return pd.DataFrame(rows)


def error_table(result: importer.ImportResult) -> pd.DataFrame:
    lang = language()
    return pd.DataFrame(
        [
            {
                t("imp_col_sheet"): sheet_label(p.sheet),
                t("imp_col_row"): p.row,
                t("imp_col_column"): column_label(p.sheet, p.column),
                t("imp_col_reason"): problem_text(p, lang),
            }
            for p in result.errors
        ],
        columns=[t("imp_col_sheet"), t("imp_col_row"), t("imp_col_column"), t("imp_col_reason")],
    )


def commit(source: importer.Source) -> None:
    bar = st.progress(0.0, text=t("imp_writing"))
    try:
        result = importer.import_source(
            data.engine(), source, actor=auth.current_actor(), progress=progress_reporter(bar)
        )
    except PermissionDenied as error:
        bar.empty()
        st.error(plain(error_text(error, language())))
        return
    bar.empty()
    if not result.committed:
        st.session_state[_CHECKED]["result"] = result  # e.g. the data changed since the check
        st.error(t("imp_not_committed"))
        return
    data.clear_caches()
    inserted = sum(i for i, _ in result.counts.values())
    updated = sum(u for _, u in result.counts.values())
    forms.note_saved(t("imp_done", inserted=inserted, updated=updated))
    st.session_state.pop(_CHECKED, None)
    st.session_state[_UPLOADER] = st.session_state.get(_UPLOADER, 0) + 1  # an empty uploader
    st.rerun()


forms.require("office")
forms.show_toast()
st.title(t("nav_import_data"))
st.caption(t("imp_caption"))
st.download_button(
    t("imp_template"),
    data=template_bytes(),
    file_name=t("imp_template_file") + ".xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    on_click="ignore",
    key="imp_template",
)
if language() == "zh":
    theme.uploader_words(t("imp_upload_button"), t("imp_upload_limit", mb=st.get_option("server.maxUploadSize")))
uploaded = st.file_uploader(
    t("imp_upload"),
    type=["xlsx", "csv"],
    accept_multiple_files=True,
    key=f"imp_files_{st.session_state.get(_UPLOADER, 0)}",
    help=t("imp_upload_help"),
)
if not uploaded:
    st.info(t("imp_nothing"))
    st.stop()

checked = check({file.name: file.getvalue() for file in uploaded})
result = checked["result"]
if importer.nothing_to_import(result):
    st.warning(t("imp_empty"), icon=":material/draft:")
    st.stop()
st.subheader(t("imp_preview"))
preview, config = missing_as_dash(preview_table(result))
st.dataframe(preview, hide_index=True, width="stretch", column_config=config, key="imp_preview_table")
if result.ok:
    st.success(t("imp_clean"))
else:
    st.error(t("imp_errors", count=len(result.errors)))
    show_table(error_table(result), t("imp_errors_file"), key="imp_errors")
if st.button(
    t("imp_commit"),
    type="primary",
    icon=":material/upload:",
    disabled=not result.ok or not result.rows,
    key="imp_commit",
):
    commit(checked["source"])
