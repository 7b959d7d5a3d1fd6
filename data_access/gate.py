"""The posting gate (program rules 6-7): a manager is trained and assessed before being posted.

A posting whose start_date is on or after the setting posting_gate_from is accepted only when,
counting the manager's training and assessments dated on or before that start_date,
- total training hours >= min_training_hours,
- skill (hands-on) hours / total hours >= min_skill_share, and
- at least one assessment is passed,
or when its gate_override gives the office's reason (stored with the posting and audited with
the action "gate_override"). Postings that start before posting_gate_from are history.

The same rule as pre-posting training compliance (metrics.training), per posting rather than per
first posting; the shortfalls use its codes: hours_short, skill_share_short, no_passed_assessment.
Checked in the write path: writes.save_in (forms, bulk edits) and the importer (whose training
and assessment rows of the same file count: it checks inside a savepoint holding them).
Results are codes and numbers; ui/words/lifecycle.py puts them into words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Date, Integer, and_, case, func, literal, select, union_all
from sqlalchemy.engine import Connection

from data_access.models import Assessment, Training
from data_access.settings import setting_date

# Hours are decimals (e.g. 5.3 h); their float sums miss thresholds by ~1e-15 (as metrics.training).
TOLERANCE = 1e-9
CHUNK = 400  # (manager, start) pairs per query
PROBLEM_CODE = "posting_gate"  # the WriteProblem / ImportProblem code of a refused posting
AUDIT_ACTION = "gate_override"  # the audit entry of a posting accepted by the office's reason


@dataclass(frozen=True)
class GateCheck:
    """How one manager stood on one day: the hours, share and pass counted, and the shortfalls."""

    total_hours: float
    skill_hours: float
    passed_assessment: bool
    reasons: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not self.reasons

    @property
    def skill_share(self) -> float | None:
        return self.skill_hours / self.total_hours if self.total_hours else None

    def params(self, settings: dict[str, float], start_date: dt.date) -> dict:
        """The parameters of the refusal's words (ui/words/lifecycle.py)."""
        return {
            "reasons": list(self.reasons),
            "start_date": start_date.isoformat(),
            "total_hours": round(self.total_hours, 2),
            "skill_share": self.skill_share or 0.0,
            "min_hours": settings["min_training_hours"],
            "min_share": settings["min_skill_share"],
        }


def gate_from(settings: dict[str, float]) -> dt.date | None:
    """The first start date the gate applies to (None: not set, the gate applies to none)."""
    return setting_date(settings, "posting_gate_from")


def applies(start_date: dt.date | None, settings: dict[str, float]) -> bool:
    """True when a posting starting on `start_date` must pass the gate."""
    first = gate_from(settings)
    return start_date is not None and first is not None and start_date >= first


def needed(stored: dict | None, new: dict) -> bool:
    """True when saving a posting must pass the gate again: it is new, its manager or start date
    changes, or the office's override reason is taken away (both rows in contract form)."""
    if stored is None:
        return True
    return (
        stored["employee_no"] != new["employee_no"]
        or stored["start_date"] != new["start_date"]
        or bool(stored.get("gate_override"))
        and not new.get("gate_override")
    )


def _wanted(pairs: list[tuple[int, dt.date]]):
    """The (manager_id, start_date) pairs as a subquery (a UNION ALL of one-row SELECTs: portable)."""
    rows = [
        select(literal(manager_id, Integer).label("manager_id"), literal(start, Date).label("start_date"))
        for manager_id, start in pairs
    ]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("wanted")


def _check_chunk(
    conn: Connection, pairs: list[tuple[int, dt.date]], settings: dict[str, float]
) -> dict[tuple[int, dt.date], GateCheck]:
    wanted = _wanted(pairs)

    def up_to(model):
        return and_(model.manager_id == wanted.c.manager_id, model.date <= wanted.c.start_date)

    hours = (
        select(
            wanted.c.manager_id,
            wanted.c.start_date,
            func.sum(Training.hours).label("total"),
            func.sum(case((Training.kind == "skill", Training.hours), else_=0.0)).label("skill"),
        )
        .join_from(wanted, Training, up_to(Training))
        .group_by(wanted.c.manager_id, wanted.c.start_date)
        .subquery("hours")
    )
    passed = (
        select(
            wanted.c.manager_id,
            wanted.c.start_date,
            func.max(case((Assessment.passed.is_(True), 1), else_=0)).label("passed"),
        )
        .join_from(wanted, Assessment, up_to(Assessment))
        .group_by(wanted.c.manager_id, wanted.c.start_date)
        .subquery("passed")
    )

    def same(other):
        return and_(other.c.manager_id == wanted.c.manager_id, other.c.start_date == wanted.c.start_date)

    query = (
        select(
            wanted.c.manager_id,
            wanted.c.start_date,
            func.coalesce(hours.c.total, 0.0).label("total"),
            func.coalesce(hours.c.skill, 0.0).label("skill"),
            func.coalesce(passed.c.passed, 0).label("passed"),
        )
        .select_from(wanted)
        .join(hours, same(hours), isouter=True)
        .join(passed, same(passed), isouter=True)
    )
    checks = {}
    for row in conn.execute(query).mappings():
        start = row["start_date"]
        if isinstance(start, str):  # SQLite returns a literal's date as text
            start = dt.date.fromisoformat(start)
        checks[(int(row["manager_id"]), start)] = _judge(
            float(row["total"]), float(row["skill"]), bool(row["passed"]), settings
        )
    return checks


def _judge(total: float, skill: float, passed: bool, settings: dict[str, float]) -> GateCheck:
    reasons = []
    if total < settings["min_training_hours"] - TOLERANCE:
        reasons.append("hours_short")
    if not (total > 0 and skill >= settings["min_skill_share"] * total - TOLERANCE):
        reasons.append("skill_share_short")
    if not passed:
        reasons.append("no_passed_assessment")
    return GateCheck(total, skill, passed, tuple(reasons))


def check_many(
    conn: Connection, pairs: Iterable[tuple[int, dt.date]], settings: dict[str, float]
) -> dict[tuple[int, dt.date], GateCheck]:
    """GateCheck of each (manager_id, start_date), whether or not the gate applies to it."""
    unique = sorted(set(pairs))
    checks: dict[tuple[int, dt.date], GateCheck] = {}
    for offset in range(0, len(unique), CHUNK):
        checks.update(_check_chunk(conn, unique[offset : offset + CHUNK], settings))
    return checks


def missing(settings: dict[str, float]) -> GateCheck:
    """The check of a manager with no records at all (e.g. not stored yet)."""
    return _judge(0.0, 0.0, False, settings)


def check(conn: Connection, manager_id: int, start_date: dt.date, settings: dict[str, float]) -> GateCheck:
    """GateCheck of one manager for a posting starting on `start_date`."""
    return check_many(conn, [(manager_id, start_date)], settings)[(manager_id, start_date)]
