"""Words of experts entry (专家): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "eex_caption": (
        "增加、修改或删除专家；仍有调用记录的专家不能删除，可改为不在岗。",
        "Add, change or delete experts; an expert with calls cannot be deleted: mark them inactive.",
    ),
    "eex_search_hint": ("专家编号或姓名", "expert no. or name"),
}
