"""The results heatmap of a large trust over HTTP, against a trivial signed-in page.

The target: the heatmap page of a 20,000-staff trust with 1,000 units at p95 at most 300 ms
with a bounded number of queries.

The case: a fresh Ethos (SQLite, WAL, ``synchronous=FULL``) filled by the demo's own builder
(``ethos.web.demo.build_demo``) at 20,000 staff in 1,000 units: last year's and this year's
culture surveys, closed, so the final results are published with the year-on-year comparison
and the ethnicity and staff-group breakdowns. gunicorn runs as ``ethos serve`` runs it
(2 sync workers). The analyst signs in through the sign-in form over HTTP (CSRF token and
all); then the heatmap of this year's survey is fetched repeatedly, one at a time and four
at a time, with the home page (the list of surveys) as the baseline. The queries per page
are counted in-process with Django's test client on the same database, once with the
results cache empty and once warm, for the analyst (all 1,000 units) and for a unit manager
(one directorate): the same count for both means it does not grow with the number of units.

Run: ``.venv/bin/python benchmarks/web_heatmap.py`` (or ``make bench-web``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

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

STAFF, UNITS = 20_000, 1_000
REQUESTS = 200  # of the home page, at each concurrency
HEATMAP_REQUESTS = 100  # of the heatmap, at each concurrency
ALL_REQUESTS = 20  # of the heatmap with every measure as a column, one at a time
CONCURRENCY = (1, 4)
TARGET_P95 = 300.0
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')

PREFIX = "ethos-bench-heatmap-"


# --- the trust ----------------------------------------------------------------------------


def build() -> tuple[Any, dict[str, str]]:
    """The demo trust at 20,000 staff; returns this year's culture survey and the passwords."""
    from ethos.surveys.models import Survey
    from ethos.web.demo import build_demo

    start = time.perf_counter()
    demo = build_demo(staff=STAFF, units=UNITS)
    survey = Survey.objects.get(instrument_id="culture", previous__isnull=False)
    print(
        f"Built the demo trust in {time.perf_counter() - start:.1f} s: {demo.staff:,} staff, "
        f"{demo.units:,} units, {demo.responses.get(survey.title, 0):,} responses to "
        f"{survey.title} (closed, final results published)"
    )
    return survey, demo.passwords


def sign_in(port: int, username: str, password: str) -> str:
    """Sign in through the form, as a browser does; returns the Cookie header to send."""
    page = exchange(port, request_bytes(port, "GET", "/sign-in/"))
    csrf_cookie = page.cookies()["csrftoken"]
    found = CSRF_FIELD.search(page.body)
    if found is None:
        raise RuntimeError("the sign-in page has no CSRF token")
    form = {"username": username, "password": password, "csrfmiddlewaretoken": found[1].decode()}
    headers = {"Cookie": f"csrftoken={csrf_cookie}"}
    body = urlencode(form).encode()
    reply = exchange(port, request_bytes(port, "POST", "/sign-in/", body, headers))
    session = reply.cookies().get("sessionid")
    if reply.status != 302 or not session:
        raise RuntimeError(f"signing in as {username} failed: {reply.status}")
    return f"csrftoken={csrf_cookie}; sessionid={session}"


# --- measuring over HTTP ------------------------------------------------------------------


def phases(survey: Any) -> list[tuple[str, str, int, int]]:
    """(name, path, concurrency, requests) for each measured row."""
    heatmap = f"/results/{survey.pk}/heatmap/"
    rows = [("Home page (baseline)", "/", c, REQUESTS) for c in CONCURRENCY]
    rows += [("Heatmap", heatmap, c, HEATMAP_REQUESTS) for c in CONCURRENCY]
    return [*rows, ("Heatmap, all measures", f"{heatmap}?measures=all", 1, ALL_REQUESTS)]


def first_request(port: int, path: str, cookie: str) -> tuple[float, int]:
    """The first heatmap of a fresh server (results not yet decoded in that worker)."""
    start = time.perf_counter()
    reply = exchange(port, request_bytes(port, "GET", path, headers={"Cookie": cookie}))
    if reply.status != 200:
        raise RuntimeError(f"GET {path} answered {reply.status}")
    return (time.perf_counter() - start) * 1000, len(reply.body)


def measure_http(survey: Any, password: str) -> tuple[dict[tuple[str, int], Run], dict]:
    close_connections()
    with Server(2, "sync") as server:
        cookie = sign_in(server.port, "analyst", password)
        first_ms, size = first_request(server.port, f"/results/{survey.pk}/heatmap/", cookie)
        runs = {}
        for name, path, concurrency, count in phases(survey):
            raw = request_bytes(server.port, "GET", path, headers={"Cookie": cookie})
            load(server.port, [raw] * 4, concurrency, 60)  # every worker warm
            runs[name, concurrency] = load(server.port, [raw] * count, concurrency, 120)
        facts = {"first_ms": first_ms, "size": size, "label": server.label}
    return runs, facts


# --- queries, in-process ------------------------------------------------------------------


def queries(path: str, username: str, clear: bool) -> int:
    """Queries for one GET by ``username``; ``clear`` empties the results cache first."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ethos.results import services

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    if clear:
        services._decoded.cache_clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} as {username} answered {response.status_code}")
    return len(captured)


def visible_units(username: str) -> int:
    from django.contrib.auth import get_user_model

    from ethos.organisations import access

    return access.viewer_for(get_user_model().objects.get(username=username)).units().count()


def query_lines(survey: Any) -> list[str]:
    lines = []
    paths = {name: path for name, path, _, _ in phases(survey)}
    for username in ("analyst", "manager"):
        units = visible_units(username)
        for name, path in paths.items():
            cold = queries(path, username, clear=True)
            warm = queries(path, username, clear=False)
            lines.append(
                f"  {username:<8} ({units:5,} units) {name:<22} "
                f"cold {cold:3d} queries, warm {warm:3d} queries"
            )
    return lines


# --- reporting ----------------------------------------------------------------------------


def report(runs: dict[tuple[str, int], Run], facts: dict, lines: list[str]) -> None:
    print(f"\ngunicorn, {facts['label']}, signed in as the analyst (c = requests in flight):")
    print(LATENCY_HEADER)
    for (name, concurrency), run in runs.items():
        print(latency_line(f"{name}, c={concurrency}", run))
    print(
        f"First heatmap after the server started: {facts['first_ms']:.0f} ms; "
        f"heatmap HTML {facts['size'] / 1024:,.0f} KiB"
    )
    print("Queries per page (in-process test client, same database):")
    print("\n".join(lines))
    verdicts = []
    for concurrency in CONCURRENCY:
        p95 = runs["Heatmap", concurrency].percentile(95)
        verdicts.append(
            f"c={concurrency}: p95 {p95:.0f} ms {'met' if p95 <= TARGET_P95 else 'NOT met'}"
        )
    print(f"Target heatmap p95 <= {TARGET_P95:.0f} ms: " + "; ".join(verdicts))


def main() -> None:
    run_benchmark(PREFIX, benchmark)


def benchmark(data_dir: Path) -> None:
    survey, passwords = build()
    runs, facts = measure_http(survey, passwords["analyst"])
    report(runs, facts, query_lines(survey))
    print(load_average())


if __name__ == "__main__":
    main()
