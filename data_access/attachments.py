"""Documents: files attached to work logs, applications, meetings, needs cases and unit reports,
and the collaborating units' reports themselves.

Stored in the database: the bytes once per SHA-256 in `attachment_blobs`, one `attachments` row per
record that carries them. Why in the database and not in a folder beside it: a backup (SQLite's
online backup, pg_dump) and a restore then carry the files with the records, in one consistent
snapshot, with nothing else to copy, and PostgreSQL deployments need no shared disk (docs/documents.md).

A file's type is read from its first bytes, never from its name (`detect_type`): PDF, PNG, JPEG, GIF,
WebP, Office Open XML (docx / xlsx / pptx: a zip holding [Content_Types].xml and its part folder) and
legacy Office (OLE compound file). An executable (Windows MZ, ELF, Mach-O, a #! script) is refused
whatever it is called, and so is anything not recognised. Files above [attachment_max_mb] are refused.

Who: the office attaches to and sees every record. A manager sees and attaches to their own work logs
and the needs cases of customers they are posted to (today), and sees meetings, unit reports and the
applications of their customers. Leadership sees everything and attaches nothing. Refusals are the
write path's errors: ValidationFailed (codes below, field "file"), PermissionDenied, NotFound.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile

from sqlalchemy import func, insert, or_, select
from sqlalchemy.engine import Connection, Engine

from data_access.models import (
    ATTACHMENT_RECORDS,
    Application,
    Attachment,
    AttachmentBlob,
    Meeting,
    NeedCase,
    Posting,
    UnitReport,
    WorkLog,
)
from data_access.permissions import Actor, PermissionDenied
from data_access.writes import NotFound, UnitOfWork, ValidationFailed, WriteProblem

MB = 1024 * 1024
MAX_NAME = 120
MIME = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ole": "application/octet-stream",
}
EXTENSIONS = {
    "pdf": (".pdf",),
    "png": (".png",),
    "jpeg": (".jpg", ".jpeg"),
    "gif": (".gif",),
    "webp": (".webp",),
    "docx": (".docx",),
    "xlsx": (".xlsx",),
    "pptx": (".pptx",),
    "ole": (".doc", ".xls", ".ppt"),
}
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Codes (field "file" and the unit report's fields) are put into words by ui.problem_text
# (ui/words/cases.py: pr_file_<code>, lbl_ur_<field>).


def _problem(field: str, code: str, **params) -> WriteProblem:
    return WriteProblem(field, code, params, label=f"lbl_ur_{field}")


# ---------------------------------------------------------------- what a file is


def detect_type(content: bytes) -> str | None:
    """The file's type from its bytes (a MIME key), "executable", or None when not accepted."""
    head = content[:16]
    if any(head.startswith(magic) for magic in EXECUTABLE_MAGIC):
        return "executable"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_type(content)
    return None


def _ooxml_type(content: bytes) -> str | None:
    """docx / xlsx / pptx for an Office Open XML package, None for any other zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in OOXML_PARTS.items():
        if any(name.startswith(prefix) for name in names):
            return kind
    return None


def safe_filename(name: str, file_type: str) -> str:
    """The name without folders, control or shell characters, at most MAX_NAME characters, ending in
    an extension of its real type (added when the name had another one)."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").split("/")[-1])
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"[<>:\"|?*;`$&'%]+", "_", base).strip(" .") or "file"
    extensions = EXTENSIONS[file_type]
    if not base.lower().endswith(extensions):
        base = f"{base}{extensions[0]}"
    if len(base) > MAX_NAME:
        stem, dot, extension = base.rpartition(".")
        base = f"{stem[: MAX_NAME - len(extension) - 1]}.{extension}"
    return base


def check_file(content: bytes | None, max_mb: float) -> str:
    """The accepted file's type, or ValidationFailed naming why not (None: no file chosen)."""
    if content is None:
        raise ValidationFailed([_problem("file", "required")], "attachments")
    if not content:
        raise ValidationFailed([_problem("file", "file_empty")], "attachments")
    if len(content) > max_mb * MB:
        raise ValidationFailed(
            [_problem("file", "file_too_large", size_mb=f"{len(content) / MB:.1f}", max_mb=f"{max_mb:g}")],
            "attachments",
        )
    kind = detect_type(content)
    if kind == "executable":
        raise ValidationFailed([_problem("file", "file_executable")], "attachments")
    if kind is None:
        raise ValidationFailed([_problem("file", "file_unknown_type")], "attachments")
    return kind


# ---------------------------------------------------------------- who may see and attach

RECORD_TABLES = {
    "work_logs": WorkLog,
    "applications": Application,
    "meetings": Meeting,
    "need_cases": NeedCase,
    "unit_reports": UnitReport,
}


def _posted_today(manager_id: int, customer_id, day: dt.date):
    return (
        select(Posting.id)
        .where(
            Posting.manager_id == manager_id,
            Posting.customer_id == customer_id,
            Posting.start_date <= day,
            or_(Posting.end_date.is_(None), Posting.end_date >= day),
        )
        .exists()
    )


def _own(conn: Connection, actor: Actor, kind: str, record_id: int, day: dt.date) -> bool:
    """Whether a manager's own record: their work log, or a case / application of a customer they are posted to."""
    if kind == "work_logs":
        owner = conn.execute(select(WorkLog.manager_id).where(WorkLog.id == record_id)).scalar()
        return owner == actor.manager_id
    if kind in ("need_cases", "applications"):
        table = RECORD_TABLES[kind]
        query = select(table.id).where(table.id == record_id, _posted_today(actor.manager_id, table.customer_id, day))
        return conn.execute(query).first() is not None
    return False


def may_see(conn: Connection, actor: Actor, kind: str, record_id: int, day: dt.date) -> bool:
    if actor.role in ("office", "leader"):
        return True
    if actor.role != "manager" or actor.manager_id is None:
        return False
    return kind in ("meetings", "unit_reports") or _own(conn, actor, kind, record_id, day)


def may_attach(conn: Connection, actor: Actor, kind: str, record_id: int, day: dt.date) -> bool:
    if actor.role == "office":
        return True
    if actor.role != "manager" or actor.manager_id is None or kind not in ("work_logs", "need_cases"):
        return False
    return _own(conn, actor, kind, record_id, day)


def _check_record(conn: Connection, kind: str, record_id: int) -> None:
    if kind not in ATTACHMENT_RECORDS:
        raise ValueError(f"unknown record kind {kind!r}")
    table = RECORD_TABLES[kind]
    if conn.execute(select(table.id).where(table.id == record_id)).first() is None:
        raise NotFound(kind, str(record_id))


def _denied(actor: Actor, kind: str) -> PermissionDenied:
    return PermissionDenied("file_denied", username=actor.username)


# ---------------------------------------------------------------- writes


def attach(
    engine: Engine,
    actor: Actor,
    kind: str,
    record_id: int,
    filename: str,
    content: bytes | None,
    *,
    max_mb: float,
    now: dt.datetime | None = None,
) -> int:
    """Store `content` as a file of record (kind, record_id); returns the attachment's id."""
    file_type = check_file(content, max_mb)
    digest = hashlib.sha256(content).hexdigest()
    moment = now or dt.datetime.now().replace(microsecond=0)
    with UnitOfWork(engine, actor) as uow:
        _check_record(uow.conn, kind, record_id)
        if not may_attach(uow.conn, actor, kind, record_id, moment.date()):
            raise _denied(actor, kind)
        if uow.conn.execute(select(AttachmentBlob.sha256).where(AttachmentBlob.sha256 == digest)).first() is None:
            uow.conn.execute(insert(AttachmentBlob).values(sha256=digest, size=len(content), content=content))
        row = {
            "record_kind": kind,
            "record_id": record_id,
            "filename": safe_filename(filename, file_type),
            "file_type": file_type,
            "size": len(content),
            "sha256": digest,
            "uploaded_at": moment,
            "uploaded_by": actor.username,
        }
        attachment_id = uow.conn.execute(insert(Attachment).values(**row)).inserted_primary_key[0]
        uow.audit("insert", "attachments", str(attachment_id), None, row)
    return attachment_id


# ---------------------------------------------------------------- reads

ATTACHMENT_COLUMNS = ["id", "filename", "file_type", "size", "uploaded_at", "uploaded_by"]


def list_attachments(conn: Connection, actor: Actor, kind: str, record_id: int, day: dt.date) -> list[dict]:
    """The files of one record, oldest first (PermissionDenied for one who may not see it)."""
    if not may_see(conn, actor, kind, record_id, day):
        raise _denied(actor, kind)
    query = (
        select(
            Attachment.id,
            Attachment.filename,
            Attachment.file_type,
            Attachment.size,
            Attachment.uploaded_at,
            Attachment.uploaded_by,
        )
        .where(Attachment.record_kind == kind, Attachment.record_id == record_id)
        .order_by(Attachment.id)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def attachment_file(conn: Connection, actor: Actor, attachment_id: int, day: dt.date) -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of one attachment, for one allowed to see its record."""
    row = conn.execute(
        select(
            Attachment.record_kind,
            Attachment.record_id,
            Attachment.filename,
            Attachment.file_type,
            AttachmentBlob.content,
        )
        .join(AttachmentBlob, AttachmentBlob.sha256 == Attachment.sha256)
        .where(Attachment.id == attachment_id)
    ).first()
    if row is None:
        raise NotFound("attachments", str(attachment_id))
    if not may_see(conn, actor, row.record_kind, row.record_id, day):
        raise _denied(actor, row.record_kind)
    return row.filename, bytes(row.content), MIME[row.file_type]


def attachment_counts(conn: Connection, kind: str) -> dict[int, int]:
    """record_id -> number of files, for the records of `kind` that have any."""
    query = (
        select(Attachment.record_id, func.count()).where(Attachment.record_kind == kind).group_by(Attachment.record_id)
    )
    return dict(conn.execute(query).all())


# ---------------------------------------------------------------- unit reports

MAX_UNIT, MAX_SUMMARY = 100, 4000


def save_unit_report(
    engine: Engine, actor: Actor, *, unit: str, period_start, period_end, summary: str, submitted_on
) -> int:
    """A collaborating unit's report (the office enters it); returns its id. Files go on with attach()."""
    if actor.role != "office":
        raise PermissionDenied("unit_reports_office_only", username=actor.username)
    unit, summary = (unit or "").strip(), (summary or "").strip()
    problems = []
    for field, value, limit in (("unit", unit, MAX_UNIT), ("summary", summary, MAX_SUMMARY)):
        if not value:
            problems.append(_problem(field, "required"))
        elif len(value) > limit:
            problems.append(_problem(field, "too_long", max=limit, length=len(value)))
    for field, value in (("period_start", period_start), ("period_end", period_end), ("submitted_on", submitted_on)):
        if not isinstance(value, dt.date):
            problems.append(_problem(field, "required"))
    if isinstance(period_start, dt.date) and isinstance(period_end, dt.date) and period_end < period_start:
        problems.append(_problem("period_end", "file_period_order"))
    if problems:
        raise ValidationFailed(problems, "unit_reports")
    row = {
        "unit": unit,
        "period_start": period_start,
        "period_end": period_end,
        "summary": summary,
        "submitted_on": submitted_on,
        "created_by": actor.username,
    }
    with UnitOfWork(engine, actor) as uow:
        report_id = uow.conn.execute(insert(UnitReport).values(**row)).inserted_primary_key[0]
        uow.audit("insert", "unit_reports", str(report_id), None, row)
    return report_id


def list_unit_reports(conn: Connection, limit: int = 200) -> list[dict]:
    """The latest unit reports with their number of files, newest period first."""
    files = (
        select(Attachment.record_id, func.count().label("files"))
        .where(Attachment.record_kind == "unit_reports")
        .group_by(Attachment.record_id)
        .subquery()
    )
    query = (
        select(
            UnitReport.id,
            UnitReport.unit,
            UnitReport.period_start,
            UnitReport.period_end,
            UnitReport.summary,
            UnitReport.submitted_on,
            func.coalesce(files.c.files, 0).label("files"),
        )
        .outerjoin(files, files.c.record_id == UnitReport.id)
        .order_by(UnitReport.period_end.desc(), UnitReport.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(query).mappings()]
