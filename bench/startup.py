#!/usr/bin/env python
"""The waits of a first visit: a server's start to a usable login page, and login to the first chart.

For each round: `streamlit run app.py` (of this checkout, or `--app-root` another one, e.g. the
previous commit in a `git worktree`, to time two versions in turns) starts against a database
with the demo accounts; Debian's Chromium opens the root URL as soon as the server answers its
health check. Reported per round: `health` (process start until /_stcore/health answers),
`login_page` (process start until the login form is visible and the app idle: the first script
run imports the app and checks the schema), and `first_chart` (pressing 登录 until the
overview's first chart is drawn, bench/browser.py's login measure), then the same login again in
a new browser on the warm server (`first_chart_warm`).

    python bench/startup.py sqlite:///bench/out/startup_county.db --rounds 3 [--app-root /tmp/base]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.browser import CHROMIUM, CHROMIUM_ARGS, IDLE, TIMEOUT_MS, VIEWPORT, login, streamlit_server
from data_access.demo import DEMO_PASSWORD


def one_round(chromium, db_url: str, root: Path) -> dict:
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="bench-startup-") as logs,
        streamlit_server(db_url, Path(logs), root) as (
            base,
            _,
        ),
    ):
        health = time.perf_counter() - started
        context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(base)
        page.locator('[data-testid="stForm"] input').first.wait_for(state="visible")
        page.wait_for_selector(IDLE)
        login_page = time.perf_counter() - started
        context.close()  # login() below opens the root URL again: the form is timed, not typed twice
        timings = []
        for _ in range(2):
            context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            timings.append(login(page, base, "leader", DEMO_PASSWORD))
            context.close()
    return {
        "health": round(health, 2),
        "login_page": round(login_page, 2),
        "first_chart": round(timings[0], 2),
        "first_chart_warm": round(timings[1], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db_url", help="a database with the demo accounts (manage.py demo)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout whose app.py runs")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        rounds = [one_round(chromium, args.db_url, args.app_root) for _ in range(args.rounds)]
        chromium.close()
    summary = {key: round(statistics.median(r[key] for r in rounds), 2) for key in rounds[0]}
    print(json.dumps({"app_root": str(args.app_root), "rounds": rounds, "median": summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
