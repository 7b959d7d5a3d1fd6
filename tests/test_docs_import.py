"""docs/import.md describes the import template of data_access/contract.py, and the docs stay in the repo.

Docs checked by tests: a sheet or column added to the contract without a line in docs/import.md
fails here, as does a README or docs page that sends the reader outside the repository.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from data_access.contract import SHEETS

ROOT = Path(__file__).resolve().parent.parent
IMPORT_DOC = ROOT / "docs" / "import.md"


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
    rows = {match.group(1): match.group(2).strip()
            for match in re.finditer(r"^\| `([a-z0-9_]+)` \|([^|]+)\|", section, flags=re.MULTILINE)}
    for column in sheet.columns:
        assert column.key in rows, f"{sheet.key}.{column.key} is not in docs/import.md"
        assert rows[column.key] == column.zh, f"{sheet.key}.{column.key}: {rows[column.key]} != {column.zh}"
    keys = re.search(r"^键 / key: (.+)$", section, flags=re.MULTILINE)
    assert keys and re.findall(r"`([a-z_]+)`", keys.group(1)) == list(sheet.key_columns), sheet.key


def test_import_doc_marks_the_required_columns():
    sections = sheet_sections(IMPORT_DOC.read_text(encoding="utf-8"))
    for sheet in SHEETS:
        marks = {match.group(1): match.group(2).strip() for match in re.finditer(
            r"^\| `([a-z0-9_]+)` \|[^|]+\|([^|]*)\|", sections[sheet.key], flags=re.MULTILINE)}
        for column in sheet.columns:
            assert marks[column.key] == ("*" if column.required else ""), f"{sheet.key}.{column.key}"


def test_readme_and_docs_point_only_inside_the_repo():
    pages = [ROOT / "README.md", ROOT / "DEVELOPERS.md", *sorted((ROOT / "docs").rglob("*.md"))]
    outside = [f"{page.relative_to(ROOT)}:{number}: {line.strip()}"
               for page in pages
               for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1)
               if "shared/" in line]
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
