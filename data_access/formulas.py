"""Formula-safe text for spreadsheets: the quoting every download applies and the importer undoes.

A spreadsheet runs a cell as a formula when its text starts with `=`, `+`, `-` or `@` (and some
programs after a tab or carriage return). neutralise() puts a `'` before such text; restore()
takes exactly that apostrophe off again (data_access.downloads explains the rule). Text only, no
pandas or openpyxl: the importer's row checks and the account commands use it without loading
them.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text that starts like a formula, after any apostrophes already there.
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """`text` with a leading `'` when it starts with a formula character (or with apostrophes
    before one, so that restore() gives back exactly what was written)."""
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def restore(text: str) -> str:
    """neutralise() undone: one leading `'` taken off text that is apostrophes and a formula
    character at its start. Other text is left as it is."""
    return text[1:] if _QUOTED.match(text) else text
