"""The office-changeable thresholds and prices of the data contract ([brackets]).

Every setting is stored as a number in `settings.value`. A date setting (kind "date", e.g.
posting_gate_from) is stored as the number YYYYMMDD (20261207.0): exact in a float, readable in
the table. Date settings have no fixed default: the migration that adds one stores the day it
runs, so they are not in DEFAULTS (which migration 0001 stores and tests compare with).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.models import Setting


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: float
    label_zh: str
    label_en: str
    minimum: float = 0.0
    maximum: float | None = None
    integer: bool = False  # whole numbers only (days, counts, star ratings)
    kind: str = "number"  # number / date (stored as YYYYMMDD)


SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("min_onsite_days", 2, "每周最少驻点工作日", "Minimum on-site days per week", 1, 7, integer=True),
    SettingSpec("min_training_hours", 16, "岗前培训最少学时", "Minimum pre-posting training hours", 0, 200),
    SettingSpec("min_skill_share", 0.6, "技能操作学时最低占比", "Minimum share of skill hours", 0, 1),
    # The posting gate (docs/import.md): applies to postings starting on or after this day.
    SettingSpec(
        "posting_gate_from",
        0,
        "派驻准入检查启用日",
        "Posting gate applies from",
        20000101,
        21001231,
        integer=True,
        kind="date",
    ),
    SettingSpec(
        "plan_deadline_day", 5, "月度计划提交截止日", "Monthly plan deadline (day of month)", 1, 28, integer=True
    ),
    SettingSpec(
        "min_experts_per_specialty", 2, "每专业最少专家人数", "Minimum experts per specialty", 1, 50, integer=True
    ),
    SettingSpec("star_min", 2, "星级客户最低星级", "Minimum star rating of a star customer", 0, 5, integer=True),
    SettingSpec("trading_min_kwh", 5_000_000, "市场化交易年用电量门槛 kWh", "Annual kWh for market trading", 0),
    SettingSpec("risk_min_kv", 35, "风险客户电压门槛 kV", "Voltage of a high-voltage risk customer (kV)", 0),
    SettingSpec("risk_min_kwh", 10_000_000, "风险客户年用电量门槛 kWh", "Annual kWh of a large risk customer", 0),
    SettingSpec("capacity_watch_ratio", 0.85, "增容关注负载率", "Capacity-watch load ratio", 0, 2),
    SettingSpec("capacity_price", 28, "容量电价 元/kVA·月", "Capacity price (yuan per kVA·month)", 0),
    SettingSpec("demand_price", 38, "需量电价 元/kW·月", "Demand price (yuan per kW·month)", 0),
    SettingSpec("mode_saving_share", 0.05, "基本电费节省比例门槛", "Basic-charge saving share to flag", 0, 1),
    SettingSpec("surge_ratio", 1.3, "用电激增倍数", "Consumption surge ratio", 1),
    # State Grid time limits of the connection stages, in working days (domain.md, ext.).
    SettingSpec(
        "stage_limit_plan_reply_single",
        15,
        "方案答复时限（单电源）工作日",
        "Plan reply limit, single supply (working days)",
        1,
        120,
        integer=True,
    ),
    SettingSpec(
        "stage_limit_plan_reply_dual",
        30,
        "方案答复时限（双电源）工作日",
        "Plan reply limit, dual supply (working days)",
        1,
        120,
        integer=True,
    ),
    SettingSpec(
        "stage_limit_design_review",
        10,
        "设计审核时限 工作日",
        "Design review limit (working days)",
        1,
        120,
        integer=True,
    ),
    SettingSpec(
        "stage_limit_mid_inspection",
        5,
        "中间检查时限 工作日",
        "Mid-construction inspection limit (working days)",
        1,
        120,
        integer=True,
    ),
    SettingSpec(
        "stage_limit_completion_inspection",
        5,
        "竣工检验时限 工作日",
        "Completion inspection limit (working days)",
        1,
        120,
        integer=True,
    ),
    SettingSpec(
        "stage_limit_energization", 5, "装表接电时限 工作日", "Energization limit (working days)", 1, 120, integer=True
    ),
    # Identity and session controls (GB/T 22239-2019 identity authentication).
    SettingSpec(
        "session_idle_minutes", 30, "会话空闲超时（分钟）", "Session idle timeout (minutes)", 5, 480, integer=True
    ),
    SettingSpec(
        "session_max_hours", 12, "会话最长有效期（小时）", "Session absolute lifetime (hours)", 1, 72, integer=True
    ),
    SettingSpec("login_max_failures", 5, "连续登录失败锁定次数", "Failed logins before a lock", 3, 20, integer=True),
    SettingSpec(
        "login_lock_minutes",
        15,
        "登录失败锁定时长（分钟）",
        "Lock after failed logins (minutes)",
        1,
        1440,
        integer=True,
    ),
    SettingSpec(
        "password_max_age_days",
        90,
        "密码最长使用天数（0 为不限）",
        "Password maximum age (days, 0 = no limit)",
        0,
        365,
        integer=True,
    ),
    # Below this many cases a rate, mean or median is marked as a small sample and not judged red/amber/green.
    SettingSpec(
        "min_sample_size",
        30,
        "最小样本量（低于此数标记样本不足）",
        "Minimum sample size (below it: small sample)",
        1,
        1000,
        integer=True,
    ),
    # Subscriptions and alerts (manage.py notify, docs/notifications.md).
    SettingSpec(
        "alert_problem_open_days",
        14,
        "问题未整改提醒（天）",
        "Alert: problem open longer than (days)",
        1,
        365,
        integer=True,
    ),
    SettingSpec(
        "alert_call_unanswered_minutes",
        60,
        "专家调用未响应提醒（分钟）",
        "Alert: expert call unanswered after (minutes)",
        5,
        1440,
        integer=True,
    ),
    SettingSpec(
        "notify_max_attempts", 5, "消息发送失败最多尝试次数", "Notification: maximum send attempts", 1, 20, integer=True
    ),
    # Documents (data_access.attachments): the largest file accepted.
    SettingSpec("attachment_max_mb", 20, "附件大小上限（MB）", "Attachment size limit (MB)", 1, 200),
)
DEFAULTS: dict[str, float] = {spec.key: float(spec.default) for spec in SETTING_SPECS if spec.kind == "number"}
SPECS_BY_KEY = {spec.key: spec for spec in SETTING_SPECS}
DATE_KEYS = frozenset(spec.key for spec in SETTING_SPECS if spec.kind == "date")


def date_number(day: dt.date) -> float:
    """A date setting's stored number: 2026-12-07 -> 20261207.0."""
    return float(day.year * 10_000 + day.month * 100 + day.day)


def number_date(value: float | None) -> dt.date | None:
    """The date a stored date setting means (None when absent or not a date)."""
    if value is None:
        return None
    number = int(value)
    try:
        return dt.date(number // 10_000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def load_settings(conn: Connection) -> dict[str, float]:
    """Defaults overlaid with the office's stored values (date settings only when stored)."""
    values = dict(DEFAULTS)
    for key, value in conn.execute(select(Setting.key, Setting.value)):
        if key in values or key in DATE_KEYS:
            values[key] = float(value)
    return values


def setting_date(settings: dict[str, float], key: str) -> dt.date | None:
    """The date of a date setting from load_settings() (None when not stored)."""
    return number_date(settings.get(key))
