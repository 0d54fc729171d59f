"""Answering a survey: starting, saving and resuming, and submitting a response.

A respondent's progress is a :class:`Ballot`. Between pages it travels in the form itself as
a signed value (the server keeps nothing), so an unfinished response leaves no trace. A saved
draft is encrypted with a key derived from a resume code that only the respondent holds.

:func:`submit_response` is the one way a response is stored. It runs in one transaction:
mark the invitation used (for a personal link) and insert the response with a fresh random
key. A retry with the same submission key returns the first result and never stores twice;
the respondent is told "submitted" only after the commit. When the database fails instead (a
full disk, an I/O error or failed fsync at commit, a lost connection) it raises
:class:`NotStored` and discards the connection: nothing was acknowledged, the same ballot may
be submitted again, and no later request reuses a connection whose last commit failed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import asdict, dataclass, field, replace

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core import signing
from django.db import Error, IntegrityError, connection, transaction

from ethos.surveys import services, statements
from ethos.surveys.instrument import allowed_answers
from ethos.surveys.models import Draft, Invitation, KioskCode, Response, Survey, Unanswered
from ethos.web import heap
from ethos.web.tokens import keyed_hash, new_code, normalise_code

INVITE, OPEN, KIOSK_CHANNEL = "invite", "open", "kiosk"
MAX_TEXT = 3000  # characters in one free-text answer
SIGNING_SALT = "ethos.ballot"
DRAFT_PURPOSE = "resume-code"
DRAFT_DAYS = 28


class Refused(Exception):
    """A response cannot be started or stored; the message is safe to show the respondent.

    ``field`` names the form field at fault, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotStored(Exception):
    """The database failed while storing a response; it was not acknowledged and may be
    submitted again with the same ballot (the same submission key)."""


@dataclass(frozen=True)
class Ballot:
    """A response in progress: which survey, how the respondent came, their answers so far."""

    survey: str
    channel: str
    credential: str = ""  # the invitation token or kiosk code (never stored with answers)
    unit: int | None = None  # chosen (open link) or fixed (kiosk) unit; from roster for invites
    answers: dict[str, int | str] = field(default_factory=dict)
    key: str = field(default_factory=lambda: str(uuid.uuid4()))

    def with_answers(self, answers: dict[str, int | str], page_fields: tuple[str, ...]) -> Ballot:
        """Replace the answers to one page's questions (unanswered ones are dropped)."""
        kept = {k: v for k, v in self.answers.items() if k not in page_fields}
        kept.update(answers)
        return replace(self, answers=kept)


@dataclass(frozen=True)
class Submitted:
    response_id: uuid.UUID
    repeated: bool  # True when this was a retry of a response already stored


# --- starting ---------------------------------------------------------------------------


def begin_with_token(token: str) -> tuple[Survey, Ballot]:
    invitation = (
        Invitation.objects.select_related("survey")
        .filter(token_hash=keyed_hash(services.INVITATION, token.strip()))
        .first()
    )
    if invitation is None:
        raise Refused(
            "This link is not recognised. Check you copied all of it, or use the link in "
            "your most recent email: a reminder replaces the link sent before it.",
            field="token",
        )
    if invitation.responded:
        raise Refused("This link has already been used to respond. Thank you for taking part.")
    survey = invitation.survey
    _check_accepting(survey)
    return survey, Ballot(str(survey.pk), INVITE, credential=token.strip())


def begin_with_open_link(key: str) -> Survey:
    survey = services.survey_for_open_link(key)
    if survey is None:
        raise Refused("This survey link is not recognised.", field="key")
    _check_accepting(survey)
    return survey


def choose_unit(survey: Survey, unit_id: str | int | None) -> Ballot:
    """Start an open-link ballot for the unit the respondent picked."""
    allowed = {u.pk for u in services.population_units(survey)}
    try:
        unit = int(unit_id) if unit_id not in (None, "") else None
    except (TypeError, ValueError):
        unit = None
    if unit not in allowed:
        raise Refused("Select the team or ward you work in.", field="unit")
    return Ballot(str(survey.pk), OPEN, unit=unit)


def begin_with_kiosk_code(code: str) -> tuple[Survey, Ballot]:
    kiosk = services.kiosk_for_code(code) if code.strip() else None
    if kiosk is None:
        raise Refused("Enter the kiosk code shown on this device's card.", field="code")
    _check_accepting(kiosk.survey)
    return kiosk.survey, Ballot(
        str(kiosk.survey_id), KIOSK_CHANNEL, credential=normalise_code(code), unit=kiosk.unit_id
    )


def _check_accepting(survey: Survey, today: dt.date | None = None) -> None:
    today = services.today() if today is None else today
    if survey.status == Survey.CLOSED or survey.closes_on < today:
        raise Refused("This survey has closed. Thank you for your interest.")
    if not services.accepting(survey, today):
        raise Refused("This survey is not open yet.")


# --- the ballot between pages -------------------------------------------------------------


def seal(ballot: Ballot) -> str:
    """The ballot as a signed string for a hidden form field (tamper-evident, not secret)."""
    return signing.dumps(asdict(ballot), salt=SIGNING_SALT, compress=True)


def unseal(value: str) -> Ballot:
    try:
        data = signing.loads(value, salt=SIGNING_SALT)
        return Ballot(**data)
    except (signing.BadSignature, TypeError, ValueError):
        raise Refused("Your answers could not be read. Please start the survey again.") from None


def clean_answers(
    survey: Survey, raw: dict[str, str], fields: tuple[str, ...]
) -> dict[str, int | str]:
    """Validate one page's answers; unanswered questions are simply absent."""
    allowed = allowed_answers(survey.instrument_yaml)
    out: dict[str, int | str] = {}
    for name in fields:
        # PostgreSQL's jsonb cannot store U+0000; a stray one must not lose the response.
        value = (raw.get(name) or "").replace("\x00", "").strip()
        if not value:
            continue
        codes = allowed[name]
        if codes is None:
            if len(value) > MAX_TEXT:
                raise Refused(
                    f"Your comment is {len(value):,} characters long. "
                    f"Shorten it to {MAX_TEXT:,} characters or fewer.",
                    field=name,
                )
            out[name] = value
            continue
        try:
            code = int(value)
        except ValueError:
            code = -1
        if code not in codes:
            raise Refused("Choose one of the answers given.", field=name)
        out[name] = code
    return out


def check_ballot(survey: Survey, ballot: Ballot) -> None:
    """Refuse a ballot whose answers do not fit the survey's instrument (a tampered form)."""
    allowed = allowed_answers(survey.instrument_yaml)
    for name, value in ballot.answers.items():
        codes = allowed.get(name, frozenset())
        ok = (
            isinstance(value, str) and len(value) <= MAX_TEXT
            if codes is None
            else isinstance(value, int) and value in codes
        )
        if not ok:
            raise Refused("Your answers could not be read. Please start the survey again.")


# --- submitting ---------------------------------------------------------------------------


def submit_response(survey: Survey, ballot: Ballot) -> Submitted:
    """Store the response durably, once. Safe to call again with the same ballot.

    Raises :class:`Refused` for a ballot that cannot be stored, and :class:`NotStored` when
    the database fails (the connection is then closed, unless a caller's transaction is open).
    """
    if ballot.survey != str(survey.pk):
        raise Refused("Your answers could not be read. Please start the survey again.")
    try:
        key = uuid.UUID(ballot.key)
    except ValueError:
        raise Refused("Your answers could not be read. Please start the survey again.") from None
    check_ballot(survey, ballot)
    try:
        return _store(survey, ballot, key)
    except Error as exc:  # Django's base class of every database error
        if not connection.in_atomic_block:  # a caller's transaction is the caller's to end
            connection.close()  # after a failed commit (or fsync) its state is not trusted
        raise NotStored(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc


def _store(survey: Survey, ballot: Ballot, key: uuid.UUID) -> Submitted:
    try:
        # Everything that needs no transaction comes first, so that the write lock (taken at
        # BEGIN IMMEDIATE on SQLite) is held only for the unit check, the insert and the
        # commit. The survey was read before this, outside any transaction, as before.
        today = services.today()  # one day for the check and the row (a day, no time)
        _check_accepting(survey, today)
        new = statements.prepare_response(  # the row's values, the answers JSON-encoded
            survey_id=survey.pk, submitted_on=today, answers=ballot.answers, submission_key=key
        )
        # An open-link response without a mixing pool is stored by one INSERT, which in
        # autocommit mode is a transaction of its own, committed (durably) before it returns:
        # no BEGIN and COMMIT round trips around it. Inside a caller's transaction it joins
        # that one, as before.
        alone = ballot.channel == OPEN and not heap.mixes()
        with contextlib.nullcontext() if alone else transaction.atomic():
            unit = _unit_for(survey, ballot)
            response_id = statements.insert_prepared(new, unit)  # Response.objects.create
            heap.mix_in(Response, "survey", survey.pk, response_id, survey.min_group_size)
    except (IntegrityError, Refused):
        # A retry of a ballot stored before fails here (its key is taken, its invitation
        # used, or the survey has since closed); the transaction is rolled back, and the
        # respondent is told it was stored. Any other failure stands.
        stored = Response.objects.filter(submission_key=key).values_list("id", flat=True)
        if stored:
            return Submitted(stored[0], repeated=True)
        raise
    return Submitted(response_id, repeated=False)


def _unit_for(survey: Survey, ballot: Ballot) -> int:
    """The respondent's unit; for a personal link, marks the invitation used (same commit) by
    deleting its ``Unanswered`` row, which leaves no row version behind (see the models)."""
    if ballot.channel == INVITE:
        token_hash = keyed_hash(services.INVITATION, ballot.credential)
        invitation = (
            Invitation.objects.filter(survey=survey, token_hash=token_hash)
            .select_related("staff")
            .first()
        )
        unused = Unanswered.objects.filter(invitation=getattr(invitation, "pk", None))
        if invitation is None or unused.delete()[0] != 1:
            raise Refused("This link has already been used to respond, or has been replaced.")
        return invitation.staff.unit_id
    if ballot.channel == KIOSK_CHANNEL:
        kiosk = KioskCode.objects.filter(
            survey=survey, code_hash=keyed_hash(services.KIOSK, ballot.credential), active=True
        ).first()
        if kiosk is None:
            raise Refused("This kiosk code no longer works. Ask the survey lead for a new one.")
        return kiosk.unit_id
    if ballot.channel == OPEN and ballot.unit is not None:
        return ballot.unit  # checked against the population by choose_unit; the ballot is signed
    raise Refused("Your answers could not be read. Please start the survey again.")


# --- save and resume ----------------------------------------------------------------------


def save_draft(survey: Survey, ballot: Ballot) -> str:
    """Store the ballot encrypted under a new resume code, and return the code (shown once).

    The key is derived from the code with scrypt; the server stores only the code's keyed
    hash (to find the draft) and the ciphertext, so it cannot read a draft or tie it to an
    invitation without the code.
    """
    check_ballot(survey, ballot)
    code = new_code(groups=4)
    salt = os.urandom(16)
    nonce = os.urandom(12)
    plain = json.dumps(asdict(ballot)).encode()
    sealed = AESGCM(_draft_key(code, salt)).encrypt(nonce, plain, str(survey.pk).encode())
    Draft.objects.create(
        code_hash=keyed_hash(DRAFT_PURPOSE, code),
        survey=survey,
        ciphertext=salt + nonce + sealed,
        expires_on=max(survey.closes_on, services.today() + dt.timedelta(days=DRAFT_DAYS)),
    )
    return code


def resume_draft(code: str) -> tuple[Survey, Ballot]:
    """Open a saved draft (and delete it: each resume code works once)."""
    code = normalise_code(code)
    draft = Draft.objects.select_related("survey").filter(
        code_hash=keyed_hash(DRAFT_PURPOSE, code), expires_on__gte=services.today()
    )
    found = draft.first()
    if found is None:
        raise Refused("This resume code is not recognised or has expired.", field="code")
    blob = bytes(found.ciphertext)
    salt, nonce, sealed = blob[:16], blob[16:28], blob[28:]
    plain = AESGCM(_draft_key(code, salt)).decrypt(nonce, sealed, str(found.survey_id).encode())
    survey = found.survey
    _check_accepting(survey)
    found.delete()
    return survey, Ballot(**json.loads(plain))


def _draft_key(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(code.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
