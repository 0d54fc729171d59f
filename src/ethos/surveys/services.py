"""Changes of state for survey campaigns: create, open, close, invite, remind, kiosk codes and
open links. Submitting a response lives in :mod:`ethos.surveys.responding`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ethos.errors import InputError
from ethos.instruments import shipped_instruments
from ethos.instruments.loader import shipped_text
from ethos.organisations.audit import record
from ethos.organisations.models import AuditEvent, Organisation, StaffMember, Unit
from ethos.surveys.instrument import instrument_of
from ethos.surveys.models import Invitation, KioskCode, Response, Survey, Unanswered
from ethos.web import heap
from ethos.web.config import MIN_GROUP_FLOOR
from ethos.web.tokens import keyed_hash, new_code, new_token, normalise_code

INVITATION = "invitation"
KIOSK = "kiosk-code"
OPEN_LINK = "open-link"
MAX_GROUP_SIZE = 1000


def today() -> dt.date:
    return timezone.localdate()


def create_survey(
    organisation: Organisation,
    title: str,
    instrument: str,
    opens_on: dt.date,
    closes_on: dt.date,
    units: Sequence[Unit] = (),
    min_group_size: int | None = None,
    breakdowns: Sequence[str] = (),
    previous: Survey | None = None,
    breakdowns_at: str = Survey.UNITS,
) -> Survey:
    """Create a draft survey from a shipped instrument id or an instrument's YAML text.

    ``units`` is the population (each with its subtree); empty means the whole organisation.
    ``breakdowns_at`` is ``"units"`` (breakdowns for every unit that can show them) or
    ``"organisation"`` (for the organisation only, which lets two breakdowns such as
    ethnicity and disability both be shown there, as WRES and WDES need).
    Raises :class:`ValidationError` with a message per field.
    """
    yaml_text = _instrument_text(instrument)
    parsed = instrument_of(yaml_text)
    size = organisation.min_group_size if min_group_size is None else min_group_size
    problems: dict[str, str] = {}
    if size < MIN_GROUP_FLOOR:
        problems["min_group_size"] = f"The minimum group size cannot be below {MIN_GROUP_FLOOR}."
    elif size > MAX_GROUP_SIZE:
        problems["min_group_size"] = f"The minimum group size cannot be above {MAX_GROUP_SIZE}."
    if closes_on < opens_on:
        problems["closes_on"] = "The closing date must be on or after the opening date."
    known = {d.id for d in parsed.demographics}
    unknown = [b for b in breakdowns if b not in known]
    if unknown:
        problems["breakdowns"] = (
            f"'{unknown[0]}' is not a demographic question of this instrument. "
            f"Choose from: {', '.join(sorted(known)) or 'none'}."
        )
    if any(u.organisation_id != organisation.pk for u in units):
        problems["units"] = "Choose units of your own organisation."
    if breakdowns_at not in (Survey.UNITS, Survey.ORGANISATION):
        problems["breakdowns_at"] = "Choose every unit or the whole organisation only."
    if previous is not None and previous.organisation_id != organisation.pk:
        problems["previous"] = "The previous wave must be a survey of your own organisation."
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        survey = Survey.objects.create(
            organisation=organisation,
            title=" ".join(title.split()),  # one line: it becomes an email subject
            instrument_id=parsed.id,
            instrument_yaml=yaml_text,
            opens_on=opens_on,
            closes_on=closes_on,
            min_group_size=size,
            breakdowns=list(breakdowns),
            breakdowns_at=breakdowns_at,
            previous=previous,
        )
        roots = list(units) or list(
            Unit.objects.filter(organisation=organisation, parent__isnull=True)
        )
        survey.population.set(roots)
    return survey


def _instrument_text(instrument: str) -> str:
    if instrument in shipped_instruments():
        return shipped_text(instrument)
    try:
        instrument_of(instrument)
    except InputError as exc:
        raise ValidationError({"instrument": str(exc)}) from None
    return instrument


def population_units(survey: Survey) -> list[Unit]:
    """Every unit in the survey's population: the chosen units and their subtrees."""
    roots = list(survey.population.all())
    units = Unit.objects.filter(organisation=survey.organisation)
    chosen = [u for u in units if any(u.path.startswith(r.path) for r in roots)]
    return chosen


def open_survey(survey: Survey, actor: object = None) -> Survey:
    if survey.status != Survey.DRAFT:
        raise ValidationError("Only a draft survey can be opened.")
    survey.status = Survey.OPEN
    survey.opens_on = min(survey.opens_on, today())
    survey.save(update_fields=["status", "opens_on"])
    record(survey.organisation, actor, "open survey", survey.title)
    return survey


def close_survey(survey: Survey, actor: object = None) -> Survey:
    """Close a survey for good and publish its final results. A closed survey never reopens,
    so its published figures never change."""
    from ethos.results.services import publish_results

    if survey.status != Survey.OPEN:
        raise ValidationError("Only an open survey can be closed.")
    with transaction.atomic():
        survey.status = Survey.CLOSED
        survey.save(update_fields=["status"])
        survey.kiosk_codes.update(active=False)
    heap.settle_all(Response, "survey", survey.pk)  # PostgreSQL: see ethos.web.heap
    publish_results(survey)
    record(survey.organisation, actor, "close survey", survey.title)
    return survey


class AnonymityRefused(ValidationError):
    """An attempt to identify respondents or link responses to people: always refused."""


def identify_survey(survey: Survey, actor: object = None) -> None:
    """Refuse, and write to the audit log, any attempt to make a survey identified or to link
    its responses to people. Ethos has no identified mode; once anyone has answered, the
    answers are anonymous for good (the database also refuses a survey that is not
    anonymous). Always raises :class:`AnonymityRefused`."""
    if Response.objects.filter(survey=survey).exists():
        reason = (
            "This survey has responses. They are anonymous for good: Ethos keeps nothing that "
            "links an answer to a person, and will not start."
        )
    else:
        reason = "Ethos surveys are anonymous: there is no identified mode."
    record(survey.organisation, actor, "identify survey", survey.title, AuditEvent.REFUSED, reason)
    raise AnonymityRefused(reason)


def accepting(survey: Survey, on: dt.date | None = None) -> bool:
    """Whether the survey takes responses today (or ``on`` that day)."""
    day = today() if on is None else on
    return survey.status == Survey.OPEN and survey.opens_on <= day <= survey.closes_on


def issue_invitations(survey: Survey) -> list[tuple[StaffMember, str]]:
    """Create invitations for everyone in the population not yet invited.

    Returns ``(staff member, token)`` pairs for the caller to send at once: tokens are not
    stored and cannot be recovered.
    """
    if survey.status == Survey.CLOSED:
        raise ValidationError("The survey is closed.")
    units = population_units(survey)
    invited = set(survey.invitations.values_list("staff_id", flat=True))
    staff = StaffMember.objects.filter(unit__in=units, active=True).exclude(pk__in=invited)
    pairs = [(member, new_token()) for member in staff.select_related("unit")]
    with transaction.atomic():
        made = Invitation.objects.bulk_create(
            [
                Invitation(survey=survey, staff=m, token_hash=keyed_hash(INVITATION, t))
                for m, t in pairs
            ],
            batch_size=1000,
        )
        Unanswered.objects.bulk_create([Unanswered(invitation=i) for i in made], batch_size=1000)
    return pairs


def send_invitations(survey: Survey, actor: object = None) -> int:
    """Invite everyone not yet invited, by email in batches. Returns how many were sent."""
    pairs = issue_invitations(survey)
    _send(survey, pairs, reminder=False)
    record(survey.organisation, actor, "send invitations", survey.title, detail=str(len(pairs)))
    return len(pairs)


def send_reminders(survey: Survey, actor: object = None) -> int:
    """Remind everyone who has not responded, in batches, each with a fresh link.

    The old link stops working: Ethos cannot resend it because only its hash is kept.
    """
    if not accepting(survey):
        raise ValidationError("Reminders can only go out while the survey is open.")
    pending = list(
        survey.invitations.unanswered().filter(staff__active=True).select_related("staff")
    )
    pairs = []
    for invitation in pending:
        token = new_token()
        invitation.token_hash = keyed_hash(INVITATION, token)
        invitation.reminders += 1
        pairs.append((invitation, token))
    Invitation.objects.bulk_update([i for i, _ in pairs], ["token_hash", "reminders"], 1000)
    _send(survey, [(i.staff, t) for i, t in pairs], reminder=True)
    record(survey.organisation, actor, "send reminders", survey.title)  # no count: see below
    return len(pairs)


def _send(survey: Survey, pairs: Sequence[tuple[StaffMember, str]], reminder: bool) -> None:
    from ethos.surveys.emails import invitation_message

    batch = settings.ETHOS_REMINDER_BATCH
    for start in range(0, len(pairs), batch):
        chunk = pairs[start : start + batch]
        messages = [invitation_message(survey, m, t, reminder) for m, t in chunk]
        with mail.get_connection() as smtp:
            smtp.send_messages(messages)
        Invitation.objects.filter(survey=survey, staff__in=[m for m, _ in chunk]).update(
            sent_on=today()
        )


def create_kiosk_code(survey: Survey, unit: Unit) -> str:
    """A code for a shared device on ``unit``'s ward; shown once."""
    if unit.organisation_id != survey.organisation_id:
        raise ValidationError("That unit belongs to another organisation.")
    code = new_code()
    KioskCode.objects.create(survey=survey, unit=unit, code_hash=keyed_hash(KIOSK, code))
    return code


def create_open_link(survey: Survey) -> str:
    """A new open-link key (replacing any earlier one); the respondent picks their unit."""
    key = new_token()
    survey.open_link_hash = keyed_hash(OPEN_LINK, key)
    survey.save(update_fields=["open_link_hash"])
    return key


def survey_for_open_link(key: str) -> Survey | None:
    return Survey.objects.filter(open_link_hash=keyed_hash(OPEN_LINK, key)).first()


def kiosk_for_code(code: str) -> KioskCode | None:
    return (
        KioskCode.objects.select_related("survey", "unit")
        .filter(code_hash=keyed_hash(KIOSK, normalise_code(code)), active=True)
        .first()
    )


def response_counts(survey: Survey) -> tuple[int, int]:
    """``(responses, invitations)`` for the survey's whole population."""
    return Response.objects.filter(survey=survey).count(), survey.invitations.count()
