"""The data-entry screens in a real browser: a manager's log of today counted on the attendance
screen, the office's screens and a bulk edit in st.data_editor, the template download, the leader
kept out. Runs its own server on its own database (these tests write)."""

from __future__ import annotations

import datetime as dt
import io
import os

import openpyxl
import pytest
from sqlalchemy import select

from data_access.db import make_engine
from data_access.demo import DEMO_PASSWORD
from data_access.models import Manager, User, WorkLog
from data_access.settings import load_settings
from data_access.writes import days_without_log, load_row
from metrics import attendance, logs
from metrics.window import Window
from tests.browser.conftest import click_screen, login, running_server, screenshot, seeded_database, wait_idle
from tests.seed_small import PASSWORD
from ui.nav import SCREENS
from ui.strings import ZH

EXCEPTION = '[data-testid="stException"]'
FORM = '[data-testid="stForm"]'
PASSWORD_OF_DATA = DEMO_PASSWORD if os.environ.get("BROWSER_TEST_DATA") == "demo" else PASSWORD
ENTRY_SCREENS = [screen for screen in SCREENS if screen.section != "nav_section_screens"]


@pytest.fixture(scope="module")
def entry_db_url(tmp_path_factory) -> str:
    """A database of its own: the writes here must not change what other browser tests see."""
    return seeded_database(tmp_path_factory.mktemp("entry") / "entry.db")


@pytest.fixture(scope="module")
def entry_url(entry_db_url, tmp_path_factory):
    with running_server(entry_db_url, tmp_path_factory.mktemp("entry_logs")) as url:
        yield url


def week_of(day: dt.date) -> Window:
    """The ISO week of `day`, Monday to Sunday."""
    monday = day - dt.timedelta(days=day.weekday())
    return Window(monday, monday + dt.timedelta(days=6))


def form_day(db_url: str) -> dt.date:
    """The day the work-log form opens on: the demo manager's newest posted workday of the last two
    weeks without a log, else today (views/entry_log.py)."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        manager_id = conn.execute(select(User.manager_id).where(User.username == "manager")).scalar_one()
        missing = days_without_log(conn, manager_id, dt.date.today() - dt.timedelta(days=13), dt.date.today())
    engine.dispose()
    return missing[0] if missing else dt.date.today()


def manager_numbers(db_url: str, window: Window) -> dict:
    """The demo manager's attendance and log numbers in the window, from the metrics functions."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        settings = load_settings(conn)
        manager_id = conn.execute(select(User.manager_id).where(User.username == "manager")).scalar_one()
        employee_no = conn.execute(select(Manager.employee_no).where(Manager.id == manager_id)).scalar_one()
        weeks = attendance.compliance(conn, window, settings).by_manager.set_index("employee_no")
        days = logs.completeness(conn, window, settings).by_manager.set_index("employee_no")
        matrix = attendance.weekly_matrix(conn, window, settings)
        listed = logs.manager_logs(conn, window, employee_no)
    engine.dispose()
    own_week = matrix[matrix["employee_no"] == employee_no]
    return {
        "employee_no": employee_no,
        "weeks": weeks.loc[employee_no] if employee_no in weeks.index else None,
        "days": days.loc[employee_no] if employee_no in days.index else None,
        "on_site_days": int(own_week["on_site_days"].sum()),
        "logs": len(listed),
    }


def drill_caption(numbers: dict) -> str:
    parts = []
    if numbers["weeks"] is not None:
        parts.append(
            ZH["att_drill_weeks"].format(compliant=int(numbers["weeks"]["compliant"]), due=int(numbers["weeks"]["due"]))
        )
    if numbers["days"] is not None:
        parts.append(
            ZH["att_drill_days"].format(
                logged=int(numbers["days"]["logged_workdays"]), posted=int(numbers["days"]["posted_workdays"])
            )
        )
    return " · ".join(parts)


def open_attendance(page, url: str, window: Window) -> None:
    page.goto(f"{url}/attendance?from={window.start}&to={window.end}")
    page.wait_for_selector("h1")
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0


def captions(page) -> list[str]:
    return page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()


def test_manager_logs_a_day_and_the_attendance_screen_counts_it(page, entry_url, entry_db_url):
    day = form_day(entry_db_url)
    week = week_of(day)
    before = manager_numbers(entry_db_url, week)
    page.goto(f"{entry_url}/attendance?from={week.start}&to={week.end}")
    wait_idle(page)
    login(page, "manager", PASSWORD_OF_DATA)
    open_attendance(page, entry_url, week)
    if before["logs"] == 0:
        assert page.get_by_text(ZH["att_drill_no_logs"]).count() == 1
    screenshot(page, "entry-attendance-before")

    page.goto(f"{entry_url}/entry_log?from={week.start}&to={week.end}")
    page.wait_for_selector(FORM)
    wait_idle(page)
    assert page.locator("h1").first.inner_text() == ZH["nav_entry_log"]
    form = page.locator(FORM)
    customer = page.locator('[data-testid="stSelectbox"]').filter(has_text=ZH["fm_choose"])
    if customer.count():  # several postings that day: take the first
        customer.first.click()
        page.locator('[role="option"]').first.click()
        wait_idle(page)
    content = f"浏览器测试：现场巡视 {dt.datetime.now():%H%M%S}"
    form.locator('[data-testid="stNumberInput"] input').fill("6")
    form.locator("textarea").first.fill(content)
    form.get_by_role("button", name=ZH["fm_save"]).click()
    toast = page.wait_for_selector('[data-testid="stToast"]').inner_text()  # read it before it fades
    assert "已保存" in toast and str(day) in toast, toast
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, "entry-log-saved")
    engine = make_engine(entry_db_url)
    with engine.connect() as conn:
        saved = conn.execute(
            select(WorkLog.on_site, WorkLog.hours)
            .join(Manager, Manager.id == WorkLog.manager_id)
            .where(Manager.employee_no == before["employee_no"], WorkLog.date == day, WorkLog.content == content)
        ).one()
    engine.dispose()
    assert tuple(saved) == (True, 6.0)

    # The manager's own list of logs shows the new log.
    page.get_by_text(ZH["el_mode_edit"]).click()
    wait_idle(page)
    screenshot(page, "entry-log-list")
    page.locator('[data-testid="stSelectbox"]').filter(has_text=ZH["el_pick"]).click()
    options = page.locator('[role="option"]').all_inner_texts()
    assert any(option.startswith(f"{day} · ") and content[:20] in option for option in options), options
    page.keyboard.press("Escape")

    after = manager_numbers(entry_db_url, week)
    assert after["logs"] == before["logs"] + 1 and after["on_site_days"] == before["on_site_days"] + 1
    open_attendance(page, entry_url, week)
    assert page.get_by_text(ZH["att_drill_no_logs"]).count() == 0
    assert drill_caption(after) in captions(page)
    page.get_by_text(ZH["att_drill_title"]).scroll_into_view_if_needed()
    screenshot(page, "entry-attendance-after")


def fill_grid_cell(page, grid, row: int, column: int, value: str) -> None:
    """Type a date into a cell of st.data_editor (glide grid): select, open the editor, fill, commit."""
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 40, box["y"] + 35 * (row + 1) + 17)  # header and rows are 35 px high
    # Paced: on a loaded machine the grid dropped keys pressed at once and the date landed in another column.
    page.wait_for_timeout(300)
    for _ in range(column):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(40)
    page.wait_for_timeout(200)
    page.keyboard.press("Enter")
    page.locator("#portal input").first.fill(value)
    page.keyboard.press("Enter")
    wait_idle(page)


def test_office_opens_every_entry_screen_and_saves_a_table(page, entry_url, entry_db_url):
    page.goto(entry_url)
    wait_idle(page)
    login(page, "office", PASSWORD_OF_DATA)
    for screen in ENTRY_SCREENS:
        click_screen(page, ZH[screen.title_key])
        assert page.locator(EXCEPTION).count() == 0, screen.url_path
        assert page.locator("h1").first.inner_text() == ZH[screen.title_key], screen.url_path
        screenshot(page, f"entry-{screen.url_path}")

    # The template download is a workbook with one sheet per table.
    click_screen(page, ZH["nav_import_data"])
    button = page.locator('[data-testid="stDownloadButton"] button', has_text=ZH["imp_template"])
    button.wait_for(state="visible")
    with page.expect_download(timeout=60_000) as download:  # the workbook is built on the click
        button.click()
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert {"customers", "work_logs", "applications"} <= set(book.sheetnames)

    if os.environ.get("BROWSER_TEST_DATA") == "demo":
        return  # the grid edit below uses the small data set's open application A999
    # A bulk edit in the real grid: the open application gets its energization date.
    click_screen(page, ZH["nav_entry_applications"])
    grid = page.locator('[data-testid="stDataFrame"]').first
    energized_column = 12  # app_no is column 0; energized_on is the last stage
    fill_grid_cell(page, grid, 0, energized_column, "2025-09-20")
    page.get_by_role("button", name=ZH["fm_save_table"]).click()
    toast = page.wait_for_selector('[data-testid="stToast"]').inner_text()
    assert ZH["fm_saved_rows"].format(added=0, changed=1, deleted=0) in toast, toast
    wait_idle(page)
    screenshot(page, "entry-applications-saved")
    engine = make_engine(entry_db_url)
    with engine.connect() as conn:
        assert load_row(conn, "applications", {"app_no": "A999"})["energized_on"] == dt.date(2025, 9, 20)
        stars = load_row(conn, "customers", {"account_no": "C001"})["star_rating"]
    # A star rating of 9 typed into the grid is refused by name, not clamped to 5 by the grid.
    click_screen(page, ZH["nav_entry_customers"])
    grid = page.locator('[data-testid="stDataFrame"]').first
    fill_grid_cell(page, grid, 0, 4, "9")  # row C001, column 星级
    page.get_by_role("button", name=ZH["fm_save_table"]).click()
    page.wait_for_selector('[data-testid="stAlertContentError"]')
    wait_idle(page)
    errors = "\n".join(page.locator('[data-testid="stAlertContentError"]').all_inner_texts())
    assert "星级：应 ≤ 5，实际为 9" in errors and "C001" in errors, errors
    with engine.connect() as conn:
        assert load_row(conn, "customers", {"account_no": "C001"})["star_rating"] == stars
    engine.dispose()


def test_leader_gets_no_entry_screen_by_url(page, entry_url):
    page.goto(f"{entry_url}/entry_log")
    wait_idle(page)
    login(page, "leader", PASSWORD_OF_DATA)
    nav_text = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert ZH["nav_section_entry"] not in nav_text and ZH["nav_entry_log"] not in nav_text
    assert page.locator("h1").first.inner_text() != ZH["nav_entry_log"]
    assert page.locator(FORM).count() == 0 and page.locator("textarea").count() == 0
    screenshot(page, "entry-leader-url")
