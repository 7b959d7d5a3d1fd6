"""Words of the navigation: each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # Navigation
    "nav_section_screens": ("看板", "Dashboard"),
    "nav_section_entry": ("数据填报", "Data entry"),
    "nav_section_admin": ("管理", "Administration"),
    "nav_section_account": ("账号", "Account"),
    "nav_overview": ("驾驶舱", "Cockpit"),
    "nav_attendance": ("驻点考勤", "Attendance"),
    "nav_experts": ("专家智库", "Expert pool"),
    "nav_customers": ("客户分层", "Customer segments"),
    "nav_lead_time": ("接电时长", "Connection lead time"),
    "nav_needs": ("需求筛查", "Needs screening"),
    "nav_meeting": ("联席会议", "Joint meeting"),
    "nav_login": ("登录", "Log in"),
    # Data entry (views/entry_*.py, import_data, audit; ui/forms.py)
    "nav_entry_log": ("工作日志", "Work log"),
    "nav_entry_plan": ("月度计划", "Monthly plan"),
    "nav_entry_calls": ("专家调用", "Expert calls"),
    "nav_entry_customers": ("客户维护", "Customers"),
    "nav_entry_experts": ("专家库维护", "Expert roster"),
    "nav_entry_managers": ("派驻经理维护", "Managers"),
    "nav_entry_applications": ("业扩报装维护", "Applications"),
    "nav_entry_consumption": ("月度用电维护", "Monthly consumption"),
    "nav_import_data": ("数据导入", "Import"),
    "nav_entry_settings": ("参数设置", "Settings"),
    "nav_entry_users": ("用户管理", "Users"),
    "nav_audit": ("操作日志", "Audit trail"),
    "nav_account": ("我的账号", "My account"),
    # Subscriptions and alerts (views/subscriptions.py, views/deliveries.py; email on views/account.py)
    "nav_subscriptions": ("订阅与提醒", "Subscriptions"),
    "nav_deliveries": ("发送记录", "Delivery log"),
    # Holiday calendar (views/holiday_calendar.py, ui/reminders.py)
    "nav_calendar": ("节假日日历", "Holiday calendar"),
}
