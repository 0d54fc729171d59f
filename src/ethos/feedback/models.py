"""360 cycles, their subjects, nominations, rater invitations and ratings.

The anonymity of a rating rests, as a survey response's does, on what is *not* here:

- a :class:`RaterInvite` holds the rater (to email them), their group and a keyed hash of
  their token, and no reference to any rating. Rating deletes the invite's
  :class:`Unanswered` row and never writes to the invite: an update would leave a row version
  stamped (on PostgreSQL) with the id of the transaction that stored the rating, so a
  ``SELECT xmin`` would join each rating to its rater;
- a :class:`Rating` holds the subject, the rater group, the answers and the day only: no
  reference to any invite, person, token, IP address or user agent. Its key is a random
  UUID, and on SQLite the table is created ``WITHOUT ROWID`` (migration 0002), so rows are
  stored in key order, not submission order.

Each token (the subject's nomination link, the manager's approval link, each rater's link and
the subject's report link) is emailed once and never stored: only its keyed hash is kept.
"""

from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator
from django.db import models

from ethos.organisations.models import Organisation, StaffMember
from ethos.stats.feedback360 import MIN_RATERS_FLOOR

SELF, MANAGER, PEER, DIRECT_REPORT, OTHER = "self", "manager", "peer", "direct_report", "other"
NOMINATED_GROUPS = (PEER, DIRECT_REPORT, OTHER)
GROUP_CHOICES = [
    (SELF, "Self"),
    (MANAGER, "Manager"),
    (PEER, "Peer"),
    (DIRECT_REPORT, "Direct report"),
    (OTHER, "Other"),
]


class Cycle(models.Model):
    """One round of 360s in an organisation, with its own copy of the instrument."""

    DRAFT, OPEN, CLOSED = "draft", "open", "closed"
    STATUSES = [(DRAFT, "Draft"), (OPEN, "Open"), (CLOSED, "Closed")]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="feedback_cycles"
    )
    title = models.CharField(max_length=200)
    instrument_id = models.CharField(max_length=60)
    instrument_yaml = models.TextField(help_text="The instrument as it was when created.")
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT)
    opens_on = models.DateField()
    closes_on = models.DateField()
    min_raters = models.PositiveSmallIntegerField(
        default=MIN_RATERS_FLOOR, validators=[MinValueValidator(MIN_RATERS_FLOOR)]
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_raters__gte=MIN_RATERS_FLOOR), name="min_raters_floor"
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="cycle_closes_after_opens",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Subject(models.Model):
    """A leader who receives feedback in a cycle, and the manager who approves their raters."""

    NOMINATING, AWAITING_APPROVAL, APPROVED = "nominating", "awaiting_approval", "approved"
    STATUSES = [
        (NOMINATING, "Choosing raters"),
        (AWAITING_APPROVAL, "Waiting for the manager's approval"),
        (APPROVED, "Raters invited"),
    ]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="subjects")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    manager = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=STATUSES, default=NOMINATING)
    nomination_hash = models.CharField(max_length=64, blank=True, db_index=True)
    approval_hash = models.CharField(max_length=64, blank=True, db_index=True)
    report_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["staff__name"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "staff"], name="one_subject_per_cycle"),
            models.CheckConstraint(
                condition=~models.Q(staff=models.F("manager")), name="manager_is_someone_else"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} in {self.cycle}"


class Nomination(models.Model):
    """Someone the subject asked for feedback, in a group; the manager may remove them."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="nominations")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=20, choices=GROUP_CHOICES)
    approved = models.BooleanField(default=False)

    class Meta:
        ordering = ["group", "staff__name"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "staff"], name="one_nomination_each"),
            models.CheckConstraint(
                condition=models.Q(group__in=NOMINATED_GROUPS), name="nominated_group"
            ),
        ]


class RaterInvite(models.Model):
    """A rater's personal link: whom to email and their group. It has been used when its
    :class:`Unanswered` row is gone; rating never changes this row."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="invites")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=20, choices=GROUP_CHOICES)
    token_hash = models.CharField(max_length=64, unique=True)
    sent_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "staff"], name="one_invite_each"),
        ]

    @property
    def responded(self) -> bool:
        return not Unanswered.objects.filter(invite=self.pk).exists()


class Unanswered(models.Model):
    """A rater link not yet used; rating deletes it in the transaction that stores the rating."""

    invite = models.OneToOneField(
        RaterInvite, primary_key=True, on_delete=models.CASCADE, related_name="unanswered"
    )


class Rating(models.Model):
    """One submitted rating of a subject: the rater group, the answers and the day. Never
    changed; on PostgreSQL the latest few are written again in key order at each rating."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="ratings")
    group = models.CharField(max_length=20, choices=GROUP_CHOICES)
    submitted_on = models.DateField()
    answers = models.JSONField()
    submission_key = models.UUIDField(unique=True)
    # PostgreSQL only: True while in the mixing pool that each submission rewrites, else NULL
    # (ethos.web.heap). Nullable, so that SQLite adds the column without rebuilding the table,
    # which would lose WITHOUT ROWID.
    mixing = models.BooleanField(null=True, editable=False)
