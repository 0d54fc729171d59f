"""API for nominations: campaigns and their published results (the same services as the pages).

The aggregate result and the names of widely nominated colleagues are separate operations,
so that each needs exactly one capability: ``MANAGE_LEADERSHIP`` for the aggregates,
``VIEW_NOMINEES`` for the names. Nominators appear in no answer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from ethos.nominations.models import Campaign
from ethos.nominations.publish import Result, campaign_result
from ethos.organisations import access
from ethos.web.api import requires, viewer

router = Router(tags=["nominations"])


class CampaignOut(Schema):
    id: uuid.UUID
    title: str
    status: str
    opens_on: dt.date
    closes_on: dt.date
    threshold: int
    values: list[str]


class NomineeOut(Schema):
    staff_id: str
    name: str
    unit_code: str
    unit_name: str
    received: int
    nominators: int
    units_reached: int
    outside_units: int
    brokerage: float
    ratio: float
    z: float
    holds_post: bool
    informal_leader: bool
    values: list[tuple[str, int]]


class NomineesOut(Schema):
    campaign: uuid.UUID
    threshold: int
    nominees: list[NomineeOut]


def _result(request: HttpRequest, campaign_id: uuid.UUID) -> Result:
    who = viewer(request)
    campaign = get_object_or_404(Campaign, pk=campaign_id, organisation=who.organisation)
    result = campaign_result(campaign, who)
    if result is None:
        raise Http404("This campaign has no published result yet.")
    return result


@router.get("/campaigns", response=list[CampaignOut], **requires(access.MANAGE_LEADERSHIP))
def list_campaigns(request: HttpRequest) -> Any:
    """The organisation's nomination campaigns, newest first."""
    return Campaign.objects.filter(organisation=viewer(request).organisation)


@router.get("/campaigns/{campaign_id}/result", response=dict, **requires(access.MANAGE_LEADERSHIP))
def result(request: HttpRequest, campaign_id: uuid.UUID) -> Any:
    """The published aggregates of a closed campaign: counts, nominations by value, and the
    diversity tables and relative likelihoods (a hidden figure is ``{"hidden": true,
    "reason": ...}``). No names: see ``nominees``."""
    found = _result(request, campaign_id)
    return {"campaign": str(found.campaign.pk), "published": found.created, **found.figures}


@router.get(
    "/campaigns/{campaign_id}/nominees",
    response=NomineesOut,
    **requires(access.VIEW_NOMINEES),
)
def nominees(request: HttpRequest, campaign_id: uuid.UUID) -> Any:
    """The colleagues nominated by at least the campaign's threshold of different people,
    with their figures (administrators only). People who opted out are never listed."""
    found = _result(request, campaign_id)
    return {
        "campaign": found.campaign.pk,
        "threshold": found.figures["threshold"],
        "nominees": found.nominees or [],
    }
