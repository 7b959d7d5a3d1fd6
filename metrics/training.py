"""Pre-posting training compliance 岗前培训合规率 (data contract, section 3).

Over managers whose first posting starts on or before the window's end,
counting only training and assessments dated on or before that start:
total hours >= min_training_hours, skill hours / total >= min_skill_share,
and at least one passed assessment.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from data_access.models import Assessment, Manager, Posting, Training
from metrics import calendar as cal
from metrics.sql import scoped_manager_ids
from metrics.window import Scope, Window

DETAIL_COLUMNS = [
    "employee_no",
    "name",
    "first_posting_start",
    "total_hours",
    "skill_hours",
    "skill_share",
    "passed",
    "compliant",
    "reasons",
]
# Why a manager is not compliant; the screens translate the codes.
REASONS = {
    "hours_short": ("岗前培训学时不足", "training hours short"),
    "skill_share_short": ("技能操作学时占比不足", "skill share short"),
    "no_passed_assessment": ("无合格考察记录", "no passed assessment"),
}
# Hours are decimals (e.g. 5.3 h); their float sums miss thresholds by ~1e-15.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class TrainingResult:
    managers: int
    compliant: int
    rate: float | None
    detail: pd.DataFrame  # DETAIL_COLUMNS, sorted by employee_no; reasons = list of REASONS codes


def compliance(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> TrainingResult:
    first = select(Posting.manager_id, func.min(Posting.start_date).label("first_start")).group_by(Posting.manager_id)
    manager_ids = scoped_manager_ids(scope, window)
    if manager_ids is not None:
        first = first.where(Posting.manager_id.in_(manager_ids))
    first = first.having(func.min(Posting.start_date) <= window.end).subquery("first_posting")

    hours = (
        select(
            first.c.manager_id,
            func.sum(Training.hours).label("total_hours"),
            func.sum(case((Training.kind == "skill", Training.hours), else_=0.0)).label("skill_hours"),
        )
        .join_from(
            first, Training, and_(Training.manager_id == first.c.manager_id, Training.date <= first.c.first_start)
        )
        .group_by(first.c.manager_id)
        .subquery("pre_posting_hours")
    )
    passed = (
        select(first.c.manager_id, func.max(case((Assessment.passed.is_(True), 1), else_=0)).label("passed"))
        .join_from(
            first, Assessment, and_(Assessment.manager_id == first.c.manager_id, Assessment.date <= first.c.first_start)
        )
        .group_by(first.c.manager_id)
        .subquery("pre_posting_pass")
    )
    total = func.coalesce(hours.c.total_hours, 0.0)
    skill = func.coalesce(hours.c.skill_hours, 0.0)
    query = (
        select(
            Manager.employee_no,
            Manager.name,
            first.c.first_start,
            total.label("total_hours"),
            skill.label("skill_hours"),
            case((total >= settings["min_training_hours"] - TOLERANCE, 1), else_=0).label("hours_ok"),
            case((and_(total > 0, skill >= settings["min_skill_share"] * total - TOLERANCE), 1), else_=0).label(
                "share_ok"
            ),
            func.coalesce(passed.c.passed, 0).label("passed"),
        )
        .join_from(first, Manager, Manager.id == first.c.manager_id)
        .join(hours, hours.c.manager_id == first.c.manager_id, isouter=True)
        .join(passed, passed.c.manager_id == first.c.manager_id, isouter=True)
    )
    detail = pd.DataFrame(
        sorted((_detail_row(row) for row in conn.execute(query).mappings()), key=lambda r: r["employee_no"]),
        columns=DETAIL_COLUMNS,
    )
    managers, compliant = len(detail), int(detail["compliant"].sum())
    return TrainingResult(managers, compliant, cal.rate(compliant, managers), detail)


def totals_by_window(
    conn: Connection, windows: list[Window], settings: dict, scope: Scope = Scope()
) -> list[tuple[int, int]]:
    """(managers, compliant) of compliance() for each window. A manager's compliance depends only
    on their first posting, so one run up to the latest end serves every window (its managers whose
    first posting starts by the window's end); a town scope depends on the window, so window by window."""
    if scope.town is not None:
        return [(r.managers, r.compliant) for r in (compliance(conn, w, settings, scope) for w in windows)]
    detail = compliance(
        conn, Window(min(w.start for w in windows), max(w.end for w in windows)), settings, scope
    ).detail
    totals = []
    for window in windows:
        counted = detail[detail["first_posting_start"] <= window.end]
        totals.append((len(counted), int(counted["compliant"].sum())))
    return totals


def _detail_row(row) -> dict:
    total, skill = float(row["total_hours"]), float(row["skill_hours"])
    checks = {
        "hours_short": row["hours_ok"],
        "skill_share_short": row["share_ok"],
        "no_passed_assessment": row["passed"],
    }
    reasons = [code for code, ok in checks.items() if not ok]
    return {
        "employee_no": row["employee_no"],
        "name": row["name"],
        "first_posting_start": row["first_start"],
        "total_hours": total,
        "skill_hours": skill,
        "skill_share": skill / total if total else None,
        "passed": bool(row["passed"]),
        "compliant": not reasons,
        "reasons": reasons,
    }


def section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's `training` section."""
    result = compliance(conn, window, settings)
    non_compliant = sorted(result.detail.loc[~result.detail["compliant"].astype(bool), "employee_no"])
    return {
        "managers": result.managers,
        "compliant": result.compliant,
        "rate": result.rate,
        "non_compliant": non_compliant,
    }
