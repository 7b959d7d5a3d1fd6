"""Words of failures (ui.errors): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # Failures (ui/errors.py): the database page and a failed save; err_<code> per data_access.failures code
    "err_title": ("数据库暂时无法使用", "The database is unavailable"),
    "err_unreachable": (
        "数据库暂时无法连接，请稍后重试或联系管理员。",
        "The database cannot be reached right now; try again later or contact the administrator.",
    ),
    "err_missing": (
        "找不到数据库，请联系管理员检查数据库配置。",
        "The database was not found; ask the administrator to check the database setting.",
    ),
    "err_corrupt": (
        "数据库文件已损坏或不是本看板的数据库，请联系管理员从备份恢复。",
        "The database file is damaged or is not this dashboard's database; ask the administrator to restore a backup.",
    ),
    "err_read_only": (
        "数据库当前为只读，暂时不能保存，请联系管理员。",
        "The database is read-only at the moment; nothing can be saved. Contact the administrator.",
    ),
    "err_busy": (
        "数据库正忙（其他保存或导入正在进行），请稍后再试。",
        "The database is busy (another save or import is running); try again in a moment.",
    ),
    "err_timeout": (
        "数据库响应超时，请稍后重试或联系管理员。",
        "The database did not answer in time; try again later or contact the administrator.",
    ),
    "err_schema": (
        "数据库结构与本程序版本不一致，请联系管理员。",
        "The database's structure does not match this version of the dashboard; contact the administrator.",
    ),
    "err_other": (
        "数据库出错，请稍后重试或联系管理员。",
        "The database reported an error; try again later or contact the administrator.",
    ),
    "err_reference": ("错误编号：{ref}（联系管理员时请提供）", "Reference: {ref} (quote it to the administrator)"),
    "err_form_kept": (
        "本次没有保存，您填写的内容仍在表单中，稍后可再次保存。",
        "Nothing was saved; what you typed is still in the form, so you can save again later.",
    ),
    "err_retry": ("重试", "Retry"),
    "err_unexpected": (
        "页面出现意外错误（错误编号：{ref}），详情已记录在服务器日志中。请刷新页面重试，或联系管理员。",
        "Something went wrong on this page (reference {ref}); the details are in the server log. Reload the page or contact the administrator.",
    ),
}
