"""The no-English check of the Chinese screens (tests/test_app_language.py), shared by the screens'
own tests: texts() collects what a run put on the screen, english_words() finds Latin words outside
an allow list of units, file types, codes and data values."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from data_access.contract import SHEETS
from tests.seed_small import INACTIVE_USER, USERS

# Latin letters that belong on a Chinese screen: units, file types, date formats, min/max in formulas,
# the holiday package's name, the language switch's "English", URL parameters (present=1), settings
# files and environment variables named to the office, and data codes (account, employee, expert, application and call numbers such as C001, PZ00001, EC20250902-001).
ALLOWED = re.compile(
    r"(?<![A-Za-z])(kVA|kWh|MWh|kW|kV|MW|MB|PDF|Excel|CSV|csv|xlsx|XLSX|YYYY|MM|DD|HH|chinesecalendar|min|max"
    r"|Language|English)(?![A-Za-z])|(?<![A-Za-z])[A-Z]{1,3}\d[\w-]*|[a-z]+="
    r"|\.?[\w./-]*\.toml|DASHBOARD_[A-Z_]*"
)  # settings files and environment variables the office is told of
# Streamlit's markup, not words: :green-badge[...], :red[...], :material/icon:.
DIRECTIVES = re.compile(r":[a-z]+(-badge)?\[|:material/[a-z_]+:")
EDITOR_KEYS = {"id", "version"} | {key for sheet in SHEETS for key in sheet.column_keys}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def texts(at: AppTest) -> list[str]:
    """Every text the run put on the screen: headings, messages, labels, options, help, table headers."""
    found: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        found += [
            element.value
            for element in getattr(at, kind)
            if not str(element.value).lstrip().startswith(("<style", "<script"))
        ]  # styling, not words
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
        words = [
            word
            for word in LATIN_WORD.findall(ALLOWED.sub(" ", COMMAND.sub(" ", DIRECTIVES.sub(" ", text))))
            if word not in CODES
        ]
        if words:
            leaks.append(f"{' '.join(words)}  ←  {text[:80]}")
    return leaks
