"""The reporting window and the town/team scope shared by every KPI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class WindowError(ValueError):
    """A window that cannot be used: bad date text, or from after to."""


@dataclass(frozen=True)
class Window:
    start: dt.date  # inclusive
    end: dt.date  # inclusive

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise WindowError(f"from {self.start} is after to {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Window:
        """The window of equal length that ends the day before this one starts."""
        end = self.start - dt.timedelta(days=1)
        return Window(end - dt.timedelta(days=self.days - 1), end)


def parse_date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise WindowError(f"{field} must be a date YYYY-MM-DD, got {text!r}") from None


def parse_window(date_from: str, date_to: str) -> Window:
    return Window(parse_date(date_from, "--from"), parse_date(date_to, "--to"))


def last_full_quarter(today: dt.date) -> Window:
    """The last calendar quarter that ended before `today`."""
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = quarter_start - dt.timedelta(days=1)
    return Window(dt.date(end.year, end.month - 2, 1), end)


@dataclass(frozen=True)
class Scope:
    """Screen filters. None means everything (the report always uses Scope())."""

    town: str | None = None
    team: str | None = None

    @property
    def is_all(self) -> bool:
        return self.town is None and self.team is None


def trend_months(window: Window, months: int = 12) -> list[Window]:
    """The last `months` calendar months up to the window's end, oldest first, each a window
    (the last one cut at the window's end): the overview's trend."""
    first = window.end.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    windows = []
    for start in reversed(starts):
        next_month = (start + dt.timedelta(days=32)).replace(day=1)
        windows.append(Window(start, min(next_month - dt.timedelta(days=1), window.end)))
    return windows
