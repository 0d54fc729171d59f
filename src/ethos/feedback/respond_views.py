"""The 360's public pages, reached from personal links: no sign-in and no state on the server.

- ``/feedback/nominate/``: the subject chooses their raters;
- ``/feedback/approve/``: their manager approves the list (and may remove people);
- ``/feedback/rate/`` and ``/feedback/rate/answer/``: a rater gives feedback, a section a page;
- ``/feedback/your-report/``: the subject reads their report (and downloads the PDF).

Each emailed link carries its token after ``#``; ``take.js`` moves it into the form, so a
token only ever travels in a POST body. Every view wears the survey respondent pages'
decorators (:mod:`ethos.surveys.respond.common`): public, CSRF-exempt, never cached, no
referrer, and a limit on guessing tokens.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ethos.feedback import nominating, pdf, rating
from ethos.feedback.models import MANAGER, NOMINATED_GROUPS, SELF, RaterInvite
from ethos.feedback.presenters import LABELS, published
from ethos.feedback.questions import rating_context
from ethos.feedback.reports import subject_for_report
from ethos.surveys import throttle
from ethos.surveys.instrument import instrument_of
from ethos.surveys.respond.common import error_context, guarded, respondent
from ethos.surveys.responding import Refused

T = "feedback/respond/"
ENTRY = {  # heading and notes of each entry form (translated when shown)
    "feedback:nominate": (gettext_noop("Choose who to ask for feedback"), ()),
    "feedback:approve": (gettext_noop("Approve who is asked for feedback"), ()),
    "feedback:rate": (
        gettext_noop("Give 360 feedback"),
        (
            gettext_noop(
                "The code only makes sure each person answers once: nothing joins it to "
                "your answers."
            ),
        ),
    ),
    "feedback:my_report": (gettext_noop("Your 360 report"), ()),
}
FILLED = gettext_noop(
    "If you opened the link in your email, your code is already filled in below. Select Continue."
)


def show(
    request: HttpRequest, name: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, f"{T}{name}.jinja", context, status=status)


def entry(request: HttpRequest, name: str, exc: Refused | None = None) -> HttpResponse:
    """The one-field form that takes the code from the emailed link."""
    if exc is not None and exc.field:  # not recognised (or not given): a failed guess
        throttle.record_failure(request)
    heading, notes = ENTRY[name]
    intro = [_(FILLED), *(_(note) for note in notes)]
    context = {"title": _(heading), "heading": _(heading), "intro": intro, "action": reverse(name)}
    context.update(error_context(exc, default_field="token"))
    return show(request, "enter", context, 400 if exc else 200)


def problem(request: HttpRequest, exc: Refused, status: int = 400) -> HttpResponse:
    context = {"title": _("There is a problem"), **error_context(exc)}
    return show(request, "problem", context, status)


def _refused(request: HttpRequest, name: str, exc: Refused) -> HttpResponse:
    return entry(request, name, exc) if exc.field == "token" else problem(request, exc)


def _field_errors(exc: ValidationError) -> dict[str, str]:
    return {name: " ".join(messages) for name, messages in exc.message_dict.items()}


def _summary(errors: dict[str, str], ids: dict[str, str] | None = None) -> list[dict[str, str]]:
    return [{"text": m, "href": "#" + (ids or {}).get(f, f)} for f, m in errors.items()]


# --- nominating and approving -------------------------------------------------------------


@respondent
@guarded
def nominate(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return entry(request, "feedback:nominate")
    token = request.POST.get("token", "")
    try:
        subject = nominating.subject_for_nomination(token)
    except Refused as exc:
        return _refused(request, "feedback:nominate", exc)
    values = {g: request.POST.get(g, "")[:5000] for g in NOMINATED_GROUPS}
    fewer = request.POST.get("fewer_reports") == "yes"
    errors: dict[str, str] = {}
    if request.POST.get("action") == "send":
        lists = {g: nominating.split_entries(v) for g, v in values.items()}
        try:
            nominating.nominate_raters(token, lists, fewer)
        except ValidationError as exc:
            errors = _field_errors(exc)
        except Refused as exc:
            return problem(request, exc)
        else:
            return _done(request, _("Your list has been sent"), _nominated(subject))
    context = {
        "title": _("Choose who to ask for feedback"),
        "subject": subject,
        "token": token,
        "values": values,
        "fewer_reports": fewer,
        "field_errors": errors,
        "errors": _summary(errors),
        "k": subject.cycle.min_raters,
    }
    return show(request, "nominate", context, 400 if errors else 200)


def _nominated(subject: Any) -> list[str]:
    return [
        _("Your manager, %(name)s, has been emailed a link to approve it.")
        % {"name": subject.manager.name},
        _(
            "Once they approve, everyone on the list, your manager and you are sent a link "
            "to give feedback."
        ),
    ]


@respondent
@guarded
def approve(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return entry(request, "feedback:approve")
    token = request.POST.get("token", "")
    try:
        subject = nominating.subject_for_approval(token)
    except Refused as exc:
        return _refused(request, "feedback:approve", exc)
    groups = nominating.nominees_by_group(subject)
    keep = {n.pk for _, nominations in groups for n in nominations}
    errors: dict[str, str] = {}
    if request.POST.get("action") == "approve":
        keep = {int(v) for v in request.POST.getlist("keep") if v.isascii() and v.isdigit()}
        try:
            sent = nominating.approve_nominations(token, keep)
        except ValidationError as exc:
            errors = _field_errors(exc)
        except Refused as exc:
            return problem(request, exc)
        else:
            text = _("%(n)s people have been sent a link to give feedback, you among them.")
            return _done(request, _("The list is approved"), [text % {"n": sent}])
    shown = [(g, LABELS[g], _checkboxes(n, keep)) for g, n in groups if n]
    context = {
        "title": _("Approve who %(name)s asks for feedback") % {"name": subject.staff.name},
        "subject": subject,
        "token": token,
        "groups": shown,
        "field_errors": errors,
        "errors": _summary(errors, {"keep": f"keep-{shown[0][0]}" if shown else "keep"}),
        "k": subject.cycle.min_raters,
    }
    return show(request, "approve", context, 400 if errors else 200)


def _checkboxes(nominations: list[Any], keep: set[int]) -> list[dict[str, Any]]:
    return [
        {"value": str(n.pk), "text": n.staff.name, "checked": n.pk in keep} for n in nominations
    ]


def _done(request: HttpRequest, heading: str, paragraphs: list[str]) -> HttpResponse:
    return show(request, "done", {"title": heading, "heading": heading, "paragraphs": paragraphs})


# --- rating -------------------------------------------------------------------------------


@respondent
@guarded
def rate(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return entry(request, "feedback:rate")
    try:
        invite, ballot = rating.begin_rating(request.POST.get("token", ""))
    except Refused as exc:
        return _refused(request, "feedback:rate", exc)
    context = {
        "title": _("Feedback for %(name)s") % {"name": invite.subject.staff.name},
        "invite": invite,
        "name": invite.subject.staff.name,
        "description": instrument_of(invite.subject.cycle.instrument_yaml).description,
        "sealed": rating.seal(ballot),
        "k": invite.subject.cycle.min_raters,
        "self_rating": invite.group == SELF,
        "manager_rating": invite.group == MANAGER,
        "pages": len(rating.pages(invite.subject.cycle)),
    }
    return show(request, "intro", context)


@respondent
def answer(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("feedback:rate")
    try:
        ballot = rating.unseal(request.POST.get("ballot", ""))
        if rating.stored(ballot):  # the back button after submitting: show nothing old
            return _rated(request)
        invite = rating.invite_for(ballot.token)
        index = _index(request.POST.get("page"), invite)
    except Refused as exc:
        return problem(request, exc)
    action = request.POST.get("action", "continue")
    if action == "start":
        return _rating_page(request, invite, ballot, 0)
    page = rating.pages(invite.subject.cycle)[index]
    answers, problems = rating.clean_page(invite.subject.cycle, request.POST, page)  # type: ignore[arg-type]
    ballot = ballot.with_answers(answers, page.fields)
    if action == "back":
        return _rating_page(request, invite, ballot, max(index - 1, 0))
    if problems:
        return _rating_page(request, invite, ballot, index, problems, request.POST)
    last = len(rating.pages(invite.subject.cycle)) - 1
    if action == "submit" and index == last:
        return _submit(request, invite, ballot)
    return _rating_page(request, invite, ballot, min(index + 1, last))


def _index(value: str | None, invite: RaterInvite) -> int:
    count = len(rating.pages(invite.subject.cycle))
    if value is None or not (value.isascii() and value.isdigit() and int(value) < count):
        raise Refused(rating.UNREADABLE)
    return int(value)


def _submit(request: HttpRequest, invite: RaterInvite, ballot: rating.Ballot) -> HttpResponse:
    incomplete = rating.first_incomplete(invite.subject.cycle, ballot)
    if incomplete is not None:
        page = rating.pages(invite.subject.cycle)[incomplete]
        _, problems = rating.clean_page(invite.subject.cycle, {}, page)
        return _rating_page(request, invite, ballot, incomplete, problems, {})
    try:
        rating.submit_rating(ballot)  # returns only after the commit
    except Refused as exc:
        return problem(request, exc)
    return _rated(request)


def _rated(request: HttpRequest) -> HttpResponse:
    text = _("Thank you. Your answers are stored without your name, email address or link.")
    return _done(request, _("Your feedback has been submitted"), [text])


def _rating_page(
    request: HttpRequest,
    invite: RaterInvite,
    ballot: rating.Ballot,
    index: int,
    problems: dict[str, str] | None = None,
    raw: Any = None,
) -> HttpResponse:
    context = rating_context(invite, ballot, index, problems or {}, raw)
    return show(request, "rate", context, 400 if problems else 200)


# --- the subject's report -----------------------------------------------------------------


@respondent
@guarded
def my_report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return entry(request, "feedback:my_report")
    token = request.POST.get("token", "")
    try:
        subject = subject_for_report(token)
    except Refused as exc:
        return _refused(request, "feedback:my_report", exc)
    shown = published(subject)
    if request.POST.get("format") == "pdf":
        return pdf.download(shown)
    title = _("Your 360 report")
    return show(
        request, "report", {"title": title, "shown": shown, "token": token, "column": "full"}
    )
