"""Words of the delivery log (发送记录): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "dlv_caption": (
        "定时任务 python manage.py notify 发送的每一条消息：失败的会在下次运行时重试，达到最多尝试次数后放弃。",
        "Every message the scheduled python manage.py notify sent: a failed one is retried at the next run, and given up after the maximum attempts.",
    ),
    "dlv_config": (
        "发送设置（来自服务器环境变量或 .streamlit/secrets.toml，本页只显示是否配置，不显示密码和密钥）",
        "Sending settings (from the server's environment or .streamlit/secrets.toml; this screen shows whether they are set, never passwords or keys)",
    ),
    "dlv_smtp_ok": ("邮件服务器：{host}:{port}，发件人 {sender}", "Mail server: {host}:{port}, sender {sender}"),
    "dlv_smtp_missing": (
        "邮件服务器未配置（DASHBOARD_SMTP_URL）：邮件订阅不会发送。",
        "No mail server (DASHBOARD_SMTP_URL): email subscriptions are not sent.",
    ),
    "dlv_smtp_bad": ("邮件服务器设置有误：{error}", "The mail server setting is wrong: {error}"),
    "dlv_base_url": ("消息中的链接：{url}", "Links in messages: {url}"),
    "dlv_base_url_missing": (
        "未设置看板地址（DASHBOARD_BASE_URL）：消息中没有链接。",
        "No dashboard address (DASHBOARD_BASE_URL): messages carry no links.",
    ),
    "dlv_webhooks": ("群机器人：{names}", "Group webhooks: {names}"),
    "dlv_no_webhooks": ("群机器人：未配置", "Group webhooks: none"),
    "dlv_counts": ("近 7 天", "Last 7 days"),
    "dlv_status": ("状态", "Status"),
    "dlv_all": ("全部", "All"),
    "dlv_since": ("起始日期", "From"),
    "dlv_none": ("没有发送记录。", "No deliveries."),
    "dlv_pick": ("查看一条消息的内容", "Show a message"),
    "dlv_status_pending": ("待发送", "pending"),
    "dlv_status_sending": ("发送中", "sending"),
    "dlv_status_sent": ("已发送", "sent"),
    "dlv_status_failed": ("失败待重试", "failed, to retry"),
    "dlv_status_abandoned": ("已放弃", "given up"),
    "dlv_col_created": ("生成时间", "Made"),
    "dlv_col_slot": ("计划时间", "Scheduled"),
    "dlv_col_kind": ("类型", "Kind"),
    "dlv_col_channel": ("方式", "Channel"),
    "dlv_col_recipient": ("收件人", "Recipient"),
    "dlv_col_owner": ("订阅人", "Subscriber"),
    "dlv_col_subject": ("主题", "Subject"),
    "dlv_col_items": ("提醒数", "Alerts"),
    "dlv_col_status": ("状态", "Status"),
    "dlv_col_attempts": ("尝试次数", "Attempts"),
    "dlv_col_sent": ("发送时间", "Sent"),
    "dlv_col_error": ("错误", "Error"),
    "dlv_attachment": ("附件：{name}", "Attachment: {name}"),
}
