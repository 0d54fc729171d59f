"""360 pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ethos.organisations import access


@access.requires(access.MANAGE_LEADERSHIP)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/index.jinja", {"title": _("Leadership 360s")})
