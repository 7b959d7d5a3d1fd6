"""The deployment of docs/deploy.md in a real browser: two app processes behind Debian's nginx with
deploy/nginx/dashboard.conf (deploy/local.py), one PostgreSQL database.

- Through the proxy a user logs in and opens every screen of the menu; each browser stays with one
  process (the route cookie), the websocket included.
- A write made in one process is seen by the other process's next page run.

Sessions ended in one process (logout, a password change) and refused by the other: the same two
processes without the proxy, tests/browser/test_login_sessions.py.

Browsers are pinned to a process by giving them a route cookie that nginx sends there (found by
asking the proxy and reading its access log). Needs TEST_DATABASE_URL (PostgreSQL): SQLite is the
single-process layout.
"""

from __future__ import annotations

import os
import secrets
import urllib.request

import pytest

from data_access.db import ensure_schema, make_engine
from data_access.users import upsert_user
from deploy.local import cluster
from tests.browser.conftest import NAV, VIEWPORT, click_screen, login, wait_idle
from tests.conftest import fresh_database
from tests.seed_small import PASSWORD, populate_small
from ui.nav import screens_for
from ui.strings import ZH

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="the multi-process deployment runs on PostgreSQL: set TEST_DATABASE_URL",
)

FORM = '[data-testid="stForm"]'
EXCEPTION = '[data-testid="stException"]'
ACCOUNT_PASSWORD = "Deploy-test-1"
ACCOUNTS = ("dep_writer",)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, sqlite_template, pg_template):
    """(cluster, database URL, engine): the small seed on a fresh PostgreSQL database, 2 processes."""
    folder = tmp_path_factory.mktemp("deploy")
    with fresh_database("postgresql", folder, sqlite_template, pg_template) as url:
        engine = make_engine(url)
        ensure_schema(engine)
        with engine.begin() as conn:
            populate_small(conn)
            for username in ACCOUNTS:
                upsert_user(conn, username, username, ACCOUNT_PASSWORD, "office")
        with cluster(2, url, folder=folder / "cluster") as running:
            yield running, url, engine
        engine.dispose()


def upstreams(running, route: str) -> set[str]:
    """The app processes nginx sent the requests carrying `route` to (cache hits left out)."""
    lines = running.access_log.read_text().splitlines()
    return {line.split(" up=", 1)[1].split()[0] for line in lines if f" route={route} " in line} - {"-"}


def route_to(running, index: int) -> str:
    """A route cookie value that nginx sends to app process `index`."""
    wanted = running.app_urls[index].removeprefix("http://")
    for _ in range(64):
        route = secrets.token_hex(16)
        request = urllib.request.Request(f"{running.url}/_stcore/health", headers={"Cookie": f"rm_route={route}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()
        if upstreams(running, route) == {wanted}:
            return route
    raise AssertionError(f"no route cookie reached {wanted}")


def pinned_page(browser, running, index: int):
    """(context, page, route): a new browser whose requests nginx sends to app process `index`."""
    route = route_to(running, index)
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.add_cookies([{"name": "rm_route", "value": route, "url": running.url}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(running.url)
    wait_idle(page)
    return context, page, route


def test_a_browser_logs_in_through_the_proxy_and_opens_every_screen(browser, deployment):
    running, _, _ = deployment
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")  # no route cookie: nginx hands one out
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(running.url)
        wait_idle(page)
        login(page, "office", PASSWORD)
        route = next(c["value"] for c in context.cookies() if c["name"] == "rm_route")
        for screen in screens_for("office"):
            click_screen(page, ZH[screen.title_key])
            assert page.locator(EXCEPTION).count() == 0, screen.url_path
        page.reload()  # a new session on the same process, logged in again from the cookie
        wait_idle(page)
        assert page.locator(NAV).count() == 1
        log = running.access_log.read_text()
        assert 'GET /_stcore/stream HTTP/1.1" 101 ' in log  # the websocket went through nginx
        assert len(upstreams(running, route)) == 1  # ... and every request of this browser to one process
    finally:
        context.close()


def test_a_write_in_one_process_is_seen_by_the_others_next_run(browser, deployment):
    running, _, _ = deployment
    writer, writer_page, writer_route = pinned_page(browser, running, 0)
    reader, reader_page, reader_route = pinned_page(browser, running, 1)
    try:
        login(reader_page, "office", PASSWORD)
        click_screen(reader_page, ZH["nav_audit"])  # the audit log is read fresh on every run
        assert "dep_writer" not in user_choices(reader_page)

        login(writer_page, "dep_writer", ACCOUNT_PASSWORD)
        save_email(writer_page, "dep_writer@example.internal")  # a write in process 0

        reader_page.locator('[data-testid="stRadio"]').get_by_text(ZH["aud_kind_security"]).click()
        wait_idle(reader_page)
        reader_page.locator('[data-testid="stRadio"]').get_by_text(ZH["aud_kind_changes"]).click()
        wait_idle(reader_page)
        assert "dep_writer" in user_choices(reader_page)
        assert upstreams(running, writer_route) == {running.app_urls[0].removeprefix("http://")}
        assert upstreams(running, reader_route) == {running.app_urls[1].removeprefix("http://")}
    finally:
        writer.close()
        reader.close()


def user_choices(page) -> list[str]:
    """The audit screen's user filter options (what the audit log holds for the chosen days)."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=ZH["aud_filter_username"]).locator("input").click()
    options = page.locator('[role="option"]').all_inner_texts()
    page.keyboard.press("Escape")
    return options


def save_email(page, email: str) -> None:
    """The account screen's email form: a write through data_access.admin (audited)."""
    click_screen(page, ZH["nav_account"])
    form = page.locator(FORM).filter(has=page.get_by_role("button", name=ZH["acc_email_save"]))
    form.locator("input").first.fill(email)
    form.get_by_role("button", name=ZH["acc_email_save"]).click()
    page.wait_for_selector('[data-testid="stToast"]')
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0
