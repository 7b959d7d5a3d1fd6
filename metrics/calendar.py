"""Posted-day arithmetic shared by the manager KPIs, in SQL against calendar_days.

A manager's postings are merged into disjoint *spans* (gaps and islands), so
overlapping postings never count a day twice. Workdays of a span inside a
period (an ISO week, a month, the window) are counted by interval arithmetic
on the cumulative `calendar_days.workday_seq`:
workdays in [a, b] = seq(b) - seq(a) + is_workday(a). That keeps the row count
at spans x periods instead of postings x days. Each span and each period
carries the numbers of its first and last day, so a piece of a span inside a
period takes its numbers from one side or the other: two calendar lookups per
span and per period instead of two per piece.

Days with a log are counted per span (or per span piece inside a week) by a
correlated COUNT(DISTINCT date) over the (manager_id, date, on_site) index:
one short range scan per piece. On PostgreSQL attendance joins the log days
to the spans instead (week_counts_joining). Why these shapes, with figures:
docs/performance.md, "Design notes moved from code".
"""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
from sqlalchemy import Date, and_, case, distinct, func, literal, or_, select, union_all
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.selectable import Subquery

from data_access.models import CalendarDay, Posting, WorkLog
from metrics.sql import query_frame
from metrics.window import Window

calendar = CalendarDay.__table__


def rate(numerator: int | float, denominator: int | float) -> float | None:
    """The contract's rate: a fraction, None when the denominator is 0."""
    return float(numerator) / denominator if denominator else None


def rates_frame(conn, query, numerator: str, denominator: str, columns: list[str]) -> pd.DataFrame:
    """Per-manager counts: `query`'s rows (the `columns` but the last, "rate") with both counts as
    ints, plus rate (numerator ÷ denominator, None for 0), sorted by employee_no."""
    frame = query_frame(conn, query, columns[:-1]).astype({numerator: int, denominator: int})
    frame["rate"] = [rate(n, d) for n, d in zip(frame[numerator].tolist(), frame[denominator].tolist())]
    return frame.sort_values("employee_no", ignore_index=True)


def date_param(day: dt.date) -> ColumnElement:
    return literal(day, Date)


def greatest(a, b) -> ColumnElement:
    """The later/larger of two values (GREATEST is not portable to SQLite)."""
    return case((a > b, a), else_=b)


def least(a, b) -> ColumnElement:
    return case((a < b, a), else_=b)


def full_weeks(window: Window) -> tuple[dt.date, dt.date] | None:
    """(first Monday, last Sunday) of the ISO weeks lying wholly inside the window, or None."""
    first = window.start + dt.timedelta(days=(7 - window.start.weekday()) % 7)
    last = window.end - dt.timedelta(days=(window.end.weekday() + 1) % 7)
    return (first, last) if first < last else None


def full_months(window: Window) -> tuple[dt.date, dt.date] | None:
    """(first day, last day) of the calendar months lying wholly inside the window, or None."""
    first = window.start if window.start.day == 1 else _next_month(window.start)
    end_next = window.end + dt.timedelta(days=1)
    last = window.end if end_next.day == 1 else window.end.replace(day=1) - dt.timedelta(days=1)
    return (first, last) if first < last else None


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def posting_spans(start: dt.date, end: dt.date, manager_ids: Select | None = None) -> Subquery:
    """Each manager's postings clipped to [start, end] and merged into disjoint spans.

    Columns: manager_id, span_start, span_end (inclusive dates), seq_before and seq_end (see
    _seq_before: the span's workdays are seq_end - seq_before).
    """
    lo, hi = date_param(start), date_param(end)
    query = select(
        Posting.manager_id,
        greatest(Posting.start_date, lo).label("start"),
        least(func.coalesce(Posting.end_date, hi), hi).label("end"),
    ).where(Posting.start_date <= end, or_(Posting.end_date.is_(None), Posting.end_date >= start))
    if manager_ids is not None:
        query = query.where(Posting.manager_id.in_(manager_ids))
    clipped = query.subquery("clipped")

    order = (clipped.c.start, clipped.c.end)
    # A posting opens a new island when no earlier posting of the manager reaches its start.
    reach = func.max(clipped.c.end).over(partition_by=clipped.c.manager_id, order_by=order, rows=(None, -1))
    flagged = select(
        clipped.c.manager_id,
        clipped.c.start,
        clipped.c.end,
        case((or_(reach.is_(None), reach < clipped.c.start), 1), else_=0).label("opens"),
    ).subquery("flagged")
    island = func.sum(flagged.c.opens).over(
        partition_by=flagged.c.manager_id, order_by=(flagged.c.start, flagged.c.end), rows=(None, 0)
    )
    numbered = select(flagged.c.manager_id, flagged.c.start, flagged.c.end, island.label("island")).subquery("numbered")
    islands = (
        select(
            numbered.c.manager_id,
            func.min(numbered.c.start).label("span_start"),
            func.max(numbered.c.end).label("span_end"),
        )
        .group_by(numbered.c.manager_id, numbered.c.island)
        .subquery("islands")
    )
    first_day, last_day = calendar.alias("span_first"), calendar.alias("span_last")
    return (
        select(
            islands.c.manager_id,
            islands.c.span_start,
            islands.c.span_end,
            _seq_before(first_day).label("seq_before"),
            last_day.c.workday_seq.label("seq_end"),
        )
        .join_from(islands, first_day, first_day.c.date == islands.c.span_start)
        .join(last_day, last_day.c.date == islands.c.span_end)
        .subquery("spans")
    )


def _seq_before(day) -> ColumnElement[int]:
    """Workdays before the calendar row `day` (its workday_seq without itself): the workdays in
    [a, b] are seq(b) - seq_before(a), with no lookup per row once both ends carry their numbers."""
    return day.c.workday_seq - case((day.c.is_workday, 1), else_=0)


def weeks(first: dt.date, last: dt.date) -> Subquery:
    """ISO weeks between first (a Monday) and last (a Sunday): period_start, period_end, seq_before
    and seq_end (the numbers of their first and last day, as in posting_spans)."""
    return (
        select(
            calendar.c.week_start.label("period_start"),
            func.max(calendar.c.date).label("period_end"),
            # Both numbers grow with the date: the first day has the smallest, the last the largest.
            func.min(_seq_before(calendar)).label("seq_before"),
            func.max(calendar.c.workday_seq).label("seq_end"),
        )
        .where(calendar.c.date.between(first, last))
        .group_by(calendar.c.week_start)
        .subquery("weeks")
    )


def months(first: dt.date, last: dt.date, deadline_day: int = 1) -> Subquery:
    """Months between first and last: period_start, period_end, deadline (day `deadline_day`),
    seq_before and seq_end (as in weeks())."""
    day_of_month = func.row_number().over(partition_by=calendar.c.month_start, order_by=calendar.c.date)
    days = (
        select(
            calendar.c.month_start,
            calendar.c.date,
            day_of_month.label("day"),
            _seq_before(calendar).label("seq_before"),
            calendar.c.workday_seq,
        )
        .where(calendar.c.date.between(first, last))
        .subquery("month_days")
    )
    return (
        select(
            days.c.month_start.label("period_start"),
            func.max(days.c.date).label("period_end"),
            func.max(case((days.c.day == deadline_day, days.c.date))).label("deadline"),
            func.min(days.c.seq_before).label("seq_before"),
            func.max(days.c.workday_seq).label("seq_end"),
        )
        .group_by(days.c.month_start)
        .subquery("months")
    )


def period_pieces(spans: Subquery, periods: Subquery) -> Subquery:
    """Each span cut at period bounds: manager_id, period_start, a, b (the posted days [a, b]) and
    workdays (the workdays in [a, b], from the numbers both sides carry: no calendar lookup per piece)."""
    overlap = and_(periods.c.period_start <= spans.c.span_end, periods.c.period_end >= spans.c.span_start)
    starts_in_period = periods.c.period_start < spans.c.span_start
    ends_in_period = spans.c.span_end < periods.c.period_end
    seq_end = case((ends_in_period, spans.c.seq_end), else_=periods.c.seq_end)
    seq_before = case((starts_in_period, spans.c.seq_before), else_=periods.c.seq_before)
    return (
        select(
            spans.c.manager_id,
            periods.c.period_start,
            case((starts_in_period, spans.c.span_start), else_=periods.c.period_start).label("a"),
            case((ends_in_period, spans.c.span_end), else_=periods.c.period_end).label("b"),
            (seq_end - seq_before).label("workdays"),
        )
        .join_from(spans, periods, overlap)
        .subquery("pieces")
    )


def posted_workdays_by_period(spans: Subquery, periods: Subquery) -> Subquery:
    """Per manager and period: the workdays of the period on which the manager is posted.

    Columns: manager_id, period_start, posted_workdays (only pairs where a span meets the period).
    """
    pieces = period_pieces(spans, periods)
    return (
        select(pieces.c.manager_id, pieces.c.period_start, func.sum(pieces.c.workdays).label("posted_workdays"))
        .group_by(pieces.c.manager_id, pieces.c.period_start)
        .subquery("posted_by_period")
    )


def log_days_in(manager_id, a, b, *conditions) -> ColumnElement[int]:
    """Correlated count of distinct dates in [a, b] on which the manager has a log meeting `conditions`.

    Meant to run once per span or span piece: a short range scan of the
    (manager_id, date, on_site) index. Keep `conditions` to columns of that
    index; a condition on another table becomes a semi-join per probe on PostgreSQL.
    """
    logs = WorkLog.__table__.alias("day_logs")
    return (
        select(func.count(distinct(logs.c.date)))
        .where(
            logs.c.manager_id == manager_id,
            logs.c.date >= a,
            logs.c.date <= b,
            *(condition(logs) for condition in conditions),
        )
        .scalar_subquery()
    )


def week_counts_probing(spans: Subquery, first: dt.date, last: dt.date, *conditions) -> Subquery:
    """Per manager and ISO week in [first, last]: posted workdays and posted days with a log.

    Columns: manager_id, week_start, posted_workdays, log_days. The SQLite shape:
    one correlated index range count per span piece (a week can hold two pieces).
    """
    pieces = period_pieces(spans, weeks(first, last))
    per_piece = select(
        pieces.c.manager_id,
        pieces.c.period_start,
        pieces.c.workdays.label("posted_workdays"),
        log_days_in(pieces.c.manager_id, pieces.c.a, pieces.c.b, *conditions).label("log_days"),
    ).subquery("piece_counts")
    return (
        select(
            per_piece.c.manager_id,
            per_piece.c.period_start.label("week_start"),
            func.sum(per_piece.c.posted_workdays).label("posted_workdays"),
            func.sum(per_piece.c.log_days).label("log_days"),
        )
        .group_by(per_piece.c.manager_id, per_piece.c.period_start)
        .subquery("week_counts")
    )


def week_counts_joining(spans: Subquery, first: dt.date, last: dt.date, *conditions) -> Subquery:
    """The same columns as week_counts_probing, shaped for PostgreSQL's hash joins.

    The window's distinct (manager, date) log days are joined to the spans
    and the calendar once; PostgreSQL spends ~3 us per correlated probe,
    which made the probing shape its slowest KPI.
    """
    posted = posted_workdays_by_period(spans, weeks(first, last))
    days = _posted_log_days(spans, first, last, conditions)
    per_week = (
        select(days.c.manager_id, calendar.c.week_start, func.count().label("log_days"))
        .join(calendar, calendar.c.date == days.c.date)
        .group_by(days.c.manager_id, calendar.c.week_start)
        .subquery("week_log_days")
    )
    return (
        select(
            posted.c.manager_id,
            posted.c.period_start.label("week_start"),
            posted.c.posted_workdays,
            func.coalesce(per_week.c.log_days, 0).label("log_days"),
        )
        .join_from(
            posted,
            per_week,
            and_(per_week.c.manager_id == posted.c.manager_id, per_week.c.week_start == posted.c.period_start),
            isouter=True,
        )
        .subquery("week_counts")
    )


def manager_counts_probing(spans: Subquery, *conditions) -> Subquery:
    """Per manager: posted workdays of the spans and posted days with a log meeting `conditions`.

    Columns: manager_id, posted_workdays, log_days. One correlated index
    range count per span (a few thousand at province scale): fast on both databases.
    """
    logged = log_days_in(spans.c.manager_id, spans.c.span_start, spans.c.span_end, *conditions)
    per_span = select(
        spans.c.manager_id, (spans.c.seq_end - spans.c.seq_before).label("posted_workdays"), logged.label("log_days")
    ).subquery("span_counts")
    return (
        select(
            per_span.c.manager_id,
            func.sum(per_span.c.posted_workdays).label("posted_workdays"),
            func.sum(per_span.c.log_days).label("log_days"),
        )
        .group_by(per_span.c.manager_id)
        .subquery("manager_counts")
    )


def posted_log_days_by_manager(spans: Subquery, start: dt.date, end: dt.date, *conditions) -> Subquery:
    """Per manager: posted days in [start, end] with a log meeting `conditions` (joined, not probed).

    Columns: manager_id, log_days. Meant for conditions that keep few logs
    (e.g. logs on non-workdays): both databases then read only those logs.
    """
    days = _posted_log_days(spans, start, end, conditions)
    return (
        select(days.c.manager_id, func.count().label("log_days"))
        .group_by(days.c.manager_id)
        .subquery("manager_log_days")
    )


def posted_log_days_by_period(
    spans: Subquery, periods: Subquery, start: dt.date, end: dt.date, *conditions
) -> Subquery:
    """Per period (disjoint, as months() or given_periods() give them): posted days in [start, end]
    with a log meeting `conditions` (joined, not probed, as in posted_log_days_by_manager).
    Columns: period_start, log_days."""
    days = _posted_log_days(spans, start, end, conditions)
    return (
        select(periods.c.period_start, func.count().label("log_days"))
        .join_from(days, periods, and_(periods.c.period_start <= days.c.date, periods.c.period_end >= days.c.date))
        .group_by(periods.c.period_start)
        .subquery("period_log_days")
    )


def cut_at_windows(windows: list[Window]) -> list[Window]:
    """The windows' span cut at every window's start and end: consecutive periods, each lying
    wholly inside or wholly outside each window (a KPI summed over periods gives each window's)."""
    start, end = min(w.start for w in windows), max(w.end for w in windows)
    cuts = {w.start for w in windows} | {w.end + dt.timedelta(days=1) for w in windows}
    bounds = [start, *sorted(c for c in cuts if start < c <= end), end + dt.timedelta(days=1)]
    return [Window(a, b - dt.timedelta(days=1)) for a, b in itertools.pairwise(bounds)]


def given_periods(periods: list[Window]) -> Subquery:
    """Fixed periods as a subquery: period_start, period_end, seq_before and seq_end (as in weeks())."""
    rows = [select(date_param(p.start).label("period_start"), date_param(p.end).label("period_end")) for p in periods]
    given = (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("given")
    first_day, last_day = calendar.alias("period_first"), calendar.alias("period_last")
    return (
        select(
            given.c.period_start,
            given.c.period_end,
            _seq_before(first_day).label("seq_before"),
            last_day.c.workday_seq.label("seq_end"),
        )
        .join_from(given, first_day, first_day.c.date == given.c.period_start)
        .join(last_day, last_day.c.date == given.c.period_end)
        .subquery("periods")
    )


def _posted_log_days(spans: Subquery, start: dt.date, end: dt.date, conditions) -> Subquery:
    """Distinct (manager_id, date) in [start, end] with a log meeting `conditions`, on a posted day."""
    logs = WorkLog.__table__.alias("day_logs")
    days = (
        select(logs.c.manager_id, logs.c.date)
        .where(logs.c.date >= start, logs.c.date <= end, *(condition(logs) for condition in conditions))
        .distinct()
        .subquery("log_days")
    )
    # Spans of one manager are disjoint: each day meets at most one span.
    return (
        select(days.c.manager_id, days.c.date)
        .join_from(
            days,
            spans,
            and_(
                spans.c.manager_id == days.c.manager_id,
                spans.c.span_start <= days.c.date,
                spans.c.span_end >= days.c.date,
            ),
        )
        .subquery("posted_log_days")
    )


def workday_dates(start: dt.date, end: dt.date, workday: bool = True) -> Select:
    """The workday (or, with workday=False, the other) dates of [start, end], for an IN list."""
    return select(calendar.c.date).where(calendar.c.date.between(start, end), calendar.c.is_workday.is_(workday))
