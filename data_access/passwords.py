"""Password and username rules: one policy for the users screen, the own-account screen and the CLI.

A password has 10 to 64 characters (at most 72 bytes, bcrypt's limit), at least three of the four
kinds lower-case letter, upper-case letter, digit and other character, does not contain the
username, and is not one of the commonest passwords. Usernames are 3-32 letters, digits, `.`, `_`
or `-`, stored lower-case (the login form lower-cases what is typed).

The checks return problem codes with parameters; the caller turns them into words.
"""

from __future__ import annotations

import os
import re

import bcrypt

MIN_LENGTH = 10
MAX_LENGTH = 64
MAX_BYTES = 72  # bcrypt ignores (bcrypt 5 refuses) anything longer
MIN_CLASSES = 3
USERNAME = re.compile(r"^[a-z0-9._-]{3,32}$")

# The commonest passwords that would otherwise pass the length and character rules, compared
# without case; from published leak statistics (international and Chinese).
COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "password1!",
        "password@123",
        "p@ssw0rd123",
        "p@ssword123",
        "passw0rd!!",
        "qwerty12345",
        "qwerty@123",
        "qwer1234!@#$",
        "1qaz2wsx3edc",
        "1qaz@wsx3edc",
        "1qaz!qaz2wsx",
        "abc123456789",
        "abcd1234!@#$",
        "a123456789!",
        "aa123456789",
        "aa12345678",
        "aa1234567890",
        "admin123456",
        "admin@12345",
        "admin@123456",
        "administrator1",
        "welcome123!",
        "welcome@123",
        "iloveyou123",
        "woaini1314!",
        "woaini520!",
        "5201314abc!",
        "changeme123",
        "letmein123!",
        "zaq12wsxcde3",
        "zxcvbnm123!",
        "asdfghjkl123",
        "qazwsxedc123",
        "q1w2e3r4t5y6",
        "1q2w3e4r5t6y",
        "test123456!",
        "root@123456",
        "sgcc123456",
        "sgcc@123456",
        "sgcc@12345",
        "guowang123",
        "dianli123456",
        "dianli@123",
        "Aa123456789",
        "Abc123456!",
        "Abcd@123456",
        "Qq123456789",
    }
)


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digit and other characters `password` uses."""
    kinds = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    )
    return sum(kinds)


def password_problems(password: str | None, username: str | None = None) -> list[tuple[str, dict]]:
    """(code, params) for every rule `password` breaks; empty when it is acceptable."""
    password = password or ""
    problems: list[tuple[str, dict]] = []
    if len(password) < MIN_LENGTH:
        problems.append(("password_too_short", {"min": MIN_LENGTH}))
    elif len(password) > MAX_LENGTH or len(password.encode()) > MAX_BYTES:
        problems.append(("password_too_long", {"max": MAX_LENGTH}))
    if character_classes(password) < MIN_CLASSES:
        problems.append(("password_classes", {"min": MIN_CLASSES}))
    name = (username or "").strip().lower()
    if name and name in password.lower():
        problems.append(("password_has_username", {}))
    if password.lower() in {common.lower() for common in COMMON_PASSWORDS}:
        problems.append(("password_common", {}))
    return problems


def normalized_username(username: str | None) -> str:
    return (username or "").strip().lower()


def valid_username(username: str) -> bool:
    return bool(USERNAME.match(username))


def bcrypt_rounds() -> int:
    """bcrypt's cost: 12 (about 0.25 s a hash on one core). DASHBOARD_BCRYPT_ROUNDS lowers it for the
    test suite only (4 to 12), which logs in hundreds of times; a lower cost changes no behaviour."""
    try:
        return min(12, max(4, int(os.environ.get("DASHBOARD_BCRYPT_ROUNDS") or 12)))
    except ValueError:
        return 12


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(bcrypt_rounds())).decode()


def check_password(password: str, password_hash: str) -> bool:
    """Whether `password` matches the bcrypt hash (False for an over-long password or a bad hash)."""
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False
