#!/usr/bin/env python
"""What the identity controls cost: the browser's login, and the session check of every run.

Login: a fresh server (`streamlit run app.py`) against a database with the demo accounts; each
round opens a new browser context at the root URL (a first visit: nothing cached) and times it to
the login form (`form`), types the demo leader's name and password as a person would (3 s), and
times pressing 登录 to the overview's first chart drawn (`login`: the wait a person has).
`--app-root` runs another checkout's app.py (for example an earlier commit in a `git worktree`),
so two versions can be timed in turns on one machine:

    python bench/auth.py sqlite:///bench/out/auth_new.db --rounds 5 \
        --compare /tmp/base sqlite:///bench/out/auth_old.db

Session check: data_access.sessions.check_session, the one read every script run makes, timed
in-process over `--checks` calls (mean, median, 95th percentile), on each database given with
--check-url (it needs this checkout's schema).
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

from bench.browser import (  # noqa: E402
    CHART,
    CHROMIUM,
    CHROMIUM_ARGS,
    NAV,
    TIMEOUT_MS,
    VIEWPORT,
    streamlit_server,
    wait_drawn,
)

# What a person takes to type a user name and a password before pressing 登录.
TYPING_SECONDS = 3.0


def login_seconds(page, base_url: str, user: str, password: str, typing: float = TYPING_SECONDS) -> dict:
    """Seconds from opening the root URL to the login form (`form`), and from pressing 登录 to the
    overview's first chart drawn (`login`), with `typing` seconds between the form and the press."""
    started = time.perf_counter()
    page.goto(base_url)
    form = page.locator('[data-testid="stForm"]')
    form.wait_for()
    shown = time.perf_counter()
    form.locator("input").nth(0).fill(user)
    form.locator("input").nth(1).fill(password)
    page.wait_for_timeout(max(0.0, typing - (time.perf_counter() - shown)) * 1000)
    pressed = time.perf_counter()
    form.locator('[data-testid="stBaseButton-secondaryFormSubmit"]').click()
    page.wait_for_selector(NAV, timeout=TIMEOUT_MS)
    return {"form": shown - started, "login": wait_drawn(page, CHART) - pressed}


def time_logins(targets: list[tuple[Path, str]], rounds: int, user: str, password: str) -> list[list[dict]]:
    """login_seconds' two waits per target (app root, database URL), the targets taken in turns."""
    from playwright.sync_api import sync_playwright

    results: list[list[dict]] = [[] for _ in targets]
    with tempfile.TemporaryDirectory(prefix="bench-auth-") as logs, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        servers = [streamlit_server(url, Path(logs), root) for root, url in targets]
        bases = [server.__enter__()[0] for server in servers]
        try:
            for base in bases:  # a first login warms each server (imports, engine, caches)
                _one_login(chromium, base, user, password)
            for _ in range(rounds):
                for index, base in enumerate(bases):
                    results[index].append(_one_login(chromium, base, user, password))
        finally:
            for server in reversed(servers):
                server.__exit__(None, None, None)
            chromium.close()
    return results


def _one_login(chromium, base: str, user: str, password: str) -> dict:
    context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        return login_seconds(page, base, user, password)
    finally:
        context.close()


def time_checks(url: str, checks: int, user: str) -> dict:
    """Milliseconds per check_session on `url` (a live session of `user`)."""
    from data_access.db import get_engine
    from data_access.sessions import check_session, start_session

    engine = get_engine(url)
    token = start_session(engine, user, client="bench")
    check_session(engine, token)
    times = []
    for _ in range(checks):
        started = time.perf_counter()
        check_session(engine, token)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "mean_ms": statistics.fmean(times),
        "median_ms": times[len(times) // 2],
        "p95_ms": times[int(len(times) * 0.95)],
    }


def summary(seconds: list[float]) -> dict:
    return {
        "runs": [round(s, 3) for s in seconds],
        "median": round(statistics.median(seconds), 3),
        "min": round(min(seconds), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="database URL of this checkout's app (with the demo accounts)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("APP_ROOT", "URL"),
        help="another checkout and its database, timed in turns with this one",
    )
    parser.add_argument("--check-url", action="append", default=[], help="database for the session-check timing")
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--user", default="leader")
    parser.add_argument("--password", default="demo123!")
    args = parser.parse_args(argv)

    targets = [(ROOT, args.url)] + ([(Path(args.compare[0]).resolve(), args.compare[1])] if args.compare else [])
    result: dict = {}
    if args.rounds:
        if not Path(CHROMIUM).exists():
            print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
            return 1
        logins = time_logins(targets, args.rounds, args.user, args.password)
        result["login"] = {
            str(root): {wait: summary([run[wait] for run in runs]) for wait in ("form", "login")}
            for (root, _), runs in zip(targets, logins)
        }
        print(json.dumps(result["login"]), flush=True)
    try:
        result["session_check"] = {url: time_checks(url, args.checks, args.user) for url in args.check_url}
    except LookupError as exc:
        print(f"session check: {exc} (run `manage.py demo` against that database first)", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
