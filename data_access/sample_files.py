"""Small real files for the demo data and the tests: a one-page PDF, a PNG, a .docx.

Each is a valid file of its type (its first bytes are what data_access.attachments.detect_type reads);
they are made in memory, quickly, with no font files (PDF: the standard Helvetica, ASCII text).
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A one-page PDF with a title and a few lines (ASCII; other characters become '?')."""
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=14)
    document.cell(0, 10, title.encode("ascii", "replace").decode())
    document.set_font("Helvetica", size=10)
    for line in lines:
        document.ln(8)
        document.cell(0, 8, line.encode("ascii", "replace").decode())
    return bytes(document.output())


def png(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (30, 142, 62)) -> bytes:
    """A solid-colour RGB PNG with a lighter band (a stand-in for a site photo or drawing)."""
    rows = []
    for y in range(height):
        shade = colour if y < height * 2 // 3 else tuple(min(255, c + 90) for c in colour)
        rows.append(b"\x00" + bytes(shade) * width)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


def docx(text: str) -> bytes:
    """A minimal Word document holding one paragraph."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
        'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main'
        '+xml"/></Types>')
    body = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("word/document.xml", body)
    return out.getvalue()
