"""What the crash harness (``crash_consistency.py``) runs and kills: gunicorn, forked from
a zygote, and a PostgreSQL cluster of its own; and how it reads what was stored.

- :class:`Zygote` is a process that has imported Ethos once (settings, every view, the
  respondent pages' templates) without opening the database, and forks a gunicorn master on
  request, as ``ethos serve`` configures it, in a process group of its own. A restart then
  takes a fraction of a second instead of the seconds that importing Ethos costs.
- :class:`Postgres` is a durable cluster (``fsync``, ``synchronous_commit`` and
  ``full_page_writes`` on) that :meth:`Postgres.crash` SIGKILLs whole: postmaster and backends.
- The harness is a child subreaper: killed workers and backends are re-parented to it and
  reaped (this machine's init does not reap, and a zombie postmaster blocks a restart).

Run as ``python crash_servers.py zygote`` it is the zygote itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import os
import pwd
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web_common import HOST, free_port, get

WORKERS = 2
PR_SET_CHILD_SUBREAPER = 36


# --- processes ----------------------------------------------------------------------------


def become_subreaper() -> None:
    """Adopt orphans (killed gunicorn workers, PostgreSQL backends) so they can be reaped:
    this machine's init does not reap, and a zombie postmaster blocks the restart."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def proc_table() -> dict[int, tuple[int, int]]:
    """Every process: pid -> (parent pid, process group)."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()
                table[int(entry)] = (int(fields[1]), int(fields[2]))
    return table


def kill_all(pids: Iterable[int], seconds: float = 30.0) -> None:
    """SIGKILL ``pids`` and wait until every one is gone (reaped)."""
    pids = list(pids)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + seconds
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes {pids} outlived SIGKILL")
        reap()
        time.sleep(0.005)


def wait_ready(port: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
            if get(port, "/sign-in/")[0] == 200:
                return
        time.sleep(0.02)
    raise RuntimeError(f"Ethos did not answer on port {port} within {seconds:.0f} s")


class Zygote:
    """A process that has imported Ethos (settings, every view) and forks gunicorn masters."""

    def __init__(self, env: dict[str, str], log: Path):
        with log.open("ab") as errors:
            self.process = subprocess.Popen(
                [sys.executable, __file__, "zygote"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                env=env,
                text=True,
            )
        self.masters: list[int] = []

    def start(self, port: int) -> Gunicorn:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(f"{port}\n")
        self.process.stdin.flush()
        started = time.perf_counter()
        master = int(self.process.stdout.readline())
        self.masters.append(master)
        wait_ready(port)
        return Gunicorn(master, time.perf_counter() - started)

    def close(self) -> None:
        """End the zygote, and any server of its that is still running (after an error)."""
        for master in self.masters:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(master, signal.SIGKILL)
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@dataclass
class Gunicorn:
    master: int  # also its process group
    start_s: float

    def kill(self) -> None:
        """SIGKILL the master and its workers at once (the process group)."""
        os.killpg(self.master, signal.SIGKILL)
        self._wait_gone()

    def stop(self) -> None:
        os.kill(self.master, signal.SIGTERM)
        self._wait_gone()

    def _wait_gone(self, seconds: float = 60.0) -> None:
        """Until no process of the group is left, not even a zombie (the zygote reaps)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                os.killpg(self.master, 0)
            except ProcessLookupError:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {self.master} did not go")
            time.sleep(0.005)


def warm_up() -> None:
    """What every fresh worker would do first: import the views, build the WSGI handler,
    compile the respondent pages' templates and the NHS.UK macros, and render the sign-in
    page. None of it opens the database."""
    from io import BytesIO

    from django.template import engines
    from django.urls import get_resolver

    from ethos.web.jinja import COMPONENTS
    from ethos.web.wsgi import application

    get_resolver().url_patterns  # noqa: B018  (imports every view module)
    for engine in engines.all():
        env = getattr(engine, "env", None)  # the Jinja2 engine
        wanted = ("surveys/respond/", *(f"nhsuk/components/{c}/" for c in COMPONENTS))
        for name in env.list_templates() if env else ():
            if name.startswith(wanted):
                env.get_template(name)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/sign-in/",
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "HTTP_HOST": HOST,
        "wsgi.input": BytesIO(),
        "wsgi.url_scheme": "http",
    }
    b"".join(application(environ, lambda *_: None))


def zygote() -> None:
    become_subreaper()
    from django.db import connections

    from ethos.web.serve import setup_django

    setup_django()
    warm_up()
    assert all(c.connection is None for c in connections.all()), "no connection before fork"
    gc.freeze()  # a worker's collections then leave the shared pages alone (copy-on-write)
    signal.signal(signal.SIGCHLD, lambda *_: reap())
    while line := sys.stdin.readline():
        pid = os.fork()
        if pid == 0:
            os.setsid()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(2, 1)
            try:
                from web_common import serve

                serve(int(line), WORKERS, "sync", 1)
            finally:
                os._exit(0)
        print(pid, flush=True)


# --- PostgreSQL ---------------------------------------------------------------------------


def pg_bindir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not dirs:
        raise RuntimeError("PostgreSQL's initdb is not on PATH or in /usr/lib/postgresql/*/bin")
    return dirs[-1]


def pg_owner() -> pwd.struct_passwd | None:
    """Who runs the cluster: root may not, so the "postgres" (or "ethos-postgres") user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "ethos-postgres"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
    )
    return pwd.getpwnam(name)


class Postgres:
    """A durable cluster of the harness's own on 127.0.0.1, started and crashed at will."""

    def __init__(self, root: Path):
        self.bindir, self.owner, self.root = pg_bindir(), pg_owner(), root
        self.data, self.log, self.port = root / "data", root / "server.log", free_port()
        self.env: dict[str, str] = {}
        self.process: subprocess.Popen[bytes] | None = None
        root.mkdir()
        self.own(root)
        initdb = [self.bindir / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres"]
        subprocess.run(
            [*initdb, "-E", "UTF8", "--locale=C", "--no-sync"],
            check=True,
            capture_output=True,
            **self.as_owner(),
        )
        version = subprocess.run([self.bindir / "postgres", "--version"], capture_output=True)
        self.version = version.stdout.decode().split()[2]  # postgres (PostgreSQL) 15.18 ...

    def own(self, path: Path) -> None:
        path.chmod(0o755)
        if self.owner:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)

    def as_owner(self) -> dict[str, Any]:
        if not self.owner:
            return {"cwd": self.root}
        return {"cwd": self.root, "user": self.owner.pw_uid, "group": self.owner.pw_gid}

    def url(self, database: str = "ethos") -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def start(self) -> float:
        """Start (after a crash: recover); seconds until it accepts connections."""
        started = time.perf_counter()
        settings = ["listen_addresses=" + HOST, "fsync=on", "synchronous_commit=on"]
        settings += ["full_page_writes=on", "restart_after_crash=on"]
        command = [self.bindir / "postgres", "-D", self.data, "-p", str(self.port)]
        command += ["-k", str(self.root)] + [arg for s in settings for arg in ("-c", s)]
        env = {"PATH": os.environ.get("PATH", ""), "LANG": "C", **self.env}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, **self.as_owner()
            )
        self.wait_ready()
        return time.perf_counter() - started

    def wait_ready(self, seconds: float = 120.0) -> None:
        import psycopg

        deadline = time.monotonic() + seconds
        while True:
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def crash(self) -> None:
        """SIGKILL the postmaster and every backend at once, as a machine crash would."""
        assert self.process
        postmaster = self.process.pid
        os.kill(postmaster, signal.SIGSTOP)  # it can start no new backend now
        children = [pid for pid, (parent, _) in proc_table().items() if parent == postmaster]
        kill_all([postmaster, *children])
        self.process = None

    def stop(self) -> None:
        """A fast shutdown, once any crash recovery has finished (or, failing that, a crash)."""
        if self.process:
            with contextlib.suppress(Exception):
                self.wait_ready()
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.crash()
            self.process = None
        reap()

    def sql(self, query: str, database: str = "ethos") -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as db:
            cursor = db.execute(query)
            return cursor.fetchall() if cursor.description else []


# --- what is stored -----------------------------------------------------------------------


class SqliteStore:
    """Reads go through a read-only connection, which leaves a crashed server's WAL for the
    restarted server to recover (a read-write one would checkpoint it away on closing)."""

    def __init__(self, path: Path):
        self.path = path
        self.label = f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=FULL)"

    def _query(self, sql: str, args: tuple[Any, ...] = (), write: bool = False) -> list[Any]:
        uri = f"file:{self.path}" + ("" if write else "?mode=ro")
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=60)) as db:
            rows = db.execute(sql, args).fetchall()
            db.commit()
            return rows

    def keys(self) -> list[str]:
        rows = self._query("SELECT submission_key FROM surveys_response")
        return [str(uuid.UUID(key)) for (key,) in rows]

    def check(self, full: bool) -> str:
        rows = self._query(f"PRAGMA {'integrity_check' if full else 'quick_check'}")
        return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:5])

    def delete(self, key: str) -> None:
        sql = "DELETE FROM surveys_response WHERE submission_key = ?"
        self._query(sql, (uuid.UUID(key).hex,), write=True)

    def checkpoint(self) -> None:
        self._query("PRAGMA wal_checkpoint(TRUNCATE)", write=True)


class PostgresStore:
    def __init__(self, cluster: Postgres):
        self.cluster = cluster
        self.label = (
            f"PostgreSQL {cluster.version} (fsync, synchronous_commit, full_page_writes on)"
        )

    def keys(self) -> list[str]:
        self.cluster.wait_ready()  # after a PANIC, once crash recovery is over
        rows = self.cluster.sql("SELECT submission_key::text FROM surveys_response")
        return [key for (key,) in rows]

    def check(self, full: bool) -> str:
        """amcheck: the heap (verify_heapam) and every B-tree index against it; a full read."""
        problems = self.cluster.sql("SELECT * FROM verify_heapam('surveys_response')")
        self.cluster.sql(
            "SELECT bt_index_check(indexrelid, true) FROM pg_index "
            "WHERE indrelid = 'surveys_response'::regclass"
        )
        (counted,) = self.cluster.sql("SELECT count(*) FROM surveys_response")[0]
        read = len(self.keys()) if full else counted
        if problems or read != counted:
            return f"verify_heapam: {problems[:3]}; full read {read} rows, count(*) {counted}"
        return "ok"

    def delete(self, key: str) -> None:
        self.cluster.sql(f"DELETE FROM surveys_response WHERE submission_key = '{key}'")


def compare(acknowledged: set[str], sent: set[str], stored: list[str]) -> dict[str, int]:
    """What the database holds against what the clients sent and were told."""
    counts = Counter(stored)
    return {
        "stored": len(stored),
        "distinct": len(counts),
        "lost": len(acknowledged - counts.keys()),
        "duplicates": sum(n - 1 for n in counts.values()),
        "never_sent": len(counts.keys() - sent),
        "never_acknowledged": len(sent - acknowledged),
    }


if __name__ == "__main__" and sys.argv[1:2] == ["zygote"]:
    zygote()
