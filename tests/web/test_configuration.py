"""Every setting is documented, bad values stop Ethos at once, and SQLite runs durably."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler

import ethos.web.settings  # noqa: F401  (registers every setting; pytest-django loaded it)
from ethos.web import config
from ethos.web.config import ConfigError, database_from_url, env_bool, env_int, env_list

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "configuration.md"
NAME = re.compile(r"\b(?:ETHOS_[A-Z0-9_]*|DATABASE_URL)")


@pytest.fixture
def registry(monkeypatch):
    """A scratch registry, so the helpers' test names never reach the real one."""
    scratch = dict(config.REGISTRY)
    monkeypatch.setattr(config, "REGISTRY", scratch)
    return scratch


def documented() -> set[str]:
    """Names given a heading or a table row of their own in docs/configuration.md."""
    names = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"#+\s+`?([A-Z][A-Z0-9_]+)`?\s*$", line)
        row = re.match(r"\|\s*`?([A-Z][A-Z0-9_]+)`?\s*\|", line)
        if heading or row:
            names.add((heading or row).group(1))
    return names


def test_every_setting_is_documented():
    missing = set(config.REGISTRY) - documented()
    assert not missing, f"add these settings to docs/configuration.md: {sorted(missing)}"


def test_the_documentation_names_no_setting_ethos_does_not_read():
    registered = set(config.REGISTRY)
    named = set(NAME.findall(DOC.read_text(encoding="utf-8")))
    unknown = set()
    for name in named:
        prefix = name.endswith("_")  # "ETHOS_EMAIL_*" names a family of settings
        if (prefix and not any(r.startswith(name) for r in registered)) or (
            not prefix and name not in registered
        ):
            unknown.add(name)
    assert not unknown, f"docs/configuration.md names settings Ethos does not read: {unknown}"


def test_each_documented_setting_gives_kind_default_and_example():
    text = DOC.read_text(encoding="utf-8")
    for name in config.REGISTRY:
        section = text.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
        for label in ("- Kind:", "- Default:", "- Example:"):
            assert label in section, f"{name} has no '{label}' line"


def test_a_number_below_its_minimum_is_refused(registry):
    with pytest.raises(ConfigError, match=r"X_SIZE=4 is below the allowed minimum of 5"):
        env_int("X_SIZE", 10, "doc", minimum=5, env={"X_SIZE": "4"})
    assert env_int("X_SIZE", 10, "doc", minimum=5, env={"X_SIZE": " 5 "}) == 5
    assert env_int("X_SIZE", 10, "doc", minimum=5, env={}) == 10


def test_a_number_that_is_not_one_is_refused(registry):
    with pytest.raises(ConfigError, match=r"X_SIZE='ten' is not a whole number"):
        env_int("X_SIZE", 10, "doc", env={"X_SIZE": "ten"})


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_bad_true_or_false_is_refused(registry, value):
    with pytest.raises(ConfigError, match="is not true or false"):
        env_bool("X_FLAG", False, "doc", env={"X_FLAG": value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("YES", True), ("1", True), ("off", False), ("", False), ("0", False)],
)
def test_true_or_false_reads_the_usual_spellings(registry, value, expected):
    assert env_bool("X_FLAG", not expected, "doc", env={"X_FLAG": value}) is expected


def test_a_list_drops_blanks(registry):
    assert env_list("X_HOSTS", ("a",), "doc", env={"X_HOSTS": " a.nhs.uk, ,b "}) == [
        "a.nhs.uk",
        "b",
    ]


def test_helpers_record_what_they_read(registry):
    env_int("X_SIZE", 10, "How big.", minimum=5, env={})
    assert registry["X_SIZE"] == config.Setting("X_SIZE", "whole number", "10", "How big.")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:p@host/db", "is not a database URL Ethos knows"),
        ("ethos.sqlite3", "is not a database URL Ethos knows"),
        ("sqlite:///", "names no file"),
        ("postgresql://db.internal:5432/", "names no database"),
    ],
)
def test_a_bad_database_url_is_refused(url, message):
    with pytest.raises(ConfigError, match=message):
        database_from_url(url)


def test_a_postgresql_url_is_read_in_full():
    db = database_from_url("postgresql://ethos:p%40ss@db.internal:5433/ethos_live")
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "ethos_live",
        "ethos",
        "p@ss",
        "db.internal",
        "5433",
    )


def run_settings(**overrides: str) -> subprocess.CompletedProcess[str]:
    """Import the real settings in a fresh interpreter with these environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETHOS_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import ethos.web.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_minimum_group_size_below_five_stops_ethos(tmp_path):
    result = run_settings(
        ETHOS_SECRET_KEY="k" * 50, ETHOS_DATA_DIR=str(tmp_path), ETHOS_MIN_GROUP_SIZE="4"
    )
    assert result.returncode != 0
    assert "ETHOS_MIN_GROUP_SIZE=4 is below the allowed minimum of 5" in result.stderr


def test_a_missing_secret_key_stops_ethos_unless_debugging(tmp_path):
    result = run_settings(ETHOS_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "ETHOS_SECRET_KEY is not set" in result.stderr
    assert run_settings(ETHOS_DATA_DIR=str(tmp_path), ETHOS_DEBUG="true").returncode == 0


def test_sqlite_runs_in_wal_mode_with_full_synchronous_writes(tmp_path, django_db_blocker):
    """Through Django's own SQLite backend, on a file (the test database is in memory)."""
    handler = ConnectionHandler({"default": database_from_url(f"sqlite:///{tmp_path / 'e.db'}")})
    connection = handler["default"]
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 2  # FULL
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
        assert connection.transaction_mode == "IMMEDIATE"
        handler.close_all()


def test_the_server_keeps_no_access_log():
    from ethos.web.serve import gunicorn_options

    options = gunicorn_options("127.0.0.1", 8000, 2)
    assert options["accesslog"] is None
    assert options["worker_class"] == "sync"
    assert options["disable_redirect_access_to_syslog"] is True


def test_ethos_serve_migrates_serves_and_logs_no_request(tmp_path):
    """The real command on a new SQLite file: the pages work and no request line is logged."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETHOS_", "DJANGO_"))}
    env.update(
        ETHOS_SECRET_KEY="k" * 50,
        ETHOS_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
    )
    log = tmp_path / "server.log"
    command = [sys.executable, "-c", "from ethos.cli import main; main()", "serve"]
    with log.open("w") as sink:
        server = subprocess.Popen(
            [*command, "--port", str(port), "--workers", "1"], env=env, stdout=sink, stderr=sink
        )
    try:
        status, deadline = None, time.monotonic() + 60
        while status is None and time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/sign-in/?secret-token=abc123"
                with urllib.request.urlopen(url, timeout=5) as reply:
                    status = reply.status
            except OSError:
                assert server.poll() is None, log.read_text()
                time.sleep(0.3)
        assert status == 200, log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "Listening at" in text  # the error log still works
    assert "secret-token" not in text and "GET " not in text
    assert (tmp_path / "serve.sqlite3").stat().st_size > 0  # migrated


def test_production_settings_pass_djangos_deployment_check(tmp_path):
    """`check --deploy` with production settings (HTTPS, a long secret) gives no warnings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ethos.web.settings",
        "ETHOS_SECRET_KEY": "x" * 20 + "-production-secret-key-0123456789-abcdefghijklmnop",
        "ETHOS_HTTPS": "true",
        "ETHOS_DEBUG": "false",
        "ETHOS_DATA_DIR": str(tmp_path),
        "ETHOS_ALLOWED_HOSTS": "ethos.example-trust.nhs.uk",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_the_models_and_the_migrations_agree(db):
    """A model change without its migration would reach a deployment only as a crash."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 if not
    assert "No changes detected" in out.getvalue()
