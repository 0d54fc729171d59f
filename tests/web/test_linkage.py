"""Linkage red team (issue 4, item 3).

After a run in which invitations are emailed and answered through the real respondent pages,
take the full database dump, the application logs and the access log: no response can be
joined to its invitee. No sub-day timestamps, no sequential ids, storage order independent of
submission order, and no token in any URL or log line.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
import uuid
from dataclasses import dataclass, field

import pytest
from django.core import mail
from django.db import connection, models
from django.test import Client

from ethos.organisations.models import StaffMember
from ethos.surveys import responding, services
from ethos.surveys.models import Invitation, Response
from ethos.web.tokens import keyed_hash
from tests.web.dbscan import sharing_a_transaction, table_text
from tests.web.test_respond import START, answer_everything, html, post

EXTRA_STAFF = 66  # with the cast's 54: 120 invitees
LINK = re.compile(r"(\S*)#t=([A-Za-z0-9_-]+)")
MAX_RHO = 0.3  # |rho| of 120 random ranks exceeds 0.3 about once in 1,000 runs


class AccessLogClient(Client):
    """The test client, noting each request line as an access log would."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines: list[str] = []

    def request(self, **request):
        query = request.get("QUERY_STRING", "")
        self.lines.append(f"{request['REQUEST_METHOD']} {request['PATH_INFO']}?{query}")
        return super().request(**request)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.levelname} {record.getMessage()}")


@dataclass
class Run:
    survey: object
    tokens: dict[str, str]  # email -> token
    order: list[uuid.UUID] = field(default_factory=list)  # response ids in submission order
    answered: list[str] = field(default_factory=list)  # tokens in submission order
    access: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)


def add_staff(cast) -> None:
    units = list(cast.units.values())
    StaffMember.objects.bulk_create(
        StaffMember(
            organisation=cast.trust,
            staff_id=f"LNK-{n:04d}",
            name=f"Linkage Person {n}",
            email=f"linkage.{n}@north.example",
            unit=units[n % len(units)],
            staff_group="Nursing",
            pay_band="Band 6",
        )
        for n in range(EXTRA_STAFF)
    )


def invite(cast) -> Run:
    add_staff(cast)
    today = services.today()
    survey = services.create_survey(
        cast.trust, "Linkage survey", "pulse", today, today + dt.timedelta(days=7)
    )
    services.open_survey(survey)
    mail.outbox = []
    sent = services.send_invitations(survey)
    tokens = {}
    for message in mail.outbox:
        (prefix, token), *_ = LINK.findall(message.body)
        assert "?" not in prefix and token not in prefix  # only after '#': never sent
        tokens[message.to[0]] = token
    assert sent == len(tokens) >= 60
    return Run(survey, tokens)


def answer_all(run: Run, seed: int = 20260) -> None:
    """Everyone answers, in a random order, each through the pages in a fresh browser."""
    order = list(run.tokens.values())
    random.Random(seed).shuffle(order)
    seen: set[uuid.UUID] = set()
    for token in order:
        client = AccessLogClient()
        first = client.post(START, {"token": token})
        done = post(client, answer_everything(client, first, run.survey), action="submit")
        assert "Your answers have been submitted" in html(done)
        run.access.extend(client.lines)
        ids = set(Response.objects.filter(survey=run.survey).values_list("id", flat=True))
        (new,) = ids - seen
        run.order.append(new)
        run.answered.append(token)
        seen = ids


def logged_run(cast) -> Run:
    capture, root = Capture(), logging.getLogger()
    level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(n) for n in ("django", "django.request", "ethos")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    try:
        run = invite(cast)
        answer_all(run)
    finally:
        root.removeHandler(capture)
        root.setLevel(level)
        for lg, old in zip(loggers, levels, strict=True):
            lg.setLevel(old)
    run.logs = capture.lines
    return run


# --- the checks ---------------------------------------------------------------------------


def spearman(xs: list[int], ys: list[int]) -> float:
    """Rank correlation of two rankings without ties."""
    n = len(xs)
    d2 = sum((x - y) ** 2 for x, y in zip(xs, ys, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def storage_rho(ids_in_storage: list, order: list[uuid.UUID]) -> float:
    submitted = {pk: n for n, pk in enumerate(order)}
    stored = [uuid.UUID(str(pk)) for pk in ids_in_storage]
    assert sorted(submitted[pk] for pk in stored) == list(range(len(order)))
    return spearman(list(range(len(stored))), [submitted[pk] for pk in stored])


def unordered(table: str, survey) -> list:
    key = type(survey)._meta.pk.get_db_prep_value(survey.pk, connection)
    with connection.cursor() as cursor:  # no ORDER BY: the order rows are stored in
        cursor.execute(f"SELECT id FROM {table} WHERE survey_id = %s", [key])
        return [row[0] for row in cursor]


def check_dump(run: Run) -> None:
    tables = table_text()
    hashes = {keyed_hash(services.INVITATION, t) for t in run.tokens.values()}
    for table, text in tables.items():
        assert not [t for t in run.tokens.values() if t in text], f"a token in {table}"
        if table != Invitation._meta.db_table:
            assert not [h for h in hashes if h in text], f"a token hash in {table}"
    responses = tables[Response._meta.db_table]
    people = StaffMember.objects.values_list("email", "staff_id", "name")
    for email, staff_id, name in people:
        assert email not in responses and staff_id not in responses and name not in responses


def check_fields() -> None:
    timed = (models.DateTimeField, models.TimeField, models.DurationField)
    for model in (Response, Invitation):
        for f in model._meta.concrete_fields:
            assert not isinstance(f, timed) and not getattr(f, "auto_now", False), f.name
            assert not getattr(f, "auto_now_add", False), f.name
    assert isinstance(Response._meta.pk, models.UUIDField)


def check_ids(run: Run) -> None:
    assert all(pk.version == 4 for pk in run.order)  # random, not time-based or sequential
    keys = Response.objects.filter(survey=run.survey).values_list("submission_key", flat=True)
    assert all(key.version == 4 for key in keys)


def check_invitations(run: Run) -> None:
    """Every answered invitation row is alike but for who and which hash: no time, no order."""
    rows = Invitation.objects.filter(survey=run.survey).values("sent_on", "reminders")
    assert len({tuple(r.values()) for r in rows}) == 1
    assert not Invitation.objects.unanswered().filter(survey=run.survey).exists()


def invitation_rho(run: Run) -> float:
    """How far the order invitation rows are stored in follows the order people answered."""
    by_hash = dict(Invitation.objects.filter(survey=run.survey).values_list("token_hash", "id"))
    position = {by_hash[keyed_hash(services.INVITATION, t)]: n for n, t in enumerate(run.answered)}
    stored = unordered(Invitation._meta.db_table, run.survey)
    return spearman(list(range(len(stored))), [position[pk] for pk in stored])


def check_lines(run: Run) -> None:
    lines = run.access + run.logs
    assert run.access and all(line.startswith(("GET /", "POST /")) for line in run.access)
    for token in run.tokens.values():
        assert not [line for line in lines if token in line]
    for email in run.tokens:
        assert not [line for line in lines if email in line]


def check_storage_order(run: Run) -> float:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'surveys_response'")
            assert "WITHOUT ROWID" in cursor.fetchone()[0].upper()
    else:
        services.close_survey(run.survey)  # rewrites its responses in random key order
    rho = storage_rho(unordered(Response._meta.db_table, run.survey), run.order)
    assert abs(rho) < MAX_RHO, f"storage order follows submission order: rho={rho:.3f}"
    return rho


def test_no_response_can_be_joined_to_its_invitee(cast, capsys):
    run = logged_run(cast)
    assert len(run.order) == len(run.tokens) >= 60
    check_dump(run)
    check_fields()
    check_ids(run)
    check_invitations(run)
    check_lines(run)
    before = invitation_rho(run)
    rho = check_storage_order(run)
    after = invitation_rho(run)
    assert abs(after) < MAX_RHO, f"invitations stored in answer order after close: {after:.3f}"
    with capsys.disabled():
        print(
            f"\n[linkage] {connection.vendor}: n={len(run.order)} responses rho={rho:+.3f} "
            f"invitations rho={before:+.3f} (open), {after:+.3f} (closed)"
        )


def test_the_spearman_helper():
    assert spearman([0, 1, 2, 3], [0, 1, 2, 3]) == 1
    assert spearman([0, 1, 2, 3], [3, 2, 1, 0]) == -1


def heap_rhos(cast) -> tuple[float, float]:
    """Storage-order rho of responses and invitations against answer order (service level)."""
    run = invite(cast)
    for token in random.Random(7).sample(list(run.tokens.values()), len(run.tokens)):
        survey, ballot = responding.begin_with_token(token)
        run.order.append(responding.submit_response(survey, ballot).response_id)
        run.answered.append(token)
    return storage_rho(unordered(Response._meta.db_table, run.survey), run.order), invitation_rho(
        run
    )


def test_invitation_storage_order_does_not_follow_answer_order(cast, capsys):
    """While a survey is open. (Marking an invitation used was an UPDATE, which on PostgreSQL
    wrote a new row version at the end of the heap, so a mid-survey dump listed invitations
    in answer order, rho +1.0, as it lists responses: joined by position. Answering now
    deletes an Unanswered row and leaves the invitation as it was.)"""
    responses, invitations = heap_rhos(cast)
    with capsys.disabled():
        print(
            f"\n[linkage] {connection.vendor} while open: responses rho={responses:+.3f} "
            f"invitations rho={invitations:+.3f}"
        )
    assert abs(invitations) < MAX_RHO


@pytest.mark.skipif(connection.vendor != "postgresql", reason="transaction ids: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_no_row_shares_a_transaction_with_a_response(cast):
    """Marking an invitation used in the same transaction as storing the answers gave both
    rows one ``xmin``: ``SELECT xmin`` on both tables joined every response to its invitee,
    before and after close. Nothing the submission leaves visible may share its xid."""
    run = invite(cast)
    for token in list(run.tokens.values())[:20]:
        survey, ballot = responding.begin_with_token(token)
        responding.submit_response(survey, ballot)
    assert sharing_a_transaction(Response) == {}, "while open"
    services.close_survey(run.survey)
    assert sharing_a_transaction(Response) == {}, "after close"


def heap_rows(survey) -> list[tuple[str, uuid.UUID]]:
    """The survey's responses as a read finds them, in storage order: (xmin, id)."""
    key = type(survey)._meta.pk.get_db_prep_value(survey.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT xmin::text, id FROM {Response._meta.db_table} WHERE survey_id = %s", [key]
        )
        return [(xid, uuid.UUID(str(pk))) for xid, pk in cursor]


def heap_groups(rows: list[tuple[str, uuid.UUID]]) -> list[list[uuid.UUID]]:
    """The rows written by one transaction each, in storage order."""
    groups: dict[str, list[uuid.UUID]] = {}
    for xid, pk in rows:
        groups.setdefault(xid, []).append(pk)
    return list(groups.values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the heap: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_an_open_surveys_heap_hides_each_answer_among_at_least_k(cast):
    """PostgreSQL appends rows and stamps them with their transaction id, so while a survey
    is open its heap would list responses in submission order. With the mixing pool, a read
    at any moment finds them in groups written by one transaction, each of at least the
    minimum group size and written in key order, so order and xmin single out nobody: in
    particular the newest response is not the last row stored (without the pool it always
    was; with it, about once in the pool's size)."""
    run = invite(cast)
    k = run.survey.min_group_size
    tokens = list(run.tokens.values())[: 5 * k + 3]
    newest_last = 0
    for n, token in enumerate(tokens, start=1):
        survey, ballot = responding.begin_with_token(token)
        run.order.append(responding.submit_response(survey, ballot).response_id)
        rows = heap_rows(run.survey)
        groups = heap_groups(rows)
        assert sum(map(len, groups)) == n
        assert all(len(g) >= min(k, n) for g in groups), [len(g) for g in groups]
        newest_last += rows[-1][1] == run.order[-1]
    assert newest_last <= len(tokens) // 3, f"newest stored last in {newest_last} reads"
    pool = Response.objects.filter(survey=run.survey, mixing=True).count()
    assert k <= pool < 2 * k
    services.close_survey(run.survey)
    (everything,) = heap_groups(heap_rows(run.survey))  # one transaction wrote them all
    assert sorted(everything) == sorted(run.order)
    assert not Response.objects.filter(survey=run.survey, mixing=True).exists()
