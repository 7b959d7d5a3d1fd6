"""The figure catalogue: every number the dashboard shows, declared once.

Each figure has a key, a name in Chinese and English, a scope, a unit, a one-line definition, the
topic whose full definition (口径说明) explains it, a target and direction where it is judged, and
where it sits in the report JSON (`manage.py kpis --json`). Two figures with different scopes have
different names ("区间内问题整改率" counts the problems found in the window, "截至 {date} 未整改问题"
every problem still open on a day); a figure with one name has one value wherever it is shown for
the same filters (tests/test_figures.py walks every screen, the PDF brief and the report).

Scopes:
    window         the sidebar's window [from, to]
    as_of          on one day (a screen's window end, the meeting's agenda date): {date} in its name
    since_meeting  from the day after the last meeting held before the agenda date to that date
    standing       not windowed: the records as they are (expert pool)

This module has no streamlit import: metrics/, reports/ and the UI (ui.definitions, ui.targets,
ui.strings) all read it. docs/figures.md is rendered from it (`python -m metrics.figures`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Topic:
    """A definition (口径说明) shared by the figures of one KPI; {setting} placeholders are filled
    with the office's settings when shown."""

    name_zh: str
    name_en: str
    zh: str
    en: str


TOPICS: dict[str, Topic] = {
    "attendance": Topic(
        "驻点考勤合规率",
        "Attendance compliance",
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
    "log_completeness": Topic(
        "日志填报率",
        "Log completeness",
        "统计区间内派驻经理处于派驻期的每个工作日为一个应填报日；当天至少有一条工作日志即为已填报。"
        "填报率 = 已填报日 ÷ 应填报日。",
        "Over the workdays of the window on which a manager is posted: logged = those (manager, day) with at "
        "least one work log. Rate = logged ÷ posted workdays.",
    ),
    "problem_closure": Topic(
        "区间内问题整改率",
        "Closure of problems found in the window",
        "统计区间内“存在问题”不为空的工作日志中，整改情况为“已完成”的比例。只看区间内发现的问题；"
        "截至某日仍未整改的全部问题见“截至某日未整改问题”。",
        "Work logs dated in the window whose problems field is not blank: rate = those with status = done ÷ "
        "all of them. Only the problems found in the window; every problem still open on a day is the separate "
        'figure "problems open on a day".',
    ),
    "agenda": Topic(
        "截至某日的待办事项",
        "Open items on a day",
        "按某一天（驻点考勤、专家页为统计区间结束日，联席会议为议程日期）统计仍未完成的事项：未整改的日志问题（不论何时发现）、"
        "未关闭的专家调用、仍未送电且考核环节超时限或停滞的业扩、上周驻点未达标或过了截止日（每月 {plan_deadline_day:g} 日）"
        "仍未交本月计划的经理、未关闭的督办事项。新发现需求按上次会议次日至议程日期统计（没有会议时为最近 30 天）。",
        "Counted on one day (the window's last day on the attendance and experts screens, the agenda date in the "
        "joint meeting): work-log problems not done (whenever found), expert calls not closed, applications not "
        "energized with a timed stage over its limit or stalled, managers below last week's on-site minimum or "
        "without this month's plan after its deadline (day {plan_deadline_day:g}), open action items. New needs "
        "count from the day after the last meeting to the agenda date (the last 30 days without a meeting).",
    ),
    "training": Topic(
        "岗前培训合规率",
        "Training compliance",
        "首次派驻开始日不晚于统计区间结束日的派驻经理中，只计首次派驻开始日及以前的培训和考察："
        "总学时 ≥ {min_training_hours:g} 学时、技能操作学时占比 ≥ {min_skill_share:.0%}、且至少一次考察合格，"
        "即为合规。合规率 = 合规人数 ÷ 上述经理人数。",
        "Over managers whose first posting starts on or before the window's end, counting only training and "
        "assessments dated on or before that first posting's start: compliant when total hours ≥ "
        "{min_training_hours:g}, skill hours ÷ total hours ≥ {min_skill_share:.0%}, and at least one assessment "
        "was passed. Rate = compliant ÷ those managers.",
    ),
    "monthly_plans": Topic(
        "月度计划按时率",
        "Monthly plans on time",
        "按完整落在统计区间内的自然月计算。经理在该月至少一个工作日处于派驻期即应提交计划；"
        "该月计划提交日期不晚于当月 {plan_deadline_day:g} 日为按时。按时率 = 按时 ÷ 应提交。",
        "Over the months lying wholly inside the window. A manager-month is due when the manager is posted on "
        "at least one workday of it; on time when that month's plan was submitted on or before day "
        "{plan_deadline_day:g} of the month. Rate = on time ÷ due.",
    ),
    "expert_coverage": Topic(
        "专家配置达标率",
        "Expert coverage",
        "不按时间区间统计。8 个专业中，在岗专家人数 ≥ {min_experts_per_specialty:g} 人的专业为达标。"
        "达标率 = 达标专业数 ÷ 8。",
        "Not windowed. A specialty is covered when it has at least {min_experts_per_specialty:g} active "
        "experts. Rate = covered specialties ÷ 8.",
    ),
    "expert_calls": Topic(
        "专家调用",
        "Expert calls",
        "请求时间在统计区间内的专家调用：次数；已关闭 = 有关闭时间的调用；响应时长 = 响应时间 − 请求时间"
        "（分钟，仅计已响应的调用），取中位数；按专家统计调用次数和工时（工时为空按 0 计）。",
        "Calls requested in the window: count; closed = those with a closed time; response minutes = "
        "responded_at − requested_at for calls that have a response, reported as the median; per expert: "
        "calls and hours (blank hours count as 0).",
    ),
    "segments": Topic(
        "客户分层",
        "Customer segments",
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
    "lead_time": Topic(
        "接电时长",
        "Connection lead time",
        "送电日期在统计区间内的业扩报装：接电时长 = 送电日期 − 受理日期（自然日）。分别计算派驻经理服务与"
        "非派驻客户的平均值和中位数；缩短天数 = 非派驻平均值 − 派驻平均值，对照“平均上电时间减少 18 天”的目标。",
        "Applications energized in the window: lead days = energized_on − applied_on (calendar days). Mean and "
        "median separately for resident-served and other customers; reduction = mean(other) − mean(resident), "
        "shown against the 18-day target.",
    ),
    "lead_time_adjusted": Topic(
        "同类可比缩短",
        "Like-for-like reduction",
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
    "segments_coverage": Topic(
        "派驻经理覆盖",
        "Coverage by resident managers",
        "不按时间区间统计。分层客户 = 至少属于星级、潜在、风险一类的客户；已覆盖 = 其中在区间结束日有派驻经理"
        "派驻的客户。覆盖率 = 已覆盖 ÷ 分层客户（按乡镇分别计算）。",
        "Not windowed. Segment customers = customers in at least one of star, potential, risk; covered = those "
        "with a manager posted to them on the window's last day. Coverage = covered ÷ segment customers (also "
        "per town).",
    ),
    "lead_time_stages": Topic(
        "各环节用时",
        "Stage durations",
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
    "lead_time_over_limit": Topic(
        "超时限与停滞",
        "Over limit and stalled",
        "只考核由供电公司单独计时的环节（供电方案答复：单电源 / 双电源时限不同；装表接电）。超时限 = 送电日期在"
        "统计区间内、或到区间结束日仍未送电的业扩报装中，有考核环节的工作日数超过时限；停滞 = 到区间结束日"
        "仍未送电，当前所处环节为考核环节且已用工作日数超过时限。",
        "Only the stages timed by the grid company alone count (plan reply, with its single / dual supply "
        "limits; energization). Over limit: an application energized in the window, or still open at its end, "
        "with such a stage taking more working days than its limit. Stalled: still open at the window's end, "
        "with its current stage such a stage and already past its limit.",
    ),
    "needs_cases": Topic(
        "需求跟进线索",
        "Needs cases",
        "每条需求筛查发现（客户、规则）生成一条线索（办公室每月生成一次，看当月及前两个月）；"
        "线索仍未办结时再次发现只并入原线索。状态：新发现 → 已核实（经理走访确认）或已排除（须写原因）→ 已提出方案"
        "（增容报装 / 基本电费方式变更 / 交易安排）→ 已办结（须有结果：报装申请编号、年节省电费或交易电量）或客户未采纳。"
        "转化：统计区间内生成的线索中，到过已核实、已提出方案的条数和已办结条数。各状态停留天数：离开该状态的日期在区间内的线索，"
        "从进入到离开的自然日平均值。",
        "Each needs finding (customer, rule) opens a case (`manage.py cases open`, run monthly over that month and "
        "the two before); found again while its case is open, it joins that case. States: new → confirmed (the "
        "manager visited) or dismissed (with a reason) → proposed (capacity-increase application / basic-charge "
        "mode change / trading arrangement) → done (with its result: an application number, yuan per year saved or "
        "kWh traded) or declined. Conversion: of the cases opened in the window, those that reached confirmed and "
        "proposed, and those done. Days in a state: for the cases that left it within the window, the mean calendar "
        "days from entering to leaving it.",
    ),
    "value": Topic(
        "成效",
        "Value delivered",
        "接电节省天数 = 同类可比缩短（天）× 可比的派驻服务件数（送电日期在区间内）。为客户节省电费 = 区间内办结的"
        "需求线索登记的年节省电费（元/年）之和。办结的需求线索 = 办结日期在区间内的线索，对照区间内生成的线索数。"
        "派驻经理服务的业扩报装 = 受理日期在区间内、由派驻经理服务的业扩报装，对照区间内受理的全部报装。",
        "Connection days saved = like-for-like reduction (days) × resident-served applications compared (energized "
        "in the window). Charges saved for customers = Σ yuan per year saved recorded on needs cases closed done in "
        "the window. Needs converted = cases closed done in the window, against the cases opened in it. "
        "Applications handled by resident managers = resident-served applications accepted in the window, against "
        "all accepted in it.",
    ),
    "needs_capacity_increase": Topic(
        "增容需求",
        "Capacity increase",
        "看月份首日在统计区间内的月份：某月最大需量 > 合同容量；或最近 3 个有最大需量的月份（至少 3 个）"
        "最大需量都 ≥ {capacity_watch_ratio:.0%} × 合同容量。",
        "Looking at the months whose first day is in the window: in some month the maximum demand exceeds the "
        "contracted capacity, or the customer's last 3 such months with a maximum demand (at least 3 needed) "
        "all have a maximum demand ≥ {capacity_watch_ratio:.0%} × capacity.",
    ),
    "needs_basic_charge": Topic(
        "基本电费调整",
        "Basic-charge adjustment",
        "按容量或按需量计收基本电费的客户，在有最大需量的区间月份上：按容量费用 = Σ 合同容量 × "
        "{capacity_price:g} 元/kVA·月；按需量费用 = Σ max(最大需量, 40% × 合同容量) × {demand_price:g} 元/kW·月。"
        "现行方式费用 − 另一方式费用 ≥ {mode_saving_share:.0%} × 现行费用时提示调整。",
        "Customers billed by capacity or by demand, over the window months that have a maximum demand: cost by "
        "capacity = Σ capacity × {capacity_price:g} yuan per kVA·month; cost by demand = Σ max(maximum demand, "
        "40% × capacity) × {demand_price:g} yuan per kW·month. Flagged when the current mode's cost − the other "
        "mode's cost ≥ {mode_saving_share:.0%} × the current cost.",
    ),
    "needs_surge": Topic(
        "用电激增",
        "Consumption surge",
        "信号而非需求：区间内某月用电量 ≥ {surge_ratio:g} × 此前 3 个自然月的平均用电量"
        "（3 个月数据齐全，可早于区间，且平均值 > 0）。",
        "A signal, not a need: a window month whose kWh ≥ {surge_ratio:g} × the mean kWh of the 3 calendar "
        "months just before it (all 3 present, before the window too, and that mean > 0).",
    ),
    "needs_direct_trading": Topic(
        "直接交易潜力",
        "Direct-trading potential",
        "不按时间区间统计：电压 ≥ 10 kV、年用电量 ≥ {trading_min_kwh:,.0f} kWh、目前为代理购电的客户。",
        "Not windowed: customers of ≥ 10 kV with annual kWh ≥ {trading_min_kwh:,.0f} still on grid agency purchase.",
    ),
}


# --- Targets and status colours -----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """green at or beyond `green`, amber at or beyond `amber`, red otherwise; for figures where lower
    is better (response minutes) the comparisons turn round."""

    green: float
    amber: float
    higher_is_better: bool = True
    unit: str = "rate"  # rate (fraction 0..1), minutes, days

    def status(self, value: float | None) -> str | None:
        """green / amber / red, or None when there is no value."""
        if value is None:
            return None
        if self.higher_is_better:
            return "green" if value >= self.green else "amber" if value >= self.amber else "red"
        return "green" if value <= self.green else "amber" if value <= self.amber else "red"


# The seed's headline: resident-served customers get connected 18 days sooner.
LEAD_TIME_REDUCTION_TARGET_DAYS = 18.0

TARGETS: dict[str, Target] = {
    "attendance": Target(0.90, 0.75),
    "log_completeness": Target(0.90, 0.75),
    "training": Target(1.00, 0.90),
    "problem_closure": Target(0.90, 0.75),
    "monthly_plans": Target(0.90, 0.75),
    "expert_coverage": Target(1.00, 0.75),
    # Minutes from request to response (median).
    "expert_response": Target(60, 120, higher_is_better=False, unit="minutes"),
    "lead_time_reduction": Target(LEAD_TIME_REDUCTION_TARGET_DAYS, 12, unit="days"),
}

# The one mapping from a status to its colour, for every chart, card and the PDF brief.
# "small": a figure resting on fewer cases than the min_sample_size setting: not judged, grey.
STATUS_COLORS = {"green": "#1E8E3E", "amber": "#E8A317", "red": "#D93025", "small": "#80868B", None: "#80868B"}


def status(target_key: str | None, value: float | None) -> str | None:
    """The status of a value against TARGETS[target_key]; None without a value or a target."""
    target = TARGETS.get(target_key) if target_key else None
    return target.status(value) if target else None


def specialty_status(active_experts: int, minimum: float) -> str:
    """A specialty's status in every coverage chart: red below the minimum of active experts, else green."""
    return "green" if active_experts >= minimum else "red"


def rgb(colour: str) -> tuple[int, int, int]:
    """'#1E8E3E' -> (30, 142, 62), for the PDF."""
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


# --- Figures ------------------------------------------------------------------------------------

SCOPES = {
    "window": ("统计区间内", "in the window"),
    "as_of": ("截至某日", "on a day"),
    "since_meeting": ("上次会议以来", "since the last meeting"),
    "standing": ("当前（不按区间）", "as the records stand (not windowed)"),
}
# Units: how a value reads (rate: a fraction shown as a percentage).
UNITS = {
    "rate": ("%", "%"),
    "days": ("天", "days"),
    "minutes": ("分钟", "minutes"),
    "yuan": ("元", "yuan"),
    "manager_weeks": ("经理周", "manager-weeks"),
    "workdays": ("工作日", "workdays"),
    "problems": ("条", "problems"),
    "plans": ("份", "plans"),
    "managers": ("人", "managers"),
    "calls": ("次", "calls"),
    "applications": ("件", "applications"),
    "customers": ("户", "customers"),
    "months": ("个月份", "months"),
    "specialties": ("个专业", "specialties"),
    "strata": ("类", "strata"),
    "items": ("项", "items"),
}


@dataclass(frozen=True)
class Figure:
    key: str
    name_zh: str  # may hold {date}: the day of an as_of figure
    name_en: str
    scope: str  # a SCOPES key
    unit: str  # a UNITS key
    topic: str  # the TOPICS entry that defines it in full
    zh: str  # one line: what is counted
    en: str
    target: str | None = None  # a TARGETS key
    sampled: bool = False  # marked 样本不足 (and not judged) below the min_sample_size setting
    report: tuple[str, ...] | None = None  # its place in the report JSON (a list there: its length)

    def name(self, lang: str = "zh", **params) -> str:
        return (self.name_en if lang == "en" else self.name_zh).format(**params)

    @property
    def direction(self) -> str | None:
        if self.target is None:
            return None
        return "higher" if TARGETS[self.target].higher_is_better else "lower"


def _figures(*entries: Figure) -> dict[str, Figure]:
    return {entry.key: entry for entry in entries}


F = Figure
FIGURES: dict[str, Figure] = _figures(
    # --- attendance and logs (window)
    F(
        "attendance_rate",
        "驻点考勤合规率",
        "Attendance compliance",
        "window",
        "rate",
        "attendance",
        "合规经理周 ÷ 考核经理周",
        "compliant ÷ due manager-weeks",
        "attendance",
        True,
        ("attendance", "rate"),
    ),
    F(
        "attendance_due",
        "考核经理周",
        "Manager-weeks due",
        "window",
        "manager_weeks",
        "attendance",
        "应驻点天数 ≥ 1 的经理周",
        "manager-weeks with at least one required on-site day",
        report=("attendance", "due"),
    ),
    F(
        "attendance_compliant",
        "合规经理周",
        "Compliant manager-weeks",
        "window",
        "manager_weeks",
        "attendance",
        "驻点天数达到要求的经理周",
        "manager-weeks with the required on-site days",
        report=("attendance", "compliant"),
    ),
    F(
        "log_completeness_rate",
        "日志填报率",
        "Log completeness",
        "window",
        "rate",
        "log_completeness",
        "已填报日 ÷ 应填报日",
        "logged ÷ posted workdays",
        "log_completeness",
        True,
        ("log_completeness", "rate"),
    ),
    F(
        "log_posted_workdays",
        "应填报日",
        "Posted workdays",
        "window",
        "workdays",
        "log_completeness",
        "经理处于派驻期的工作日",
        "workdays on which a manager is posted",
        report=("log_completeness", "posted_workdays"),
    ),
    F(
        "log_logged_workdays",
        "已填报日",
        "Logged workdays",
        "window",
        "workdays",
        "log_completeness",
        "其中有工作日志的",
        "of those, with a work log",
        report=("log_completeness", "logged_workdays"),
    ),
    F(
        "problem_closure_rate",
        "区间内问题整改率",
        "Closure of problems found in the window",
        "window",
        "rate",
        "problem_closure",
        "区间内日志发现的问题中已整改的比例",
        "share of the problems logged in the window that are done",
        "problem_closure",
        True,
        ("problem_closure", "rate"),
    ),
    F(
        "problems_found",
        "区间内发现问题",
        "Problems found in the window",
        "window",
        "problems",
        "problem_closure",
        "日期在区间内、“存在问题”不为空的日志",
        "logs dated in the window with a problem",
        report=("problem_closure", "with_problems"),
    ),
    F(
        "problems_closed",
        "区间内发现且已整改",
        "Found in the window and closed",
        "window",
        "problems",
        "problem_closure",
        "其中整改情况为已完成",
        "of those, with status done",
        report=("problem_closure", "closed"),
    ),
    F(
        "monthly_plans_rate",
        "月度计划按时率",
        "Monthly plans on time",
        "window",
        "rate",
        "monthly_plans",
        "按时 ÷ 应提交",
        "on time ÷ due",
        "monthly_plans",
        True,
        ("monthly_plans", "rate"),
    ),
    F(
        "plans_due",
        "应提交月度计划",
        "Monthly plans due",
        "window",
        "plans",
        "monthly_plans",
        "完整月份中经理有派驻工作日的经理月",
        "manager-months of whole months with a posted workday",
        report=("monthly_plans", "due"),
    ),
    F(
        "plans_on_time",
        "按时提交月度计划",
        "Monthly plans on time (count)",
        "window",
        "plans",
        "monthly_plans",
        "截止日前提交的",
        "submitted by the deadline day",
        report=("monthly_plans", "on_time"),
    ),
    F(
        "training_rate",
        "岗前培训合规率",
        "Training compliance",
        "window",
        "rate",
        "training",
        "合规经理 ÷ 首次派驻不晚于区间结束日的经理",
        "compliant ÷ managers first posted by the window's end",
        "training",
        True,
        ("training", "rate"),
    ),
    F(
        "training_managers",
        "应培训经理",
        "Managers counted for training",
        "window",
        "managers",
        "training",
        "首次派驻不晚于区间结束日的经理",
        "managers first posted by the window's end",
        report=("training", "managers"),
    ),
    F(
        "training_compliant",
        "培训合规经理",
        "Managers trained as required",
        "window",
        "managers",
        "training",
        "学时、技能占比和考察都达标的",
        "with the hours, skill share and a passed assessment",
        report=("training", "compliant"),
    ),
    F(
        "open_problems",
        "截至 {date} 未整改问题",
        "Problems open on {date}",
        "as_of",
        "problems",
        "agenda",
        "该日仍未整改完成的全部日志问题（不论何时发现）",
        "every logged problem not done on that day, whenever found",
    ),
    # --- experts
    F(
        "expert_covered_specialties",
        "专家配置达标专业",
        "Specialties covered",
        "standing",
        "specialties",
        "expert_coverage",
        "在岗专家人数达到最低配置的专业（共 8 个）",
        "specialties with the minimum of active experts (of 8)",
        "expert_coverage",
        report=("experts", "coverage", "covered"),
    ),
    F(
        "thin_specialties",
        "专家配置不足的专业",
        "Specialties below the expert minimum",
        "standing",
        "specialties",
        "expert_coverage",
        "在岗专家少于最低配置的专业",
        "specialties with fewer active experts than the minimum",
    ),
    F(
        "expert_calls",
        "专家调用次数",
        "Expert calls",
        "window",
        "calls",
        "expert_calls",
        "请求时间在区间内的调用",
        "calls requested in the window",
        report=("experts", "calls"),
    ),
    F(
        "expert_calls_closed",
        "已关闭的专家调用",
        "Expert calls closed",
        "window",
        "calls",
        "expert_calls",
        "其中有关闭时间的",
        "of those, with a closed time",
        report=("experts", "closed"),
    ),
    F(
        "expert_calls_answered",
        "已响应的专家调用",
        "Expert calls answered",
        "window",
        "calls",
        "expert_calls",
        "其中有响应时间的",
        "of those, with a response time",
    ),
    F(
        "expert_median_response",
        "专家响应时长（中位数）",
        "Expert response (median)",
        "window",
        "minutes",
        "expert_calls",
        "已响应调用的响应分钟数的中位数",
        "median minutes to respond over the answered calls",
        "expert_response",
        True,
        ("experts", "median_response_minutes"),
    ),
    F(
        "open_expert_calls",
        "截至 {date} 未关闭的专家调用",
        "Expert calls open on {date}",
        "as_of",
        "calls",
        "agenda",
        "该日结束时仍未关闭的调用",
        "calls still open at the end of that day",
    ),
    # --- customers (on the window's last day)
    F(
        "segments_total",
        "客户总数",
        "Customers",
        "as_of",
        "customers",
        "segments",
        "全部客户",
        "all customers",
        report=("segments", "total"),
    ),
    F(
        "segments_star",
        "星级客户",
        "Star customers",
        "as_of",
        "customers",
        "segments",
        "星级达到门槛的客户",
        "customers at or above the star threshold",
        report=("segments", "star"),
    ),
    F(
        "segments_potential",
        "潜在客户",
        "Potential customers",
        "as_of",
        "customers",
        "segments",
        "有潜在客户依据的客户",
        "customers with a potential reason",
        report=("segments", "potential"),
    ),
    F(
        "segments_risk",
        "风险客户",
        "Risk customers",
        "as_of",
        "customers",
        "segments",
        "满足任一风险条件的客户",
        "customers meeting a risk rule",
        report=("segments", "risk"),
    ),
    F(
        "segments_none",
        "无分层客户",
        "Customers in no segment",
        "as_of",
        "customers",
        "segments",
        "不属于任何一类的客户",
        "customers in no segment",
        report=("segments", "none"),
    ),
    F(
        "segments_covered",
        "派驻覆盖的分层客户",
        "Segment customers covered",
        "as_of",
        "customers",
        "segments_coverage",
        "分层客户中该日有派驻经理的",
        "segment customers with a manager posted that day",
        report=("segments", "covered"),
    ),
    F(
        "segments_segmented",
        "分层客户",
        "Segment customers",
        "as_of",
        "customers",
        "segments_coverage",
        "至少属于一类的客户",
        "customers in at least one segment",
    ),
    # --- connection lead time (window)
    F(
        "lead_resident_count",
        "派驻服务送电件数",
        "Resident-served applications energized",
        "window",
        "applications",
        "lead_time",
        "送电日期在区间内的派驻服务业扩",
        "resident-served applications energized in the window",
        report=("lead_time", "resident", "count"),
    ),
    F(
        "lead_resident_mean",
        "派驻服务平均接电时长",
        "Resident-served mean lead time",
        "window",
        "days",
        "lead_time",
        "送电日期 − 受理日期的平均值",
        "mean of energized − applied",
        sampled=True,
        report=("lead_time", "resident", "mean_days"),
    ),
    F(
        "lead_resident_median",
        "派驻服务接电时长中位数",
        "Resident-served median lead time",
        "window",
        "days",
        "lead_time",
        "送电日期 − 受理日期的中位数",
        "median of energized − applied",
        sampled=True,
        report=("lead_time", "resident", "median_days"),
    ),
    F(
        "lead_other_count",
        "非派驻送电件数",
        "Other applications energized",
        "window",
        "applications",
        "lead_time",
        "送电日期在区间内的非派驻业扩",
        "other applications energized in the window",
        report=("lead_time", "other", "count"),
    ),
    F(
        "lead_other_mean",
        "非派驻平均接电时长",
        "Other mean lead time",
        "window",
        "days",
        "lead_time",
        "送电日期 − 受理日期的平均值",
        "mean of energized − applied",
        sampled=True,
        report=("lead_time", "other", "mean_days"),
    ),
    F(
        "lead_other_median",
        "非派驻接电时长中位数",
        "Other median lead time",
        "window",
        "days",
        "lead_time",
        "送电日期 − 受理日期的中位数",
        "median of energized − applied",
        sampled=True,
        report=("lead_time", "other", "median_days"),
    ),
    F(
        "lead_reduction",
        "接电时长缩短",
        "Lead-time reduction",
        "window",
        "days",
        "lead_time",
        "非派驻平均 − 派驻服务平均（原始差值，不分类型）",
        "other mean − resident-served mean (raw, all kinds together)",
        "lead_time_reduction",
        True,
        ("lead_time", "reduction_days"),
    ),
    F(
        "lead_adjusted",
        "同类可比缩短",
        "Like-for-like reduction",
        "window",
        "days",
        "lead_time_adjusted",
        "同一报装类型和供电方式内的差值，按派驻服务件数加权",
        "differences within the same kind and supply, weighted by resident-served applications",
        "lead_time_reduction",
        True,
        ("lead_time", "adjusted", "reduction_days"),
    ),
    F(
        "lead_adjusted_compared",
        "可比的派驻服务件数",
        "Resident-served applications compared",
        "window",
        "applications",
        "lead_time_adjusted",
        "两组都有的类中的派驻服务业扩",
        "resident-served applications in strata holding both groups",
        report=("lead_time", "adjusted", "resident_compared"),
    ),
    F(
        "lead_adjusted_strata",
        "可比类数",
        "Strata compared",
        "window",
        "strata",
        "lead_time_adjusted",
        "两组都有的（类型，供电方式）类",
        "(kind, supply) strata holding both groups",
        report=("lead_time", "adjusted", "strata_compared"),
    ),
    F(
        "lead_over_limit",
        "统计区间内超时限业扩",
        "Applications over a limit in the window",
        "window",
        "applications",
        "lead_time_over_limit",
        "区间内送电或到区间结束日仍在途、考核环节超时限或停滞的业扩",
        "energized in the window or open at its end, with a timed stage over its limit or stalled",
    ),
    F(
        "lead_stalled",
        "截至 {date} 停滞的业扩",
        "Applications stalled on {date}",
        "as_of",
        "applications",
        "lead_time_over_limit",
        "该日仍在途、当前考核环节已超时限的业扩",
        "open that day, the timed stage under way past its limit",
    ),
    # --- needs (window, direct trading on the window's last day)
    F(
        "needs_capacity_increase",
        "增容需求客户",
        "Capacity-increase customers",
        "window",
        "customers",
        "needs_capacity_increase",
        "区间月份中超容或持续高负载的客户",
        "customers over or near capacity in the window months",
        report=("needs", "capacity_increase"),
    ),
    F(
        "needs_basic_charge",
        "基本电费调整客户",
        "Basic-charge adjustment customers",
        "window",
        "customers",
        "needs_basic_charge",
        "换一种基本电费方式可明显节省的客户",
        "customers who would save by changing their basic-charge mode",
        report=("needs", "basic_charge_adjustment"),
    ),
    F(
        "needs_yearly_saving",
        "基本电费年可节省",
        "Basic charge saved per year",
        "window",
        "yuan",
        "needs_basic_charge",
        "上述客户按区间月份折算一年的可节省金额",
        "what those customers would save in a year, from the window months",
    ),
    F(
        "needs_surge",
        "用电激增客户",
        "Customers with a consumption surge",
        "window",
        "customers",
        "needs_surge",
        "区间内有激增月份的客户",
        "customers with a surge month in the window",
        report=("needs", "surge"),
    ),
    F(
        "needs_surge_months",
        "激增月份",
        "Surge months",
        "window",
        "months",
        "needs_surge",
        "客户 × 激增月份",
        "customer-months with a surge",
    ),
    F(
        "needs_direct_trading",
        "直接交易潜力客户",
        "Direct-trading potential customers",
        "as_of",
        "customers",
        "needs_direct_trading",
        "10 kV 及以上、电量达标、仍为代理购电的客户",
        "≥ 10 kV, enough kWh, still on agency purchase",
        report=("needs", "direct_trading"),
    ),
    # --- needs cases (window)
    F(
        "cases_found",
        "区间内生成的需求线索",
        "Needs cases opened in the window",
        "window",
        "items",
        "needs_cases",
        "生成日期在区间内的线索",
        "cases opened in the window",
        report=("value", "cases_found"),
    ),
    F(
        "cases_confirmed",
        "其中经核实",
        "Of those, confirmed",
        "window",
        "items",
        "needs_cases",
        "其中到过已核实状态的",
        "of those, cases that reached confirmed",
    ),
    F(
        "cases_proposed",
        "其中已提出方案",
        "Of those, proposed",
        "window",
        "items",
        "needs_cases",
        "其中到过已提出方案状态的",
        "of those, cases that reached proposed",
    ),
    F(
        "cases_done",
        "其中已办结",
        "Of those, done",
        "window",
        "items",
        "needs_cases",
        "其中已办结的",
        "of those, cases closed done",
    ),
    F(
        "cases_days_new",
        "新发现状态平均天数",
        "Mean days as new",
        "window",
        "days",
        "needs_cases",
        "区间内离开新发现状态的线索，从生成到核实或排除",
        "cases leaving new in the window: opened to confirmed or dismissed",
    ),
    F(
        "cases_days_confirmed",
        "已核实状态平均天数",
        "Mean days as confirmed",
        "window",
        "days",
        "needs_cases",
        "区间内离开已核实状态的线索，从核实到提出方案或排除",
        "cases leaving confirmed in the window: confirmed to proposed or dismissed",
    ),
    F(
        "cases_days_proposed",
        "已提出方案状态平均天数",
        "Mean days as proposed",
        "window",
        "days",
        "needs_cases",
        "区间内办结或未采纳的线索，从提出方案到关闭",
        "cases closed in the window: proposed to done or declined",
    ),
    # --- value (window)
    F(
        "value_days_saved",
        "接电节省天数",
        "Connection days saved",
        "window",
        "days",
        "value",
        "同类可比缩短 × 可比的派驻服务件数",
        "like-for-like reduction × resident-served applications compared",
        report=("value", "connection_days_saved"),
    ),
    F(
        "value_yuan_saved",
        "为客户节省电费（元/年）",
        "Charges saved for customers (yuan/year)",
        "window",
        "yuan",
        "value",
        "区间内办结线索登记的年节省电费之和",
        "yuan per year saved on the cases closed done in the window",
        report=("value", "charge_saved_yuan_per_year"),
    ),
    F(
        "value_cases_with_saving",
        "登记节省的办结线索",
        "Closed cases with a saving",
        "window",
        "items",
        "value",
        "区间内办结、登记了年节省电费的线索",
        "cases closed done in the window with yuan saved recorded",
        report=("value", "cases_with_saving"),
    ),
    F(
        "value_needs_converted",
        "办结的需求线索",
        "Needs converted",
        "window",
        "items",
        "value",
        "办结日期在区间内的线索",
        "cases closed done in the window",
        report=("value", "needs_converted"),
    ),
    F(
        "value_resident_applications",
        "派驻经理服务的业扩报装",
        "Applications handled by resident managers",
        "window",
        "applications",
        "value",
        "受理日期在区间内、派驻经理服务的报装",
        "resident-served applications accepted in the window",
        report=("value", "resident_applications"),
    ),
    F(
        "value_applications",
        "区间内受理的业扩报装",
        "Applications accepted in the window",
        "window",
        "applications",
        "value",
        "受理日期在区间内的全部报装",
        "all applications accepted in the window",
        report=("value", "applications"),
    ),
    # --- the joint meeting's agenda (on the agenda date)
    F(
        "agenda_applications",
        "截至 {date} 超时限或停滞的在途业扩",
        "Open applications over a limit or stalled on {date}",
        "as_of",
        "applications",
        "lead_time_over_limit",
        "该日仍未送电、考核环节超时限或停滞的业扩",
        "not energized that day, with a timed stage over its limit or stalled",
    ),
    F(
        "agenda_managers_behind",
        "截至 {date} 考勤或计划未达标事项",
        "Attendance or plan items behind on {date}",
        "as_of",
        "items",
        "attendance",
        "上周驻点未达标的经理，以及过了截止日仍未交本月计划的经理",
        "managers below last week's on-site minimum, and those without this month's plan after its deadline",
    ),
    F(
        "agenda_new_needs",
        "上次会议以来新发现的客户需求",
        "Needs found since the last meeting",
        "since_meeting",
        "items",
        "needs_capacity_increase",
        "上次会议次日至议程日期之间发现的增容、基本电费和激增需求",
        "capacity, basic-charge and surge findings from the day after the last meeting to the agenda date",
    ),
    F(
        "agenda_open_cases",
        "截至 {date} 未办结的需求跟进线索",
        "Needs cases open on {date}",
        "as_of",
        "items",
        "needs_cases",
        "议程日期及以前生成、仍为新发现、已核实或已提出方案的线索",
        "cases opened by that day and still new, confirmed or proposed",
    ),
    F(
        "agenda_action_items",
        "截至 {date} 未关闭的督办事项",
        "Action items open on {date}",
        "as_of",
        "items",
        "agenda",
        "议程日期及以前召开的会议中仍未关闭的督办事项",
        "action items of meetings held by that day and not closed",
    ),
)


def figure_name(key: str, lang: str = "zh", **params) -> str:
    return FIGURES[key].name(lang, **params)


def report_value(report: dict, key: str):
    """The value of figure `key` in the report JSON (a list's length), KeyError if it has no place there."""
    path = FIGURES[key].report
    if path is None:
        raise KeyError(key)
    value = report
    for part in path:
        value = value[part]
    return len(value) if isinstance(value, list) else value


def shown_key(key: str, **params) -> str:
    """The key a screen records a figure under: with its date for an as_of figure ("open_problems@2025-09-30")."""
    return key if not params else key + "@" + ",".join(str(params[name]) for name in sorted(params))


# --- docs/figures.md ----------------------------------------------------------------------------

DOC = Path(__file__).resolve().parent.parent / "docs" / "figures.md"
_DOC_TEXT = {
    "zh": (
        "## 中文：指标目录",
        "| 键 | 名称 | 范围 | 单位 | 含义 | 目标 | 方向 | 样本量规则 | 报告 JSON |",
        "### 口径说明",
        "越高越好",
        "越低越好",
        "低于最小样本量标记“样本不足”、不判定",
    ),
    "en": (
        "## English: the figure catalogue",
        "| key | name | scope | unit | what it counts | target | direction | sample size | report JSON |",
        "### Definitions",
        "higher is better",
        "lower is better",
        "marked small sample, not judged, below the minimum",
    ),
}


def _target_text(figure: Figure, lang: str) -> str:
    if figure.target is None:
        return "—"
    target = TARGETS[figure.target]
    sign = "≥" if target.higher_is_better else "≤"
    show = (lambda v: f"{v:.0%}") if target.unit == "rate" else (lambda v: f"{v:g} {UNITS[target.unit][lang == 'en']}")
    watch = "关注" if lang == "zh" else "watch"
    return (
        f"{sign} {show(target.green)}（{watch} {sign} {show(target.amber)}）"
        if lang == "zh"
        else f"{sign} {show(target.green)} ({watch} {sign} {show(target.amber)})"
    )


def render_markdown(settings: dict[str, float]) -> str:
    """docs/figures.md: every figure and topic in Chinese, then in English (settings: the defaults)."""
    out = [
        "# 指标目录 / Figure catalogue",
        "",
        "Generated from `metrics/figures.py` by `python -m metrics.figures`; tests/test_figures.py checks",
        "that this file matches it. 由 `metrics/figures.py` 生成，请勿手改。Thresholds in the definitions",
        "are the defaults; the office can change them on the settings screen.",
        "",
    ]
    for lang in ("zh", "en"):
        title, header, topics, higher, lower, sampled = _DOC_TEXT[lang]
        index = 1 if lang == "en" else 0
        out += [title, "", header, "|" + "---|" * 9]
        for figure in FIGURES.values():
            direction = {"higher": higher, "lower": lower, None: "—"}[figure.direction]
            out.append(
                " | ".join(
                    [
                        f"| `{figure.key}`",
                        figure.name(lang, date="{date}"),
                        SCOPES[figure.scope][index],
                        UNITS[figure.unit][index],
                        figure.en if lang == "en" else figure.zh,
                        _target_text(figure, lang),
                        direction,
                        sampled if figure.sampled else "—",
                        f"`{'.'.join(figure.report)}`" if figure.report else "—",
                    ]
                )
                + " |"
            )
        out += ["", topics, ""]
        for key, topic in TOPICS.items():
            text = (topic.en if lang == "en" else topic.zh).format(**settings)
            out += [f"- **{topic.name_en if lang == 'en' else topic.name_zh}** (`{key}`): {text}"]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # python -m metrics.figures: write docs/figures.md
    sys.path.insert(0, str(DOC.parent.parent))
    from data_access.settings import DEFAULTS

    DOC.write_text(render_markdown(DEFAULTS), encoding="utf-8")
    print(f"wrote {DOC}")
