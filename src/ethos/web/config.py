"""Typed settings from the environment, each one registered and documented.

Every setting Ethos reads goes through one of the helpers here. A helper parses the value,
fails fast with a message that names the variable and the fix, and records the setting in
:data:`REGISTRY`, which a test compares with ``docs/configuration.md`` so that no setting goes
undocumented.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

MIN_GROUP_FLOOR = 5
"""No organisation or survey may publish groups smaller than this, whatever is configured."""

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A setting has a bad value; the message names the variable and how to fix it."""


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    kind: str
    default: str
    doc: str


REGISTRY: dict[str, Setting] = {}


def _raw(name: str, kind: str, default: Any, doc: str, env: Mapping[str, str] | None) -> str | None:
    REGISTRY[name] = Setting(name, kind, "" if default is None else str(default), doc)
    value = (os.environ if env is None else env).get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str, doc: str, env: Mapping[str, str] | None = None) -> str:
    value = _raw(name, "text", default, doc, env)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool, doc: str, env: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, "true/false", "true" if default else "false", doc, env)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not true or false. Set it to 'true' or 'false'.")


def env_int(
    name: str,
    default: int,
    doc: str,
    minimum: int | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, "whole number", default, doc, env)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(
            f"{name}={value!r} is not a whole number. Set it to e.g. {default}."
        ) from None
    if minimum is not None and number < minimum:
        raise ConfigError(
            f"{name}={number} is below the allowed minimum of {minimum}. "
            f"Set it to {minimum} or more."
        )
    return number


def env_list(
    name: str, default: tuple[str, ...], doc: str, env: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, "comma-separated list", ",".join(default), doc, env)
    if value is None:
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


def env_path(name: str, default: Path, doc: str, env: Mapping[str, str] | None = None) -> Path:
    value = _raw(name, "path", default, doc, env)
    return Path(value).expanduser() if value else default


def database_from_url(url: str, name: str = "DATABASE_URL") -> dict[str, Any]:
    """Django ``DATABASES['default']`` from ``sqlite:///path`` or ``postgresql://...``.

    SQLite runs in WAL mode with ``synchronous=FULL`` (a committed response survives a power
    cut), ``BEGIN IMMEDIATE`` transactions (writers queue for the lock instead of failing
    with "database is locked" part-way through) and a busy timeout.
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ConfigError(f"{name}={url!r} names no file. Use e.g. sqlite:///var/ethos.db")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;"
                "PRAGMA foreign_keys=ON",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "CONN_MAX_AGE": 600,
        }
    if parts.scheme in ("postgres", "postgresql"):
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise ConfigError(f"{name}={url!r} names no database. Add it: postgresql://host/db")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigError(
        f"{name}={url!r} is not a database URL Ethos knows. "
        "Use sqlite:///path/to/file.db or postgresql://user:password@host:port/name."
    )
