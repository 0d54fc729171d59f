"""Imported workforce files, one per organisation, reporting year and kind.

A file is analysed whole and never queried row by row, so it is stored as the validated,
typed frame (Parquet bytes), replaced in one transaction when the file is imported again.
Workforce records hold special category data (ethnicity, disability): they are read only by
the analyses in :mod:`ethos.workforce.services`, whose outputs pass disclosure control.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ethos.organisations.models import Organisation
from ethos.workforce.schema import KINDS


class WorkforceFile(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="workforce_files"
    )
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=[(k, k) for k in KINDS])
    filename = models.CharField(max_length=255)
    rows = models.PositiveIntegerField()
    frame = models.BinaryField()
    imported = models.DateTimeField(auto_now=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "kind"], name="one_workforce_file_per_year"
            )
        ]
        ordering = ["-year", "kind"]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}"
