"""The wall-screen playlist and projection mode in a real browser at 1920×1080.

The playlist advances on its own timer, cycles back, keeps the login (cookie) and the filters,
pauses and steps with the keyboard; every projected screen fits the window without scrolling
(the element that scrolls in Streamlit 1.67 is [data-testid=stMain]). Screenshots of each
projected screen go to test-artifacts/screenshots/ (listed at the end of the run).
"""

from __future__ import annotations

import itertools
import re
import time
from urllib.parse import parse_qs, urlparse

from tests.browser.conftest import login, screenshot, wait_idle
from tests.seed_small import PASSWORD
from ui.nav import SCREENS
from ui.playlist import playlist_screens
from ui.strings import ZH

SECONDS = 5
THREE = ("overview", "attendance", "lead_time")
WINDOW = "from=2025-07-01&to=2025-09-30"
PLAYLIST = f"present=1&rotate={SECONDS}&screens={','.join(THREE)}"
EXCEPTION = '[data-testid="stException"]'
FORM = '[data-testid="stForm"]'
FOOTER = ".st-key-playlist_footer"
TITLES = {screen.url_path: ZH[screen.title_key] for screen in SCREENS}
SCROLL = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return {main: [main.scrollHeight, main.clientHeight], page: [document.scrollingElement.scrollHeight, innerHeight]};
}"""


def path_of(page) -> str:
    return urlparse(page.url).path.strip("/")


def wait_for_path(page, path: str, timeout: float) -> float:
    """Wait until the URL shows the screen `path`; returns the time it was seen (time.monotonic)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path_of(page) == path:
            return time.monotonic()
        page.wait_for_timeout(100)
    raise AssertionError(f"still on {path_of(page)!r} after {timeout}s, expected {path!r}")


def assert_fits(page, name: str) -> None:
    """No scroll bar: the main container and the page are no taller than the window."""
    heights = page.evaluate(SCROLL)
    main_height, main_client = heights["main"]
    page_height, window = heights["page"]
    assert main_height <= main_client, f"{name}: content {main_height}px > {main_client}px"
    assert page_height <= window, f"{name}: page {page_height}px > {window}px"


def assert_screen(page, path: str) -> None:
    """The screen `path` is shown whole, without an error and without the login form."""
    page.wait_for_function(
        "t => document.querySelector('h1') && document.querySelector('h1').innerText === t", arg=TITLES[path]
    )
    wait_idle(page)
    assert path_of(page) == path
    assert page.locator(EXCEPTION).count() == 0, path
    assert page.locator(FORM).count() == 0, f"{path}: the login form is back"


def footer_text(page) -> str:
    return page.locator(FOOTER).inner_text()


def wait_for_footer(page, paused: bool) -> None:
    """Wait until the footer says the playlist is paused (or running); it is redrawn on every run."""
    page.wait_for_function(
        """([selector, paused]) => {
        const footer = document.querySelector(selector);
        return footer !== null && footer.innerText.includes('已暂停') === paused;
    }""",
        arg=[FOOTER, paused],
    )


def open_playlist(page, server_url: str, query: str) -> None:
    """Log in, then load the playlist link afresh: a new session that logs in from the cookie
    and starts at the hidden default page ("/")."""
    page.goto(f"{server_url}/?{WINDOW}")
    wait_idle(page)
    login(page, "leader", PASSWORD)
    page.goto(f"{server_url}/?{WINDOW}&{query}")


def test_the_playlist_cycles_on_its_timer_and_survives_a_reload(page, server_url):
    open_playlist(page, server_url, PLAYLIST)
    wait_for_path(page, "overview", 30)
    changes, refreshed = [], []
    for following in (*THREE[1:], THREE[0]):
        here = path_of(page)
        assert_screen(page, here)
        assert page.locator('[data-testid="stSidebar"]').is_hidden()  # nothing but the screen
        assert_fits(page, here)
        text = footer_text(page)
        assert "统计区间 2025-07-01 至 2025-09-30 · 刷新于" in text, text
        refreshed.append(re.search(r"刷新于 (\d{2}:\d{2}:\d{2})", text).group(1))
        screenshot(page, f"playlist-cycle-{here}")
        changes.append(wait_for_path(page, following, SECONDS * 4))
    query = parse_qs(urlparse(page.url).query)
    assert query["rotate"] == [str(SECONDS)] and query["screens"] == [",".join(THREE)]
    assert query["from"] == ["2025-07-01"] and query["present"] == ["1"]
    # One timer: a screen stays about SECONDS (a stacked timer would switch sooner).
    intervals = [later - earlier for earlier, later in itertools.pairwise(changes)]
    assert all(SECONDS - 1 <= interval <= SECONDS * 3 for interval in intervals), intervals
    assert len(set(refreshed)) == len(refreshed), refreshed  # each cycle read the data again

    page.reload()  # a new session: the cookie logs in again and the playlist goes on
    wait_idle(page)
    here = path_of(page)  # overview, or already the next one when a busy machine drew it slowly
    assert here in THREE and page.locator(FORM).count() == 0, here
    following = THREE[(THREE.index(here) + 1) % len(THREE)]
    wait_for_path(page, following, SECONDS * 4)
    assert_screen(page, following)


def test_keys_pause_resume_and_step(page, server_url):
    open_playlist(page, server_url, PLAYLIST)
    wait_for_path(page, "overview", 30)
    assert_screen(page, "overview")
    page.keyboard.press("Space")
    wait_for_footer(page, paused=True)
    wait_idle(page)
    assert page.locator('[data-testid="stSidebar"]').count() == 1  # paused: the sidebar can be opened
    page.wait_for_timeout((SECONDS + 3) * 1000)
    assert path_of(page) == "overview"  # paused: no advance

    page.keyboard.press("ArrowRight")
    wait_for_path(page, "attendance", 10)
    assert_screen(page, "attendance")
    assert "已暂停" in footer_text(page)  # a step keeps the pause
    page.keyboard.press("ArrowLeft")
    wait_for_path(page, "overview", 10)
    assert_screen(page, "overview")
    page.keyboard.press("ArrowLeft")  # back past the first screen to the last
    wait_for_path(page, "lead_time", 10)
    assert_screen(page, "lead_time")

    page.keyboard.press("Space")  # resume
    wait_for_footer(page, paused=False)
    wait_for_path(page, "overview", SECONDS * 4)
    assert_screen(page, "overview")


def font_sizes(page, selector: str) -> list[float]:
    """The font size in px of the first three elements matching `selector`."""
    return [
        float(element.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
        for element in page.locator(selector).all()[:3]
    ]


def assert_projected(page, path: str, name: str) -> None:
    """The projected screen fits 1920×1080, offers no download and no scrolling table, uses large
    card and table type on black."""
    page.wait_for_timeout(300)  # charts settle their height
    assert_fits(page, path)
    assert page.locator('[data-testid="stDownloadButton"]:visible').count() == 0, path
    assert page.locator('[data-testid="stDataFrame"]').count() == 0, path  # compact: no long tables
    for size in font_sizes(page, '[data-testid="stMetricValue"]'):  # large card type
        assert size >= 48, (path, size)
    for size in font_sizes(page, '[data-testid="stTable"] td'):  # large table type
        assert size >= 20, (path, size)
    background = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    assert background == "rgb(0, 0, 0)"
    screenshot(page, f"{name}-{path}")


def test_every_projected_screen_fits_1920x1080(page, server_url):
    """Every playlist screen with the playlist's footer (a long interval: → steps to the next screen,
    a run of the same session), then projection alone (no footer) from a fresh load of the first."""
    every = [screen.url_path for screen in playlist_screens("leader")]
    page.goto(f"{server_url}/?{WINDOW}")
    wait_idle(page)
    login(page, "leader", PASSWORD)
    page.goto(f"{server_url}/{every[0]}?{WINDOW}&present=1&rotate=600&screens={','.join(every)}")
    for index, path in enumerate(every):
        if index:
            page.keyboard.press("ArrowRight")
            wait_for_path(page, path, 30)
        assert_screen(page, path)
        assert_projected(page, path, "playlist")
    page.goto(f"{server_url}/{every[0]}?{WINDOW}&present=1")
    assert_screen(page, every[0])
    assert page.locator(FOOTER).count() == 0
    assert_projected(page, every[0], "projection")
