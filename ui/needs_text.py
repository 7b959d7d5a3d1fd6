"""A needs finding (metrics.needs) in words: its parts' catalogue entries, joined with "; ".

Free of Streamlit, so the brief, the agenda and the notifications render findings as the
screen does.
"""

from __future__ import annotations

from ui.words import word


def finding_text(finding, lang: str) -> str:
    """The sentence of `finding`, (code, parameters) pairs, in `lang` (zh or en)."""
    return "; ".join(word("nf_" + code, lang, **values) for code, values in finding)
