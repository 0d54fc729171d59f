"""``ethos backup`` and ``ethos restore``: a consistent copy of the live database, and back.

**Backup works while the server takes responses.** On SQLite it opens a read-only connection
to the live file and copies it with SQLite's online backup API in one step: the copy is the
database as it stood at one instant (a read transaction's snapshot), and because the
database runs in WAL mode, writers carry on committing while it is taken. On PostgreSQL it
exports a repeatable-read snapshot, counts the rows in it and runs ``pg_dump
--format=custom --snapshot`` on that same snapshot. Either way every response acknowledged
before the backup began is in it. The copy is written beside ``OUT`` under a temporary name,
verified (SQLite: ``PRAGMA integrity_check``; PostgreSQL: ``pg_restore --list``), flushed to
disk and only then renamed to ``OUT``, so ``OUT`` is either a whole, checked backup or absent.

**Restore replaces the database, so the server must be stopped first.** The backup is
checked before anything is touched. SQLite: the online backup API copies it into the
configured file in one transaction (a failure part-way leaves the old database as it was).
PostgreSQL: ``pg_restore --clean --if-exists --no-owner --single-transaction``. Then the
migrations run, so a backup made by an older Ethos is brought up to date.

Connection details for ``pg_dump`` and ``pg_restore`` travel in ``PG*`` environment
variables, never on the command line (where other users of the machine could read them).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ethos.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
COUNTS = {"responses": "surveys_response", "surveys": "surveys_survey"}


@dataclass(frozen=True, slots=True)
class Summary:
    """What a backup or restore did, for the one-line report."""

    path: Path
    responses: int
    surveys: int
    size: int
    seconds: float

    def line(self, verb: str) -> str:
        return (
            f"{verb} {self.path}: {_plural(self.responses, 'response')} in "
            f"{_plural(self.surveys, 'survey')}, "
            f"{self.size / 1e6:,.1f} MB, in {self.seconds:.1f} s"
        )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _database() -> dict[str, Any]:
    from django.conf import settings

    from ethos.web.serve import setup_django

    setup_django()
    return dict(settings.DATABASES["default"])


def _is_sqlite(db: dict[str, Any]) -> bool:
    return "sqlite3" in str(db["ENGINE"])


# --- backup -------------------------------------------------------------------------------


def backup(out: Path, force: bool = False) -> Summary:
    """Write a verified backup of the configured database to ``out``."""
    _check_out(out, force)
    db = _database()
    started = time.monotonic()
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        if _is_sqlite(db):
            counts = _sqlite_backup(_live_sqlite(db, out), partial)
        else:
            counts = _pg_dump(db, partial)
        _fsync(partial)
        os.replace(partial, out)
        _fsync(out.parent)
    finally:
        partial.unlink(missing_ok=True)
    seconds = time.monotonic() - started
    return Summary(out, counts["responses"], counts["surveys"], out.stat().st_size, seconds)


def _check_out(out: Path, force: bool) -> None:
    if not out.parent.is_dir():
        raise InputError(str(out.parent), "this folder does not exist.", "create it first.")
    if out.is_dir():
        raise InputError(str(out), "this is a folder.", "give a file name, e.g. ethos.backup.")
    if out.exists() and not force:
        raise InputError(
            str(out),
            "this file already exists.",
            "give a new file name, or add --force to replace it.",
        )


def _live_sqlite(db: dict[str, Any], out: Path) -> Path:
    live = Path(db["NAME"])
    if not live.is_file():
        raise InputError(
            str(live), "there is no database here.", "check DATABASE_URL and ETHOS_DATA_DIR."
        )
    if out.exists() and out.resolve() == live.resolve():
        raise InputError(str(out), "this is the live database.", "write the backup elsewhere.")
    return live


def _sqlite_backup(live: Path, partial: Path) -> dict[str, int]:
    """Copy ``live`` to ``partial`` in one step from a read-only connection, then check it."""
    source = sqlite3.connect(f"{live.resolve().as_uri()}?mode=ro", uri=True, timeout=20)
    target = sqlite3.connect(partial)
    try:
        target.execute("PRAGMA journal_mode=DELETE")
        source.backup(target, pages=-1)  # one step: one read snapshot; WAL writers go on
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
    finally:
        target.close()
        source.close()
    return _sqlite_check(partial, str(partial))


def _sqlite_check(path: Path, name: str) -> dict[str, int]:
    """Integrity and the row counts of an Ethos SQLite database, or InputError."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise InputError(name, f"the database is damaged: {problems[0]}", "use another backup.")
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if not {"django_migrations", *COUNTS.values()} <= tables:
            raise InputError(name, "this is not an Ethos database.", "give an Ethos backup.")
        return {k: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for k, t in COUNTS.items()}
    except sqlite3.DatabaseError as exc:
        raise InputError(name, f"this cannot be read as SQLite ({exc}).", "check it.") from None
    finally:
        db.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- restore ------------------------------------------------------------------------------


def restore(source: Path) -> Summary:
    """Replace the configured database with the backup ``source``, then migrate it."""
    kind = _backup_kind(source)
    db = _database()
    started = time.monotonic()
    if _is_sqlite(db):
        _expect(kind, "sqlite", source)
        _sqlite_check(source, str(source))
        _sqlite_restore(source, Path(db["NAME"]))
    else:
        _expect(kind, "postgresql", source)
        _pg_list(source)
        _pg_restore(db, source)
    from ethos.web.serve import migrate

    migrate(verbosity=0)
    counts = _django_counts()
    seconds = time.monotonic() - started
    size = source.stat().st_size
    return Summary(source, counts["responses"], counts["surveys"], size, seconds)


def _backup_kind(source: Path) -> str:
    if not source.is_file():
        raise InputError(str(source), "there is no file here.", "give the backup file's path.")
    with source.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise InputError(
        str(source),
        "this is not an Ethos backup (neither SQLite nor a pg_dump archive).",
        "give a file that `ethos backup` wrote.",
    )


def _expect(kind: str, wanted: str, source: Path) -> None:
    if kind != wanted:
        raise InputError(
            str(source),
            f"this is a {kind} backup but DATABASE_URL names a {wanted} database.",
            f"restore it into a {kind} database, or give a {wanted} backup.",
        )


def _sqlite_restore(source: Path, live: Path) -> None:
    """Copy the backup into the live file in one transaction (WAL-aware, no stale -wal)."""
    if live.exists() and live.resolve() == source.resolve():
        raise InputError(str(source), "this is the live database.", "give a backup file.")
    live.parent.mkdir(parents=True, exist_ok=True)
    backup_db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(live, timeout=20)
    try:
        target.execute("PRAGMA journal_mode=WAL")
        backup_db.backup(target, pages=-1)
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        target.close()
        backup_db.close()


def _django_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        return _count(cursor)


def _count(cursor: Any) -> dict[str, int]:
    counts = {}
    for key, table in COUNTS.items():
        cursor.execute(f"SELECT count(*) FROM {table}")  # table names are constants
        counts[key] = cursor.fetchone()[0]
    return counts


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    if candidates:
        return candidates[-1]
    raise InputError(
        name,
        "was not found on PATH or in /usr/lib/postgresql/*/bin.",
        "install the PostgreSQL client tools (Debian: apt-get install postgresql-client).",
    )


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    """The connection as PG* variables (the password never appears on a command line)."""
    env = dict(os.environ)
    pairs = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({key: str(value) for key, value in pairs.items() if value})
    return env


def _run(args: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {result.returncode}"
        raise InputError(
            Path(args[0]).name, f"failed: {detail}", "check DATABASE_URL and the server."
        )
    return result.stdout


def _pg_dump(db: dict[str, Any], partial: Path) -> dict[str, int]:
    """pg_dump of a snapshot exported here, with the row counts of that same snapshot."""
    from django.db import connection, transaction

    pg_dump = _pg_tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _count(cursor)
        args = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}"]
        _run(args, _pg_env(db))
    _pg_list(partial)
    return counts


def _pg_list(path: Path) -> None:
    """Refuse an archive pg_restore cannot read or that holds no Ethos responses."""
    listing = _run([_pg_tool("pg_restore"), "--list", str(path)])
    if "TABLE DATA public surveys_response" not in listing:
        raise InputError(str(path), "this is not an Ethos backup.", "give an Ethos backup.")


def _pg_restore(db: dict[str, Any], source: Path) -> None:
    from django.db import connections

    connections.close_all()
    args = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={db['NAME']}",
        str(source),
    ]
    _run(args, _pg_env(db))
