"""Targets of the headline KPIs and their red/amber/green status: the figure catalogue's
(metrics.figures.TARGETS), where a target is changed once for every screen, the PDF brief and
docs/figures.md. No streamlit import: tests call `status()` directly.
"""

from __future__ import annotations

from metrics.figures import (  # noqa: F401  (this module is the UI's name for them)
    LEAD_TIME_REDUCTION_TARGET_DAYS,
    TARGETS,
    Target,
    specialty_status,
    status,
)
