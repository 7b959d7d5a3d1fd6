"""No English on the Chinese screens: every screen, opened by the office (who sees them all) and by a
manager, is scanned for words in Latin letters outside an allow list of units, file types, codes
and data values."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from data_access.contract import SHEETS
from data_access.db import make_engine
from tests.apptest import login_as
from tests.conftest import ROOT, seeded_copy
from tests.seed_small import INACTIVE_USER, USERS, populate_small
from ui import nav

APP = str(ROOT / "app.py")
WINDOW = {"from": "2025-07-01", "to": "2025-09-30"}
# Latin letters that belong on a Chinese screen: units, file types, date formats, min/max in formulas,
# the holiday package's name, the language switch's "English", URL parameters (present=1), settings
# files and environment variables named to the office, and data codes (account, employee, expert, application and call numbers such as C001, PZ00001, EC20250902-001).
ALLOWED = re.compile(
    r"(?<![A-Za-z])(kVA|kWh|MWh|kW|kV|MW|MB|PDF|Excel|CSV|csv|xlsx|XLSX|YYYY|MM|DD|HH|chinesecalendar|min|max"
    r"|Language|English)(?![A-Za-z])|(?<![A-Za-z])[A-Z]{1,3}\d[\w-]*|[a-z]+="
    r"|\.?[\w./-]*\.toml|DASHBOARD_[A-Z_]*")  # settings files and environment variables the office is told of
# Streamlit's markup, not words: :green-badge[...], :red[...], :material/icon:.
DIRECTIVES = re.compile(r":[a-z]+(-badge)?\[|:material/[a-z_]+:")
EDITOR_KEYS = {"id", "version"} | {key for sheet in SHEETS for key in sheet.column_keys}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def seed(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()


@pytest.fixture(scope="module")
def small_url(tmp_path_factory, sqlite_template) -> str:
    return seeded_copy(tmp_path_factory, sqlite_template, "language", seed)


def texts(at: AppTest) -> list[str]:
    """Every text the run put on the screen: headings, messages, labels, options, help, table headers."""
    found: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        found += [element.value for element in getattr(at, kind)
                  if not str(element.value).lstrip().startswith(("<style", "<script"))]  # styling, not words
    for metric in at.metric:
        found += [metric.label, str(metric.value), str(metric.delta or "")]
    for kind in ("button", "text_input", "text_area", "number_input", "date_input", "toggle", "checkbox"):
        for widget in getattr(at, kind):
            found += [widget.label, getattr(widget, "help", None) or "", getattr(widget, "placeholder", None) or ""]
    for kind in ("selectbox", "radio", "multiselect"):
        for widget in getattr(at, kind):
            found += [widget.label, getattr(widget, "help", None) or "", *map(str, widget.options)]
    for table in at.dataframe:  # a data editor's headers are its column_config labels, not the frame's keys
        found += [str(column) for column in table.value.columns if column not in EDITOR_KEYS]
    for container in (*at.tabs, *at.expander):
        found.append(container.label)
    return [text for text in found if text]


# Codes a person meets as such: the template's sheet names, the CLI's commands, the accounts'
# usernames (letters by rule) and the client label of a test session.
CODES = {sheet.key for sheet in SHEETS} | set(USERS) | {INACTIVE_USER, "apptest"}
COMMAND = re.compile(r"python manage\.py[a-z _-]*")


def english_words(strings: list[str]) -> list[str]:
    leaks = []
    for text in strings:
        words = [word for word in LATIN_WORD.findall(ALLOWED.sub(" ", COMMAND.sub(" ", DIRECTIVES.sub(" ", text))))
                 if word not in CODES]
        if words:
            leaks.append(f"{' '.join(words)}  ←  {text[:80]}")
    return leaks


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
