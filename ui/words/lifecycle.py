"""Words of the manager lifecycle: the posting gate (data_access.gate), lifecycle states, the
roster and the manager page, outage plans."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # The posting gate's refusal (code posting_gate; ui.problem_text joins the shortfalls).
    "lc_gate_refused": (
        "未达派驻准入条件（按 {start_date} 及以前的记录）：{reasons}。确需派驻的，请填写准入例外说明",
        ("does not meet the posting gate (records up to {start_date}): {reasons}. "
         "To post anyway, give the gate exception reason"),
    ),
    "lc_gate_hours_short": ("培训 {total_hours:g} 学时，少于 {min_hours:g} 学时",
                            "{total_hours:g} training hours, fewer than {min_hours:g}"),
    "lc_gate_skill_share_short": ("技能操作学时占比 {skill_share:.0%}，低于 {min_share:.0%}",
                                  "hands-on share {skill_share:.0%}, below {min_share:.0%}"),
    "lc_gate_no_passed_assessment": ("没有合格的考察", "no passed assessment"),
    "lc_gate_from_help": (("开始日期在这一天及以后的派驻须满足派驻准入条件（培训学时、技能操作占比、考察合格）；"
                          "默认为启用准入检查的那一天"),
                          ("Postings starting on or after this day must meet the posting gate (training hours, "
                          "hands-on share, a passed assessment); by default the day the check was installed")),
    "aud_action_gate_override": ("准入例外", "gate exception"),
}
