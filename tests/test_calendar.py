"""The holiday calendar: the office's yearly arrangement (the `calendar` sheet) imported from a
workbook changes the KPIs exactly as counted by hand, bad rows are refused with nothing written,
the precedence of the sources, the reminder's dates, and `manage.py calendar`'s exit codes and output.

The 2027 arrangement used here is made up for the test (the official notice is not known to us):
a week off, Monday 8 to Sunday 14 February 2027, with make-up workdays on Saturday 6 and
Sunday 20 February.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import chinese_calendar
import openpyxl
import pytest
from sqlalchemy import func, select

from data_access import admin
from data_access.calendar import (
    Coverage,
    coverage,
    ensure_calendar,
    fallback_days,
    package_day,
    year_days,
    year_totals,
    years_to_load,
)
from data_access.exporter import export_workbook
from data_access.importer import import_path, import_source, read_calendar_path
from data_access.models import AuditLog, CalendarDay, OfficeCalendarDay
from data_access.permissions import Actor
from data_access.settings import load_settings
from data_access.writes import NotFound
from metrics import attendance, logs
from metrics.window import Window
from tests import builders as b
from tests.builders import ARRANGEMENT, calendar_workbook
from tests.helpers import Ran, manage_py
from ui.problem_text import problem_text

ROOT = Path(__file__).resolve().parent.parent
D = dt.date
OFFICE = Actor("office1", "office")
# The test's made-up arrangement: (date, is_workday, name), with Chinese yes/no as the office types it.
# Four whole ISO weeks around it: 25 Jan - 31 Jan, 1-7 Feb, 8-14 Feb (the week off), 15-21 Feb.
WINDOW = Window(D(2027, 1, 25), D(2027, 2, 21))


def kpis(engine) -> tuple:
    """(attendance due, compliant, log posted workdays, logged workdays, fallback days) of WINDOW."""
    with engine.connect() as conn:
        settings = load_settings(conn)
        att = attendance.compliance(conn, WINDOW, settings)
        comp = logs.completeness(conn, WINDOW, settings)
        return (
            att.due,
            att.compliant,
            comp.posted_workdays,
            comp.logged_workdays,
            fallback_days(conn, WINDOW.start, WINDOW.end),
        )


def calendar_state(engine) -> tuple:
    with engine.connect() as conn:
        return (
            conn.execute(
                select(OfficeCalendarDay.date, OfficeCalendarDay.is_workday).order_by(OfficeCalendarDay.date)
            ).all(),
            conn.execute(
                select(CalendarDay.date, CalendarDay.is_workday, CalendarDay.fallback)
                .where(CalendarDay.date.between(D(2027, 1, 1), D(2027, 12, 31)))
                .order_by(CalendarDay.date)
            ).all(),
            conn.execute(select(func.count()).select_from(AuditLog)).scalar(),
        )


def test_imported_2027_arrangement_changes_attendance_and_logs_as_counted_by_hand(engine, tmp_path):
    with engine.begin() as conn:
        manager = b.manager(conn, "M1")
        customer = b.customer(conn, "C1")
        b.posting(conn, manager, customer, WINDOW.start, WINDOW.end)
        for day in (
            D(2027, 1, 26),
            D(2027, 1, 28),  # week 1: two on-site weekdays
            D(2027, 2, 3),
            D(2027, 2, 6),  # week 2: a Wednesday and the make-up Saturday
            D(2027, 2, 9),  # week 3, the week off: one day on duty
            D(2027, 2, 16),
            D(2027, 2, 20),
        ):  # week 4: a Tuesday and the make-up Sunday
            b.log(conn, manager, customer, day)

    # Before: 2027 is beyond chinese-calendar 1.11, so Monday to Friday. Each week has 5 workdays
    # (20 posted workdays) and is due; week 3 has one on-site day of the 2 required: 3 of 4 weeks.
    # Logged workdays: 26 and 28 Jan, 3 and 9 Feb, 16 Feb (6 and 20 Feb are a Saturday and a Sunday).
    assert kpis(engine) == (4, 3, 20, 5, 28)

    result = import_path(engine, calendar_workbook(tmp_path / "2027.xlsx", ARRANGEMENT))
    assert result.committed and result.counts["calendar"] == (9, 0)

    # After: week 1 has 5 workdays, week 2 has 6 (the make-up Saturday), week 3 none (not due any
    # more), week 4 has 6 (the make-up Sunday): 17 posted workdays, 3 weeks due, all 3 compliant.
    # Logged workdays: 26 and 28 Jan, 3 and 6 Feb, 16 and 20 Feb (9 Feb is a holiday now).
    assert kpis(engine) == (3, 3, 17, 6, 0)

    with engine.connect() as conn:
        totals = year_totals(year_days(conn, 2027))
        assert coverage(conn).source(2027) == "office"
    weekdays_2027 = sum(
        D.fromordinal(n).weekday() < 5 for n in range(D(2027, 1, 1).toordinal(), D(2027, 12, 31).toordinal() + 1)
    )
    assert (totals["holidays"], totals["makeup_days"], totals["listed"]) == (5, 2, 9)
    assert totals["workdays"] == weekdays_2027 - 5 + 2

    # Exported with the rest, in the template's format: the same nine days.
    export_workbook(engine, tmp_path / "export.xlsx")
    exported = list(openpyxl.load_workbook(tmp_path / "export.xlsx")["calendar"].iter_rows(min_row=3, values_only=True))
    assert [(day.date(), flag) for day, flag, _ in exported] == [
        (day, "yes" if flag == "是" else "no") for day, flag, _ in sorted(ARRANGEMENT)
    ]


def test_bad_calendar_rows_are_reported_and_nothing_is_written(engine, tmp_path):
    rows = [
        (D(2027, 2, 8), "否", "春节"),  # row 2: fine on its own
        (D(2027, 2, 8), "是", "春节"),  # row 3: the same date again
        (D(2027, 2, 9), None, "春节"),  # row 4: 是/否 missing
        (D(2033, 1, 1), "否", "元旦"),  # row 5: beyond the calendar's years
        (D(2027, 2, 10), "休", "春节"),  # row 6: not yes/no
        ("2027-02-30", "否", "春节"),  # row 7: no such day
        (D(2028, 1, 3), "是", "调休上班"),  # row 8: another year in the same file is fine
    ]
    before = calendar_state(engine)
    result = import_path(engine, calendar_workbook(tmp_path / "bad.xlsx", rows))
    assert not result.committed
    assert {(e.sheet, e.row, e.column) for e in result.errors} == {
        ("calendar", 3, "date"),
        ("calendar", 4, "is_workday"),
        ("calendar", 5, "date"),
        ("calendar", 6, "is_workday"),
        ("calendar", 7, "date"),
    }
    reasons = {e.row: problem_text(e, "zh") for e in result.errors}
    assert "键重复" in reasons[3] and "第 2 行" in reasons[3]
    assert "2015–2032" in reasons[5] and "必填" in reasons[4]
    assert calendar_state(engine) == before


def test_override_wins_office_year_wins_over_the_package_and_can_be_removed(engine, tmp_path):
    # 2026 is a year chinese-calendar 1.11 knows: the office loading it stands for a package that
    # covers a year the office loaded (an upgrade). National Day, 1 Oct 2026, is a Thursday.
    national_day = D(2026, 10, 1)
    assert package_day(national_day) is False
    rows = [(D(2026, 10, 1), "是", "值班（示例）"), (D(2026, 10, 2), "否", "国庆节")]
    assert import_path(engine, calendar_workbook(tmp_path / "2026.xlsx", rows)).committed
    with engine.connect() as conn:
        days = {day["date"]: day for day in year_days(conn, 2026)}
    assert days[national_day]["source"] == "office" and days[national_day]["is_workday"]
    assert days[national_day]["disagrees"] and days[national_day]["kind"] == "workday"
    assert days[D(2026, 10, 2)]["kind"] == "holiday" and not days[D(2026, 10, 2)]["disagrees"]
    # Monday 5 Oct is off in the package's National Day week, an unlisted weekday (a workday) here.
    assert days[D(2026, 10, 5)]["is_workday"] and days[D(2026, 10, 5)]["disagrees"]

    admin.set_calendar_override(engine, OFFICE, national_day, False, "停电检修")
    with engine.connect() as conn:
        day = next(d for d in year_days(conn, 2026) if d["date"] == national_day)
    assert (day["source"], day["is_workday"], day["office_workday"]) == ("override", False, True)

    assert admin.remove_office_year(engine, OFFICE, 2026) == 2
    with pytest.raises(NotFound):
        admin.remove_office_year(engine, OFFICE, 2026)
    with engine.connect() as conn:
        days = {day["date"]: day for day in year_days(conn, 2026)}
        assert coverage(conn).office == ()
        audit = conn.execute(
            select(AuditLog.action, AuditLog.table_name, AuditLog.row_key).where(
                AuditLog.table_name.in_(("calendar", "calendar_overrides"))
            )
        ).all()
    assert days[D(2026, 10, 5)]["source"] == "package" and not days[D(2026, 10, 5)]["is_workday"]
    assert days[national_day]["source"] == "override"
    assert sorted(audit) == sorted(
        [
            ("insert", "calendar", "2026-10-01"),
            ("insert", "calendar", "2026-10-02"),
            ("insert", "calendar_overrides", "2026-10-01"),
            ("delete", "calendar", "2026-10-01"),
            ("delete", "calendar", "2026-10-02"),
        ]
    )


def test_docs_example_file_imports_and_agrees_with_the_package(engine):
    # docs/calendar-example-2026.csv: the layout, filled with the 2026 arrangement chinese-calendar has.
    with engine.connect() as conn:
        package = year_totals(year_days(conn, 2026))
    source, left_out = read_calendar_path(ROOT / "docs" / "calendar-example-2026.csv")
    result = import_source(engine, source, actor=OFFICE)
    assert result.committed and left_out == [] and result.counts["calendar"] == (39, 0)
    with engine.connect() as conn:
        office = year_totals(year_days(conn, 2026))
        assert coverage(conn).source(2026) == "office"
    assert office["disagreements"] == 0 and office["listed"] == 39
    same = ("workdays", "days_off", "holidays", "makeup_days")
    assert {key: office[key] for key in same} == {key: package[key] for key in same}


def test_calendar_table_is_rebuilt_when_it_no_longer_matches_its_sources(engine):
    # As after upgrading chinese-calendar to a release that knows a year the table holds as
    # Monday-Friday: the stored days disagree with the sources, and the start-up check rebuilds.
    def table(conn):
        return conn.execute(select(CalendarDay.__table__).order_by(CalendarDay.date)).all()

    with engine.begin() as conn:
        built = table(conn)
        conn.execute(
            CalendarDay.__table__.update()
            .where(CalendarDay.date >= D(2026, 10, 1))
            .values(is_workday=True, fallback=True)
        )
        assert table(conn) != built
        ensure_calendar(conn)
        assert table(conn) == built


def test_package_day_is_chinese_calendars_answer():
    day, last = D(2004, 1, 1), D(2026, 12, 31)
    while day <= last:
        assert package_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
    assert package_day(D(2027, 1, 4)) is None


def test_years_to_load_from_the_first_of_november():
    package_only = Coverage((2004, 2026), ())
    assert years_to_load(package_only, D(2026, 10, 31)) == ()
    assert years_to_load(package_only, D(2026, 11, 1)) == (2027,)
    assert years_to_load(package_only, D(2026, 12, 7)) == (2027,)
    assert years_to_load(package_only, D(2027, 1, 4)) == (2027,)  # the year itself, any day
    assert years_to_load(package_only, D(2027, 11, 1)) == (2027, 2028)
    assert years_to_load(Coverage((2004, 2026), (2027,)), D(2026, 12, 7)) == ()
    assert years_to_load(Coverage((2004, 2027), ()), D(2026, 12, 7)) == ()  # a newer package
    assert years_to_load(package_only, D(2032, 11, 1)) == (2032,)  # 2033 is beyond the table


def manage(url: str, *args: str) -> Ran:
    return manage_py(url, "calendar", *args, DASHBOARD_TODAY=None)


def test_manage_calendar_status_and_import_exit_codes(tmp_path, sqlite_template):
    # SQLite only: the import under it is the one tested on both databases above.
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    (tmp_path / "cli.db").write_bytes(sqlite_template.read_bytes())
    missing = manage(db_url, "status", "--today", "2026-11-01")  # 31 October: years_to_load's test
    assert missing.returncode == 1 and "2027" in missing.stderr and "Traceback" not in missing.stderr
    assert "chinese-calendar 1.11.0: 2004-2026" in missing.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text("日期,是否上班,名称\n2027-02-08,否,春节\n2027-02-08,否,春节\n", encoding="utf-8")
    refused = manage(db_url, "import", str(bad))
    assert refused.returncode == 1 and "calendar, 3, date" in refused.stderr

    good = tmp_path / "国务院2027放假安排.csv"  # one CSV file: the calendar sheet whatever its name
    good.write_text(
        "日期,是否上班,名称\n" + "".join(f"{day},{flag},{name}\n" for day, flag, name in ARRANGEMENT),
        encoding="utf-8-sig",
    )
    loaded = manage(db_url, "import", str(good))
    assert loaded.returncode == 0, loaded.stderr
    assert "inserted        9" in loaded.stdout and "2027:" in loaded.stdout
    covered = manage(db_url, "status", "--today", "2026-11-01")
    assert covered.returncode == 0 and "2027  office" in covered.stdout
    assert manage(db_url, "status", "--today", "2026-11-31").returncode == 2


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_meeting_brief_names_the_missing_year(tmp_path, sqlite_template):
    # SQLite only (the PDF is the slow part); the agenda's years are years_to_load's, tested above.
    from data_access.db import make_engine
    from reports.brief import build_brief

    (tmp_path / "brief.db").write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{tmp_path / 'brief.db'}")
    with engine.connect() as conn:
        data = build_brief(conn, Window(D(2026, 7, 1), D(2026, 9, 30)), D(2026, 11, 2), load_settings(conn), "zh")
    engine.dispose()
    (tmp_path / "brief.pdf").write_bytes(data)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "brief.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "节假日日历未覆盖 2027 年" in text.replace("\n", "")
