"""Anonymous submissions over HTTP: Ethos's submit against Django's own one-row insert.

The target: anonymous submissions of a 60-item survey on SQLite with 2 cores, at least 400
per second with p99 at most 150 ms and none lost, with Django's own one-row-insert view
measured in the same run as the baseline.

The case: a fresh Ethos (SQLite in WAL mode, ``synchronous=FULL``) with an organisation of
50 units and an open survey of 60 items (the first 60 of the shipped culture instrument, its
scales, and the measures built only from them; no demographic or comment questions). Each
submission is what a browser sends from the "Check and submit" page of an open-link
response: ``POST /take/answer/`` with the sealed ballot (all 60 answers), the page number
and ``action=submit`` (respondent pages are CSRF-exempt and set no cookie). Every ballot is
distinct, so every request stores a new response. The baseline posts the same 60 answers as
JSON text to ``/bench/insert-one/`` (``web_bench_urls.py``), which inserts one row.

gunicorn runs with 2 workers as ``ethos serve`` configures it, with sync workers (what
``ethos serve`` uses) and with gthread workers; client and server share the machine's cores.
After each run the stored rows are counted: every 200 must be a stored row.

Run: ``.venv/bin/python benchmarks/web_submissions.py`` (or ``make bench-web``).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import yaml

from web_common import (
    LATENCY_HEADER,
    Run,
    Server,
    close_connections,
    exchange,
    latency_line,
    load,
    load_average,
    request_bytes,
    run_benchmark,
)

ITEMS = 60
UNITS = 50
CONCURRENCY = 8
WARM_S, RUN_S = 2.0, 10.0
POOL = 12_000  # distinct submissions per phase (more than 1,000/s for 12 s would run out)
SERVERS = ((2, "sync", 1), (4, "sync", 1), (2, "gthread", 4))  # (workers, class, threads)
TARGET_RATE, TARGET_P99 = 400, 150.0
DONE_TEXT = b"Your answers have been submitted"

PREFIX = "ethos-bench-submit-"


# --- the survey ---------------------------------------------------------------------------


def instrument_yaml(items: int = ITEMS) -> str:
    """The shipped culture instrument cut to its first ``items`` items."""
    from ethos.instruments.loader import shipped_text

    data = yaml.safe_load(shipped_text("culture"))
    kept = data["items"][:items]
    ids = {item["id"] for item in kept}
    direct = [
        m for m in data["measures"] if m["method"] != "mean_of_measures" and set(m["items"]) <= ids
    ]
    names = {m["id"] for m in direct}
    combined = [
        m
        for m in data["measures"]
        if m["method"] == "mean_of_measures" and set(m["measures"]) <= names
    ]
    sections = [{**s, "items": [i for i in s["items"] if i in ids]} for s in data["sections"]]
    return yaml.safe_dump(
        {
            "id": f"culture{items}",
            "version": data["version"],
            "title": f"Culture survey ({items} items)",
            "description": data["description"],
            "scales": {k: v for k, v in data["scales"].items() if k in {i["scale"] for i in kept}},
            "items": kept,
            "measures": direct + combined,
            "sections": [s for s in sections if s["items"]],
        },
        sort_keys=False,
    )


def build_survey() -> tuple[Any, list[int]]:
    """An organisation of ``UNITS`` units (trust, 7 directorates, wards), an open survey, and
    the baseline's table."""
    from django.db import connection

    from ethos.organisations import services as org
    from ethos.organisations.models import Unit
    from ethos.surveys import services as surveys
    from web_bench_urls import CREATE_TABLE

    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)  # the baseline's table
    organisation = org.create_organisation("Benchmark NHS Trust", "bench", min_group_size=10)
    rows: list[tuple[str, str, str | None]] = [("T", "Benchmark NHS Trust", None)]
    rows += [(f"D{d}", f"Directorate {d}", "T") for d in range(1, 8)]
    wards = UNITS - len(rows)
    rows += [(f"W{w}", f"Ward {w}", f"D{w % 7 + 1}") for w in range(1, wards + 1)]
    org.add_units(organisation, rows)
    today = surveys.today()
    survey = surveys.create_survey(
        organisation, "Benchmark survey", instrument_yaml(), today, today + dt.timedelta(days=21)
    )
    surveys.open_survey(survey)
    surveys.create_open_link(survey)  # the open-link channel the ballots use
    units = list(Unit.objects.filter(organisation=organisation).values_list("pk", flat=True))
    return survey, units


# --- the requests -------------------------------------------------------------------------


def answer_sets(survey: Any, count: int, rng: random.Random) -> list[dict[str, int]]:
    from ethos.surveys.instrument import allowed_answers

    allowed = {k: sorted(v) for k, v in allowed_answers(survey.instrument_yaml).items() if v}
    assert len(allowed) == ITEMS, f"the instrument has {len(allowed)} questions"
    return [{item: rng.choice(codes) for item, codes in allowed.items()} for _ in range(count)]


def ethos_requests(port: int, survey: Any, units: list[int], count: int, seed: int) -> list[bytes]:
    """Final submits of distinct open-link ballots, as the check page's form sends them."""
    from ethos.surveys import responding
    from ethos.surveys.instrument import pages_of

    rng = random.Random(seed)
    page = str(len(pages_of(survey.instrument_yaml)))
    out = []
    for answers in answer_sets(survey, count, rng):
        ballot = responding.Ballot(
            str(survey.pk), responding.OPEN, unit=rng.choice(units), answers=answers
        )
        body = urlencode({"ballot": responding.seal(ballot), "page": page, "action": "submit"})
        out.append(request_bytes(port, "POST", "/take/answer/", body.encode()))
    return out


def baseline_requests(port: int, survey: Any, count: int, seed: int) -> list[bytes]:
    """The same answers as JSON text, to Django's one-row insert."""
    out = []
    for answers in answer_sets(survey, count, random.Random(seed)):
        body = urlencode({"answers": json.dumps(answers)}).encode()
        out.append(request_bytes(port, "POST", "/bench/insert-one/", body))
    return out


# --- measuring ----------------------------------------------------------------------------


def stored_counts(survey: Any) -> tuple[int, int]:
    """(Ethos responses, baseline rows) in the database now."""
    from django.db import connection

    from ethos.surveys.models import Response
    from web_bench_urls import TABLE

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        rows = cursor.fetchone()[0]
    return Response.objects.filter(survey=survey).count(), rows


def phase(port: int, requests: list[bytes]) -> tuple[Run, int]:
    """A warm-up, then the measured run; returns the run and the 200s of both."""
    pool = iter(requests)
    warm = load(port, pool, CONCURRENCY, WARM_S)
    run = load(port, pool, CONCURRENCY, RUN_S)
    return run, warm.statuses()[200] + run.statuses()[200]


def check_first(port: int, ethos: list[bytes], baseline: list[bytes]) -> None:
    """One of each, to be sure the pages answer as expected before any load."""
    reply = exchange(port, ethos.pop())
    if reply.status != 200 or DONE_TEXT not in reply.body:
        raise RuntimeError(f"Ethos submit answered {reply.status}: {reply.body[:500]!r}")
    reply = exchange(port, baseline.pop())
    if reply.status != 200:
        raise RuntimeError(f"the baseline answered {reply.status}: {reply.body[:500]!r}")


def measure_server(
    survey: Any, units: list[int], workers: int, worker_class: str, threads: int, seed: int
) -> dict[str, Any]:
    close_connections()
    with Server(workers, worker_class, threads) as server:
        ethos = ethos_requests(server.port, survey, units, POOL, seed)
        baseline = baseline_requests(server.port, survey, POOL, seed)
        check_first(server.port, ethos, baseline)
        before = stored_counts(survey)
        base_run, base_ok = phase(server.port, baseline)
        ethos_run, ethos_ok = phase(server.port, ethos)
        after = stored_counts(survey)
        label = server.label
    return {
        "label": label,
        "runs": {"baseline": base_run, "ethos": ethos_run},
        "ok": {"baseline": base_ok, "ethos": ethos_ok},
        "stored": {"ethos": after[0] - before[0], "baseline": after[1] - before[1]},
    }


# --- reporting ----------------------------------------------------------------------------


def report(result: dict[str, Any]) -> bool:
    """Print one server's table; True when Ethos met every target."""
    print(f"\ngunicorn, {result['label']}, {CONCURRENCY} requests in flight, {RUN_S:.0f} s each:")
    print(f"{LATENCY_HEADER} {'200s':>7} {'stored':>7} {'lost':>5}")
    names = {"baseline": "Django one-row insert", "ethos": "Ethos submit (60 items)"}
    for key, name in names.items():
        run, ok, stored = result["runs"][key], result["ok"][key], result["stored"][key]
        lost = max(ok - stored, 0)
        print(f"{latency_line(name, run)} {ok:7d} {stored:7d} {lost:5d}")
        if run.exhausted:
            print(f"  ({name}: the {POOL:,} prepared requests ran out before {RUN_S:.0f} s)")
    ethos, base = result["runs"]["ethos"], result["runs"]["baseline"]
    lost = max(result["ok"]["ethos"] - result["stored"]["ethos"], 0)
    extra = result["stored"]["ethos"] - result["ok"]["ethos"]
    cpu = ethos.client_cpu / ethos.wall
    print(
        f"Ethos at {ethos.rate / base.rate:.0%} of the baseline's rate; the client used "
        f"{cpu:.0%} of one core; stored without a 200: {max(extra, 0)}"
    )
    met = (ethos.rate >= TARGET_RATE, ethos.percentile(99) <= TARGET_P99, lost == 0)
    words = ["met" if m else "NOT met" for m in met]
    print(
        f"Targets: >= {TARGET_RATE}/s: {words[0]}; p99 <= {TARGET_P99:.0f} ms: {words[1]}; "
        f"none lost: {words[2]}"
    )
    return all(met)


def per_request_ms(path: str, forms: list[dict[str, str]]) -> float:
    """Milliseconds per POST through Django's test client in this one process."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.post(path, forms.pop())  # warm
    start = time.perf_counter()
    for form in forms:
        if client.post(path, form).status_code != 200:
            raise RuntimeError(f"POST {path} failed in-process")
    return (time.perf_counter() - start) / len(forms) * 1000


def profile(survey: Any, units: list[int], count: int = 300) -> None:
    """Where one process spends a submission: the test client in-process, then cProfile."""
    import cProfile
    import pstats

    def forms(requests: list[bytes]) -> list[dict[str, str]]:
        return [dict(parse_qsl(r.split(b"\r\n\r\n", 1)[1].decode())) for r in requests]

    ethos = forms(ethos_requests(0, survey, units, 2 * count, 99))
    base = per_request_ms("/bench/insert-one/", forms(baseline_requests(0, survey, count, 99)))
    plain = per_request_ms("/take/answer/", ethos[:count])
    print(
        f"\nIn-process, one process, test client: Ethos submit {plain:.2f} ms, "
        f"one-row insert {base:.2f} ms per request"
    )
    profiler = cProfile.Profile()
    profiler.runcall(per_request_ms, "/take/answer/", ethos[count:])
    print("Ethos submit under cProfile, cumulative time in Ethos's own functions:")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(r"src/ethos", 16)
    if "--queries" in sys.argv:
        from ethos.surveys.models import Survey

        for label, run in [
            ("first()", lambda: Survey.objects.filter(pk=survey.pk).first()),
            ("order_by().first()", lambda: Survey.objects.filter(pk=survey.pk).order_by().first()),
            ("get()", lambda: Survey.objects.get(pk=survey.pk)),
            ("defer yaml get()", lambda: Survey.objects.defer("instrument_yaml").get(pk=survey.pk)),
        ]:
            start = time.perf_counter()
            for _ in range(300):
                run()
            print(f"{label}: {(time.perf_counter() - start) / 300 * 1000:.3f} ms")
    if "--tottime" in sys.argv:
        stats.sort_stats("tottime").print_stats(25)
    if "--callees" in sys.argv:
        stats.print_callees(r"_survey_of|submit_response")


def main() -> None:
    run_benchmark(PREFIX, benchmark)


def benchmark(data_dir: Path) -> None:
    survey, units = build_survey()
    if "--profile-only" in sys.argv:  # where the time goes, without the servers
        profile(survey, units)
        return
    results = [
        measure_server(survey, units, workers, cls, threads, seed)
        for seed, (workers, cls, threads) in enumerate(SERVERS, start=1)
    ]
    met = [report(result) for result in results]
    print(f"\n{load_average()}")
    if "--profile" in sys.argv or not any(met):
        profile(survey, units)


if __name__ == "__main__":
    main()
