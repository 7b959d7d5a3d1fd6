"""Problems of the write path and the importer that come as codes, in words.

The posting gate (data_access.gate) refuses with the code posting_gate and its numbers; other
codes of the lifecycle (e.g. outage_not_posted) have a word lc_problem_<code>; the words are in
ui/words/lifecycle.py. Every other problem still carries its own message. Free of
Streamlit, so the CLI words problems as the screens do.
"""

from __future__ import annotations

from data_access.gate import PROBLEM_CODE
from ui.words.lifecycle import WORDS

LANGUAGES = ("zh", "en")  # the order of each entry's pair


def _word(key: str, lang: str, **values) -> str:
    return WORDS[key][LANGUAGES.index(lang)].format(**values)


def gate_text(params: dict, lang: str) -> str:
    """The refusal of a posting that does not meet the gate, with each shortfall."""
    separator = "；" if lang == "zh" else "; "
    reasons = separator.join(_word(f"lc_gate_{code}", lang, **params) for code in params["reasons"])
    return _word("lc_gate_refused", lang, **{**params, "reasons": reasons})


def problem_text(problem, lang: str) -> str:
    """A WriteProblem's or ImportProblem's message in `lang` (zh / en)."""
    if problem.code == PROBLEM_CODE:
        return gate_text(problem.params, lang)
    if f"lc_problem_{problem.code}" in WORDS:
        return _word(f"lc_problem_{problem.code}", lang, **problem.params)
    return problem.message(lang)
