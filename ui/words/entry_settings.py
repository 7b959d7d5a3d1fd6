"""Words of settings (参数设置): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "est_settings": ("指标参数", "KPI settings"),
    "est_settings_caption": ("修改后所有指标立即按新参数计算。", "Every KPI uses the new values at once."),
    "est_default_range": ("默认值 {value}；允许范围 {range}", "default {value}; allowed {range}"),
    "est_unchanged": ("参数没有变化。", "No setting changed."),
    "est_saved": ("已保存 {count} 项参数。", "Saved {count} setting(s)."),
    "est_calendar": ("节假日与调休", "Holidays and make-up days"),
    "est_calendar_moved": (
        "节假日、调休和单日调整在“节假日日历”页查看和维护。",
        "Holidays, make-up workdays and single-day overrides are kept on the holiday calendar screen.",
    ),
}
