"""What one import may hold: the limits the importer checks while it reads.

They keep a hostile or broken file (a zip bomb, a sheet of three million
blank rows, one cell of 300 MB) from taking the server's memory or minutes
of its time: each is checked while streaming, before the rows are kept.
The template's notes state them (data_access.template.GENERAL_RULES).

Two are settings (environment variables, read at each import):
DASHBOARD_IMPORT_MAX_MB (a file or upload, default 50) and
DASHBOARD_IMPORT_MAX_ROWS (data rows of one import, all sheets, default 1,000,000).
Dates and the numbers' physical ranges are the contract's
(data_access.contract: FIRST_DATE, LAST_DATE, each column's maximum).
"""

from __future__ import annotations

import os

MAX_FILE_MB = 50  # default of DASHBOARD_IMPORT_MAX_MB; = server.maxUploadSize in .streamlit/config.toml
MAX_ROWS = 1_000_000  # default of DASHBOARD_IMPORT_MAX_ROWS
MAX_TEXT_CHARS = 2_000  # a text cell (columns whose schema allows more, or any length)
MAX_BLANK_RUN = 10_000  # blank rows in a row inside a sheet; trailing blank rows just end it
MAX_COLUMNS = 64  # columns a sheet may use (the widest sheet has 14)
MAX_EXPANDED_MB = 1_024  # an .xlsx workbook's parts, uncompressed, together
# An .xlsx part with this many bytes between two tags holds a text no cell of MAX_TEXT_CHARS needs
# (2,000 characters take at most 20,000 bytes, even written as &#x...; entities).
MAX_TEXT_BYTES = 32_768
MAX_ROW_BYTES = 1 << 20  # a worksheet row's XML (14 cells of 2,000 characters need < 300 KB)


def _setting(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name) or default)
    except ValueError:
        return default
    return value if value > 0 else default


def max_file_bytes() -> int:
    """Largest file (or upload) an import reads, in bytes."""
    return _setting("DASHBOARD_IMPORT_MAX_MB", MAX_FILE_MB) * 1024 * 1024


def max_rows() -> int:
    """Most data rows one import may hold, all sheets together."""
    return _setting("DASHBOARD_IMPORT_MAX_ROWS", MAX_ROWS)
