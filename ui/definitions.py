"""KPI definitions (口径说明) in Chinese and English: the topics of the figure catalogue.

The texts live in metrics.figures.TOPICS (one catalogue for names, scopes, units, definitions and
targets); this module is the UI's view of them. They carry {placeholders} for the office's
settings (data_access.settings: min_onsite_days, ...), so the expander shows the thresholds in
force. `definition_text(key, lang, settings)` fills them; `ui.components.definition(key)` draws the
expander. Every KPI shown on a screen must have an entry (tests/test_app_shell.py checks it).
"""

from __future__ import annotations

from metrics.figures import TOPICS, Topic

Definition = Topic
DEFINITIONS: dict[str, Topic] = TOPICS


def definition_text(key: str, lang: str, settings: dict[str, float]) -> str:
    """The definition of KPI `key` in `lang` with the current settings filled in (KeyError if none)."""
    entry = DEFINITIONS[key]
    template = entry.en if lang == "en" else entry.zh
    return template.format(**settings)


def definition_name(key: str, lang: str) -> str:
    entry = DEFINITIONS[key]
    return entry.name_en if lang == "en" else entry.name_zh
