"""Where notifications go: the SMTP server, the group webhooks and the dashboard's address.

Secrets never live in the database. Each value comes from the environment first, then from
.streamlit/secrets.toml (the file Streamlit reads; git-ignored):

| environment                 | secrets.toml             | example                                           |
|-----------------------------|--------------------------|---------------------------------------------------|
| DASHBOARD_SMTP_URL          | smtp_url                 | smtp://user:pass@mail.example.com:587?starttls=1  |
| DASHBOARD_SMTP_FROM         | smtp_from                | 派驻经理看板 <noreply@example.com>                 |
| DASHBOARD_BASE_URL          | base_url                 | https://dashboard.example.com                     |
| DASHBOARD_WEBHOOK_<NAME>    | [webhooks] <name> = url  | DASHBOARD_WEBHOOK_TEAM_A=https://.../send?key=... |

A subscription to a group webhook stores only the webhook's name (team_a); its URL, which carries
the robot's token, stays here. smtps:// connects with TLS at once (port 465); smtp:// upgrades with
STARTTLS when ?starttls=1 (the default on port 587). User name and password are percent-encoded in
the URL (p%40ss for p@ss).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

SECRETS_FILE = Path(__file__).resolve().parent.parent / ".streamlit" / "secrets.toml"
WEBHOOK_PREFIX = "DASHBOARD_WEBHOOK_"
WEBHOOK_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
DEFAULT_TIMEOUT = 20.0  # seconds per SMTP or HTTP exchange


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable and the rule."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    ssl: bool  # smtps: TLS from the start
    starttls: bool
    sender: str
    timeout: float = DEFAULT_TIMEOUT


def _secrets(path: Path | None = None) -> dict:
    path = path or SECRETS_FILE
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, OSError) as error:
        raise ConfigError(f"{path.name} cannot be read: {error}") from None


def _value(variable: str, key: str) -> str | None:
    value = os.environ.get(variable, "").strip()
    if value:
        return value
    stored = _secrets().get(key)
    return str(stored).strip() or None if stored is not None else None


def base_url() -> str | None:
    """The dashboard's address for links in messages (no trailing slash), or None when not set."""
    value = _value("DASHBOARD_BASE_URL", "base_url")
    return value.rstrip("/") if value else None


def _flag(query: dict, name: str, default: bool) -> bool:
    values = query.get(name)
    if not values:
        return default
    text = values[-1].strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"DASHBOARD_SMTP_URL: {name}={values[-1]!r} must be 1 or 0")


def parse_smtp_url(url: str, sender: str | None) -> SmtpConfig:
    """SmtpConfig from smtp[s]://[user[:password]@]host[:port][?starttls=1&timeout=20]."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError("DASHBOARD_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ConfigError("DASHBOARD_SMTP_URL has no host name")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError:
        raise ConfigError("DASHBOARD_SMTP_URL: the port must be a number from 1 to 65535") from None
    query = parse_qs(parts.query)
    unknown = set(query) - {"starttls", "timeout"}
    if unknown:
        raise ConfigError(
            f"DASHBOARD_SMTP_URL: unknown option(s) {', '.join(sorted(unknown))} (known: starttls, timeout)"
        )
    try:
        timeout = float(query.get("timeout", [DEFAULT_TIMEOUT])[-1])
    except ValueError:
        raise ConfigError("DASHBOARD_SMTP_URL: timeout must be a number of seconds") from None
    username = unquote(parts.username) if parts.username else None
    sender = sender or (username if username and "@" in username else None)
    if not sender:
        raise ConfigError("DASHBOARD_SMTP_FROM is not set: the sender address, e.g. 派驻经理看板 <noreply@example.com>")
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        username=username,
        password=unquote(parts.password) if parts.password is not None else None,
        ssl=parts.scheme == "smtps",
        starttls=_flag(query, "starttls", port == 587) and parts.scheme == "smtp",
        sender=sender,
        timeout=timeout,
    )


def smtp_config() -> SmtpConfig | None:
    """The SMTP settings, or None when DASHBOARD_SMTP_URL is not set; ConfigError when unusable."""
    url = _value("DASHBOARD_SMTP_URL", "smtp_url")
    if not url:
        return None
    return parse_smtp_url(url, _value("DASHBOARD_SMTP_FROM", "smtp_from"))


def webhooks() -> dict[str, str]:
    """name -> URL of every configured group webhook (environment over secrets.toml)."""
    found: dict[str, str] = {}
    table = _secrets().get("webhooks", {})
    if isinstance(table, dict):
        for name, url in table.items():
            name = str(name).strip().lower()
            if WEBHOOK_NAME.match(name) and str(url).strip():
                found[name] = str(url).strip()
    for variable, url in os.environ.items():
        if variable.startswith(WEBHOOK_PREFIX) and url.strip():
            name = variable[len(WEBHOOK_PREFIX) :].lower()
            if WEBHOOK_NAME.match(name):
                found[name] = url.strip()
    return found


def webhook_names() -> list[str]:
    return sorted(webhooks())
