"""A look at an .xlsx workbook's raw parts before openpyxl parses them.

openpyxl keeps a whole XML element in memory while it parses it, loads the
shared-string table whole when the workbook opens, and parses every row of
a sheet, blank or not. So a 300 KB file with one 300 MB cell, or three
million blank rows, costs it gigabytes or minutes. This module streams each
part once, decompressing 1 MiB at a time (bytes searches only, no parsing),
and finds:

- parts that expand beyond limits.MAX_EXPANDED_MB together (a zip bomb);
- a text of more than limits.MAX_TEXT_BYTES bytes between two tags, a shared
  string that long (rich text splits a string into runs with tags between),
  a worksheet row of more than limits.MAX_ROW_BYTES: the workbook is refused
  before openpyxl would load it;
- per worksheet part, the last row holding a value (a <v> or <is> element),
  so reading stops there and trailing blank rows cost nothing.

scan(file) returns a Scan; a file that is not a zip raises zipfile.BadZipFile.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from data_access.limits import MAX_EXPANDED_MB, MAX_ROW_BYTES, MAX_TEXT_BYTES

CHUNK = 1 << 20
TAG = (b"<",)
SHARED_STRING = (b"<si>", b"<si ", b":si>", b":si ")
ROW_MARK = (b"row",)
# The end of a value element, <v>..</v> or <is>..</is> (any namespace prefix): it is in the value's row.
VALUE_MARKS = (b"v>", b"is>")
SHARED_STRINGS_ROOT = (b"<sst", b":sst")
ROW_START = (b"<row", b":row")
ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
ROW_NUMBER = re.compile(rb'\sr\s*=\s*["\'](\d{1,9})["\']')


@dataclass
class Refusal:
    """A part the importer must not parse: `code` is expanded / long_text / long_string / long_row."""

    code: str
    part: str
    row: int = 0  # the worksheet row it is in, 0 when unknown or outside rows
    in_sheet: bool = False  # the part holds worksheet rows (else: shared texts, styles, the archive)
    size_mb: int = 0  # "expanded": what the parts come to


@dataclass
class Scan:
    refusals: list[Refusal] = field(default_factory=list)
    # worksheet part -> the last row with a value (0: none); parts with rows lacking numbers are absent
    last_value_row: dict[str, int] = field(default_factory=dict)

    def refused(self, part: str) -> Refusal | None:
        return next((refusal for refusal in self.refusals if refusal.part == part), None)


class _Gap:
    """Watches a byte stream for `limit` bytes without any of `marks` (checked per chunk:
    the distance carried over from the last chunk, then windows of limit/2 inside it)."""

    def __init__(self, marks: tuple[bytes, ...], limit: int) -> None:
        self.marks, self.limit, self.window = marks, limit, limit // 2
        self.since_mark = 0

    def _find(self, data: bytes, start: int, end: int) -> int:
        found = [i for i in (data.find(mark, start, end) for mark in self.marks) if i >= 0]
        return min(found) if found else -1

    def _rfind(self, data: bytes) -> int:
        return max(data.rfind(mark) for mark in self.marks)

    def feed(self, chunk: bytes) -> int | None:
        """Position in `chunk` where a gap of `limit` bytes was seen, else None."""
        first = self._find(chunk, 0, len(chunk))
        if self.since_mark + (first if first >= 0 else len(chunk)) > self.limit:
            return 0
        for start in range(0, len(chunk) - self.window + 1, self.window):
            if self._find(chunk, start, start + self.window) < 0:
                return start
        last = self._rfind(chunk)
        self.since_mark = len(chunk) - last if last >= 0 else self.since_mark + len(chunk)
        return None


class _Rows:
    """Follows which worksheet row a position is in (by the row start tags' r="n")."""

    def __init__(self) -> None:
        self.open_row = 0  # the row open at the end of the data seen so far
        self.unnumbered = False

    def row_at(self, data: bytes, position: int) -> int:
        start = max(data.rfind(mark, 0, position) for mark in ROW_START)
        if start < 0:
            return self.open_row
        match = ROW_NUMBER.search(data, start, data.find(b">", start, start + 2048) + 1 or start + 2048)
        if match is None:
            self.unnumbered = True
            return self.open_row
        return int(match.group(1))

    def advance(self, data: bytes, keep: int) -> None:
        """Note the row open at the end of `data`, whose last `keep` bytes are seen again next time."""
        end = len(data) - keep
        if end > 0:
            self.open_row = self.row_at(data, end)


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, scan: Scan) -> None:
    name = info.filename
    text_gap = _Gap(TAG, MAX_TEXT_BYTES)  # every part
    string_gap = _Gap(SHARED_STRING, MAX_TEXT_BYTES)  # in a shared-string table
    row_gap = _Gap(ROW_MARK, MAX_ROW_BYTES)  # once the part has shown a worksheet row
    has_strings = has_rows = False
    rows = _Rows()
    carry = b""
    last_value = 0
    keep = 4096  # enough for a row start tag and a value mark cut by the chunk's end
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            data = carry + chunk
            if not carry:  # the root element comes first
                has_strings = any(root in data[:4096] for root in SHARED_STRINGS_ROOT)
            has_rows = has_rows or (b"row" in data and ROW_TAG.search(data) is not None)
            watched = [("long_text", text_gap)]
            if has_strings:
                watched.append(("long_string", string_gap))
            if has_rows:
                watched.append(("long_row", row_gap))
            for code, gap in watched:
                where = gap.feed(chunk)
                if where is not None:
                    scan.refusals.append(Refusal(code, name, rows.row_at(data, len(carry) + where), has_rows))
                    return
            mark = max(data.rfind(value) for value in VALUE_MARKS)
            if mark >= 0:
                last_value = max(last_value, rows.row_at(data, mark))
            rows.advance(data, keep)
            carry = data[-keep:]
    if has_rows and not rows.unnumbered:
        scan.last_value_row[name] = last_value


def scan(file: Path | io.BytesIO) -> Scan:
    """Check every part of the workbook (see the module docstring)."""
    result = Scan()
    with zipfile.ZipFile(file) as archive:
        parts = [info for info in archive.infolist() if not info.is_dir()]
        expanded = sum(info.file_size for info in parts)
        if expanded > MAX_EXPANDED_MB * 1024 * 1024:
            result.refusals.append(Refusal("expanded", "", size_mb=expanded // (1024 * 1024)))
            return result
        for info in parts:
            if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                _scan_part(archive, info, result)
    return result
