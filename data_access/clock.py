"""Today's date for everything that depends on it (the calendar reminder, default days).

One seam for a set clock: DASHBOARD_TODAY=YYYY-MM-DD makes every caller of
today() see that day (tests, and a rehearsal of the autumn reminder); unset
or not a date, it is the machine's date.
"""

from __future__ import annotations

import datetime as dt
import os

TODAY_VARIABLE = "DASHBOARD_TODAY"


def today() -> dt.date:
    text = os.environ.get(TODAY_VARIABLE, "").strip()
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return dt.date.today()
