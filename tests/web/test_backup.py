"""``ethos backup`` and ``ethos restore``, on the database the suite runs on.

The load test is the promise in docs/reliability.md: a writer process keeps submitting
responses through the real submission service, a backup is taken in the middle, and the
backup, restored into a fresh database, holds every response acknowledged before the backup
began. Everything runs in subprocesses through the real ``ethos`` command, on a real
database of its own (a temporary SQLite file, or a new PostgreSQL database when
``DATABASE_URL`` names PostgreSQL, as under ``scripts/with-postgres.sh``).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
LIVE_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = LIVE_URL.startswith(("postgres://", "postgresql://"))
EARLIER = 10_000  # responses already in the database when the load starts


@dataclass
class Site:
    """One Ethos: a data folder and its database, driven only through subprocesses."""

    data_dir: Path
    url: str | None = None  # PostgreSQL; None for the SQLite file in data_dir

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ETHOS_", "DJANGO_"))}
        env.pop("DATABASE_URL", None)
        env.update(ETHOS_DATA_DIR=str(self.data_dir), ETHOS_SECRET_KEY="backup-test-" + "k" * 40)
        if self.url:
            env["DATABASE_URL"] = self.url
        return env

    def ethos(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        code = "from ethos.cli import main; main()"
        return self._run([sys.executable, "-c", code, *map(str, args)])

    def helper(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return self._run([sys.executable, "-m", "tests.web.backup_writer", *map(str, args)])

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, env=self.env, cwd=REPO, capture_output=True, text=True, timeout=120
        )

    def query(self, sql: str) -> list[tuple]:
        if self.url:
            import psycopg

            with psycopg.connect(self.url) as db:
                return db.execute(sql).fetchall()
        with sqlite3.connect(self.data_dir / "ethos.sqlite3") as db:
            return db.execute(sql).fetchall()

    def keys(self) -> set[uuid.UUID]:
        return {
            uuid.UUID(str(k)) for (k,) in self.query("SELECT submission_key FROM surveys_response")
        }

    def state(self) -> tuple:
        """What "nothing changed" compares: the rows, and the file's bytes on SQLite."""
        surveys = sorted(map(str, self.query("SELECT id FROM surveys_survey")))
        if self.url:
            return surveys, self.keys()
        return surveys, self.keys(), _sha256(self.data_dir / "ethos.sqlite3")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[Callable[[], Site]]:
    """``sites()`` makes a new, empty Ethos; PostgreSQL databases are dropped afterwards."""
    made: list[str] = []

    def make() -> Site:
        data_dir = tmp_path / f"site{len(made)}"
        data_dir.mkdir()
        name = f"ethos_backup_{secrets.token_hex(4)}"
        made.append(name)
        if not POSTGRES:
            return Site(data_dir)
        _admin(f'CREATE DATABASE "{name}"')
        return Site(data_dir, urlunsplit(urlsplit(LIVE_URL)._replace(path=f"/{name}")))

    yield make
    if POSTGRES:
        for name in made:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(sql: str) -> None:
    import psycopg

    url = urlunsplit(urlsplit(LIVE_URL)._replace(path="/postgres"))
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(sql)


def _ready(site: Site, earlier: int) -> str:
    """Migrate, create an open survey with ``earlier`` responses; return the survey id."""
    migrated = site.ethos("migrate")
    assert migrated.returncode == 0, migrated.stderr
    made = site.helper("setup", str(earlier))
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def _acks(path: Path) -> list[tuple[float, uuid.UUID, float]]:
    if not path.exists():
        return []
    rows = [line.split() for line in path.read_text().splitlines() if line.count(" ") == 2]
    return [(float(t), uuid.UUID(k), float(s)) for t, k, s in rows]


def _wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writer made no progress"
        time.sleep(0.05)


def test_a_backup_taken_under_load_restores_every_acknowledged_response(sites, tmp_path):
    live, fresh = sites(), sites()
    survey = _ready(live, EARLIER)
    acks, stop, out = tmp_path / "acks", tmp_path / "stop", tmp_path / "ethos.backup"
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.web.backup_writer", "write", survey, acks, stop],
        env=live.env,
        cwd=REPO,
    )
    try:
        _wait_for(lambda: len(_acks(acks)) >= 50)
        began = time.time()
        made = live.ethos("backup", out)
        ended = time.time()
        _wait_for(lambda: _acks(acks)[-1][0] > ended)
    finally:
        stop.touch()
        assert writer.wait(timeout=60) == 0, "a submission failed while the backup ran"
    assert made.returncode == 0, made.stderr
    log = _acks(acks)
    during = [seconds for when, _, seconds in log if began <= when <= ended]
    assert during, "no response was acknowledged while the backup ran"

    restored = fresh.ethos("restore", out, "--yes")
    assert restored.returncode == 0, restored.stderr
    keys = fresh.keys()
    before = {key for when, key, _ in log if when < began}
    assert before <= keys, f"{len(before - keys)} acknowledged responses are missing"
    assert keys <= live.keys()  # nothing the live database never held
    reported = int(re.search(r"([\d,]+) responses", made.stderr)[1].replace(",", ""))
    assert len(keys) == reported  # the counts printed are those of the snapshot saved
    if not POSTGRES:
        assert fresh.query("PRAGMA integrity_check") == [("ok",)]
    print(
        f"\n{made.stderr.strip()}\n{len(before)} acknowledged before it began, all restored; "
        f"{len(during)} acknowledged while it ran (slowest {max(during) * 1000:.0f} ms)"
    )


def test_refusals_exit_2_with_one_clear_line_and_change_nothing(sites, tmp_path):
    site = sites()
    _ready(site, 20)
    existing = tmp_path / "existing.backup"
    existing.write_bytes(b"keep me")
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("survey notes\n")
    other_sqlite = tmp_path / "other.sqlite3"
    with sqlite3.connect(other_sqlite) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    before = site.state()

    cases = [
        (("backup", existing), "already exists. Fix: give a new file name, or add --force"),
        (("restore", not_a_backup), "stop the server, then run again with --yes"),
        (("restore", not_a_backup, "--yes"), "this is not an Ethos backup"),
        (
            ("restore", other_sqlite, "--yes"),
            "names a postgresql database" if POSTGRES else "this is not an Ethos database",
        ),
    ]
    for args, message in cases:
        result = site.ethos(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith(f"Error: {args[1]}: "), result.stderr
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert site.state() == before, args
    assert existing.read_bytes() == b"keep me"

    forced = site.ethos("backup", existing, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "20 responses in 1 survey," in forced.stderr
    assert existing.read_bytes() != b"keep me"
