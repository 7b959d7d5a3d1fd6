#!/usr/bin/env python
"""Many leaders at once, without browsers: K sessions speaking Streamlit's own websocket protocol.

bench/load.py drives K Chromium pages, and on a 2-core machine those pages, drawing plotly charts,
take the CPU the app processes would need: the run measures the browsers. A real user's browser
draws on the user's own computer. This bench measures the server side only: deploy/local.py
starts N app processes behind nginx on a PostgreSQL database with demo data, and K light clients
(one asyncio task each, a few MB between them) connect to /_stcore/stream through nginx as a
browser does, each with the signed session cookie of its own leader account (load_lead_NN, opened
with data_access.sessions.start_session: no password typed, so no bcrypt in the figures), and
ask for the leader's screens one after the other, as a click in the menu does (a rerun of the
session with the screen's page name), waiting --think seconds (1 to 2× the value) between steps.

Reported per step: `first_chart`, from the request until the first chart of the screen's run has
arrived (screens without a chart: until the run has finished), and `screen`, until the run has
finished; p50 / p95 / max over every step of every session; errors (a run that shows an
exception, a refused session, no answer within 60 s); the app processes' RSS before the sessions
(after a warm-up that opened every screen once in each process, so the shared read caches are
full) and with all of them open, so RSS per session while they work; before that, RSS per idle
session (K sessions that each open the overview and then stay connected doing nothing); the app
processes' CPU seconds per wall second; the load average.
What a person waits is this plus the browser's drawing on their own computer (bench/browser.py
measures a whole screen in a browser, one user at a time).

    python bench/load_protocol.py postgresql+psycopg://postgres@127.0.0.1:5432/bench_county \\
        --workers 1 2 --sessions 10 20 40 --duration 60 --json bench/out/load_protocol.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.TextInput_pb2 import TextInput

from bench.browser import cpu_seconds
from bench.load import (
    Record,
    make_accounts,
    p50_p95,
    percentiles,
    rss_bytes,
    rss_when_all_open,
    run_row,
    watch_rss,
)
from data_access.db import make_engine
from data_access.sessions import sign, start_session
from deploy.local import cluster
from ui.auth import COOKIE_NAME
from ui.nav import screens_for

STEP_TIMEOUT = 60  # seconds; a step slower than this counts as an error
WINDOW = "from=2026-07-01&to=2026-09-30"
KINDS = ("first_chart", "screen")
SCREENS = [screen.url_path for screen in screens_for("leader") if screen.url_path not in ("account", "subscriptions")]


async def one_run(ws, page: str) -> tuple[float, float, str | None]:
    """Ask for `page` on the open session; (seconds to the first chart or the end, seconds to the
    end of the run, an error or None)."""
    request = BackMsg()
    request.rerun_script.query_string = WINDOW
    request.rerun_script.page_name = page
    started = time.perf_counter()
    await ws.send(request.SerializeToString())
    first_chart, error = None, None
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(ws.recv(), STEP_TIMEOUT))
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element.WhichOneof("type")
            if element == "plotly_chart" and first_chart is None:
                first_chart = time.perf_counter() - started
            elif element == "exception":
                error = f"{page}: exception shown"
            elif element == "text_input" and message.delta.new_element.text_input.type == TextInput.PASSWORD:
                error = f"{page}: the login form came back"
        elif kind == "script_finished":
            ended = time.perf_counter() - started
            return (first_chart if first_chart is not None else ended), ended, error


def connect(base: str, cookie: str):
    """A session's websocket, as a browser opens it, with the leader's signed cookie."""
    stream = base.replace("http://", "ws://") + "/_stcore/stream"
    headers = {"Cookie": f"{COOKIE_NAME}={cookie}", "Origin": base}
    return websockets.connect(stream, subprotocols=["streamlit"], additional_headers=headers, max_size=None)


async def idle_sessions(base: str, pids: list[int], cookies: list[str], settle: float = 10) -> float:
    """Bytes of RSS one idle session adds: K sessions each open the overview once, one after the
    other, and stay connected doing nothing; RSS `settle` seconds later minus RSS before, over K."""
    before = rss_bytes(pids)
    async with contextlib.AsyncExitStack() as stack:
        for cookie in cookies:
            ws = await stack.enter_async_context(connect(base, cookie))
            *_, error = await one_run(ws, "overview")
            if error:
                raise SystemExit(f"idle session: {error}")
        await asyncio.sleep(settle)
        after = rss_bytes(pids)
    return (after - before) / len(cookies)


async def leader(base: str, cookie: str, until: float, pause: float, record: Record, steps: int | None = None) -> None:
    """One leader: connect with the cookie, then the screens in turn until the time is up (or after
    `steps` screens)."""
    screens = SCREENS[:]
    random.shuffle(screens)  # the sessions do not all ask for the same screen at once
    try:
        async with connect(base, cookie) as ws:
            step = 0
            while time.monotonic() < until and (steps is None or step < steps):
                chart, ended, error = await one_run(ws, screens[step % len(screens)])
                if error:
                    record.errors.append(error)
                else:
                    record.times["first_chart"].append(chart)
                    record.times["screen"].append(ended)
                step += 1
                await asyncio.sleep(random.uniform(pause, 2 * pause))
    except (TimeoutError, OSError, websockets.WebSocketException) as error:
        record.errors.append(f"{type(error).__name__}: {error}")


async def drive(base: str, pids: list[int], cookies: list[str], duration: float, pause: float) -> dict:
    record = Record(KINDS)
    idle = rss_bytes(pids)
    cpu_before, wall_before = sum(cpu_seconds(pid) for pid in pids), time.monotonic()
    until = time.monotonic() + duration
    stop, peak = asyncio.Event(), [idle]
    watcher = asyncio.create_task(watch_rss(pids, stop, peak))
    open_rss = asyncio.create_task(rss_when_all_open(pids, until))
    sessions = []
    for cookie in cookies:  # arrivals spread over the first pause, not all in one millisecond
        sessions.append(asyncio.create_task(leader(base, cookie, until, pause, record)))
        await asyncio.sleep(pause / max(len(cookies), 1))
    await asyncio.gather(*sessions)
    wall = time.monotonic() - wall_before
    cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    stop.set()
    await watcher
    return {"record": record, "rss_idle": idle, "rss_open": await open_rss, "cpu": cpu / wall}


async def warm_up(app_urls: list[str], cookie: str) -> None:
    """Each process directly, every screen once: its imports, first runs and the read caches every
    session shares are filled before the figures (and before the RSS the sessions are counted from),
    so RSS per session is what one more session adds."""
    for url in app_urls:
        record = Record(KINDS)
        await leader(url, cookie, time.monotonic() + STEP_TIMEOUT * len(SCREENS), 0, record, steps=len(SCREENS))
        if record.errors:
            raise SystemExit(f"warm-up on {url} failed: {record.errors[0]}")


def run(db_url: str, workers: int, sessions: int, duration: float, pause: float, settle: float = 10) -> dict:
    """One load run (see the module's docstring); `settle`: seconds the idle sessions wait before their
    RSS is read."""
    leaders, _ = make_accounts(db_url, sessions, 0)
    key = secrets.token_urlsafe(32)
    engine = make_engine(db_url)
    cookies = [sign(start_session(engine, name, client="bench"), key) for name in leaders]
    engine.dispose()
    load_before = os.getloadavg()
    with cluster(workers, db_url, extra_env={"DASHBOARD_COOKIE_KEY": key}) as running:
        asyncio.run(warm_up(running.app_urls, cookies[0]))
        idle = asyncio.run(idle_sessions(running.url, running.app_pids, cookies, settle))
        outcome = asyncio.run(drive(running.url, running.app_pids, cookies, duration, pause))
    record = outcome["record"]
    return {
        "workers": workers,
        "sessions": sessions,
        "duration": duration,
        "think": pause,
        "first_chart": percentiles(record.times["first_chart"]),
        "screen": percentiles(record.times["screen"]),
        "errors": len(record.errors),
        "error_samples": record.errors[:10],
        "rss_idle_mb": round(outcome["rss_idle"] / 2**20),
        "rss_open_mb": round(outcome["rss_open"] / 2**20),
        "rss_per_session_mb": round((outcome["rss_open"] - outcome["rss_idle"]) / max(sessions, 1) / 2**20, 1),
        "rss_per_idle_session_mb": round(idle / 2**20, 1),
        "app_cpu_cores": round(outcome["cpu"], 2),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def table_row(scale: str, result: dict) -> str:
    return run_row(
        scale,
        result,
        p50_p95(result["first_chart"]),
        p50_p95(result["screen"]),
        result["first_chart"].get("n", 0),
        result["errors"],
        result["rss_per_session_mb"],
        result["rss_per_idle_session_mb"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db_url", help="PostgreSQL with demo data (manage.py demo --scale ...)")
    parser.add_argument("--scale", default="county", help="a label for the table row")
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--think", type=float, default=3, help="seconds between steps (1 to 2x)")
    parser.add_argument("--json", type=Path, help="append the results here")
    args = parser.parse_args(argv)
    results = []
    for workers in args.workers:
        for sessions in args.sessions:
            result = run(args.db_url, workers, sessions, args.duration, args.think)
            results.append(result)
            print(table_row(args.scale, result), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        earlier = json.loads(args.json.read_text()) if args.json.exists() else []
        args.json.write_text(json.dumps(earlier + results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
