"""The create-a-survey form: its choices, reading a POST, and mapping errors onto fields.

The form only reads and checks what the person typed; the rules of a survey (the minimum
group size floor, the dates, the breakdowns) are checked by
:func:`ethos.surveys.services.create_survey`, whose messages are mapped back onto the fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ethos.instruments import shipped_instruments
from ethos.instruments.loader import shipped_text
from ethos.organisations.models import Organisation, Unit
from ethos.surveys.instrument import instrument_of
from ethos.surveys.models import Survey
from ethos.web.forms import StaffForm

UPLOAD = "upload"
FIELD_IDS = {
    "title": "title",
    "instrument": "instrument",
    "instrument_file": "instrument_file",
    "units": "units",
    "opens_on": "opens_on-day",
    "closes_on": "closes_on-day",
    "min_group_size": "min_group_size",
    "breakdowns": "breakdowns",
    "breakdowns_at": "breakdowns_at",
    "previous": "previous",
}


class SurveyForm(StaffForm):
    FIELD_IDS = FIELD_IDS


def choices(organisation: Organisation) -> dict[str, Any]:
    """The form's options as NHS.UK component items: instruments, top-level units,
    breakdowns and earlier waves."""
    top = list(Unit.objects.filter(organisation=organisation, depth=1).order_by("name"))
    if not top:
        top = list(Unit.objects.filter(organisation=organisation, depth=0))
    breakdowns: dict[str, str] = {}
    for name in shipped_instruments():
        for question in instrument_of(shipped_text(name)).demographics:
            breakdowns.setdefault(question.id, question.text)
    closed = Survey.objects.filter(organisation=organisation, status=Survey.CLOSED)
    names = {"culture": _("Culture survey (full)"), "pulse": _("Pulse survey (short)")}
    return {
        "instruments": [{"value": n, "text": names.get(n, n)} for n in shipped_instruments()],
        "units": [{"value": str(u.pk), "text": u.name} for u in top],
        "breakdowns": [
            {"value": k, "text": v, "hint": {"text": k}} for k, v in sorted(breakdowns.items())
        ],
        "previous": [{"value": "", "text": _("None")}]
        + [{"value": str(s.pk), "text": s.title} for s in closed.order_by("-closes_on")],
    }


def initial(organisation: Organisation) -> SurveyForm:
    return SurveyForm(
        values={
            "instrument": "culture",
            "min_group_size": str(organisation.min_group_size),
            "units": [],
            "breakdowns": [],
            "breakdowns_at": "units",
        }
    )


def read(request: HttpRequest, organisation: Organisation) -> SurveyForm:
    """Read and check the POSTed form; ``arguments`` are for ``create_survey``."""
    post = request.POST
    form = SurveyForm(values={k: post.get(k, "").strip() for k in post})
    form.values["units"] = post.getlist("units")
    form.values["breakdowns"] = post.getlist("breakdowns")
    title = form.values.get("title", "")
    if not title:
        form.errors["title"] = _("Enter a title for the survey.")
    elif len(title) > 200:
        form.errors["title"] = _("The title must be 200 characters or fewer.")
    form.arguments["title"] = title
    form.arguments["instrument"] = _instrument(request, form)
    form.arguments["units"] = _units(form, organisation)
    form.arguments["opens_on"] = _date(form, "opens_on", _("opening date"))
    form.arguments["closes_on"] = _date(form, "closes_on", _("closing date"))
    form.arguments["min_group_size"] = _whole(form, "min_group_size")
    other = [b.strip() for b in form.values.get("other_breakdowns", "").split(",")]
    form.arguments["breakdowns"] = list(
        dict.fromkeys(form.values["breakdowns"] + [b for b in other if b])
    )
    form.arguments["breakdowns_at"] = form.values.get("breakdowns_at") or "units"
    form.arguments["previous"] = _previous(form, organisation)
    return form


def _instrument(request: HttpRequest, form: SurveyForm) -> str:
    chosen = form.values.get("instrument", "")
    if chosen in shipped_instruments():
        return chosen
    if chosen != UPLOAD:
        form.errors["instrument"] = _("Choose an instrument.")
        return ""
    upload = request.FILES.get("instrument_file")
    if upload is None:
        form.errors["instrument_file"] = _("Choose the instrument's YAML file to upload.")
        return ""
    if upload.size > settings.ETHOS_MAX_UPLOAD_MB * 1024 * 1024:
        form.errors["instrument_file"] = _("The file is larger than %(mb)s MB.") % {
            "mb": settings.ETHOS_MAX_UPLOAD_MB
        }
        return ""
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        form.errors["instrument_file"] = _("The file is not UTF-8 text. Save it as UTF-8.")
        return ""


def _units(form: SurveyForm, organisation: Organisation) -> list[Unit]:
    ids = [v for v in form.values["units"] if v.isdigit()]
    units = list(Unit.objects.filter(organisation=organisation, pk__in=ids))
    if len(units) != len(form.values["units"]):
        form.errors["units"] = _("Choose units from the list.")
    return units


def _date(form: SurveyForm, name: str, label: str) -> dt.date | None:
    parts = [form.values.get(f"{name}[{p}]", "") for p in ("day", "month", "year")]
    if not any(parts):
        form.errors[name] = _("Enter the %(label)s.") % {"label": label}
        return None
    try:
        day, month, year = (int(p) for p in parts)
        return dt.date(year, month, day)
    except ValueError:
        form.errors[name] = _("The %(label)s must be a real date, such as 1 3 2026.") % {
            "label": label
        }
        return None


def _whole(form: SurveyForm, name: str) -> int | None:
    text = form.values.get(name, "")
    if not text.isdigit():
        form.errors[name] = _("Enter the minimum group size as a whole number, such as 10.")
        return None
    return int(text)


def _previous(form: SurveyForm, organisation: Organisation) -> Survey | None:
    chosen = form.values.get("previous", "")
    if not chosen:
        return None
    closed = Survey.objects.filter(organisation=organisation, status=Survey.CLOSED)
    try:
        return closed.get(pk=chosen)
    except (Survey.DoesNotExist, ValidationError, ValueError):
        form.errors["previous"] = _("Choose a closed survey of your organisation.")
        return None
