"""Survey credentials: single use; replay and forgery rejected; guessing rate-limited; and a
reminder run exposes nobody's response time (issue 4, item 5)."""

from __future__ import annotations

import time

import pytest
from django.db import models
from django.forms.models import model_to_dict
from django.urls import reverse

from ethos.surveys import services, throttle
from ethos.surveys.models import Invitation, Response
from ethos.web.tokens import keyed_hash, new_token
from tests.web.dbscan import tables_containing
from tests.web.test_respond import (
    KIOSK,
    RESUME,
    START,
    answer_everything,
    html,
    post,
    refused,
    respondent_headers,
)

STAFF = "W12-003"
GUESSER, NEIGHBOUR = "203.0.113.77", "198.51.100.23"


def start(client, token, address=GUESSER):
    response = client.post(START, {"token": token}, REMOTE_ADDR=address)
    respondent_headers(response)
    return response


def respond(client, cast, staff, address=GUESSER):
    check = answer_everything(client, start(client, cast.tokens[staff], address), cast.open)
    done = post(client, check, action="submit")
    assert "Your answers have been submitted" in html(done)


def fail_once(client, cast, n: int):
    """One failed guess, taking each way in by turn."""
    token = cast.tokens[STAFF]
    way = n % 5
    if way == 0:
        return start(client, new_token())
    if way == 1:
        return start(client, token[:-1] + ("A" if token[-1] != "A" else "B"))
    if way == 2:
        return client.post(KIOSK, {"code": "AAAA-BBBB-CCCC"}, REMOTE_ADDR=GUESSER)
    if way == 3:
        return client.post(RESUME, {"code": "ABCD-EFGH-JKLM-NPQR"}, REMOTE_ADDR=GUESSER)
    return client.get(reverse("respond:open", args=[new_token()]), REMOTE_ADDR=GUESSER)


def invitation(cast, staff=STAFF) -> Invitation:
    return Invitation.objects.get(survey=cast.open, staff__staff_id=staff)


# --- single use, replay, forgery ----------------------------------------------------------


def test_a_used_token_replayed_is_refused(client, cast):
    respond(client, cast, STAFF)
    refused(start(client, cast.tokens[STAFF]), "already been used")
    assert Response.objects.filter(survey=cast.open).count() == 1


@pytest.mark.parametrize("forge", ["random", "one character changed", "truncated", "case"])
def test_a_forged_token_is_refused_and_changes_nothing(client, cast, forge):
    token = cast.tokens[STAFF]
    forged = {
        "random": new_token(),
        "one character changed": token[:10] + ("x" if token[10] != "x" else "y") + token[11:],
        "truncated": token[:-1],
        "case": token.swapcase(),
    }[forge]
    assert forged != token
    response = start(client, forged)
    refused(response, "This link is not recognised")
    assert forged not in html(response) and token not in html(response)
    assert not invitation(cast).responded
    assert Response.objects.filter(survey=cast.open).count() == 0


# --- the guessing limit -------------------------------------------------------------------


def test_guessing_is_limited_per_address_and_the_limit_lifts_after_the_window(
    client, cast, settings, monkeypatch
):
    limit, window = settings.ETHOS_GUESS_LIMIT, settings.ETHOS_GUESS_WINDOW_SECONDS
    for n in range(limit):
        assert fail_once(client, cast, n).status_code in (400, 404)
    blocked = start(client, cast.tokens[STAFF])  # a valid token: not even checked
    assert blocked.status_code == 429, html(blocked)
    assert "Too many attempts. Wait 10 minutes and try again." in html(blocked)
    assert 0 < int(blocked["Retry-After"]) <= window
    assert 'name="ballot"' not in html(blocked)
    for n in range(5):  # every way in is shut to this address
        assert fail_once(client, cast, n).status_code == 429
    assert start(client, cast.tokens["W12-004"], NEIGHBOUR).status_code == 200
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + window + 1)  # the clock only
    assert start(client, cast.tokens[STAFF]).status_code == 200
    assert not invitation(cast).responded


def test_successful_attempts_do_not_count(client, cast, settings):
    settings.ETHOS_GUESS_LIMIT = 3
    for n in range(2):
        fail_once(client, cast, n)
    for staff in ("W12-004", "W12-005", "W12-006", "W12-007"):
        assert start(client, cast.tokens[staff]).status_code == 200
    assert client.post(KIOSK, {"code": cast.kiosk_code}, REMOTE_ADDR=GUESSER).status_code == 200
    fail_once(client, cast, 2)
    assert start(client, cast.tokens[STAFF]).status_code == 429


def test_a_short_wait_is_given_in_minutes_rounded_up(client, cast, settings):
    settings.ETHOS_GUESS_LIMIT, settings.ETHOS_GUESS_WINDOW_SECONDS = 1, 30
    fail_once(client, cast, 0)
    blocked = start(client, cast.tokens[STAFF])
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) <= 30
    assert "Wait 1 minute and try again." in html(blocked)


def test_the_address_is_never_stored_in_the_database(client, cast, settings):
    settings.ETHOS_GUESS_LIMIT = 4
    for n in range(4):
        fail_once(client, cast, n)
    respond(client, cast, "W12-004", address=NEIGHBOUR)
    assert start(client, cast.tokens[STAFF]).status_code == 429
    for needle in (GUESSER, NEIGHBOUR, keyed_hash(throttle.PURPOSE, GUESSER)):
        assert tables_containing(needle) == []


# --- a reminder run exposes nobody's response time ----------------------------------------


def test_an_invitation_has_no_time_that_moves_when_someone_responds(client, cast):
    timed = (models.DateTimeField, models.TimeField, models.DurationField)
    for model in (Invitation, Response):
        for field in model._meta.concrete_fields:
            assert not isinstance(field, timed), f"{model.__name__}.{field.name}"
            assert not getattr(field, "auto_now", False), f"{model.__name__}.{field.name}"
    before = model_to_dict(invitation(cast))
    assert not invitation(cast).responded
    respond(client, cast, STAFF)
    after = model_to_dict(invitation(cast))
    assert before == after and invitation(cast).responded  # only its Unanswered row went


def test_responses_carry_the_day_only():
    field = Response._meta.get_field("submitted_on")
    assert type(field) is models.DateField
    assert not field.auto_now and not field.auto_now_add


def test_a_reminder_run_touches_only_those_who_have_not_responded(client, cast):
    responders = ["W12-003", "W12-004", "THE-001", "REC-010"]
    for staff in responders:
        respond(client, cast, staff)
    rows = lambda: {i.staff.staff_id: model_to_dict(i) for i in cast.open.invitations.all()}  # noqa: E731
    before = rows()
    reminded = services.send_reminders(cast.open)
    after = rows()
    assert reminded == len(before) - len(responders)
    for staff, row in before.items():
        if staff in responders:
            assert after[staff] == row  # every column, unchanged
        else:
            changed = {k for k in row if row[k] != after[staff][k]}
            assert changed == {"token_hash", "reminders", "sent_on"}
            assert after[staff]["sent_on"] == services.today()
            assert after[staff]["reminders"] == row["reminders"] + 1
