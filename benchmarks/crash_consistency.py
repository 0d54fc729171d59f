"""Crash consistency: SIGKILL a real Ethos, and its database, under load, and count the damage.

The promise (docs/reliability.md, "Crash consistency"): a respondent told "submitted" has a
stored response, whatever happens to the server or the database afterwards, and a response
is never stored twice however often the browser sends it again.

The method, for each database (SQLite in WAL mode with ``synchronous=FULL``; PostgreSQL in a
cluster of the harness's own with ``fsync``, ``synchronous_commit`` and ``full_page_writes``
on):

1. A fresh Ethos with the survey of ``web_submissions.py``: 60 items, 50 units, an open link.
2. gunicorn with 2 sync workers, configured as ``ethos serve`` configures it. Each start forks
   a new gunicorn master, in a process group of its own, from a "zygote" process that has
   imported Ethos once and never opened the database, so a restart takes a fraction of a
   second instead of the ~4 s that importing Ethos costs (the cold start is measured and
   printed too). Nothing a crash can touch (database connections, files, sockets, workers)
   outlives a kill.
3. ``--clients`` concurrent clients post the final "Submit" of an open-link response, as the
   check page's form sends it, each with a fresh submission key in its sealed ballot. A key
   is *acknowledged* when the reply is the confirmation page ("Your answers have been
   submitted"); anything else (no reply, a 500, the "not submitted" page) leaves it pending.
4. After a random 0.05 to ``--max-delay`` seconds of load, SIGKILL the gunicorn master and
   workers together; on PostgreSQL each kill is, at random, gunicorn, gunicorn and the whole
   PostgreSQL cluster (postmaster and every backend), or the cluster alone. Then restart what
   was killed (PostgreSQL runs crash recovery).
5. Before anything is sent again, read every stored submission key from the database: an
   acknowledged key that is missing is *lost* (kept as lost for good, even if a later retry
   stores it); SQLite gets ``PRAGMA quick_check`` (read-only: the restarted server recovers
   the WAL itself), PostgreSQL amcheck after each crash of the cluster.
6. Every client then re-sends each pending key, byte for byte, until it is acknowledged,
   and re-sends a few keys that were already acknowledged (the browser's "resubmit"),
   which must be acknowledged again without a second row.
7. At the end (no kills): drain what is pending, stop the server, and compare: lost, keys
   stored twice (rows minus distinct keys), rows whose key was never sent, keys never
   acknowledged; then ``PRAGMA integrity_check`` or amcheck (every B-tree index against the
   heap, and ``verify_heapam``) with a full read. Any of these not zero fails the run.

Then faults at commit, with real components (no mocked database): a full disk (a small
tmpfs holding the SQLite database or a PostgreSQL tablespace with the responses table,
filled to the last byte; where no tmpfs can be mounted, an LD_PRELOAD shim fails the writes
with ENOSPC) and an I/O error (the shim fails one fsync/fdatasync of the SQLite WAL or of
PostgreSQL's ``pg_wal`` with EIO). The respondent must never see "submitted" for an answer
that was not stored: they get the check page again (503) saying the answers were not
submitted and are kept, with the same ballot in its form; re-submitting that form once the
fault has cleared stores the response once. After the failed fsync, a SQLite worker must
close its connection (the shim records the close), and PostgreSQL must PANIC and recover.

A baseline in the same run: the acknowledged rate of the same clients with no kills.

The parts: ``crash_servers.py`` (the zygote, gunicorn, the PostgreSQL cluster, reading what
is stored), ``crash_clients.py`` (the respondents), ``crash_faults.py`` with
``crash_fault_shim.c`` (the faults at commit).

Run: ``.venv/bin/python benchmarks/crash_consistency.py [--database sqlite|postgresql|both]
[--kills 200] [--clients 8] [--seed 1]`` (as root for the tmpfs; needs gcc for the shim and,
for PostgreSQL, its server binaries). ``tests/reliability/test_crash_consistency.py`` runs
it with 10 kills.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crash_clients import Ballots, Tally, load, open_survey
from crash_faults import Shim, postgres_faults, sqlite_faults
from crash_servers import (
    WORKERS,
    Gunicorn,
    Postgres,
    PostgresStore,
    SqliteStore,
    Zygote,
    become_subreaper,
    compare,
    reap,
)
from web_common import free_port

EXPECTED = {"submitted", "no answer"}  # what a client may get when gunicorn is killed
EXPECTED_POSTGRES = {"503 not submitted, kept", "HTTP 500"}  # the database is down too


# --- one database -------------------------------------------------------------------------


@dataclass
class Harness:
    args: argparse.Namespace
    root: Path
    store: SqliteStore | PostgresStore
    cluster: Postgres | None
    zygote: Zygote
    port: int
    ballots: Ballots
    tally: Tally
    env: dict[str, str]
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def check(self, integrity: bool) -> None:
        """After a kill, before anything is re-sent: every acknowledged key is stored."""
        stored = set(self.store.keys())
        self.tally.lost |= self.tally.acknowledged - stored
        self.tally.counts["committed_unacknowledged"] += len(self.tally.waiting() & stored)
        if integrity:
            self.tally.counts["integrity_checks"] += 1
            verdict = self.store.check(full=False)
            if verdict != "ok":
                self.problems.append(f"integrity after a kill: {verdict}")


def baseline(h: Harness) -> None:
    """The same clients with no kills: the acknowledged rate a crash is measured against."""
    from web_common import Server

    seconds = h.args.baseline_seconds
    with (h.root / "cold-server.log").open("ab") as log:
        started = time.perf_counter()
        cold = Server(WORKERS, port=h.port, env=h.env, stderr=log)
        h.figures["cold_start_s"] = time.perf_counter() - started
        cold.stop()
    server = h.zygote.start(h.port)
    before = len(h.tally.acknowledged)
    started = time.perf_counter()
    load(h.port, h.tally, h.ballots, seconds)
    h.figures["baseline"] = {
        "seconds": time.perf_counter() - started,
        "acknowledged": len(h.tally.acknowledged) - before,
    }
    load(h.port, h.tally, h.ballots, 120, drain=True)
    server.stop()
    h.tally.recent = [[] for _ in range(h.tally.clients)]


def crash_cycles(h: Harness) -> None:
    rng, args, cluster = h.ballots.rng, h.args, h.cluster
    kinds: Counter[str] = Counter()
    restarts: list[float] = []
    recoveries: list[float] = []
    delays: list[float] = []
    before = len(h.tally.acknowledged)
    started = time.perf_counter()
    server = h.zygote.start(h.port)
    for n in range(1, args.kills + 1):
        kind = rng.choice(("gunicorn", "gunicorn+postgres", "postgres")) if cluster else "gunicorn"
        delays.append(rng.uniform(0.05, args.max_delay))

        def kill(kind: str = kind, server: Gunicorn = server) -> None:
            if "gunicorn" in kind:
                server.kill()
            if "postgres" in kind:
                assert cluster
                cluster.crash()

        load(h.port, h.tally, h.ballots, delays[-1], kill=kill, resend=2)
        kinds[kind] += 1
        if "postgres" in kind:
            assert cluster
            recoveries.append(cluster.start())
        h.check(integrity=not cluster or "postgres" in kind)  # amcheck after a cluster crash
        if "gunicorn" in kind:
            server = h.zygote.start(h.port)
            restarts.append(server.start_s)
        if n % max(1, args.kills // 8) == 0 or n == args.kills:
            print(
                f"  {n:4d}/{args.kills} kills: {len(h.tally.acknowledged):,} acknowledged, "
                f"{h.tally.counts['in_flight_at_kills']:,} requests in flight at the kills, "
                f"lost {len(h.tally.lost)}",
                flush=True,
            )
    h.figures["kills"] = {
        "total": args.kills,
        "kinds": dict(kinds),
        "seconds": time.perf_counter() - started,
        "acknowledged": len(h.tally.acknowledged) - before,
        "load_s": sum(delays),
        "restart_median_s": statistics.median(restarts) if restarts else 0.0,
        "restart_max_s": max(restarts, default=0.0),
        "recovery_median_s": statistics.median(recoveries) if recoveries else None,
        "recovery_max_s": max(recoveries, default=None),
    }
    load(h.port, h.tally, h.ballots, 120, drain=True)  # nothing pending may be left behind
    keys = list(h.tally.acknowledged)
    again = [h.tally.sent[k] for k in h.ballots.rng.sample(keys, min(200, len(keys)))]
    h.tally.recent = [[s.key for s in again[i :: h.tally.clients]] for i in range(h.tally.clients)]
    before = h.tally.resent.copy()
    load(h.port, h.tally, h.ballots, 120, resend=len(again), drain=True)
    server.stop()
    final = h.tally.resent - before
    h.figures["resent_at_the_end"] = dict(final)
    if final["submitted"] != len(again):
        h.problems.append(f"re-sent acknowledged keys at the end: {dict(final)}")


def final_check(h: Harness) -> None:
    stored = h.store.keys()
    h.tally.lost |= h.tally.acknowledged - set(stored)
    result = compare(h.tally.acknowledged, set(h.tally.sent), stored)
    result["lost"] = len(h.tally.lost)
    result["integrity"] = h.store.check(full=True)
    h.figures["result"] = result
    bad = [k for k in ("lost", "duplicates", "never_sent", "never_acknowledged") if result[k]]
    h.problems += [f"{k}: {result[k]}" for k in bad]
    if result["integrity"] != "ok":
        h.problems.append(f"integrity at the end: {result['integrity']}")
    replies = h.tally.outcomes + h.tally.resent
    expected = EXPECTED | (EXPECTED_POSTGRES if h.cluster else set())
    odd = {o: n for o, n in replies.items() if o not in expected}
    if odd:
        h.problems.append(f"unexpected replies: {odd}")


def self_check(h: Harness) -> None:
    """Delete one acknowledged row: the comparison must now report exactly one lost."""
    victim = next(iter(h.tally.acknowledged))
    h.store.delete(victim)
    found = compare(h.tally.acknowledged, set(h.tally.sent), h.store.keys())["lost"]
    h.figures["self_check_lost"] = found
    if found != 1:
        h.problems.append(f"self-check: a deleted acknowledged row was reported as {found} lost")


# --- running and reporting ----------------------------------------------------------------


def setup(args: argparse.Namespace, root: Path, cleanup: contextlib.ExitStack) -> Harness:
    """A fresh Ethos on the chosen database, its survey, and the zygote (which warms up
    while this process migrates). Each part is handed to ``cleanup`` as soon as it exists."""
    from django.core.management import call_command

    from web_common import close_connections, ethos_environment

    cluster = None
    if args.database == "postgresql":
        cluster = Postgres(root / "postgres")
        cleanup.callback(cluster.stop)
        cluster.start()
        cluster.sql("CREATE DATABASE ethos", "postgres")
        cluster.sql("CREATE EXTENSION amcheck")
    data_dir = ethos_environment("ethos-crash-", cluster.url() if cluster else None)
    cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ethos.web.settings"}  # the real settings
    zygote = Zygote(env, root / "servers.log")
    cleanup.callback(zygote.close)
    import django

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    survey, units = open_survey()
    close_connections()
    store: SqliteStore | PostgresStore = (
        PostgresStore(cluster) if cluster else SqliteStore(data_dir / "ethos.sqlite3")
    )
    port, rng = free_port(), random.Random(args.seed)
    return Harness(
        args=args,
        root=root,
        store=store,
        cluster=cluster,
        zygote=zygote,
        port=port,
        ballots=Ballots(survey, units, port, rng),
        tally=Tally(args.clients),
        env=env,
        figures={"data_dir": str(data_dir)},
    )


def report(h: Harness) -> None:
    f, t, args = h.figures, h.tally, h.args
    print(
        f"{h.store.label}; gunicorn, {WORKERS} sync workers; {args.clients} clients, "
        f"seed {args.seed}"
    )
    base = f.get("baseline")
    base_rate = base["acknowledged"] / base["seconds"] if base else None
    if base:
        print(
            f"Baseline, no kills: {base['seconds']:.1f} s, {base['acknowledged']:,} acknowledged, "
            f"{base_rate:.1f}/s; a cold start of the server (new interpreter) took "
            f"{f['cold_start_s']:.1f} s"
        )
    k = f["kills"]
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(k["kinds"].items()))
    rate = k["acknowledged"] / k["seconds"]
    versus = f" ({rate / base_rate:.0%} of the baseline)" if base_rate else ""
    print(
        f"Kills: {k['total']} ({kinds}) in {k['seconds']:.1f} s, each after 0.05 to "
        f"{args.max_delay:.2f} s of load ({k['load_s']:.1f} s of load in all)"
    )
    print(
        f"  restart (fork, bind, first answer): median {k['restart_median_s']:.2f} s, "
        f"max {k['restart_max_s']:.2f} s"
        + (
            f"; PostgreSQL crash recovery: median {k['recovery_median_s']:.2f} s, "
            f"max {k['recovery_max_s']:.2f} s"
            if k["recovery_median_s"] is not None
            else ""
        )
    )
    c, resent = t.counts, t.resent.total()
    print(
        f"  requests {t.outcomes.total() + resent:,}: fresh keys {len(t.sent):,}, "
        f"retries of unacknowledged keys {c['retries']:,}, re-sent acknowledged keys "
        f"{resent:,} ({t.resent['submitted']:,} acknowledged again)"
    )
    print(
        f"  in flight at the kills {c['in_flight_at_kills']:,} "
        f"({c['in_flight_at_kills'] / max(1, k['total']):.1f} per kill); stored but not yet "
        f"acknowledged at a kill {c['committed_unacknowledged']:,} (acknowledged on retry)"
    )
    print(
        f"  acknowledged during the kills {k['acknowledged']:,}: {rate:.1f}/s over the whole "
        f"time{versus}, {k['acknowledged'] / k['load_s']:.1f}/s while under load"
    )
    print("  outcomes: " + ", ".join(f"{o} {n:,}" for o, n in t.outcomes.most_common()))
    r = f["result"]
    print(
        f"Result: lost {r['lost']}, duplicates {r['duplicates']}, stored {r['stored']:,} = "
        f"distinct keys {r['distinct']:,} = keys sent {len(t.sent):,}; stored but never sent "
        f"{r['never_sent']}, never acknowledged {r['never_acknowledged']}"
    )
    check = "quick_check" if isinstance(h.store, SqliteStore) else "amcheck"
    final = "integrity_check" if isinstance(h.store, SqliteStore) else "amcheck and a full read"
    print(
        f"Integrity: {check} after {c['integrity_checks']} kills, {final} at the end: "
        f"{r['integrity']}"
    )
    if "self_check_lost" in f:
        print(f"Self-check: one acknowledged row deleted, reported lost: {f['self_check_lost']}")
    for name, case in f.get("faults", {}).items():
        outcomes = ", ".join(f"{o} {n}" for o, n in sorted(case["outcomes"].items()))
        extra = ""
        if "connection_closed_after" in case:
            extra = f"; the worker closed its connection: {case['connection_closed_after']}"
        if "postgres_panicked" in case:
            panicked, recovered = case["postgres_panicked"], case["postgres_reinitialised"]
            extra = f"; PostgreSQL PANICked: {panicked}, recovered: {recovered}"
        print(
            f"Fault, {name} [{case['mechanism']}]: {case['sent']} sent: {outcomes}; "
            f"'submitted' but not stored {case['submitted_but_not_stored']}; pages keeping "
            f"the ballot {case['failed_pages_keeping_the_ballot']}; stored once after "
            f"re-submitting {case['stored_once']}/{case['sent']}{extra}"
        )
    for what in f.get("skipped", []):
        print(f"Skipped: {what}")
    print("PASS" if not h.problems else "FAIL: " + "; ".join(h.problems))


def run_one(args: argparse.Namespace) -> int:
    become_subreaper()
    root = Path(tempfile.mkdtemp(prefix=f"ethos-crash-{args.database}-"))
    root.chmod(0o755)
    with contextlib.ExitStack() as cleanup:  # every step runs, whatever fails
        if not args.keep:
            cleanup.callback(shutil.rmtree, root, ignore_errors=True)
        cleanup.callback(reap)
        h = setup(args, root, cleanup)
        if args.baseline_seconds > 0:
            baseline(h)
        crash_cycles(h)
        final_check(h)
        if args.self_check:
            self_check(h)
        if args.faults:
            library = Shim.build(root / "shim")
            (postgres_faults if h.cluster else sqlite_faults)(h, library)
        report(h)
        if args.json:
            summary = {**h.figures, "problems": h.problems, "counts": dict(h.tally.counts)}
            summary.update(outcomes=dict(h.tally.outcomes), resent=dict(h.tally.resent))
            Path(args.json).write_text(json.dumps(summary, indent=2, default=str))
        return 1 if h.problems else 0


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--kills", type=int, default=200, help="kills per database")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--max-delay", type=float, default=1.0, help="most seconds of load before a kill"
    )
    parser.add_argument("--baseline-seconds", type=float, default=10.0, help="0: no baseline")
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    parser.add_argument(
        "--no-tmpfs", dest="tmpfs", action="store_false", help="full disk from the shim's ENOSPC"
    )
    parser.add_argument("--self-check", action="store_true", help="then delete a row: 1 lost?")
    parser.add_argument("--json", help="write the figures here (one database only)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    if args.database != "both":
        return run_one(args)
    status = 0
    for database in ("sqlite", "postgresql"):  # each in a process of its own (Django's setup)
        command = [sys.executable, __file__, *argv, "--database", database]
        status |= subprocess.run(command).returncode
        print()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
