"""The words of notifications, in Chinese and English: subjects, email bodies, webhook markdown.

Email bodies are plain text. Webhook messages are Markdown, so every stored value (a name, a
problem as typed) goes through md_text(), which swaps the characters Markdown acts on for their
full-width forms: a customer called "[x](http://...)" stays those characters in the group chat.
Links point at DASHBOARD_BASE_URL (none when it is not set).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from metrics.alerts import Alert
from metrics.window import Window
from ui.agenda_text import mode_name, need_name, specialty_name, stage_name
from ui.needs_text import finding_text
from ui.targets import TARGETS

APP = {"zh": "派驻经理服务看板", "en": "Resident Manager Dashboard"}
MAX_EMAIL_ITEMS = 200  # per rule; the screen behind the link has them all
MAX_WEBHOOK_ITEMS = 10  # per rule; WeCom takes 4,096 bytes of markdown

RULE_TITLES = {
    "attendance_week": {"zh": "上周驻点不达标", "en": "Below the on-site minimum last week"},
    "attendance_two_weeks": {"zh": "连续两周驻点不达标", "en": "Below the on-site minimum two weeks running"},
    "plan_missing": {"zh": "月度计划逾期未交", "en": "Monthly plan missing after the deadline"},
    "problem_open": {"zh": "问题长期未整改", "en": "Problems open too long"},
    "application_behind": {"zh": "业扩报装超时限或停滞", "en": "Applications over a stage limit or stalled"},
    "call_unanswered": {"zh": "专家调用未响应", "en": "Expert calls unanswered"},
    "specialty_thin": {"zh": "专家配置不足", "en": "Specialties below the expert minimum"},
    "new_need": {"zh": "新发现的客户需求", "en": "New customer needs"},
}

TEXT = {
    "zh": {
        "alerts_subject": "【{app}】提醒 {day}：{count} 项（{parts}）",
        "greeting": "{name}，您好：",
        "alerts_intro": "截至 {at}，有以下新提醒（同一事项在同一周期只提醒一次）：",
        "view": "查看：{url}",
        "more": "另有 {count} 项，详见看板。",
        "footer": "订阅：{kind} · 范围：{scope} · {schedule}。修改或退订：{url}",
        "footer_no_link": "订阅：{kind} · 范围：{scope} · {schedule}。在看板“订阅与提醒”页修改或退订。",
        "kind_alerts": "提醒",
        "kind_brief": "每周简报",
        "scope_all": "全部",
        "scope_self": "本人",
        "scope_town": "乡镇 {value}",
        "scope_team": "班组 {value}",
        "weekly": "每周{weekday} {time}",
        "daily": "每天 {time}",
        "each_run": "每次运行时",
        "weekdays": ["一", "二", "三", "四", "五", "六", "日"],
        "separator": "，",
        "list_separator": "、",
        # one line per alert
        "attendance_week": "{name}（{employee_no}）：{week} 当周驻点 {days} 天，应 {required} 天",
        "attendance_two_weeks": "{name}（{employee_no}）：{week1} 当周驻点 {days1} 天、{week2} 当周 {days2} 天，"
        "均低于应驻点天数（{required} 天）",
        "plan_missing": "{name}（{employee_no}）：{month} 月度计划未提交（截止 {deadline}，已逾期 {late} 天）",
        "problem_open": "{name}（{employee_no}）· {customer}：{date} 记录的问题已 {age} 天未整改（超过 {limit} 天）：{problem}",
        "application_stalled": "{app_no} {customer}：{stage}已 {days} 个工作日（时限 {limit}）",
        "application_over": "{app_no} {customer}：超时环节 {stages}",
        "managers": "（派驻经理：{names}）",
        "call_unanswered": "{call_no} {specialty}·{mode}（专家 {expert}）：{requested} 申请，已等待 {minutes} 分钟未响应"
        "（提醒阈值 {limit} 分钟）",
        "call_for": "，{manager} · {customer}",
        "specialty_thin": "{specialty}：在岗专家 {count} 人，少于 {minimum} 人",
        "new_need": "{customer}（{account_no}）：{need} — {rule}",
        # the brief
        "brief_subject": "【{app}】每周简报 {day}",
        "brief_intro": "{app} 每周简报（{day}）",
        "brief_window": "统计区间：{start} 至 {end}（近 {weeks} 周），与前 {weeks} 周（{prev_start} 至 {prev_end}）比较；"
        "范围：{scope}。",
        "figure": "指标",
        "value": "本期",
        "change": "变化",
        "status": "状态",
        "attachment": "附件：联席会议材料（全部范围，议程截至 {as_of}），与“联席会议”页下载的相同。",
        "overview": "驾驶舱：{url}",
        "status_green": "达标",
        "status_amber": "关注",
        "status_red": "未达标",
        "none": "—",
        "pp": "个百分点",
        "minutes": "分钟",
        "days": "天",
        "figures": {
            "attendance": "驻点考勤合规率",
            "log_completeness": "日志填报率",
            "problem_closure": "问题整改闭环率",
            "training": "岗前培训合规率",
            "monthly_plans": "月度计划按时率",
            "expert_coverage": "专家配置达标率",
            "expert_response": "专家响应时长（中位数）",
            "lead_resident": "平均接电时长（派驻经理服务）",
            "lead_other": "平均接电时长（非派驻）",
            "lead_time_reduction": "接电时长缩短",
        },
    },
    "en": {
        "alerts_subject": "[{app}] Alerts {day}: {count} ({parts})",
        "greeting": "Dear {name},",
        "alerts_intro": "As of {at}, new alerts (each item is told once per period):",
        "view": "View: {url}",
        "more": "{count} more on the dashboard.",
        "footer": "Subscription: {kind} · scope: {scope} · {schedule}. Change or unsubscribe: {url}",
        "footer_no_link": "Subscription: {kind} · scope: {scope} · {schedule}. Change or unsubscribe on the "
        "dashboard's Subscriptions screen.",
        "kind_alerts": "alerts",
        "kind_brief": "weekly brief",
        "scope_all": "everything",
        "scope_self": "yourself",
        "scope_town": "town {value}",
        "scope_team": "team {value}",
        "weekly": "every {weekday} at {time}",
        "daily": "every day at {time}",
        "each_run": "at every run",
        "weekdays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        "separator": ", ",
        "list_separator": ", ",
        "attendance_week": "{name} ({employee_no}): week of {week}, {days} on-site days, {required} required",
        "attendance_two_weeks": "{name} ({employee_no}): weeks of {week1} and {week2}, {days1} and {days2} on-site "
        "days, {required} required",
        "plan_missing": "{name} ({employee_no}): no plan for {month} (deadline {deadline}, {late} days late)",
        "problem_open": "{name} ({employee_no}) · {customer}: problem logged on {date} open for {age} days (limit {limit}): "
        "{problem}",
        "application_stalled": "{app_no} {customer}: {stage} running {days} working days (limit {limit})",
        "application_over": "{app_no} {customer}: over limit: {stages}",
        "managers": " (manager: {names})",
        "call_unanswered": "{call_no} {specialty}, {mode} (expert {expert}): requested {requested}, no response for "
        "{minutes} minutes (alert after {limit})",
        "call_for": ", {manager} · {customer}",
        "specialty_thin": "{specialty}: {count} active experts, fewer than {minimum}",
        "new_need": "{customer} ({account_no}): {need} - {rule}",
        "brief_subject": "[{app}] Weekly brief {day}",
        "brief_intro": "{app} weekly brief ({day})",
        "brief_window": "Window: {start} to {end} (the last {weeks} weeks), compared with the {weeks} weeks before "
        "({prev_start} to {prev_end}); scope: {scope}.",
        "figure": "KPI",
        "value": "Now",
        "change": "Change",
        "status": "Status",
        "attachment": "Attached: the joint meeting brief (whole program, agenda as of {as_of}), the one the "
        "Joint meeting screen downloads.",
        "overview": "Cockpit: {url}",
        "status_green": "on target",
        "status_amber": "watch",
        "status_red": "below target",
        "none": "-",
        "pp": "pp",
        "minutes": "min",
        "days": "days",
        "figures": {
            "attendance": "Attendance compliance",
            "log_completeness": "Log completeness",
            "problem_closure": "Problem closure",
            "training": "Training compliance",
            "monthly_plans": "Monthly plans on time",
            "expert_coverage": "Expert coverage",
            "expert_response": "Expert response (median)",
            "lead_resident": "Mean lead time (resident-served)",
            "lead_other": "Mean lead time (other)",
            "lead_time_reduction": "Lead-time reduction",
        },
    },
}
RATE_FIGURES = ("attendance", "log_completeness", "problem_closure", "training", "monthly_plans", "expert_coverage")
LOWER_IS_BETTER = ("expert_response", "lead_resident", "lead_other")
STATUS_KEYS = {
    "expert_response": "expert_response",
    "lead_time_reduction": "lead_time_reduction",
    **{key: key for key in RATE_FIGURES},
}
MARKDOWN_ACTIVE = str.maketrans(
    {
        "*": "＊",
        "_": "＿",
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "#": "＃",
        "`": "｀",
        "<": "＜",
        ">": "＞",
        "~": "～",
        "|": "｜",
        "\\": "＼",
        "!": "！",
    }
)


def md_text(value) -> str:
    """Stored text for a Markdown message: one line, Markdown's active characters made full-width."""
    return " ".join(str(value if value is not None else "").split()).translate(MARKDOWN_ACTIVE)


def link(base_url: str | None, screen: str, params: dict | None = None) -> str | None:
    if not base_url:
        return None
    query = urlencode({key: value for key, value in (params or {}).items() if value not in (None, "")})
    return f"{base_url}/{screen}" + (f"?{query}" if query else "")


def scope_text(subscription: dict, lang: str) -> str:
    text = TEXT[lang]
    kind = subscription["scope_kind"]
    if kind in ("town", "team"):
        return text[f"scope_{kind}"].format(value=subscription["scope_value"])
    return text[f"scope_{kind}"]


def schedule_text(subscription: dict, lang: str) -> str:
    text = TEXT[lang]
    frequency = subscription["frequency"]
    return text[frequency].format(weekday=text["weekdays"][subscription["weekday"]], time=subscription["send_time"])


def footer(subscription: dict, base_url: str | None, lang: str) -> str:
    text = TEXT[lang]
    values = dict(
        kind=text[f"kind_{subscription['kind']}"],
        scope=scope_text(subscription, lang),
        schedule=schedule_text(subscription, lang),
    )
    url = link(base_url, "subscriptions")
    return text["footer"].format(url=url, **values) if url else text["footer_no_link"].format(**values)


# --- alerts --------------------------------------------------------------------------------------


def _stage(code: str, lang: str) -> str:
    return stage_name(code, lang)


def alert_line(alert: Alert, lang: str, clean=lambda value: value) -> str:
    """One line for the alert; `clean` is applied to stored text (md_text for Markdown)."""
    text, f = TEXT[lang], alert.facts
    if alert.rule == "attendance_week":
        return text["attendance_week"].format(
            name=clean(f["name"]),
            employee_no=clean(f["employee_no"]),
            week=f["week_start"],
            days=f["on_site_days"],
            required=f["required"],
        )
    if alert.rule == "attendance_two_weeks":
        return text["attendance_two_weeks"].format(
            name=clean(f["name"]),
            employee_no=clean(f["employee_no"]),
            week1=f["weeks"][0],
            week2=f["weeks"][1],
            days1=f["on_site_days"][0],
            days2=f["on_site_days"][1],
            required=max(f["required"]),
        )
    if alert.rule == "plan_missing":
        return text["plan_missing"].format(
            name=clean(f["name"]),
            employee_no=clean(f["employee_no"]),
            month=f["month"],
            deadline=f["deadline"],
            late=f["days_late"],
        )
    if alert.rule == "problem_open":
        return text["problem_open"].format(
            name=clean(f["name"]),
            employee_no=clean(f["employee_no"]),
            customer=clean(f["customer"]),
            date=f["date"],
            age=f["age_days"],
            limit=f["limit"],
            problem=clean(" ".join(str(f["problems"]).split())),
        )
    if alert.rule == "application_behind":
        return _application_line(f, lang, clean)
    if alert.rule == "call_unanswered":
        line = text["call_unanswered"].format(
            call_no=clean(f["call_no"]),
            specialty=specialty_name(f["specialty"], lang),
            mode=mode_name(f["mode"], lang),
            expert=clean(f["expert"]),
            requested=f["requested_at"],
            minutes=f["waiting_minutes"],
            limit=f["limit"],
        )
        if f["manager"] or f["customer"]:
            line += text["call_for"].format(manager=clean(f["manager"] or ""), customer=clean(f["customer"] or ""))
        return line
    if alert.rule == "specialty_thin":
        return text["specialty_thin"].format(
            specialty=specialty_name(f["specialty"], lang), count=f["active_experts"], minimum=f["minimum"]
        )
    if alert.rule == "new_need":
        line = text["new_need"].format(
            customer=clean(f["customer"]),
            account_no=clean(f["account_no"]),
            need=need_name(f["kind"], lang),
            rule=clean(finding_text(f["finding"], lang)),
        )
        return line + _managers(f, lang, clean)
    raise KeyError(alert.rule)


def _managers(facts: dict, lang: str, clean) -> str:
    names = [clean(name) for name in facts.get("managers") or []]
    return TEXT[lang]["managers"].format(names=TEXT[lang]["list_separator"].join(names)) if names else ""


def _application_line(f: dict, lang: str, clean) -> str:
    text = TEXT[lang]
    if f["stalled"]:
        line = text["application_stalled"].format(
            app_no=clean(f["app_no"]),
            customer=clean(f["customer"]),
            stage=_stage(f["stage"], lang),
            days=f["workdays"],
            limit=f"{f['limit']:g}" if f["limit"] is not None else "—",
        )
    else:
        stages = text["list_separator"].join(_stage(stage, lang) for stage in f["over_stages"])
        line = text["application_over"].format(app_no=clean(f["app_no"]), customer=clean(f["customer"]), stages=stages)
    return line + _managers(f, lang, clean)


def by_rule(items: list[Alert]) -> dict[str, list[Alert]]:
    grouped: dict[str, list[Alert]] = {}
    for alert in items:
        grouped.setdefault(alert.rule, []).append(alert)
    return grouped


def alerts_subject(items: list[Alert], at: dt.datetime, lang: str) -> str:
    text = TEXT[lang]
    parts = text["separator"].join(f"{RULE_TITLES[rule][lang]} {len(found)}" for rule, found in by_rule(items).items())
    return text["alerts_subject"].format(app=APP[lang], day=f"{at:%Y-%m-%d}", count=len(items), parts=parts)


def alerts_email(subscription: dict, items: list[Alert], at: dt.datetime, base_url: str | None, lang: str) -> str:
    text = TEXT[lang]
    lines = [
        text["greeting"].format(name=subscription["display_name"]),
        "",
        text["alerts_intro"].format(at=f"{at:%Y-%m-%d %H:%M}"),
        "",
    ]
    for number, (rule, found) in enumerate(by_rule(items).items(), start=1):
        lines.append(
            f"{number}. {RULE_TITLES[rule][lang]}（{len(found)}）"
            if lang == "zh"
            else f"{number}. {RULE_TITLES[rule][lang]} ({len(found)})"
        )
        for alert in found[:MAX_EMAIL_ITEMS]:
            lines.append(f"   - {alert_line(alert, lang)}")
            url = link(base_url, alert.screen, alert.params)
            if url:
                lines.append(f"     {text['view'].format(url=url)}")
        if len(found) > MAX_EMAIL_ITEMS:
            lines.append(f"   {text['more'].format(count=len(found) - MAX_EMAIL_ITEMS)}")
        lines.append("")
    lines += ["--", footer(subscription, base_url, lang)]
    return "\n".join(lines) + "\n"


def alerts_markdown(items: list[Alert], at: dt.datetime, base_url: str | None, lang: str) -> tuple[str, str]:
    """(title, markdown) for a group chat: at most MAX_WEBHOOK_ITEMS lines per rule, each with its link."""
    text = TEXT[lang]
    title = alerts_subject(items, at, lang)
    lines = [f"### {md_text(title)}"]
    for rule, found in by_rule(items).items():
        lines.append(
            f"**{RULE_TITLES[rule][lang]}（{len(found)}）**"
            if lang == "zh"
            else f"**{RULE_TITLES[rule][lang]} ({len(found)})**"
        )
        for alert in found[:MAX_WEBHOOK_ITEMS]:
            url = link(base_url, alert.screen, alert.params)
            line = f"- {alert_line(alert, lang, md_text)}"
            lines.append(f"{line} [{'查看' if lang == 'zh' else 'view'}]({url})" if url else line)
        if len(found) > MAX_WEBHOOK_ITEMS:
            more = text["more"].format(count=len(found) - MAX_WEBHOOK_ITEMS)
            url = link(base_url, "meeting")
            lines.append(f"- [{more}]({url})" if url else f"- {more}")
    return title, "\n".join(lines)


# --- the brief -----------------------------------------------------------------------------------


def brief_subject(at: dt.datetime, lang: str) -> str:
    return TEXT[lang]["brief_subject"].format(app=APP[lang], day=f"{at:%Y-%m-%d}")


def _value(key: str, value: float | None, lang: str) -> str:
    text = TEXT[lang]
    if value is None:
        return text["none"]
    if key in RATE_FIGURES:
        return f"{value * 100:.1f}%"
    unit = text["minutes"] if key == "expert_response" else text["days"]
    return f"{value:,.0f} {unit}" if key == "expert_response" else f"{value:.1f} {unit}"


def _change(key: str, now: float | None, before: float | None, lang: str) -> str:
    text = TEXT[lang]
    if now is None or before is None:
        return text["none"]
    delta = now - before
    if key in RATE_FIGURES:
        delta, unit, digits = delta * 100, text["pp"], 1
    else:
        unit, digits = (text["minutes"], 0) if key == "expert_response" else (text["days"], 1)
    if round(delta, digits) == 0:
        return f"{0:.{digits}f} {unit}"
    return f"{delta:+.{digits}f} {unit}"


def _status(key: str, value: float | None, lang: str) -> str:
    target = TARGETS.get(STATUS_KEYS.get(key, ""))
    state = target.status(value) if target else None
    return TEXT[lang][f"status_{state}"] if state else ""


def figure_rows(figures: dict[str, tuple[float | None, float | None]], lang: str) -> list[tuple[str, str, str, str]]:
    """(name, value, change, status) per headline figure."""
    names = TEXT[lang]["figures"]
    return [
        (names[key], _value(key, now, lang), _change(key, now, before, lang), _status(key, now, lang))
        for key, (now, before) in figures.items()
    ]


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def brief_email(
    subscription: dict, figures: dict, window: Window, at: dt.datetime, base_url: str | None, lang: str
) -> str:
    text = TEXT[lang]
    previous = window.previous()
    header = (text["figure"], text["value"], text["change"], text["status"])
    rows = figure_rows(figures, lang)
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(4)]
    table = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    url = link(
        base_url,
        "overview",
        {"from": window.start.isoformat(), "to": window.end.isoformat(), **_scope_params(subscription)},
    )
    lines = [
        text["greeting"].format(name=subscription["display_name"]),
        "",
        text["brief_intro"].format(app=APP[lang], day=f"{at:%Y-%m-%d}"),
        text["brief_window"].format(
            start=window.start,
            end=window.end,
            weeks=window.days // 7,
            prev_start=previous.start,
            prev_end=previous.end,
            scope=scope_text(subscription, lang),
        ),
        "",
        *table,
        "",
    ]
    if url:
        lines.append(text["overview"].format(url=url))
    lines += [text["attachment"].format(as_of=f"{at:%Y-%m-%d}"), "", "--", footer(subscription, base_url, lang)]
    return "\n".join(lines) + "\n"


def brief_markdown(
    subscription: dict, figures: dict, window: Window, at: dt.datetime, base_url: str | None, lang: str
) -> tuple[str, str]:
    text = TEXT[lang]
    title = brief_subject(at, lang)
    lines = [
        f"### {md_text(title)}",
        md_text(
            text["brief_window"].format(
                start=window.start,
                end=window.end,
                weeks=window.days // 7,
                prev_start=window.previous().start,
                prev_end=window.previous().end,
                scope=scope_text(subscription, lang),
            )
        ),
    ]
    for name, value, change, status in figure_rows(figures, lang):
        lines.append(
            f"- {name}：**{value}**（{change}）{status}"
            if lang == "zh"
            else f"- {name}: **{value}** ({change}) {status}".rstrip()
        )
    url = link(
        base_url,
        "overview",
        {"from": window.start.isoformat(), "to": window.end.isoformat(), **_scope_params(subscription)},
    )
    if url:
        lines.append(f"[{text['overview'].format(url='').rstrip('：: ')}]({url})")
    return title, "\n".join(lines)


def _scope_params(subscription: dict) -> dict:
    kind = subscription["scope_kind"]
    return {kind: subscription["scope_value"]} if kind in ("town", "team") else {}
