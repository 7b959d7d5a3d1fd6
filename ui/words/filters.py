"""Words of the sidebar filters: each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # Filters
    "filter_heading": ("筛选", "Filters"),
    "filter_from": ("开始日期", "From"),
    "filter_to": ("结束日期", "To"),
    "filter_town": ("乡镇", "Town"),
    "filter_team": ("班组", "Team"),
    "filter_all": ("全部", "All"),
    "filter_window_error": (
        "日期范围无效：开始日期 {start} 晚于结束日期 {end}。请调整筛选条件。",
        "Invalid date range: the start {start} is after the end {end}. Please adjust the filters.",
    ),
    "filter_window_refused": (
        "结束日期不能早于开始日期（{start} 至 {end}），已保留原来的统计区间。",
        "The end cannot be before the start ({start} to {end}); the previous window is kept.",
    ),
    "filter_bad_date": (
        "链接中的日期“{value}”（{field}）不是有效日期（格式 YYYY-MM-DD），已改用默认时间范围。",
        'The link\'s date "{value}" ({field}) is not a valid date (YYYY-MM-DD); the default window is used.',
    ),
    "filter_unknown_choice": (
        "链接中的{field}“{value}”在数据中不存在，已改为“全部”。",
        'The link\'s {field} "{value}" does not exist in the data; "All" is used.',
    ),
    "filter_window_caption": ("统计区间 {start} 至 {end}（{days} 天）", "Window {start} to {end} ({days} days)"),
    "filter_scope_caption": ("范围：{scope}", "Scope: {scope}"),
}
