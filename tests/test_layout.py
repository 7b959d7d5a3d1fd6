"""The test tree's own rule (DEVELOPERS.md): no test module imports another; what tests share lives
in tests/apptest.py, helpers.py, builders.py and the conftest files."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


def test_no_test_module_imports_another():
    offending = {
        str(path.relative_to(TESTS)): sorted(
            name for name in imported_modules(path) if name.rsplit(".", 1)[-1].startswith("test_")
        )
        for path in TESTS.rglob("*.py")
    }
    assert {path: names for path, names in offending.items() if names} == {}
