"""Words of customers entry (客户): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "ecu_caption": (
        "批量修改客户分层字段；一次保存全部修改，有任何错误则都不保存。",
        "Edit customers' segment fields in bulk; one save writes every change, or none if any row is bad.",
    ),
    "ecu_search_hint": ("户号或户名", "account no. or name"),
    "ecu_add": ("新增客户", "Add a customer"),
    "ecu_added": ("已新增客户 {account_no}。", "Added customer {account_no}."),
}
