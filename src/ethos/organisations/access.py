"""Who may see and do what. Every access decision in Ethos goes through these helpers.

The organisation and the units a user may see are derived here from the signed-in user's
roles, never from an id the client sends. Views, the API and tests all use the same helpers:

- :func:`viewer_for` turns a user into a :class:`Viewer` (or refuses);
- :meth:`Viewer.require` checks a capability;
- :meth:`Viewer.units` and :meth:`Viewer.can_see_unit` scope unit-level results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from ethos.organisations.models import Organisation, Role, Unit

# Capabilities and the roles that hold them.
MANAGE_ORGANISATION = "manage_organisation"  # roster import, units, users
MANAGE_SURVEYS = "manage_surveys"  # create, open, close, invite
VIEW_RESULTS = "view_results"  # results, scoped to the viewer's units
VIEW_COMMENTS = "view_comments"
EXPORT_RESULTS = "export_results"
MANAGE_WORKFORCE = "manage_workforce"  # import workforce, recruitment, case and outcome files
VIEW_WORKFORCE = "view_workforce"  # WRES, WDES, leadership workforce, culture and outcomes
MANAGE_LEADERSHIP = "manage_leadership"  # 360 cycles and reports, nomination campaigns
VIEW_NOMINEES = "view_nominees"  # the names of widely nominated colleagues

CAPABILITIES: dict[str, frozenset[str]] = {
    MANAGE_ORGANISATION: frozenset({Role.ADMIN}),
    MANAGE_SURVEYS: frozenset({Role.ADMIN, Role.ANALYST}),
    VIEW_RESULTS: frozenset({Role.ADMIN, Role.ANALYST, Role.MANAGER, Role.BOARD}),
    VIEW_COMMENTS: frozenset({Role.ADMIN, Role.ANALYST, Role.MANAGER}),
    EXPORT_RESULTS: frozenset({Role.ADMIN, Role.ANALYST}),
    MANAGE_WORKFORCE: frozenset({Role.ADMIN, Role.ANALYST}),
    VIEW_WORKFORCE: frozenset({Role.ADMIN, Role.ANALYST, Role.BOARD}),
    MANAGE_LEADERSHIP: frozenset({Role.ADMIN, Role.ANALYST}),
    VIEW_NOMINEES: frozenset({Role.ADMIN}),
}


View = Callable[..., HttpResponse]


class NoOrganisation(PermissionDenied):
    """The user holds no role in any organisation."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in user as one organisation sees them."""

    user_id: int
    organisation: Organisation
    roles: frozenset[str]
    manager_paths: tuple[str, ...]  # subtree roots of the user's manager roles

    @property
    def whole_organisation(self) -> bool:
        return bool(self.roles - {Role.MANAGER})

    def can(self, capability: str) -> bool:
        return bool(self.roles & CAPABILITIES[capability])

    def require(self, capability: str) -> None:
        if not self.can(capability):
            raise PermissionDenied(f"Your role does not allow this ({capability}).")

    def units(self) -> QuerySet[Unit]:
        """The units whose results this viewer may see."""
        units = Unit.objects.filter(organisation=self.organisation)
        if self.whole_organisation:
            return units
        scope = Q(pk__in=[])
        for path in self.manager_paths:
            scope |= Q(path__startswith=path)
        return units.filter(scope)

    def can_see_unit(self, unit: Unit) -> bool:
        if unit.organisation_id != self.organisation.pk:
            return False
        return self.whole_organisation or unit.path.startswith(self.manager_paths)

    def scope_paths(self) -> tuple[str, ...] | None:
        """``None`` for the whole organisation, else the subtree path prefixes."""
        return None if self.whole_organisation else self.manager_paths


def viewer_for(user: object) -> Viewer:
    """The :class:`Viewer` for a signed-in user, or :class:`NoOrganisation`.

    A user belongs to exactly one organisation (the service that grants roles enforces it).
    """
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Sign in first.")
    roles = list(Role.objects.filter(user_id=user.pk).select_related("organisation", "unit"))  # type: ignore[attr-defined]
    if not roles:
        raise NoOrganisation("Your account has no role in any organisation.")
    organisation = roles[0].organisation
    return Viewer(
        user_id=user.pk,  # type: ignore[attr-defined]
        organisation=organisation,
        roles=frozenset(r.role for r in roles),
        manager_paths=tuple(r.unit.path for r in roles if r.role == Role.MANAGER and r.unit),
    )


def requires(capability: str) -> Callable[[View], View]:
    """Decorate a page view: sign-in required, then ``capability``; sets ``request.viewer``.

    Anonymous users are sent to the sign-in page; a user without the capability gets 403.
    The decorated view records its capability so tests generated from the URL configuration
    can check every page.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            viewer = viewer_for(request.user)
            viewer.require(capability)
            request.viewer = viewer  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        wrapped.ethos_capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorate


def public(view: View) -> View:
    """Mark a view as open to everyone (respondent pages, sign-in, static information)."""
    view.ethos_public = True  # type: ignore[attr-defined]
    return view
