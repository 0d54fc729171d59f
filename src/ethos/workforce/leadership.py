"""Leadership workforce analysis (M9), published: what the leadership page and API show.

The analyses are :mod:`ethos.stats.leadership`'s. Counts of people by a characteristic (age
band, ethnicity) go through :func:`~ethos.stats.disclosure.publish_counts`, over the
directorates (which do not overlap; the organisation is their total); rates and likelihoods
about people through :func:`~ethos.stats.disclosure.rates.publish_share` and
:func:`~ethos.stats.disclosure.rates.publish_rate_ratio`. Counts of posts (vacancies, cover,
succession coverage) describe posts, not people, and are shown as they are, except the posts
at risk, which say something about their holders and are published as a protected share.
The retirement-cliff flag (the rule of :func:`ethos.stats.leadership.retirement_risk`) is
shown even where a directorate's exact share is hidden: it says only that the share is well
above the organisation's, which pins no count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ethos.stats import leadership as lead
from ethos.stats.disclosure import Suppressed, publish_counts
from ethos.stats.disclosure.counts import PublishedCounts
from ethos.stats.disclosure.rates import PublishedRateRatio, publish_rate_ratio, publish_share
from ethos.workforce import schema

NEEDED = ("staff", "posts", "successors")


@dataclass(frozen=True)
class Rate:
    """A published rate (0-100) with its interval, or ``hidden`` with the reason."""

    value: float | None
    low: float | None = None
    high: float | None = None
    hidden: str = ""


@dataclass(frozen=True)
class LeadershipReport:
    year: int
    names: dict[str, str]  # unit code -> name
    directorates: tuple[str, ...]
    posts: dict[str, dict[str, int]]  # unit -> level or measure -> posts
    retirement: PublishedCounts
    retirement_share: dict[str, Rate]
    cliffs: tuple[str, ...]
    leaders: PublishedCounts
    workforce: PublishedCounts
    likelihood: dict[str, PublishedRateRatio | Suppressed]
    turnover: dict[str, dict[str, Rate]]  # unit -> group -> turnover
    coverage: dict[str, Rate]  # level -> share of posts with a ready-now successor
    at_risk: dict[str, Rate]
    assumptions: lead.Assumptions
    observed: lead.Assumptions
    projection: lead.Projection
    leaders_now: int
    posts_now: int


def missing_files(organisation: Any, year: int) -> list[str]:
    from ethos.workforce.services import workforce_frames

    frames = workforce_frames(organisation, year)
    return [kind for kind in NEEDED if kind not in frames]


def units_frame(organisation: Any) -> pl.DataFrame:
    from ethos.organisations.models import Unit

    rows = Unit.objects.filter(organisation=organisation).values_list(
        "code", "name", "parent__code"
    )
    codes, names, parents = zip(*rows, strict=True) if rows else ((), (), ())
    return pl.DataFrame(
        {"code": list(codes), "name": list(names), "parent": list(parents)},
        schema={"code": pl.Utf8, "name": pl.Utf8, "parent": pl.Utf8},
    )


def leadership_report(
    organisation: Any, year: int, assumptions: lead.Assumptions | None = None
) -> LeadershipReport:
    """Every published figure of the leadership page. The files in :data:`NEEDED` must exist."""
    from ethos.workforce.services import workforce_frames

    frames = workforce_frames(organisation, year)
    units = units_frame(organisation)
    return build_report(frames, units, year, organisation.min_group_size, assumptions)


def build_report(
    frames: dict[str, pl.DataFrame],
    units: pl.DataFrame,
    year: int,
    k: int,
    assumptions: lead.Assumptions | None = None,
) -> LeadershipReport:
    """The published leadership analysis from the year's frames (no database)."""
    staff, posts, successors = (frames[kind] for kind in NEEDED)
    risk = lead.retirement_risk(staff, posts, units, year)
    diversity = lead.leader_diversity(staff, posts, units, year)
    directorates = risk.by_age.rows[1:]
    observed = lead.observed_assumptions(staff, posts, successors, units, year)
    chosen = assumptions or observed
    summary = lead.post_summary(posts, units)
    root = risk.by_age.rows[0]
    posts_now = int(summary.posts.row(root).sum())
    plans = lead.succession(staff, posts, successors, units, year)
    leaders_now = int(diversity.leaders.row(root).sum())
    return LeadershipReport(
        year=year,
        names=dict(zip(units["code"], units["name"], strict=True)),
        directorates=directorates,
        posts=_posts(summary, (root, *directorates)),
        retirement=_over_directorates(risk.by_age, directorates, k),
        retirement_share=_shares(risk.by_age, k),
        cliffs=risk.flagged,
        leaders=_over_directorates(diversity.leaders, directorates, k, (schema.BME,)),
        workforce=_over_directorates(diversity.workforce, directorates, k, (schema.BME,)),
        likelihood=_likelihoods(diversity, k),
        turnover=_turnover(lead.turnover(staff, units, year).groups, (root, *directorates), k),
        coverage=_coverage(plans),
        at_risk=_at_risk(plans, k),
        assumptions=chosen,
        observed=observed,
        projection=lead.project(posts_now, leaders_now, chosen),
        leaders_now=leaders_now,
        posts_now=posts_now,
    )


def _posts(summary: lead.PostSummary, rows: tuple[str, ...]) -> dict[str, dict[str, int]]:
    out = {}
    for unit in rows:
        by_level = dict(zip(summary.posts.columns, summary.posts.row(unit).tolist(), strict=True))
        by_level["Vacant"] = int(summary.vacant.row(unit).sum())
        by_level["Acting"] = int(summary.acting.row(unit).sum())
        by_level["Interim"] = int(summary.interim.row(unit).sum())
        out[unit] = by_level
    return out


def _over_directorates(
    table: lead.CountTable, rows: tuple[str, ...], k: int, keep: tuple[str, ...] = ()
) -> PublishedCounts:
    """``table``'s directorate rows, protected; ``keep`` columns are complements of last resort."""
    counts = np.array([table.row(r) for r in rows]) if rows else np.zeros((0, len(table.columns)))
    return publish_counts(counts.astype(int), k, rows, table.columns, keep=keep)


def _shares(table: lead.CountTable, k: int) -> dict[str, Rate]:
    """Share of each row in the retirement bands, published under the share rule."""
    wanted = [table.columns.index(b) for b in table.columns if b in schema.RETIREMENT_AGE_BANDS]
    out = {}
    for row in table.rows:
        counts = table.row(row)
        out[row] = _rate(publish_share(int(counts[wanted].sum()), int(counts.sum()), k))
    return out


def _rate(published: Any) -> Rate:
    if isinstance(published, Suppressed):
        return Rate(None, hidden=published.reason)
    return Rate(published.percent)


def _likelihoods(diversity: lead.LeaderDiversity, k: int) -> dict[str, Any]:
    out = {}
    columns = diversity.leaders.columns
    bme, white = columns.index(schema.BME), columns.index(schema.WHITE)
    for row in diversity.leaders.rows:
        leaders, everyone = diversity.leaders.row(row), diversity.workforce.row(row)
        out[row] = publish_rate_ratio(
            int(leaders[bme]),
            int(everyone[bme]),
            int(leaders[white]),
            int(everyone[white]),
            k,
            groups=(schema.BME, schema.WHITE),
        )
    return out


def _turnover(result: lead.Turnover, rows: tuple[str, ...], k: int) -> dict[str, dict[str, Rate]]:
    out: dict[str, dict[str, Rate]] = {}
    for row in rows:
        i = result.start.rows.index(row)
        out[row] = {}
        for j, group in enumerate(result.start.columns):
            start, leavers = int(result.start.counts[i, j]), int(result.leavers.counts[i, j])
            published = publish_share(min(leavers, start), start, k)
            if isinstance(published, Suppressed):
                out[row][group] = Rate(None, hidden=published.reason)
            else:
                rate = result.turnover
                out[row][group] = Rate(
                    100 * float(rate.rate[i, j]),
                    100 * float(rate.low[i, j]),
                    100 * float(rate.high[i, j]),
                )
    return out


def _coverage(result: lead.Succession) -> dict[str, Rate]:
    table = result.coverage
    root = 0
    return {
        level: Rate(
            100 * float(table.rate[root, j]),
            100 * float(table.low[root, j]),
            100 * float(table.high[root, j]),
        )
        for j, level in enumerate(table.columns)
        if table.denominator[root, j] > 0
    }


def _at_risk(result: lead.Succession, k: int) -> dict[str, Rate]:
    at_risk, posts = result.at_risk_counts, result.coverage
    return {
        level: _rate(publish_share(int(at_risk.counts[0, j]), int(posts.denominator[0, j]), k))
        for j, level in enumerate(at_risk.columns)
        if level in posts.columns and posts.denominator[0, posts.columns.index(level)] > 0
    }
