"""What every respondent page shares: the decorator each view wears, rendering, and errors.

Respondent pages keep no state on the server and set no cookie at all. They are exempt from
Django's CSRF check, deliberately:

- they must send ``Referrer-Policy: no-referrer``, and under that policy browsers send
  ``Origin: null`` and no ``Referer`` with every form POST, which Django's check rejects
  (seen in Chromium: "Origin checking failed - null does not match any trusted origins");
- CSRF defends ambient authority (a session cookie), and these pages have none: every POST
  carries its own credential (a token, kiosk code or resume code the sender must already
  know) or a ballot signed by the server. A forged cross-site POST can only submit answers
  its author wrote, which the author could submit directly anyway; it cannot read the pages
  it causes, so it learns nothing;
- without the check no cookie is needed, so a respondent whose browser refuses cookies (a
  locked-down ward device) can still answer.

The body is read within its size limit before anything else, so that an oversize
submission gets a clear page instead of Django's bare "Bad Request".
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt

from ethos.organisations import access
from ethos.surveys import throttle
from ethos.surveys.responding import MAX_TEXT, Refused

View = Callable[..., HttpResponse]
TOO_BIG = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def respondent(view: View) -> View:
    """Public, CSRF-exempt (see above), never cached, no referrer; oversize bodies refused."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and _unreadable(request):
            response = too_big(request)
        else:
            response = view(request, *args, **kwargs)
        never_cache(response)  # includes no-store: shared devices, back button
        response["Referrer-Policy"] = "no-referrer"
        return response

    return access.public(csrf_exempt(wrapped))


NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def never_cache(response: HttpResponse) -> None:
    """Django's ``add_never_cache_headers``. A respondent view sets neither header itself, so
    the result (the same two headers, tested) is written directly: merging into headers that
    are not there cost a tenth of a millisecond on every submission."""
    if response.has_header("Cache-Control") or response.has_header("Expires"):
        add_never_cache_headers(response)
        return
    response.headers["Expires"] = http_date(time.time())
    response.headers["Cache-Control"] = NEVER_CACHE


def throttled(refuse: Callable[[HttpRequest, str], HttpResponse]) -> Callable[[View], View]:
    """A decorator that refuses an address over the guessing limit (see
    :mod:`ethos.surveys.throttle`) before the view checks any credential, with the page
    ``refuse(request, message)`` (status 429). Views report failures with ``record_failure``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            wait = throttle.retry_after(request)
            if wait is None:
                return view(request, *args, **kwargs)
            minutes = math.ceil(wait / 60)
            message = ngettext(
                "Too many attempts. Wait %(count)s minute and try again.",
                "Too many attempts. Wait %(count)s minutes and try again.",
                minutes,
            ) % {"count": minutes}
            response = refuse(request, message)
            response["Retry-After"] = str(wait)
            return response

        return wrapped

    return decorate


guarded = throttled(lambda request, message: problem(request, Refused(message), status=429))


def _unreadable(request: HttpRequest) -> bool:
    try:
        request.POST  # noqa: B018  (reading it is the check)
    except TOO_BIG:
        return True
    return False


def show(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, f"surveys/respond/{template}.jinja", context, status=status)


def error_context(exc: Refused | None, default_field: str | None = None) -> dict[str, Any]:
    """``errors`` for the error summary and ``field_errors`` for the field at fault."""
    if exc is None:
        return {"errors": [], "field_errors": {}}
    message = _(str(exc))
    field = exc.field or default_field
    item = {"text": message, "href": f"#{field}"} if field else {"text": message}
    return {"errors": [item], "field_errors": {field: message} if field else {}}


def problem(request: HttpRequest, exc: Refused, status: int = 400) -> HttpResponse:
    """A page for a refusal that no form on the page can fix (tampered or stale answers)."""
    context = {"title": _("There is a problem with your survey"), **error_context(exc)}
    return show(request, "problem", context, status)


def too_big(request: HttpRequest) -> HttpResponse:
    message = _(
        "What you sent was too large to accept. A comment can be up to %(limit)s characters. "
        "Go back, shorten your comment and try again."
    ) % {"limit": f"{MAX_TEXT:,}"}
    return problem(request, Refused(message), status=413)
