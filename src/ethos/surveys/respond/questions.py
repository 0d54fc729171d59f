"""The questionnaire's pages: one section per page, then a page to check and submit.

A page is rendered from the survey's own copy of its instrument, with the respondent's
answers so far; the answers travel in the sealed ballot, never in the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ethos.instruments.model import Option
from ethos.organisations.models import Unit
from ethos.surveys import responding, services
from ethos.surveys.instrument import Page, instrument_of, pages_of
from ethos.surveys.models import Survey
from ethos.surveys.respond.common import error_context, show
from ethos.surveys.responding import KIOSK_CHANNEL, Ballot, Refused

SELECT_OVER = 12  # a question with more options than this is a drop-down, not radios


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "radios", "select" or "text"
    text: str
    options: tuple[tuple[str, str], ...] = ()  # (code, label)

    @property
    def items(self) -> list[dict[str, str]]:
        return [{"value": code, "text": label} for code, label in self.options]


def questions_of(survey: Survey, page: Page) -> list[Question]:
    instrument = instrument_of(survey.instrument_yaml)
    out = [
        Question(i.id, "radios", i.text, _options(instrument.scales[i.scale].options))
        for i in page.items
    ]
    for d in page.demographics:
        kind = "select" if len(d.options) > SELECT_OVER else "radios"
        out.append(Question(d.id, kind, d.text, _options(d.options)))
    out.extend(Question(f.id, "text", f.text) for f in page.free_text)
    return out


def _options(options: tuple[Option, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((str(o.code), o.label) for o in options)


def _values(ballot: Ballot, page: Page, raw: Mapping[str, str] | None) -> dict[str, str]:
    """The answers to show: the ballot's, or what was just sent when it was refused."""
    values = {name: str(value) for name, value in ballot.answers.items()}
    if raw is not None:
        values.update({name: raw.get(name, "") for name in page.fields})
    return values


def question_page(
    request: HttpRequest,
    survey: Survey,
    ballot: Ballot,
    index: int,
    exc: Refused | None = None,
    raw: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Section ``index`` (or the check page after the last section)."""
    pages = pages_of(survey.instrument_yaml)
    if index >= len(pages):
        return check_page(request, survey, ballot, exc)
    page, number, total = pages[index], index + 1, len(pages)
    context = {
        "title": _("%(section)s (section %(number)s of %(total)s)")
        % {"section": page.title, "number": number, "total": total},
        "survey_title": survey.title,
        "page": page,
        "index": index,
        "number": number,
        "total": total,
        "questions": questions_of(survey, page),
        "values": _values(ballot, page, raw),
        "sealed": responding.seal(ballot),
        "max_text": responding.MAX_TEXT,
        **error_context(exc),
    }
    return show(request, "page", context, 400 if exc else 200)


def check_page(
    request: HttpRequest, survey: Survey, ballot: Ballot, exc: Refused | None = None
) -> HttpResponse:
    pages = pages_of(survey.instrument_yaml)
    rows = [
        {
            "index": index,
            "title": page.title,
            "answered": sum(name in ballot.answers for name in page.fields),
            "count": len(page.fields),
        }
        for index, page in enumerate(pages)
    ]
    context = {
        "title": _("Check and submit your answers"),
        "survey_title": survey.title,
        "rows": rows,
        "index": len(pages),
        "sealed": responding.seal(ballot),
        "min_group_size": survey.min_group_size,
        "personal": ballot.channel == responding.INVITE,
        **error_context(exc, default_field="submit"),
    }
    return show(request, "check", context, 400 if exc else 200)


def done_page(request: HttpRequest, survey: Survey, ballot: Ballot) -> HttpResponse:
    """The confirmation, shown only once the response is stored.

    Apart from a kiosk's "next person" form and the header of someone signed in, the page is
    the same for every respondent of a survey, so its HTML is kept per process (rendering it
    was the costliest part of a submission); the key holds everything it shows.
    """
    if ballot.channel == KIOSK_CHANNEL or request.user.is_authenticated:  # not the same page
        return _done(request, survey, ballot)
    key = (survey.pk, survey.title, survey.closes_on, survey.min_group_size, get_language())
    html = DONE_PAGES.get(key)
    if html is None:
        html = _done(request, survey, ballot).content
        if len(DONE_PAGES) >= DONE_PAGES_KEPT:
            DONE_PAGES.pop(next(iter(DONE_PAGES)))
        DONE_PAGES[key] = html
    return HttpResponse(html)


DONE_PAGES: dict[tuple[Any, ...], bytes] = {}
DONE_PAGES_KEPT = 64


def _done(request: HttpRequest, survey: Survey, ballot: Ballot) -> HttpResponse:
    context: dict[str, Any] = {
        "title": _("Your answers have been submitted"),
        "survey_title": survey.title,
        "closes_on": date_format(survey.closes_on, "j F Y"),
        "min_group_size": survey.min_group_size,
        "kiosk_code": ballot.credential if ballot.channel == KIOSK_CHANNEL else "",
    }
    return show(request, "done", context)


def resume_index(survey: Survey, ballot: Ballot) -> int:
    """Where a resumed response continues: the furthest section answered, or the one after
    it when all of its questions are answered."""
    pages = pages_of(survey.instrument_yaml)
    touched = [i for i, p in enumerate(pages) if any(f in ballot.answers for f in p.fields)]
    if not touched:
        return 0
    last = touched[-1]
    return last + 1 if all(f in ballot.answers for f in pages[last].fields) else last


def unit_choices(survey: Survey) -> list[tuple[str, str]]:
    """The population's units as ``(id, "Medicine: Ward 12")``, sorted by name."""
    names = dict(Unit.objects.filter(organisation=survey.organisation_id).values_list("pk", "name"))

    def label(unit: Unit) -> str:
        ids = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
        chain = [names[pk] for pk in ids if pk in names] or [unit.name]
        return ": ".join(chain[1:] if len(chain) > 1 else chain)  # the trust goes unsaid

    choices = [(str(u.pk), label(u)) for u in services.population_units(survey)]
    return sorted(choices, key=lambda choice: choice[1].casefold())
