"""``ethos serve``: migrate the database, then run Ethos under gunicorn.

Gunicorn runs with sync workers and **no access log**: a request line can carry a survey
token or link, and the log would tie a respondent's address and time to it. Errors still go
to standard error. The database is whatever ``DATABASE_URL`` says (see
``docs/configuration.md``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

WSGI_APP = "ethos.web.wsgi:application"
TIMEOUT = 120  # closing a large survey publishes its results within the request


def setup_django() -> None:
    """Set Django up with the real settings (unless ``DJANGO_SETTINGS_MODULE`` names others)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethos.web.settings")
    django.setup()


def migrate(verbosity: int = 1) -> None:
    """Apply every migration to the configured database."""
    from django.core.management import call_command
    from django.db import connections

    setup_django()
    call_command("migrate", verbosity=verbosity, interactive=False)
    connections.close_all()  # workers fork from this process: each opens its own connection


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": TIMEOUT,
        "accesslog": None,  # never: see the module docstring
        "disable_redirect_access_to_syslog": True,
        "errorlog": "-",
        "loglevel": "info",
        "control_socket_disable": True,
        "proc_name": "ethos",
    }


class EthosServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn, configured in code (it reads no command line and no config file)."""

    def __init__(self, options: Mapping[str, Any], load: Callable[[], Any] | None = None):
        self.options = dict(options)
        self._load = load
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        if self._load is not None:
            return self._load()
        from ethos.web.wsgi import application

        return application


def serve(
    host: str = "127.0.0.1", port: int = 8000, workers: int = 2, migrate_first: bool = True
) -> None:
    """Migrate (unless told not to), then serve until interrupted."""
    from django.conf import settings

    if migrate_first:
        migrate()
    else:
        setup_django()
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns if absent
    EthosServer(gunicorn_options(host, port, workers)).run()
