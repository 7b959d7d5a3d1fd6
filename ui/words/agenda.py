"""Words of the joint-meeting agenda's short lines (ui/agenda_text.py: the screen, the PDF brief
and the alerts share them): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # Section titles
    "ag_title_open_problems": ("未整改的日志问题", "Open work-log problems"),
    "ag_title_applications": ("超时限或停滞的业扩报装", "Applications over a stage limit or stalled"),
    "ag_title_expert_calls": ("未关闭的专家调用", "Open expert calls"),
    "ag_title_expert_coverage": ("专家配置不足的专业", "Specialties below the expert minimum"),
    "ag_title_managers_behind": (
        "上周驻点不达标 / 本月计划未交的派驻经理",
        "Managers below last week's on-site minimum / without this month's plan",
    ),
    "ag_title_new_needs": ("上次会议以来新发现的客户需求", "Needs found since the last meeting"),
    "ag_title_action_items": ("往次会议未关闭的督办事项", "Open action items of earlier meetings"),
    # Application stages
    "ag_stage_plan_reply": ("供电方案答复", "supply-plan reply"),
    "ag_stage_design_review": ("设计审核", "design review"),
    "ag_stage_mid_inspection": ("中间检查", "mid inspection"),
    "ag_stage_completion_inspection": ("竣工检验", "completion inspection"),
    "ag_stage_energization": ("装表接电", "energization"),
    # Expert-call modes and needs
    "ag_mode_onsite": ("现场", "on site"),
    "ag_mode_remote": ("咨询", "remote"),
    "ag_need_capacity_increase": ("增容", "capacity increase"),
    "ag_need_basic_charge": ("基本电费调整", "basic-charge adjustment"),
    "ag_need_surge": ("用电激增", "consumption surge"),
    # Details
    "ag_stalled": ("{stage}已 {days} 个工作日（时限 {limit}）", "{stage} running {days} working days (limit {limit})"),
    "ag_over": ("超时环节：{stages}", "over limit: {stages}"),
    "ag_call": ("{specialty}·{mode}，申请于 {at}", "{specialty}, {mode}, requested {at}"),
    "ag_responded": ("，已响应未关闭", "; responded, not closed"),
    "ag_coverage": ("在岗专家 {count} 人，少于 {minimum} 人", "{count} active experts, fewer than {minimum}"),
    "ag_attendance": (
        "{week} 当周驻点 {days} 天，应 {required} 天",
        "week of {week}: {days} on-site days, {required} required",
    ),
    "ag_plan": ("{month} 月度计划未提交（截止 {deadline}）", "no plan for {month} (deadline {deadline})"),
    "ag_separator": ("；", "; "),
    "ag_need_detail": ("{need}: {finding}", "{need}: {finding}"),
    # Owners the agenda assigns itself (the others are people and teams from the data)
    "ag_owner_office": ("派驻经理工作办公室", "Resident-manager office"),
    "ag_owner_connection_team": ("业扩班", "Connection team"),
}
