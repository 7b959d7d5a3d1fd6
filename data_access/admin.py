"""Office administration: user accounts, settings, calendar overrides and the office's holiday
arrangements (removing a year loaded by mistake; loading is the import of the `calendar` sheet).

Same rules as data_access.writes: one transaction per call, office only,
optimistic locking on `version`, audited (source "form"); errors are
ValidationFailed / PermissionDenied / StaleRow / NotFound with message(lang).
Password hashes never reach the audit trail.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from data_access import security, sessions
from data_access.calendar import FIRST_YEAR, LAST_YEAR, rebuild_calendar
from data_access.contract import CONTROL_CHARS, parse_yesno
from data_access.models import ROLES, CalendarOverride, Manager, OfficeCalendarDay, Setting, User
from data_access.passwords import (
    check_password,
    hash_password,
    normalized_username,
    password_problems,
    valid_username,
)
from data_access.permissions import Actor, PermissionDenied, check_write
from data_access.settings import SETTING_SPECS, SPECS_BY_KEY, SettingSpec, date_number, number_date
from data_access.writes import (
    NotFound,
    SavedRow,
    StaleRow,
    UnitOfWork,
    ValidationFailed,
    WriteProblem,
    execute_write,
    plain_value,
)

# Fields of the account forms that have their own label (words "lbl_user_<field>").
USER_FIELDS = ("username", "display_name", "password", "current_password", "role", "employee_no", "active")


def _problem(column: str, code: str, label: str | None = None, **params) -> WriteProblem:
    """A problem of `column`, labelled `label` (a words key) or, for account fields, lbl_user_<column>."""
    return WriteProblem(column, code, params, None, label or (f"lbl_user_{column}" if column in USER_FIELDS else None))


def _fail(table: str, *problems: WriteProblem) -> None:
    raise ValidationFailed(list(problems), table)


# ---------------------------------------------------------------- users
# Every change to an account is audited (audit_log, without the hash) and is a security event;
# a password, role or deactivation change ends the account's sessions in the same transaction.

USER_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.role,
    Manager.employee_no,
    User.active,
    User.version,
    User.created_by,
    User.must_change_password,
    User.password_changed_at,
    User.email,
)


def list_users(conn: Connection) -> list[dict[str, Any]]:
    """Every account (no password hashes), by username."""
    query = select(*USER_COLUMNS).outerjoin(Manager, Manager.id == User.manager_id).order_by(User.username)
    return [dict(row) for row in conn.execute(query).mappings()]


def _user(conn: Connection, username: str) -> dict[str, Any] | None:
    query = select(*USER_COLUMNS).outerjoin(Manager, Manager.id == User.manager_id)
    row = conn.execute(query.where(User.username == normalized_username(username))).mappings().first()
    return None if row is None else dict(row)


def _audit_user(user: dict[str, Any]) -> dict[str, Any]:
    return {key: user[key] for key in ("username", "display_name", "role", "employee_no", "active", "version")}


def password_check(password: str | None, username: str | None, column: str = "password") -> list[WriteProblem]:
    """The password rules (data_access.passwords) as problems of `column`."""
    return [
        _problem(column, code, "lbl_user_password", **params) for code, params in password_problems(password, username)
    ]


def _role_and_manager(conn: Connection, role: str, employee_no: str | None, problems: list[WriteProblem]) -> int | None:
    """Check the role and resolve employee_no; the manager id to link (managers only)."""
    if role not in ROLES:
        problems.append(_problem("role", "bad_role", allowed=", ".join(ROLES)))
        return None
    employee_no = (employee_no or "").strip()
    if role != "manager":
        return None
    if not employee_no:
        problems.append(_problem("employee_no", "manager_needs_employee_no"))
        return None
    manager_id = conn.execute(select(Manager.id).where(Manager.employee_no == employee_no)).scalar()
    if manager_id is None:
        problems.append(_problem("employee_no", "unknown_reference", value=employee_no, sheet="managers"))
    return manager_id


def _new_password_values(password: str, *, must_change: bool) -> dict[str, Any]:
    return {
        "password_hash": hash_password(password),
        "password_changed_at": security.now(),
        "must_change_password": must_change,
    }


def create_user(
    engine: Engine,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    password: str,
    role: str,
    employee_no: str | None = None,
) -> SavedRow:
    """Create an account (office only). Usernames are stored lower-case; the new user must choose
    their own password at first login."""
    check_write(actor, "users")
    username = normalized_username(username)
    display_name = (display_name or "").strip()
    with UnitOfWork(engine, actor) as uow:
        problems: list[WriteProblem] = []
        if not valid_username(username):
            problems.append(_problem("username", "bad_username"))
        elif _user(uow.conn, username) is not None:
            problems.append(_problem("username", "already_exists", key=username))
        if not display_name:
            problems.append(_problem("display_name", "required"))
        elif CONTROL_CHARS.search(display_name):
            problems.append(_problem("display_name", "control_chars"))
        elif len(display_name) > 64:
            problems.append(_problem("display_name", "too_long", max=64, length=len(display_name)))
        problems += password_check(password, username)
        manager_id = _role_and_manager(uow.conn, role, employee_no, problems)
        if problems:
            _fail("users", *problems)
        values = {
            "username": username,
            "display_name": display_name,
            "role": role,
            "manager_id": manager_id,
            "active": True,
            "created_by": "cli" if actor.client == "cli" else "office",
            **_new_password_values(password, must_change=True),
        }
        result = execute_write(uow, insert(User).values(**values), "users", "username", username)
        user = _user(uow.conn, username)
        uow.audit("insert", "users", username, None, _audit_user(user))
        security.record_event(
            uow.conn, "user_created", username=username, actor=actor.username, client=actor.client, role=role
        )
        return SavedRow(result.inserted_primary_key[0], 1, "insert")


def _change_user(
    uow: UnitOfWork, username: str, values: dict[str, Any], expected_version: int | None
) -> tuple[dict[str, Any], SavedRow]:
    """Guarded UPDATE of one account, audited without the password hash; (row before, saved)."""
    before = _user(uow.conn, username)
    if before is None:
        raise NotFound("users", normalized_username(username))
    version = before["version"] if expected_version is None else expected_version
    statement = (
        update(User).where(User.id == before["id"], User.version == version).values(**values, version=User.version + 1)
    )
    if execute_write(uow, statement, "users", "username", before["username"]).rowcount != 1:
        raise StaleRow("users", before["username"])
    after = _audit_user(_user(uow.conn, before["username"]))
    if "password_hash" in values:
        after["password_reset"] = True
    uow.audit("update", "users", before["username"], _audit_user(before), after)
    return before, SavedRow(before["id"], version + 1, "update")


def _not_self(actor: Actor, username: str) -> None:
    if normalized_username(username) == actor.username.lower():
        _fail("users", _problem("username", "own_account"))


def set_role(
    engine: Engine,
    actor: Actor,
    username: str,
    role: str,
    *,
    expected_version: int | None = None,
    employee_no: str | None = None,
) -> SavedRow:
    """Change an account's role (and its manager link: employee_no for role manager); a new role
    ends the account's sessions, so it logs in again with the new role's screens."""
    check_write(actor, "users")
    with UnitOfWork(engine, actor) as uow:
        if role != "office":
            _not_self(actor, username)
        problems: list[WriteProblem] = []
        manager_id = _role_and_manager(uow.conn, role, employee_no, problems)
        if problems:
            _fail("users", *problems)
        before, saved = _change_user(uow, username, {"role": role, "manager_id": manager_id}, expected_version)
        if before["role"] != role:
            security.record_event(
                uow.conn,
                "role_changed",
                username=before["username"],
                actor=actor.username,
                client=actor.client,
                before=before["role"],
                after=role,
            )
            sessions.end_user_sessions(uow.conn, before["id"], "role", actor=actor.username, client=actor.client)
        return saved


def reset_password(
    engine: Engine, actor: Actor, username: str, password: str, *, expected_version: int | None = None
) -> SavedRow:
    """The office sets a new password (the user must change it at the next login); ends the
    account's sessions. expected_version is optional: a reset overwrites anyway."""
    check_write(actor, "users")
    problems = password_check(password, username)
    if problems:
        _fail("users", *problems)
    with UnitOfWork(engine, actor) as uow:
        before, saved = _change_user(uow, username, _new_password_values(password, must_change=True), expected_version)
        security.record_event(
            uow.conn,
            "password_changed",
            username=before["username"],
            actor=actor.username,
            client=actor.client,
            by="cli" if actor.client == "cli" else "office",
        )
        sessions.end_user_sessions(uow.conn, before["id"], "password", actor=actor.username, client=actor.client)
        return saved


def change_own_password(
    engine: Engine, actor: Actor, current_password: str, new_password: str, *, keep_session: str | None = None
) -> None:
    """A user changes their own password (any role): the current one must be right; the user's
    other sessions end, the one whose token is `keep_session` stays open."""
    with UnitOfWork(engine, actor) as uow:
        row = uow.conn.execute(
            select(User.id, User.password_hash).where(User.username == actor.username.lower(), User.active.is_(True))
        ).first()
        if row is None:
            raise NotFound("users", actor.username)
        if not check_password(current_password or "", row.password_hash):
            _fail("users", _problem("current_password", "wrong_current_password"))
        problems = password_check(new_password, actor.username)
        if not problems and check_password(new_password, row.password_hash):
            problems.append(_problem("password", "password_unchanged"))
        if problems:
            _fail("users", *problems)
        uow.conn.execute(
            update(User)
            .where(User.id == row.id)
            .values(**_new_password_values(new_password, must_change=False), version=User.version + 1)
        )
        uow.audit(
            "update",
            "users",
            actor.username.lower(),
            None,
            {"username": actor.username.lower(), "password_reset": True},
        )
        security.record_event(uow.conn, "password_changed", username=actor.username, client=actor.client, by="self")
        sessions.end_user_sessions(uow.conn, row.id, "password", client=actor.client, keep=keep_session)


def deactivate_user(engine: Engine, actor: Actor, username: str, *, expected_version: int | None = None) -> SavedRow:
    """Block an account from logging in (the row and its history stay); ends its sessions."""
    check_write(actor, "users")
    _not_self(actor, username)
    with UnitOfWork(engine, actor) as uow:
        before, saved = _change_user(uow, username, {"active": False}, expected_version)
        security.record_event(
            uow.conn, "deactivated", username=before["username"], actor=actor.username, client=actor.client
        )
        sessions.end_user_sessions(uow.conn, before["id"], "deactivated", actor=actor.username, client=actor.client)
        return saved


def activate_user(engine: Engine, actor: Actor, username: str, *, expected_version: int | None = None) -> SavedRow:
    check_write(actor, "users")
    with UnitOfWork(engine, actor) as uow:
        before, saved = _change_user(uow, username, {"active": True}, expected_version)
        security.record_event(
            uow.conn, "activated", username=before["username"], actor=actor.username, client=actor.client
        )
        return saved


def unlock_user(engine: Engine, actor: Actor, username: str) -> bool:
    """Lift a lock after failed logins (office only); True when the username was locked or counted."""
    check_write(actor, "users")
    with UnitOfWork(engine, actor) as uow:
        return sessions.unlock(uow.conn, username, actor.username, actor.client)


def end_session(engine: Engine, actor: Actor, sid: str) -> bool:
    """The office ends one live session (listed by sessions.open_sessions)."""
    check_write(actor, "users")
    return sessions.end_session(engine, sid, actor=actor.username, client=actor.client)


def end_all_sessions(engine: Engine, actor: Actor, username: str) -> int:
    """The office logs an account out everywhere; returns how many sessions ended."""
    check_write(actor, "users")
    with UnitOfWork(engine, actor) as uow:
        user = _user(uow.conn, username)
        if user is None:
            raise NotFound("users", normalized_username(username))
        return sessions.end_user_sessions(uow.conn, user["id"], "admin", actor=actor.username, client=actor.client)


def set_email(engine: Engine, actor: Actor, username: str, email: str | None) -> str | None:
    """Set or remove (blank) the email address that subscriptions send to: the office for any
    account, every user for their own. Returns the stored address (None when removed)."""
    from data_access.subscriptions import email_problem

    if actor.role != "office" and normalized_username(username) != actor.username.lower():
        raise PermissionDenied("own_email_only", username=actor.username)
    email = (email or "").strip() or None
    problem = email_problem(email)
    if problem is not None:
        _fail("users", problem)
    with UnitOfWork(engine, actor) as uow:
        before = _user(uow.conn, username)
        if before is None:
            raise NotFound("users", normalized_username(username))
        if before["email"] == email:
            return email
        uow.conn.execute(update(User).where(User.id == before["id"]).values(email=email, version=User.version + 1))
        uow.audit(
            "update",
            "users",
            before["username"],
            {"username": before["username"], "email": before["email"]},
            {"username": before["username"], "email": email},
        )
    return email


# ---------------------------------------------------------------- settings


def settings_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every setting with its spec and stored value/version (default when not stored)."""
    stored = {
        key: (value, version)
        for key, value, version in conn.execute(select(Setting.key, Setting.value, Setting.version))
    }
    rows = []
    for spec in SETTING_SPECS:
        value, version = stored.get(spec.key, (float(spec.default), None))
        rows.append(
            {
                "key": spec.key,
                "value": float(value),
                "version": version,
                "default": float(spec.default),
                "label_zh": spec.label_zh,
                "label_en": spec.label_en,
                "minimum": spec.minimum,
                "maximum": spec.maximum,
                "integer": spec.integer,
                "kind": spec.kind,
            }
        )
    return rows


def _date_setting(spec: SettingSpec, value: Any) -> tuple[float | None, WriteProblem | None]:
    """A date setting's value (a date or YYYY-MM-DD) as its stored number YYYYMMDD."""
    label = f"setting:{spec.key}"  # the setting's own label (data_access.settings)
    value = plain_value(value)
    if value is None:
        return None, _problem(spec.key, "required", label, value="")
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            return None, _problem(spec.key, "bad_date", label, value=str(value)[:40])
    number = date_number(value)
    if number < spec.minimum:
        return None, _problem(spec.key, "below_min", label, limit=str(number_date(spec.minimum)), value=str(value))
    if spec.maximum is not None and number > spec.maximum:
        return None, _problem(spec.key, "above_max", label, limit=str(number_date(spec.maximum)), value=str(value))
    return number, None


def _setting_value(spec: SettingSpec, value: Any) -> tuple[float | None, WriteProblem | None]:
    if spec.kind == "date":
        return _date_setting(spec, value)
    label = f"setting:{spec.key}"  # the setting's own label (data_access.settings)
    value = plain_value(value)
    shown = str(value)[:40]
    if isinstance(value, bool) or value is None:
        return None, _problem(spec.key, "required" if value is None else "not_number", label, value=shown)
    try:
        number = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None, _problem(spec.key, "not_number", label, value=shown)
    if not math.isfinite(number):
        return None, _problem(spec.key, "not_number", label, value=shown)
    limit = lambda x: str(int(x)) if float(x).is_integer() else str(x)  # noqa: E731
    if spec.integer and not number.is_integer():
        return None, _problem(spec.key, "not_integer", label, value=shown)
    if number < spec.minimum:
        return None, _problem(spec.key, "below_min", label, limit=limit(spec.minimum), value=limit(number))
    if spec.maximum is not None and number > spec.maximum:
        return None, _problem(spec.key, "above_max", label, limit=limit(spec.maximum), value=limit(number))
    return number, None


def update_settings(
    engine: Engine, actor: Actor, values: dict[str, Any], expected_versions: dict[str, int | None]
) -> dict[str, int]:
    """Save changed settings in one transaction; returns key -> new version.

    Each value is checked against its SettingSpec (range, whole number). A
    stored setting is updated only with the version loaded (settings_rows);
    unchanged values are left alone.
    """
    check_write(actor, "settings")
    numbers: dict[str, float] = {}
    problems: list[WriteProblem] = []
    for key, value in values.items():
        spec = SPECS_BY_KEY.get(key)
        if spec is None:
            problems.append(_problem(key, "unknown_setting"))
            continue
        number, problem = _setting_value(spec, value)
        if problem:
            problems.append(problem)
        else:
            numbers[key] = number
    if problems:
        _fail("settings", *problems)
    versions: dict[str, int] = {}
    with UnitOfWork(engine, actor) as uow:
        for key, number in numbers.items():
            versions[key] = _save_setting(uow, key, number, expected_versions.get(key))
    return versions


def _save_setting(uow: UnitOfWork, key: str, number: float, expected_version: int | None) -> int:
    stored = uow.conn.execute(select(Setting.value, Setting.version).where(Setting.key == key)).first()
    if stored is None:
        execute_write(uow, insert(Setting).values(key=key, value=number), "settings", key, key)
        uow.audit("insert", "settings", key, None, {"key": key, "value": number, "version": 1})
        return 1
    value, version = stored
    if float(value) == number:
        return version
    if expected_version != version:
        raise StaleRow("settings", key)
    statement = (
        update(Setting)
        .where(Setting.key == key, Setting.version == expected_version)
        .values(value=number, version=Setting.version + 1)
    )
    if execute_write(uow, statement, "settings", key, key).rowcount != 1:
        raise StaleRow("settings", key)
    uow.audit(
        "update",
        "settings",
        key,
        {"key": key, "value": float(value), "version": version},
        {"key": key, "value": number, "version": version + 1},
    )
    return version + 1


# ---------------------------------------------------------------- calendar overrides


def calendar_overrides(conn: Connection) -> list[dict[str, Any]]:
    query = select(
        CalendarOverride.date, CalendarOverride.is_workday, CalendarOverride.note, CalendarOverride.version
    ).order_by(CalendarOverride.date)
    return [dict(row) for row in conn.execute(query).mappings()]


def _override_row(conn: Connection, day: dt.date) -> dict[str, Any] | None:
    query = select(
        CalendarOverride.date, CalendarOverride.is_workday, CalendarOverride.note, CalendarOverride.version
    ).where(CalendarOverride.date == day)
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


def _check_day(day: Any) -> dt.date:
    day = plain_value(day)
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        _fail("calendar_overrides", _problem("date", "bad_date", "lbl_cal_date", value=str(day)[:40]))
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        _fail(
            "calendar_overrides", _problem("date", "out_of_calendar", "lbl_cal_date", first=FIRST_YEAR, last=LAST_YEAR)
        )
    return day


def set_calendar_override(
    engine: Engine,
    actor: Actor,
    day: dt.date,
    is_workday: bool,
    note: str | None = None,
    *,
    expected_version: int | None = None,
) -> int:
    """Make `day` a workday or a day off, whatever chinese-calendar says; rebuilds
    calendar_days in the same transaction. Returns the override's version.

    A new override takes expected_version None; changing one takes its version.
    """
    check_write(actor, "calendar_overrides")
    day = _check_day(day)
    problems: list[WriteProblem] = []
    try:
        is_workday = parse_yesno(plain_value(is_workday))
    except Exception:  # the contract's (private) error for a value that is not yes/no
        problems.append(_problem("is_workday", "bad_yesno", "lbl_cal_is_workday", value=str(is_workday)))
    note = (note or "").strip() or None
    if note and CONTROL_CHARS.search(note):
        problems.append(_problem("note", "control_chars", "lbl_cal_note"))
    elif note and len(note) > 200:
        problems.append(_problem("note", "too_long", "lbl_cal_note", max=200, length=len(note)))
    if problems:
        _fail("calendar_overrides", *problems)
    key = day.isoformat()
    with UnitOfWork(engine, actor) as uow:
        before = _override_row(uow.conn, day)
        after = {"date": day, "is_workday": is_workday, "note": note}
        if before is None:
            if expected_version is not None:
                raise NotFound("calendar_overrides", key)
            execute_write(uow, insert(CalendarOverride).values(**after), "calendar_overrides", "date", key)
            uow.audit("insert", "calendar_overrides", key, None, {**after, "version": 1})
            version = 1
        else:
            if expected_version is None:
                _fail("calendar_overrides", _problem("date", "already_exists", "lbl_cal_date", key=key))
            if {k: before[k] for k in after} == after:
                return before["version"]
            if before["version"] != expected_version:
                raise StaleRow("calendar_overrides", key)
            statement = (
                update(CalendarOverride)
                .where(CalendarOverride.date == day, CalendarOverride.version == expected_version)
                .values(is_workday=is_workday, note=note, version=CalendarOverride.version + 1)
            )
            if execute_write(uow, statement, "calendar_overrides", "date", key).rowcount != 1:
                raise StaleRow("calendar_overrides", key)
            version = expected_version + 1
            uow.audit("update", "calendar_overrides", key, before, {**after, "version": version})
        rebuild_calendar(uow.conn)
        return version


def remove_calendar_override(engine: Engine, actor: Actor, day: dt.date, *, expected_version: int) -> None:
    """Drop the override of `day` (back to chinese-calendar) and rebuild calendar_days."""
    check_write(actor, "calendar_overrides")
    day = _check_day(day)
    key = day.isoformat()
    with UnitOfWork(engine, actor) as uow:
        before = _override_row(uow.conn, day)
        if before is None:
            raise NotFound("calendar_overrides", key)
        statement = delete(CalendarOverride).where(
            CalendarOverride.date == day, CalendarOverride.version == expected_version
        )
        if execute_write(uow, statement, "calendar_overrides", "date", key).rowcount != 1:
            raise StaleRow("calendar_overrides", key)
        uow.audit("delete", "calendar_overrides", key, before, None)
        rebuild_calendar(uow.conn)


def remove_office_year(engine: Engine, actor: Actor, year: int) -> int:
    """Remove the office's arrangement of `year` (e.g. one loaded for the wrong year): every
    listed day is deleted and audited, and calendar_days is rebuilt in the same transaction, so
    the year falls back to the package (or Monday-Friday). Returns the number of days removed."""
    check_write(actor, "calendar")
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        _fail("calendar", _problem("date", "out_of_calendar", "lbl_cal_date", first=FIRST_YEAR, last=LAST_YEAR))
    query = (
        select(OfficeCalendarDay.date, OfficeCalendarDay.is_workday, OfficeCalendarDay.name, OfficeCalendarDay.version)
        .where(OfficeCalendarDay.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by(OfficeCalendarDay.date)
    )
    with UnitOfWork(engine, actor) as uow:
        listed = [dict(row) for row in uow.conn.execute(query).mappings()]
        if not listed:
            raise NotFound("calendar", str(year))
        uow.conn.execute(
            delete(OfficeCalendarDay).where(OfficeCalendarDay.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        )
        for row in listed:
            uow.audit("delete", "calendar", row["date"].isoformat(), row, None)
        rebuild_calendar(uow.conn)
    return len(listed)
