"""Connection lead time (data contract §3) and the stages of each application.

Lead time: applications whose `energized_on` is in the window; lead days =
energized_on - applied_on in calendar days, for resident-served and other
applications separately; reduction = mean(other) - mean(resident).

Like-for-like reduction (data contract, `lead_time.adjusted`): the raw reduction compares unlike
groups, so the applications are split into strata of the same (kind, supply); a stratum holding
both groups is *compared*; the estimate is the compared strata's differences of means weighted by
their resident-served applications, with a 95 % percentile bootstrap interval.

Stages, against the State Grid time limits in working days (domain.md).
Each stage ends at its own milestone and starts at the latest milestone
recorded before it:

| stage                 | ends at                  | starts at                             | limit (working days) |
|-----------------------|--------------------------|---------------------------------------|----------------------|
| plan_reply            | plan_replied_on          | applied_on (acceptance; survey inside)| 15 single / 30 dual  |
| design_review         | design_reviewed_on       | plan_replied_on                       | 10                   |
| mid_inspection        | mid_inspected_on         | design_reviewed_on                    | 5                    |
| completion_inspection | completion_inspected_on  | mid_inspected_on                      | 5                    |
| energization          | energized_on             | completion_inspected_on (passed)      | 5                    |

The plan-reply limit runs from the acceptance of the application (受理之日起),
as in State Grid's rule, so the site survey is inside it. When a start
milestone is blank, the stage starts at the latest earlier recorded one
(down to applied_on); a stage whose own milestone is blank has no duration.

Which limits are *checked*: plan reply and energization are timed by the
grid company alone between recorded milestones (GRID_STAGES). The
marketing system does not record when the customer submitted the design or
asked for the inspections, so design review and the two inspections, read
between recorded milestones, include the customer's own design and
construction time; their `<stage>_over` flags mean "longer than the grid's
limit since the previous milestone" and are shown, but by default they do
not make an application over its limit (pass checked=STAGES to count them).

Working days of a stage = workdays after its start date up to and including
its end date (calendar_days.workday_seq(end) - workday_seq(start)), the
usual reading of "within N working days of". A stage is over its limit when
its working days exceed the limit. An application not yet energized at the
window's end is *stalled* when its current stage (the one after its latest
milestone on or before that day) is a checked stage and has already run
longer than its limit. Milestones after the window's end count as not yet
reached.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from data_access.models import APPLICATION_STAGES, Application, CalendarDay, Customer
from data_access.settings import DEFAULTS
from metrics.sql import days_between, query_frame, scoped_customer_ids
from metrics.window import Scope, Window

DAY_DECIMALS = 2
STAGES = ("plan_reply", "design_review", "mid_inspection", "completion_inspection", "energization")
STAGE_ENDS = dict(zip(STAGES, APPLICATION_STAGES[2:]))  # plan_replied_on ... energized_on
# Stages timed by the grid company alone between recorded milestones (see the module docstring).
GRID_STAGES = ("plan_reply", "energization")
# State Grid limits in working days (domain.md, *ext.*): defaults, overridable through settings.
STAGE_LIMIT_DEFAULTS = {key: value for key, value in DEFAULTS.items() if key.startswith("stage_limit_")}
GROUPS = {True: "resident", False: "other"}


@dataclass(frozen=True)
class GroupStats:
    count: int
    mean_days: float | None
    median_days: float | None


@dataclass(frozen=True)
class LeadTimeSummary:
    resident: GroupStats
    other: GroupStats
    reduction_days: float | None  # mean(other) - mean(resident)


def _days(value) -> float | None:
    return None if value is None else round(float(value), DAY_DECIMALS)


def _in_scope(query, scope: Scope, window: Window):
    customers = scoped_customer_ids(scope, window)
    return query if customers is None else query.where(Application.customer_id.in_(customers))


def energized_in(window: Window):
    return Application.energized_on.between(window.start, window.end)


def lead_days():
    return days_between(Application.applied_on, Application.energized_on)


def grouped_stats(values, groups: tuple[str, ...], averaged: tuple[str, ...] = (), summed: tuple[str, ...] = ()):
    """SELECT per group: groups..., n, mean and median of `value`, then avg_<c> / sum_<c> of the
    other named columns; one pass over `values` (a subquery with those columns)."""
    keys = [values.c[name] for name in groups]
    ranked = select(
        values,
        func.row_number().over(partition_by=keys, order_by=values.c.value).label("rn"),
        func.count().over(partition_by=keys).label("cnt"),
    ).subquery()
    middle = or_(ranked.c.rn == (ranked.c.cnt + 1) // 2, ranked.c.rn == (ranked.c.cnt + 2) // 2)
    ranked_keys = [ranked.c[name] for name in groups]
    return select(
        *ranked_keys,
        func.count().label("n"),
        func.avg(ranked.c.value * 1.0).label("mean"),
        func.avg(case((middle, ranked.c.value * 1.0))).label("median"),
        *(func.avg(ranked.c[name] * 1.0).label(f"avg_{name}") for name in averaged),
        *(func.sum(ranked.c[name]).label(f"sum_{name}") for name in summed),
    ).group_by(*ranked_keys)


def summary(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> LeadTimeSummary:
    """Count, mean and median lead days of resident-served vs other applications energized in the window."""
    apps = _in_scope(
        select(Application.resident_served.label("resident"), lead_days().label("value")).where(energized_in(window)),
        scope,
        window,
    ).subquery()
    found = {bool(row.resident): row for row in conn.execute(grouped_stats(apps, ("resident",)))}

    def group(resident: bool) -> GroupStats:
        row = found.get(resident)
        return GroupStats(0, None, None) if row is None else GroupStats(int(row.n), _days(row.mean), _days(row.median))

    reduction = None
    if True in found and False in found:
        reduction = _days(float(found[False].mean) - float(found[True].mean))
    return LeadTimeSummary(group(True), group(False), reduction)


def distribution(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """One row per application energized in the window: app_no, account_no, resident_served, supply, lead_days."""
    query = _in_scope(
        select(
            Application.app_no,
            Customer.account_no,
            Application.resident_served,
            Application.supply,
            lead_days().label("lead_days"),
        )
        .join(Customer, Customer.id == Application.customer_id)
        .where(energized_in(window))
        .order_by(Application.app_no),
        scope,
        window,
    )
    frame = query_frame(conn, query, ["app_no", "account_no", "resident_served", "supply", "lead_days"])
    frame["resident_served"] = frame["resident_served"].astype(bool)
    frame["lead_days"] = frame["lead_days"].astype(int)
    return frame


def lead_days_counts(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """resident_served, lead_days, applications: how many applications energized in the window took
    each number of days, resident-served and other (what the distribution charts draw; counted from
    ix_applications_energized_cover alone). Sorted by resident_served, lead_days."""
    days = lead_days()
    query = _in_scope(
        select(Application.resident_served, days.label("lead_days"), func.count())
        .where(energized_in(window))
        .group_by(Application.resident_served, days)
        .order_by(Application.resident_served, days),
        scope,
        window,
    )
    frame = query_frame(conn, query, ["resident_served", "lead_days", "applications"])
    return frame.astype({"resident_served": bool, "lead_days": int, "applications": int})


def window_months(window: Window) -> list[dt.date]:
    """First days of the calendar months the window touches."""
    months = []
    month = window.start.replace(day=1)
    while month <= window.end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def monthly_trend(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Per energization month of the window: resident_mean, other_mean, reduction, resident_count, other_count.

    SQL sums the lead days per energization day and group (a few hundred rows, read from
    ix_applications_energized_cover alone); the months add those up here. Cheaper than grouping by
    a month worked out from every application's date, and exact: the sums are whole numbers.
    """
    query = _in_scope(
        select(Application.energized_on, Application.resident_served, func.count(), func.sum(lead_days()))
        .where(energized_in(window))
        .group_by(Application.energized_on, Application.resident_served),
        scope,
        window,
    )
    totals: dict[tuple[dt.date, bool], list[int]] = {}
    for day, resident, count, days in conn.execute(query):
        total = totals.setdefault((day.replace(day=1), bool(resident)), [0, 0])
        total[0] += int(count)
        total[1] += int(days)

    def stats(month: dt.date, resident: bool) -> tuple[int, float | None]:
        count, days = totals.get((month, resident), (0, 0))
        return count, (_days(days / count) if count else None)

    rows = []
    for first_day in window_months(window):
        resident_count, resident_mean = stats(first_day, True)
        other_count, other_mean = stats(first_day, False)
        reduction = None if resident_mean is None or other_mean is None else _days(other_mean - resident_mean)
        rows.append(
            {
                "month": first_day,
                "resident_mean": resident_mean,
                "other_mean": other_mean,
                "reduction": reduction,
                "resident_count": resident_count,
                "other_count": other_count,
            }
        )
    return pd.DataFrame(
        rows, columns=["month", "resident_mean", "other_mean", "reduction", "resident_count", "other_count"]
    )


# --- like-for-like reduction ----------------------------------------------------------------------

BOOTSTRAP_RESAMPLES = 1000  # the contract's minimum: about 30 ms at province scale (docs/performance.md)
BOOTSTRAP_SEED = 2019  # fixed: the same data give the same interval on every run and database
CI_LEVEL = 0.95


@dataclass(frozen=True)
class Stratum:
    """One (kind, supply) stratum of the window's energized applications: each group's count and
    mean lead days (None for a group without applications)."""

    kind: str
    supply: str
    resident_count: int
    resident_mean: float | None
    other_count: int
    other_mean: float | None

    @property
    def compared(self) -> bool:
        return self.resident_count > 0 and self.other_count > 0


@dataclass(frozen=True)
class AdjustedReduction:
    """The like-for-like reduction (contract `lead_time.adjusted`) and the strata behind it."""

    reduction_days: float | None
    ci95: tuple[float, float] | None
    resident_compared: int
    other_compared: int
    strata_compared: int
    strata: tuple[Stratum, ...]


STRATUM_COLUMNS = ["kind", "supply", "resident_served", "lead_days", "applications", "group_count", "group_mean"]


def stratum_counts(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Per stratum (kind, supply), group (resident_served) and number of lead days: how many
    applications energized in the window took that many days (`applications`), with the stratum
    group's count and mean lead days (group_count, group_mean: the same on each of its rows).
    One pass over the window's energized applications; sorted by kind, supply, resident_served,
    lead_days. The like-for-like reduction and the lead-time distributions are worked out from it."""
    frame = query_frame(conn, _stratum_counts_query(window, scope), STRATUM_COLUMNS)
    return frame.astype(
        {"resident_served": bool, "lead_days": int, "applications": int, "group_count": int, "group_mean": float}
    )


def _stratum_counts_query(window: Window, scope: Scope):
    days = lead_days()
    counted = _in_scope(
        select(
            Application.kind,
            Application.supply,
            Application.resident_served,
            days.label("lead_days"),
            func.count().label("applications"),
        )
        .where(energized_in(window))
        .group_by(Application.kind, Application.supply, Application.resident_served, days),
        scope,
        window,
    ).subquery()
    group = [counted.c.kind, counted.c.supply, counted.c.resident_served]
    size = func.sum(counted.c.applications).over(partition_by=group)
    total_days = func.sum(counted.c.lead_days * counted.c.applications).over(partition_by=group)
    return select(*group, counted.c.lead_days, counted.c.applications, size, total_days * 1.0 / size).order_by(
        *group, counted.c.lead_days
    )


def _counts_by_group(strata: pd.DataFrame) -> dict[bool, dict[int, int]]:
    """resident_served -> {lead days: applications}, summed over the strata (ascending days)."""
    counts: dict[bool, dict[int, int]] = {False: {}, True: {}}
    for resident, days, applications in zip(
        strata["resident_served"].tolist(), strata["lead_days"].tolist(), strata["applications"].tolist()
    ):
        group = counts[bool(resident)]
        group[days] = group.get(days, 0) + applications
    return {resident: dict(sorted(group.items())) for resident, group in counts.items()}


def lead_days_counts_of(strata: pd.DataFrame) -> pd.DataFrame:
    """lead_days_counts worked out from stratum_counts (summed over the strata)."""
    rows = [
        (resident, days, applications)
        for resident, group in _counts_by_group(strata).items()
        for days, applications in group.items()
    ]
    frame = pd.DataFrame(rows, columns=["resident_served", "lead_days", "applications"])
    return frame.astype({"resident_served": bool, "lead_days": int, "applications": int})


def summary_of(strata: pd.DataFrame) -> LeadTimeSummary:
    """summary() worked out from stratum_counts: the same counts, means and medians (the lead days
    are whole numbers, so the sums are exact), without reading the applications again."""
    groups = {}
    for resident, counts in _counts_by_group(strata).items():
        total = sum(counts.values())
        if not total:
            groups[resident] = (GroupStats(0, None, None), None)
            continue
        mean = sum(days * n for days, n in counts.items()) / total
        median = _median(list(counts), list(counts.values()), total)
        groups[resident] = (GroupStats(total, _days(mean), _days(median)), mean)
    (resident, resident_mean), (other, other_mean) = groups[True], groups[False]
    reduction = None if resident_mean is None or other_mean is None else _days(other_mean - resident_mean)
    return LeadTimeSummary(resident, other, reduction)


def adjusted_reduction(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> AdjustedReduction:
    """The like-for-like reduction of the applications energized in the window (adjusted_of)."""
    return adjusted_of(stratum_counts(conn, window, settings, scope))


def adjusted_of(strata: pd.DataFrame, interval: bool = True) -> AdjustedReduction:
    """The like-for-like reduction from stratum_counts (module docstring; interval=False leaves
    ci95 None, for a caller that works it out later with bootstrap_interval).

    reduction_days = Σ n_res,s × (mean_other,s − mean_res,s) / Σ n_res,s over the compared strata,
    None when none is compared; day figures rounded to DAY_DECIMALS.
    """
    groups = _stratum_groups(strata)
    strata_found = []
    for kind, supply in sorted({(kind, supply) for kind, supply, _ in groups}):
        resident, other = groups.get((kind, supply, True)), groups.get((kind, supply, False))
        strata_found.append(
            Stratum(
                kind,
                supply,
                resident.count if resident else 0,
                _days(resident.mean) if resident else None,
                other.count if other else 0,
                _days(other.mean) if other else None,
            )
        )
    compared = _compared(groups)
    if not compared:
        return AdjustedReduction(None, None, 0, 0, 0, tuple(strata_found))
    weights = np.array([resident.count for resident, _ in compared], dtype=float)
    gaps = np.array([other.mean - resident.mean for resident, other in compared])
    return AdjustedReduction(
        _days(float(weights @ gaps / weights.sum())),
        _interval(compared) if interval else None,
        int(weights.sum()),
        sum(other.count for _, other in compared),
        len(compared),
        tuple(strata_found),
    )


@dataclass(frozen=True)
class _Group:
    """One group of one stratum: its count and mean (from SQL) and its lead days, one per application."""

    count: int
    mean: float
    days: np.ndarray


def _stratum_groups(strata: pd.DataFrame) -> dict[tuple[str, str, bool], _Group]:
    found: dict[tuple[str, str, bool], tuple[int, float, list, list]] = {}
    columns = [strata[name].tolist() for name in STRATUM_COLUMNS]
    for kind, supply, resident, days, applications, count, mean in zip(*columns):
        group = found.setdefault((kind, supply, bool(resident)), (int(count), float(mean), [], []))
        group[2].append(days)
        group[3].append(applications)
    return {
        key: _Group(count, mean, np.repeat(np.array(days, dtype=np.int64), applications))
        for key, (count, mean, days, applications) in sorted(found.items())
    }


def _compared(groups: dict) -> list[tuple[_Group, _Group]]:
    """(resident, other) of each compared stratum, by kind and supply."""
    return [
        (groups[(kind, supply, True)], groups[(kind, supply, False)])
        for kind, supply, resident in sorted(groups)
        if resident and (kind, supply, False) in groups
    ]


def bootstrap_interval(strata: pd.DataFrame) -> tuple[float, float] | None:
    """The ci95 of adjusted_of(strata) (adjusted_of works it out too unless told not to)."""
    return _interval(_compared(_stratum_groups(strata)))


def _interval(compared: list[tuple[_Group, _Group]]) -> tuple[float, float] | None:
    """The 95 % percentile bootstrap interval of the weighted reduction: in each of
    BOOTSTRAP_RESAMPLES resamples every group of every compared stratum is drawn again with
    replacement to its own size. None when no compared stratum has 2 applications in both groups."""
    if not any(min(resident.count, other.count) >= 2 for resident, other in compared):
        return None
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    total = np.zeros(BOOTSTRAP_RESAMPLES)
    for resident, other in compared:
        total += resident.count * (_resampled_means(rng, other.days) - _resampled_means(rng, resident.days))
    estimates = total / sum(resident.count for resident, _ in compared)
    tail = (1 - CI_LEVEL) / 2 * 100
    low, high = np.percentile(estimates, [tail, 100 - tail])
    return _days(float(low)), _days(float(high))


def _resampled_means(rng: np.random.Generator, days: np.ndarray, cells: int = 2_000_000) -> np.ndarray:
    """BOOTSTRAP_RESAMPLES means of `days` drawn again with replacement, as many resamples at a time
    as fit in `cells` indices (~8 MB): few numpy calls, so a background thread seldom waits for the
    GIL between them (each wait can take the interpreter's 5 ms switch interval)."""
    size = len(days)
    rows = max(1, min(BOOTSTRAP_RESAMPLES, cells // size))
    means = np.empty(BOOTSTRAP_RESAMPLES)
    for first in range(0, BOOTSTRAP_RESAMPLES, rows):
        picks = rng.integers(0, size, size=(min(rows, BOOTSTRAP_RESAMPLES - first), size), dtype=np.int32)
        means[first : first + rows] = days[picks].sum(axis=1) / size
    return means


# --- stages -------------------------------------------------------------------------------------


def stage_limits(settings: dict) -> dict[str, float]:
    return {key: settings.get(key, default) for key, default in STAGE_LIMIT_DEFAULTS.items()}


def _stage_limit(stage: str, limits: dict):
    if stage == "plan_reply":
        return case(
            (Application.supply == "dual", limits["stage_limit_plan_reply_dual"]),
            else_=limits["stage_limit_plan_reply_single"],
        )
    return literal(limits[f"stage_limit_{stage}"])


def _start_candidates(stage: str) -> list[str]:
    """Milestones that may start the stage, latest first (plan reply: acceptance only)."""
    if stage == "plan_reply":
        return ["applied_on"]
    before = list(APPLICATION_STAGES[: APPLICATION_STAGES.index(STAGE_ENDS[stage])])
    return before[::-1]


class _Milestones:
    """Milestone dates and workday_seq as known on `as_of` (later dates read as not yet happened).

    as_of None: every recorded milestone is known. That is the case for applications energized by
    the window's end: the stage-order CHECK constraints (models._stage_order_checks) keep every
    recorded milestone on or before energized_on; the SQL is then simpler and cheaper.
    """

    def __init__(self, as_of: dt.date | None):
        self.as_of = as_of
        self.calendars = {name: aliased(CalendarDay, name=f"cal_{name}") for name in APPLICATION_STAGES}

    def joined(self, query):
        for name, calendar in self.calendars.items():
            query = query.outerjoin(calendar, calendar.date == getattr(Application, name))
        return query

    def known(self, name: str):
        if self.as_of is None:
            return getattr(Application, name).is_not(None)
        return getattr(Application, name) <= self.as_of

    def date(self, name: str):
        if self.as_of is None:
            return getattr(Application, name)
        return case((self.known(name), getattr(Application, name)))

    def seq(self, name: str):
        if self.as_of is None:
            return self.calendars[name].workday_seq  # NULL where the date is: the join finds no day
        return case((self.known(name), self.calendars[name].workday_seq))

    def start_date(self, stage: str):
        return self._latest_known(stage, lambda name: getattr(Application, name))

    def start_seq(self, stage: str):
        return self._latest_known(stage, lambda name: self.calendars[name].workday_seq)

    def _latest_known(self, stage: str, value):
        """`value` of the latest start candidate known on as_of (applied_on when none is)."""
        *candidates, first = _start_candidates(stage)
        if not candidates:
            return value(first)
        return case(*((self.known(name), value(name)) for name in candidates), else_=value(first))

    def not_reached(self, stage: str):
        """The stage's milestone and all later ones are not recorded on as_of."""
        later = STAGES[STAGES.index(stage) :]
        return and_(*(or_(getattr(Application, STAGE_ENDS[s]).is_(None), ~self.known(STAGE_ENDS[s])) for s in later))


def _flag(condition):
    return case((condition, 1), else_=0)


def _stage_select(window: Window, settings: dict, scope: Scope, include_open: bool, checked: tuple[str, ...]):
    """Wide SELECT: one row per application with per-stage days, workdays, limit and over flags
    (customer_id in the place of the customer's account_no and name: _with_customer adds those)."""
    unknown = set(checked) - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stages: {', '.join(sorted(unknown))}")
    limits = stage_limits(settings)
    marks = _Milestones(window.end if include_open else None)  # see _Milestones on None
    as_of_seq = select(CalendarDay.workday_seq).where(CalendarDay.date == window.end).scalar_subquery()
    columns = [
        Application.app_no,
        Application.customer_id,
        Application.kind,
        Application.supply,
        Application.resident_served,
        Application.applied_on,
        marks.date("energized_on").label("energized_on"),
        days_between(Application.applied_on, marks.date("energized_on")).label("lead_days"),
    ]
    checked_over = []
    current_stage, current_workdays, current_limit, current_checked = [], [], [], []
    for stage in STAGES:
        end = STAGE_ENDS[stage]
        workdays = marks.seq(end) - marks.start_seq(stage)
        limit = _stage_limit(stage, limits)
        over = and_(marks.date(end).is_not(None), workdays > limit)
        columns += [
            days_between(marks.start_date(stage), marks.date(end)).label(f"{stage}_days"),
            workdays.label(f"{stage}_workdays"),
            limit.label(f"{stage}_limit"),
            _flag(over).label(f"{stage}_over"),
        ]
        if stage in checked:
            checked_over.append(over)
        under_way = marks.not_reached(stage)
        current_stage.append((under_way, stage))
        current_workdays.append((under_way, as_of_seq - marks.start_seq(stage)))
        current_limit.append((under_way, limit))
        current_checked.append((under_way, 1 if stage in checked else 0))
    elapsed = case(*current_workdays)
    stalled = and_(case(*current_checked) == 1, elapsed > case(*current_limit))
    columns += [
        case(*current_stage).label("current_stage"),
        elapsed.label("current_workdays"),
        case(*current_limit).label("current_limit"),
        _flag(stalled).label("stalled"),
        _flag(or_(*checked_over, stalled)).label("over_limit"),
    ]
    population = energized_in(window)
    if include_open:
        not_energized_yet = or_(Application.energized_on.is_(None), Application.energized_on > window.end)
        population = or_(population, and_(Application.applied_on <= window.end, not_energized_yet))
    query = marks.joined(select(*columns).select_from(Application)).where(population)
    return _in_scope(query, scope, window)


STAGE_COLUMN_KINDS = ("days", "workdays", "limit", "over")
FLAG_COLUMNS = ("resident_served", "stalled", "over_limit", *(f"{s}_over" for s in STAGES))


def _stage_frame(conn: Connection, query) -> pd.DataFrame:
    frame = query_frame(conn, query)
    for column in FLAG_COLUMNS:
        if column in frame:
            frame[column] = frame[column].astype(bool)
    return frame


def _with_customer(rows):
    """SELECT the columns of `rows` (a subquery of _stage_select's columns), with the customer's
    account_no and name after app_no in the place of customer_id."""
    columns = []
    for column in rows.c:
        columns += [Customer.account_no, Customer.name] if column.name == "customer_id" else [column]
    return select(*columns).select_from(rows).join(Customer, Customer.id == rows.c.customer_id)


def stage_durations(
    conn: Connection,
    window: Window,
    settings: dict,
    scope: Scope = Scope(),
    include_open: bool = False,
    checked: tuple[str, ...] = GRID_STAGES,
) -> pd.DataFrame:
    """Per application energized in the window (and, with include_open, those still open at its end):

    app_no, account_no, name, kind, supply, resident_served, applied_on, energized_on, lead_days,
    then for each stage of STAGES: <stage>_days (calendar), <stage>_workdays, <stage>_limit, <stage>_over;
    then current_stage / current_workdays / current_limit (open applications: the stage under way,
    its working days so far and its limit), stalled, over_limit (a checked stage over its limit, or
    stalled). Sorted by app_no.
    """
    stages = _stage_select(window, settings, scope, include_open, checked).subquery()
    return _stage_frame(conn, _with_customer(stages).order_by(stages.c.app_no))


def over_limit(
    conn: Connection, window: Window, settings: dict, scope: Scope = Scope(), checked: tuple[str, ...] = GRID_STAGES
) -> pd.DataFrame:
    """Applications energized in the window, or open at its end, with a checked stage over its
    limit or stalled (the columns of stage_durations). Sorted by app_no."""
    return _stage_frame(conn, _over_limit_query(window, _limits_key(settings), scope, tuple(checked)))


REASON_COLUMNS = [
    "app_no",
    "account_no",
    "name",
    "resident_served",
    "supply",
    "applied_on",
    "energized_on",
    "state",
    "stage",
    "workdays",
    "limit",
]


def over_limit_reasons(
    conn: Connection, window: Window, settings: dict, scope: Scope = Scope(), checked: tuple[str, ...] = GRID_STAGES
) -> pd.DataFrame:
    """The applications of over_limit, one row per reason (REASON_COLUMNS): state "over" for a
    checked stage that took longer than its limit, "stalled" for the stage under way at the window's
    end, with that stage's working days and limit. By app_no, each one's checked stages in the
    order of `checked`, then its stall."""
    query = _reasons_query(window, _limits_key(settings), scope, tuple(checked))
    frame = query_frame(conn, query, REASON_COLUMNS)
    return frame.astype({"resident_served": bool})


def _limits_key(settings: dict) -> tuple:
    """The stage limits of `settings`, hashable: the key of the memoized statements below."""
    return tuple(sorted(stage_limits(settings).items()))


# The stage statements are large (a few hundred SQL expressions); building one costs more Python
# time than SQLite takes to run it at county scale, so each is built once per window and limits.


def _over_applications(window: Window, limits: tuple, scope: Scope, checked: tuple[str, ...], read=None):
    """CTE: the `read` columns (all by default) of the applications over their limit.

    MATERIALIZED: those applications are found first, then only their customers are read (SQLite
    would otherwise look up the customer of every application in the population)."""
    stages = _stage_select(window, dict(limits), scope, True, checked).subquery()
    columns = stages.c if read is None else [stages.c[name] for name in read]
    return select(*columns).where(stages.c.over_limit == 1).cte("over").prefix_with("MATERIALIZED")


@lru_cache(maxsize=64)
def _over_limit_query(window: Window, limits: tuple, scope: Scope, checked: tuple[str, ...]):
    over = _over_applications(window, limits, scope, checked)
    return _with_customer(over).order_by(over.c.app_no)


def stage_summary(conn: Connection, window: Window, settings: dict, scope: Scope = Scope()) -> pd.DataFrame:
    """Per stage and group (resident / other), over applications energized in the window:

    count (applications with that stage recorded), mean_workdays, median_workdays, mean_days, over_limit.

    SQL counts the applications per stage, group and number of working days (a few hundred rows:
    working days are whole numbers); count, means and median follow from those counts, which is
    cheaper than ranking every stage duration in SQL.
    """
    query = _stage_summary_query(window, _limits_key(settings), scope)
    found: dict[tuple[str, bool], list[tuple[int, int, int, int]]] = {}
    for index, resident, value, size, days, over in conn.execute(query):
        found.setdefault((STAGES[index], bool(resident)), []).append((int(value), int(size), int(days), int(over)))
    for counts in found.values():
        counts.sort()
    rows = []
    for stage in STAGES:
        for resident, group in GROUPS.items():
            rows.append({"stage": stage, "group": group, **_duration_stats(found.get((stage, resident), []))})
    return pd.DataFrame(rows)


@lru_cache(maxsize=64)
def _reasons_query(window: Window, limits: tuple, scope: Scope, checked: tuple[str, ...]):
    kept = [
        "app_no",
        "customer_id",
        "resident_served",
        "supply",
        "applied_on",
        "energized_on",
        "stalled",
        "current_stage",
        "current_workdays",
        "current_limit",
        *(f"{stage}_{kind}" for stage in checked for kind in ("over", "workdays", "limit")),
    ]
    over = _over_applications(window, limits, scope, checked, kept)
    reasons = union_all(
        *(
            select(
                over.c.app_no,
                literal(rank).label("rank"),
                literal("over").label("state"),
                literal(stage).label("stage"),
                over.c[f"{stage}_workdays"].label("workdays"),
                over.c[f"{stage}_limit"].label("limit"),
            ).where(over.c[f"{stage}_over"] == 1)
            for rank, stage in enumerate(checked)
        ),
        select(
            over.c.app_no,
            literal(len(checked)),
            literal("stalled"),
            over.c.current_stage,
            over.c.current_workdays,
            over.c.current_limit,
        ).where(over.c.stalled == 1),
    ).subquery()
    return (
        select(
            over.c.app_no,
            Customer.account_no,
            Customer.name,
            over.c.resident_served,
            over.c.supply,
            over.c.applied_on,
            over.c.energized_on,
            reasons.c.state,
            reasons.c.stage,
            reasons.c.workdays,
            reasons.c.limit,
        )
        .select_from(over)
        .join(reasons, reasons.c.app_no == over.c.app_no)
        .join(Customer, Customer.id == over.c.customer_id)
        .order_by(over.c.app_no, reasons.c.rank)
    )


@lru_cache(maxsize=64)
def _stage_summary_query(window: Window, limits: tuple, scope: Scope):
    wide = _stage_select(window, dict(limits), scope, False, GRID_STAGES).subquery()
    needed = [f"{stage}_{kind}" for stage in STAGES for kind in ("workdays", "days", "over")]
    # MATERIALIZED: the per-application stage columns are worked out once for the five branches
    # (only those: a materialized CTE holds every column it selects).
    stages = (
        select(wide.c.resident_served, *(wide.c[name] for name in needed)).cte("stages").prefix_with("MATERIALIZED")
    )
    # Each stage grouped on its own, the stage by its index: five small sorts of integers instead of
    # one sort of every stage duration under a text key.
    return union_all(
        *(
            select(
                literal(index).label("stage"),
                stages.c.resident_served.label("resident"),
                stages.c[f"{stage}_workdays"].label("value"),
                func.count(),
                func.sum(stages.c[f"{stage}_days"]),
                func.sum(stages.c[f"{stage}_over"]),
            )
            .where(stages.c[f"{stage}_days"].is_not(None), stages.c[f"{stage}_workdays"].is_not(None))
            .group_by(stages.c.resident_served, stages.c[f"{stage}_workdays"])
            for index, stage in enumerate(STAGES)
        )
    )


def _duration_stats(counts: list[tuple[int, int, int, int]]) -> dict:
    """count, mean_workdays, median_workdays, mean_days, over_limit from (working days, number of
    applications, their calendar days summed, their overs summed), by ascending working days."""
    total = sum(size for _, size, _, _ in counts)
    if not total:
        return {"count": 0, "mean_workdays": None, "median_workdays": None, "mean_days": None, "over_limit": 0}
    values, sizes = [value for value, *_ in counts], [size for _, size, _, _ in counts]
    return {
        "count": total,
        "mean_workdays": _days(sum(v * n for v, n in zip(values, sizes)) / total),
        "median_workdays": _days(_median(values, sizes, total)),
        "mean_days": _days(sum(days for _, _, days, _ in counts) / total),
        "over_limit": sum(over for *_, over in counts),
    }


def _median(values: list[int], sizes: list[int], total: int) -> float:
    """The median of `total` numbers: the ascending `values`, each repeated `sizes` times."""
    lower, upper = (total + 1) // 2, (total + 2) // 2  # ranks (from 1) of the middle one or two
    picked = {}
    last = 0
    for value, size in zip(values, sizes):
        first, last = last + 1, last + size  # the ranks holding `value`
        for rank in (lower, upper):
            if first <= rank <= last:
                picked[rank] = value
    return (picked[lower] + picked[upper]) / 2


def section(conn: Connection, window: Window, settings: dict) -> dict:
    """The report's "lead_time" section."""
    result = summary(conn, window, settings)

    def group(stats: GroupStats) -> dict:
        return {"count": stats.count, "mean_days": stats.mean_days, "median_days": stats.median_days}

    return {
        "resident": group(result.resident),
        "other": group(result.other),
        "reduction_days": result.reduction_days,
        "adjusted": adjusted_section(adjusted_reduction(conn, window, settings)),
    }


def adjusted_section(result: AdjustedReduction) -> dict:
    """The report's "lead_time"."adjusted", keys in the contract's order (ci95: [low, high] or None)."""
    return {
        "reduction_days": result.reduction_days,
        "ci95": None if result.ci95 is None else list(result.ci95),
        "resident_compared": result.resident_compared,
        "strata_compared": result.strata_compared,
    }


def stage_limit_table(settings: dict) -> pd.DataFrame:
    """stage, limit_single, limit_dual (working days; they differ only for the plan reply) and
    checked (whether the stage counts towards over-limit) for each stage of STAGES."""
    limits = stage_limits(settings)
    rows = []
    for stage in STAGES:
        if stage == "plan_reply":
            single, dual = limits["stage_limit_plan_reply_single"], limits["stage_limit_plan_reply_dual"]
        else:
            single = dual = limits[f"stage_limit_{stage}"]
        rows.append({"stage": stage, "limit_single": single, "limit_dual": dual, "checked": stage in GRID_STAGES})
    return pd.DataFrame(rows)
