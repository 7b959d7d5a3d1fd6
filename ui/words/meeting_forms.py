"""Words of the joint meeting's forms (views/meeting.py) beyond the mt_ keys of ui/strings.py."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "mt_item_row": ("督办事项第 {row} 行", "action item {row}"),
}
