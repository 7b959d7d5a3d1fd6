"""What went wrong with the database, as a code the screens and the CLI turn into words.

    try:
        ...
    except DATABASE_ERRORS as error:
        code = classify(error)        # unreachable / missing / corrupt / read_only / busy / timeout / schema / other
        reason = short_reason(error)  # one line from the driver, for the server log and the CLI

The codes, not the driver's text, reach the user: the driver's text can carry
file paths, host names or SQL. No streamlit here (data_access rule).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import exc as sa_exc

CODES = ("unreachable", "missing", "corrupt", "read_only", "busy", "timeout", "schema", "other")


class MissingDatabase(Exception):
    """A command that only reads or changes an existing database was pointed at a SQLite file
    that does not exist (a mistyped DATABASE_URL would otherwise create a new, empty one)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"no database file at {path}")


class SchemaError(Exception):
    """Alembic could not bring the schema to the newest revision (its CommandError, raised again
    by data_access.db.ensure_schema so that this module need not import Alembic)."""


# Everything a database can raise at us: SQLAlchemy's wrappers, the drivers' own errors (the
# SQLite backup API and psycopg used directly), a pool that stays exhausted, a schema Alembic
# cannot place, a database file that is not there.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,
    sqlite3.Error,
    SchemaError,
    MissingDatabase,
)
try:  # psycopg is installed with the app, but the SQLite-only path does not need it
    import psycopg

    DATABASE_ERRORS += (psycopg.Error,)
except ImportError:  # pragma: no cover
    psycopg = None

# SQLite reports everything as text.
_SQLITE_TEXT = (
    ("database is locked", "busy"),
    ("database table is locked", "busy"),
    ("database schema is locked", "busy"),
    ("readonly database", "read_only"),
    ("read-only", "read_only"),
    ("file is not a database", "corrupt"),
    ("disk image is malformed", "corrupt"),
    ("not a database", "corrupt"),
    ("unable to open database file", "unreachable"),
    ("disk i/o error", "unreachable"),
    ("no such table", "schema"),
    ("no such column", "schema"),
)

# PostgreSQL reports an SQLSTATE: exact codes first, then classes (the first two characters).
_SQLSTATE = {
    "3D000": "missing",  # invalid_catalog_name: the database does not exist
    "25006": "read_only",  # read_only_sql_transaction
    "55P03": "busy",  # lock_not_available (lock_timeout)
    "40P01": "busy",  # deadlock_detected
    "40001": "busy",  # serialization_failure
    "53300": "busy",  # too_many_connections
    "57014": "timeout",  # query_canceled (statement_timeout)
    "57P01": "unreachable",  # admin_shutdown
    "57P02": "unreachable",  # crash_shutdown
    "57P03": "unreachable",  # cannot_connect_now (starting up)
    "42P01": "schema",  # undefined_table
    "42703": "schema",  # undefined_column
    "XX001": "corrupt",  # data_corrupted
    "XX002": "corrupt",  # index_corrupted
}
_SQLSTATE_CLASS = {"08": "unreachable", "28": "unreachable"}


def _driver_error(error: BaseException) -> BaseException:
    return getattr(error, "orig", None) or error


def classify(error: BaseException) -> str:
    """The failure's code (one of CODES)."""
    if isinstance(error, MissingDatabase):
        return "missing"
    if isinstance(error, SchemaError):
        return "schema"  # e.g. a database migrated by a newer version of the app
    if isinstance(error, sa_exc.TimeoutError):
        return "busy"  # no free connection in the pool
    driver = _driver_error(error)
    state = getattr(driver, "sqlstate", None)
    if state:
        return _SQLSTATE.get(state) or _SQLSTATE_CLASS.get(state[:2], "other")
    text = str(driver).lower()
    if isinstance(driver, sqlite3.Error):
        for fragment, code in _SQLITE_TEXT:
            if fragment in text:
                return code
        return "other"
    if psycopg is not None and isinstance(driver, psycopg.OperationalError):
        if "does not exist" in text:  # the server answers, the database is not there
            return "missing"
        return "timeout" if "timeout" in text else "unreachable"  # failed before any SQLSTATE
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return "unreachable"
    return "other"


def short_reason(error: BaseException) -> str:
    """The driver's first line (no statement, no parameters), at most 200 characters."""
    text = str(_driver_error(error)).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line[:200]
