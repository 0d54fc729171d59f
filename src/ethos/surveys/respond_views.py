"""The respondent journey: anonymous pages with no sign-in and no state on the server.

- ``/take/``: a personal link. The email's link carries the token after ``#``, which browsers
  never send; ``take.js`` moves it into the form, so it only ever travels in a POST body.
- ``/o/<key>/``: an open link; the respondent chooses their team or ward.
- ``/kiosk/``: a shared ward device, started with the kiosk code on its card.
- ``/resume/``: a response saved with "Save and come back later", opened with its code.
- ``/take/answer/``: every later page. The sealed ballot and the page number travel in the
  form; "Continue", "Back", "Save and come back later" and "Submit" are its buttons.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ethos.surveys import responding, statements, throttle
from ethos.surveys.instrument import pages_of
from ethos.surveys.models import Response, Survey
from ethos.surveys.respond.common import error_context, guarded, problem, respondent, show
from ethos.surveys.respond.questions import (
    check_page,
    done_page,
    question_page,
    resume_index,
    unit_choices,
)
from ethos.surveys.responding import Ballot, Refused

UNREADABLE = gettext_noop("Your answers could not be read. Please start the survey again.")
NOT_STORED = gettext_noop(
    "Your answers could not be stored just now, so they have not been submitted. They are "
    "kept on this page: select Submit your answers to try again in a minute."
)
logger = logging.getLogger(__name__)


# --- ways in ------------------------------------------------------------------------------


@respondent
@guarded
def start(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _start_page(request)
    token = request.POST.get("token", "")
    try:
        if not token.strip():
            raise Refused(_("Enter your survey code."), field="token")
        survey, ballot = responding.begin_with_token(token)
    except Refused as exc:
        return _start_page(request, exc)  # never echoes the token back
    return question_page(request, survey, ballot, 0)


@respondent
@guarded
def open_link(request: HttpRequest, key: str) -> HttpResponse:
    try:
        survey = responding.begin_with_open_link(key)
    except Refused as exc:
        if exc.field != "key":  # closed or not yet open
            return problem(request, exc)
        throttle.record_failure(request)
        message = _("This survey link is not recognised. Check you copied all of it.")
        return problem(request, Refused(message), status=404)
    if request.method != "POST":
        return _unit_page(request, survey, key)
    try:
        ballot = responding.choose_unit(survey, request.POST.get("unit"))
    except Refused as exc:
        return _unit_page(request, survey, key, exc)
    return question_page(request, survey, ballot, 0)


@respondent
@guarded
def kiosk(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _kiosk_page(request)
    try:
        survey, ballot = responding.begin_with_kiosk_code(request.POST.get("code", ""))
    except Refused as exc:
        return _kiosk_page(request, exc)
    return question_page(request, survey, ballot, 0)


@respondent
@guarded
def resume(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _resume_page(request)
    try:
        survey, ballot = responding.resume_draft(request.POST.get("code", ""))
    except Refused as exc:
        return _resume_page(request, exc)
    return question_page(request, survey, ballot, resume_index(survey, ballot))


# --- the questionnaire --------------------------------------------------------------------


@respondent
def answer(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("respond:start")
    try:
        ballot = responding.unseal(request.POST.get("ballot", ""))
        survey = _survey_of(ballot)
        index = _index(request.POST.get("page"), survey)
    except Refused as exc:
        return problem(request, exc)
    submitting = request.POST.get("action") == "submit"  # submit_response spots a retry itself
    if not submitting and _stored(ballot):  # the back button on a shared device: show nothing old
        return done_page(request, survey, ballot)
    pages = pages_of(survey.instrument_yaml)
    if index < len(pages):
        fields = pages[index].fields
        try:
            answers = responding.clean_answers(survey, request.POST, fields)  # type: ignore[arg-type]
        except Refused as exc:
            return question_page(request, survey, ballot, index, exc, request.POST)
        ballot = ballot.with_answers(answers, fields)
    try:
        return _act(request, survey, ballot, index)
    except Refused as exc:
        return problem(request, exc)


def _act(request: HttpRequest, survey: Survey, ballot: Ballot, index: int) -> HttpResponse:
    """Where the pressed button leads, once this page's answers are in the ballot."""
    action = request.POST.get("action", "continue")
    if "goto" in request.POST:  # a "Change" button on the check page
        return question_page(request, survey, ballot, _index(request.POST["goto"], survey))
    if action == "back":
        return question_page(request, survey, ballot, max(index - 1, 0))
    if action == "save":
        return _save(request, survey, ballot)
    if action == "submit" and index == len(pages_of(survey.instrument_yaml)):
        return _submit(request, survey, ballot)
    return question_page(request, survey, ballot, index + 1)


def _submit(request: HttpRequest, survey: Survey, ballot: Ballot) -> HttpResponse:
    try:
        responding.submit_response(survey, ballot)  # returns only after the commit
    except Refused as exc:
        return check_page(request, survey, ballot, exc)
    except responding.NotStored as exc:  # never "submitted": the same ballot can be sent again
        logger.error("A response could not be stored: %s", exc)
        page = check_page(request, survey, ballot, Refused(_(NOT_STORED)))
        page.status_code = 503
        return page
    return done_page(request, survey, ballot)


def _save(request: HttpRequest, survey: Survey, ballot: Ballot) -> HttpResponse:
    code = responding.save_draft(survey, ballot)
    context = {
        "title": _("Your answers are saved"),
        "survey_title": survey.title,
        "code": code,
        "resume_url": f"{settings.BASE_URL}{reverse('respond:resume')}",
        "closes_on": date_format(survey.closes_on, "j F Y"),
    }
    return show(request, "saved", context)


def _survey_of(ballot: Ballot) -> Survey:
    try:
        survey = statements.survey(uuid.UUID(ballot.survey))  # Survey.objects.get, prepared
    except ValueError:
        survey = None
    if survey is None:
        raise Refused(_(UNREADABLE))
    return survey


def _index(value: str | None, survey: Survey) -> int:
    """A page number from the form: a section, or the check page after the last one."""
    last = len(pages_of(survey.instrument_yaml))
    if value is None or not (value.isascii() and value.isdigit() and len(value) <= 4):
        raise Refused(_(UNREADABLE))
    if int(value) > last:
        raise Refused(_(UNREADABLE))
    return int(value)


def _stored(ballot: Ballot) -> bool:
    try:
        key = uuid.UUID(ballot.key)
    except ValueError:
        return False
    return Response.objects.filter(submission_key=key).exists()


# --- the entry forms ----------------------------------------------------------------------


def _entry(request: HttpRequest, exc: Refused | None, **context: object) -> HttpResponse:
    if exc is not None and exc.field:  # a code not recognised (or not given): a failed guess
        throttle.record_failure(request)
    context.update(error_context(exc, default_field=str(context["field"])))
    return show(request, "enter", context, 400 if exc else 200)


def _start_page(request: HttpRequest, exc: Refused | None = None) -> HttpResponse:
    return _entry(
        request,
        exc,
        title=_("Start the survey"),
        heading=_("Start your survey"),
        intro=[
            _(
                "If you opened the link in your invitation email, your survey code is "
                "already filled in below. Select Start to begin."
            ),
            _(
                "Your answers are anonymous. The code only makes sure each person answers "
                "once: nothing joins it to your answers."
            ),
        ],
        field="token",
        label=_("Your survey code"),
        hint=_(
            "If the box is empty, copy everything after #t= in the link in your email "
            "and paste it here."
        ),
        button_text=_("Start"),
        action=reverse("respond:start"),
        script=True,
    )


def _kiosk_page(request: HttpRequest, exc: Refused | None = None) -> HttpResponse:
    return _entry(
        request,
        exc,
        title=_("Take the survey on this device"),
        heading=_("Take the survey on this device"),
        intro=[
            _("Enter the kiosk code from the card by this device."),
            _(
                "Your answers are anonymous. When you have finished, the next person "
                "starts a new response: they cannot see yours."
            ),
        ],
        field="code",
        label=_("Kiosk code"),
        hint=_("For example, K7QM-3XTA-PRW9"),
        button_text=_("Start"),
        action=reverse("respond:kiosk"),
    )


def _resume_page(request: HttpRequest, exc: Refused | None = None) -> HttpResponse:
    return _entry(
        request,
        exc,
        title=_("Continue a saved response"),
        heading=_("Continue a saved response"),
        intro=[_("Enter the resume code you were given when you saved your answers.")],
        field="code",
        label=_("Resume code"),
        hint=_("For example, K7QM-3XTA-PRW9-D4FN. Each code works once."),
        button_text=_("Continue"),
        action=reverse("respond:resume"),
    )


def _unit_page(
    request: HttpRequest, survey: Survey, key: str, exc: Refused | None = None
) -> HttpResponse:
    context = {
        "title": _("Where do you work?"),
        "survey_title": survey.title,
        "items": [{"value": "", "text": _("Choose your team or ward")}]
        + [{"value": pk, "text": name} for pk, name in unit_choices(survey)],
        "action": reverse("respond:open", args=[key]),
        **error_context(exc, default_field="unit"),
    }
    return show(request, "unit", context, 400 if exc else 200)
