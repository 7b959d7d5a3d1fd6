"""Shared pieces of the data-entry screens (views/entry_*.py, import, audit).

Forms (st.form, clear_on_submit=False) keep every widget's value in
st.session_state under its key, so nothing typed is lost when a save fails.
The submit button saves in its on_click callback, which runs before the
screen is drawn again; the outcome is remembered per form and drawn above
the form and next to each field:

    forms.require("office", "manager")                  # others see a notice, nothing writable
    forms.show_toast()                                  # the confirmation of the last save
    forms.messages("log", reload=reload_log)            # stale / refused / problems, above the form
    with st.form("log_form", clear_on_submit=False):
        forms.field("log", "work_logs", "content", "log_content", area=True)   # widget + its error
        st.form_submit_button(t("fm_save"), on_click=forms.submit, args=("log", save))

`save` returns the toast text and raises the write path's errors
(ValidationFailed, StaleRow, NotFound, PermissionDenied). submit() turns them
into messages in the UI language (nothing is written: each save is one
transaction), and so it does a database that fails (busy, read-only, down:
ui.errors, the outcome's "code" says which); after a successful write it clears the shared caches
(ui.data.clear_caches) so every KPI screen shows the new numbers at once.

Bulk edits: sheet_editor(Editor(...), rows) draws st.data_editor over rows of
a contract sheet (in form shape, see data_access.lookups) and saves the
edited, added and deleted rows in one transaction with writes.save_rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import streamlit as st

from data_access import writes
from data_access.contract import Column, Sheet, format_value
from data_access.failures import DATABASE_ERRORS
from data_access.writes import WRITE_ERRORS, StaleRow, ValidationFailed, get_sheet, plain_value
from ui import auth, data, errors
from ui.filters import MAX_DATE, MIN_DATE
from ui.problem_text import error_text, field_line, problem_text
from ui.strings import language, t
from ui.text import plain

_TOAST = "_fm_toast"
_OUTCOME = "_fm_outcome_"
_EDITING = "_fm_editing_"
_GENERATION = "_fm_generation_"
EDITOR_ROW_LIMIT = data.EDITOR_ROW_LIMIT


# --- Who may use a screen ---------------------------------------------------------------------


def require(*roles: str) -> str:
    """The current role when it is one of `roles`; otherwise a notice and the screen stops.

    The navigation already hides entry screens from other roles, and the write
    path refuses them again; this keeps a screen from drawing any form at all.
    """
    role = auth.current_role()
    if role not in roles:
        st.warning(t("fm_not_allowed"), icon=":material/lock:")
        st.stop()
    return role


# --- Outcome of a save ------------------------------------------------------------------------


def _outcome(form: str) -> dict:
    return st.session_state.setdefault(_OUTCOME + form, {})


def clear_messages(form: str) -> None:
    st.session_state.pop(_OUTCOME + form, None)


def has_problems(form: str) -> bool:
    outcome = _outcome(form)
    return bool(outcome.get("lines") or outcome.get("error") or outcome.get("stale"))


def submit(
    form: str,
    action: Callable[[], str | None],
    row_labels: list[str] | None = None,
    deleted_labels: list[str] | None = None,
) -> None:
    """Run a save (a submit button's on_click) and remember how it went.

    On success: caches cleared, `action`'s text shown as a toast. On a write
    error: the messages, per field where the error names one; the inputs stay.
    row_labels / deleted_labels name the rows of a bulk save in its messages.
    """
    outcome = _outcome(form)
    outcome.clear()
    lang = language()
    try:
        message = action()
    except ValidationFailed as failed:
        outcome["problems"] = {}
        for problem in failed.problems:
            outcome["problems"].setdefault(problem.column, problem_text(problem, lang))
        outcome["lines"] = _problem_lines(failed, lang, row_labels, deleted_labels)
    except StaleRow as stale:
        outcome["stale"] = error_text(StaleRow(stale.table, stale.key), lang)  # the key names the row
    except WRITE_ERRORS as error:
        outcome["error"] = error_text(error, lang)
    except DATABASE_ERRORS as error:
        outcome["code"], reference = errors.report(error, f"saving form {form}")
        outcome["error"] = errors.save_failed(outcome["code"], reference)
    else:
        data.clear_caches()
        if message:
            st.session_state[_TOAST] = message


def _problem_lines(
    failed: ValidationFailed, lang: str, row_labels: list[str] | None, deleted_labels: list[str] | None
) -> list[str]:
    """One line per problem, named by the row's label on the screen where the form has row labels."""
    lines = []
    for problem in failed.problems:
        text = field_line(failed, problem, lang)
        labels = deleted_labels if problem.code == "still_referenced" else row_labels
        if problem.row is not None and labels and problem.row < len(labels):
            text = f"{labels[problem.row]} · {text}"
        lines.append(text)
    return lines


def messages(form: str, reload: Callable[[], None] | None = None) -> None:
    """Draw the outcome of the last save of `form`: stale (with a reload button), refused, problems."""
    outcome = _outcome(form)
    if outcome.get("stale"):
        st.warning(plain(outcome["stale"]), icon=":material/sync_problem:")
        if reload is not None:
            st.button(
                t("fm_reload"), key=f"{form}_reload", icon=":material/refresh:", on_click=_reload, args=(form, reload)
            )
    if outcome.get("error"):
        st.error(plain(outcome["error"]), icon=":material/block:")
    if outcome.get("lines"):
        st.error(
            "\n".join([plain(t("fm_not_saved")), *(f"- {plain(line)}" for line in outcome["lines"])]),
            icon=":material/error:",
        )
    if outcome.get("info"):
        st.info(plain(outcome["info"]))


def _reload(form: str, reload: Callable[[], None]) -> None:
    data.clear_caches()
    clear_messages(form)
    reload()


def field_error(form: str, column: str) -> None:
    """The message for `column` from the last save of `form`, right below its field."""
    message = _outcome(form).get("problems", {}).get(column)
    if message:
        st.error(plain(message), icon=":material/error:")


def show_toast() -> None:
    """The confirmation of the save that just happened (once)."""
    message = st.session_state.pop(_TOAST, None)
    if message:
        st.toast(plain(message), icon=":material/check_circle:")


def note_saved(message: str) -> None:
    """Queue a confirmation toast (for saves that do not go through submit())."""
    st.session_state[_TOAST] = message


# --- Rows being edited (id and version) -------------------------------------------------------


def editing(form: str) -> dict | None:
    """{"id", "version", ...} of the row the form is editing, None for a new row."""
    return st.session_state.get(_EDITING + form)


def start_editing(form: str, row: dict | None) -> None:
    if row is None:
        st.session_state.pop(_EDITING + form, None)
    else:
        st.session_state[_EDITING + form] = dict(row)


def saved_version(form: str, saved: writes.SavedRow) -> None:
    """After a save: the form now edits that row at its new version."""
    current = editing(form) or {}
    st.session_state[_EDITING + form] = {**current, "id": saved.id, "version": saved.version}


def fill(prefix: str, values: dict[str, Any], columns: tuple[str, ...]) -> None:
    """Put a loaded row into the form's widgets (keys prefix_column); call before they are drawn."""
    for column in columns:
        st.session_state[f"{prefix}_{column}"] = values.get(column)


def forget(prefix: str, columns: tuple[str, ...]) -> None:
    """Empty the form's widgets (after a save that starts a new entry)."""
    for column in columns:
        st.session_state.pop(f"{prefix}_{column}", None)


def keep_typed(*prefixes: str) -> None:
    """Keep what was typed into forms that are not drawn in this run (another tab or step).

    Streamlit forgets a widget's value when the widget is not drawn; writing
    the value back at the top of the screen makes it plain session state, so
    it is still there when the user comes back to that form.
    """
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes)]:
        st.session_state[key] = st.session_state[key]


def values(prefix: str, columns: tuple[str, ...]) -> dict[str, Any]:
    """What the form's widgets hold: column -> value (blank text as None)."""
    found = {}
    for column in columns:
        value = st.session_state.get(f"{prefix}_{column}")
        found[column] = None if isinstance(value, str) and not value.strip() else value
    return found


# --- Fields driven by the data contract -------------------------------------------------------


def label(column: Column) -> str:
    """The column's label in the UI language, with * when it is required."""
    return column.label(language()) + (" *" if column.required else "")


def choice_label(column: Column) -> Callable[[Any], str]:
    lang = language()
    return lambda code: "" if code is None else column.choice_label(code, lang)


# What an empty field holds: text widgets hold "", toggles False, the others None.
EMPTY = {"text": "", "yesno": False}


def field(
    form: str,
    sheet: str,
    column_key: str,
    key: str,
    *,
    default: Any = None,
    area: bool = False,
    options: list | None = None,
    format_func: Callable | None = None,
    **widget: Any,
) -> Any:
    """One input for a contract column (label, type, range and choices from the contract), then its error.

    The value lives in st.session_state[key]; `default` is used only when the
    key holds nothing yet, so what the user typed survives every rerun.
    """
    column = get_sheet(sheet).column(column_key)
    if key not in st.session_state:
        st.session_state[key] = default if default is not None else EMPTY.get(column.type)
    # A pick list offers only valid values: its rules need no tooltip.
    common = dict(key=key, help=widget.pop("help", None if options is not None else field_help(column)), **widget)
    if options is not None or column.type == "enum":
        value = st.selectbox(
            label(column),
            list(options if options is not None else column.codes),
            format_func=format_func or choice_label(column),
            index=None,
            placeholder=t("fm_choose"),
            **common,
        )
    elif column.type == "yesno":
        value = st.toggle(label(column), **common)
    elif column.type in ("int", "float"):
        value = _number_input(column, common)
    elif column.type == "date":
        value = st.date_input(label(column), min_value=MIN_DATE, max_value=MAX_DATE, format="YYYY-MM-DD", **common)
    elif column.type == "datetime":
        value = st.datetime_input(
            label(column),
            min_value=dt.datetime.combine(MIN_DATE, dt.time.min),
            max_value=dt.datetime.combine(MAX_DATE, dt.time.max),
            format="YYYY-MM-DD",
            step=dt.timedelta(minutes=5),
            **common,
        )
    elif area:
        value = st.text_area(label(column), height=90, **common)
    else:
        value = st.text_input(label(column), **common)
    field_error(form, column_key)
    return value


def form_help(column: Column, sheet: Sheet | None = None, lang: str | None = None) -> str | None:
    """The column's rules for a person at a form or table, in the UI language: range, choices by
    their names (not the import codes), years, order, default, length. None when there is no rule."""
    lang = lang or language()
    zh = lang == "zh"
    parts = []
    if column.minimum is not None:
        parts.append(f"{'>' if column.min_exclusive else '≥'} {column.minimum:g}")
    if column.maximum is not None:
        parts.append(f"≤ {column.maximum:g}")
    if column.choices:
        parts.append(("、" if zh else ", ").join(choice.zh if zh else choice.en for choice in column.choices))
    if column.years:
        first, last = column.years
        parts.append(t("fm_rule_years", lang, first=first, last=last))
    if column.not_before and sheet is not None:
        parts.append(
            t(
                "fm_rule_not_before",
                lang,
                columns=" / ".join(sheet.column(key).label(lang) for key in column.not_before),
            )
        )
    if column.default_note:
        parts.append(t("fm_rule_default", lang, value=column.default_note[0 if zh else 1]))
    elif column.default not in (None, ""):
        shown = (
            column.choice_label(column.default, lang)
            if column.choices
            else (
                t("fm_yes" if column.default else "fm_no", lang)
                if column.type == "yesno"
                else format_value(column, column.default)
            )
        )
        parts.append(t("fm_rule_default", lang, value=shown))
    if column.max_length:
        parts.append(t("fm_rule_length", lang, max=column.max_length))
    return ("；" if zh else "; ").join(parts) or None


def field_help(column: Column) -> str | None:
    """The column's rules as a tooltip (none for a plain field)."""
    return form_help(column)


def _number_input(column: Column, common: dict) -> Any:
    """A number field without the widget's own bounds: a value out of range reaches the write path,
    which refuses it with a message naming the field, the value and the range (a bounded widget
    would only turn red and swallow the save). Text fields have no length cap either, for the same
    reason (a pasted text would be cut without a word)."""
    integer = column.type == "int"
    step = 1 if integer else 0.5
    return st.number_input(label(column), value=None, step=step, format="%d" if integer else "%.1f", **common)


def manager_picker(key: str, label_text: str | None = None) -> str | None:
    """The office's pick of a manager (employee_no and name), None until one is chosen."""
    managers, _ = data.entry_rows("managers", limit=10_000)
    names = {row["employee_no"]: row["name"] for row in managers}
    return st.selectbox(
        label_text or t("fm_manager"),
        list(names),
        index=None,
        key=key,
        format_func=lambda no: f"{no} {names.get(no, '')}",
        placeholder=t("fm_choose"),
    )


# --- Bulk editors (st.data_editor) ------------------------------------------------------------


@dataclass(frozen=True)
class Editor:
    """A bulk editor over one contract sheet.

    name: widget-key prefix and the outcome's name; columns: shown, in order;
    editable: the columns that may change (None: all shown); num_rows "dynamic"
    lets rows be added and deleted; new_row: values every added row gets
    (e.g. the manager of a sub-table) as (column, value) pairs.
    """

    name: str
    sheet: str
    columns: tuple[str, ...]
    editable: tuple[str, ...] | None = None
    num_rows: str = "dynamic"
    new_row: tuple[tuple[str, Any], ...] = ()


_DTYPES = {
    "int": "Int64",
    "float": "Float64",
    "yesno": "boolean",
    "text": "string",
    "enum": "string",
    "month": "string",
}


def editor_frame(sheet: Sheet, rows: list[dict]) -> pd.DataFrame:
    """id, version and every contract column, typed for st.data_editor (months as YYYY-MM text)."""
    frame = pd.DataFrame(rows, columns=["id", "version", *sheet.column_keys])
    frame[["id", "version"]] = frame[["id", "version"]].astype("Int64")
    for column in sheet.columns:
        values = frame[column.key]
        if column.type == "month":
            frame[column.key] = [None if pd.isna(v) else format_value(column, v) for v in values]
        elif column.type == "date":
            # Arrow dates even when every cell is empty: an all-blank column stays editable as dates.
            frame[column.key] = pd.Series([None if pd.isna(v) else v for v in values], dtype=pd.ArrowDtype(pa.date32()))
        elif column.type == "datetime":
            frame[column.key] = pd.to_datetime(values)
        if column.type in _DTYPES:
            frame[column.key] = frame[column.key].astype(_DTYPES[column.type])
    return frame.reset_index(drop=True)


def column_config(sheet: Sheet, editor: Editor) -> dict[str, Any]:
    """st.column_config per shown column, from the contract: label, help, type, range, choices."""
    lang = language()
    editable = set(editor.columns if editor.editable is None else editor.editable)
    config: dict[str, Any] = {}
    for key in editor.columns:
        column = sheet.column(key)
        common = dict(
            label=label(column),
            help=form_help(column, sheet, lang),
            disabled=key not in editable,
            required=column.required,
        )
        if column.type == "enum":
            config[key] = st.column_config.SelectboxColumn(
                options=list(column.codes), format_func=choice_label(column), **common
            )
        elif column.type in ("int", "float"):  # no min/max: the grid would clamp a value silently
            integer = column.type == "int"
            config[key] = st.column_config.NumberColumn(
                step=1 if integer else None, format="%d" if integer else None, **common
            )
        elif column.type == "date":
            config[key] = st.column_config.DateColumn(format="YYYY-MM-DD", **common)
        elif column.type == "datetime":
            config[key] = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm", **common)
        elif column.type == "yesno":
            config[key] = st.column_config.CheckboxColumn(**common)
        else:  # months as YYYY-MM text too; the write path checks them (a cell validator drops a bad value)
            config[key] = st.column_config.TextColumn(**common)
    return config


def editor_key(name: str, scope: tuple = ()) -> str:
    """The widget key of editor `name` for one set of filters; a new key after each save."""
    generation = st.session_state.get(_GENERATION + name, 0)
    digest = hashlib.sha1(repr(scope).encode()).hexdigest()[:8]
    return f"{name}_{generation}_{digest}"


def reset_editor(name: str) -> None:
    """Drop the editor's pending edits: the next run shows the stored rows afresh."""
    st.session_state[_GENERATION + name] = st.session_state.get(_GENERATION + name, 0) + 1


def sheet_editor(
    editor: Editor, rows: list[dict], *, scope: tuple = (), total: int | None = None, height: int | str = "auto"
) -> None:
    """A bulk editor with its save button and messages. `scope` names the filters that chose
    the rows (edits belong to one set of rows); total > len(rows) says the list was cut."""
    sheet = get_sheet(editor.sheet)
    frame = editor_frame(sheet, rows)
    key = editor_key(editor.name, scope)
    messages(editor.name, reload=lambda: reset_editor(editor.name))
    if total is not None and total > len(rows):
        st.caption(t("fm_rows_cut", shown=len(rows), total=total))
    editable = editor.columns if editor.editable is None else editor.editable
    st.data_editor(
        frame,
        key=key,
        column_order=list(editor.columns),
        column_config=column_config(sheet, editor),
        num_rows=editor.num_rows,
        disabled=[c for c in editor.columns if c not in editable],
        hide_index=True,
        width="stretch",
        height=height,
        placeholder="—",
    )
    st.button(
        t("fm_save_table"),
        key=f"{key}_save",
        type="primary",
        icon=":material/save:",
        on_click=save_editor,
        args=(editor, frame, key),
    )


_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(\.\d+)?Z?$")


def _edited_value(column: Column, value: Any) -> Any:
    """A cell value from the editor's state as the contract reads it (ISO texts trimmed)."""
    if isinstance(value, str):
        match = _ISO_DATETIME.match(value.strip())
        if match and column.type == "date":
            return match.group(1)
        if match and column.type == "datetime":
            return f"{match.group(1)} {match.group(2)}{match.group(3) or ''}"
    return value


def _typed(sheet: Sheet, cells: dict[str, Any]) -> dict[str, Any]:
    return {key: _edited_value(sheet.column(key), value) for key, value in cells.items() if key in sheet.column_key_set}


def _frame_row(frame: pd.DataFrame, position: int) -> dict[str, Any]:
    return {key: plain_value(value) for key, value in frame.iloc[position].items()}


def _cell_text(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, bool)):  # months as YYYY-MM, yes/no as words
        return str(format_value(column, value))
    return str(value)


def _row_label(sheet: Sheet, row: dict[str, Any], position: int) -> str:
    """'第 3 行（C001|2025-09）': the row as the table shows it, and its key."""
    key = "|".join(_cell_text(sheet.column(k), row.get(k)) for k in sheet.key_columns)
    return t("fm_row", number=position + 1, row_key=key)


def pending_changes(
    editor: Editor, frame: pd.DataFrame, state: dict
) -> tuple[list[dict], list[str], list[dict], list[str]]:
    """(rows to save, their labels, rows to delete, their labels) from a data_editor's edit state."""
    sheet = get_sheet(editor.sheet)
    rows, labels = [], []
    for position, cells in sorted((int(p), c) for p, c in (state.get("edited_rows") or {}).items()):
        base = _frame_row(frame, position)
        rows.append({**base, **_typed(sheet, cells)})
        labels.append(_row_label(sheet, base, position))
    for number, cells in enumerate(state.get("added_rows") or [], start=1):
        rows.append({**dict(editor.new_row), **_typed(sheet, cells)})
        labels.append(t("fm_new_row", number=number))
    deleted, deleted_labels = [], []
    for position in sorted(int(p) for p in state.get("deleted_rows") or []):
        base = _frame_row(frame, position)
        deleted.append({"id": base["id"], "version": base["version"]})
        deleted_labels.append(_row_label(sheet, base, position))
    return rows, labels, deleted, deleted_labels


def save_editor(editor: Editor, frame: pd.DataFrame, key: str) -> None:
    """The editor's save button (on_click): all changes in one transaction, or nothing."""
    rows, labels, deleted, deleted_labels = pending_changes(editor, frame, st.session_state.get(key) or {})
    if not rows and not deleted:
        clear_messages(editor.name)
        _outcome(editor.name)["info"] = t("fm_nothing_changed")
        return

    def save() -> str:
        saved = writes.save_rows(data.engine(), auth.current_actor(), editor.sheet, rows, deleted)
        reset_editor(editor.name)
        actions = [row.action for row in saved]
        return t("fm_saved_rows", added=actions.count("insert"), changed=actions.count("update"), deleted=len(deleted))

    submit(editor.name, save, labels, deleted_labels)
