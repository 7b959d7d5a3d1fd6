"""Words of the overview (驾驶舱): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # Overview
    "ov_title": ("驾驶舱", "Cockpit"),
    "ov_caption": (
        "卡片为统计区间内的指标（专家配置按当前在岗人数），与上一等长周期对比；颜色表示对照目标的达标情况，样本不足时不判定。",
        "Cards count the window (expert coverage: the experts active now), against the previous window of equal length; colours show the status against target, none on a small sample.",
    ),
    "ov_trends": ("月度趋势", "Monthly trends"),
    "ov_trend_caption": (
        "最近 {months} 个月，每月单独计算；虚线为目标。",
        "The last {months} months, each month computed on its own; dashed line = target.",
    ),
    "ov_coverage_chart": ("各专业在岗专家人数", "Active experts per specialty"),
    "ov_no_data": ("无数据", "No data"),
    "ov_definitions": ("指标口径", "KPI definitions"),
}
