"""Documents: type judged by content (a renamed executable refused), size limit, sanitised names,
who may see and attach, unit reports, and backup/restore keeping the files (both databases)."""

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from sqlalchemy import func, select, text

from data_access import attachments as at
from data_access import sample_files
from data_access.db import make_engine
from data_access.models import AttachmentBlob
from data_access.permissions import Actor, PermissionDenied
from data_access.writes import NotFound, ValidationFailed
from tests import builders as b
from tests.helpers import empty_database, manage_py
from ui.problem_text import error_text

D = dt.date
OFFICE, LEADER = Actor("office", "office"), Actor("leader", "leader")
TODAY = D(2025, 10, 15)
NOW = dt.datetime(2025, 10, 15, 9, 30)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200


@pytest.fixture
def records(engine):
    with engine.begin() as conn:
        m1, m2 = b.manager(conn, "M1"), b.manager(conn, "M2")
        c1 = b.customer(conn, "C1")
        b.posting(conn, m1, c1, D(2025, 1, 1))
        log1 = b.log(conn, m1, c1, D(2025, 10, 14))
        log2 = b.log(conn, m2, c1, D(2025, 10, 14))
        meeting = b.meeting(conn, D(2025, 10, 10), "联席会议", [])
    return {
        "log1": log1,
        "log2": log2,
        "meeting": meeting,
        "m1": Actor("m1", "manager", manager_id=m1),
        "m2": Actor("m2", "manager", manager_id=m2),
    }


def test_types_are_read_from_the_content():
    assert at.detect_type(sample_files.pdf("Report")) == "pdf"
    assert at.detect_type(sample_files.png()) == "png"
    assert at.detect_type(sample_files.docx("hello")) == "docx"
    assert at.detect_type(EXE) == "executable"
    assert at.detect_type(b"\x7fELF\x02\x01\x01" + b"\x00" * 20) == "executable"
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as package:
        package.writestr("payload.txt", "x")
    assert at.detect_type(plain_zip.getvalue()) is None  # a zip that is no Office document
    assert at.detect_type(b"just some text") is None


def _codes(excinfo):
    return [(p.column, p.code) for p in excinfo.value.problems]


def test_renamed_executable_unknown_type_and_size_refused(engine, records):
    for name, content, code in (
        ("report.pdf", EXE, "file_executable"),
        ("photo.png", b"hello", "file_unknown_type"),
        ("empty.pdf", b"", "file_empty"),
        ("none.pdf", None, "required"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            at.attach(engine, OFFICE, "meetings", records["meeting"], name, content, max_mb=20, now=NOW)
        assert _codes(refused) == [("file", code)]
        assert error_text(refused.value, "zh") and error_text(refused.value, "en")
    big = b"%PDF-1.4\n" + b"0" * (2 * at.MB)
    with pytest.raises(ValidationFailed) as refused:
        at.attach(engine, OFFICE, "meetings", records["meeting"], "big.pdf", big, max_mb=1, now=NOW)
    assert _codes(refused) == [("file", "file_too_large")]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AttachmentBlob)).scalar() == 0


def test_names_are_sanitised_to_their_real_type():
    assert at.safe_filename("../../etc/passwd", "pdf") == "passwd.pdf"
    assert at.safe_filename("C:\\temp\\现场照片.PNG", "png") == "现场照片.PNG"
    assert at.safe_filename("a\x00b;rm -rf $HOME.docx", "docx") == "ab_rm -rf _HOME.docx"
    assert at.safe_filename("drawing.pdf", "png") == "drawing.pdf.png"
    assert len(at.safe_filename("x" * 500 + ".pdf", "pdf")) == at.MAX_NAME


def test_attach_list_download_and_permissions(engine, records):
    photo = sample_files.png()
    first = at.attach(engine, records["m1"], "work_logs", records["log1"], "现场.png", photo, max_mb=20, now=NOW)
    at.attach(engine, OFFICE, "work_logs", records["log1"], "again.png", photo, max_mb=20, now=NOW)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AttachmentBlob)).scalar() == 1  # stored once
        files = at.list_attachments(conn, LEADER, "work_logs", records["log1"], TODAY)
        assert [(f["filename"], f["file_type"], f["uploaded_by"]) for f in files] == [
            ("现场.png", "png", "m1"),
            ("again.png", "png", "office"),
        ]
        name, content, mime = at.attachment_file(conn, records["m1"], first, TODAY)
        assert (name, mime, hashlib.sha256(content).digest()) == (
            "现场.png",
            "image/png",
            hashlib.sha256(photo).digest(),
        )
        with pytest.raises(PermissionDenied):  # another manager's log: neither listed nor downloaded
            at.list_attachments(conn, records["m2"], "work_logs", records["log1"], TODAY)
        with pytest.raises(PermissionDenied):
            at.attachment_file(conn, records["m2"], first, TODAY)
        assert at.list_attachments(conn, records["m2"], "meetings", records["meeting"], TODAY) == []
    for actor, kind, record in (
        (records["m1"], "work_logs", "log2"),
        (LEADER, "meetings", "meeting"),
        (records["m1"], "meetings", "meeting"),
    ):
        with pytest.raises(PermissionDenied):
            at.attach(engine, actor, kind, records[record], "a.pdf", sample_files.pdf("x"), max_mb=20, now=NOW)
    with pytest.raises(NotFound):
        at.attach(engine, OFFICE, "applications", 999, "a.pdf", sample_files.pdf("x"), max_mb=20, now=NOW)


def test_unit_reports(engine):
    with pytest.raises(ValidationFailed) as refused:
        at.save_unit_report(
            engine,
            OFFICE,
            unit=" ",
            period_start=D(2025, 10, 1),
            period_end=D(2025, 9, 1),
            summary="",
            submitted_on=D(2025, 10, 5),
        )
    assert _codes(refused) == [("unit", "required"), ("summary", "required"), ("period_end", "file_period_order")]
    with pytest.raises(PermissionDenied):
        at.save_unit_report(
            engine,
            LEADER,
            unit="运检部",
            period_start=D(2025, 9, 1),
            period_end=D(2025, 9, 30),
            summary="九月巡检",
            submitted_on=D(2025, 10, 5),
        )
    report = at.save_unit_report(
        engine,
        OFFICE,
        unit="运检部",
        period_start=D(2025, 9, 1),
        period_end=D(2025, 9, 30),
        summary="九月巡检",
        submitted_on=D(2025, 10, 5),
    )
    at.attach(engine, OFFICE, "unit_reports", report, "巡检报告.docx", sample_files.docx("ok"), max_mb=20, now=NOW)
    with engine.connect() as conn:
        listed = at.list_unit_reports(conn)
    assert [(r["unit"], r["files"]) for r in listed] == [("运检部", 1)]


def test_backup_and_restore_keep_the_files(db_url, tmp_path):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        meeting = b.meeting(conn, D(2025, 10, 10), "联席会议", [])
    document = sample_files.pdf("Minutes", ("item 1", "item 2"))
    attachment = at.attach(engine, OFFICE, "meetings", meeting, "纪要.pdf", document, max_mb=20, now=NOW)
    engine.dispose()
    backup = tmp_path / "backups" / "dashboard.backup"
    backup.parent.mkdir()
    assert manage_py(db_url, "backup", str(backup)).returncode == 0
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    with empty_database(kind, tmp_path) as target:
        code, out, err = manage_py(target, "restore", str(backup))
        assert code == 0, err
        restored = make_engine(target)
        with restored.connect() as conn:
            name, content, mime = at.attachment_file(conn, OFFICE, attachment, TODAY)
            assert conn.execute(text("SELECT count(*) FROM attachment_blobs")).scalar() == 1
        restored.dispose()
    assert (name, mime, content) == ("纪要.pdf", "application/pdf", document)
