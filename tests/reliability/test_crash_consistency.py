"""Crash consistency, as docs/reliability.md promises it: the CI run of the harness.

``benchmarks/crash_consistency.py`` runs the real server (gunicorn, as ``ethos serve`` runs
it) on the database the suite runs on (SQLite; or, when ``DATABASE_URL`` names PostgreSQL,
a durable PostgreSQL cluster of the harness's own, since the suite's throwaway cluster runs
without fsync), SIGKILLs it 10 times under load (on PostgreSQL also the whole cluster, at
random), lets the clients retry, and compares what they were told with what is stored. Then
a full disk and a failed fsync at commit. The benchmark runs the same harness with 200 kills.

The in-process test below shows the respondent's side of a failed commit on its own: a real
error raised by the database, the "not submitted" page with the same ballot, and a retry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / "benchmarks" / "crash_consistency.py"
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
KILLS = 10

sys.path.insert(0, str(HARNESS.parent))
from crash_clients import NOT_STORED  # noqa: E402
from crash_servers import compare  # noqa: E402


def test_the_comparison_finds_lost_duplicated_and_unknown_keys():
    acknowledged, sent = {"a", "b", "c"}, {"a", "b", "c", "d", "e"}
    assert compare(acknowledged, sent, ["a", "b", "c", "d"]) == {
        "stored": 4,
        "distinct": 4,
        "lost": 0,
        "duplicates": 0,
        "never_sent": 0,
        "never_acknowledged": 2,
    }
    found = compare(acknowledged, sent, ["a", "b", "b", "x"])
    assert (found["lost"], found["duplicates"], found["never_sent"]) == (1, 1, 1)


@pytest.mark.skipif(sys.platform != "linux", reason="the harness uses /proc and prctl")
def test_nothing_acknowledged_is_lost_or_stored_twice_across_kills_and_faults(tmp_path):
    database = "postgresql" if POSTGRES else "sqlite"
    figures = tmp_path / "figures.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETHOS_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    options = ["--kills", str(KILLS), "--clients", "4", "--seed", "7", "--max-delay", "0.6"]
    options += ["--baseline-seconds", "0", "--self-check", "--json", str(figures)]
    run = subprocess.run(
        [sys.executable, str(HARNESS), "--database", database, *options],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = run.stdout[-6000:] + run.stderr[-6000:]
    assert run.returncode == 0, report
    f = json.loads(figures.read_text())
    kills, result = f["kills"], f["result"]
    assert kills["total"] >= KILLS and f["counts"]["in_flight_at_kills"] > 0, report
    if POSTGRES:  # the whole cluster too, not only gunicorn
        assert kills["kinds"].get("gunicorn+postgres", 0) + kills["kinds"].get("postgres", 0)
    assert result["stored"] == result["distinct"] > 0, report
    assert (result["lost"], result["duplicates"], result["never_sent"]) == (0, 0, 0), report
    assert result["never_acknowledged"] == 0 and result["integrity"] == "ok", report
    assert f["self_check_lost"] == 1, "deleting an acknowledged row must be reported as lost"
    for name, case in f.get("faults", {}).items():
        failed = case["sent"] - case["outcomes"].get("submitted", 0)
        assert failed > 0, f"{name}: the fault never reached a submission\n{report}"
        assert case["submitted_but_not_stored"] == 0, f"{name}\n{report}"
        assert case["stored_once"] == case["sent"], f"{name}\n{report}"
    eio = f.get("faults", {}).get("fsync EIO", {})
    assert eio.get("connection_closed_after", True), report
    assert eio.get("postgres_panicked", True), report
    if f.get("skipped"):
        pytest.skip(f"kills passed; not run here: {'; '.join(f['skipped'])}")
    assert set(f["faults"]) == {"full disk", "fsync EIO"}


# --- the respondent's side of a failed commit, in-process ---------------------------------

FAIL_SQLITE = (
    "CREATE TRIGGER ethos_test_fail BEFORE INSERT ON surveys_response "
    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
)
FAIL_POSTGRES = [
    "CREATE FUNCTION ethos_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$",
    "CREATE TRIGGER ethos_test_fail BEFORE INSERT ON surveys_response "
    "FOR EACH ROW EXECUTE FUNCTION ethos_test_fail()",
]
CLEAR = {
    "sqlite": ["DROP TRIGGER ethos_test_fail"],
    "postgresql": [
        "DROP TRIGGER ethos_test_fail ON surveys_response",
        "DROP FUNCTION ethos_test_fail",
    ],
}


def _execute(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


@pytest.mark.django_db(transaction=True)
def test_a_failed_commit_says_not_submitted_and_keeps_the_answers(client):
    import datetime as dt
    import re

    from ethos.organisations import services as org
    from ethos.organisations.models import Unit
    from ethos.surveys import responding, services
    from ethos.surveys.instrument import pages_of
    from ethos.surveys.models import Response
    from tests.web.personas import answers_for

    trust = org.create_organisation("North Trust", "north")
    org.add_units(trust, [("T", "North Trust", None), ("W1", "Ward 1", "T")])
    today = services.today()
    survey = services.create_survey(trust, "Pulse", "pulse", today, today + dt.timedelta(days=7))
    services.open_survey(survey)
    ward = Unit.objects.get(organisation=trust, code="W1")
    ballot = responding.Ballot(str(survey.pk), responding.OPEN, unit=ward.pk)
    ballot = ballot.with_answers(answers_for(1, survey, {}), ())
    form = {
        "ballot": responding.seal(ballot),
        "page": str(len(pages_of(survey.instrument_yaml))),
        "action": "submit",
    }

    _execute(FAIL_POSTGRES if connection.vendor == "postgresql" else [FAIL_SQLITE])
    failed = client.post("/take/answer/", form)
    if connection.vendor == "postgresql":  # SQLite's in-memory test database is never closed
        assert connection.connection is None, "the connection whose commit failed was kept"
    page = failed.content.decode()
    assert failed.status_code == 503
    assert NOT_STORED.decode() in page and "Your answers have been submitted" not in page
    assert not Response.objects.filter(submission_key=uuid.UUID(ballot.key)).exists()
    kept = re.search(r'name="ballot" value="([^"]+)"', page)
    assert kept and responding.unseal(kept.group(1)).key == ballot.key

    _execute(CLEAR[connection.vendor])  # the fault clears; Submit on the kept page again
    again = client.post("/take/answer/", {**form, "ballot": kept.group(1)})
    assert "Your answers have been submitted" in again.content.decode()
    assert Response.objects.filter(submission_key=uuid.UUID(ballot.key)).count() == 1
