"""Targets of the headline KPIs and their red/amber/green status, in one place.

A KPI is green at or beyond `green`, amber at or beyond `amber`, red
otherwise; for KPIs where lower is better (response minutes, lead days) the
comparisons turn around. Change a target here and every screen follows.
No streamlit import: tests call `status()` directly.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    green: float
    amber: float
    higher_is_better: bool = True
    unit: str = "rate"  # rate (fraction 0..1), minutes, days, count

    def status(self, value: float | None) -> str | None:
        """green / amber / red, or None when there is no value."""
        if value is None:
            return None
        if self.higher_is_better:
            return "green" if value >= self.green else "amber" if value >= self.amber else "red"
        return "green" if value <= self.green else "amber" if value <= self.amber else "red"


# The seed's headline: resident-served customers get connected 18 days sooner.
LEAD_TIME_REDUCTION_TARGET_DAYS = 18.0

TARGETS: dict[str, Target] = {
    "attendance": Target(0.90, 0.75),
    "log_completeness": Target(0.90, 0.75),
    "training": Target(1.00, 0.90),
    "problem_closure": Target(0.90, 0.75),
    "monthly_plans": Target(0.90, 0.75),
    "expert_coverage": Target(1.00, 0.75),
    # Minutes from request to response (median).
    "expert_response": Target(60, 120, higher_is_better=False, unit="minutes"),
    "lead_time_reduction": Target(LEAD_TIME_REDUCTION_TARGET_DAYS, 12, unit="days"),
}


def specialty_status(active_experts: int, minimum: float) -> str:
    """A specialty's status in every coverage chart: red below the minimum of active experts, else green."""
    return "green" if active_experts >= minimum else "red"


def status(key: str, value: float | None) -> str | None:
    """The status of KPI `key` at `value`; None for no value or a KPI without a target."""
    target = TARGETS.get(key)
    return target.status(value) if target else None
