"""Docs checked by tests: docs/import.md describes the import template of data_access/contract.py,
docs/report.md the report's JSON, and README and docs point only inside the repository.

A sheet or column added to the contract without a line in docs/import.md fails here, so does a
report key missing from docs/report.md, a link to a file that is not there, or a page that sends
the reader outside the repository.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from data_access.contract import SHEETS
from data_access.db import make_engine
from data_access.settings import load_settings
from metrics.report import build_report
from metrics.window import Window

ROOT = Path(__file__).resolve().parent.parent
IMPORT_DOC = ROOT / "docs" / "import.md"
REPORT_DOC = ROOT / "docs" / "report.md"


def sheet_sections(text: str) -> dict[str, str]:
    """The text under each '### `key` ...' heading, by sheet key."""
    parts = re.split(r"^### `([a-z_]+)`", text, flags=re.MULTILINE)
    return {key: body.split("\n## ", 1)[0] for key, body in zip(parts[1::2], parts[2::2])}


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda sheet: sheet.key)
def test_import_doc_names_every_sheet_and_column(sheet):
    sections = sheet_sections(IMPORT_DOC.read_text(encoding="utf-8"))
    assert sheet.key in sections, f"docs/import.md has no section for the sheet {sheet.key}"
    section = sections[sheet.key]
    heading = section.splitlines()[0]
    assert sheet.zh in heading and sheet.en in heading, heading
    rows = {
        match.group(1): match.group(2).strip()
        for match in re.finditer(r"^\| `([a-z0-9_]+)` \|([^|]+)\|", section, flags=re.MULTILINE)
    }
    for column in sheet.columns:
        assert column.key in rows, f"{sheet.key}.{column.key} is not in docs/import.md"
        assert rows[column.key] == column.zh, f"{sheet.key}.{column.key}: {rows[column.key]} != {column.zh}"
    keys = re.search(r"^键 / key: (.+)$", section, flags=re.MULTILINE)
    assert keys and re.findall(r"`([a-z_]+)`", keys.group(1)) == list(sheet.key_columns), sheet.key


def test_import_doc_marks_the_required_columns():
    sections = sheet_sections(IMPORT_DOC.read_text(encoding="utf-8"))
    for sheet in SHEETS:
        marks = {
            match.group(1): match.group(2).strip()
            for match in re.finditer(r"^\| `([a-z0-9_]+)` \|[^|]+\|([^|]*)\|", sections[sheet.key], flags=re.MULTILINE)
        }
        for column in sheet.columns:
            assert marks[column.key] == ("*" if column.required else ""), f"{sheet.key}.{column.key}"


def test_readme_and_docs_point_only_inside_the_repo():
    pages = [ROOT / "README.md", ROOT / "DEVELOPERS.md", *sorted((ROOT / "docs").rglob("*.md"))]
    outside = [
        f"{page.relative_to(ROOT)}:{number}: {line.strip()}"
        for page in pages
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1)
        if "shared/" in line
    ]
    assert not outside, "\n".join(outside)


def test_relative_links_in_docs_resolve():
    pages = [ROOT / "README.md", ROOT / "DEVELOPERS.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, broken


def shape(value):
    """The keys of a JSON value, in order, down through dicts and the first item of lists."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [shape(value[0])]
    return None


def test_report_doc_shows_the_reports_keys(tmp_path, sqlite_template):
    """The JSON of docs/report.md has the keys, in order, of a real report (lists of records aside,
    which an empty database leaves empty)."""
    block = re.search(r"```json\n(.*?)```", REPORT_DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    documented = json.loads(block.group(1))
    database = tmp_path / "empty.db"
    database.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        report = build_report(conn, Window(dt.date(2025, 7, 1), dt.date(2025, 9, 30)), load_settings(conn))
    engine.dispose()
    real = shape(report)
    expected = shape(documented)
    for section in ("attendance", "experts"):  # their lists of records are empty here
        expected[section] = {key: (None if isinstance(item, list) else item) for key, item in expected[section].items()}
    assert list(expected) == list(real)
    assert expected == real
