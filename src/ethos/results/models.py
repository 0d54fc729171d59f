"""Result snapshots: the published cells of a survey, computed at close or in batches.

A snapshot holds only what disclosure control published (as Parquet bytes of the cells
frame), so pages and the API read numbers that have already passed the choke point. While a
survey is open, interim snapshots are taken only after at least ``min_group_size`` new
responses and publish the organisation level only; see docs/methods/disclosure-control.md.
"""

from __future__ import annotations

from django.db import models

from ethos.surveys.models import Survey


class Snapshot(models.Model):
    FINAL = "final"
    INTERIM = "interim"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="snapshots")
    kind = models.CharField(max_length=10, choices=[(FINAL, "Final"), (INTERIM, "Interim")])
    responses = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    cells = models.BinaryField()
    comments = models.JSONField(default=list)
    reliability = models.JSONField(default=list)

    class Meta:
        get_latest_by = "created"
        ordering = ["-created"]
