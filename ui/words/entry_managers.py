"""Words of managers (派驻经理): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "ema_caption": (
        "派驻经理名册；选择一名经理可维护其培训、考察和派驻记录。",
        "The managers' roster; pick a manager to edit their training, assessments and postings.",
    ),
    "ema_search_hint": ("工号、姓名或班组", "employee no., name or team"),
    "ema_one_manager": ("单个派驻经理", "One manager"),
    "ema_tab_training": ("培训记录", "Training"),
    "ema_tab_assessments": ("考察", "Assessments"),
    "ema_tab_postings": ("派驻登记", "Postings"),
    "ema_handover": ("按客户查看派驻（交接）", "Postings of a customer (handovers)"),
    "ema_handover_caption": (
        "交接：给离任经理的派驻填写结束日期，再为接任经理新增派驻并填写交接说明。",
        "Handover: give the leaving manager's posting an end date, then add the successor's posting with a handover note.",
    ),
    "ema_customer": ("客户户号", "Customer account no."),
    "ema_customer_placeholder": ("例如 3700000001", "e.g. 3700000001"),
    "ema_no_postings": ("客户 {account_no} 还没有派驻记录。", "Customer {account_no} has no postings yet."),
}
