"""Survey management pages: create a survey, see its progress, open, close, invite, remind,
and make kiosk codes and open links.

Every survey is looked up within the viewer's own organisation, so another trust's survey is
"not found". Actions are POST only; after each one a message says what happened. A kiosk code
or an open link is shown once, on the page that made it, and is never stored in a message,
a session or a log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from ethos.organisations import access
from ethos.surveys import manage_forms, services
from ethos.surveys.models import Survey

TEMPLATES = "surveys/manage/"


def _survey(request: HttpRequest, survey_id: uuid.UUID) -> Survey:
    viewer = request.viewer  # type: ignore[attr-defined]
    return get_object_or_404(Survey, pk=survey_id, organisation=viewer.organisation)


def status_text(survey: Survey) -> str:
    return {
        Survey.DRAFT: _("Draft"),
        Survey.OPEN: _("Open"),
        Survey.CLOSED: _("Closed"),
    }[survey.status]


@access.requires(access.MANAGE_SURVEYS)
def index(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    surveys = Survey.objects.filter(organisation=viewer.organisation).order_by("-opens_on")
    return render(
        request,
        TEMPLATES + "index.jinja",
        {"title": _("Manage surveys"), "surveys": surveys, "status_text": status_text},
    )


@access.requires(access.MANAGE_SURVEYS)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    organisation = request.viewer.organisation  # type: ignore[attr-defined]
    if request.method == "POST":
        form = manage_forms.read(request, organisation)
        if not form.errors:
            try:
                survey = services.create_survey(organisation, **form.arguments)
            except ValidationError as exc:
                form.add(exc)
            else:
                messages.success(request, _("The survey was created as a draft."))
                return redirect("surveys:detail", survey.pk)
    else:
        form = manage_forms.initial(organisation)
    context = {
        "title": _("Create a survey"),
        "form": form,
        "errors": form.summary(),
        "choices": manage_forms.choices(organisation),
        "max_mb": settings.ETHOS_MAX_UPLOAD_MB,
    }
    return render(request, TEMPLATES + "new.jinja", context)


@access.requires(access.MANAGE_SURVEYS)
def detail(request: HttpRequest, survey_id: uuid.UUID) -> HttpResponse:
    survey = _survey(request, survey_id)
    responses, invitations = services.response_counts(survey)
    rate = responses / invitations if invitations else None
    context = {
        "title": survey.title,
        "survey": survey,
        "status": status_text(survey),
        "responses": responses,
        "invitations": invitations,
        "rate": rate,
        "accepting": services.accepting(survey),
        "population": list(survey.population.all()),
        "kiosk_units": services.population_units(survey) if survey.status == Survey.OPEN else [],
        "back": reverse("surveys:index"),
    }
    return render(request, TEMPLATES + "detail.jinja", context)


Action = Callable[[Survey], str]


def _act(request: HttpRequest, survey_id: uuid.UUID, action: Action) -> HttpResponse:
    """Run ``action`` on the survey, show its message (or the refusal) and go back."""
    survey = _survey(request, survey_id)
    try:
        message = action(survey)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, message)
    return redirect("surveys:detail", survey.pk)


@access.requires(access.MANAGE_SURVEYS)
@require_POST
def open_survey(request: HttpRequest, survey_id: uuid.UUID) -> HttpResponse:
    def act(survey: Survey) -> str:
        services.open_survey(survey, actor=request.user)
        return _("The survey is open.")

    return _act(request, survey_id, act)


@access.requires(access.MANAGE_SURVEYS)
@require_http_methods(["GET", "POST"])
def close_survey(request: HttpRequest, survey_id: uuid.UUID) -> HttpResponse:
    """GET asks for confirmation (closing is final); POST closes and publishes results."""
    if request.method == "POST":

        def act(survey: Survey) -> str:
            services.close_survey(survey, actor=request.user)
            return _("The survey is closed and its final results are published.")

        return _act(request, survey_id, act)
    survey = _survey(request, survey_id)
    back = reverse("surveys:detail", args=[survey.pk])
    context = {"title": _("Close %(title)s?") % {"title": survey.title}}
    context.update({"survey": survey, "back": back})
    return render(request, TEMPLATES + "close.jinja", context)


@access.requires(access.MANAGE_SURVEYS)
@require_POST
def send_invitations(request: HttpRequest, survey_id: uuid.UUID) -> HttpResponse:
    def act(survey: Survey) -> str:
        sent = services.send_invitations(survey, actor=request.user)
        if not sent:
            return _("Everyone in the survey's population has already been invited.")
        return ngettext("%(n)s invitation was sent.", "%(n)s invitations were sent.", sent) % {
            "n": f"{sent:,}"
        }

    return _act(request, survey_id, act)


@access.requires(access.MANAGE_SURVEYS)
@require_POST
def send_reminders(request: HttpRequest, survey_id: uuid.UUID) -> HttpResponse:
    def act(survey: Survey) -> str:
        sent = services.send_reminders(survey, actor=request.user)
        if not sent:
            return _("Everyone invited has responded: no reminders were needed.")
        return ngettext("%(n)s reminder was sent.", "%(n)s reminders were sent.", sent) % {
            "n": f"{sent:,}"
        }

    return _act(request, survey_id, act)


def _shown_once(request: HttpRequest, survey: Survey, context: dict) -> HttpResponse:
    context.update({"survey": survey, "back": reverse("surveys:detail", args=[survey.pk])})
    response = render(request, TEMPLATES + "shown_once.jinja", context)
    add_never_cache_headers(response)
    return response


@access.requires(access.MANAGE_SURVEYS)
@require_POST
def create_kiosk_code(request: HttpRequest, survey_id: uuid.UUID) -> HttpResponse:
    survey = _survey(request, survey_id)
    chosen = request.POST.get("unit", "")
    units = {str(u.pk): u for u in services.population_units(survey)}
    if survey.status != Survey.OPEN:
        messages.error(request, _("Kiosk codes can only be made while the survey is open."))
        return redirect("surveys:detail", survey.pk)
    if chosen not in units:
        messages.error(request, _("Choose a unit in the survey's population."))
        return redirect("surveys:detail", survey.pk)
    code = services.create_kiosk_code(survey, units[chosen])
    context = {"title": _("Kiosk code for %(unit)s") % {"unit": units[chosen].name}}
    context.update({"kind": "kiosk", "secret": code, "unit": units[chosen]})
    return _shown_once(request, survey, context)


def open_link_url(key: str) -> str:
    try:
        return settings.BASE_URL + reverse("respond:open", args=[key])
    except NoReverseMatch:
        return f"{settings.BASE_URL}/o/{key}/"


@access.requires(access.MANAGE_SURVEYS)
@require_POST
def create_open_link(request: HttpRequest, survey_id: uuid.UUID) -> HttpResponse:
    survey = _survey(request, survey_id)
    if survey.status == Survey.CLOSED:
        messages.error(request, _("The survey is closed."))
        return redirect("surveys:detail", survey.pk)
    key = services.create_open_link(survey)
    context = {"title": _("Open link"), "kind": "link", "secret": open_link_url(key)}
    return _shown_once(request, survey, context)
