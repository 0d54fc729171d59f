"""Peer nomination pages for the people who run the programme.

Campaigns are looked up within the viewer's own organisation, so another trust's campaign is
"not found". ``MANAGE_LEADERSHIP`` (administrators and analysts) runs campaigns and sees
the published aggregates; only ``VIEW_NOMINEES`` (administrators) sees names. Nominators
appear on no page. The public pages (nominating and opting out with a personal link) are
in :mod:`ethos.nominations.public`.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from ethos.nominations import forms, services
from ethos.nominations.models import VALUE_NAMES, Campaign, OptOut
from ethos.nominations.publish import Result, campaign_result
from ethos.organisations import access

T = "nominations/"


def _campaign(request: HttpRequest, campaign_id: uuid.UUID) -> Campaign:
    viewer = request.viewer  # type: ignore[attr-defined]
    return get_object_or_404(Campaign, pk=campaign_id, organisation=viewer.organisation)


def status_text(campaign: Campaign) -> str:
    return {
        Campaign.DRAFT: _("Draft"),
        Campaign.OPEN: _("Open"),
        Campaign.CLOSED: _("Closed"),
    }[campaign.status]


@access.requires(access.MANAGE_LEADERSHIP)
def index(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    campaigns = Campaign.objects.filter(organisation=viewer.organisation)
    context = {
        "title": _("Peer nomination of leaders"),
        "campaigns": campaigns,
        "status_text": status_text,
        "can_see_names": viewer.can(access.VIEW_NOMINEES),
    }
    return render(request, T + "index.jinja", context)


@access.requires(access.MANAGE_LEADERSHIP)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    organisation = request.viewer.organisation  # type: ignore[attr-defined]
    if request.method == "POST":
        form = forms.read_campaign(request.POST)
        if not form.errors:
            try:
                campaign = services.create_campaign(organisation, **form.arguments)
            except ValidationError as exc:
                form.add(exc)
            else:
                messages.success(request, _("The campaign was created as a draft."))
                return redirect("nominations:detail", campaign.pk)
    else:
        form = forms.initial()
    context = {
        "title": _("Create a nomination campaign"),
        "form": form,
        "errors": form.summary(),
        "value_items": forms.value_items(),
        "back": reverse("nominations:index"),
    }
    return render(request, T + "new.jinja", context)


@access.requires(access.MANAGE_LEADERSHIP)
def detail(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    context = {
        "title": campaign.title,
        "campaign": campaign,
        "status": status_text(campaign),
        "counts": services.campaign_counts(campaign),
        "value_names": [VALUE_NAMES.get(v, v) for v in campaign.values],
        "back": reverse("nominations:index"),
    }
    return render(request, T + "detail.jinja", context)


@access.requires(access.MANAGE_LEADERSHIP)
@require_POST
def open_campaign(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    try:
        sent = len(services.open_campaign(campaign))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = ngettext(
            "The campaign is open. %(n)s personal link was emailed.",
            "The campaign is open. %(n)s personal links were emailed.",
            sent,
        )
        messages.success(request, text % {"n": f"{sent:,}"})
    return redirect("nominations:detail", campaign.pk)


@access.requires(access.MANAGE_LEADERSHIP)
@require_http_methods(["GET", "POST"])
def close_campaign(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    """GET asks for confirmation (closing is final); POST closes and publishes the result."""
    campaign = _campaign(request, campaign_id)
    if request.method == "POST":
        try:
            services.close_campaign(campaign)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("nominations:detail", campaign.pk)
        messages.success(request, _("The campaign is closed and its result is published."))
        return redirect("nominations:results", campaign.pk)
    context = {
        "title": _("Close %(title)s?") % {"title": campaign.title},
        "campaign": campaign,
        "back": reverse("nominations:detail", args=[campaign.pk]),
    }
    return render(request, T + "close.jinja", context)


def _result(request: HttpRequest, campaign_id: uuid.UUID) -> Result:
    campaign = _campaign(request, campaign_id)
    result = campaign_result(campaign, request.viewer)  # type: ignore[attr-defined]
    if result is None:
        raise Http404("This campaign has no published result yet: close it first.")
    return result


@access.requires(access.MANAGE_LEADERSHIP)
def results(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    result = _result(request, campaign_id)
    viewer = request.viewer  # type: ignore[attr-defined]
    context = {
        "title": _("Result: %(title)s") % {"title": result.campaign.title},
        "result": result,
        "figures": result.figures,
        "value_names": VALUE_NAMES,
        "can_see_names": viewer.can(access.VIEW_NOMINEES),
        "back": reverse("nominations:detail", args=[result.campaign.pk]),
        "column": "full",
    }
    return render(request, T + "results.jinja", context)


@access.requires(access.VIEW_NOMINEES)
def names(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    result = _result(request, campaign_id)
    context = {
        "title": _("Widely nominated colleagues: %(title)s") % {"title": result.campaign.title},
        "result": result,
        "nominees": result.nominees or [],
        "back": reverse("nominations:results", args=[result.campaign.pk]),
        "column": "full",
    }
    return render(request, T + "names.jinja", context)


@access.requires(access.VIEW_NOMINEES)
@require_http_methods(["GET", "POST"])
def opt_outs(request: HttpRequest) -> HttpResponse:
    """Record an opt-out a member of staff asked an administrator for. The page says how
    many have opted out, never who."""
    organisation = request.viewer.organisation  # type: ignore[attr-defined]
    errors: dict[str, str] = {}
    typed = ""
    if request.method == "POST":
        typed = request.POST.get("staff_id", "").strip()
        try:
            if not typed:
                raise ValidationError({"staff_id": _("Enter the staff ID of the person.")})
            services.record_opt_out(organisation, typed)
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
        else:
            text = _("The opt-out is recorded: %(id)s cannot be nominated in any campaign.")
            messages.success(request, text % {"id": typed})
            return redirect("nominations:opt_outs")
    context = {
        "title": _("People who opted out of being nominated"),
        "opted": OptOut.objects.filter(organisation=organisation).count(),
        "errors": [{"text": m, "href": f"#{k}"} for k, m in errors.items()],
        "field_errors": errors,
        "typed": typed,
        "back": reverse("nominations:index"),
    }
    return render(request, T + "opt_outs.jinja", context)
