"""Organisations, unit trees, roster entries, roles and API tokens.

Models hold single-row rules only; every change of state goes through
:mod:`ethos.organisations.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from ethos.web.config import MIN_GROUP_FLOOR


class Organisation(models.Model):
    """A tenant: a trust or integrated care system. Nothing is shared between tenants."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    min_group_size = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(MIN_GROUP_FLOOR)]
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A node of the organisation's tree (directorate, division, ward, team...).

    ``path`` is the materialised path of primary keys (``"/1/7/42/"``), so a subtree is one
    indexed prefix query.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="units")
    code = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=1000, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="unit_code_per_org")
        ]
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StaffMember(models.Model):
    """One row of the roster. Used to address invitations; never joined to any response."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff")
    staff_id = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="staff")
    staff_group = models.CharField(max_length=100, blank=True)
    pay_band = models.CharField(max_length=40, blank=True)
    line_manager = models.BooleanField(default=False)
    demographics = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "staff_id"], name="staff_id_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.staff_id})"


class Role(models.Model):
    """What a user may do in an organisation. A unit manager's role names her unit."""

    ADMIN = "admin"
    ANALYST = "analyst"
    MANAGER = "manager"
    BOARD = "board"
    CHOICES = [
        (ADMIN, "Organisation admin"),
        (ANALYST, "Analyst"),
        (MANAGER, "Unit manager"),
        (BOARD, "Board viewer"),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=CHOICES)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role", "unit"], name="one_role_grant"
            ),
            models.CheckConstraint(
                condition=models.Q(role="manager", unit__isnull=False)
                | (~models.Q(role="manager") & models.Q(unit__isnull=True)),
                name="manager_role_names_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.organisation}"


class ApiToken(models.Model):
    """A personal API token. Only a keyed hash is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class AuditEvent(models.Model):
    """One staff action worth answering for later: done or refused, by whom, on what.

    The audit log records what staff do (imports, opening and closing surveys, exports, and
    every refused attempt to identify respondents). It never records anything a respondent
    does. Events are appended, never changed.
    """

    DONE, REFUSED = "done", "refused"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=60)
    target = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=[(DONE, "Done"), (REFUSED, "Refused")])
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are appended, never changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.action} {self.target}: {self.outcome}"
