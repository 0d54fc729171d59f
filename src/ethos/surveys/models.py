"""Surveys, invitations, kiosk codes, saved drafts and responses.

The anonymity of a response rests on what is *not* here:

- an :class:`Invitation` holds a keyed hash of its token and no reference to any response; a
  :class:`Response` holds no reference to any invitation, person, token, IP address or user
  agent;
- answering never writes to an invitation: it *deletes* the invitation's :class:`Unanswered`
  row. An update would write a new row version (on PostgreSQL at the end of the heap, and
  stamped with the id of the transaction that also stored the response), so the invitations
  would record who answered in which order, and a ``SELECT xmin`` would join each response
  to its invitee. A deleted row leaves nothing that a query or a dump can read;
- a response's key is a random UUID and its date is the day only; on SQLite the table is
  created ``WITHOUT ROWID``, so rows are stored in key order, not submission order;
- a :class:`Draft` (save and resume) is encrypted with a key derived from the resume code,
  which only the respondent holds.
"""

from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator
from django.db import models

from ethos.organisations.models import Organisation, StaffMember, Unit
from ethos.web.config import MIN_GROUP_FLOOR


class Survey(models.Model):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    STATUSES = [(DRAFT, "Draft"), (OPEN, "Open"), (CLOSED, "Closed")]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(max_length=200)
    instrument_id = models.CharField(max_length=60)
    instrument_yaml = models.TextField(help_text="The instrument as it was when created.")
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT)
    opens_on = models.DateField()
    closes_on = models.DateField()
    min_group_size = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(MIN_GROUP_FLOOR)]
    )
    population = models.ManyToManyField(Unit, related_name="surveys")
    breakdowns = models.JSONField(default=list, blank=True)
    # Every Ethos survey is anonymous, for good: there is no identified mode, and the database
    # refuses to store a survey that is not (see ``identify_survey``, which refuses and audits).
    anonymous = models.BooleanField(default=True, editable=False)
    UNITS, ORGANISATION = "units", "organisation"
    breakdowns_at = models.CharField(
        max_length=12,
        choices=[(UNITS, "Every unit"), (ORGANISATION, "The whole organisation only")],
        default=UNITS,
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_waves"
    )
    open_link_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=MIN_GROUP_FLOOR), name="min_group_floor"
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="closes_after_opens"
            ),
            models.CheckConstraint(condition=models.Q(anonymous=True), name="anonymous_for_good"),
        ]

    def __str__(self) -> str:
        return self.title


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def answered(self) -> InvitationQuerySet:
        return self.filter(unanswered__isnull=True)

    def unanswered(self) -> InvitationQuerySet:
        return self.filter(unanswered__isnull=False)


class Invitation(models.Model):
    """A personal invitation: who to email and a keyed hash of the token. Whether it has been
    used is whether its :class:`Unanswered` row is gone; answering never changes this row."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_on = models.DateField(null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "staff"], name="one_invitation_each")
        ]

    @property
    def responded(self) -> bool:
        return not Unanswered.objects.filter(invitation=self.pk).exists()


class Unanswered(models.Model):
    """An invitation not yet used. Using it deletes this row in the transaction that stores
    the response (see the module docstring for why a delete and not an update)."""

    invitation = models.OneToOneField(
        Invitation, primary_key=True, on_delete=models.CASCADE, related_name="unanswered"
    )


class KioskCode(models.Model):
    """A code for a shared ward device: every response made with it belongs to its unit."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="kiosk_codes")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE)
    code_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)


class Response(models.Model):
    """One submitted response: answers, the unit, the day. Never changed; on PostgreSQL the
    latest few are written again in key order at each submission (see ``ethos.web.heap``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # no index of its own: the (survey, unit) index below serves lookups by survey (migration 0007)
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField()
    answers = models.JSONField()
    submission_key = models.UUIDField(unique=True)
    # PostgreSQL only: True while in the mixing pool that each submission rewrites, else NULL
    # (ethos.web.heap). Nullable, so that SQLite adds the column without rebuilding the table,
    # which would lose WITHOUT ROWID.
    mixing = models.BooleanField(null=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["survey", "unit"])]


class Draft(models.Model):
    """A saved, unfinished response, encrypted under the respondent's resume code."""

    code_hash = models.CharField(primary_key=True, max_length=64)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    ciphertext = models.BinaryField()
    expires_on = models.DateField()
