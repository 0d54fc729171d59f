"""Giving 360 feedback: starting with a rater's link, the answers between pages, submitting.

As with a survey response (:mod:`ethos.surveys.responding`), the rating in progress travels in
the form as a signed value and the server keeps nothing until it is submitted. Every
statement needs an answer, and "I have not seen enough to say" is always one: it never counts
for or against the leader. The comment questions are optional.

:func:`submit_rating` is the one way a rating is stored. In one transaction it marks the
rater's link used and inserts the rating with a fresh random key, the rater group and the day
only. A retry with the same submission key returns the first result and never stores twice.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace

from django.core import signing
from django.db import IntegrityError, transaction

from ethos.feedback import services
from ethos.feedback.models import Cycle, RaterInvite, Rating, Unanswered
from ethos.surveys.instrument import Page, allowed_answers, instrument_of, pages_of
from ethos.surveys.responding import MAX_TEXT, Refused
from ethos.web import heap
from ethos.web.tokens import keyed_hash

SIGNING_SALT = "ethos.feedback.ballot"
UNREADABLE = "Your answers could not be read. Please open the link in your email again."
USED = "This link has already been used to give feedback. Thank you."


@dataclass(frozen=True)
class Ballot:
    """A rating in progress: the rater's link and their answers so far."""

    token: str
    answers: dict[str, int | str] = field(default_factory=dict)
    key: str = field(default_factory=lambda: str(uuid.uuid4()))

    def with_answers(self, answers: dict[str, int | str], page_fields: tuple[str, ...]) -> Ballot:
        kept = {k: v for k, v in self.answers.items() if k not in page_fields}
        kept.update(answers)
        return replace(self, answers=kept)


@dataclass(frozen=True)
class Submitted:
    rating_id: uuid.UUID
    repeated: bool


def _check_open(cycle: Cycle) -> None:
    if cycle.status == Cycle.CLOSED or cycle.closes_on < services.today():
        raise Refused("This 360 has closed. Thank you for your interest.")
    if not services.accepting(cycle):
        raise Refused("This 360 is not open yet.")


def invite_for(token: str) -> RaterInvite:
    """The unused invite whose link this is, while the cycle is open."""
    token = (token or "").strip()
    invite = (
        RaterInvite.objects.select_related("subject__cycle", "subject__staff")
        .filter(token_hash=keyed_hash(services.RATING, token))
        .first()
        if token
        else None
    )
    if invite is None:
        raise Refused(
            "This link is not recognised. Check you copied all of it from your email.",
            field="token",
        )
    if invite.responded:
        raise Refused(USED)
    _check_open(invite.subject.cycle)
    return invite


def begin_rating(token: str) -> tuple[RaterInvite, Ballot]:
    """Start a rating with a rater's link."""
    invite = invite_for(token)
    return invite, Ballot(token.strip())


def pages(cycle: Cycle) -> tuple[Page, ...]:
    """One page per section of statements, then the comment questions."""
    return pages_of(cycle.instrument_yaml)


# --- the ballot between pages -------------------------------------------------------------


def seal(ballot: Ballot) -> str:
    return signing.dumps(asdict(ballot), salt=SIGNING_SALT, compress=True)


def unseal(value: str) -> Ballot:
    try:
        return Ballot(**signing.loads(value, salt=SIGNING_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        raise Refused(UNREADABLE) from None


def clean_page(
    cycle: Cycle, raw: dict[str, str], page: Page
) -> tuple[dict[str, int | str], dict[str, str]]:
    """One page's answers, and a message per statement left unanswered or not allowed."""
    allowed = allowed_answers(cycle.instrument_yaml)
    answers: dict[str, int | str] = {}
    problems: dict[str, str] = {}
    for name in page.fields:
        value = (raw.get(name) or "").replace("\x00", "").strip()
        codes = allowed[name]
        if codes is None:
            if len(value) > MAX_TEXT:
                problems[name] = (
                    f"Your comment is {len(value):,} characters long. Shorten it to "
                    f"{MAX_TEXT:,} characters or fewer."
                )
            elif value:
                answers[name] = value
            continue
        code = int(value) if value.isascii() and value.isdigit() and len(value) < 4 else -1
        if code in codes:
            answers[name] = code
        else:
            problems[name] = "Choose an answer, or choose I have not seen enough to say."
    return answers, problems


def first_incomplete(cycle: Cycle, ballot: Ballot) -> int | None:
    """The first page with a statement not yet answered, or ``None``."""
    for index, page in enumerate(pages(cycle)):
        if any(item.id not in ballot.answers for item in page.items):
            return index
    return None


def _check_ballot(cycle: Cycle, ballot: Ballot) -> None:
    allowed = allowed_answers(cycle.instrument_yaml)
    for name, value in ballot.answers.items():
        codes = allowed.get(name, frozenset())
        ok = (
            isinstance(value, str) and len(value) <= MAX_TEXT
            if codes is None
            else isinstance(value, int) and not isinstance(value, bool) and value in codes
        )
        if not ok:
            raise Refused(UNREADABLE)
    if first_incomplete(cycle, ballot) is not None:
        raise Refused("Answer every statement before you submit.")


# --- submitting ---------------------------------------------------------------------------


def submit_rating(ballot: Ballot) -> Submitted:
    """Store the rating durably, once. Safe to call again with the same ballot."""
    try:
        key = uuid.UUID(ballot.key)
    except ValueError:
        raise Refused(UNREADABLE) from None
    token_hash = keyed_hash(services.RATING, ballot.token.strip())
    try:
        with transaction.atomic():
            invite = (
                RaterInvite.objects.select_related("subject__cycle")
                .filter(token_hash=token_hash)
                .first()
            )
            if invite is None:
                raise Refused(UNREADABLE)
            cycle = invite.subject.cycle
            _check_open(cycle)
            _check_ballot(cycle, ballot)
            if Unanswered.objects.filter(invite=invite.pk).delete()[0] != 1:
                raise Refused(USED)
            rating = Rating.objects.create(
                subject=invite.subject,
                group=invite.group,
                submitted_on=services.today(),
                answers=ballot.answers,
                submission_key=key,
            )
            heap.mix_in(Rating, "subject", invite.subject_id, rating.pk, cycle.min_raters)
    except (IntegrityError, Refused):
        # A retry of a rating stored before fails here (its key is taken, its link used,
        # or the cycle has since closed); the respondent is told it was stored.
        stored = Rating.objects.filter(submission_key=key).values_list("id", flat=True)
        if stored:
            return Submitted(stored[0], repeated=True)
        raise
    return Submitted(rating.id, repeated=False)


def stored(ballot: Ballot) -> bool:
    try:
        return Rating.objects.filter(submission_key=uuid.UUID(ballot.key)).exists()
    except ValueError:
        return False


def item_text(cycle: Cycle, item_id: str) -> str:
    return instrument_of(cycle.instrument_yaml).item(item_id).text
