"""Template context shared by every page: the header's navigation for the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ethos.organisations import access


@dataclass
class Navigation:
    signed_in: bool = False
    organisation_name: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    account: list[dict[str, Any]] = field(default_factory=list)


def navigation(request: HttpRequest) -> dict[str, Any]:
    nav = Navigation()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        nav.signed_in = True
        nav.account = [
            {"text": user.get_username(), "icon": True},
            {"href": reverse("logout"), "text": _("Sign out")},
        ]
        try:
            viewer = getattr(request, "viewer", None) or access.viewer_for(user)
        except access.PermissionDenied:
            viewer = None
        if viewer is not None:
            nav.organisation_name = viewer.organisation.name
            nav.items = _items(viewer, request.path)
    return {"nav": nav, "html_lang": translation.get_language() or "en-gb"}


def _items(viewer: access.Viewer, path: str) -> list[dict[str, Any]]:
    links = [
        (reverse("home"), _("Results"), access.VIEW_RESULTS),
        (reverse("surveys:index"), _("Manage surveys"), access.MANAGE_SURVEYS),
        (reverse("workforce:index"), _("Workforce"), access.VIEW_WORKFORCE),
        (reverse("feedback:index"), _("Leadership"), access.MANAGE_LEADERSHIP),
        (reverse("organisations:units"), _("Organisation"), access.MANAGE_ORGANISATION),
    ]
    return [
        {"href": href, "text": text, "current": path.startswith(href) and href != "/"}
        for href, text, capability in links
        if viewer.can(capability)
    ]
