"""The REST API under ``/api/v1`` (django-ninja). OpenAPI at ``/api/v1/openapi.json``.

Authentication is a personal token (``Authorization: Bearer <token>``); the same access
helpers as the pages decide what each token's user may see. Each operation declares the
capability it needs in ``openapi_extra["x-ethos-capability"]`` so tests can check them all.
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
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=keyed_hash(TOKEN_PURPOSE, token), user__is_active=True)
            .first()
        )
        if found is None:
            return None
        request.user = found.user
        try:
            request.viewer = access.viewer_for(found.user)  # type: ignore[attr-defined]
        except access.PermissionDenied:
            return None
        return found.user


api = NinjaAPI(
    title="Ethos API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url="/docs",
)


def capability(name: str) -> dict[str, Any]:
    """``openapi_extra`` for an operation that needs ``name``."""
    return {"x-ethos-capability": name}


def viewer(request: HttpRequest, needs: str) -> access.Viewer:
    """The request's viewer, after checking it holds ``needs`` (403 otherwise)."""
    found: access.Viewer = request.viewer  # type: ignore[attr-defined]
    found.require(needs)
    return found


@api.exception_handler(access.PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> Any:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


def _register() -> None:
    from ethos.organisations.api import router as organisations
    from ethos.results.api import router as results
    from ethos.surveys.api import router as surveys

    api.add_router("/", organisations)
    api.add_router("/surveys", surveys)
    api.add_router("/results", results)


_register()
