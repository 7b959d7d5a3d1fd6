"""Words of the manager lifecycle: the posting gate (data_access.gate), lifecycle states, the
roster and the manager page, outage plans."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # The posting gate's refusal (code posting_gate; ui.problem_text joins the shortfalls).
    "lc_gate_refused": (
        "未达派驻准入条件（按 {start_date} 及以前的记录）：{reasons}。确需派驻的，请填写准入例外说明",
        (
            "does not meet the posting gate (records up to {start_date}): {reasons}. "
            "To post anyway, give the gate exception reason"
        ),
    ),
    "lc_gate_hours_short": (
        "培训 {total_hours:g} 学时，少于 {min_hours:g} 学时",
        "{total_hours:g} training hours, fewer than {min_hours:g}",
    ),
    "lc_gate_skill_share_short": (
        "技能操作学时占比 {skill_share:.0%}，低于 {min_share:.0%}",
        "hands-on share {skill_share:.0%}, below {min_share:.0%}",
    ),
    "lc_gate_no_passed_assessment": ("没有合格的考察", "no passed assessment"),
    "lc_gate_from_help": (
        (
            "开始日期在这一天及以后的派驻须满足派驻准入条件（培训学时、技能操作占比、考察合格）；"
            "默认为启用准入检查的那一天"
        ),
        (
            "Postings starting on or after this day must meet the posting gate (training hours, "
            "hands-on share, a passed assessment); by default the day the check was installed"
        ),
    ),
    "aud_action_gate_override": ("准入例外", "gate exception"),
    # The roster and the manager page (views/roster.py).
    "nav_roster": ("经理名册", "Manager roster"),
    "lc_roster_caption": (
        "截至 {as_of} 每位派驻经理所处的阶段，由培训、考察、派驻记录推出，不需手工填写。",
        (
            "Each manager's stage on {as_of}, derived from the training, assessment and posting "
            "records (never typed by hand)."
        ),
    ),
    "lc_state_candidate": ("候选", "Candidate"),
    "lc_state_in_training": ("培训中", "In training"),
    "lc_state_assessed_fail": ("考察未通过", "Assessment failed"),
    "lc_state_assessed_pass": ("考察合格待派驻", "Assessed, awaiting posting"),
    "lc_state_posted": ("已派驻", "Posted"),
    "lc_state_withdrawn": ("已撤回", "Withdrawn"),
    "lc_all_states": ("全部阶段", "All stages"),
    "lc_filter_state": ("阶段", "Stage"),
    "lc_search": ("查找经理", "Find a manager"),
    "lc_search_hint": ("工号或姓名", "Employee no. or name"),
    "lc_no_managers": ("没有符合条件的经理。", "No manager matches."),
    "lc_pick": ("查看经理", "Open a manager's page"),
    "lc_pick_none": ("（选择一位经理）", "(choose a manager)"),
    "lc_no_such_manager": ("没有工号为 {employee_no} 的经理。", "No manager has the employee no. {employee_no}."),
    "lc_page_title": ("{name}（{employee_no}）", "{name} ({employee_no})"),
    "lc_page_facts": (
        "班组：{team} · 电话：{phone} · {as_of} 阶段：{state}",
        "Team: {team} · Phone: {phone} · Stage on {as_of}: {state}",
    ),
    "lc_page_training": (
        "培训 {hours} 学时，技能操作占比 {share}；{gate}",
        "{hours} training hours, hands-on share {share}; {gate}",
    ),
    "lc_gate_met": ("满足派驻准入条件", "meets the posting gate"),
    "lc_gate_not_met": ("未满足派驻准入条件", "does not meet the posting gate"),
    "lc_none_yet": ("暂无记录。", "No records yet."),
    "lc_training": ("培训记录", "Training"),
    "lc_assessments": ("考察", "Assessments"),
    "lc_postings": ("派驻与交接", "Postings and handovers"),
    "lc_logs": ("最近的工作日志", "Recent work logs"),
    "lc_calls": ("最近的专家调用", "Recent expert calls"),
    "lc_outages": ("停电计划", "Outage plans"),
    "lc_col_employee_no": ("工号", "Employee no."),
    "lc_col_name": ("姓名", "Name"),
    "lc_col_team": ("班组", "Team"),
    "lc_col_state": ("阶段", "Stage"),
    "lc_col_total_hours": ("培训学时", "Training hours"),
    "lc_col_skill_share": ("技能操作占比", "Hands-on share"),
    "lc_col_last_assessment_on": ("最近考察日期", "Last assessment"),
    "lc_col_active_postings": ("在派客户数", "Current postings"),
    "lc_col_gate_ok": ("满足准入", "Meets the gate"),
    "lc_col_date": ("日期", "Date"),
    "lc_col_hours": ("学时", "Hours"),
    "lc_col_kind": ("类别", "Kind"),
    "lc_col_topic": ("内容", "Topic"),
    "lc_col_score": ("成绩", "Score"),
    "lc_col_passed": ("合格", "Passed"),
    "lc_col_account_no": ("户号", "Account no."),
    "lc_col_customer": ("客户", "Customer"),
    "lc_col_start_date": ("派驻开始日期", "Start date"),
    "lc_col_end_date": ("派驻结束日期", "End date"),
    "lc_col_handover_note": ("交接说明", "Handover note"),
    "lc_col_gate_override": ("准入例外说明", "Gate exception reason"),
    "lc_col_on_site": ("现场", "On site"),
    "lc_col_content": ("服务内容", "Service content"),
    "lc_col_problems": ("存在问题", "Problems found"),
    "lc_col_status": ("状态", "Status"),
    "lc_col_call_no": ("调用编号", "Call no."),
    "lc_col_requested_at": ("请求时间", "Requested"),
    "lc_col_expert": ("专家", "Expert"),
    "lc_col_specialty": ("专业", "Specialty"),
    "lc_col_mode": ("方式", "Mode"),
    "lc_col_closed_at": ("办结时间", "Closed"),
    "lc_col_summary": ("处理情况", "Summary"),
    # Outage plans (data_access.outages, views/entry_outages.py).
    "pr_outage_not_posted": (
        "{day} 您未派驻到客户 {account_no}，只能为本人派驻的客户填写停电计划",
        ("you are not posted to customer {account_no} on {day}; you may plan outages only for your own customers"),
    ),
    "nav_entry_outages": ("停电计划", "Outage plans"),
    "lc_outage_caption": (
        "与客户协商的每月计划停电：日期、时长、范围和状态。派驻经理只能填写本人派驻的客户。",
        (
            "The monthly planned outages agreed with customers: day, hours, scope and status. "
            "A manager enters them for their own customers only."
        ),
    ),
    "lc_outage_new": ("新增停电计划", "New outage plan"),
    "lc_outage_edit": ("修改停电计划", "Change the outage plan"),
    "lc_outage_list": ("停电计划（上月至下月）", "Outage plans (last month to next month)"),
    "lc_outage_pick": ("选择要修改的计划", "Pick a plan to change"),
    "lc_outage_pick_new": ("（新增）", "(new)"),
    "lc_outage_saved": ("已保存停电计划：{account_no} {day}", "Outage plan saved: {account_no} {day}"),
    "lc_outage_no_customers": (
        "您今天没有派驻的客户，无法填写停电计划。",
        "You are not posted to any customer today: no outage plan to enter.",
    ),
    "lc_col_planned_on": ("停电日期", "Outage day"),
    "lc_col_scope": ("停电范围", "Scope"),
    "lc_col_entered_by": ("填报人", "Entered by"),
    "lc_outage_status_planned": ("计划中", "Planned"),
    "lc_outage_status_agreed": ("已商定", "Agreed"),
    "lc_outage_status_done": ("已完成", "Done"),
    "lc_outage_status_cancelled": ("已取消", "Cancelled"),
    "lc_field_account_no": ("客户户号", "Customer account no."),
    "lc_field_planned_on": ("停电日期", "Outage day"),
    "lc_field_hours": ("停电时长（小时）", "Hours"),
    "lc_field_scope": ("停电范围", "Scope"),
    "lc_field_status": ("状态", "Status"),
    # Assigning a manager to a customer (views/entry_managers.py).
    "lc_assign_customer": ("客户情况", "The customer"),
    "lc_assign_candidates": ("可派驻的经理（按准入、当前派驻数排序）", "Managers to post (by gate, then current load)"),
    "lc_assign_name": ("户名", "Name"),
    "lc_assign_industry": ("行业", "Industry"),
    "lc_assign_town": ("乡镇", "Town"),
    "lc_assign_voltage_kv": ("电压等级 kV", "Voltage (kV)"),
    "lc_assign_capacity_kva": ("合同容量 kVA", "Capacity (kVA)"),
    "lc_assign_annual_kwh": ("年用电量 kWh", "Annual consumption (kWh)"),
    "lc_meeting_outages": ("下月停电计划（{month}）", "Outage plans next month ({month})"),
    "lc_col_page": ("经理页", "Manager page"),
    "lc_open_page": ("打开", "Open"),
    "lbl_outage_account_no": ("户号", "Account no."),
    "lbl_outage_planned_on": ("停电日期", "Outage day"),
    "lbl_outage_hours": ("停电时长（小时）", "Hours"),
    "lbl_outage_scope": ("停电范围", "Scope"),
    "lbl_outage_status": ("状态", "Status"),
    "lbl_table_outage_plans": ("停电计划", "outage plans"),
}
