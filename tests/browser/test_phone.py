"""A manager on a phone (390×844): the work log is the home screen, a value out of range is refused
with a message that names the field and its range while everything typed stays, a day that already
has a log opens that log for editing, and the menu closes after choosing a screen.

The server's clock is set to Friday 2025-09-26 (DASHBOARD_TODAY): in the small seed the manager
M001 has logged Monday to Thursday of that week, so Friday is the day still missing.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from data_access.db import ensure_schema, make_engine
from data_access.writes import manager_log_on
from tests.browser.conftest import running_server, screenshot, wait_idle
from tests.seed_small import PASSWORD, populate_small
from ui.auth import CHART_LIBRARY
from ui.strings import ZH

TODAY = dt.date(2025, 9, 26)
THURSDAY = dt.date(2025, 9, 25)
PHONE = {"width": 390, "height": 844}
PHONE_AGENT = (  # what an Android phone's Chrome sends
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)
FORM = '[data-testid="stForm"]'
SIDEBAR = '[data-testid="stSidebar"]'


@pytest.fixture(scope="module")
def phone_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('phone') / 'phone.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    with engine.begin() as conn:
        populate_small(conn)
    yield url, engine
    engine.dispose()


@pytest.fixture(scope="module")
def phone_url(phone_db, tmp_path_factory):
    saved = os.environ.get("DASHBOARD_TODAY")
    os.environ["DASHBOARD_TODAY"] = TODAY.isoformat()  # the server process inherits it
    try:
        with running_server(phone_db[0], tmp_path_factory.mktemp("phone_logs")) as url:
            yield url
    finally:
        os.environ.pop("DASHBOARD_TODAY") if saved is None else os.environ.__setitem__("DASHBOARD_TODAY", saved)


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, user_agent=PHONE_AGENT
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def manager_log(engine, day: dt.date) -> dict | None:
    with engine.connect() as conn:
        manager_id = conn.exec_driver_sql("SELECT id FROM managers WHERE employee_no = 'M001'").scalar()
        return manager_log_on(conn, manager_id, "C001", day)


def sidebar_open(page) -> bool:
    """Whether the menu covers the page (a closed one is moved out of the window to the left)."""
    box = page.locator(SIDEBAR).bounding_box()
    return box is not None and box["width"] > 0 and box["x"] > -10


def save(page, label: str) -> None:
    page.locator(FORM).get_by_role("button", name=label).click()
    page.wait_for_timeout(300)
    wait_idle(page)


def test_a_manager_logs_a_day_on_a_phone(phone, phone_url, phone_db):
    _, engine = phone_db
    page = phone
    page.goto(phone_url)
    wait_idle(page)
    assert page.locator(FORM).count() == 1
    assert page.locator(f".st-key-{CHART_LIBRARY}").count() == 0  # a phone is not sent the chart library
    form = page.locator(FORM)
    form.locator("input").nth(0).fill("manager")
    form.locator("input").nth(1).fill(PASSWORD)
    form.get_by_role("button", name=ZH["login_submit"]).click()
    page.wait_for_function(  # the manager's home
        "title => document.querySelector('h1') && document.querySelector('h1').innerText.trim() === title",
        arg=ZH["nav_entry_log"],
    )
    wait_idle(page, settle_ms=1000)
    assert not sidebar_open(page)
    assert page.get_by_text("09-26 周五").count() == 1  # Friday is still missing a log
    assert (
        page.locator('[data-testid="stDateInput"] input').first.input_value() == TODAY.isoformat()
        or TODAY.strftime("%Y") in page.locator('[data-testid="stDateInput"]').first.inner_text()
    )
    hours = page.locator(f'{FORM} [data-testid="stNumberInput"] input').first
    assert hours.get_attribute("type") == "number"  # a phone shows the number keyboard
    page.locator(f"{FORM} textarea").first.fill("手机填报：配电房巡视")
    hours.fill("30")
    save(page, ZH["fm_save"])
    errors = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    assert any("工时：应 ≤ 24，实际为 30" in text for text in errors), errors
    assert manager_log(engine, TODAY) is None  # nothing saved
    assert hours.input_value() == "30.0" or hours.input_value() == "30"  # what was typed stays
    assert page.locator(f"{FORM} textarea").first.input_value() == "手机填报：配电房巡视"
    screenshot(page, "phone-log-refused")

    hours.fill("6")
    save(page, ZH["fm_save"])
    saved = manager_log(engine, TODAY)
    assert saved is not None and (saved["hours"], saved["content"]) == (6.0, "手机填报：配电房巡视")
    assert page.get_by_text(ZH["el_none_missing"].split("{")[0]).count() + page.get_by_text("09-19").count() >= 1

    # Thursday already has a log: choosing it loads that log; a change is saved with its version.
    day_field = page.locator('[data-testid="stDateInput"] [role="spinbutton"]').last
    day_field.click()
    page.keyboard.type("25")
    page.keyboard.press("Escape")  # closes the calendar; the typed day is committed
    page.locator("h1").first.click()
    page.wait_for_timeout(300)
    wait_idle(page)
    stored = manager_log(engine, THURSDAY)
    assert page.locator(f"{FORM} textarea").first.input_value() == stored["content"]
    page.locator(f"{FORM} textarea").first.fill(stored["content"] + "（补记）")
    save(page, ZH["fm_save_changes"])
    changed = manager_log(engine, THURSDAY)
    assert (changed["content"], changed["version"]) == (stored["content"] + "（补记）", stored["version"] + 1)
    screenshot(page, "phone-log-edited")

    # The menu: open it, choose a screen, and it closes by itself.
    page.locator('[data-testid="stExpandSidebarButton"]').first.click()
    page.wait_for_timeout(600)  # the menu slides in
    assert sidebar_open(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text(ZH["nav_entry_plan"]).click()
    page.wait_for_function(
        f"document.querySelector('h1') && document.querySelector('h1').innerText === '{ZH['nav_entry_plan']}'"
    )
    wait_idle(page)
    page.wait_for_timeout(600)  # the menu slides out
    assert not sidebar_open(page)
    assert page.locator(SIDEBAR).get_by_text(ZH["filter_heading"]).count() == 0  # no dashboard filters here
    screenshot(page, "phone-menu-closed")
