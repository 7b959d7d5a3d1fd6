#!/usr/bin/env python
"""Many people at once, through the proxy: K logged-in browser sessions for a fixed time.

deploy/local.py starts N app processes behind nginx (deploy/nginx/dashboard.conf) on a PostgreSQL
database with demo data (`python manage.py demo --scale county|province`). One Debian Chromium
(playwright, never `playwright install`) opens K pages, each in its own context (own cookies, so
nginx spreads them over the processes by the route cookie):

- leaders (the other half, rounded up): log in, then open the screens one after the other from the
  menu, as bench/browser.py does: the time from the click until the screen's first chart (its
  first table on the meeting and needs screens) drawn by this run is visible;
- managers (--managers of them, default half): log in on a phone-sized page, whose home is the
  work-log form, then type a log and tap save, as bench/save_log.py does: the time until the
  confirmation toast is visible. Each manager session has its own account linked to its own
  posted manager, so saves never meet on one row (load_mgr_NN, load_lead_NN; made by this script).

Each session waits --think seconds (random, 1 to 2× the value) between steps. After --duration
seconds the sessions finish their step and stop. Reported: p50 / p95 / max of the login (until
the first chart or the form), of the first chart of a screen, of a saved log; errors (a timeout, a
shown exception, a save refused, the login form coming back); the app processes' RSS before the
browsers (idle), with every session open and its peak, so RSS per session; their CPU seconds per
wall second; the machine's load average before and after.

    python bench/load.py postgresql+psycopg://postgres@127.0.0.1:5432/bench_county \\
        --workers 1 --sessions 10 --duration 120 --json bench/out/load.json

Times are of this machine shared with the browser: Chromium drawing K pages takes CPU from the
app processes, so the figures are an upper bound of what K users on their own computers see.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, or_, select

from bench.browser import (
    CHART,
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_DRAWN,
    FRESH,
    IDLE,
    NAV,
    VIEWPORT,
    _status_kib,
    cpu_seconds,
)
from bench.save_log import FORM, PHONE
from bench.screens import SCREENS
from data_access.db import make_engine
from data_access.models import Posting
from data_access.passwords import hash_password
from data_access.users import upsert_user
from deploy.local import cluster

PASSWORD = "Load-bench-1"
STEP_TIMEOUT_MS = 60_000  # a step slower than this counts as an error
TOAST = '[data-testid="stToast"]'
EXCEPTION = '[data-testid="stException"]'


# ---- accounts --------------------------------------------------------------------------------


def make_accounts(db_url: str, leaders: int, managers: int) -> tuple[list[str], list[str]]:
    """load_lead_NN (leader) and load_mgr_NN (manager, each linked to a different manager posted
    today): created or reset with PASSWORD."""
    import datetime as dt

    today = dt.date.today()
    engine = make_engine(db_url)
    hashed = hash_password(PASSWORD)
    with engine.begin() as conn:
        posted = list(
            conn.execute(
                select(Posting.manager_id)
                .where(Posting.start_date <= today, or_(Posting.end_date.is_(None), and_(Posting.end_date >= today)))
                .group_by(Posting.manager_id)
                .order_by(Posting.manager_id)
                .limit(managers)
            ).scalars()
        )
        if len(posted) < managers:
            raise SystemExit(f"only {len(posted)} managers are posted today; ask for fewer manager sessions")
        lead_names = [f"load_lead_{number:02d}" for number in range(1, leaders + 1)]
        manager_names = [f"load_mgr_{number:02d}" for number in range(1, managers + 1)]
        for name in lead_names:
            upsert_user(conn, name, name, PASSWORD, "leader", password_hash=hashed, created_by="bench")
        for name, manager_id in zip(manager_names, posted):
            upsert_user(conn, name, name, PASSWORD, "manager", manager_id, password_hash=hashed, created_by="bench")
    engine.dispose()
    return lead_names, manager_names


# ---- one session -----------------------------------------------------------------------------


class Record:
    """What every session measured: seconds per kind of step, and the errors."""

    def __init__(self, kinds: tuple[str, ...] = ("login", "first_chart", "saved_log")):
        self.times: dict[str, list[float]] = {kind: [] for kind in kinds}
        self.errors: list[str] = []


async def log_in(page, base: str, user: str, ready: str) -> float:
    started = time.perf_counter()
    await page.goto(base)
    form = page.locator(FORM)
    await form.locator("input").nth(0).fill(user)
    await form.locator("input").nth(1).fill(PASSWORD)
    await form.locator('[data-testid="stBaseButton-secondaryFormSubmit"]').click()
    await page.locator(ready).first.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    seconds = time.perf_counter() - started
    await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_MS)
    return seconds


async def open_screen(page, screen: str) -> float:
    """Click the screen in the menu; seconds until its first chart (or table) of this run shows."""
    selector = FIRST_DRAWN.get(screen, CHART)
    started = time.perf_counter()
    await page.locator(f'{NAV} a[href$="/{screen}"]').first.click()
    await page.wait_for_selector(FRESH[selector], state="visible", timeout=STEP_TIMEOUT_MS)
    seconds = time.perf_counter() - started
    await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_MS)
    if await page.locator(EXCEPTION).count():
        raise RuntimeError(f"{screen}: exception shown")
    if not await page.locator(NAV).count():
        raise RuntimeError(f"{screen}: logged out")
    return seconds


async def save_log(page, number: int) -> float:
    """Type a log and tap save; seconds until the confirmation toast shows."""
    form = page.locator(FORM)
    await form.locator('[data-testid="stNumberInput"] input').first.fill("6")
    await form.locator("textarea").first.fill(f"负载测试：第 {number} 次保存")
    await page.wait_for_selector(TOAST, state="detached", timeout=STEP_TIMEOUT_MS)
    started = time.perf_counter()
    await form.locator('[data-testid="stBaseButton-primaryFormSubmit"]').click()
    toast = page.locator(TOAST).first
    await toast.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    seconds = time.perf_counter() - started
    text = await toast.inner_text()
    await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_MS)
    if "已保存" not in text and "已更新" not in text:  # a first save, or a change of the day's log
        raise RuntimeError(f"save answered {text!r}")
    return seconds


async def think(seconds: float) -> None:
    await asyncio.sleep(seconds * (1 + random.random()))


async def leader(browser, base: str, user: str, until: float, pause: float, record: Record) -> None:
    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        record.times["login"].append(await log_in(page, base, user, CHART))
        screens = [screen for screen in SCREENS if screen != "overview"] + ["overview"]
        step = random.randrange(len(screens))
        while time.monotonic() < until:
            await think(pause)
            screen = screens[step % len(screens)]
            step += 1
            try:
                record.times["first_chart"].append(await open_screen(page, screen))
            except Exception as error:  # noqa: BLE001 - every failure is a measured error
                record.errors.append(f"{user} {screen}: {str(error).splitlines()[0][:160]}")
                await page.goto(base)
                await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_MS)
    except Exception as error:  # noqa: BLE001
        record.errors.append(f"{user} login: {str(error).splitlines()[0][:160]}")
    finally:
        await context.close()


async def manager(browser, base: str, user: str, until: float, pause: float, record: Record) -> None:
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        record.times["login"].append(await log_in(page, base, user, f"{FORM} textarea"))
        number = 0
        while time.monotonic() < until:
            await think(pause)
            number += 1
            try:
                record.times["saved_log"].append(await save_log(page, number))
            except Exception as error:  # noqa: BLE001
                record.errors.append(f"{user} save {number}: {str(error).splitlines()[0][:160]}")
                await page.goto(base)
                await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_MS)
    except Exception as error:  # noqa: BLE001
        record.errors.append(f"{user} login: {str(error).splitlines()[0][:160]}")
    finally:
        await context.close()


# ---- the server ------------------------------------------------------------------------------


def rss_bytes(pids: list[int]) -> int:
    return sum(_status_kib(pid, "VmRSS") for pid in pids) * 1024


async def watch_rss(pids: list[int], stop: asyncio.Event, peak: list[int]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_bytes(pids))
        await asyncio.sleep(0.5)


async def warm_up(browser, app_urls: list[str], user: str) -> None:
    """Each app process directly (not through nginx): one login and the overview's first chart, so
    the imports and the first start are not in the figures (a deployed process has long done them)."""
    for url in app_urls:
        context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        page = await context.new_page()
        await log_in(page, url, user, CHART)
        await context.close()
    await asyncio.sleep(3)  # the closed sessions are let go


async def drive(
    base: str,
    app_urls: list[str],
    pids: list[int],
    leaders: list[str],
    managers: list[str],
    duration: float,
    pause: float,
) -> dict:
    from playwright.async_api import async_playwright

    record = Record()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await warm_up(browser, app_urls, (leaders or managers)[0])
        idle = rss_bytes(pids)
        cpu_before, wall_before = sum(cpu_seconds(pid) for pid in pids), time.monotonic()
        until = time.monotonic() + duration
        stop, peak = asyncio.Event(), [idle]
        watcher = asyncio.create_task(watch_rss(pids, stop, peak))
        sessions = [leader(browser, base, user, until, pause, record) for user in leaders]
        sessions += [manager(browser, base, user, until, pause, record) for user in managers]
        random.shuffle(sessions)
        open_rss = asyncio.create_task(rss_when_all_open(pids, until))
        await asyncio.gather(*sessions)
        wall = time.monotonic() - wall_before
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        stop.set()
        await watcher
        with_sessions = await open_rss
        await browser.close()
    return {
        "record": record,
        "rss_idle": idle,
        "rss_open": with_sessions,
        "rss_peak": peak[0],
        "cpu_per_second": cpu / wall,
        "wall": wall,
    }


async def rss_when_all_open(pids: list[int], until: float) -> int:
    """The RSS near the end of the run, every session logged in and open (before they close)."""
    await asyncio.sleep(max(until - time.monotonic() - 2, 0))
    return rss_bytes(pids)


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
    }


def run(db_url: str, workers: int, sessions: int, managers: int | None, duration: float, pause: float) -> dict:
    manager_count = sessions // 2 if managers is None else managers
    leader_names, manager_names = make_accounts(db_url, sessions - manager_count, manager_count)
    load_before = os.getloadavg()
    with cluster(workers, db_url) as running:
        outcome = asyncio.run(
            drive(running.url, running.app_urls, running.app_pids, leader_names, manager_names, duration, pause)
        )
    record = outcome["record"]
    per_session = (outcome["rss_open"] - outcome["rss_idle"]) / max(sessions, 1)
    return {
        "workers": workers,
        "sessions": sessions,
        "leaders": len(leader_names),
        "managers": len(manager_names),
        "duration": duration,
        "think": pause,
        "login": percentiles(record.times["login"]),
        "first_chart": percentiles(record.times["first_chart"]),
        "saved_log": percentiles(record.times["saved_log"]),
        "errors": len(record.errors),
        "error_samples": record.errors[:10],
        "rss_idle_mb": round(outcome["rss_idle"] / 2**20),
        "rss_open_mb": round(outcome["rss_open"] / 2**20),
        "rss_peak_mb": round(outcome["rss_peak"] / 2**20),
        "rss_per_session_mb": round(per_session / 2**20, 1),
        "app_cpu_cores": round(outcome["cpu_per_second"], 2),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def p50_p95(figures: dict) -> str:
    """A table cell of percentiles(): "p50 / p95", or a dash when nothing was measured."""
    return f"{figures['p50']} / {figures['p95']}" if figures.get("n") else "—"


def run_row(scale: str, result: dict, *cells) -> str:
    """A markdown table row of one run: scale, processes, sessions, `cells`, app CPU, load average."""
    load = f"{result['load_before'][0]} → {result['load_after'][0]}"
    row = [scale, result["workers"], result["sessions"], *cells, result["app_cpu_cores"], load]
    return "| " + " | ".join(str(cell) for cell in row) + " |"


def table_row(scale: str, result: dict) -> str:
    timed = [p50_p95(result[part]) for part in ("login", "first_chart", "saved_log")]
    return run_row(scale, result, *timed, result["errors"], result["rss_per_session_mb"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db_url", help="PostgreSQL with demo data (manage.py demo --scale ...)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="app processes; one run each")
    parser.add_argument("--sessions", type=int, nargs="+", default=[10], help="K concurrent sessions; one run each")
    parser.add_argument("--managers", type=int, help="manager sessions among them (default half)")
    parser.add_argument("--duration", type=float, default=120, help="seconds of load per run (default 120)")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a session's steps (1-2x)")
    parser.add_argument("--scale", default="county", help="a label for the table (county, province)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not args.db_url.startswith("postgresql"):
        parser.error("several app processes need PostgreSQL (docs/deploy.md)")
    results = []
    for workers in args.workers:
        for sessions in args.sessions:
            result = run(args.db_url, workers, sessions, args.managers, args.duration, args.think)
            result["scale"] = args.scale
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
    print(
        "| scale | processes | sessions | login p50 / p95 s | first chart p50 / p95 s | saved log p50 / p95 s "
        "| errors | RSS MB / session | app CPU (cores) | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for result in results:
        print(table_row(args.scale, result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
