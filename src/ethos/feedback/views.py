"""360 pages for the staff who run cycles (admins and analysts): the cycles, a cycle's
leaders and progress, opening and closing, and each leader's report (page and PDF).

Every cycle and subject is looked up within the viewer's own organisation, so another trust's
is "not found"; so is a report before its cycle closes. Actions are POST only; after each a
message says what happened.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from ethos.feedback import forms, pdf, services
from ethos.feedback.models import Cycle, Subject
from ethos.feedback.presenters import Published, published
from ethos.feedback.reports import NotPublished
from ethos.organisations import access

STATUS_TEXT = {Cycle.DRAFT: "Draft", Cycle.OPEN: "Open", Cycle.CLOSED: "Closed"}


def _cycle(request: HttpRequest, cycle_id: uuid.UUID) -> Cycle:
    viewer = request.viewer  # type: ignore[attr-defined]
    return get_object_or_404(Cycle, pk=cycle_id, organisation=viewer.organisation)


def _subject(request: HttpRequest, cycle_id: uuid.UUID, subject_id: uuid.UUID) -> Subject:
    cycle = _cycle(request, cycle_id)
    query = Subject.objects.select_related("cycle__organisation", "staff__unit", "manager")
    return get_object_or_404(query, pk=subject_id, cycle=cycle)


@access.requires(access.MANAGE_LEADERSHIP)
def index(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    cycles = Cycle.objects.filter(organisation=viewer.organisation)
    context = {"title": _("Leadership 360s"), "cycles": cycles, "status_text": STATUS_TEXT}
    return render(request, "feedback/index.jinja", context)


@access.requires(access.MANAGE_LEADERSHIP)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    organisation = request.viewer.organisation  # type: ignore[attr-defined]
    form = forms.read_cycle(request.POST) if request.method == "POST" else forms.initial_cycle()
    if request.method == "POST" and not form.errors:
        try:
            cycle = services.create_cycle(organisation, **form.arguments)
        except ValidationError as exc:
            form.add(exc)
        else:
            messages.success(request, _("The cycle was created as a draft. Add its leaders."))
            return redirect("feedback:cycle", cycle.pk)
    context = {"title": _("Create a 360 cycle"), "form": form, "errors": form.summary()}
    return render(request, "feedback/new.jinja", context, status=400 if form.errors else 200)


@access.requires(access.MANAGE_LEADERSHIP)
def cycle(request: HttpRequest, cycle_id: uuid.UUID) -> HttpResponse:
    found = _cycle(request, cycle_id)
    return _cycle_page(request, found, forms.Form({"staff_id": "", "manager_staff_id": ""}))


def _cycle_page(request: HttpRequest, found: Cycle, form: forms.Form) -> HttpResponse:
    context = {
        "title": found.title,
        "cycle": found,
        "status": STATUS_TEXT[found.status],
        "progress": services.progress(found),
        "form": form,
        "errors": form.summary(),
        "back": reverse("feedback:index"),
    }
    return render(request, "feedback/cycle.jinja", context, status=400 if form.errors else 200)


@access.requires(access.MANAGE_LEADERSHIP)
@require_POST
def add_subject(request: HttpRequest, cycle_id: uuid.UUID) -> HttpResponse:
    found = _cycle(request, cycle_id)
    form = forms.read_subject(request.POST)
    try:
        subject = services.add_subject(found, **form.arguments)
    except ValidationError as exc:
        form.add(exc, default="staff_id")
        return _cycle_page(request, found, form)
    messages.success(request, _("%(name)s was added.") % {"name": subject.staff.name})
    return redirect("feedback:cycle", found.pk)


def _act(request: HttpRequest, cycle_id: uuid.UUID, action: Callable[[Cycle], str]) -> HttpResponse:
    found = _cycle(request, cycle_id)
    try:
        messages.success(request, action(found))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("feedback:cycle", found.pk)


@access.requires(access.MANAGE_LEADERSHIP)
@require_POST
def open_cycle(request: HttpRequest, cycle_id: uuid.UUID) -> HttpResponse:
    def act(found: Cycle) -> str:
        sent = services.open_cycle(found)
        return ngettext(
            "The cycle is open. %(n)s leader was emailed a link to choose their raters.",
            "The cycle is open. %(n)s leaders were emailed a link to choose their raters.",
            sent,
        ) % {"n": sent}

    return _act(request, cycle_id, act)


@access.requires(access.MANAGE_LEADERSHIP)
@require_http_methods(["GET", "POST"])
def close_cycle(request: HttpRequest, cycle_id: uuid.UUID) -> HttpResponse:
    """GET asks for confirmation (closing is final); POST closes and publishes reports."""
    if request.method == "POST":

        def act(found: Cycle) -> str:
            sent = services.close_cycle(found)
            return _("The cycle is closed. %(n)s leaders were emailed a link to their report.") % {
                "n": sent
            }

        return _act(request, cycle_id, act)
    found = _cycle(request, cycle_id)
    context = {"title": _("Close %(title)s?") % {"title": found.title}, "cycle": found}
    context["back"] = reverse("feedback:cycle", args=[found.pk])
    return render(request, "feedback/close.jinja", context)


def _published(request: HttpRequest, cycle_id: uuid.UUID, subject_id: uuid.UUID) -> Published:
    subject = _subject(request, cycle_id, subject_id)
    try:
        return published(subject)
    except NotPublished:
        raise Http404("The report is published when the cycle closes.") from None


@access.requires(access.MANAGE_LEADERSHIP)
def report(request: HttpRequest, cycle_id: uuid.UUID, subject_id: uuid.UUID) -> HttpResponse:
    shown = _published(request, cycle_id, subject_id)
    context = {
        "title": _("360 report: %(name)s") % {"name": shown.subject.staff.name},
        "shown": shown,
        "pdf_url": reverse("feedback:report_pdf", args=[cycle_id, subject_id]),
        "back": reverse("feedback:cycle", args=[cycle_id]),
        "column": "full",
    }
    return render(request, "feedback/report.jinja", context)


@access.requires(access.MANAGE_LEADERSHIP)
def report_pdf(request: HttpRequest, cycle_id: uuid.UUID, subject_id: uuid.UUID) -> HttpResponse:
    return pdf.download(_published(request, cycle_id, subject_id))
