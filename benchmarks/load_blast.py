"""Load: the 9am email blast of a 10,000-staff trust, replayed at 10 times its peak.

The requirement (issue "Prove it", item 10): a bounded load run against 127.0.0.1 only,
stopping by itself, replaying a 9am email blast at 10x the peak of a 10,000-staff trust:
0 errors, 0 lost, p95 latency printed.

The arrival model (each figure an option; all of them lean towards more load, not less):

- 10,000 staff, each with a personal invitation, all emailed at 9:00.
- 48% respond (the NHS Staff Survey's national response rate is about 48%): 4,800.
- All of them on the day of the email. In the real survey responses spread over the eight to
  nine weeks it is open, with reminders; putting every one on the first day is the worst case.
- A third of the day's responses in the first hour: 1,600 journeys started from 9:00 to 10:00
  (0.44 a second on average).
- Within that hour the rate falls as the email sinks down inboxes: arrivals decay
  exponentially with a half-life of 15 minutes, so the rate at 9:00 is 3.0 times the hour's
  average: peak = 1,600 x (ln 2 / 900 s) / (1 - 2^-4) = 1.31 journeys started per second.
- The run holds 10x that peak, 13.1 a second, constant for the whole window (60 s): harsher
  than the real curve, which is already falling by the time the first respondents submit.
  Arrivals are a Poisson process (open loop): a slow server does not slow the arrivals.

Each simulated respondent walks the whole journey over HTTP on connections of its own, as a
browser does with the emailed link ``/take/#t=TOKEN``: ``GET /take/`` (the entry page), the
page's CSS and JavaScript with a cold cache (the stylesheets, scripts and the module that
``init.js`` imports; later pages find them cached), ``POST /take/`` with the token (what
``take.js`` and the Start button send), one ``POST /take/answer/`` per section with that
section's answers and the sealed ballot and page number from the page before ("Continue"; the
last one returns the check page), then Submit from the check page. 5% press reload on the
confirmation page, which sends the submit again: it must be acknowledged again and store
nothing. Answers are random: 95% of questions answered, 85% of the "About you" questions, a
comment in 25% of comment boxes. Think time is compressed but not zero: 0.5 to 1.5 s before
each POST (a real respondent takes 30 s or more per section). Compressing it changes how many
respondents are in progress at once, not the request rate: at a steady state the server sees
arrivals x requests per journey whatever the think time (Little's law).

Every reply must be the page the journey expects (status 200 and its own content: the entry
form, the next section's page number, the check page, the confirmation): anything else is an
error (no reply within 30 s included), and the respondent stops there. A journey still going
30 s after the window (``--drain``) is cut off and counted as unfinished.

The server: a fresh Ethos (``web_common.fresh_ethos``), a trust of 10,000 staff in 250 wards
under 7 directorates (the roster imported as an admin imports it), an open survey of the
shipped ``culture`` instrument (11 pages), invitations issued through
``surveys.services.issue_invitations``. gunicorn as ``ethos serve`` runs it (2 sync workers,
``web_common.Server``) on SQLite (WAL, ``synchronous=FULL``), or with ``--database
postgresql`` on a durable PostgreSQL cluster of the script's own (``crash_servers.Postgres``).
Client and server share the machine.

In the same run: a warm-up (4 journeys, not counted in the figures), then the baseline, the
same journey at 1x the peak for 30 s, then 10x for 60 s. Then the server is stopped and what
was stored compared with what was acknowledged (``crash_servers.compare``): every
acknowledged submission key stored (0 lost), none twice, none stored that was not submitted,
and as many invitations marked used as responses stored. The server "kept up" when every
journey finished and, in the second half of the window, requests were answered at 90% or
more of the rate the arrivals offered (journeys started per second x requests per journey);
otherwise the output says it did not keep up, and how much it sustained. Exit status 1 on any
error, unfinished journey or loss, or when the server did not keep up.

Run: ``.venv/bin/python benchmarks/load_blast.py [--database sqlite|postgresql]`` (at most
about 3 minutes: the phases are bounded by their windows, the drain and the 30 s timeout;
``make bench-load``). Each figure of the model is an option (``--help``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import io
import math
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from crash_clients import DONE
from crash_servers import Postgres, PostgresStore, SqliteStore, compare
from web_common import (
    HOST,
    Server,
    close_connections,
    fresh_ethos,
    load_average,
    machine_facts,
    read_reply,
    request_bytes,
)

WARDS, DIRECTORATES = 250, 7
TIMEOUT_S = 30.0  # no reply within this is an error
KEPT_UP = 0.9  # share of the offered request rate answered in the second half of the window
RELOAD = 0.05  # respondents who reload the confirmation page (the submit is sent again)
ANSWERED = {"item": 0.95, "about": 0.85, "comment": 0.25}
COMMENTS = (
    "More staff on nights would make the biggest difference to patient safety here.",
    "The team pull together when it is busy and new starters are made very welcome.",
    "Managers listen, but nothing changes afterwards. Feedback on what happened would help.",
    "Flexible rotas have made it possible for me to stay in this job. Please keep them.",
)
CHECK_TEXT = b"Check and submit your answers"
BALLOT = re.compile(rb'name="ballot" value="([^"]+)"')
ASSET = re.compile(rb'<(?:link rel="stylesheet" href|script[^>]* src)="(/static/[^"]+)"')
IMPORT = re.compile(rb'from "(\.\.?/[^"]+)"')


# --- the arrival model --------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    staff: int
    response_rate: float
    first_day: float
    first_hour: float
    half_life_min: float
    multiplier: float

    @property
    def first_hour_journeys(self) -> float:
        return self.staff * self.response_rate * self.first_day * self.first_hour

    @property
    def peak(self) -> float:
        """Journeys started per second at 9:00: the hour's journeys under exponential decay."""
        k = math.log(2) / (self.half_life_min * 60)
        return self.first_hour_journeys * k / (1 - math.exp(-k * 3600))

    @property
    def target(self) -> float:
        return self.peak * self.multiplier

    def describe(self) -> list[str]:
        hour = self.first_hour_journeys
        return [
            f"Arrival model: {self.staff:,} staff emailed at 9:00; {self.response_rate:.0%} "
            f"respond, {self.first_day:.0%} of them on the day of the email, "
            f"{self.first_hour:.0%} of the day's in the first hour: {hour:,.0f} journeys "
            f"9:00-10:00 ({hour / 3600:.2f}/s on average)",
            f"  decaying with a half-life of {self.half_life_min:.0f} min: peak at 9:00 "
            f"{self.peak:.2f} journeys started/s ({self.peak / (hour / 3600):.1f}x the hour's "
            f"average); target {self.multiplier:g}x peak = {self.target:.1f}/s, held constant "
            f"(Poisson arrivals, open loop)",
        ]


# --- the trust, the survey, the invitations -----------------------------------------------


@dataclass(frozen=True)
class Section:
    index: int
    fields: tuple[tuple[str, str, tuple[int, ...]], ...]  # (name, kind, codes)


def build_trust(staff: int, instrument: str) -> tuple[Any, list[str], list[Section]]:
    """The trust, its roster (imported as an admin does), an open survey and its tokens."""
    from ethos.organisations import services as org
    from ethos.organisations.roster import ROSTER_COLUMNS
    from ethos.surveys import services as surveys
    from ethos.surveys.instrument import allowed_answers, pages_of
    from ethos.web.demo import STAFF_GROUPS

    organisation = org.create_organisation("Blast NHS Trust", "blast", min_group_size=10)
    rows: list[tuple[str, str, str | None]] = [("T", "Blast NHS Trust", None)]
    rows += [(f"D{d}", f"Directorate {d}", "T") for d in range(1, DIRECTORATES + 1)]
    rows += [(f"W{w}", f"Ward {w}", f"D{w % DIRECTORATES + 1}") for w in range(1, WARDS + 1)]
    org.add_units(organisation, rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*ROSTER_COLUMNS])
    for n in range(1, staff + 1):
        email, ward, manager = f"staff.{n}@blast.invalid", f"W{n % WARDS + 1}", n % 10 == 0
        group = STAFF_GROUPS[n % len(STAFF_GROUPS)]
        row = [f"E{n:06d}", f"Staff {n}", email, ward, group, f"Band {n % 5 + 3}"]
        writer.writerow([*row, "yes" if manager else "no"])
    report = org.import_roster(organisation, "roster.csv", buffer.getvalue().encode())
    if report.problems:
        raise RuntimeError(f"the roster was refused: {report.problems[:3]}")
    today = surveys.today()
    survey = surveys.create_survey(
        organisation, "Staff survey 2026", instrument, today, today + dt.timedelta(days=63)
    )
    surveys.open_survey(survey)
    tokens = [token for _member, token in surveys.issue_invitations(survey)]
    allowed = allowed_answers(survey.instrument_yaml)
    sections = []
    for index, page in enumerate(pages_of(survey.instrument_yaml)):
        about = {d.id for d in page.demographics}
        kinds = [
            (name, "comment" if allowed[name] is None else "about" if name in about else "item")
            for name in page.fields
        ]
        sections.append(
            Section(index, tuple((n, k, tuple(sorted(allowed[n] or ()))) for n, k in kinds))
        )
    return survey, tokens, sections


def answers(section: Section, rng: random.Random) -> dict[str, str]:
    out = {}
    for name, kind, codes in section.fields:
        if rng.random() < ANSWERED[kind]:
            out[name] = rng.choice(COMMENTS) if kind == "comment" else str(rng.choice(codes))
    return out


# --- one respondent -----------------------------------------------------------------------


@dataclass
class Phase:
    """What the respondents of one phase did and were told."""

    name: str
    rate: float
    multiple: float  # of the peak
    window: float
    drain: float
    think: tuple[float, float]
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    ends: list[float] = field(default_factory=list)  # when each request was answered
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, bytes] = field(default_factory=dict)
    started: int = 0
    finished: int = 0
    unfinished: int = 0
    abandoned: int = 0  # stopped by an error
    submitted: list[str] = field(default_factory=list)  # sealed ballots whose submit was sent
    acknowledged: list[str] = field(default_factory=list)  # ... and confirmed
    journey_server: list[float] = field(default_factory=list)
    journey_wall: list[float] = field(default_factory=list)
    lag: float = 0.0  # how late the client started a journey, at worst
    in_progress: int = 0
    in_flight: int = 0
    samples: list[str] = field(default_factory=list)
    t0: float = 0.0
    client_cpu: float = 0.0
    seconds: float = 0.0
    kept_up: bool = False


class Failed(Exception):
    pass


@dataclass
class Client:
    port: int
    assets: list[str]
    sections: list[Section]

    def raw(self, method: str, path: str, form: dict[str, str] | None = None) -> bytes:
        return request_bytes(self.port, method, path, urlencode(form or {}).encode())

    async def fetch(self, phase: Phase, kind: str, raw: bytes, expect: bytes) -> bytes:
        """One request on a connection of its own; raises :class:`Failed` unless the reply is
        a 200 holding ``expect``."""
        phase.in_flight += 1
        start = time.perf_counter()
        status, body = 0, b""
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, self.port), 5)
            try:
                writer.write(raw)
                reply = await asyncio.wait_for(read_reply(reader), TIMEOUT_S)
                status, body = reply.status, reply.body
            finally:
                writer.close()
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            pass
        finally:
            phase.in_flight -= 1
        end = time.perf_counter()
        phase.latencies[kind].append(end - start)
        phase.ends.append(end - phase.t0)
        if status == 200 and expect in body:
            return body
        what = "no answer" if status == 0 else f"HTTP {status}"
        if status == 200:
            what += ", not the expected page"
        phase.errors[f"{kind}: {what}"] += 1
        phase.examples.setdefault(f"{kind}: {what}", body[:300])
        raise Failed

    async def journey(self, phase: Phase, token: str, rng: random.Random) -> None:
        phase.started += 1
        phase.in_progress += 1
        start = time.perf_counter()
        mine: list[float] = []

        async def step(kind: str, raw: bytes, expect: bytes) -> bytes:
            began = time.perf_counter()
            try:
                return await self.fetch(phase, kind, raw, expect)
            finally:
                mine.append(time.perf_counter() - began)

        try:
            await step("enter page (GET /take/)", self.raw("GET", "/take/"), b'name="token"')
            await asyncio.gather(
                *(
                    step("static file (cold cache)", self.raw("GET", path), b"")
                    for path in self.assets
                )
            )
            await asyncio.sleep(rng.uniform(*phase.think))
            body = await step(
                "start (POST token)",
                self.raw("POST", "/take/", {"token": token}),
                b'name="page" value="0"',
            )
            for section in self.sections:
                last = section.index == len(self.sections) - 1
                expect = CHECK_TEXT if last else f'name="page" value="{section.index + 1}"'.encode()
                form = {"ballot": sealed(body, phase), "page": str(section.index)}
                form["action"] = "continue"
                await asyncio.sleep(rng.uniform(*phase.think))
                body = await step(
                    "last section -> check page" if last else "section (POST answers)",
                    self.raw("POST", "/take/answer/", {**form, **answers(section, rng)}),
                    expect,
                )
            ballot = sealed(body, phase)
            submit = self.raw(
                "POST",
                "/take/answer/",
                {"ballot": ballot, "page": str(len(self.sections)), "action": "submit"},
            )
            await asyncio.sleep(rng.uniform(*phase.think))
            phase.submitted.append(ballot)
            await step("submit", submit, DONE)
            phase.acknowledged.append(ballot)
            if rng.random() < RELOAD:
                await asyncio.sleep(rng.uniform(0.2, 1.0))
                await step("submit again (reload)", submit, DONE)
            phase.finished += 1
            phase.journey_server.append(sum(mine))
            phase.journey_wall.append(time.perf_counter() - start)
        except Failed:
            phase.abandoned += 1
        finally:
            phase.in_progress -= 1


def sealed(body: bytes, phase: Phase) -> str:
    """The sealed ballot in a page's form (the expected page always has one)."""
    found = BALLOT.search(body)
    if not found:
        phase.errors["a page without its ballot: HTTP 200, not the expected page"] += 1
        phase.examples.setdefault(
            "a page without its ballot: HTTP 200, not the expected page", body[:300]
        )
        raise Failed
    return found.group(1).decode()


# --- a phase ------------------------------------------------------------------------------


async def run_phase(
    client: Client, phase: Phase, arrivals: list[float], tokens: list[str], seed: int
) -> None:
    """Start a journey at each arrival (seconds from now), then wait for them to finish."""
    rng = random.Random(seed)
    tasks: list[asyncio.Task[None]] = []
    phase.t0 = time.perf_counter()
    cpu = time.process_time()

    async def monitor() -> None:
        ends_seen = 0
        while True:
            await asyncio.sleep(10)
            now = time.perf_counter() - phase.t0
            answered, ends_seen = len(phase.ends) - ends_seen, len(phase.ends)
            phase.samples.append(
                f"  t={now:4.0f} s: started {phase.started:5,}, finished {phase.finished:5,}, "
                f"in progress {phase.in_progress:4,}, requests waiting on the server "
                f"{phase.in_flight:3,}, answered in the last 10 s {answered / 10:6.1f}/s"
            )

    watcher = asyncio.create_task(monitor())
    for offset in arrivals:
        if not tokens:
            print("  ran out of invitation tokens: no more arrivals")
            break
        delay = phase.t0 + offset - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        phase.lag = max(phase.lag, time.perf_counter() - phase.t0 - offset)
        journey = client.journey(phase, tokens.pop(), random.Random(rng.random()))
        tasks.append(asyncio.create_task(journey))
    if tasks:
        wait_until = phase.t0 + max(phase.window, arrivals[-1]) + phase.drain
        _done, pending = await asyncio.wait(tasks, timeout=wait_until - time.perf_counter())
        for task in pending:
            task.cancel()
        phase.unfinished = len(pending)
        await asyncio.gather(*pending, return_exceptions=True)
    watcher.cancel()
    phase.client_cpu = time.process_time() - cpu
    phase.seconds = time.perf_counter() - phase.t0


def poisson(rate: float, window: float, rng: random.Random) -> list[float]:
    out, t = [], rng.expovariate(rate)
    while t < window:
        out.append(t)
        t += rng.expovariate(rate)
    return out


def cold_assets(port: int) -> list[str]:
    """What a browser with an empty cache fetches with the entry page: its stylesheets and
    scripts, and the modules those scripts import."""
    from web_common import get

    status, page = get(port, "/take/")
    if status != 200:
        raise RuntimeError(f"GET /take/ answered {status}")
    found = [m.decode() for m in ASSET.findall(page)]
    for path in list(found):
        if path.endswith(".js"):
            _status, script = get(port, path)
            base = path.rsplit("/", 1)[0]
            for relative in IMPORT.findall(script):
                parts = (base + "/" + relative.decode()).split("/")
                resolved: list[str] = []
                for part in parts:
                    if part == "..":
                        resolved.pop()
                    elif part != ".":
                        resolved.append(part)
                found.append("/".join(resolved))
    return list(dict.fromkeys(found))


# --- reporting ----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest rank, in ms."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))] * 1000


KINDS = (
    "enter page (GET /take/)",
    "static file (cold cache)",
    "start (POST token)",
    "section (POST answers)",
    "last section -> check page",
    "submit",
    "submit again (reload)",
)
HEADER = (
    f"  {'':<38} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
)


def row(name: str, values: list[float], errors: int | str = "") -> str:
    if not values:
        return f"  {name:<38} {0:7} {errors!s:>6}    (none)"
    return (
        f"  {name:<38} {len(values):7,} {errors!s:>6} {percentile(values, 50):8.1f} "
        f"{percentile(values, 95):8.1f} {percentile(values, 99):8.1f} "
        f"{percentile(values, 100):8.1f}"
    )


def report(phase: Phase, requests_per_journey: float) -> bool:
    """Print the phase; True when the server kept up."""
    print(
        f"{phase.name}: {phase.rate:.2f} journeys started/s for {phase.window:.0f} s, then "
        f"up to {phase.drain:.0f} s for the last to finish ({phase.seconds:.0f} s in all)"
    )
    for line in phase.samples:
        print(line)
    achieved = phase.started / phase.window
    print(
        f"  respondents started {phase.started:,} ({achieved:.2f}/s; the client started them "
        f"at worst {phase.lag * 1000:.0f} ms late), finished {phase.finished:,}, stopped by "
        f"an error {phase.abandoned:,}, unfinished when cut off {phase.unfinished:,}"
    )
    print(HEADER)
    errors_by_kind = Counter()
    for what, n in phase.errors.items():
        errors_by_kind[what.split(": ")[0]] += n
    everything: list[float] = []
    for kind in KINDS:
        values = phase.latencies.get(kind, [])
        everything += values
        if values:
            print(row(kind, values, errors_by_kind[kind]))
    print(row("all requests", everything, sum(phase.errors.values())))
    print(row("whole journey, server time (sum)", phase.journey_server))
    print(row("whole journey, wall time (with think)", phase.journey_wall))
    for what, n in phase.errors.most_common():
        print(f"  error: {what} x{n}; first reply began {phase.examples[what][:200]!r}")
    half = phase.window / 2
    answered = sum(1 for end in phase.ends if half <= end < phase.window) / half
    offered = achieved * requests_per_journey  # the arrivals as they came, not the nominal rate
    total = len(phase.ends) / max(phase.ends, default=1)
    print(
        f"  throughput: {total:.1f} requests/s over the run, {answered:.1f}/s in the second "
        f"half of the window against {offered:.1f}/s offered ({achieved:.2f} journeys/s x "
        f"{requests_per_journey:.2f} requests); {len(phase.acknowledged) / phase.window:.2f} "
        f"submissions/s; the client used {phase.client_cpu / phase.seconds:.0%} of one core"
    )
    sustained = answered / requests_per_journey
    peaks = sustained / phase.rate * phase.multiple
    print(
        f"  sustained in the second half: {sustained:.2f} journeys/s' worth of requests "
        f"({sustained / max(achieved, 1e-9):.0%} of the arrivals; {peaks:.1f}x the peak)"
    )
    return phase.started > 0 and not phase.unfinished and answered >= KEPT_UP * offered


# --- the run ------------------------------------------------------------------------------


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--response-rate", type=float, default=0.48)
    parser.add_argument("--first-day", type=float, default=1.0, help="share on the first day")
    parser.add_argument("--first-hour", type=float, default=1 / 3, help="share of the day's")
    parser.add_argument("--half-life", type=float, default=15.0, help="minutes")
    parser.add_argument("--multiplier", type=float, default=10.0)
    parser.add_argument("--window", type=float, default=60.0, help="seconds at the target")
    parser.add_argument("--baseline-window", type=float, default=30.0, help="seconds at 1x")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"))
    parser.add_argument("--drain", type=float, default=30.0, help="seconds for the last to finish")
    parser.add_argument("--instrument", default="culture", help="culture or pulse")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    model = Model(
        args.staff, args.response_rate, args.first_day, args.first_hour, args.half_life,
        args.multiplier,
    )  # fmt: skip
    root = Path(tempfile.mkdtemp(prefix="ethos-load-"))
    root.chmod(0o755)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, root, ignore_errors=True)
        cluster = None
        if args.database == "postgresql":
            cluster = Postgres(root / "postgres")
            cleanup.callback(cluster.stop)
            cluster.start()
            cluster.sql("CREATE DATABASE ethos", "postgres")
        started = time.perf_counter()
        data_dir = fresh_ethos("ethos-load-", cluster.url() if cluster else None)
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        print(machine_facts())
        survey, tokens, sections = build_trust(args.staff, args.instrument)
        random.Random(args.seed).shuffle(tokens)
        store = PostgresStore(cluster) if cluster else SqliteStore(data_dir / "ethos.sqlite3")
        print(
            f"{store.label}; a trust of {args.staff:,} staff in {WARDS} wards, "
            f"{len(tokens):,} personal invitations issued; the {args.instrument} instrument, "
            f"{len(sections)} pages; built in {time.perf_counter() - started:.1f} s"
        )
        for line in model.describe():
            print(line)
        close_connections()
        log = (root / "server.log").open("wb")
        cleanup.callback(log.close)
        with Server(2, stderr=log) as server:
            client = Client(server.port, cold_assets(server.port), sections)
            per_journey = len(sections) + 3 + len(client.assets) + RELOAD
            print(
                f"gunicorn, 2 sync workers on {HOST}; each journey: entry page, "
                f"{len(client.assets)} static files, token, {len(sections)} section POSTs, "
                f"submit ({per_journey:.2f} requests on average with reloads); think time "
                f"{args.think[0]:g} to {args.think[1]:g} s before each POST\n"
            )
            think = (args.think[0], args.think[1])
            warm = Phase("Warm-up", 0, 0, 0, args.drain, (0.0, 0.05))
            asyncio.run(run_phase(client, warm, [0, 0, 0.1, 0.1], tokens, 0))
            base = Phase(
                f"Baseline, 1x peak ({model.peak:.2f}/s)",
                model.peak,
                1,
                args.baseline_window,
                args.drain,
                think,
            )
            blast = Phase(
                f"Blast, {args.multiplier:g}x peak ({model.target:.1f}/s)",
                model.target,
                args.multiplier,
                args.window,
                args.drain,
                think,
            )
            rng = random.Random(args.seed)
            for n, phase in enumerate((base, blast), start=1):
                arrivals = poisson(phase.rate, phase.window, rng)
                asyncio.run(run_phase(client, phase, arrivals, tokens, n))
                phase.kept_up = report(phase, per_journey)
                print()
        log.close()
        phases = [warm, base, blast]
        problems = check_store(survey, store, phases)
        errors = sum(sum(p.errors.values()) + p.unfinished for p in phases)
        print(comparison(base, blast, args.multiplier))
        server_log = (root / "server.log").read_text(errors="replace").strip().splitlines()
        if server_log:
            print(f"Server log ({len(server_log)} lines), the last lines:")
            print("\n".join(server_log[-10:]))
        times = f"{args.multiplier:g}x the peak"
        verdict = (
            f"the server kept up with {times}"
            if blast.kept_up
            else f"the server did NOT keep up with {times} (see the lines above)"
        )
        print(f"Verdict: {verdict}; errors {errors}; {'; '.join(problems) or '0 lost'}")
        print(load_average())
        failed = errors or problems or not blast.kept_up
        print("FAIL" if failed else "PASS")
        return 1 if failed else 0


def comparison(base: Phase, blast: Phase, multiplier: float) -> str:
    def p95(phase: Phase, kinds: tuple[str, ...] = KINDS) -> str:
        values = [v for kind in kinds for v in phase.latencies.get(kind, [])]
        return f"{percentile(values, 95):.1f} ms" if values else "none"

    return (
        f"{multiplier:g}x against 1x, p95: all requests {p95(blast)} against {p95(base)}; "
        f"section pages {p95(blast, KINDS[3:4])} against {p95(base, KINDS[3:4])}; submits "
        f"{p95(blast, KINDS[5:6])} against {p95(base, KINDS[5:6])}"
    )


def check_store(survey: Any, store: SqliteStore | PostgresStore, phases: list[Phase]) -> list[str]:
    """Compare what was acknowledged with what is stored; the problems found."""
    from ethos.surveys import responding
    from ethos.surveys.models import Invitation

    def keys(ballots: list[str]) -> set[str]:
        return {responding.unseal(b).key for b in ballots}

    acknowledged = keys([b for p in phases for b in p.acknowledged])
    sent = keys([b for p in phases for b in p.submitted])
    stored = store.keys()
    result = compare(acknowledged, sent, stored)
    used = Invitation.objects.filter(survey=survey, responded=True).count()
    reloads = sum(len(p.latencies["submit again (reload)"]) for p in phases)
    print(
        f"Stored: {result['stored']:,} responses = distinct keys {result['distinct']:,}; "
        f"acknowledged {len(acknowledged):,} (warm-up included), reloads acknowledged again "
        f"{reloads:,}; lost {result['lost']}, duplicates {result['duplicates']}, stored but "
        f"never submitted {result['never_sent']}, submitted but not acknowledged "
        f"{result['never_acknowledged']}; invitations marked used {used:,}"
    )
    problems = [f"{k} {result[k]}" for k in ("lost", "duplicates", "never_sent") if result[k]]
    if used != result["stored"]:
        problems.append(f"invitations used {used} but responses stored {result['stored']}")
    if len(stored) != len(acknowledged) and not result["never_acknowledged"]:
        problems.append(f"stored {len(stored)} but acknowledged {len(acknowledged)}")
    return problems


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
