"""Failures in a real browser: the app with its database down, and the reverse proxy in deploy/nginx/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from deploy.local import NGINX_MAIN, site_config
from tests.browser.conftest import free_port, screenshot, server_log, wait_idle
from ui.strings import EN, ZH

EXCEPTION = '[data-testid="stException"]'
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REFERENCE = re.compile(r"错误编号：([0-9a-f]{8})")


def page_text(page) -> str:
    return page.locator("body").inner_text()


def test_database_down_shows_a_message_and_no_traceback(page, start_server):
    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/dashboard"  # nothing listens there
    with start_server(down) as url:
        seen = []
        for path in ("/", "/attendance?from=2025-07-01&to=2025-09-30"):  # a visitor and a shared link
            page.goto(url + path)
            wait_idle(page)
            text = page_text(page)
            assert page.locator(EXCEPTION).count() == 0, path
            assert ZH["err_unreachable"] in text and EN["err_unreachable"] in text, text
            for leak in ("Traceback", 'File "', "psycopg", "sqlalchemy", "127.0.0.1", "SELECT", ".py"):
                assert leak not in text, (path, leak, text)
            assert page.get_by_text("Page not found").count() == 0
            seen.append(REFERENCE.search(text).group(1))
        screenshot(page, "database_down")
        page.get_by_role("button", name=f"{ZH['err_retry']} / {EN['err_retry']}").click()
        wait_idle(page)
        seen.append(REFERENCE.search(page_text(page)).group(1))
        assert len(set(seen)) == 3  # each failure has its own reference
        log = server_log(url)
        for reference in seen:  # ... and its details are in the server log, only there
            line = next(line for line in log.splitlines() if f"[ref {reference}, unreachable]" in line)
            assert "Connection refused" in line
        assert "Traceback" in log


# --- The reverse proxy -------------------------------------------------------------------------


def status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.fixture
def proxy_url(server_url, tmp_path):
    """nginx from Debian's package with the repo's site config, in front of the session's server."""
    if not os.access(NGINX, os.X_OK):
        pytest.skip(f"{NGINX} is missing: apt-get install -y nginx")
    port = free_port()
    (tmp_path / "site.conf").write_text(site_config([int(server_url.rsplit(":", 1)[1])], port, tmp_path / "cache"))
    (tmp_path / "nginx.conf").write_text(NGINX_MAIN.format(tmp=tmp_path))
    check = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-c", str(tmp_path / "nginx.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            status(f"{url}/_stcore/health")
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_proxy_hides_streamlit_metrics_and_serves_the_app(page, server_url, proxy_url):
    code, body = status(f"{server_url}/_stcore/metrics")  # Streamlit itself: open to anyone
    assert code == 200 and "active_sessions" in body
    for path in (
        "/_stcore/metrics",
        "/_stcore/metrics?families=cache_memory_bytes",
        "/_stcore/metrics/",
        "//_stcore/metrics",
        "/_stcore/%6Detrics",
        "/overview/_stcore/metrics",
        "/_stcore/agent/openapi.json",
        "/_stcore/script-health-check",
    ):
        assert status(proxy_url + path)[0] == 404, path
    assert status(f"{proxy_url}/_stcore/health") == (200, "ok")
    # The app works through the proxy, websocket included: the login form is drawn.
    page.goto(proxy_url + "/")
    wait_idle(page)
    assert page.locator('[data-testid="stForm"]').count() == 1
    assert page.locator(EXCEPTION).count() == 0
