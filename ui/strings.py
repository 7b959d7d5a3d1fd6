"""Every UI string of the dashboard, in Chinese (default) and English: `t(key, **values)`.

The words live in the catalogue, `ui/words/<topic>.py`, each key holding its zh and en text side by
side; a screen's keys share a prefix (`att_` attendance, `lt_` lead time, ...). `t(key)` gives the
text in the current language (`?lang=en` or the sidebar switch), `t(key, name=...)` fills its
{placeholders}. KPI names (kpi_*) and definitions (口径说明) come from the figure catalogue,
metrics/figures.py.
"""

from __future__ import annotations

from metrics.figures import FIGURES
from ui import state
from ui.words import catalogue

# kpi_<key> names that are figures of the catalogue: their names come from it.
KPI_FIGURES = {
    "attendance": "attendance_rate",
    "log_completeness": "log_completeness_rate",
    "training": "training_rate",
    "expert_coverage": "expert_covered_specialties",
    "expert_response": "expert_median_response",
    "lead_time_reduction": "lead_reduction",
    "lead_time_adjusted": "lead_adjusted",
    "problem_closure": "problem_closure_rate",
    "monthly_plans": "monthly_plans_rate",
    "expert_calls": "expert_calls",
    "needs_capacity_increase": "needs_capacity_increase",
    "needs_basic_charge": "needs_basic_charge",
    "needs_surge": "needs_surge",
    "needs_direct_trading": "needs_direct_trading",
}


def _kpi_names(lang: str) -> dict[str, str]:
    return {f"kpi_{key}": FIGURES[figure].name(lang) for key, figure in KPI_FIGURES.items()}


LANGUAGES = ("zh", "en")


def _catalogue(index: int) -> dict[str, str]:
    """key -> text in one language (0: zh, 1: en): the catalogue's words and the KPI names."""
    words = {key: pair[index] for key, pair in catalogue().items()}
    return words | _kpi_names(LANGUAGES[index])


ZH: dict[str, str] = _catalogue(0)
EN: dict[str, str] = _catalogue(1)

STRINGS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


def language() -> str:
    """The current language code: zh (default) or en."""
    return state.language()


def t(key: str, lang: str | None = None, **values) -> str:
    """The string `key` in the current (or given) language, with {placeholders} filled."""
    text = STRINGS[lang or language()][key]
    return text.format(**values) if values else text
