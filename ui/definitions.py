"""KPI definitions (口径说明) in Chinese and English, from the data contract §3.

One entry per KPI key. The texts carry {placeholders} for the office's
settings (data_access.settings: min_onsite_days, ...), so the expander shows
the thresholds in force. `definition_text(key, lang, settings)` fills them;
`ui.components.definition(key)` draws the expander. Every KPI shown on a
screen must have an entry here (tests/test_app_shell.py checks it).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    name_zh: str
    name_en: str
    zh: str
    en: str


DEFINITIONS: dict[str, Definition] = {
    "attendance": Definition(
        "驻点考勤合规率", "Attendance compliance",
        "按完整落在统计区间内的自然周（周一至周日）计算。对每位派驻经理每周：应驻点天数 = "
        "min（{min_onsite_days:g} 天，该周处于派驻期内的工作日数），应驻点天数 ≥ 1 的经理周计入考核；"
        "驻点天数 = 该周处于派驻期内、且有“是否现场 = 是”工作日志的不同日期数；驻点天数 ≥ 应驻点天数即为合规。"
        "合规率 = 合规经理周 ÷ 考核经理周。工作日按国家法定节假日和调休安排。",
        "Over the ISO weeks (Mon–Sun) lying wholly inside the window. For a manager and a week: required = "
        "min({min_onsite_days:g}, workdays of that week on which the manager is posted); the manager-week is due "
        "when required ≥ 1. On-site days = distinct dates of that week on which the manager is posted and has a "
        "work log with on_site = yes. Compliant when on-site days ≥ required. Rate = compliant ÷ due. Workdays "
        "follow the Chinese statutory holidays and make-up days.",
    ),
    "log_completeness": Definition(
        "日志填报率", "Log completeness",
        "统计区间内派驻经理处于派驻期的每个工作日为一个应填报日；当天至少有一条工作日志即为已填报。"
        "填报率 = 已填报日 ÷ 应填报日。",
        "Over the workdays of the window on which a manager is posted: logged = those (manager, day) with at "
        "least one work log. Rate = logged ÷ posted workdays.",
    ),
    "problem_closure": Definition(
        "问题整改闭环率", "Problem closure",
        "统计区间内“存在问题”不为空的工作日志中，整改情况为“已完成”的比例。",
        "Work logs dated in the window whose problems field is not blank: rate = those with status = done ÷ "
        "all of them.",
    ),
    "training": Definition(
        "岗前培训合规率", "Training compliance",
        "首次派驻开始日不晚于统计区间结束日的派驻经理中，只计首次派驻开始日及以前的培训和考察："
        "总学时 ≥ {min_training_hours:g} 学时、技能操作学时占比 ≥ {min_skill_share:.0%}、且至少一次考察合格，"
        "即为合规。合规率 = 合规人数 ÷ 上述经理人数。",
        "Over managers whose first posting starts on or before the window's end, counting only training and "
        "assessments dated on or before that first posting's start: compliant when total hours ≥ "
        "{min_training_hours:g}, skill hours ÷ total hours ≥ {min_skill_share:.0%}, and at least one assessment "
        "was passed. Rate = compliant ÷ those managers.",
    ),
    "monthly_plans": Definition(
        "月度计划按时率", "Monthly plans on time",
        "按完整落在统计区间内的自然月计算。经理在该月至少一个工作日处于派驻期即应提交计划；"
        "该月计划提交日期不晚于当月 {plan_deadline_day:g} 日为按时。按时率 = 按时 ÷ 应提交。",
        "Over the months lying wholly inside the window. A manager-month is due when the manager is posted on "
        "at least one workday of it; on time when that month's plan was submitted on or before day "
        "{plan_deadline_day:g} of the month. Rate = on time ÷ due.",
    ),
    "expert_coverage": Definition(
        "专家配置达标率", "Expert coverage",
        "不按时间区间统计。8 个专业中，在岗专家人数 ≥ {min_experts_per_specialty:g} 人的专业为达标。"
        "达标率 = 达标专业数 ÷ 8。",
        "Not windowed. A specialty is covered when it has at least {min_experts_per_specialty:g} active "
        "experts. Rate = covered specialties ÷ 8.",
    ),
    "expert_calls": Definition(
        "专家调用", "Expert calls",
        "请求时间在统计区间内的专家调用：次数；已关闭 = 有关闭时间的调用；响应时长 = 响应时间 − 请求时间"
        "（分钟，仅计已响应的调用），取中位数；按专家统计调用次数和工时（工时为空按 0 计）。",
        "Calls requested in the window: count; closed = those with a closed time; response minutes = "
        "responded_at − requested_at for calls that have a response, reported as the median; per expert: "
        "calls and hours (blank hours count as 0).",
    ),
    "segments": Definition(
        "客户分层", "Customer segments",
        "不按时间区间统计，一个客户可同时属于多类。星级：星级 ≥ {star_min:g}；潜在：潜在客户依据不为空；"
        "风险：有流失风险，或可参与市场化交易仍为代理购电（电压 ≥ 10 kV、年用电量 ≥ {trading_min_kwh:,.0f} kWh），"
        "或高电压大电量（电压 ≥ {risk_min_kv:g} kV 且年用电量 ≥ {risk_min_kwh:,.0f} kWh）；"
        "无分层：不属于任何一类。已覆盖：属于某一类且在区间结束日有派驻经理派驻。",
        "Not windowed; a customer can be in several. Star: star rating ≥ {star_min:g}. Potential: a potential "
        "reason is recorded. Risk: churn risk, or market-eligible on agency purchase (≥ 10 kV, annual kWh ≥ "
        "{trading_min_kwh:,.0f}), or high voltage and large (≥ {risk_min_kv:g} kV and annual kWh ≥ "
        "{risk_min_kwh:,.0f}). None: in no segment. Covered: in a segment and with a manager posted to it on "
        "the window's last day.",
    ),
    "lead_time": Definition(
        "接电时长", "Connection lead time",
        "送电日期在统计区间内的业扩报装：接电时长 = 送电日期 − 受理日期（自然日）。分别计算派驻经理服务与"
        "非派驻客户的平均值和中位数；缩短天数 = 非派驻平均值 − 派驻平均值，对照“平均上电时间减少 18 天”的目标。",
        "Applications energized in the window: lead days = energized_on − applied_on (calendar days). Mean and "
        "median separately for resident-served and other customers; reduction = mean(other) − mean(resident), "
        "shown against the 18-day target.",
    ),
    "lead_time_adjusted": Definition(
        "同类可比缩短", "Like-for-like reduction",
        "送电日期在统计区间内的业扩报装按（报装类型 新装/增容，供电方式 单/双电源）分类；两组都有的类为可比类。"
        "同类可比缩短 = Σ 各可比类派驻服务件数 ×（该类非派驻平均 − 派驻平均）÷ Σ 派驻服务件数。95% 区间：各可比类的"
        "两组分别有放回重抽样（固定随机种子），取重算结果的 2.5% 与 97.5% 分位数；没有任何可比类两组都至少 2 件时不给区间。"
        "派驻服务件数少于 {min_sample_size:g} 件时标记样本不足。",
        "Applications energized in the window, split into strata by (kind: new / capacity increase, supply: single / "
        "dual); a stratum holding both groups is compared. Like-for-like reduction = Σ resident-served applications "
        "of each compared stratum × (its other mean − its resident-served mean) ÷ Σ resident-served applications. 95% "
        "interval: both groups of every compared stratum resampled with replacement (fixed seed), the 2.5 and 97.5 "
        "percentiles of the estimates; none when no compared stratum has at least 2 in both groups. Marked as a small "
        "sample below {min_sample_size:g} resident-served applications.",
    ),
    "segments_coverage": Definition(
        "派驻经理覆盖", "Coverage by resident managers",
        "不按时间区间统计。分层客户 = 至少属于星级、潜在、风险一类的客户；已覆盖 = 其中在区间结束日有派驻经理"
        "派驻的客户。覆盖率 = 已覆盖 ÷ 分层客户（按乡镇分别计算）。",
        "Not windowed. Segment customers = customers in at least one of star, potential, risk; covered = those "
        "with a manager posted to them on the window's last day. Coverage = covered ÷ segment customers (also "
        "per town).",
    ),
    "lead_time_stages": Definition(
        "各环节用时", "Stage durations",
        "送电日期在统计区间内的业扩报装，按营销系统记录的环节日期拆分：供电方案答复（自受理日起，含现场勘查）、"
        "设计文件审核、中间检查、竣工检验、装表接电，每个环节从上一个已记录的环节日期起算。工作日 = 起算日之后"
        "至环节完成日（含）的工作日数，按国家法定节假日和调休安排；对照国家电网时限（工作日，见图中标线和下表）。"
        "设计审核和两次检验之间的时间包含客户自身的设计和施工，仅作展示。",
        "Applications energized in the window, split at the stage dates of the marketing system: plan reply "
        "(from acceptance, site survey included), design review, mid inspection, completion inspection, "
        "energization; each stage starts at the latest earlier recorded date. Working days = workdays after the "
        "start date up to and including the stage's date (Chinese statutory holidays and make-up days), against "
        "State Grid's limits (working days, marked in the chart and listed below). Design review and the two "
        "inspections include the customer's own design and construction time and are shown only.",
    ),
    "lead_time_over_limit": Definition(
        "超时限与停滞", "Over limit and stalled",
        "只考核由供电公司单独计时的环节（供电方案答复：单电源 / 双电源时限不同；装表接电）。超时限 = 送电日期在"
        "统计区间内、或到区间结束日仍未送电的业扩报装中，有考核环节的工作日数超过时限；停滞 = 到区间结束日"
        "仍未送电，当前所处环节为考核环节且已用工作日数超过时限。",
        "Only the stages timed by the grid company alone count (plan reply, with its single / dual supply "
        "limits; energization). Over limit: an application energized in the window, or still open at its end, "
        "with such a stage taking more working days than its limit. Stalled: still open at the window's end, "
        "with its current stage such a stage and already past its limit.",
    ),
    "needs_capacity_increase": Definition(
        "增容需求", "Capacity increase",
        "看月份首日在统计区间内的月份：某月最大需量 > 合同容量；或最近 3 个有最大需量的月份（至少 3 个）"
        "最大需量都 ≥ {capacity_watch_ratio:.0%} × 合同容量。",
        "Looking at the months whose first day is in the window: in some month the maximum demand exceeds the "
        "contracted capacity, or the customer's last 3 such months with a maximum demand (at least 3 needed) "
        "all have a maximum demand ≥ {capacity_watch_ratio:.0%} × capacity.",
    ),
    "needs_basic_charge": Definition(
        "基本电费调整", "Basic-charge adjustment",
        "按容量或按需量计收基本电费的客户，在有最大需量的区间月份上：按容量费用 = Σ 合同容量 × "
        "{capacity_price:g} 元/kVA·月；按需量费用 = Σ max(最大需量, 40% × 合同容量) × {demand_price:g} 元/kW·月。"
        "现行方式费用 − 另一方式费用 ≥ {mode_saving_share:.0%} × 现行费用时提示调整。",
        "Customers billed by capacity or by demand, over the window months that have a maximum demand: cost by "
        "capacity = Σ capacity × {capacity_price:g} yuan per kVA·month; cost by demand = Σ max(maximum demand, "
        "40% × capacity) × {demand_price:g} yuan per kW·month. Flagged when the current mode's cost − the other "
        "mode's cost ≥ {mode_saving_share:.0%} × the current cost.",
    ),
    "needs_surge": Definition(
        "用电激增", "Consumption surge",
        "信号而非需求：区间内某月用电量 ≥ {surge_ratio:g} × 此前 3 个自然月的平均用电量"
        "（3 个月数据齐全，可早于区间，且平均值 > 0）。",
        "A signal, not a need: a window month whose kWh ≥ {surge_ratio:g} × the mean kWh of the 3 calendar "
        "months just before it (all 3 present, before the window too, and that mean > 0).",
    ),
    "needs_direct_trading": Definition(
        "直接交易潜力", "Direct-trading potential",
        "不按时间区间统计：电压 ≥ 10 kV、年用电量 ≥ {trading_min_kwh:,.0f} kWh、目前为代理购电的客户。",
        "Not windowed: customers of ≥ 10 kV with annual kWh ≥ {trading_min_kwh:,.0f} still on grid agency "
        "purchase.",
    ),
}


def definition_text(key: str, lang: str, settings: dict[str, float]) -> str:
    """The definition of KPI `key` in `lang` with the current settings filled in (KeyError if none)."""
    entry = DEFINITIONS[key]
    template = entry.en if lang == "en" else entry.zh
    return template.format(**settings)


def definition_name(key: str, lang: str) -> str:
    entry = DEFINITIONS[key]
    return entry.name_en if lang == "en" else entry.name_zh
