"""Display rules in a real browser: the overview, lead-time and meeting screens at 1440×900 and
1920×1080 show no "None", "nan" or "NaT" and no KPI card cut off (label or value wider than its
box, or ending in "…"). Screenshots go to test-artifacts/screenshots/display-<screen>-<width>.png.
"""

from __future__ import annotations

import re

from tests.browser.conftest import login, screenshot, wait_idle
from tests.seed_small import PASSWORD

WINDOW = "from=2025-07-01&to=2025-09-30"
SCREENS = {"overview": "", "lead_time": "", "meeting": "&as_of=2025-09-30"}
SIZES = ({"width": 1440, "height": 900}, {"width": 1920, "height": 1080})
MISSING_WORDS = re.compile(r"\b(None|nan|NaN|NaT)\b")
# The text boxes of a card (label, value, delta): Streamlit cuts them with "…" (text-overflow) when
# they do not fit; ui.theme.BASE_CSS lets them wrap instead.
CUT_CARDS = """() => [...document.querySelectorAll('[data-testid="stMetric"] .stMarkdownEllipsis')]
    .filter(part => part.scrollWidth > part.clientWidth + 1 || part.innerText.trim().endsWith('…'))
    .map(part => part.innerText)"""


def test_no_missing_words_and_no_cut_cards_at_two_widths(page, server_url):
    page.goto(f"{server_url}/?{WINDOW}")
    wait_idle(page)
    login(page, "leader", PASSWORD)
    for screen, query in SCREENS.items():
        page.set_viewport_size(SIZES[0])
        page.goto(f"{server_url}/{screen}?{WINDOW}{query}")
        page.wait_for_selector('[data-testid="stMetric"]')
        for size in SIZES:  # the same page made wider: the layout flows again, no new load
            page.set_viewport_size(size)
            wait_idle(page, settle_ms=800)
            assert page.locator('[data-testid="stException"]').count() == 0, screen
            text = page.locator('[data-testid="stMain"]').inner_text()
            assert not MISSING_WORDS.findall(text), (screen, size, MISSING_WORDS.findall(text))
            assert page.evaluate(CUT_CARDS) == [], (screen, size)
            screenshot(page, f"display-{screen}-{size['width']}")
