"""Words of monthly plans (月度计划): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "ep_caption": (
        "每月 {day} 日前提交当月计划；提交日期由系统记录。",
        "Submit the month's plan by day {day}; the submission date is recorded automatically.",
    ),
    "ep_month": ("月份", "Month"),
    "ep_stored": (
        "本月计划已于 {submitted} 提交（版本 {version}），保存即更新。",
        "Submitted on {submitted} (version {version}); saving updates it.",
    ),
    "ep_saved": ("已保存 {month} 月度计划。", "Saved the plan for {month}."),
}
