"""Words of the work-log form (工作日志): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "el_caption": (
        "每天填写在派驻客户处的工作；客户限当天的派驻客户。",
        "Log each day's work at the customers you are posted to; only that day's postings are offered.",
    ),
    "el_mode": ("操作", "Action"),
    "el_mode_new": ("填写日志", "New log"),
    "el_mode_edit": ("修改已填日志", "Edit my logs"),
    "el_day": ("日期", "Date"),
    "el_no_posting": ("{day} 没有派驻客户，不能填写日志。", "No posting on {day}: nothing to log."),
    "el_status_help": (
        "不选则自动：填写了存在问题为“未整改”，否则为“已整改”。",
        "Leave empty for automatic: open when problems are filled in, else done.",
    ),
    "el_saved": ("已保存 {day} {customer} 的工作日志。", "Saved the log of {day} at {customer}."),
    "el_updated": ("已更新 {day} {customer} 的工作日志。", "Updated the log of {day} at {customer}."),
    "el_since": ("显示此日期以来的日志", "Show logs since"),
    "el_recent_count": ("{since} 以来共 {count} 条日志。", "{count} log(s) since {since}."),
    "el_pick": ("选择要修改的日志", "Log to edit"),
    "el_editing": (
        "正在修改 {day} {customer} 的日志（版本 {version}）",
        "Editing the log of {day} at {customer} (version {version})",
    ),
    "el_loaded": (
        "{day} 在 {customer} 已有日志，已载入供修改（版本 {version}）。",
        "{customer} already has a log on {day}: loaded for editing (version {version}).",
    ),
    "el_restore_typed": ("改用刚才输入的内容", "Use what I typed instead"),
    "el_missing": (
        "近 {days} 天还没有填日志的工作日（{count} 天），点选即可补填",
        "Workdays of the last {days} days still without a log ({count}): pick one to fill it in",
    ),
    "el_none_missing": (
        "近 {days} 天的派驻工作日都已填写日志。",
        "Every posted workday of the last {days} days has a log.",
    ),
    "el_weekdays": ("周一,周二,周三,周四,周五,周六,周日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
}
