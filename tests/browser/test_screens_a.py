"""The 驻点考勤 and 专家智库 screens in a real browser: the attendance cards and charts, the heat
map's hover, the manager drill-down, and a phone-width page without sideways scrolling.

The experts screen's cards and charts are counted in the leader's tour (tests/browser/test_shell.py);
projection mode of both in tests/browser/test_playlist.py."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, screenshot, wait_idle
from tests.seed_small import PASSWORD
from ui.strings import ZH

WINDOW = "from=2025-07-01&to=2025-09-30"
EXCEPTION = '[data-testid="stException"]'
METRIC = '[data-testid="stMetric"]'
PLOT = ".js-plotly-plot"
PHONE = {"width": 390, "height": 844}


def open_screen(page, server_url: str, screen: str) -> None:
    """Log in as the leader, then load the screen by its URL (a full load, re-login from the cookie)."""
    page.goto(f"{server_url}/?{WINDOW}")
    wait_idle(page)
    login(page, "leader", PASSWORD)
    page.goto(f"{server_url}/{screen}?{WINDOW}")
    page.wait_for_selector(PLOT)
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0


def rows_caption(page) -> list[str]:
    return page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()


def choose(page, label: str, option: str, attempts: int = 3) -> None:
    """Pick `option` in the selectbox labelled `label` (a rerun may close a list that just opened)."""
    picker = page.locator('[data-testid="stSelectbox"]', has_text=label)
    for attempt in range(attempts):
        picker.locator("input").click()
        choice = page.get_by_role("option").filter(has_text=option)
        try:
            choice.wait_for(timeout=5_000)
        except Exception:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            wait_idle(page)
            continue
        choice.click()
        wait_idle(page)
        return


def test_attendance_drill_down_and_heat_map_hover(page, server_url):
    open_screen(page, server_url, "attendance")
    assert page.locator(METRIC).count() == 5
    assert page.locator(PLOT).count() == 3  # heat map, problem ages, plans
    screenshot(page, "attendance-leader")

    drill = ZH["att_drill_weeks"].split("{")[0]
    before = [c for c in rows_caption(page) if c.startswith(drill)]
    choose(page, ZH["att_drill_pick"], "M003")
    after = [c for c in rows_caption(page) if c.startswith(drill)]
    assert before and after and before != after
    assert page.locator(EXCEPTION).count() == 0

    heat_map = page.locator(PLOT).first
    heat_map.scroll_into_view_if_needed()
    box = heat_map.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.05, box["y"] + box["height"] * 0.15)
    hover = page.locator(".hoverlayer .hovertext")
    hover.first.wait_for(timeout=10_000)
    assert "M002" in hover.first.text_content()  # the worst manager is the top row


@pytest.mark.parametrize("screen", ["attendance", "experts"])
def test_phone_width_needs_no_sideways_scrolling(browser, server_url, screen):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{server_url}/{screen}?{WINDOW}")
        wait_idle(page)
        form = page.locator('[data-testid="stForm"]')
        form.locator("input").nth(0).fill("leader")
        form.locator("input").nth(1).fill(PASSWORD)
        form.locator('[data-testid="stBaseButton-secondaryFormSubmit"]').click()
        page.wait_for_selector(PLOT, timeout=60_000)
        wait_idle(page)
        assert page.locator(EXCEPTION).count() == 0
        widths = page.evaluate("""() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return [main.scrollWidth, main.clientWidth, document.documentElement.scrollWidth, window.innerWidth];
        }""")
        assert widths[0] <= widths[1] + 1 and widths[2] <= widths[3] + 1, widths
        first_card = page.locator(METRIC).first.bounding_box()
        assert first_card["width"] > PHONE["width"] * 0.6  # cards stack one per row
        screenshot(page, f"{screen}-phone")
    finally:
        context.close()
