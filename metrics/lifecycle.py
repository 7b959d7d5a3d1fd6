"""A manager's lifecycle state on a day, derived from the records (never typed by hand).

States, on day d, the first that holds:
- posted 已派驻: a posting covers d (start_date <= d, end_date blank or >= d);
- withdrawn 已撤回: a posting started on or before d, but none covers d (all ended);
- assessed_pass 考察合格 / assessed_fail 考察未通过: the latest assessment dated on or before d
  passed / failed (two on the same day: a pass counts);
- in_training 培训中: training dated on or before d, no assessment yet;
- candidate 候选: none of these records yet.

Beside the state each row carries what the roster and the posting form show: the training hours
and hands-on share up to d, the active postings on d (the manager's current load) and whether the
posting gate (data_access.gate, same rule) would let the manager be posted on d.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from data_access.gate import TOLERANCE
from data_access.models import Assessment, Manager, Posting, Training
from metrics.sql import scoped_manager_ids
from metrics.window import Scope, Window

STATES = ("candidate", "in_training", "assessed_fail", "assessed_pass", "posted", "withdrawn")
COLUMNS = [
    "employee_no",
    "name",
    "team",
    "state",
    "total_hours",
    "skill_share",
    "last_assessment_on",
    "active_postings",
    "gate_ok",
]


def _state_query(day: dt.date, settings: dict):
    covering = and_(
        Posting.manager_id == Manager.id,
        Posting.start_date <= day,
        or_(Posting.end_date.is_(None), Posting.end_date >= day),
    )
    active = select(func.count()).select_from(Posting).where(covering).scalar_subquery()
    started = exists().where(Posting.manager_id == Manager.id, Posting.start_date <= day)
    latest, same_day = aliased(Assessment), aliased(Assessment)
    last_on = (
        select(func.max(latest.date))
        .where(latest.manager_id == Manager.id, latest.date <= day)
        .correlate(Manager)
        .scalar_subquery()
    )
    last_passed = (
        select(func.max(case((same_day.passed.is_(True), 1), else_=0)))
        .where(same_day.manager_id == Manager.id, same_day.date == last_on)
        .correlate(Manager)
        .scalar_subquery()
    )
    ever_passed = exists().where(
        Assessment.manager_id == Manager.id, Assessment.date <= day, Assessment.passed.is_(True)
    )
    trained = and_(Training.manager_id == Manager.id, Training.date <= day)
    total = func.coalesce(select(func.sum(Training.hours)).where(trained).scalar_subquery(), 0.0)
    skill = func.coalesce(
        select(func.sum(Training.hours)).where(trained, Training.kind == "skill").scalar_subquery(), 0.0
    )
    state = case(
        (active > 0, "posted"),
        (started, "withdrawn"),
        (last_on.is_not(None), case((last_passed == 1, "assessed_pass"), else_="assessed_fail")),
        (total > 0, "in_training"),
        else_="candidate",
    )
    gate_ok = and_(
        total >= settings["min_training_hours"] - TOLERANCE,
        total > 0,
        skill >= settings["min_skill_share"] * total - TOLERANCE,
        ever_passed,
    )
    return select(
        Manager.id.label("manager_id"),
        Manager.employee_no,
        Manager.name,
        Manager.team,
        state.label("state"),
        total.label("total_hours"),
        skill.label("skill_hours"),
        last_on.label("last_assessment_on"),
        active.label("active_postings"),
        case((gate_ok, 1), else_=0).label("gate_ok"),
    )


def states(
    conn: Connection,
    day: dt.date,
    settings: dict,
    scope: Scope = Scope(),
    state: str | None = None,
    search: str | None = None,
) -> pd.DataFrame:
    """Every manager in scope with their state on `day` (COLUMNS, by employee_no).

    A town scope keeps the managers posted in that town in the 12 months up to `day`.
    """
    query = _state_query(day, settings).subquery("lifecycle")
    selected = select(query).order_by(query.c.employee_no)
    manager_ids = scoped_manager_ids(scope, Window(day - dt.timedelta(days=365), day))
    if manager_ids is not None:
        selected = selected.where(query.c.manager_id.in_(manager_ids))
    if state is not None:
        selected = selected.where(query.c.state == state)
    if search:
        pattern = f"%{search.strip()}%"
        selected = selected.where(or_(query.c.employee_no.like(pattern), query.c.name.like(pattern)))
    rows = [dict(row) for row in conn.execute(selected).mappings()]
    frame = pd.DataFrame(rows, columns=["manager_id", *COLUMNS, "skill_hours"])
    frame["total_hours"] = frame["total_hours"].astype(float)
    share = frame["skill_hours"].astype(float) / frame["total_hours"].where(frame["total_hours"] > 0)
    frame["skill_share"] = share.astype(float)
    frame["gate_ok"] = frame["gate_ok"].astype(bool)
    frame["active_postings"] = frame["active_postings"].astype(int)
    return frame[["manager_id", *COLUMNS]]


def state_counts(conn: Connection, day: dt.date, settings: dict, scope: Scope = Scope()) -> dict[str, int]:
    """Managers in each state on `day` (every state, 0 when none), counted in SQL."""
    query = _state_query(day, settings).subquery("lifecycle")
    counted = select(query.c.state, func.count()).group_by(query.c.state)
    manager_ids = scoped_manager_ids(scope, Window(day - dt.timedelta(days=365), day))
    if manager_ids is not None:
        counted = counted.where(query.c.manager_id.in_(manager_ids))
    found = dict(conn.execute(counted).all())
    return {name: int(found.get(name, 0)) for name in STATES}
