"""Words of every form (ui.forms): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "fm_not_allowed": ("当前角色不能使用此页面。", "Your role cannot use this screen."),
    "fm_save": ("保存", "Save"),
    "fm_save_changes": ("保存修改", "Save changes"),
    "fm_save_table": ("保存表格修改", "Save the table's changes"),
    "fm_choose": ("请选择", "Choose"),
    "fm_rule_years": ("{first}–{last} 年", "years {first}-{last}"),
    "fm_rule_not_before": ("不早于{columns}", "not before {columns}"),
    "fm_rule_default": ("默认：{value}", "default: {value}"),
    "fm_rule_length": ("最多 {max} 字", "at most {max} characters"),
    "fm_yes": ("是", "yes"),
    "fm_no": ("否", "no"),
    "fm_manager": ("派驻经理", "Resident manager"),
    "fm_pick_manager": ("请先选择派驻经理。", "Choose a resident manager first."),
    "fm_search": ("搜索", "Search"),
    "fm_reload": ("重新加载（放弃我的修改）", "Reload (drop my changes)"),
    "fm_not_saved": ("未保存，请修改以下内容：", "Not saved; please correct:"),
    "fm_rows_cut": (
        "仅显示前 {shown} 行（共 {total} 行），请用筛选条件缩小范围。",
        "Showing the first {shown} of {total} rows; narrow the filters.",
    ),
    "fm_row": ("第 {number} 行（{row_key}）", "row {number} ({row_key})"),
    "fm_new_row": ("新增第 {number} 行", "new row {number}"),
    "fm_nothing_changed": ("没有需要保存的修改。", "Nothing to save."),
    "fm_saved_rows": (
        "已保存：新增 {added} 行，修改 {changed} 行，删除 {deleted} 行。",
        "Saved: {added} added, {changed} changed, {deleted} deleted.",
    ),
}
