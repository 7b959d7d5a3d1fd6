"""Refusals in words: the write path's problems and errors and the importer's, which data_access
returns as codes with parameters, rendered in zh or en from ui/words/problems.py. No Streamlit here:
the CLI (manage.py) prints the same texts."""

from __future__ import annotations

from data_access.contract import SHEETS_BY_KEY
from data_access.gate import PROBLEM_CODE as GATE_CODE
from data_access.permissions import PermissionDenied
from data_access.settings import SPECS_BY_KEY
from data_access.writes import NotFound, StaleRow, ValidationFailed, WriteError
from ui.words import catalogue
from ui.words import word as catalogue_word


def _key(code: str) -> str:
    """The words' key of a code: the write path's codes are bare ("required" -> "pr_required"),
    the importer's carry their prefix ("ipr_...")."""
    return code if code.startswith(("pr_", "ipr_", "lbl_", "lc_")) else f"pr_{code}"


def word(code: str, lang: str, /, **values) -> str:
    return catalogue_word(_key(code), lang, **values)


def table_label(table: str, lang: str = "zh") -> str:
    """A table's name: the import template's sheet label, else the words' (else the table itself)."""
    sheet = SHEETS_BY_KEY.get(table)
    if sheet is not None:
        return sheet.label(lang)
    key = f"lbl_table_{table}"
    return word(key, lang) if key in catalogue() else table


def gate_text(params: dict, lang: str) -> str:
    """A posting refused by the posting gate (data_access.gate), with each shortfall
    (ui/words/lifecycle.py)."""
    separator = "；" if lang == "zh" else "; "
    reasons = separator.join(word(f"lc_gate_{code}", lang, **params) for code in params["reasons"])
    return word("lc_gate_refused", lang, **{**params, "reasons": reasons})


def problem_text(problem, lang: str) -> str:
    """What is wrong, without the field's name: "必填，不能为空" / "is required"."""
    if problem.code == GATE_CODE:
        return gate_text(problem.params, lang)
    params = dict(problem.params)
    if "table" in params:
        params["table"] = table_label(params["table"], lang)
    if "sheet" in params and "sheet_zh" not in params:  # a table named by its key: its label
        params["sheet_zh"], params["sheet"] = table_label(params["sheet"], "zh"), table_label(params["sheet"], "en")
    if "key" in params:  # a duplicate named only by its key: the key describes it
        params.setdefault("described_zh", params["key"])
        params.setdefault("described_en", params["key"])
    return word(problem.code, lang, **params)


def column_label(failed: ValidationFailed, problem, lang: str) -> str:
    """The field a problem names: its own label, else the contract column's, else its key."""
    label = getattr(problem, "label", None)
    if label and label.startswith("setting:"):  # a setting's own label (data_access.settings)
        spec = SPECS_BY_KEY[label.removeprefix("setting:")]
        return spec.label_zh if lang == "zh" else spec.label_en
    if label:
        return catalogue_word(label, lang)  # a label may be any screen's word
    sheet = SHEETS_BY_KEY.get(failed.sheet or "")
    if sheet is not None and problem.column in sheet.column_keys:
        return sheet.column(problem.column).label(lang)
    return problem.column


def field_line(failed: ValidationFailed, problem, lang: str) -> str:
    """field: what is wrong ("用电量kWh：应 ≥ 0，实际为 -5")."""
    return f"{column_label(failed, problem, lang)}{word('pr_label_separator', lang)}{problem_text(problem, lang)}"


def problem_lines(failed: ValidationFailed, lang: str) -> list[str]:
    """One line per problem: [row n · ]field: what is wrong (rows counted from 1)."""
    lines = []
    for problem in failed.problems:
        text = field_line(failed, problem, lang)
        if problem.row is not None:
            text = word("pr_row_tag", lang, row=problem.row + 1) + text
        lines.append(text)
    return lines


def error_text(error: WriteError | PermissionDenied, lang: str) -> str:
    """A refused write in words (what a form or the CLI shows)."""
    if isinstance(error, ValidationFailed):
        return "\n".join(problem_lines(error, lang))
    if isinstance(error, (StaleRow, NotFound)):
        prefix = "" if error.row is None else word("pr_row_prefix", lang, row=error.row + 1)
        code = "pr_stale_row" if isinstance(error, StaleRow) else "pr_not_found"
        return prefix + word(code, lang, table=table_label(error.table, lang), key=error.key)
    if isinstance(error, PermissionDenied):
        params = dict(error.params)
        if "table" in params:
            params["table"] = table_label(params["table"], lang)
        return word(error.code, lang, **params)
    return str(error)
