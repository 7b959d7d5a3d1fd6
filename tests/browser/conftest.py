"""Browser tests: a real `streamlit run app.py` and Debian's Chromium via playwright.

Fixtures
    server_url   a session-wide server on a free port, DATABASE_URL = a small seeded
                 SQLite file made for the run (tests/seed_small.py; set
                 BROWSER_TEST_DATA=demo for the county demo instead)
    start_server a factory for a FRESH server (context manager yielding its URL; optional
                 db_url and cookie_key: two servers with one key share session cookies)
    browser      Chromium at /usr/bin/chromium (skipped, with the reason, if missing)
    page         a new 1920x1080 page in its own context (no cookies)

Helpers
    wait_idle(page)              until the script run has finished and stays finished
    login(page, user, password)  fill the login form, submit, wait
    click_screen(page, title)    open a screen from the menu (no page load), wait
    assert_displayed_well(page, name)  no error, no "None"/"nan"/"NaT", no KPI card cut off
    screenshot(page, name)       test-artifacts/screenshots/<name>.png (listed at the end)

Never `playwright install`: the browser is the Debian package (apt-get install chromium).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from data_access.db import ensure_schema, make_engine  # noqa: E402
from deploy.local import streamlit_command  # noqa: E402
from tests.seed_small import populate_small  # noqa: E402
from ui.auth import COOKIE_NAME  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1920, "height": 1080}
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
NAV = '[data-testid="stSidebarNav"]'
_STARTED = time.time()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seeded_database(path: Path) -> str:
    """URL of a new SQLite file at `path` with the small seed, or the county demo with
    BROWSER_TEST_DATA=demo."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    ensure_schema(engine)
    if os.environ.get("BROWSER_TEST_DATA") == "demo":
        from data_access.demo import generate_demo

        generate_demo(engine, "county", seed=2019)
    else:
        with engine.begin() as conn:
            populate_small(conn)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def browser_db_url(tmp_path_factory) -> str:
    """The database the session-wide server shows (seeded_database)."""
    return seeded_database(tmp_path_factory.mktemp("browser") / "dashboard.db")


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer within {timeout}s:\n{log.read_text()[-3000:]}")


class ServerUrl(str):
    """A server's base URL that also knows the server's log file."""

    log: Path


def server_log(url: ServerUrl) -> str:
    """What the server started by running_server / start_server at `url` has logged so far."""
    return url.log.read_text(errors="replace")


@contextlib.contextmanager
def running_server(db_url: str, log_dir: Path, cookie_key: str | None = None):
    """Start `streamlit run app.py` on a free port; yield its base URL; stop it.

    Servers given the same `cookie_key` accept each other's session cookies (processes behind one
    proxy); by default each server signs with a key of its own."""
    port = free_port()
    log = log_dir / f"streamlit-{port}.log"
    env = dict(os.environ, DATABASE_URL=db_url, DASHBOARD_COOKIE_KEY=cookie_key or secrets.token_urlsafe(32))
    command = streamlit_command(port)
    with open(log, "w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = ServerUrl(f"http://127.0.0.1:{port}")
    url.log = log
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def start_server(browser_db_url, tmp_path_factory):
    """Factory: `with start_server() as url:` runs a fresh server for one test (its log is
    server_log(url)); `start_server(db_url)` on another database."""
    log_dir = tmp_path_factory.mktemp("logs")
    return lambda db_url=None, cookie_key=None: running_server(db_url or browser_db_url, log_dir, cookie_key)


@pytest.fixture(scope="session")
def server_url(start_server):
    with start_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def wait_idle(page, timeout: float = 60_000, settle_ms: int = 400) -> None:
    """Wait until the app's script run is over and stays over for `settle_ms`."""
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        page.wait_for_selector(IDLE, timeout=timeout)
        page.wait_for_timeout(settle_ms)
        if page.locator(IDLE).count():
            return
    raise TimeoutError("the app kept running")


def login(page, user: str, password: str) -> None:
    form = page.locator('[data-testid="stForm"]')
    form.locator("input").nth(0).fill(user)
    form.locator("input").nth(1).fill(password)
    form.locator('[data-testid="stBaseButton-secondaryFormSubmit"]').click()
    page.wait_for_selector(NAV, timeout=60_000)
    wait_idle(page)
    wait_for_cookie(page)


def click_screen(page, title: str) -> None:
    """Open the screen titled `title` from the menu (a run of the live session over its websocket:
    no page load) and wait until its heading is drawn and the run is over."""
    page.locator(NAV).get_by_text(title, exact=True).click()
    page.wait_for_function(
        "title => [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title)", arg=title
    )
    wait_idle(page)


MISSING_WORDS = re.compile(r"\b(None|nan|NaN|NaT)\b")
# The text boxes of a card (label, value, delta): Streamlit cuts them with "…" (text-overflow) when
# they do not fit; ui.theme.BASE_CSS lets them wrap instead.
CUT_CARDS = """() => [...document.querySelectorAll('[data-testid="stMetric"] .stMarkdownEllipsis')]
    .filter(part => part.scrollWidth > part.clientWidth + 1 || part.innerText.trim().endsWith('…'))
    .map(part => part.innerText)"""


def assert_displayed_well(page, name: str) -> None:
    """The screen drawn now shows no error box, no "None", "nan" or "NaT", and no KPI card whose
    label or value is cut off (wider than its box, or ending in "…")."""
    assert page.locator('[data-testid="stException"]').count() == 0, name
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert not MISSING_WORDS.findall(text), (name, MISSING_WORDS.findall(text))
    assert page.evaluate(CUT_CARDS) == [], name


def wait_for_cookie(page, present: bool = True, timeout: float = 15) -> None:
    """Wait until the re-login cookie is set (or gone): the browser's cookie jar, not the page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = {cookie["name"] for cookie in page.context.cookies()}
        if (COOKIE_NAME in names) == present:
            return
        page.wait_for_timeout(100)
    raise TimeoutError(f"cookie {COOKIE_NAME} {'never set' if present else 'still there'}")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def pytest_terminal_summary(terminalreporter):
    """List the screenshots this run saved (the test modules import the helpers separately)."""
    saved = (
        sorted(p for p in SCREENSHOTS.glob("*.png") if p.stat().st_mtime >= _STARTED) if SCREENSHOTS.exists() else []
    )
    if saved:
        terminalreporter.write_sep("-", f"{len(saved)} screenshot(s) in {SCREENSHOTS}")
        for path in saved:
            terminalreporter.write_line(str(path))
