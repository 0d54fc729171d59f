"""Nomination campaigns, personal links, nominations, opt-outs and published results.

Nominations are *confidential, not anonymous*: the network analysis needs to know who named
whom, so a :class:`Nomination` keeps the nominator's staff id. That id is read only by
:func:`ethos.nominations.services.close_campaign`, which hands it to the analysis; no page,
API answer or export ever shows it. What leaves the system is the :class:`CampaignResult`,
which holds only what the analysis published: aggregate figures, disclosure-controlled
diversity tables, and the figures of the nominees named by at least ``threshold`` different
colleagues (nothing about nominators, nothing about anyone below the threshold).

A :class:`NominatorInvite` holds a keyed hash of its token (the token itself is emailed once
and never stored) and a ``used`` flag: the link nominates once. An :class:`OptOut` is for
the organisation, not a campaign: whoever opts out is never nominable again.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models

from ethos.organisations.models import Organisation, StaffMember
from ethos.stats.nominations import NOMINATION_FLOOR

VALUE_NAMES: dict[str, str] = {
    "working_together": "Working together for patients",
    "respect_dignity": "Respect and dignity",
    "quality_of_care": "Commitment to quality of care",
    "compassion": "Compassion",
    "improving_lives": "Improving lives",
    "everyone_counts": "Everyone counts",
}
"""The NHS Constitution values staff nominate colleagues for (ids as in ``ethos.synth``)."""
MAX_REASON = 300
DEFAULT_THRESHOLD = 5


class Campaign(models.Model):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    STATUSES = [(DRAFT, "Draft"), (OPEN, "Open"), (CLOSED, "Closed")]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="nomination_campaigns"
    )
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT)
    opens_on = models.DateField()
    closes_on = models.DateField()
    threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_THRESHOLD,
        validators=[MinValueValidator(NOMINATION_FLOOR)],
        help_text="Different colleagues who must nominate someone before their name is shown.",
    )
    values = models.JSONField(default=list, help_text="Value ids, in the order asked.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold__gte=NOMINATION_FLOOR),
                name="nominations_threshold_floor",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="nominations_closes_after_opens",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NominatorInvite(models.Model):
    """A personal link to nominate: who it was sent to, a keyed hash of its token, and
    whether it has been used (it nominates once)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invites")
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)
    sent_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "staff"], name="nominations_one_invite_each"
            )
        ]


class Nomination(models.Model):
    """One colleague named for one value, with a short reason. Confidential: ``nominator`` is
    used only inside the network analysis and is never shown."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="nominations")
    nominator = models.CharField(max_length=60, help_text="The nominator's staff id.")
    nominee = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=40)
    reason = models.TextField(validators=[MaxLengthValidator(MAX_REASON)])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "nominator", "nominee", "value"],
                name="nominations_one_per_value",
            )
        ]


class OptOut(models.Model):
    """A member of staff who asked not to be nominated, in any campaign, from now on."""

    LINK = "link"
    ADMIN = "admin"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    via = models.CharField(
        max_length=10, choices=[(LINK, "Their personal link"), (ADMIN, "An administrator")]
    )
    created = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "staff"], name="nominations_one_opt_out_each"
            )
        ]


class CampaignResult(models.Model):
    """The published analysis of a closed campaign (see the module doc), made once at close
    so that no page ever runs the network analysis in a request."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="result")
    created = models.DateTimeField(auto_now_add=True)
    published = models.JSONField()
