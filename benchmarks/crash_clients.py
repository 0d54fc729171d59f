"""The respondents of the crash harness: fresh open-link submissions, sent concurrently
over HTTP, with a record of which keys were acknowledged ("Your answers have been
submitted") and which are still to be sent again."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from web_common import HOST, read_reply, request_bytes

DONE = b"Your answers have been submitted"
NOT_STORED = b"they have not been submitted"  # the page that keeps the answers to retry


# --- submissions ----------------------------------------------------------------------


@dataclass
class Submission:
    key: str
    raw: bytes  # the final POST of the check page; a retry sends these bytes again


class Ballots:
    """Fresh open-link submissions of the survey, each with a submission key of its own."""

    def __init__(self, survey: Any, units: list[int], port: int, rng: random.Random):
        from ethos.surveys.instrument import pages_of
        from web_submissions import answer_sets

        self.survey, self.units, self.port, self.rng = survey, units, port, rng
        self.page = str(len(pages_of(survey.instrument_yaml)))
        self.answers = answer_sets(survey, 500, rng)

    def new(self) -> Submission:
        from ethos.surveys import responding

        unit, answers = self.rng.choice(self.units), self.rng.choice(self.answers)
        ballot = responding.Ballot(str(self.survey.pk), responding.OPEN, unit=unit, answers=answers)
        return Submission(ballot.key, self.post(responding.seal(ballot)))

    def post(self, sealed: str) -> bytes:
        body = urlencode({"ballot": sealed, "page": self.page, "action": "submit"}).encode()
        return request_bytes(self.port, "POST", "/take/answer/", body)


async def send(port: int, raw: bytes, timeout: float = 60.0) -> tuple[str, bytes]:
    """One request on a connection of its own: (outcome, page)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    except (TimeoutError, OSError):
        return "no answer", b""
    try:
        writer.write(raw)
        reply = await asyncio.wait_for(read_reply(reader), timeout)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        return "no answer", b""
    finally:
        writer.close()
    if reply.status == 200 and DONE in reply.body:
        return "submitted", reply.body
    if reply.status == 503 and NOT_STORED in reply.body:
        return "503 not submitted, kept", reply.body
    return f"HTTP {reply.status}", reply.body


@dataclass
class Tally:
    """What the clients sent and were told."""

    clients: int
    sent: dict[str, Submission] = field(default_factory=dict)
    acknowledged: set[str] = field(default_factory=set)
    lost: set[str] = field(default_factory=set)  # acknowledged, then missing at a check
    pending: list[list[str]] = field(default_factory=list)  # per client, not acknowledged
    recent: list[list[str]] = field(default_factory=list)  # per client, acknowledged lately
    counts: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    resent: Counter[str] = field(default_factory=Counter)  # outcomes of acknowledged keys
    in_flight: int = 0

    def __post_init__(self) -> None:
        self.pending = [[] for _ in range(self.clients)]
        self.recent = [[] for _ in range(self.clients)]

    def waiting(self) -> set[str]:
        return {key for keys in self.pending for key in keys}


async def respondent(
    i: int, port: int, tally: Tally, ballots: Ballots, stop: asyncio.Event, resend: int, drain: bool
) -> None:
    """Re-send a few acknowledged keys, then pending keys (oldest first), then fresh ones."""
    recent, tally.recent[i] = tally.recent[i], []
    for key in ballots.rng.sample(recent, min(resend, len(recent))):
        if stop.is_set():
            return
        outcome, _ = await send(port, tally.sent[key].raw)
        tally.resent[outcome] += 1
    while not stop.is_set():
        if tally.pending[i]:
            submission = tally.sent[tally.pending[i][0]]
            tally.counts["retries"] += 1
        elif drain:
            return
        else:
            submission = ballots.new()
            tally.sent[submission.key] = submission
            tally.pending[i].append(submission.key)
        tally.in_flight += 1
        outcome, _ = await send(port, submission.raw)
        tally.in_flight -= 1
        tally.outcomes[outcome] += 1
        if outcome == "submitted":
            tally.pending[i].remove(submission.key)
            tally.acknowledged.add(submission.key)
            tally.recent[i].append(submission.key)
        elif not stop.is_set():
            await asyncio.sleep(0.2 if drain else 0.02)


def load(
    port: int,
    tally: Tally,
    ballots: Ballots,
    seconds: float,
    kill: Callable[[], None] | None = None,
    resend: int = 0,
    drain: bool = False,
) -> None:
    """Run every client for ``seconds`` (then ``kill``), or until nothing is pending."""

    async def run() -> None:
        stop = asyncio.Event()

        async def timer() -> None:
            await asyncio.sleep(seconds)
            if kill:
                tally.counts["in_flight_at_kills"] += tally.in_flight
                kill()
            stop.set()

        clock = asyncio.create_task(timer())
        await asyncio.gather(
            *(
                respondent(i, port, tally, ballots, stop, resend, drain)
                for i in range(tally.clients)
            )
        )
        clock.cancel()

    asyncio.run(run())


def open_survey(units: int = 50) -> tuple[Any, list[int]]:
    """The survey of ``web_submissions.py`` (60 items, 50 units, an open link), without the
    baseline's table, whose SQL is SQLite's."""
    import datetime as dt

    from ethos.organisations import services as org
    from ethos.organisations.models import Unit
    from ethos.surveys import services as surveys
    from web_submissions import instrument_yaml

    organisation = org.create_organisation("Crash NHS Trust", "crash", min_group_size=10)
    rows: list[tuple[str, str, str | None]] = [("T", "Crash NHS Trust", None)]
    rows += [(f"D{d}", f"Directorate {d}", "T") for d in range(1, 8)]
    rows += [(f"W{w}", f"Ward {w}", f"D{w % 7 + 1}") for w in range(1, units - 7)]
    org.add_units(organisation, rows)
    today = surveys.today()
    closes = today + dt.timedelta(days=21)
    survey = surveys.create_survey(organisation, "Crash survey", instrument_yaml(), today, closes)
    surveys.open_survey(survey)
    surveys.create_open_link(survey)
    wards = Unit.objects.filter(organisation=organisation, code__startswith="W")
    return survey, list(wards.values_list("pk", flat=True))
