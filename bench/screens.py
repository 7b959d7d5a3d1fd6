#!/usr/bin/env python
"""Server-side render time of each screen under Streamlit's AppTest, cold and warm.

For a database URL: app.py runs from its absolute path with DATABASE_URL set,
logged in as the demo leader (session state, as the AppTest suites do), on
the screen's default window. Cold = st.cache_data emptied and a fresh
AppTest; warm = the same AppTest run again (cached reads, every element drawn
again). Each figure is the best of `repeat` runs (wall and process CPU
seconds; SQLite runs in this process, so its CPU time includes the queries).
Before timing, one logged-out run imports the app's modules.

    python bench/screens.py sqlite:///bench/out/kpis_county.db --json

prints {"screens": {screen: {"cold": [wall, cpu], "warm": [...], "charts": n,
"tables": n}}, "max_rss": bytes}; bench/run.py runs it in a subprocess per
database, so the caches and memory of one do not carry over to the next.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import secrets
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit.runtime.caching.cache_data_api  # noqa: E402, F401  (its logger, quieted below)

# The app's cached loaders are made when ui.auth is imported (the benches take its cookie name);
# outside a running app Streamlit warns once for each ("No runtime found"): 40 lines before --help.
logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)

APP = str(ROOT / "app.py")
SCREENS = ("overview", "attendance", "experts", "customers", "lead_time", "needs", "meeting")
USER = ("leader", "演示领导", "leader")  # username, display name, role (data_access.demo)
COOKIE_KEY = secrets.token_urlsafe(32)  # per bench run: the servers it starts sign their own cookies
TIMEOUT = 1800  # seconds per AppTest run: province on a loaded machine


@contextmanager
def app_environment(url: str):
    """DATABASE_URL (and a cookie key) for the runs; restored afterwards."""
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "DASHBOARD_COOKIE_KEY")}
    os.environ["DATABASE_URL"] = url
    os.environ["DASHBOARD_COOKIE_KEY"] = COOKIE_KEY
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def logged_in_app(screen: str):
    """A fresh AppTest of app.py, logged in as the leader, set to open `screen` first."""
    from streamlit.testing.v1 import AppTest

    from data_access.db import get_engine
    from data_access.sessions import start_session
    from ui.auth import TOKEN

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    username, _, _ = USER
    at.session_state[TOKEN] = start_session(get_engine(), username, client="bench")  # as a login would
    # Before the first run AppTest names the page by its file name, which is the screen's url_path.
    at.switch_page(f"views/{screen}.py")
    return at


def _timed_run(at) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    at.run()
    elapsed = (time.perf_counter() - wall, time.process_time() - cpu)
    if at.exception:
        raise RuntimeError(f"the screen raised: {[e.value for e in at.exception]}")
    return elapsed


def _best(runs: list[tuple[float, float]]) -> list[float]:
    return [min(wall for wall, _ in runs), min(cpu for _, cpu in runs)]


def time_screen(screen: str, repeat: int = 2) -> dict:
    """Cold and warm (best of `repeat`) of one screen; DATABASE_URL must be set (app_environment)."""
    import streamlit as st

    cold, warm = [], []
    for _ in range(repeat):
        st.cache_data.clear()
        at = logged_in_app(screen)
        cold.append(_timed_run(at))
        warm.append(_timed_run(at))
    shown = [
        page["url_pathname"]
        for page in at._registered_pages.values()
        if page.get("page_script_hash") == at._finished_page_script_hash
    ]
    if shown and shown[0] != screen:
        raise RuntimeError(f"AppTest ran {shown[0]!r}, not {screen!r}")
    return {
        "cold": _best(cold),
        "warm": _best(warm),
        "charts": len(at.get("plotly_chart")),
        "tables": len(at.dataframe) + len(at.table),
    }


def prime() -> None:
    """One logged-out run: imports and the engine, so the first screen is not charged for them."""
    from streamlit.testing.v1 import AppTest

    AppTest.from_file(APP, default_timeout=TIMEOUT).run()


def time_screens(url: str, screens=SCREENS, repeat: int = 2) -> dict:
    """{screen: time_screen(...)} on the database at `url`."""
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    with app_environment(url):
        prime()
        return {screen: time_screen(screen, repeat) for screen in screens}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="database URL (SQLAlchemy)")
    parser.add_argument("--screens", default=",".join(SCREENS))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = parser.parse_args(argv)
    result = {"screens": {}}
    for screen in args.screens.split(","):
        result["screens"].update(time_screens(args.url, [screen], args.repeat))
        if not args.json:
            timing = result["screens"][screen]
            print(
                f"{screen:11} cold {timing['cold'][0]:6.2f}s ({timing['cold'][1]:.2f} CPU)  "
                f"warm {timing['warm'][0]:5.2f}s ({timing['warm'][1]:.2f} CPU)",
                flush=True,
            )
    result["max_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
