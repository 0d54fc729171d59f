"""Pure helpers: a published :class:`~ethos.stats.feedback360.Report360` in, rows for the
report page, its PDF and the API out.

Every number here is read from the report, whose figures already passed the minimum-rater
rule; a hidden figure has no number and gets none here, only "Hidden" and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ethos.feedback import reports
from ethos.feedback.models import Subject
from ethos.feedback.reports import CommentQuestion, TeamResults
from ethos.instruments import Instrument
from ethos.stats.disclosure.published import Suppressed
from ethos.stats.feedback360 import COMBINED, MIN_AGREEMENT_RATERS, Highlight, Report360, Score
from ethos.stats.feedback360.results import Figure, ItemResult, MeasureResult

LABELS = {
    "self": "Self (your own rating)",
    "manager": "Manager (your manager's own rating, not anonymous)",
    "peer": "Peers",
    "direct_report": "Direct reports",
    "other": "Others",
    COMBINED: "Others (combined)",
}
SHORT = {"self": "Self", "manager": "Manager (not anonymous)", "all_others": "All others"}
ALL_OTHERS = "All others"
SECTIONS = (
    ("compassionate_leadership", "Compassionate leadership behaviours"),
    ("values", "Living the NHS values"),
)


@dataclass(frozen=True)
class FigureView:
    """One group's figure, formatted; a hidden one has no numbers, only ``reason``."""

    group: str
    label: str
    shown: bool
    reason: str = ""
    value: str = ""
    interval: str = ""
    n: int | None = None
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def short(self) -> str:
        """A column heading: the label without its explanation."""
        return SHORT.get(self.group, self.label)

    def as_dict(self) -> dict[str, Any]:
        if not self.shown:
            return {"group": self.group, "label": self.label, "hidden": self.reason}
        return {
            "group": self.group,
            "label": self.label,
            "n": self.n,
            "mean": self.mean,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }


@dataclass(frozen=True)
class RowView:
    """A measure or a statement: each listed group's figure, all others, gap, agreement."""

    id: str
    label: str
    figures: tuple[FigureView, ...]
    all_others: FigureView
    gap: float | None
    agreement: float | None = None
    agreement_raters: int | None = None
    agreement_note: str = ""
    items: tuple[RowView, ...] = ()
    measure: bool = False

    @property
    def self_figure(self) -> FigureView:
        return self.figures[0]

    @property
    def gap_text(self) -> str:
        return signed(self.gap) if self.gap is not None else ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "groups": [f.as_dict() for f in self.figures],
            "all_others": self.all_others.as_dict(),
            "gap": self.gap,
        }
        if not self.measure:
            return out
        out["agreement_rwg_j"] = self.agreement
        out["agreement_raters"] = self.agreement_raters
        out["statements"] = [i.as_dict() for i in self.items]
        return out


def signed(value: float) -> str:
    rounded = round(value, 1)
    return "0.0" if rounded == 0 else f"{rounded:+.1f}"


def figure(group: str, label: str, found: Figure) -> FigureView:
    if isinstance(found, Suppressed):
        return FigureView(group, label, False, reason=found.reason)
    assert isinstance(found, Score)
    interval = ""
    if found.ci_low is not None and found.ci_high is not None:
        interval = f"{found.ci_low:.1f} to {found.ci_high:.1f}"
    return FigureView(
        group,
        label,
        True,
        value=f"{found.mean:.1f}",
        interval=interval,
        n=found.n,
        mean=round(found.mean, 6),
        ci_low=None if found.ci_low is None else round(found.ci_low, 6),
        ci_high=None if found.ci_high is None else round(found.ci_high, 6),
    )


def _row(result: MeasureResult | ItemResult, label: str) -> RowView:
    figures = tuple(figure(key, LABELS[key], cell) for key, cell in result.cells)
    return RowView(
        result.measure if isinstance(result, MeasureResult) else result.item,
        label,
        figures,
        figure("all_others", ALL_OTHERS, result.all_others),
        None if result.gap is None else round(result.gap, 6),
    )


def measure_row(report: Report360, result: MeasureResult, statements: int) -> RowView:
    """A measure's row, with its own statements (those whose most specific measure it is)."""
    items = tuple(_row(i, i.text) for i in report.items if i.measure == result.measure)
    row = _row(result, result.label)
    note = ""
    if result.agreement is None:
        note = (
            "not worked out for a single statement"
            if statements < 2
            else f"not worked out below {MIN_AGREEMENT_RATERS} raters"
        )
    rwg = None if result.agreement is None else round(result.agreement.rwg_j, 6)
    raters = None if result.agreement is None else result.agreement.raters
    return RowView(
        row.id, row.label, row.figures, row.all_others, row.gap, rwg, raters, note, items, True
    )


@dataclass(frozen=True)
class GroupView:
    key: str
    label: str
    raters: int | None
    reason: str


@dataclass(frozen=True)
class ReportView:
    """Everything a report page, PDF or API answer shows."""

    groups: tuple[GroupView, ...]
    sections: tuple[tuple[str, tuple[RowView, ...]], ...]
    strengths: tuple[Highlight, ...]
    development: tuple[Highlight, ...]
    blind_spots: tuple[Highlight, ...]
    hidden_strengths: tuple[Highlight, ...]
    min_raters: int

    @property
    def columns(self) -> tuple[str, ...]:
        """The groups whose figures a statement table lists: self, the manager and every
        anonymous group that is shown (a hidden group is listed, with its reason, in the
        group tables only)."""
        return tuple(g.key for g in self.groups if not g.reason)

    def as_dict(self) -> dict[str, Any]:
        return {
            "min_raters": self.min_raters,
            "groups": [
                {"group": g.key, "label": g.label, "raters": g.raters, "hidden": g.reason or None}
                for g in self.groups
            ],
            "measures": [row.as_dict() for _, rows in self.sections for row in rows],
            "strengths": [_highlight(h) for h in self.strengths],
            "development_areas": [_highlight(h) for h in self.development],
            "blind_spots": [_highlight(h) for h in self.blind_spots],
            "hidden_strengths": [_highlight(h) for h in self.hidden_strengths],
        }


def _highlight(h: Highlight) -> dict[str, Any]:
    return {
        "item": h.item,
        "text": h.text,
        "others": round(h.others, 6),
        "self": None if h.self_score is None else round(h.self_score, 6),
        "gap": None if h.gap is None else round(h.gap, 6),
    }


def report_view(report: Report360, instrument: Instrument) -> ReportView:
    groups = tuple(
        GroupView(
            g.key,
            LABELS[g.key],
            None if isinstance(g.raters, Suppressed) else g.raters,
            g.raters.reason if isinstance(g.raters, Suppressed) else "",
        )
        for g in report.groups
    )
    sizes = {m.id: len(set(instrument.measure_items(m))) for m in instrument.measures}

    def rows(chosen: list[MeasureResult]) -> tuple[RowView, ...]:
        return tuple(measure_row(report, m, sizes[m.measure]) for m in chosen)

    sections = tuple(
        (title, rows([m for m in report.measures if m.group == key])) for key, title in SECTIONS
    )
    others = [m for m in report.measures if m.group not in {k for k, _ in SECTIONS}]
    if others:
        sections += (("Other measures", rows(others)),)
    return ReportView(
        groups,
        tuple(s for s in sections if s[1]),
        report.strengths,
        report.development,
        report.blind_spots,
        report.hidden_strengths,
        report.min_raters,
    )


def comments_dict(comments: tuple[CommentQuestion, ...] | Suppressed) -> dict[str, Any]:
    if isinstance(comments, Suppressed):
        return {"hidden": comments.reason, "questions": []}
    return {
        "hidden": None,
        "questions": [{"id": q.id, "text": q.text, "comments": list(q.comments)} for q in comments],
    }


def team_dict(team: TeamResults) -> dict[str, Any]:
    return {
        "unit": team.unit,
        "survey": team.survey or None,
        "hidden": team.hidden or None,
        "measures": [
            {"measure": c.measure, "label": c.label, "hidden": c.reason}
            if c.hidden
            else {
                "measure": c.measure,
                "label": c.label,
                "value": c.raw,
                "ci_low": c.low,
                "ci_high": c.high,
                "n": int(c.n.replace(",", "")),
            }
            for c in team.cells
        ],
    }


@dataclass(frozen=True)
class Published:
    """A subject's whole published 360: the report (``None`` if no one rated them), the
    comments and their team's culture results."""

    subject: Subject
    report: ReportView | None
    comments: tuple[CommentQuestion, ...] | Suppressed
    team: TeamResults

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": {"id": str(self.subject.pk), "name": self.subject.staff.name},
            "cycle": {"id": str(self.subject.cycle_id), "title": self.subject.cycle.title},
            "manager": self.subject.manager.name,
            "report": None if self.report is None else self.report.as_dict(),
            "comments": comments_dict(self.comments),
            "team": team_dict(self.team),
        }


def published(subject: Subject) -> Published:
    """Raises :class:`~ethos.feedback.reports.NotPublished` while the cycle is open."""
    report = reports.report_for(subject)
    view = None if report is None else report_view(report, reports.instrument_for(subject.cycle))
    return Published(subject, view, reports.comments_for(subject), reports.team_results(subject))
