"""A needs finding (metrics.needs) in words: its parts' catalogue entries, joined with "; ".

Free of Streamlit, so the brief, the agenda and the notifications render findings as the
screen does.
"""

from __future__ import annotations

from ui.words.needs_findings import WORDS

LANGUAGES = ("zh", "en")  # the order of each entry's pair


def finding_text(finding, lang: str) -> str:
    """The sentence of `finding`, (code, parameters) pairs, in `lang` (zh or en)."""
    index = LANGUAGES.index(lang)
    return "; ".join(WORDS["nf_" + code][index].format(**values) for code, values in finding)
