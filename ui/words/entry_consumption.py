"""Words of monthly consumption (月度用电): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "ecn_caption": (
        "按客户或按月份维护月度用电量和最大需量。",
        "Monthly consumption and maximum demand, by customer or by month.",
    ),
    "ecn_view": ("视图", "View"),
    "ecn_view_customer": ("按客户", "By customer"),
    "ecn_view_month": ("按月份", "By month"),
    "ecn_customer_search": ("查找客户", "Find a customer"),
    "ecn_type_customer": ("输入户号或户名查找客户。", "Type an account no. or name to find the customer."),
    "ecn_no_customer": ("没有找到“{search}”。", "Nothing found for '{search}'."),
    "ecn_customer": ("客户", "Customer"),
    "ecn_month": ("月份", "Month"),
}
