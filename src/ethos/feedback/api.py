"""API: 360 cycles, their leaders' progress and the published reports (the same services
and presenters as the pages). Another organisation's cycle or leader is "not found", and so
is a report before its cycle closes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from ethos.feedback import services
from ethos.feedback.models import Cycle, Subject
from ethos.feedback.presenters import published
from ethos.feedback.reports import NotPublished
from ethos.organisations import access
from ethos.web.api import requires, viewer

router = Router(tags=["feedback"])


class CycleOut(Schema):
    id: uuid.UUID
    title: str
    instrument_id: str
    status: str
    opens_on: dt.date
    closes_on: dt.date
    min_raters: int


class SubjectOut(Schema):
    id: uuid.UUID
    name: str
    staff_id: str
    manager: str
    status: str
    invited: int
    responded: int


def _cycle(request: HttpRequest, cycle_id: uuid.UUID) -> Cycle:
    return get_object_or_404(Cycle, pk=cycle_id, organisation=viewer(request).organisation)


@router.get("/cycles", response=list[CycleOut], **requires(access.MANAGE_LEADERSHIP))
def list_cycles(request: HttpRequest) -> object:
    """The organisation's 360 cycles, newest first."""
    return Cycle.objects.filter(organisation=viewer(request).organisation)


@router.get(
    "/cycles/{cycle_id}/subjects",
    response=list[SubjectOut],
    **requires(access.MANAGE_LEADERSHIP),
)
def list_subjects(request: HttpRequest, cycle_id: uuid.UUID) -> object:
    """A cycle's leaders with their progress: totals invited and responded, never per group."""
    return [
        {
            "id": p.subject.pk,
            "name": p.subject.staff.name,
            "staff_id": p.subject.staff.staff_id,
            "manager": p.subject.manager.name,
            "status": p.subject.status,
            "invited": p.invited,
            "responded": p.responded,
        }
        for p in services.progress(_cycle(request, cycle_id))
    ]


@router.get("/subjects/{subject_id}/report", **requires(access.MANAGE_LEADERSHIP))
def subject_report(request: HttpRequest, subject_id: uuid.UUID) -> dict[str, Any]:
    """A leader's published 360 report (404 before the cycle closes): every figure by group
    or hidden with its reason, all others, the self-other gap, rwg(j) agreement, strengths,
    development areas, blind spots, comments and their team's culture results."""
    query = Subject.objects.select_related("cycle", "staff__unit", "manager")
    subject = get_object_or_404(
        query, pk=subject_id, cycle__organisation=viewer(request).organisation
    )
    try:
        return published(subject).as_dict()
    except NotPublished:
        raise Http404("The report is published when the cycle closes.") from None
