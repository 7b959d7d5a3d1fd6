#!/usr/bin/env python
"""Command line for the resident-manager dashboard.

The database is DATABASE_URL, or the embedded SQLite file data/dashboard.db.
Run `python manage.py COMMAND --help` for each command.

Only init-db, demo and restore create a database; the other commands refuse
a SQLite file that does not exist. A command that fails prints one line on
stderr saying why and exits non-zero (2: bad arguments, 1: anything else);
--debug (anywhere on the line) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from pathlib import Path

from sqlalchemy import make_url

from data_access.db import database_url, get_engine, require_existing_database
from data_access.failures import DATABASE_ERRORS, classify, short_reason


def progress_printer(label: str):
    """A progress callback that redraws one line on stderr: step text and percent."""
    started = time.perf_counter()

    def report(step: str, fraction: float) -> None:
        elapsed = time.perf_counter() - started
        end = "\n" if fraction >= 1 else ""
        print(f"\r{label}: {fraction:6.1%}  {step:<40} {elapsed:6.1f}s", end=end, file=sys.stderr, flush=True)

    return report


def existing_engine():
    """The engine of a database that must already exist: a mistyped SQLite path is refused
    (MissingDatabase) instead of creating a new, empty database."""
    require_existing_database()
    return get_engine()


def cmd_init_db(args) -> int:
    get_engine()
    print(f"schema ready: {database_url()}")
    return 0


def cmd_demo(args) -> int:
    from data_access.demo import generate_demo

    engine = get_engine()
    started = time.perf_counter()
    counts = generate_demo(engine, args.scale, seed=args.seed, progress=progress_printer("demo"))
    elapsed = time.perf_counter() - started
    for table, count in counts.items():
        print(f"{table:16} {count:>10,}")
    print(f"demo {args.scale} seed {args.seed}: {elapsed:.1f}s")
    return 0


def cmd_import(args) -> int:
    from data_access.importer import import_path
    from ui.problem_text import problem_text

    result = import_path(existing_engine(), Path(args.path), dry_run=args.dry_run, progress=progress_printer("import"))
    if result.errors:
        print("sheet, row, column, reason", file=sys.stderr)
        for error in result.errors:
            print(f"{error.sheet}, {error.row}, {error.column}, {problem_text(error, 'en')}", file=sys.stderr)
        print(f"{len(result.errors)} problem(s); nothing was written.", file=sys.stderr)
        return 1
    for sheet, (inserted, updated) in result.counts.items():
        print(f"{sheet:16} inserted {inserted:>8,}  updated {updated:>8,}")
    print("dry run: valid, nothing written." if args.dry_run else "import committed.")
    return 0


class CommandError(Exception):
    """A command's refusal, printed as its one line on stderr (exit 1)."""


def output_file(path: str) -> Path:
    """`path` as a file to write: its folder must exist and it must not be a folder itself."""
    target = Path(path)
    if target.is_dir():
        raise CommandError(f"{target} is a folder; give a file name")
    if not target.parent.is_dir():
        raise CommandError(f"folder {target.parent} does not exist")
    return target


def cmd_template(args) -> int:
    from data_access.template import write_template

    write_template(output_file(args.path))
    print(f"template written: {args.path}")
    return 0


def cmd_export(args) -> int:
    from data_access.exporter import export_workbook

    counts = export_workbook(existing_engine(), output_file(args.path))
    for sheet, count in counts.items():
        print(f"{sheet:16} {count:>10,}")
    print(f"exported: {args.path}")
    return 0


def cmd_kpis(args) -> int:
    from data_access.settings import load_settings
    from metrics.report import build_report_parallel, format_table
    from metrics.window import WindowError, parse_window

    try:
        window = parse_window(args.date_from, args.date_to)
    except WindowError as error:
        print(f"bad window: {error}", file=sys.stderr)
        return 2
    engine = existing_engine()
    with engine.connect() as conn:
        settings = load_settings(conn)
    report = build_report_parallel(engine, window, settings)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_table(report))
    return 0


def _typed_password(args) -> str:
    return args.password if args.password is not None else getpass.getpass("password: ")


def _users_list(engine) -> int:
    from data_access.admin import list_users
    from data_access.sessions import locked_usernames

    with engine.connect() as conn:
        users, locked = list_users(conn), locked_usernames(conn)
    for user in users:
        state = "active" if user["active"] else "inactive"
        if user["username"] in locked:
            state += f", locked until {locked[user['username']]:%Y-%m-%d %H:%M}"
        print(f"{user['username']:16} {user['role']:8} {state:10} {user['display_name']}")
    return 0


def cmd_users(args) -> int:
    """Accounts through data_access.admin: the same password rules, audit and security events as the
    users screen; a refused change prints one line and exits 1."""
    from data_access import admin
    from data_access.permissions import CLI_ACTOR
    from data_access.writes import WRITE_ERRORS
    from ui.problem_text import error_text

    engine = get_engine()
    if args.action == "list":
        return _users_list(engine)
    name = args.username
    try:
        if args.action == "add":
            admin.create_user(
                engine,
                CLI_ACTOR,
                username=name,
                display_name=args.name or name,
                password=_typed_password(args),
                role=args.role,
                employee_no=args.employee_no,
            )
            done = f"created {name.lower()} ({args.role}); the password must be changed at the first login"
        elif args.action == "passwd":
            admin.reset_password(engine, CLI_ACTOR, name, _typed_password(args))
            done = f"password changed for {name.lower()}; its sessions ended; it must be changed at the next login"
        elif args.action == "deactivate":
            admin.deactivate_user(engine, CLI_ACTOR, name)
            done = f"deactivated {name.lower()}; its sessions ended"
        elif args.action == "activate":
            admin.activate_user(engine, CLI_ACTOR, name)
            done = f"activated {name.lower()}"
        elif args.action == "unlock":
            lifted = admin.unlock_user(engine, CLI_ACTOR, name)
            done = f"unlocked {name.lower()}" if lifted else f"{name.lower()} was not locked"
        else:  # logout
            ended = admin.end_all_sessions(engine, CLI_ACTOR, name)
            done = f"ended {ended} session(s) of {name.lower()}"
    except WRITE_ERRORS as error:
        reason = "; ".join(line for line in error_text(error, "en").splitlines() if line.strip())
        print(f"users {args.action}: {reason}", file=sys.stderr)
        return 1
    print(done)
    return 0


def iso_date(text: str):
    """argparse type: a YYYY-MM-DD date."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def cmd_calendar(args) -> int:
    from sqlalchemy.exc import DBAPIError

    try:
        return calendar_status(args) if args.action == "status" else calendar_import(args)
    except DBAPIError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        print(f"the database is not reachable (DATABASE_URL): {reason}", file=sys.stderr)
        return 2


def calendar_status(args) -> int:
    """Print who covers which year; exit 1 when a year's arrangement is due and missing (cron)."""
    from data_access import calendar, clock

    today = args.today or clock.today()
    with existing_engine().connect() as conn:
        cover = calendar.coverage(conn)
    first, last = cover.package
    print(f"holiday calendar on {today} (calendar table {calendar.FIRST_YEAR}-{calendar.LAST_YEAR})")
    print(f"chinese-calendar {calendar.package_version()}: {first}-{last}")
    print("office arrangements: " + (", ".join(map(str, cover.office)) or "none"))
    for year in range(today.year - 1, min(today.year + 2, calendar.LAST_YEAR) + 1):
        print(f"  {year}  {cover.source(year)}")
    missing = calendar.years_to_load(cover, today)
    if missing:
        years = ", ".join(map(str, missing))
        print(
            f"MISSING: {years} - neither chinese-calendar nor the office covers it; workdays are taken "
            f"as Monday to Friday. Load the State Council's arrangement: "
            f"python manage.py calendar import FILE",
            file=sys.stderr,
        )
        return 1
    print("ok: this year and, from 1 November, next year are covered.")
    return 0


def calendar_import(args) -> int:
    """Import only the calendar sheet of FILE (all or nothing), then summarise each year in it."""
    from data_access import calendar
    from data_access.importer import import_source, read_calendar_path
    from ui.problem_text import problem_text

    source, ignored = read_calendar_path(Path(args.path))
    if ignored:
        print(f"left out (this command imports only the calendar sheet): {', '.join(ignored)}", file=sys.stderr)
    if not source.problems and not any(item.rows for item in source.sheets):
        print(f"{args.path}: the calendar sheet has no rows; nothing was written.", file=sys.stderr)
        return 1
    engine = existing_engine()
    result = import_source(engine, source, dry_run=args.dry_run)
    if result.errors:
        print("sheet, row, column, reason", file=sys.stderr)
        for error in result.errors:
            print(f"{error.sheet}, {error.row}, {error.column}, {problem_text(error, 'en')}", file=sys.stderr)
        print(f"{len(result.errors)} problem(s); nothing was written.", file=sys.stderr)
        return 1
    inserted, updated = result.counts.get("calendar", (0, 0))
    print(
        f"calendar         inserted {inserted:>8,}  updated {updated:>8,}  "
        f"unchanged {result.unchanged.get('calendar', 0):>6,}"
    )
    if args.dry_run:
        print("dry run: valid, nothing written.")
        return 0
    with engine.connect() as conn:
        for year in calendar_years(source):
            totals = calendar.year_totals(calendar.year_days(conn, year))
            print(
                f"{year}: {totals['workdays']} workdays, {totals['days_off']} days off "
                f"({totals['holidays']} on weekdays, {totals['makeup_days']} weekend workdays)"
                + (
                    f"; differs from chinese-calendar on {totals['disagreements']} day(s), the office's "
                    f"arrangement wins"
                    if totals["disagreements"]
                    else ""
                )
            )
    print("import committed. A running dashboard shows it within 5 minutes (its cache), every KPI included.")
    return 0


def calendar_years(source) -> list[int]:
    """The years of the dates in the calendar rows read (all valid once the import committed)."""
    from data_access.contract import validate_row

    years = set()
    for item in source.sheets:
        keys = [column.key if column else None for column in item.columns]
        for _, values in item.rows:
            clean, _ = validate_row(item.sheet, {key: value for key, value in zip(keys, values) if key})
            if clean["date"] is not None:
                years.add(clean["date"].year)
    return sorted(years)


# Why a backup or restore was refused (data_access.backup.BackupRefused codes).
BACKUP_REFUSALS = {
    "live_database": "{path} is the live database (or one of its -wal/-shm files); choose another path",
    "target_exists": "{path} already exists; choose a new name or add --force to overwrite it",
    "target_is_folder": "{path} is a folder; give a file name",
    "no_folder": "folder {path} does not exist",
    "no_client": "{program} not found: install the PostgreSQL client programs (apt-get install postgresql-client)",
    "dump_failed": "pg_dump failed: {reason}",
    "no_backup": "no backup file at {path}",
    "not_a_backup": "{path} is not a usable backup: {reason}",
    "not_a_backup_pg": "not a pg_dump custom-format backup: {reason}",
    "target_not_empty": "the database is not empty ({rows:,} rows of its own); restore into an empty database, "
    "or add --force to replace its contents",
    "restore_failed": "pg_restore failed, nothing was restored: {reason}",
    "count_mismatch": "restored {table} holds {found} rows, the backup {expected}",
}


def cmd_backup(args) -> int:
    from data_access.backup import backup

    require_existing_database()
    outcome = backup(database_url(), Path(args.path), force=args.force)
    rows = sum(outcome.counts.values())
    counted = f", {len(outcome.counts)} tables, {rows:,} rows" if outcome.counts else ""
    print(f"backup written: {outcome.path} ({outcome.size:,} bytes{counted})")
    return 0


def cmd_restore(args) -> int:
    from data_access.backup import restore

    outcome = restore(database_url(), Path(args.path), force=args.force)
    for table, count in sorted(outcome.counts.items()):
        print(f"{table:20} {count:>10,}")
    print(
        f"restored from {outcome.path}: {len(outcome.counts)} tables, "
        f"{sum(outcome.counts.values()):,} rows, the same as in the backup"
    )
    return 0


def iso_moment(text: str):
    """argparse type: YYYY-MM-DDTHH:MM (or a space for the T; a date alone means 00:00)."""
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1)).replace(
            second=0, microsecond=0, tzinfo=None
        )
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time YYYY-MM-DDTHH:MM: {text!r}") from None


def cmd_notify(args) -> int:
    """Send every subscription's message due at --at (default now) once; --dry-run lists them."""
    from data_access import security
    from data_access.notify_config import ConfigError
    from reports.notify import run

    at = args.at or security.now().replace(second=0)
    try:
        report = run(existing_engine(), at, dry_run=args.dry_run)
    except ConfigError as error:
        print(f"notify: {error}", file=sys.stderr)
        return 2
    print_notify_report(report, args.dry_run)
    return 1 if report.failed or report.skipped else 0


def print_notify_report(report, dry_run: bool) -> None:
    verb = "would send" if dry_run else "made"
    for delivery in report.retries if dry_run else ():
        print(
            f"would retry  #{delivery['id']:<6} {delivery['channel']:7} {delivery['recipient']:32} "
            f"attempt {delivery['attempts'] + 1}  {delivery['subject']}"
        )
    for message in report.planned if dry_run else ():
        sub = message.subscription
        items = f"{len(message.items)} alert(s)" if sub["kind"] == "alerts" else "brief + PDF"
        print(
            f"{verb}  {sub['channel']:7} {message.recipient:32} {sub['kind']:6} #{sub['id']:<5} "
            f"slot {message.slot:%Y-%m-%d %H:%M}  {items:12} {message.subject}"
        )
    for delivery_id, recipient, subject in report.sent:
        print(f"sent         #{delivery_id:<6} {recipient:32} {subject}")
    for delivery_id, recipient, error in report.failed:
        state = "abandoned" if delivery_id in report.abandoned else "failed, retried at the next run"
        print(f"FAILED       #{delivery_id:<6} {recipient:32} {error} ({state})", file=sys.stderr)
    for sub, reason in report.skipped:
        print(
            f"NOT SENT     subscription #{sub['id']} of {sub['username']} ({sub['kind']}, {sub['channel']}): {reason}",
            file=sys.stderr,
        )
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    timing = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in report.timings.items())
    if dry_run:
        print(
            f"notify {report.at:%Y-%m-%d %H:%M} (dry run): {len(report.planned)} message(s) due, "
            f"{len(report.retries)} retry(ies), {len(report.skipped)} not sendable; nothing stored or sent ({timing})"
        )
    else:
        print(
            f"notify {report.at:%Y-%m-%d %H:%M}: sent {len(report.sent)}, failed {len(report.failed)}, "
            f"not sendable {len(report.skipped)} ({timing})"
        )


def iso_month(text: str):
    """YYYY-MM as the month's first day (argparse type)."""
    import datetime as dt

    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month YYYY-MM: {text!r}") from None


def cmd_cases(args) -> int:
    """open: a case for each finding of --month (default: the last complete month), joining open
    cases (idempotent); list: the open cases."""
    from data_access import cases
    from data_access.clock import today
    from data_access.permissions import CLI_ACTOR
    from data_access.settings import load_settings
    from metrics import cases as case_metrics
    from metrics.needs import add_months

    engine = existing_engine()
    day = today()
    if args.action == "list":
        with engine.connect() as conn:
            frame = cases.list_cases(conn, day, open_only=True)
        for row in frame.itertuples():
            print(
                f"#{row.id:<6} {row.account_no:12} {row.rule:24} {row.status:10} since {row.opened_on} "
                f"found {row.months_found}x  {row.managers or '-'}"
            )
        print(f"{len(frame)} open case(s)")
        return 0
    month = args.month or add_months(day.replace(day=1), -1)
    with engine.connect() as conn:
        found = case_metrics.month_findings(conn, month, load_settings(conn))
    counts = cases.record_findings(engine, CLI_ACTOR, month, found, on=day)
    print(
        f"cases {month:%Y-%m}: {len(found)} finding(s); opened {counts['opened']}, joined {counts['joined']}, "
        f"already recorded {counts['unchanged']}"
    )
    return 0


class Parser(argparse.ArgumentParser):
    """argparse with a one-line complaint (instead of the usage block) for bad arguments."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show the traceback when a command fails")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init-db", help="create or upgrade the schema (no demo data)")
    p.set_defaults(func=cmd_init_db)

    p = sub.add_parser("demo", help="load synthetic demo data and the demo users")
    p.add_argument("--scale", choices=["county", "city", "province"], default="county")
    p.add_argument("--seed", type=int, default=2019)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="import the contract's template (.xlsx or a CSV folder), all or nothing")
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("template", help="write an empty import template")
    p.add_argument("path", help="e.g. template.xlsx")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("export", help="write all data in the import template's format")
    p.add_argument("path", help="e.g. export.xlsx")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("kpis", help="the KPI report of the data contract for a window")
    p.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
    p.add_argument("--json", action="store_true", help="print the contract's JSON")
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser(
        "users",
        help="list, add or change login accounts",
        description="Accounts follow the users screen's rules: usernames of 3-32 letters, digits, "
        "'.', '_' or '-'; passwords of 10+ characters mixing 3 of lower-case, upper-case, "
        "digits and symbols, without the username. A password set here must be changed "
        "at the next login. passwd, deactivate and logout end the account's sessions.",
    )
    p.add_argument("action", choices=["list", "add", "passwd", "deactivate", "activate", "unlock", "logout"])
    p.add_argument("username", nargs="?")
    p.add_argument("--role", choices=["leader", "office", "manager"], default="leader")
    p.add_argument("--name", help="display name")
    p.add_argument("--password", help="prompted when omitted (given here it is checked the same way)")
    p.add_argument("--employee-no", help="link a manager account to this manager (required for --role manager)")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("calendar", help="the holiday calendar: who covers which year; import a year's arrangement")
    p.add_argument(
        "action",
        choices=["status", "import"],
        help="status: exit 1 when this year, or from 1 November next year, is not covered; "
        "import FILE: the calendar sheet only, all or nothing",
    )
    p.add_argument("path", nargs="?", help="import: an .xlsx workbook, a folder of CSV files or one .csv file")
    p.add_argument("--today", type=iso_date, help="status: the day to check as (YYYY-MM-DD; default today)")
    p.add_argument("--dry-run", action="store_true", help="import: validate only, write nothing")
    p.set_defaults(func=cmd_calendar)

    p = sub.add_parser(
        "notify",
        help="send the subscriptions' briefs and alerts due now (run it from cron)",
        description="Sends every subscription's message that is due at --at exactly once; failed "
        "sends are retried at the next run. SMTP and webhooks come from DASHBOARD_SMTP_URL, "
        "DASHBOARD_SMTP_FROM, DASHBOARD_WEBHOOK_<NAME> and DASHBOARD_BASE_URL (or "
        ".streamlit/secrets.toml); see docs/notifications.md. Exit 1 when a message failed "
        "or could not be sent.",
    )
    p.add_argument("--at", type=iso_moment, help="the moment to send for, YYYY-MM-DDTHH:MM (default: now)")
    p.add_argument("--dry-run", action="store_true", help="list what would go where; store and send nothing")
    p.set_defaults(func=cmd_notify)

    p = sub.add_parser(
        "cases",
        help="needs cases: open one per finding of a month (run monthly), or list the open ones",
        description="open: runs the four needs rules for --month (over that month and the two "
        "before) and opens a case per customer and rule, or adds the month to its open "
        "case; running it again changes nothing. list: the open cases.",
    )
    p.add_argument("action", choices=["open", "list"])
    p.add_argument("--month", type=iso_month, help="YYYY-MM (default: the last complete month)")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("backup", help="copy the database to a new file (SQLite backup API, or pg_dump)")
    p.add_argument("path")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists (never the live database)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="load a backup into an empty database, then check its row counts")
    p.add_argument("path", help="a file written by `backup`")
    p.add_argument("--force", action="store_true", help="replace the contents of a database that is not empty")
    p.set_defaults(func=cmd_restore)
    return parser


def shown_url(url: str) -> str:
    """The database URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


# A failing database, in one line (data_access.failures codes).
DATABASE_FAILURES = {
    "unreachable": "cannot reach the database {url}: {reason}",
    "missing": "no database at {url}: {reason}",
    "corrupt": "the database {url} is damaged or is not a database of this dashboard: {reason}",
    "read_only": "the database {url} is read-only: {reason}",
    "busy": "the database {url} is busy (another import or save holds it); try again: {reason}",
    "timeout": "the database {url} did not answer in time: {reason}",
    "schema": "the database {url} does not have this version's schema: {reason}",
    "other": "the database {url} reported an error: {reason}",
}


def failure_line(error: BaseException) -> str:
    """Why a command failed, in one line (no SQL, no traceback)."""
    from data_access.backup import BackupRefused
    from data_access.failures import MissingDatabase

    if isinstance(error, MissingDatabase):
        return (
            f"no database file at {error.path} (DATABASE_URL={shown_url(database_url())}); "
            "check the path, or create one with `manage.py init-db`"
        )
    if isinstance(error, CommandError):
        return str(error)
    if isinstance(error, BackupRefused):
        return BACKUP_REFUSALS[error.code].format(**error.params)
    if isinstance(error, DATABASE_ERRORS):
        return DATABASE_FAILURES[classify(error)].format(url=shown_url(database_url()), reason=short_reason(error))
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror or error}{where}"
    return f"unexpected {type(error).__name__}: {str(error)[:200]} (--debug shows the traceback)"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    args = build_parser().parse_args([arg for arg in argv if arg != "--debug"])
    if args.command == "users" and args.action != "list" and not args.username:
        print("users: a username is required", file=sys.stderr)
        return 2
    if args.command == "calendar" and args.action == "import" and not args.path:
        print("calendar import: a FILE is required (.xlsx, a folder of CSV files or one .csv)", file=sys.stderr)
        return 2
    try:
        if args.command == "users":  # cmd_users opens the database itself; it must exist
            require_existing_database()
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - every failure becomes one line (or, with --debug, the traceback)
        if debug:
            raise
        print(f"{args.command}: {failure_line(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
