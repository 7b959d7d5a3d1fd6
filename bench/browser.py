#!/usr/bin/env python
"""Time to the first chart in a real browser, and the server's memory.

Starts `streamlit run app.py` on a free port against a database, logs in as
the demo leader in Debian's Chromium (Python playwright, never `playwright
install`), then opens each screen by its URL path: a full page load, so a new
session that logs in again from the cookie and runs the screen's script. The
times are from the navigation's start (or the menu click) until the screen's first chart (a
`.js-plotly-plot`; the meeting screen has tables only and the needs screen's chart sits in its second
tab, so their first table) drawn by this run is visible (`seconds`: Streamlit draws elements as the
script produces them), and until that chart is visible with the app idle
(`complete`: `data-test-script-state=notRunning`, still so 400 ms later; the 400 ms are not counted). Each screen is opened twice: first
(the server has none of its data cached; screens opened earlier may have
filled shared entries such as the settings) and again (cached).

While the browser runs, a thread samples the resident memory (RSS) of the
server and its children every 50 ms; the peak is the larger of that and the
kernel's own high-water mark (VmHWM) of the server process. The peak without
file pages (RssAnon) is kept too: SQLite maps up to 512 MiB of the database
file (data_access.db), which the RSS counts although it is page cache. The server's CPU
seconds per visit (user + system, from /proc) are kept as well: unlike the
wall time they do not grow with the other processes' load.

    python bench/browser.py sqlite:///bench/out/kpis_county.db
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.screens import COOKIE_KEY, SCREENS
from deploy.local import streamlit_command
from ui.auth import COOKIE_NAME

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1920, "height": 1080}
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
NAV = '[data-testid="stSidebarNav"]'
# The first VISIBLE one: charts in tabs that are not selected exist but are hidden.
CHART = ".js-plotly-plot >> visible=true"
TABLE = '[data-testid="stDataFrame"], [data-testid="stTable"] >> visible=true'
FIRST_DRAWN = {"meeting": TABLE, "needs": TABLE}  # first drawn: tables (needs: the chart is in its 2nd tab)
# Drawn by this run: Streamlit marks the elements of the previous run data-stale="true" until replaced.
FRESH = {
    CHART: '[data-stale="false"] .js-plotly-plot >> visible=true',
    TABLE: '[data-stale="false"] [data-testid="stDataFrame"], [data-stale="false"] [data-testid="stTable"] '
    ">> visible=true",
}
SETTLE_MS = 400
TIMEOUT_MS = 300_000  # province on a loaded machine
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---- the server and its memory -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer within {timeout}s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def streamlit_server(db_url: str, log_dir: Path, root: Path = ROOT):
    """`streamlit run app.py` (of the checkout at `root`) on a free port against `db_url`; yields
    (base URL, process)."""
    port = free_port()
    log = log_dir / f"streamlit-{port}.log"
    env = dict(os.environ, DATABASE_URL=db_url, DASHBOARD_COOKIE_KEY=COOKIE_KEY)
    command = streamlit_command(port, root)
    with open(log, "w") as output:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _status_kib(pid: int, field: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(child) for child in (task / "children").read_text().split()]
    return found


def process_tree(pid: int) -> list[int]:
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += _children(current)
    return tree


def _cpu_ticks(pid: int) -> int:
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds so far of the process tree under `pid`."""
    return sum(_cpu_ticks(member) for member in process_tree(pid)) / CLOCK_TICKS


class MemoryWatch:
    """Samples the RSS of a process tree in a thread; `peak` in bytes, and `peak_anon`: the RSS
    without file pages (SQLite's memory-mapped database file counts in the RSS as page cache)."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.peak, self.peak_anon = pid, interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            tree = process_tree(self.pid)
            self.peak = max(self.peak, sum(_status_kib(member, "VmRSS") for member in tree) * 1024)
            self.peak_anon = max(self.peak_anon, sum(_status_kib(member, "RssAnon") for member in tree) * 1024)
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.peak = max(self.peak, _status_kib(self.pid, "VmHWM") * 1024)
        self._stop.set()
        self._thread.join()


# ---- the browser -----------------------------------------------------------------------------


def wait_drawn(page, selector: str) -> None:
    """Until `selector` is visible and the app is idle, and still idle SETTLE_MS later."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        page.wait_for_selector(selector, state="visible", timeout=TIMEOUT_MS)
        page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
        drawn = time.perf_counter()
        page.wait_for_timeout(SETTLE_MS)
        if page.locator(IDLE).count():
            return drawn
    raise TimeoutError(f"{selector} never drawn with the app idle")


def login(page, base_url: str, user: str, password: str) -> float:
    started = time.perf_counter()
    page.goto(base_url)
    form = page.locator('[data-testid="stForm"]')
    form.locator("input").nth(0).fill(user)
    form.locator("input").nth(1).fill(password)
    form.locator('[data-testid="stBaseButton-secondaryFormSubmit"]').click()
    page.wait_for_selector(NAV, timeout=TIMEOUT_MS)
    drawn = wait_drawn(page, CHART)  # the overview opens after login
    deadline = time.monotonic() + 30
    while COOKIE_NAME not in {cookie["name"] for cookie in page.context.cookies()}:
        if time.monotonic() > deadline:
            raise TimeoutError("the re-login cookie was never set")
        page.wait_for_timeout(100)
    return drawn - started


def browser_cpu(server_pid: int) -> float:
    """CPU seconds of playwright's driver and Chromium: this process's children but the server."""
    server = set(process_tree(server_pid))
    helpers = [pid for pid in process_tree(os.getpid()) if pid not in server and pid != os.getpid()]
    return sum(_cpu_ticks(pid) for pid in helpers) / CLOCK_TICKS


def open_screen(page, base_url: str, screen: str, server_pid: int) -> dict:
    """Navigate to the screen's URL; seconds until drawn, and the server's and the browser's CPU
    seconds meanwhile."""
    cpu, client = cpu_seconds(server_pid), browser_cpu(server_pid)
    started = time.perf_counter()
    page.goto(f"{base_url}/{screen}", wait_until="commit")
    selector = FIRST_DRAWN.get(screen, CHART)
    page.wait_for_selector(FRESH[selector], state="visible", timeout=TIMEOUT_MS)
    first = time.perf_counter()
    drawn = wait_drawn(page, selector)
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{screen}: the screen shows an exception")
    if page.locator('[data-testid="stForm"]').count() and not page.locator(NAV).count():
        raise RuntimeError(f"{screen}: the login form is shown, the cookie did not log in again")
    return {
        "seconds": first - started,
        "complete": drawn - started,
        "server_cpu": cpu_seconds(server_pid) - cpu,
        "browser_cpu": browser_cpu(server_pid) - client,
    }


# Counts the app's script runs that start after it is installed (reset before a menu click).
RUN_WATCH = """() => {
  window.__benchRuns = 0;
  if (window.__benchWatch) return;
  window.__benchWatch = new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.target.getAttribute('data-test-script-state') === 'running') window.__benchRuns += 1;
    }
  });
  window.__benchWatch.observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
}"""
STARTED_AND_IDLE = (
    "() => window.__benchRuns > 0 && document.querySelector("
    "'[data-testid=\"stApp\"]').getAttribute('data-test-script-state') === 'notRunning'"
)


def open_from_menu(page, screen: str, server_pid: int) -> dict:
    """Click the screen in the sidebar menu (no page load: the same session runs the screen's script)."""
    page.evaluate(RUN_WATCH)
    cpu, client = cpu_seconds(server_pid), browser_cpu(server_pid)
    started = time.perf_counter()
    page.locator(f'{NAV} a[href$="/{screen}"]').first.click()
    selector = FIRST_DRAWN.get(screen, CHART)
    page.wait_for_function("() => window.__benchRuns > 0", timeout=TIMEOUT_MS)
    page.wait_for_selector(FRESH[selector], state="visible", timeout=TIMEOUT_MS)
    first = time.perf_counter()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        page.wait_for_function(STARTED_AND_IDLE, timeout=TIMEOUT_MS)
        drawn = wait_drawn(page, selector)
        if page.evaluate(STARTED_AND_IDLE) or time.monotonic() > deadline:
            break
    return {
        "seconds": first - started,
        "complete": drawn - started,
        "server_cpu": cpu_seconds(server_pid) - cpu,
        "browser_cpu": browser_cpu(server_pid) - client,
    }


@contextlib.contextmanager
def logged_in_page(db_url: str, user: str, password: str):
    """A fresh server against `db_url` and a Chromium page logged in there: (page, base URL, server pid,
    login seconds, memory watch)."""
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="bench-browser-") as logs,
        streamlit_server(db_url, Path(logs)) as (base_url, process),
        MemoryWatch(process.pid) as memory,
        sync_playwright() as playwright,
    ):
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            seconds = login(page, base_url, user, password)
            yield page, base_url, process.pid, seconds, memory
            context.close()
        finally:
            chromium.close()


def time_browser(db_url: str, screens=SCREENS, user: str = "leader", password: str | None = None) -> dict:
    """{"login": s, "screens": {screen: {"first", "again", "menu", "menu_again": {"seconds", "complete", "server_cpu",
    "browser_cpu"}}}, "peak_rss": bytes}.

    Two fresh servers: on one, each screen by its URL (first visit, then again); on the other, each
    screen from the previous one's menu (the login draws the overview), twice round.
    """
    from data_access.demo import DEMO_PASSWORD

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)")
    password = password or DEMO_PASSWORD
    result: dict = {"screens": {screen: {} for screen in screens}}
    with logged_in_page(db_url, user, password) as (page, base_url, pid, seconds, memory):
        result["login"] = seconds
        for screen in screens:
            print(f"  browser: {screen} by URL", file=sys.stderr, flush=True)
            result["screens"][screen]["first"] = open_screen(page, base_url, screen, pid)
            result["screens"][screen]["again"] = open_screen(page, base_url, screen, pid)
    result["peak_rss"], result["peak_anon"] = memory.peak, memory.peak_anon
    with logged_in_page(db_url, user, password) as (page, base_url, pid, _seconds, memory):
        tour = [screen for screen in screens if screen != "overview"] + (["overview"] if "overview" in screens else [])
        for visit in ("menu", "menu_again"):
            print(f"  browser: {visit}", file=sys.stderr, flush=True)
            for screen in tour:
                result["screens"][screen][visit] = open_from_menu(page, screen, pid)
    result["peak_rss"] = max(result["peak_rss"], memory.peak)
    result["peak_anon"] = max(result["peak_anon"], memory.peak_anon)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="database URL (SQLAlchemy)")
    parser.add_argument("--screens", default=",".join(SCREENS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    # Stopped with SIGTERM: leave through the context managers, so the streamlit server stops too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = time_browser(args.url, args.screens.split(","))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"login {result['login']:.2f}s; server peak RSS {result['peak_rss'] / 2**20:,.0f} MiB")
        for screen, visits in result["screens"].items():
            print(
                f"{screen:11}"
                + "".join(
                    f"  {visit} {visits[visit]['seconds']:5.2f}s, complete {visits[visit]['complete']:5.2f}s"
                    f" (CPU server {visits[visit]['server_cpu']:.2f},"
                    f" browser {visits[visit]['browser_cpu']:.2f})"
                    for visit in ("first", "again", "menu", "menu_again")
                    if visit in visits
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
