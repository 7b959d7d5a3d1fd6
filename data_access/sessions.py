"""Logins and server-side sessions, with login-failure handling.

A login checks the password against the users table and opens a row in `sessions`. The browser
keeps only a random token (its SHA-256 is the row's id) in a signed cookie; every script run calls
check_session(), one primary-key read, so a session ended here (logout, password change,
deactivation, role change, idle or absolute timeout, the office) is refused at once by every app
process that shares the database.

Failed logins are counted per username and per client address in `login_throttle`:
- a username is locked for [login_lock_minutes] after [login_max_failures] consecutive failures
  (each within the lock time of the one before), even for the right password; unknown usernames
  are counted and locked the same way and take the same bcrypt time, so nothing tells whether an
  account exists;
- a client that failed CLIENT_FREE_FAILURES times (across usernames, each within
  CLIENT_MEMORY of the last) must wait a delay that doubles with each further failure, up to
  CLIENT_MAX_DELAY, before its next attempt is even checked.
A successful login clears the username's count. Every outcome is a security event.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from data_access.models import LoginThrottle, User, UserSession
from data_access.passwords import bcrypt_rounds, check_password, hash_password, normalized_username
from data_access.security import clean, now, record_event
from data_access.settings import DEFAULTS

CLIENT_FREE_FAILURES = 10
CLIENT_MAX_DELAY = dt.timedelta(seconds=60)
CLIENT_MEMORY = dt.timedelta(minutes=15)
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen_at is written at most this often per session


def _dummy_hash() -> str:
    """Checked against when the username is unknown, so that a wrong name costs the same bcrypt time."""
    return _dummy_hash_of_cost(bcrypt_rounds())


@functools.cache
def _dummy_hash_of_cost(rounds: int) -> str:
    return hash_password(secrets.token_urlsafe(16))


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------- the signed cookie value


def sign(token: str, key: str) -> str:
    """`token.signature`: what the cookie holds."""
    mac = hmac.new(key.encode(), token.encode(), hashlib.sha256).hexdigest()
    return f"{token}.{mac}"


def unsign(value: str | None, key: str) -> str | None:
    """The token of a cookie value signed with `key`, or None when it is missing or forged."""
    if not value or value.count(".") != 1:
        return None
    token, mac = value.split(".")
    expected = hmac.new(key.encode(), token.encode(), hashlib.sha256).hexdigest()
    return token if token and hmac.compare_digest(mac, expected) else None


# ---------------------------------------------------------------- transactions


class _WriteTransaction:
    """A transaction that takes SQLite's write lock first (a concurrent writer waits its busy
    timeout and then reads fresh rows, instead of failing to upgrade a stale snapshot)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Connection:
        self.conn = self.engine.connect()
        self.transaction = self.conn.begin()
        if self.conn.dialect.name == "sqlite":
            self.conn.exec_driver_sql("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None:
                self.transaction.commit()
            else:
                self.transaction.rollback()
        finally:
            self.conn.close()
        return False


def _setting(settings: dict[str, float] | None, key: str) -> float:
    return float((settings or DEFAULTS).get(key, DEFAULTS[key]))


# ---------------------------------------------------------------- throttling


def _user_key(username: str) -> str:
    return "user:" + username[:70]


def _client_key(client: str | None) -> str:
    return "client:" + (client or "unknown")[:70]


def _throttle_row(conn: Connection, key: str, for_update: bool = False) -> dict[str, Any] | None:
    query = select(LoginThrottle.failures, LoginThrottle.last_failure_at, LoginThrottle.locked_until).where(
        LoginThrottle.key == key
    )
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


def _insert_ignore(conn: Connection, key: str, at: dt.datetime) -> None:
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, last_failure_at=at, locked_until=None)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def _count_failure(conn: Connection, key: str, at: dt.datetime, memory: dt.timedelta, lock_ends_run: bool) -> int:
    """Add one failure to `key`; returns the count of the current run of failures. A run ends
    when its last failure is older than `memory` or, with `lock_ends_run`, when a lock ran out."""
    _insert_ignore(conn, key, at)
    row = _throttle_row(conn, key, for_update=True)
    expired_lock = lock_ends_run and row["locked_until"] is not None and row["locked_until"] <= at
    fresh = row["failures"] == 0 or row["last_failure_at"] + memory < at or expired_lock
    failures = 1 if fresh else row["failures"] + 1
    conn.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(failures=failures, last_failure_at=at, locked_until=None if fresh else row["locked_until"])
    )
    return failures


def _lock(conn: Connection, key: str, until: dt.datetime) -> None:
    conn.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(locked_until=until))


def client_delay(failures: int) -> dt.timedelta:
    """How long a client waits after its `failures`-th failure in a row (across usernames)."""
    if failures < CLIENT_FREE_FAILURES:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** (failures - CLIENT_FREE_FAILURES)), CLIENT_MAX_DELAY)


# ---------------------------------------------------------------- login


@dataclass(frozen=True)
class LoginOutcome:
    """status: ok / failed / locked (the username, until `until`) / wait (this client, until `until`)."""

    status: str
    token: str | None = None
    username: str | None = None
    until: dt.datetime | None = None


def _active_user(conn: Connection, username: str) -> dict[str, Any] | None:
    query = select(User.id, User.username, User.password_hash).where(User.username == username, User.active.is_(True))
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


def _refusal(conn: Connection, username: str, client: str | None, at: dt.datetime) -> LoginOutcome | None:
    """A refusal before the password is even checked: this client must wait, or the username is locked."""
    client_row = _throttle_row(conn, _client_key(client))
    if client_row and client_row["locked_until"] and client_row["locked_until"] > at:
        return LoginOutcome("wait", until=client_row["locked_until"])
    user_row = _throttle_row(conn, _user_key(username))
    if user_row and user_row["locked_until"] and user_row["locked_until"] > at:
        return LoginOutcome("locked", until=user_row["locked_until"])
    return None


def login(
    engine: Engine,
    username: str,
    password: str,
    client: str | None,
    settings: dict[str, float] | None = None,
    at: dt.datetime | None = None,
) -> LoginOutcome:
    """Check a typed username and password; on success open a session and return its token."""
    at = at or now()
    name = normalized_username(username)[:64]
    with engine.connect() as conn:
        refusal = _refusal(conn, name, client, at)
        user = None if refusal else _active_user(conn, name)
    if refusal is not None:
        with _WriteTransaction(engine) as conn:
            event = "client_delayed" if refusal.status == "wait" else "login_failed"
            record_event(conn, event, username=name, client=client, at=at, reason=refusal.status, until=refusal.until)
        return refusal
    matches = check_password(password or "", user["password_hash"] if user else _dummy_hash())
    if user is not None and matches:
        with _WriteTransaction(engine) as conn:
            conn.execute(delete(LoginThrottle).where(LoginThrottle.key == _user_key(name)))
            token = _open_session(conn, user["id"], client, settings, at)
            record_event(conn, "login", username=name, client=client, at=at)
        return LoginOutcome("ok", token=token, username=user["username"])
    return _failed(engine, name, client, settings, at, "unknown_or_inactive" if user is None else "password")


def _failed(
    engine: Engine, name: str, client: str | None, settings: dict[str, float] | None, at: dt.datetime, reason: str
) -> LoginOutcome:
    lock_time = dt.timedelta(minutes=_setting(settings, "login_lock_minutes"))
    with _WriteTransaction(engine) as conn:
        record_event(conn, "login_failed", username=name, client=client, at=at, reason=reason)
        client_failures = _count_failure(conn, _client_key(client), at, CLIENT_MEMORY, lock_ends_run=False)
        delay = client_delay(client_failures)
        if delay:
            _lock(conn, _client_key(client), at + delay)
        failures = _count_failure(conn, _user_key(name), at, lock_time, lock_ends_run=True)
        if failures >= _setting(settings, "login_max_failures"):
            _lock(conn, _user_key(name), at + lock_time)
            record_event(conn, "locked", username=name, client=client, at=at, failures=failures, until=at + lock_time)
            return LoginOutcome("locked", until=at + lock_time)
    return LoginOutcome("failed")


def unlock(conn: Connection, username: str, actor: str, client: str | None = None) -> bool:
    """Lift a username's lock and failure count (the office); True when there was one."""
    name = normalized_username(username)
    done = conn.execute(delete(LoginThrottle).where(LoginThrottle.key == _user_key(name))).rowcount
    if done:
        record_event(conn, "unlocked", username=name, actor=actor, client=client)
    return bool(done)


def locked_usernames(conn: Connection, at: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """username -> locked until, for the usernames locked now."""
    at = at or now()
    query = select(LoginThrottle.key, LoginThrottle.locked_until).where(
        LoginThrottle.key.like("user:%"), LoginThrottle.locked_until > at
    )
    return {key.removeprefix("user:"): until for key, until in conn.execute(query)}


# ---------------------------------------------------------------- sessions


def _open_session(
    conn: Connection, user_id: int, client: str | None, settings: dict[str, float] | None, at: dt.datetime
) -> str:
    token = secrets.token_urlsafe(32)
    lifetime = dt.timedelta(hours=_setting(settings, "session_max_hours"))
    conn.execute(
        UserSession.__table__.insert().values(
            id=session_id(token),
            user_id=user_id,
            created_at=at,
            last_seen_at=at,
            expires_at=at + lifetime,
            client=clean(client),
        )
    )
    return token


def start_session(
    engine: Engine, username: str, client: str | None = None, settings: dict[str, float] | None = None
) -> str:
    """Open a session for an active user without a password (tests, benchmarks); returns its token."""
    with _WriteTransaction(engine) as conn:
        user = _active_user(conn, normalized_username(username))
        if user is None:
            raise LookupError(f"no active user {username!r}")
        return _open_session(conn, user["id"], client, settings, now())


@dataclass(frozen=True)
class SessionCheck:
    """status: ok (user is the account), ended (reason: why), or unknown (no such session)."""

    status: str
    user: dict[str, Any] | None = None
    reason: str | None = None
    expires_at: dt.datetime | None = None


SESSION_COLUMNS = (
    UserSession.id,
    UserSession.last_seen_at,
    UserSession.expires_at,
    UserSession.ended_at,
    UserSession.end_reason,
    User.id.label("user_id"),
    User.username,
    User.display_name,
    User.role,
    User.manager_id,
    User.active,
    User.must_change_password,
    User.password_changed_at,
)


def check_session(
    engine: Engine, token: str, settings: dict[str, float] | None = None, at: dt.datetime | None = None
) -> SessionCheck:
    """The session of `token`: valid (and its user), or why not; ends it when it has timed out."""
    at = at or now()
    with engine.connect() as conn:
        query = (
            select(*SESSION_COLUMNS)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.id == session_id(token))
        )
        row = conn.execute(query).mappings().first()
    if row is None:
        return SessionCheck("unknown")
    if row["ended_at"] is not None:
        return SessionCheck("ended", reason=row["end_reason"])
    idle = dt.timedelta(minutes=_setting(settings, "session_idle_minutes"))
    reason = (
        "deactivated"
        if not row["active"]
        else "expired"
        if row["expires_at"] <= at
        else "idle"
        if row["last_seen_at"] + idle <= at
        else None
    )
    if reason:
        with _WriteTransaction(engine) as conn:
            _end(conn, [row["id"]], reason, at, username=row["username"])
        return SessionCheck("ended", reason=reason)
    if at - row["last_seen_at"] >= TOUCH_EVERY:
        with _WriteTransaction(engine) as conn:
            conn.execute(update(UserSession).where(UserSession.id == row["id"]).values(last_seen_at=at))
    user = {
        key: row[key]
        for key in (
            "user_id",
            "username",
            "display_name",
            "role",
            "manager_id",
            "must_change_password",
            "password_changed_at",
        )
    }
    return SessionCheck("ok", user=user, expires_at=row["expires_at"])


def _end(
    conn: Connection,
    ids: list[str],
    reason: str,
    at: dt.datetime,
    *,
    username: str | None,
    actor: str | None = None,
    client: str | None = None,
) -> int:
    """End the open sessions among `ids`, one security event each; returns how many ended."""
    ended = 0
    for sid in ids:
        done = conn.execute(
            update(UserSession)
            .where(UserSession.id == sid, UserSession.ended_at.is_(None))
            .values(ended_at=at, end_reason=reason)
        ).rowcount
        if done:
            ended += 1
            event = "logout" if reason == "logout" else "session_end"
            record_event(
                conn, event, username=username, actor=actor, client=client, at=at, reason=reason, session=sid[:8]
            )
    return ended


def logout(engine: Engine, token: str, client: str | None = None) -> None:
    """End this browser's session (the logout button)."""
    with _WriteTransaction(engine) as conn:
        username = conn.execute(
            select(User.username)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.id == session_id(token))
        ).scalar()
        _end(conn, [session_id(token)], "logout", now(), username=username, client=client)


def end_user_sessions(
    conn: Connection,
    user_id: int,
    reason: str,
    *,
    actor: str | None = None,
    client: str | None = None,
    keep: str | None = None,
) -> int:
    """End every open session of a user (password / deactivated / role / admin), in the caller's
    transaction; `keep`: a token whose session stays open (the user's own, after their own change)."""
    query = select(UserSession.id).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    ids = [sid for sid in conn.execute(query).scalars() if keep is None or sid != session_id(keep)]
    username = conn.execute(select(User.username).where(User.id == user_id)).scalar()
    return _end(conn, ids, reason, now(), username=username, actor=actor, client=client)


def end_session(engine: Engine, sid: str, *, actor: str, client: str | None = None) -> bool:
    """The office ends one session (by its id, as listed by open_sessions)."""
    with _WriteTransaction(engine) as conn:
        username = conn.execute(
            select(User.username).join(UserSession, UserSession.user_id == User.id).where(UserSession.id == sid)
        ).scalar()
        return bool(_end(conn, [sid], "admin", now(), username=username, actor=actor, client=client))


def open_sessions(
    conn: Connection, settings: dict[str, float] | None = None, at: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Sessions that are still valid now (not ended, not past their idle or absolute end), newest first."""
    at = at or now()
    idle = dt.timedelta(minutes=_setting(settings, "session_idle_minutes"))
    query = (
        select(
            UserSession.id,
            User.username,
            User.display_name,
            UserSession.client,
            UserSession.created_at,
            UserSession.last_seen_at,
            UserSession.expires_at,
        )
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.ended_at.is_(None),
            UserSession.expires_at > at,
            UserSession.last_seen_at > at - idle,
            User.active.is_(True),
        )
        .order_by(UserSession.last_seen_at.desc())
    )
    return [dict(row) for row in conn.execute(query).mappings()]
