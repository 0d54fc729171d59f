"""What the web benchmarks share: a fresh Ethos, a real gunicorn, and a load generator.

- :func:`fresh_ethos` points the environment at a new temporary ``ETHOS_DATA_DIR`` (SQLite
  through ``ethos.web.config.database_from_url``: WAL, ``synchronous=FULL``), sets Django up
  with ``web_bench_settings`` (Ethos's settings plus the baseline URL) and migrates.
- :class:`Server` runs gunicorn as ``ethos serve`` does (``EthosServer`` and
  ``gunicorn_options``) in a subprocess on 127.0.0.1, and stops it by its PID.
- :func:`load` is a closed-loop HTTP/1.1 client on asyncio: ``concurrency`` requests in
  flight, each on its own connection, reconnecting whenever the server closes it (gunicorn's
  sync workers close after every response). Requests are pre-encoded bytes, so the client
  costs little of the two cores it shares with the server. Latency runs from just before
  the connection (or the write, on a kept-alive one) to the last byte of the response.

Run as ``python benchmarks/web_common.py serve PORT WORKERS CLASS THREADS`` it is the
server process itself.
"""

from __future__ import annotations

import asyncio
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"


# --- a fresh Ethos ------------------------------------------------------------------------


def run_benchmark(prefix: str, benchmark: Callable[[Path], None]) -> None:
    """Run ``benchmark`` in a fresh Ethos (see :func:`fresh_ethos`), then remove its data."""
    data_dir = fresh_ethos(prefix)
    try:
        print(machine_facts())
        print(f"Data folder {data_dir} (SQLite, WAL, synchronous=FULL; removed at the end)")
        benchmark(data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def fresh_ethos(prefix: str, database_url: str | None = None) -> Path:
    """A new data folder and secret, Django set up with the benchmark settings, migrated.

    The database is a SQLite file in the new folder, or ``database_url`` (an empty database).
    """
    data_dir = ethos_environment(prefix, database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return data_dir


def ethos_environment(prefix: str, database_url: str | None = None) -> Path:
    """The environment of :func:`fresh_ethos` (a new data folder and secret), without setting
    Django up, so that a server process can start while this one migrates."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(
        ETHOS_DATA_DIR=str(data_dir),
        ETHOS_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url or f"sqlite:///{data_dir / 'ethos.sqlite3'}",
        DJANGO_SETTINGS_MODULE="web_bench_settings",
        PYTHONPATH=os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p),
    )
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return data_dir


def close_connections() -> None:
    """Close this process's database connections (before a server opens its own)."""
    from django.db import connections

    connections.close_all()


def machine_facts() -> str:
    import django
    import gunicorn

    cores = len(os.sched_getaffinity(0))
    load1, load5, _ = os.getloadavg()
    return (
        f"Machine: {cores} cores ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"Django {django.get_version()}, gunicorn {gunicorn.__version__}; "
        f"load average {load1:.2f} (1 min), {load5:.2f} (5 min) at start"
    )


def load_average() -> str:
    load1, load5, _ = os.getloadavg()
    return f"load average now {load1:.2f} (1 min), {load5:.2f} (5 min)"


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn with Ethos's WSGI app, as ``ethos serve`` configures it, in a subprocess.

    ``port`` defaults to a free one; ``env`` replaces the environment it inherits and
    ``stderr`` (a file) takes its log.
    """

    def __init__(
        self,
        workers: int = 2,
        worker_class: str = "sync",
        threads: int = 1,
        port: int | None = None,
        env: dict[str, str] | None = None,
        stderr: IO[bytes] | None = None,
    ):
        self.port = port or free_port()
        self.label = worker_class + (f" x{threads} threads" if worker_class == "gthread" else "")
        self.label = f"{workers} {self.label} workers"
        args = [sys.executable, __file__, "serve", str(self.port), str(workers)]
        self.process = subprocess.Popen(
            [*args, worker_class, str(threads)],
            env=os.environ if env is None else env,
            stderr=stderr,
        )
        self._wait_ready()

    def _wait_ready(self, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                status, _ = get(self.port, "/sign-in/")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 30 s")

    def stop(self) -> None:
        """SIGTERM to the gunicorn master (its PID), SIGKILL if it lingers."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(port: int, workers: int, worker_class: str, threads: int) -> None:
    from ethos.web.serve import EthosServer, gunicorn_options, setup_django

    setup_django()
    options = gunicorn_options(HOST, port, workers)
    options.update(worker_class=worker_class, loglevel="warning")
    if worker_class == "gthread":
        options["threads"] = threads
    EthosServer(options).run()


# --- HTTP ---------------------------------------------------------------------------------


def request_bytes(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    """One HTTP/1.1 request, encoded once (a form POST when there is a body)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    if body:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def closes(self) -> bool:
        return any(k == "connection" and v.lower() == "close" for k, v in self.headers)

    def cookies(self) -> dict[str, str]:
        pairs = (v.split(";", 1)[0].split("=", 1) for k, v in self.headers if k == "set-cookie")
        return {name: value for name, value in pairs}


async def read_reply(reader: asyncio.StreamReader) -> Reply:
    status = int((await reader.readuntil(b"\r\n")).split()[1])
    headers = []
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip().lower(), value.strip()))
    fields = dict(headers)
    if fields.get("transfer-encoding") == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")
    else:
        body = await reader.readexactly(int(fields.get("content-length", 0)))
    return Reply(status, headers, body)


async def _exchange(port: int, raw: bytes) -> Reply:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(raw)
        return await read_reply(reader)
    finally:
        writer.close()


def exchange(port: int, raw: bytes) -> Reply:
    """One request on its own connection (for sign-in and checks, not for load)."""
    return asyncio.run(_exchange(port, raw))


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    reply = exchange(port, request_bytes(port, "GET", path, headers=headers))
    return reply.status, reply.body


# --- load ---------------------------------------------------------------------------------


@dataclass
class Run:
    """What one load phase saw: per-request (start, seconds, status, body bytes)."""

    concurrency: int
    records: list[tuple[float, float, int, int]] = field(default_factory=list)
    client_cpu: float = 0.0
    exhausted: bool = False

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def wall(self) -> float:
        first = min(r[0] for r in self.records)
        return max(r[0] + r[1] for r in self.records) - first

    @property
    def rate(self) -> float:
        return self.count / self.wall if self.count else 0.0

    def statuses(self) -> Counter[int]:
        return Counter(r[2] for r in self.records)

    def percentile(self, q: float) -> float:
        """Latency at quantile ``q`` (0-100) in ms, nearest rank."""
        ordered = sorted(r[1] for r in self.records)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[index] * 1000


async def _client(port: int, requests: Iterator[bytes], deadline: float, run: Run) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < deadline:
        raw = next(requests, None)
        if raw is None:
            run.exhausted = True
            return
        start = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(raw)
            reply = await read_reply(reader)  # type: ignore[arg-type]
            status, size, again = reply.status, len(reply.body), not reply.closes
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status, size, again = 0, 0, False
        run.records.append((start, time.perf_counter() - start, status, size))
        if not again and writer is not None:
            writer.close()
            writer = None


async def _load(port: int, requests: Iterator[bytes], concurrency: int, seconds: float) -> Run:
    run = Run(concurrency)
    deadline = time.perf_counter() + seconds
    cpu = time.process_time()
    await asyncio.gather(*(_client(port, requests, deadline, run) for _ in range(concurrency)))
    run.client_cpu = time.process_time() - cpu
    return run


def load(port: int, requests: Iterable[bytes], concurrency: int, seconds: float) -> Run:
    """Send ``requests`` (until they run out or ``seconds`` pass), ``concurrency`` at once."""
    return asyncio.run(_load(port, iter(requests), concurrency, seconds))


def latency_line(name: str, run: Run, ok: int = 200) -> str:
    errors = run.count - run.statuses()[ok]
    return (
        f"{name:<28} {run.rate:8.1f} {run.percentile(50):8.1f} {run.percentile(95):8.1f} "
        f"{run.percentile(99):8.1f} {run.percentile(100):8.1f} {errors:7d} {run.count:8d}"
    )


LATENCY_HEADER = (
    f"{'':<28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
    f"{'errors':>7} {'requests':>8}"
)


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    port_, workers_, class_, threads_ = sys.argv[2:6]
    serve(int(port_), int(workers_), class_, int(threads_))
