"""Documents in a real browser: the office uploads a PDF to a collaborating unit's report and
downloads it back byte for byte; a renamed executable is refused with the reason. Own server and
database (these tests write)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from data_access import attachments, sample_files
from data_access.db import ensure_schema, make_engine
from data_access.models import Attachment
from data_access.permissions import CLI_ACTOR
from tests.browser.conftest import login, running_server, screenshot, wait_idle
from tests.seed_small import PASSWORD, populate_small
from ui.strings import ZH

EXCEPTION = '[data-testid="stException"]'
UPLOAD_INPUT = '[data-testid="stFileUploader"] input[type="file"]'


@pytest.fixture(scope="module")
def docs_db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('documents') / 'documents.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    with engine.begin() as conn:
        populate_small(conn)
    attachments.save_unit_report(
        engine,
        CLI_ACTOR,
        unit="运检部",
        period_start=dt.date(2025, 7, 1),
        period_end=dt.date(2025, 9, 30),
        summary="三季度联合巡视",
        submitted_on=dt.date(2025, 10, 8),
    )
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def docs_url(docs_db_url, tmp_path_factory):
    with running_server(docs_db_url, tmp_path_factory.mktemp("documents_logs")) as url:
        yield url


def stored_files(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Attachment)).scalar()
    engine.dispose()
    return count


def upload(page, name: str, content: bytes, mime: str) -> None:
    page.locator(UPLOAD_INPUT).set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])
    wait_idle(page)
    page.get_by_role("button", name=ZH["at_save"]).click()
    wait_idle(page)


def test_upload_and_download_an_attachment(page, docs_url, docs_db_url, tmp_path):
    page.goto(f"{docs_url}/unit_reports")
    wait_idle(page)
    login(page, "office", PASSWORD)
    page.wait_for_selector("h1")
    wait_idle(page)
    assert page.locator("h1").first.inner_text() == ZH["nav_reports"]
    document = sample_files.pdf("Quarterly inspection", ("12 customers", "3 defects"))
    upload(page, "巡视报告.pdf", document, "application/pdf")
    assert page.locator(EXCEPTION).count() == 0
    assert stored_files(docs_db_url) == 1
    button = page.get_by_role("button", name=re.compile(r"^下载 巡视报告\.pdf"))
    button.wait_for()
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == "巡视报告.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == document
    screenshot(page, "documents-unit-report")

    # A program renamed to .pdf: refused, with the reason; nothing stored.
    upload(page, "报告.pdf", b"MZ\x90\x00" + b"\x00" * 500, "application/pdf")
    assert page.get_by_text("可执行程序", exact=False).count() >= 1
    assert stored_files(docs_db_url) == 1
