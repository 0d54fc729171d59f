"""The public pages: nominating colleagues and opting out, each with a personal link.

They follow the survey's respondent pages (:mod:`ethos.surveys.respond.common`): no sign-in,
no session, no cookie, no CSRF token (every POST carries its own credential), never cached,
no referrer. The emailed link carries the token after ``#``, which browsers never send;
``take.js`` moves it into the form, so it only ever travels in a POST body and never reaches
a log. An unknown token counts towards the guessing limit of :mod:`ethos.surveys.throttle`.

- ``/nominations/nominate/``: the token, then the form (one row per colleague, up to three
  per value), then thanks. The form is all or nothing; the link then stops working.
- ``/nominations/opt-out/``: the token and one button; any of the person's links works,
  used or not.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ethos.nominations import forms, services
from ethos.nominations.models import MAX_REASON, NominatorInvite
from ethos.nominations.services import Invalid, Refused
from ethos.surveys import throttle
from ethos.surveys.respond.common import respondent, throttled

T = "nominations/public/"
View = Callable[..., HttpResponse]


def _message(
    request: HttpRequest, title: str, text: str, status: int = 200, error: bool = True
) -> HttpResponse:
    context = {"title": title, "text": text}
    if error:
        context["errors"] = [{"text": text}]
    return render(request, T + "message.jinja", context, status=status)


guarded = throttled(lambda request, text: _message(request, _("Too many attempts"), text, 429))


def _token_page(
    request: HttpRequest, kind: str, error: str | None = None, token: str = ""
) -> HttpResponse:
    context = {
        "title": _("Nominate colleagues")
        if kind == "nominate"
        else _("Opt out of being nominated"),
        "kind": kind,
        "token": token,
        "errors": [{"text": error, "href": "#token"}] if error else [],
        "field_errors": {"token": error} if error else {},
    }
    return render(request, T + f"{kind}_start.jinja", context, status=400 if error else 200)


def _refused(request: HttpRequest, kind: str, exc: Refused) -> HttpResponse:
    if exc.unknown:
        throttle.record_failure(request)
        return _token_page(request, kind, _(str(exc)))
    return _message(request, _("This link cannot be used"), _(str(exc)), status=400)


def _form(
    request: HttpRequest,
    token: str,
    invite: NominatorInvite,
    errors: dict[str, str] | None = None,
) -> HttpResponse:
    campaign = invite.campaign
    context = {
        "title": campaign.title,
        "campaign": campaign,
        "token": token,
        "groups": forms.rows(campaign),
        "colleagues": services.colleagues(invite),
        "typed": forms.typed(request.POST, campaign) if errors else {},
        "field_errors": errors or {},
        "errors": forms.summary(errors or {}),
        "max_reason": MAX_REASON,
        "column": "two-thirds",
    }
    return render(request, T + "nominate_form.jinja", context, status=400 if errors else 200)


@respondent
@guarded
def nominate(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _token_page(request, "nominate")
    token = request.POST.get("token", "").strip()
    if not token:
        return _token_page(request, "nominate", _("Enter your nomination code."))
    try:
        invite = services.usable_invite(token)
    except Refused as exc:
        return _refused(request, "nominate", exc)
    if request.POST.get("action") != "submit":
        return _form(request, token, invite)
    try:
        made = services.nominate(token, forms.read_picks(invite.campaign, request.POST))
    except Invalid as exc:
        return _form(request, token, invite, exc.errors)
    except Refused as exc:
        return _refused(request, "nominate", exc)
    text = ngettext(
        "Your nomination has been recorded.",
        "Your %(n)s nominations have been recorded.",
        made,
    ) % {"n": made}
    context = {"title": _("Thank you"), "text": text, "campaign": invite.campaign}
    return render(request, T + "nominate_done.jinja", context)


@respondent
@guarded
def opt_out(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _token_page(request, "opt_out")
    token = request.POST.get("token", "").strip()
    if request.POST.get("action") != "opt-out":  # from the nomination form: confirm first
        return _token_page(request, "opt_out", token=token)
    if not token:
        return _token_page(request, "opt_out", _("Enter your nomination code."))
    try:
        services.opt_out(token)
    except Refused as exc:
        return _refused(request, "opt_out", exc)
    context = {"title": _("You have opted out of being nominated")}
    return render(request, T + "opt_out_done.jinja", context)
