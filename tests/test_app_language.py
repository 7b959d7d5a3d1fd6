"""No English on the Chinese screens: every screen, opened by the office (who sees them all) and by a
manager, is scanned for words in Latin letters outside an allow list of units, file types, codes
and data values."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from tests.apptest import login_as
from tests.conftest import ROOT, seeded_copy
from tests.english_check import english_words, texts
from tests.seed_small import populate_small
from ui import nav

APP = str(ROOT / "app.py")
WINDOW = {"from": "2025-07-01", "to": "2025-09-30"}


def seed(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()


@pytest.fixture(scope="module")
def small_url(tmp_path_factory, sqlite_template) -> str:
    return seeded_copy(tmp_path_factory, sqlite_template, "language", seed)


@pytest.mark.parametrize("role_user", ["office", "manager"])
def test_no_english_on_chinese_screens(small_url, monkeypatch, role_user):
    monkeypatch.setenv("DATABASE_URL", small_url)
    at = login_as(AppTest.from_file(APP, default_timeout=120), role_user, small_url)
    at.query_params.update(WINDOW)
    at.run()
    leaks = {}
    for screen in nav.screens_for(role_user):
        at.switch_page(screen.script).run()
        assert not at.exception, (screen.url_path, [e.value for e in at.exception])
        found = english_words(texts(at) + [element.value for element in at.sidebar.caption])
        if found:
            leaks[screen.url_path] = found
    assert not leaks, "\n".join(f"{path}: {line}" for path, lines in leaks.items() for line in lines)
