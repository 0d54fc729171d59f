"""Security headers on every response: a strict Content-Security-Policy and its companions.

Django's own middleware already sends ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``
(``same-origin``; respondent pages send ``no-referrer`` themselves), ``X-Frame-Options: DENY``
and ``Cross-Origin-Opener-Policy``. This middleware adds what Django 5.2 does not:

- ``Content-Security-Policy``: scripts, styles, images and connections from Ethos itself only.
  No inline script and no inline style is allowed: the page layout loads its two scripts from
  static files, and the charts are SVG without style attributes. Fonts may also come from
  ``https://assets.nhs.uk``, where the nhsuk-frontend stylesheet loads the Frutiger web font
  (a font cannot run code; without it pages fall back to Arial). Ethos is never framed, has
  no plugins and no ``<base>``, and forms post only to Ethos.
- ``Permissions-Policy``: no camera, microphone or location, and no interest-based advertising.

Headers a view set itself are kept (``setdefault``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' https://assets.nhs.uk",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


class SecurityHeadersMiddleware:
    """Adds :data:`HEADERS` to every response, static files included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
