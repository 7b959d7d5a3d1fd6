"""Words of the audit screen (操作日志): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "aud_caption": (
        "所有修改的记录：谁在何时改了哪条记录，改前与改后的值。",
        "Every change: who changed which row when, with the values before and after.",
    ),
    "aud_filter_username": ("用户", "User"),
    "aud_filter_table": ("表", "Table"),
    "aud_filter_action": ("操作", "Action"),
    "aud_filter_source": ("来源", "Source"),
    "aud_action_insert": ("新增", "insert"),
    "aud_action_update": ("修改", "update"),
    "aud_action_delete": ("删除", "delete"),
    "aud_col_at": ("时间", "Time"),
    "aud_col_user": ("用户", "User"),
    "aud_col_action": ("操作", "Action"),
    "aud_col_table": ("表", "Table"),
    "aud_col_key": ("记录", "Row"),
    "aud_col_source": ("来源", "Source"),
    "aud_col_changes": ("变化", "Changes"),
    "aud_col_before": ("修改前", "Before"),
    "aud_col_after": ("修改后", "After"),
    "aud_col_field": ("字段", "Field"),
    "aud_pick": ("查看一条记录的详情", "Details of one entry"),
    "aud_file": ("操作日志", "audit_trail"),
    "aud_kind": ("日志类型", "Log"),
    "aud_kind_changes": ("数据修改", "Data changes"),
    "aud_kind_security": ("安全事件", "Security events"),
    "aud_sec_caption": (
        "登录、登录失败、锁定与解锁、退出、会话结束、密码与账号变更；只能追加，任何人不能修改或删除。",
        "Logins, failed logins, locks and unlocks, logouts, session ends, password and account changes; append-only: nobody can change or delete them.",
    ),
    "aud_filter_event": ("事件", "Event"),
    "aud_col_event": ("事件", "Event"),
    "aud_col_account": ("账号", "Account"),
    "aud_col_actor": ("操作人", "By"),
    "aud_col_client": ("客户端地址", "Client address"),
    "aud_col_detail": ("详情", "Details"),
    "aud_sec_file": ("安全事件", "security_events"),
}
