"""Words of the account page (我的账号): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "acc_caption": ("账号 {username} · {role}", "Account {username} · {role}"),
    "acc_rules": (
        "密码规则：至少 {min} 个字符，含小写字母、大写字母、数字、符号中的至少 {classes} 类，不含用户名，不能是常见密码。",
        "Password rules: at least {min} characters mixing at least {classes} of lower-case, upper-case, digits and symbols, without the username, not a common password.",
    ),
    "acc_current": ("当前密码", "Current password"),
    "acc_new": ("新密码", "New password"),
    "acc_repeat": ("再次输入新密码", "New password again"),
    "acc_change": ("修改密码", "Change the password"),
    "acc_password_changed": (
        "密码已修改；您在其他设备上的登录已退出。",
        "Password changed; your logins on other devices have been logged out.",
    ),
    "acc_due_first": (
        "这是办公室为您设置的初始密码，请先设置自己的密码，然后才能使用看板。",
        "This is the first password the office set for you: choose your own before using the dashboard.",
    ),
    "acc_due_expired": (
        "您的密码已超过规定的使用期限，请先修改密码，然后才能使用看板。",
        "Your password is older than the allowed period: change it before using the dashboard.",
    ),
    "acc_email": ("邮箱（接收订阅的简报和提醒）", "Email (for the briefs and alerts you subscribe to)"),
    "acc_email_save": ("保存邮箱", "Save the email address"),
    "acc_email_saved": ("邮箱已保存：{email}", "Email address saved: {email}"),
    "acc_email_removed": (
        "邮箱已删除，邮件订阅将不再发送。",
        "Email address removed; email subscriptions will not be sent.",
    ),
    "acc_email_help": (
        "留空即删除。订阅在“订阅与提醒”页管理。",
        "Leave empty to remove it. Subscriptions are on the Subscriptions screen.",
    ),
}
