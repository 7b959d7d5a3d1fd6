"""Words of applications (业扩报装): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "eap_caption": (
        "维护业扩报装各环节日期；一次保存全部修改。",
        "Keep the stage dates of connection applications; one save writes every change.",
    ),
    "eap_search_hint": ("申请编号或户号", "application no. or account no."),
    "eap_open_only": ("只看未接电", "Not yet energized only"),
}
