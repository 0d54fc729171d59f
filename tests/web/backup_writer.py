"""A respondent load for the backup test, run in its own process on a real database.

``python -m tests.web.backup_writer setup N`` creates an organisation with an open pulse
survey and N earlier responses (so the database has some size), and prints the survey id.

``python -m tests.web.backup_writer write SURVEY ACKS STOP`` submits responses through
:func:`ethos.surveys.responding.submit_response` (the path every web submission takes) one
after another until the file STOP appears. After each submission returns, which is after its
commit, it appends ``<unix time> <submission key> <seconds taken>`` to ACKS, flushed and
fsynced: the line is the acknowledgement a respondent would see. Errors are counted and the
process exits with status 1 if there were any.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

from ethos.web.serve import setup_django

TREE = [("RX1", "North Trust", None), ("W1", "Ward 1", "RX1"), ("W2", "Ward 2", "RX1")]


def setup(earlier: int) -> str:
    from ethos.organisations import services as org
    from ethos.organisations.models import Unit
    from ethos.surveys import services as surveys
    from ethos.surveys.models import Response
    from tests.web.personas import answers_for

    trust = org.create_organisation("North Trust", "north")
    org.add_units(trust, TREE)
    today = surveys.today()
    survey = surveys.create_survey(trust, "Pulse", "pulse", today, today + dt.timedelta(days=14))
    surveys.open_survey(survey)
    ward = Unit.objects.get(organisation=trust, code="W1")
    Response.objects.bulk_create(
        Response(
            survey=survey,
            unit=ward,
            submitted_on=today,
            answers=answers_for(n, survey, {}),
            submission_key=uuid.uuid4(),
        )
        for n in range(earlier)
    )
    return str(survey.pk)


def write(survey_id: str, acks: Path, stop: Path) -> int:
    from ethos.organisations.models import Unit
    from ethos.surveys import responding
    from ethos.surveys.models import Survey
    from tests.web.personas import answers_for

    survey = Survey.objects.get(pk=survey_id)
    units = list(Unit.objects.filter(organisation=survey.organisation, parent__isnull=False))
    fields = tuple(answers_for(0, survey, {}))
    errors = n = 0
    with acks.open("a") as log:
        while not stop.exists():
            n += 1
            ballot = responding.Ballot(str(survey.pk), responding.OPEN, unit=units[n % 2].pk)
            ballot = ballot.with_answers(answers_for(n, survey, {}), fields)
            started = time.monotonic()
            try:
                responding.submit_response(survey, ballot)
            except Exception as exc:  # counted and reported; the load goes on
                errors += 1
                print(f"submission failed: {exc!r}", file=sys.stderr)
                continue
            log.write(f"{time.time():.6f} {ballot.key} {time.monotonic() - started:.4f}\n")
            log.flush()
            os.fsync(log.fileno())
    return 1 if errors else 0


if __name__ == "__main__":
    setup_django()
    if sys.argv[1] == "setup":
        print(setup(int(sys.argv[2])))
    else:
        sys.exit(write(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])))
