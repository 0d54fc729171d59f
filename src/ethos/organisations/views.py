"""Organisation pages: the unit tree, roster import, users."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ethos.organisations import access
from ethos.organisations.models import Unit


@access.requires(access.MANAGE_ORGANISATION)
def units(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    tree = Unit.objects.filter(organisation=viewer.organisation).order_by("path")
    return render(request, "organisations/units.jinja", {"title": "Organisation", "units": tree})
