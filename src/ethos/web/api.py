"""The REST API under ``/api/v1`` (django-ninja). OpenAPI at ``/api/v1/openapi.json``.

Authentication is a personal token (``Authorization: Bearer <token>``); the same access
helpers as the pages decide what each token's user may see. Each operation declares the
capability it needs with :func:`requires`, which also records it in the OpenAPI document as
``x-ethos-capability`` so tests generated from the schema can check every operation.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer

from ethos.organisations import access
from ethos.organisations.models import ApiToken
from ethos.organisations.services import API_TOKEN_PURPOSE as TOKEN_PURPOSE
from ethos.web.tokens import keyed_hash


class TokenAuth(HttpBearer):
    """A personal token whose user holds ``capability`` (401 without one, 403 without it).

    The check runs before the request body is read, so a caller without the capability
    learns nothing from validation errors.
    """

    def __init__(self, capability: str | None = None) -> None:
        super().__init__()
        self.capability = capability

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=keyed_hash(TOKEN_PURPOSE, token), user__is_active=True)
            .first()
        )
        if found is None:
            return None
        try:
            who = access.viewer_for(found.user)
        except access.PermissionDenied:
            return None
        if self.capability is not None:
            who.require(self.capability)
        request.user = found.user
        request.viewer = who  # type: ignore[attr-defined]
        return found.user


api = NinjaAPI(
    title="Ethos API",
    version="1",
    description="The Ethos REST API. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url="/docs",
)


def requires(capability: str) -> dict[str, Any]:
    """Keyword arguments for an operation that needs ``capability``: its authentication and
    the ``x-ethos-capability`` OpenAPI extension that tests read."""
    return {"auth": TokenAuth(capability), "openapi_extra": {"x-ethos-capability": capability}}


def viewer(request: HttpRequest) -> access.Viewer:
    """The request's viewer, set by :class:`TokenAuth`."""
    found: access.Viewer = request.viewer  # type: ignore[attr-defined]
    return found


@api.exception_handler(access.PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> Any:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


def _register() -> None:
    from ethos.feedback.api import router as feedback
    from ethos.nominations.api import router as nominations
    from ethos.organisations.api import router as organisations
    from ethos.results.api import router as results
    from ethos.surveys.api import router as surveys
    from ethos.workforce.api import router as workforce

    api.add_router("/", organisations)
    api.add_router("/surveys", surveys)
    api.add_router("/results", results)
    api.add_router("/", workforce)
    api.add_router("/feedback", feedback)
    api.add_router("/nominations", nominations)


_register()
