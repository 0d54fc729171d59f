"""Changes of state for 360 cycles: create, add subjects, open, close, and progress.

Nominating and approving raters live in :mod:`ethos.feedback.nominating`, rating in
:mod:`ethos.feedback.rating` and reports in :mod:`ethos.feedback.reports`. Every function
here is shared by the pages, the API and the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ethos.errors import InputError
from ethos.feedback import emails
from ethos.feedback.models import Cycle, Rating, Subject
from ethos.instruments.loader import NAMED, shipped_text
from ethos.organisations.models import Organisation, StaffMember
from ethos.stats.feedback360 import MIN_RATERS_FLOOR
from ethos.surveys.instrument import instrument_of
from ethos.web import heap
from ethos.web.tokens import keyed_hash, new_token

NOMINATION = "360-nomination"
APPROVAL = "360-approval"
RATING = "360-rating"
REPORT = "360-report"
INSTRUMENT = "leadership360"
MAX_RATERS = 50


def today() -> dt.date:
    return timezone.localdate()


def create_cycle(
    organisation: Organisation,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
    min_raters: int = MIN_RATERS_FLOOR,
    instrument: str = INSTRUMENT,
) -> Cycle:
    """Create a draft cycle from a shipped instrument id or a 360 instrument's YAML text.

    ``min_raters`` is the minimum number of raters for an anonymous group to be shown: at
    least 3, never fewer. Raises :class:`ValidationError` with a message per field.
    """
    problems: dict[str, str] = {}
    title = " ".join(title.split())  # one line: it becomes an email subject
    if not title:
        problems["title"] = "Enter a title for the cycle."
    if isinstance(min_raters, bool) or not isinstance(min_raters, int):
        problems["min_raters"] = "Enter the minimum number of raters as a whole number."
    elif min_raters < MIN_RATERS_FLOOR:
        problems["min_raters"] = f"The minimum number of raters cannot be below {MIN_RATERS_FLOOR}."
    elif min_raters > MAX_RATERS:
        problems["min_raters"] = f"The minimum number of raters cannot be above {MAX_RATERS}."
    if closes_on < opens_on:
        problems["closes_on"] = "The closing date must be on or after the opening date."
    yaml_text, parsed = _instrument(instrument, problems)
    if problems:
        raise ValidationError(problems)
    return Cycle.objects.create(
        organisation=organisation,
        title=title,
        instrument_id=parsed.id,
        instrument_yaml=yaml_text,
        opens_on=opens_on,
        closes_on=closes_on,
        min_raters=min_raters,
    )


def _instrument(instrument: str, problems: dict[str, str]) -> tuple[str, object]:
    text = shipped_text(instrument) if instrument in NAMED else instrument
    try:
        parsed = instrument_of(text)
    except InputError as exc:
        problems["instrument"] = str(exc)
        return text, None
    if any(m.is_percent for m in parsed.measures) or not parsed.items:
        problems["instrument"] = "A 360 instrument needs items and mean-score measures."
    return text, parsed


def add_subject(cycle: Cycle, staff_id: str, manager_staff_id: str) -> Subject:
    """Add a leader and their manager, both found by staff id on the organisation's roster.

    When the cycle is already open, the subject is sent their nomination link at once.
    """
    if cycle.status == Cycle.CLOSED:
        raise ValidationError("The cycle is closed.")
    problems: dict[str, str] = {}
    staff = _on_roster(cycle, staff_id, "staff_id", problems)
    manager = _on_roster(cycle, manager_staff_id, "manager_staff_id", problems)
    if staff and manager and staff.pk == manager.pk:
        problems["manager_staff_id"] = "The manager must be someone other than the leader."
    if staff and cycle.subjects.filter(staff=staff).exists():
        problems["staff_id"] = f"{staff.name} is already in this cycle."
    if problems:
        raise ValidationError(problems)
    subject = Subject.objects.create(cycle=cycle, staff=staff, manager=manager)
    if cycle.status == Cycle.OPEN:
        _send_nomination_links([subject])
    return subject


def _on_roster(
    cycle: Cycle, staff_id: str, field: str, problems: dict[str, str]
) -> StaffMember | None:
    staff_id = (staff_id or "").strip()
    if not staff_id:
        problems[field] = "Enter a staff ID."
        return None
    found = StaffMember.objects.filter(
        organisation=cycle.organisation_id, staff_id=staff_id, active=True
    ).first()
    if found is None:
        problems[field] = f"No one with staff ID {staff_id} is on your organisation's roster."
    return found


def open_cycle(cycle: Cycle) -> int:
    """Open a draft cycle and email each subject their nomination link. Returns how many."""
    if cycle.status != Cycle.DRAFT:
        raise ValidationError("Only a draft cycle can be opened.")
    if not cycle.subjects.exists():
        raise ValidationError("Add at least one leader before opening the cycle.")
    cycle.status = Cycle.OPEN
    cycle.opens_on = min(cycle.opens_on, today())
    cycle.save(update_fields=["status", "opens_on"])
    subjects = list(cycle.subjects.filter(status=Subject.NOMINATING))
    _send_nomination_links(subjects)
    return len(subjects)


def _send_nomination_links(subjects: list[Subject]) -> None:
    pairs = [(s, new_token()) for s in subjects]
    for subject, token in pairs:
        subject.nomination_hash = keyed_hash(NOMINATION, token)
    Subject.objects.bulk_update([s for s, _ in pairs], ["nomination_hash"])
    emails.send([emails.nomination_message(s, t) for s, t in pairs])


def accepting(cycle: Cycle) -> bool:
    """Whether the cycle takes nominations, approvals and ratings today."""
    return cycle.status == Cycle.OPEN and cycle.opens_on <= today() <= cycle.closes_on


def close_cycle(cycle: Cycle) -> int:
    """Close an open cycle for good and email each subject a link to their report.

    Returns how many subjects were sent one. No rating is accepted afterwards, so a report
    never changes once published.
    """
    if cycle.status != Cycle.OPEN:
        raise ValidationError("Only an open cycle can be closed.")
    subjects = list(cycle.subjects.select_related("staff", "cycle__organisation"))
    pairs = [(s, new_token()) for s in subjects]
    with transaction.atomic():
        cycle.status = Cycle.CLOSED
        cycle.save(update_fields=["status"])
        for subject, token in pairs:
            subject.report_hash = keyed_hash(REPORT, token)
            subject.nomination_hash = subject.approval_hash = ""
        Subject.objects.bulk_update(
            [s for s, _ in pairs], ["report_hash", "nomination_hash", "approval_hash"]
        )
    for subject in subjects:  # PostgreSQL: ratings in key order with one transaction id
        heap.settle_all(Rating, "subject", subject.pk)
    emails.send([emails.report_message(s, t) for s, t in pairs])
    return len(pairs)


@dataclass(frozen=True)
class Progress:
    """A subject's progress while the cycle runs: totals only, never a count per group.

    How many of a small group have responded would itself tell who has (a group of two
    with one response), so only the subject's total of invites and responses is given.
    """

    subject: Subject
    invited: int
    responded: int


def progress(cycle: Cycle) -> list[Progress]:
    """Every subject of the cycle with their invite and response totals (one query)."""
    subjects = cycle.subjects.select_related("staff", "manager").annotate(
        invited=Count("invites"),
        responded=Count("invites", filter=Q(invites__unanswered__isnull=True)),
    )
    return [Progress(s, s.invited, s.responded) for s in subjects]  # type: ignore[attr-defined]
