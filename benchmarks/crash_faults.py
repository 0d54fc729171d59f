"""Faults at commit, with real components: a full disk (a small tmpfs, filled to the last
byte, under the SQLite file or a PostgreSQL tablespace; or, where no tmpfs can be mounted,
ENOSPC from the LD_PRELOAD shim in ``crash_fault_shim.c``) and an I/O error (the shim fails
one fsync/fdatasync of the SQLite WAL or of PostgreSQL's ``pg_wal`` with EIO).

Each case: ordinary submissions first, then the fault, then 12 submissions at once (again,
up to 10 times, until one fails: PostgreSQL may still have room in pages it allocated
before the disk filled); what is stored is read before the fault clears; then each failed
submission is sent again from the page it got (a respondent pressing Submit again) until it
is acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crash_clients import Submission, Tally, load, send
from crash_servers import WORKERS, Postgres, PostgresStore, SqliteStore

if TYPE_CHECKING:
    from crash_consistency import Harness

HERE = Path(__file__).resolve().parent


# --- faults at commit ---------------------------------------------------------------------


class Shim:
    """The LD_PRELOAD library (``crash_fault_shim.c``) set for one kind of fault, on files
    whose path contains ``match``."""

    def __init__(self, library: Path, kind: str, match: str):
        directory = library.parent
        self.trigger, self.log = directory / f"{kind}.armed", directory / f"{kind}.log"
        self.label = f"LD_PRELOAD shim ({kind} on *{match}*)"
        self.env = {
            "LD_PRELOAD": str(library),
            "ETHOS_FAULT_KIND": kind,
            "ETHOS_FAULT_MATCH": match,
            "ETHOS_FAULT_TRIGGER": str(self.trigger),
            "ETHOS_FAULT_LOG": str(self.log),
        }

    @staticmethod
    def build(directory: Path) -> Path | None:
        """Compile the library (None without gcc); the folder is open to the cluster's user."""
        if not shutil.which("gcc"):
            return None
        directory.mkdir(mode=0o777)
        directory.chmod(0o777)
        library = directory / "ethos_fault.so"
        command = ["gcc", "-shared", "-fPIC", "-O2", "-o", library, HERE / "crash_fault_shim.c"]
        command.append("-ldl")
        subprocess.run(command, check=True, capture_output=True)
        library.chmod(0o755)
        return library

    def arm(self) -> None:
        self.trigger.touch()
        self.trigger.chmod(0o666)

    def disarm(self) -> None:
        self.trigger.unlink(missing_ok=True)

    def events(self) -> list[tuple[str, int, int]]:
        if not self.log.exists():
            return []
        rows = [line.split() for line in self.log.read_text().splitlines()]
        return [(what, int(pid), int(fd)) for what, pid, fd in rows]


class Tmpfs:
    """A small real filesystem, filled to the last byte to make a full disk."""

    def __init__(self, path: Path, megabytes: int):
        path.mkdir()
        self.path, self.filler = path, path / "filler"
        self.label = f"tmpfs of {megabytes} MiB, filled"
        options = f"size={megabytes}m,mode=0755"
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "ethos-full", path], check=True)

    @staticmethod
    def possible() -> bool:
        """Whether this process may mount one (root, with the capability: try it)."""
        if os.geteuid() != 0 or not shutil.which("mount"):
            return False
        with tempfile.TemporaryDirectory() as trial:
            command = ["mount", "-t", "tmpfs", "-o", "size=1m", "ethos-trial", trial]
            if subprocess.run(command, capture_output=True).returncode != 0:
                return False
            subprocess.run(["umount", trial], check=True)
        return True

    def arm(self) -> None:
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (1 << 20, 1 << 12, 1):
                with contextlib.suppress(OSError):
                    while os.write(fd, bytes(size)):
                        pass
        finally:
            os.close(fd)

    def disarm(self) -> None:
        self.filler.unlink(missing_ok=True)

    def close(self) -> None:
        subprocess.run(["umount", self.path], check=False)


BALLOT_FIELD = re.compile(rb'name="ballot" value="([^"]+)"')


def fault_case(
    h: Harness,
    fault: Shim | Tmpfs,
    store: SqliteStore | PostgresStore,
    sends: int = 12,
) -> dict[str, Any]:
    """With the server up: arm the fault, submit, check, clear it, re-submit from the page."""
    from ethos.surveys import responding

    tally, ballots = Tally(4), h.ballots
    load(h.port, tally, ballots, 0.5)  # a few ordinary submissions first: connections open
    load(h.port, tally, ballots, 60, drain=True)
    if isinstance(store, SqliteStore):  # an empty WAL: the next commit must grow the file
        store.checkpoint()
    fault.arm()

    async def submit_all(batch: list[Submission]) -> list[tuple[str, bytes]]:
        return await asyncio.gather(*(send(h.port, s.raw) for s in batch))

    batch: list[Submission] = []
    replies: list[tuple[str, bytes]] = []
    for _ in range(10):  # until it bites: space allocated before the disk filled takes rows
        batch += (more := [ballots.new() for _ in range(sends)])
        replies += asyncio.run(submit_all(more))
        if any(outcome != "submitted" for outcome, _ in replies):
            break
    stored = Counter(store.keys())  # before the fault clears and before any retry
    fault.disarm()
    outcomes = Counter(outcome for outcome, _ in replies)
    told = {s.key for s, (outcome, _) in zip(batch, replies, strict=True) if outcome == "submitted"}
    kept = 0
    for submission, (outcome, page) in zip(batch, replies, strict=True):
        found = BALLOT_FIELD.search(page) if outcome != "submitted" else None
        if found and responding.unseal(found.group(1).decode()).key == submission.key:
            kept += 1  # the page holds the same ballot: Submit sends the same key again
            submission.raw = ballots.post(found.group(1).decode())
    retry = Tally(1)
    retry.sent = {s.key: s for s in batch}
    retry.pending = [[s.key for s in batch if s.key not in told]]
    load(h.port, retry, ballots, 120, drain=True)
    after = Counter(store.keys())
    return {
        "mechanism": fault.label,
        "sent": len(batch),
        "outcomes": dict(outcomes),
        "submitted_but_not_stored": len(told - stored.keys()),
        "stored_without_submitted": len({s.key for s in batch} & stored.keys() - told),
        "failed_pages_keeping_the_ballot": kept,
        "acknowledged_after_retry": len(retry.acknowledged) + len(told),
        "stored_once": sum(after[s.key] == 1 for s in batch),
    }


def judge_fault(h: Harness, name: str, case: dict[str, Any], every_page: bool = True) -> None:
    """``every_page``: each failed submission must get the 'not submitted' page with its
    ballot (where the database may also be down before the commit, a 500 is allowed)."""
    failed = case["sent"] - case["outcomes"].get("submitted", 0)
    pages = case["outcomes"].get("503 not submitted, kept", 0)
    problems = []
    if case["submitted_but_not_stored"]:
        problems.append(f"{case['submitted_but_not_stored']} told 'submitted' but not stored")
    if not failed:
        problems.append("the fault never reached a submission")
    if case["failed_pages_keeping_the_ballot"] != (failed if every_page else pages):
        problems.append("a failed submission did not get the page that keeps the ballot")
    if case["stored_once"] != case["sent"] or case["acknowledged_after_retry"] != case["sent"]:
        problems.append("a retry after the fault was not stored exactly once")
    h.problems += [f"{name}: {p}" for p in problems]
    h.figures.setdefault("faults", {})[name] = case


def skipped(h: Harness, what: str) -> None:
    h.figures.setdefault("skipped", []).append(what)


@contextlib.contextmanager
def database_on_tmpfs(h: Harness) -> Iterator[Tmpfs]:
    """Move the SQLite file onto a tmpfs, behind a symbolic link at its own path (SQLite
    follows it and keeps the WAL beside the real file), so the same server can use it."""
    assert isinstance(h.store, SqliteStore)
    path = h.store.path
    tmpfs = Tmpfs(h.root / "full", path.stat().st_size // 2**20 + 8)
    tmpfs.label += " (holding the database file and its WAL)"
    moved = tmpfs.path / path.name
    shutil.move(path, moved)
    path.symlink_to(moved)
    try:
        yield tmpfs
    finally:
        tmpfs.disarm()
        h.store.checkpoint()  # the WAL back into the file, which then moves back
        path.unlink()
        shutil.move(moved, path)
        tmpfs.close()


def sqlite_faults(h: Harness, library: Path | None) -> None:
    """A full disk under the database file, then one failed fsync of the WAL."""
    assert isinstance(h.store, SqliteStore)
    h.store.checkpoint()  # an empty WAL: the next commit must write (and sync) it
    if Tmpfs.possible() and h.args.tmpfs:
        with database_on_tmpfs(h) as tmpfs:
            server = h.zygote.start(h.port)
            try:
                case = fault_case(h, tmpfs, h.store)
            finally:
                server.stop()
        judge_fault(h, "full disk", case)
    elif library:
        judge_fault(h, "full disk", cold_case(h, Shim(library, "enospc", "ethos.sqlite3-wal")))
    else:
        skipped(h, "full disk: no tmpfs (not root) and no gcc for the shim")
    if not library:
        skipped(h, "I/O error: no gcc for the shim")
        return
    shim = Shim(library, "fsync", "ethos.sqlite3-wal")
    case = cold_case(h, shim)
    failed = [(pid, fd) for what, pid, fd in shim.events() if what == "fsync-eio"]
    closed = [(pid, fd) for what, pid, fd in shim.events() if what == "close"]
    case["fsync_failures"] = len(failed)
    case["connection_closed_after"] = bool(failed) and set(failed) <= set(closed)
    if not case["connection_closed_after"]:
        h.problems.append("fsync EIO: the worker kept the connection whose fsync failed")
    judge_fault(h, "fsync EIO", case)


def cold_case(h: Harness, shim: Shim) -> dict[str, Any]:
    """A fault case on a server started afresh with the shim preloaded."""
    from web_common import Server

    with (h.root / "fault-servers.log").open("ab") as log:
        server = Server(WORKERS, port=h.port, env={**h.env, **shim.env}, stderr=log)
        try:
            return fault_case(h, shim, h.store)
        finally:
            server.stop()


def move_to_tmpfs(cluster: Postgres, root: Path) -> Tmpfs:
    """The responses table and its indexes into a tablespace on a tmpfs of their own."""
    (size,) = cluster.sql("SELECT pg_total_relation_size('surveys_response')")[0]
    tmpfs = Tmpfs(root / "full", size // 2**20 + 8)
    cluster.own(tmpfs.path)
    cluster.sql(f"CREATE TABLESPACE full_disk LOCATION '{tmpfs.path}'")
    cluster.sql("ALTER TABLE surveys_response SET TABLESPACE full_disk")
    indexes = "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = "
    for (index,) in cluster.sql(indexes + "'surveys_response'::regclass"):
        cluster.sql(f"ALTER INDEX {index} SET TABLESPACE full_disk")
    tmpfs.label += " (the tablespace of the responses table and its indexes)"
    return tmpfs


def postgres_faults(h: Harness, library: Path | None) -> None:
    """A full disk under the responses table, then one failed fdatasync of pg_wal."""
    cluster = h.cluster
    assert cluster
    tmpfs = move_to_tmpfs(cluster, h.root) if Tmpfs.possible() and h.args.tmpfs else None
    full = tmpfs or (Shim(library, "enospc", "/base/") if library else None)
    eio = Shim(library, "fsync", "pg_wal") if library else None
    try:
        for name, fault in (("full disk", full), ("fsync EIO", eio)):
            if fault is None:
                skipped(h, f"{name}: no tmpfs (not root) and no gcc for the shim")
                continue
            env = fault.env if isinstance(fault, Shim) else {}
            if env != cluster.env:  # the shim is loaded when the server starts
                cluster.stop()
                cluster.env = env
                cluster.start()
            log_start = cluster.log.stat().st_size
            server = h.zygote.start(h.port)
            try:
                case = fault_case(h, fault, h.store)
            finally:
                server.stop()
            if fault is eio:
                text = cluster.log.read_bytes()[log_start:].decode(errors="replace")
                case["postgres_panicked"] = "PANIC" in text and "fdatasync" in text
                case["postgres_reinitialised"] = "reinitializing" in text
                if not (case["postgres_panicked"] and case["postgres_reinitialised"]):
                    h.problems.append(f"{name}: PostgreSQL did not PANIC and recover")
            judge_fault(h, name, case, every_page=fault is not eio)
    finally:
        with contextlib.ExitStack() as cleanup:
            if tmpfs:
                cleanup.callback(tmpfs.close)
            cleanup.callback(cluster.stop)
