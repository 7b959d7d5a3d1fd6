"""Words of logging in and sessions: each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # Login
    "login_form": ("登录", "Log in"),
    "login_username": ("用户名", "Username"),
    "login_password": ("密码", "Password"),
    "login_submit": ("登录", "Log in"),
    "login_failed": ("用户名或密码错误，或账号已停用。", "Wrong username or password, or the account is inactive."),
    "login_hint": ("请使用分配的账号登录。", "Log in with the account you were given."),
    "login_no_users": (
        "数据库中还没有可登录的账号：请运行 python manage.py users add 用户名 --role office（或 python manage.py demo 载入演示数据和演示账号）。",
        "The database has no account yet: run python manage.py users add NAME --role office (or python manage.py demo for the demo data and demo accounts).",
    ),
    "login_error": ("登录失败：{error}", "Login failed: {error}"),
    "logout": ("退出登录", "Log out"),
    "signed_in_as": ("{name} · {role}", "{name} · {role}"),
    # Sessions and login failures (data_access.sessions)
    "login_locked": (
        "该用户名连续登录失败次数过多，已锁定至 {until}，请届时再试或请办公室解锁。",
        "Too many failed logins for this username: locked until {until}. Try again then, or ask the office to unlock it.",
    ),
    "login_wait": (
        "本机登录失败次数过多，请 {seconds} 秒后再试。",
        "Too many failed logins from this computer: try again in {seconds} s.",
    ),
    "session_end_idle": (
        "会话已因超过 {minutes} 分钟无操作而结束，请重新登录。",
        "Your session ended after {minutes} minutes without activity; please log in again.",
    ),
    "session_end_expired": (
        "会话已超过最长有效期，请重新登录。",
        "Your session reached its maximum lifetime; please log in again.",
    ),
    "session_end_password": (
        "密码已更改，请用新密码重新登录。",
        "The password was changed; please log in with the new one.",
    ),
    "session_end_role": ("您的角色已变更，请重新登录。", "Your role was changed; please log in again."),
    "session_end_admin": ("办公室已结束您的会话，请重新登录。", "The office ended your session; please log in again."),
    "demo_accounts_banner": (
        "演示数据库：演示账号 {users} 仍使用公开的演示密码，正式使用前请在“用户管理”中停用或改密。",
        "Demo database: the demo accounts {users} still have the published demo password. Deactivate them or change their passwords (Users) before real use.",
    ),
}
