"""The words catalogue: every module in this package holds `WORDS = {"key": ("中文", "English")}`.

Modules are collected automatically, so a new screen adds its own `ui/words/<topic>.py` and
nothing else. A key defined in two modules is an error at import time (one key, one text).
`ui.strings.t` renders them.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil


def collect() -> dict[str, tuple[str, str]]:
    """Every module's WORDS merged into one dict; raises on a key defined twice."""
    words: dict[str, tuple[str, str]] = {}
    owner: dict[str, str] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for key, pair in getattr(module, "WORDS", {}).items():
            if key in words:
                raise ValueError(f"word {key!r} defined in both {owner[key]} and {module_info.name}")
            words[key] = pair
            owner[key] = module_info.name
    return words


@functools.cache
def catalogue() -> dict[str, tuple[str, str]]:
    """collect(), once per process: every reader (ui.strings, the renderers of codes) shares it."""
    return collect()


def word(key: str, lang: str, /, **values) -> str:
    """The text of `key` in `lang` (zh / en), placeholders filled; no Streamlit needed (the CLI, the
    PDF brief and notify render with it too)."""
    text = catalogue()[key][0 if lang == "zh" else 1]
    return text.format(**values) if values else text
