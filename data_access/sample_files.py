"""Small real files for the demo data and the tests: a one-page PDF, a PNG, a .docx.

Each is a valid file of its type (its first bytes are what data_access.attachments.detect_type reads);
they are made in memory, quickly (PDF: the standard Helvetica, ASCII text).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A one-page PDF with a title and a few lines (ASCII; other characters become '?'), written
    directly (objects, cross-reference table, trailer): a few microseconds instead of a PDF library."""

    def literal(text: str) -> str:
        ascii_text = text.encode("ascii", "replace").decode()
        return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = [f"BT /F1 16 Tf 72 770 Td ({literal(title)}) Tj ET"]
    text += [f"BT /F1 11 Tf 72 {740 - 18 * i} Td ({literal(line)}) Tj ET" for i, line in enumerate(lines)]
    stream = "\n".join(text).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (30, 142, 62)) -> bytes:
    """A solid-colour RGB PNG with a lighter band (a stand-in for a site photo or drawing)."""
    rows = []
    for y in range(height):
        shade = colour if y < height * 2 // 3 else tuple(min(255, c + 90) for c in colour)
        rows.append(b"\x00" + bytes(shade) * width)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def docx(text: str) -> bytes:
    """A minimal Word document holding one paragraph."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
        'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main'
        '+xml"/></Types>'
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("word/document.xml", body)
    return out.getvalue()
