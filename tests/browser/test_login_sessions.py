"""Sessions and login-failure handling in a real browser, against two app processes that share
one database and one cookie key (as behind a proxy): a logout or a password change ends the live
sessions in both processes; a cookie saved before a logout, a password change or a deactivation
no longer logs in anywhere; six wrong passwords lock a username while
another user still logs in; an idle session shows the login again.

The database is a PostgreSQL one when TEST_DATABASE_URL is set (as in CI), else a SQLite file.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys

import pytest
from sqlalchemy import update

from data_access import admin
from data_access.db import ensure_schema, make_engine
from data_access.models import User, UserSession
from data_access.permissions import CLI_ACTOR
from data_access.users import upsert_user
from tests.browser.conftest import NAV, ROOT, login, wait_for_cookie, wait_idle
from tests.conftest import fresh_database
from tests.seed_small import populate_small
from ui.strings import ZH

PASSWORD = "Browser-test-1"
ACCOUNTS = ("sec_logout", "sec_passwd", "sec_gone", "sec_lock", "sec_other", "sec_idle")
FORM = '[data-testid="stForm"]'
EXCEPTION = '[data-testid="stException"]'
# The login was answered: the form is gone, or the app has emptied its password field.
ANSWERED = """() => {
  const form = document.querySelector('[data-testid="stForm"]');
  if (!form) return true;
  const inputs = form.querySelectorAll('input');
  return inputs.length > 1 && inputs[1].value === '';
}"""


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory, sqlite_template, pg_template):
    kind = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    with fresh_database(kind, tmp_path_factory.mktemp("security"), sqlite_template, pg_template) as url:
        engine = make_engine(url)
        ensure_schema(engine)
        with engine.begin() as conn:
            populate_small(conn)
            for username in ACCOUNTS:
                upsert_user(conn, username, username, PASSWORD, "leader")
        yield url, engine
        engine.dispose()


@pytest.fixture(scope="module")
def two_servers(shared_db, start_server):
    """Two app processes on the shared database that accept each other's cookies."""
    url, _ = shared_db
    key = secrets.token_urlsafe(32)
    with start_server(url, key) as first, start_server(url, key) as second:
        yield first, second


def open_login(page, base: str) -> None:
    page.goto(base)
    wait_idle(page)


def shows_login_only(page) -> bool:
    return page.locator(FORM).count() == 1 and page.locator(NAV).count() == 0 and page.locator(EXCEPTION).count() == 0


def shows_dashboard(page) -> bool:
    return page.locator(NAV).count() == 1 and page.locator(EXCEPTION).count() == 0


def with_cookies(browser, cookies: list[dict], base: str):
    """A fresh browser context holding `cookies` (a copied session cookie), opened at `base`."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(base)
    wait_idle(page)
    return context, page


def type_login(page, username: str, password: str) -> None:
    form = page.locator(FORM)
    form.locator("input").nth(0).fill(username)
    form.locator("input").nth(1).fill(password)
    form.locator('[data-testid="stBaseButton-secondaryFormSubmit"]').click()
    page.wait_for_function(ANSWERED)
    wait_idle(page)


def saved_cookie_is_refused(browser, cookies: list[dict], servers: tuple[str, str]) -> None:
    for base in servers:
        context, page = with_cookies(browser, cookies, base)
        try:
            assert shows_login_only(page), base
        finally:
            context.close()


def test_a_cookie_saved_before_logout_no_longer_logs_in(browser, page, two_servers):
    first, second = two_servers
    open_login(page, first)
    login(page, "sec_logout", PASSWORD)
    saved = page.context.cookies()
    context, other = with_cookies(browser, saved, second)  # the cookie works on the other process
    try:
        assert shows_dashboard(other)
        page.locator('[data-testid="stSidebar"] button', has_text=ZH["logout"]).click()
        page.wait_for_selector(FORM)
        wait_for_cookie(page, present=False)
        next_run(other)  # the live copy of the session on the other process ends at its next run
        assert shows_login_only(other)
    finally:
        context.close()
    saved_cookie_is_refused(browser, saved, two_servers)


def next_run(page) -> None:
    """The next run of a live session: a click on a menu entry (the login form when it has ended)."""
    page.locator(NAV).locator("a").last.click()
    page.wait_for_selector(FORM)
    wait_idle(page)


def test_a_password_change_ends_sessions_and_the_old_password(browser, page, two_servers, shared_db):
    first, second = two_servers
    url, _ = shared_db
    open_login(page, first)
    login(page, "sec_passwd", PASSWORD)
    saved = page.context.cookies()
    context, other = with_cookies(browser, saved, second)  # the same login, live on the other process
    new_password = "Changed-by-cli-7"
    done = subprocess.run(
        [sys.executable, "manage.py", "users", "passwd", "sec_passwd", "--password", new_password],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=url),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    try:
        for live in (page, other):  # each live session's next step, in both processes
            next_run(live)
            assert shows_login_only(live)
            assert live.get_by_text(ZH["session_end_password"]).count() == 1
    finally:
        context.close()
    saved_cookie_is_refused(browser, saved, two_servers)
    type_login(page, "sec_passwd", PASSWORD)  # the old password is refused at once
    assert page.get_by_text(ZH["login_failed"]).count() == 1
    type_login(page, "sec_passwd", new_password)  # the new one opens only the account page
    page.wait_for_selector("h1")
    assert page.locator("h1").first.inner_text() == ZH["nav_account"]
    assert page.get_by_text(ZH["acc_due_first"]).count() == 1


def test_a_cookie_saved_before_deactivation_no_longer_logs_in(browser, page, two_servers, shared_db):
    first, _ = two_servers
    _, engine = shared_db
    open_login(page, first)
    login(page, "sec_gone", PASSWORD)
    saved = page.context.cookies()
    admin.deactivate_user(engine, CLI_ACTOR, "sec_gone")
    saved_cookie_is_refused(browser, saved, two_servers)


def test_six_wrong_passwords_lock_the_username_but_not_others(page, two_servers):
    first, second = two_servers
    open_login(page, first)
    for _ in range(4):
        type_login(page, "sec_lock", "wrong-Password-0")
        assert page.get_by_text(ZH["login_failed"]).count() == 1
    for _ in range(2):  # the fifth failure locks; the sixth attempt is refused as locked
        type_login(page, "sec_lock", "wrong-Password-0")
        locked = page.locator('[data-testid="stAlertContentError"]').inner_text()
        assert locked.startswith(ZH["login_locked"].split("{")[0]), locked
    open_login(page, second)  # the right password, on the other process, is refused while locked
    type_login(page, "sec_lock", PASSWORD)
    assert page.locator('[data-testid="stAlertContentError"]').inner_text() == locked
    assert shows_login_only(page)
    type_login(page, "sec_other", PASSWORD)  # another user still logs in from the same browser
    page.wait_for_selector(NAV)
    assert shows_dashboard(page)


def test_an_idle_session_shows_the_login(page, two_servers, shared_db):
    first, _ = two_servers
    _, engine = shared_db
    open_login(page, first)
    login(page, "sec_idle", PASSWORD)
    long_ago = dt.datetime.now().replace(microsecond=0) - dt.timedelta(minutes=31)
    with engine.begin() as conn:  # 31 minutes pass without a click (the idle limit is 30)
        user_id = conn.execute(User.__table__.select().where(User.username == "sec_idle")).first().id
        conn.execute(update(UserSession).where(UserSession.user_id == user_id).values(last_seen_at=long_ago))
    page.locator(NAV).get_by_text(ZH["nav_experts"]).click()
    page.wait_for_selector(FORM)
    wait_idle(page)
    assert shows_login_only(page)
    assert page.get_by_text(ZH["session_end_idle"].format(minutes=30)).count() == 1
