"""Words of the app frame and words shared by several screens: each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # App frame
    "app_title": ("派驻经理服务看板", "Resident Manager Dashboard"),
    "app_subtitle": (
        "派驻经理驻点服务 · 专家智库 · 接电提速",
        "On-site resident managers · expert pool · faster connection",
    ),
    "loading_db": ("正在准备数据库……", "Preparing the database…"),
    "under_construction": ("此页面正在建设中。", "This screen is under construction."),
    # Roles
    "role_leader": ("领导（只读）", "Leadership (read-only)"),
    "role_office": ("派驻经理工作办公室", "Resident-manager office"),
    "role_manager": ("派驻经理", "Resident manager"),
    "account_inactive": (
        "该账号已停用或不存在，已退出登录。",
        "This account is inactive or gone; you have been logged out.",
    ),
    # Sidebar: language, projection
    "language": ("语言 / Language", "语言 / Language"),
    "projection": ("投屏模式", "Projection mode"),
    "projection_help": (
        "大字号、高对比度的深色显示，适合联席会议投屏；链接中带 present=1 即直接进入。",
        "Large type, high-contrast dark display for joint meetings; a link with present=1 opens it directly.",
    ),
    "calendar_fallback": (
        "注意：区间内有 {days} 天不在节假日日历覆盖年份内，按周一至周五计算工作日。",
        "Note: {days} day(s) of the window lie outside the holiday calendar's years; workdays are taken as Monday to Friday.",
    ),
    "kpi_lead_time": ("平均接电时长 派驻/非派驻", "Mean lead time resident / other"),
    "kpi_segments": ("客户分层", "Customer segments"),
    "status_green": ("达标", "on target"),
    "status_amber": ("关注", "watch"),
    "status_red": ("未达标", "below target"),
    "status_none": ("无数据", "no data"),
    "status_small": ("样本不足", "small sample"),
    "vs_previous": ("较上期", "vs previous"),
    "unit_pp": ("个百分点", "pp"),
    "unit_minutes": ("分钟", "min"),
    "unit_days": ("天", "days"),
    "target": ("目标", "Target"),
    "target_line": ("目标 {value}", "Target {value}"),
    "watch_line": ("关注线 {value}", "Watch {value}"),
    "value_of_total": ("{value}/{total}", "{value}/{total}"),
    "lead_time_pair": ("{resident} / {other} 天", "{resident} / {other} days"),
    "month": ("月份", "Month"),
    "value": ("数值", "Value"),
    "resident_served": ("派驻服务", "Resident-served"),
    "other_served": ("非派驻", "Other"),
    # Tables
    "tbl_download_csv": ("下载 CSV", "Download CSV"),
    "tbl_download_xlsx": ("下载 Excel", "Download Excel"),
    "tbl_rows": ("共 {rows} 行", "{rows} rows"),
    "definition": ("口径说明", "Definition"),
    "definition_missing": ("缺少指标口径说明：{key}", "No KPI definition for: {key}"),
}
