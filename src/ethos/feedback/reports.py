"""A subject's published 360: the report, the comments and their team's culture results.

Every figure comes from :func:`ethos.stats.feedback360.report_360`, which applies the
minimum-rater rule (hidden raters are left out of every figure). Comments follow the same
rule here through :func:`ethos.stats.feedback360.plan_raters`: only raters whose ratings are
shown in some group contribute, without their group, in alphabetical order. Nothing is
published before the cycle closes, so a report never changes once it can be read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ethos.feedback import services
from ethos.feedback.models import SELF, Cycle, Subject
from ethos.instruments import Instrument
from ethos.results.presenters import CellView, Notes, headline_measures, unit_cells
from ethos.results.services import current_results
from ethos.stats.disclosure.published import Suppressed
from ethos.stats.feedback360 import ANONYMOUS, RATER_GROUPS, Report360, plan_raters, report_360
from ethos.surveys.instrument import instrument_of
from ethos.surveys.models import Survey
from ethos.surveys.responding import Refused
from ethos.web.tokens import keyed_hash

CULTURE = "culture"
NO_SURVEY = "there is no closed culture survey yet"
NO_RESULTS = "the latest culture survey has no published results"


class NotPublished(Exception):
    """The cycle has not closed: nothing about its ratings may be shown yet."""


def instrument_for(cycle: Cycle) -> Instrument:
    return instrument_of(cycle.instrument_yaml)


def _ratings(subject: Subject) -> list[tuple[str, str, dict]]:
    if subject.cycle.status != Cycle.CLOSED:
        raise NotPublished("The 360 report is published when the cycle closes.")
    rows = subject.ratings.values_list("pk", "group", "answers").order_by("pk")
    return [(str(pk), group, answers) for pk, group, answers in rows]


def ratings_frame(ratings: list[tuple[str, str, dict]], instrument: Instrument) -> pl.DataFrame:
    """The long frame ``report_360`` takes: one row per rating and answered statement."""
    items = instrument.item_ids
    rows = [
        (group, key, item, answers[item])
        for key, group, answers in ratings
        for item in items
        if isinstance(answers.get(item), int)
    ]
    schema = {"rater_group": pl.Utf8, "rater": pl.Utf8, "item": pl.Utf8, "score": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def report_for(subject: Subject) -> Report360 | None:
    """The subject's published report (``None`` when no one rated them).

    Raises :class:`NotPublished` while the cycle is open.
    """
    instrument = instrument_for(subject.cycle)
    frame = ratings_frame(_ratings(subject), instrument)
    if frame.height == 0:
        return None
    return report_360(frame, instrument, min_raters=subject.cycle.min_raters)


# --- comments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentQuestion:
    id: str
    text: str
    comments: tuple[str, ...]


def comments_for(subject: Subject) -> tuple[CommentQuestion, ...] | Suppressed:
    """Comments from raters whose ratings are shown, without their group, sorted.

    The subject's own comments are left out (they wrote them). Hidden raters' comments
    appear nowhere. Comments are shown only when an anonymous group is shown, so that the
    manager's comments (which would be theirs alone) are never the only ones.
    """
    instrument = instrument_for(subject.cycle)
    ratings = _ratings(subject)
    k = subject.cycle.min_raters
    scoring = _scoring_codes(instrument)
    groups = np.array([RATER_GROUPS.index(g) for _, g, _ in ratings], dtype=np.int64)
    qualifying = np.array(
        [any(answers.get(i) in scoring[i] for i in scoring) for _, _, answers in ratings],
        dtype=bool,
    )
    plan = plan_raters(groups, qualifying, k)
    shown = [(g, a) for (_, g, a), d in zip(ratings, plan.display, strict=True) if d >= 0]
    if not any(g in ANONYMOUS for g, _ in shown):
        return Suppressed(
            f"comments are shown only when at least {k} colleagues' ratings are shown, so "
            "that no one's comments can be told apart"
        )
    out = []
    for question in instrument.free_text:
        texts = [a[question.id] for g, a in shown if g != SELF and a.get(question.id)]
        out.append(CommentQuestion(question.id, question.text, tuple(sorted(texts, key=_key))))
    return tuple(out)


def _key(text: str) -> tuple[str, str]:
    return (text.casefold(), text)


def _scoring_codes(instrument: Instrument) -> dict[str, frozenset[int]]:
    return {
        item.id: frozenset(
            o.code for o in instrument.scales[item.scale].options if o.score is not None
        )
        for item in instrument.items
    }


# --- the subject's team -----------------------------------------------------------------


@dataclass(frozen=True)
class TeamResults:
    """The published headline cells of the subject's unit in the latest culture survey.

    ``hidden`` says why nothing is shown ("" when at least one cell is shown); hidden cells
    keep their reasons, numbered in ``notes``.
    """

    unit: str
    survey: str
    cells: tuple[CellView, ...]
    notes: Notes
    hidden: str

    @property
    def shown(self) -> bool:
        return not self.hidden


def latest_culture_survey(cycle: Cycle) -> Survey | None:
    closed = Survey.objects.filter(
        organisation=cycle.organisation_id, status=Survey.CLOSED, instrument_id=CULTURE
    )
    return closed.order_by("-closes_on", "-created").first()


def team_results(subject: Subject) -> TeamResults:
    """The subject's own unit's culture results, as published (hidden cells stay hidden)."""
    unit = subject.staff.unit
    survey = latest_culture_survey(subject.cycle)
    if survey is None:
        return TeamResults(unit.name, "", (), Notes(), NO_SURVEY)
    results = current_results(survey)
    if results is None:
        return TeamResults(unit.name, survey.title, (), Notes(), NO_RESULTS)
    notes = Notes()
    cells = tuple(
        unit_cells(results.cells, unit.code, headline_measures(results.instrument), notes)
    )
    shown = [c for c in cells if not c.hidden]
    hidden = "" if shown else (cells[0].reason if cells else NO_RESULTS)
    return TeamResults(unit.name, survey.title, cells if shown else (), notes, hidden)


def subject_for_report(token: str) -> Subject:
    """The subject whose report link this is (sent when the cycle closed)."""
    token = (token or "").strip()
    found = (
        Subject.objects.select_related("cycle__organisation", "staff__unit", "manager")
        .filter(report_hash=keyed_hash(services.REPORT, token), cycle__status=Cycle.CLOSED)
        .first()
        if token
        else None
    )
    if found is None:
        raise Refused(
            "This link is not recognised. Use the link in the email that said your report "
            "is ready.",
            field="token",
        )
    return found
