#!/usr/bin/env python
"""How long a manager waits to save a work log: from tapping 保存 to the confirmation.

A fresh server against a database with the demo accounts (`python manage.py demo --scale ...`);
Debian's Chromium at phone size (390×844) logs in as the demo manager, whose home is the work log.
Each round types a log and taps the save button, and times until the toast is shown: the first
save inserts the day's log (or changes it, when the data already has one); the rounds after it
change that log (保存修改, a version-checked update).

    python bench/save_log.py sqlite:///bench/out/kpis_province.db --rounds 5
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

from bench.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, streamlit_server  # noqa: E402

PHONE = {"width": 390, "height": 844}
FORM = '[data-testid="stForm"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def log_in(page, base: str, user: str, password: str) -> None:
    page.goto(base)
    form = page.locator(FORM)
    form.locator("input").nth(0).fill(user)
    form.locator("input").nth(1).fill(password)
    form.locator('[data-testid="stBaseButton-secondaryFormSubmit"]').click()
    page.locator(f"{FORM} textarea").first.wait_for(timeout=TIMEOUT_MS)  # the work-log form: the manager's home
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def timed_save(page, round_number: int) -> float:
    """Type a log and tap the form's save button; seconds until the confirmation toast is visible."""
    form = page.locator(FORM)
    form.locator('[data-testid="stNumberInput"] input').first.fill("6")
    form.locator("textarea").first.fill(f"性能测试：第 {round_number} 次保存")
    page.wait_for_selector('[data-testid="stToast"]', state="detached", timeout=TIMEOUT_MS)  # the last one faded
    button = form.locator('[data-testid="stBaseButton-primaryFormSubmit"]')
    started = time.perf_counter()
    button.click()
    page.wait_for_selector('[data-testid="stToast"]', timeout=TIMEOUT_MS)
    seconds = time.perf_counter() - started
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)
    return seconds


def time_saves(db_url: str, rounds: int, user: str, password: str) -> dict:
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="bench-save-") as logs,
        sync_playwright() as playwright,
        streamlit_server(db_url, Path(logs)) as (base, _),
    ):
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            log_in(page, base, user, password)
            first = timed_save(page, 1)
            changes = [timed_save(page, number) for number in range(2, rounds + 2)]
        finally:
            chromium.close()
    return {
        "first_save": round(first, 3),
        "later_saves": [round(s, 3) for s in changes],
        "later_median": round(statistics.median(changes), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="database URL with the demo accounts")
    parser.add_argument("--rounds", type=int, default=5, help="saves after the first (updates)")
    parser.add_argument("--user", default="manager")
    parser.add_argument("--password", default="demo123!")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    print(json.dumps(time_saves(args.url, args.rounds, args.user, args.password), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
