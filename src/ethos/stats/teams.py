"""Team-working assessment (mission M10): real teams and pseudo-teams, per team.

A *real team* (West and Lyubovnikova, 2012; Lyubovnikova et al., 2015) meets three tests:
clear objectives its members share, work that needs them to work closely together
(interdependence), and regular meetings to review how the team works and how to do better
(reflexivity). Staff answer the three tests in the culture survey (``tw_shared_objectives``,
``tw_interdependent``, ``tw_review``); the measure ``real_team`` is the percentage of a
team's respondents who say yes to all three. Teams that look like teams but fail the tests
are *pseudo-teams*, which go with more errors, injuries, bullying and absence.

This module starts from *published* results (after disclosure control): for each team, its
``real_team`` share as a :class:`~ethos.stats.disclosure.Shown` (percent 0-100, Wilson
interval, n) or a :class:`~ethos.stats.disclosure.Suppressed` marker. It never sees a
respondent.

* :func:`classify_team` / :func:`assess_teams`: each team's class by the rule below, and the
  organisation's share of real teams with a Wilson interval;
* :func:`culture_by_team_type`: each team's culture scores beside its class, and the mean
  culture scores of real against pseudo-teams (Welch t test, teams as the unit).

The classification rule (``threshold`` = 50% by default): a team is a **real team** when the
lower end of its share's 95% interval is at least 50% (a majority of its members, allowing
for chance, say it meets all three tests); a **pseudo-team** when the upper end is below 50%;
otherwise **uncertain**, with the side its point estimate falls on given as ``leans``. A
hidden share makes a team **not shown**. Small teams have wide intervals, so many will be
uncertain: that is the honest answer, not a fault. See ``docs/methods/team-working.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ethos.stats.disclosure.published import Shown, Suppressed
from ethos.stats.intervals import welch_test, wilson_interval

__all__ = [
    "NOT_SHOWN",
    "PSEUDO",
    "REAL",
    "UNCERTAIN",
    "CultureByTeamType",
    "CultureContrast",
    "OrganisationShare",
    "TeamAssessment",
    "TeamClass",
    "TeamProfile",
    "assess_teams",
    "classify_team",
    "culture_by_team_type",
]

REAL, PSEUDO, UNCERTAIN, NOT_SHOWN = "real team", "pseudo-team", "uncertain", "not shown"
NO_SCORE = "no culture score published for this team"


@dataclass(frozen=True, slots=True)
class TeamClass:
    """One team's class: :data:`REAL`, :data:`PSEUDO`, :data:`UNCERTAIN` or :data:`NOT_SHOWN`.

    ``share`` is the published real-team share (percent of respondents meeting all three
    tests); ``leans`` is, for an uncertain team only, the class its point estimate alone
    would give (:data:`REAL` when at least the threshold, else :data:`PSEUDO`).
    """

    unit: str
    status: str
    share: Shown | Suppressed
    leans: str | None = None


@dataclass(frozen=True, slots=True)
class OrganisationShare:
    """How many teams fall in each class, and the share of real teams.

    ``real_share``: real teams as a percentage of *classified* teams (real + pseudo) with a
    Wilson interval (Wilson, 1927); uncertain and hidden teams are left out of it.
    ``majority_share``: teams whose point estimate is at least the threshold, as a
    percentage of all *shown* teams (uncertain ones included), also with a Wilson interval.
    Each is :class:`Suppressed` when it has no teams to count. ``Shown.n`` is teams, not
    people.
    """

    real: int
    pseudo: int
    uncertain: int
    not_shown: int
    real_share: Shown | Suppressed
    majority_share: Shown | Suppressed


@dataclass(frozen=True, slots=True)
class TeamAssessment:
    """Every team's class (in input order) and the organisation's share of real teams."""

    threshold: float
    level: float
    teams: tuple[TeamClass, ...]
    organisation: OrganisationShare

    def team(self, unit: str) -> TeamClass:
        for team in self.teams:
            if team.unit == unit:
                return team
        raise KeyError(unit)


def _check_share(unit: str, share: object) -> Shown | Suppressed:
    if isinstance(share, Suppressed):
        return share
    if not isinstance(share, Shown):
        raise ValueError(
            f"team '{unit}': expected a published share (Shown or Suppressed), "
            f"got {type(share).__name__}"
        )
    numbers = (share.value, share.ci_low, share.ci_high)
    if not all(math.isfinite(x) for x in numbers):
        raise ValueError(f"team '{unit}': the share and its interval must be finite numbers")
    if not 0.0 <= share.ci_low <= share.value <= share.ci_high <= 100.0:
        raise ValueError(
            f"team '{unit}': expected 0 <= ci_low <= share <= ci_high <= 100 (percent), got "
            f"{share.ci_low:g} <= {share.value:g} <= {share.ci_high:g}"
        )
    if isinstance(share.n, bool) or not isinstance(share.n, (int, np.integer)) or share.n < 1:
        raise ValueError(f"team '{unit}': n must be a whole number of respondents, got {share.n!r}")
    return share


def _check_threshold(threshold: float) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise ValueError(f"threshold must be a percentage, got {threshold!r}")
    if not 0.0 < threshold < 100.0:
        raise ValueError(f"threshold must be a percentage between 0 and 100, got {threshold}")
    return float(threshold)


def _check_level(level: float) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    return float(level)


def classify_team(unit: str, share: Shown | Suppressed, threshold: float = 50.0) -> TeamClass:
    """Classify one team from its published real-team share (percent, 0-100).

    ``REAL`` when ``ci_low >= threshold``; ``PSEUDO`` when ``ci_high < threshold``;
    ``UNCERTAIN`` otherwise (``leans`` = ``REAL`` when the share is at least the threshold,
    else ``PSEUDO``); ``NOT_SHOWN`` for a :class:`Suppressed` share. The interval is the one
    published with the share (a Wilson interval from :func:`ethos.stats.disclosure.publish`).
    """
    if not isinstance(unit, str) or not unit:
        raise ValueError(f"a team needs a unit code, got {unit!r}")
    limit = _check_threshold(threshold)
    checked = _check_share(unit, share)
    if isinstance(checked, Suppressed):
        return TeamClass(unit, NOT_SHOWN, checked)
    if checked.ci_low >= limit:
        return TeamClass(unit, REAL, checked)
    if checked.ci_high < limit:
        return TeamClass(unit, PSEUDO, checked)
    return TeamClass(unit, UNCERTAIN, checked, REAL if checked.value >= limit else PSEUDO)


def _share(successes: int, n: int, level: float, empty: str) -> Shown | Suppressed:
    if n == 0:
        return Suppressed(empty)
    interval = wilson_interval(successes, n, level)
    return Shown(n, 100.0 * successes / n, 100.0 * interval.low, 100.0 * interval.high)


def assess_teams(
    shares: Mapping[str, Shown | Suppressed], threshold: float = 50.0, level: float = 0.95
) -> TeamAssessment:
    """Classify every team (:func:`classify_team`) and count the organisation's real teams.

    ``real_share = 100 * real / (real + pseudo)`` and ``majority_share = 100 * (shown teams
    with share >= threshold) / shown teams``, each with a Wilson score interval (Wilson,
    1927) that treats the organisation's teams as a sample of the teams it could have. The
    first is the cleaner count but leaves out uncertain teams (often the smaller ones); the
    second counts every shown team but on point estimates alone. Read them together.

    Raises ``ValueError`` for no teams, a bad share, threshold or level, or shares that all
    look like proportions (every interval within 0-1) rather than percentages.
    """
    if not isinstance(shares, Mapping) or not shares:
        raise ValueError("shares must be a non-empty mapping of unit -> published share")
    level = _check_level(level)
    teams = tuple(classify_team(unit, share, threshold) for unit, share in shares.items())
    shown = [t.share for t in teams if isinstance(t.share, Shown)]
    if shown and all(s.ci_high <= 1.0 for s in shown) and any(s.value > 0 for s in shown):
        raise ValueError(
            "every real-team share and interval lies within 0-1: give percentages (0-100)"
        )
    count = {s: sum(t.status == s for t in teams) for s in (REAL, PSEUDO, UNCERTAIN, NOT_SHOWN)}
    majority = sum(s.value >= threshold for s in shown)
    organisation = OrganisationShare(
        real=count[REAL],
        pseudo=count[PSEUDO],
        uncertain=count[UNCERTAIN],
        not_shown=count[NOT_SHOWN],
        real_share=_share(
            count[REAL], count[REAL] + count[PSEUDO], level, "no team could be classified"
        ),
        majority_share=_share(majority, len(shown), level, "no team's share is shown"),
    )
    return TeamAssessment(float(threshold), level, teams, organisation)


@dataclass(frozen=True, slots=True)
class TeamProfile:
    """A team's class beside its published culture scores (measure -> value or hidden)."""

    unit: str
    status: str
    real_team: Shown | Suppressed
    scores: tuple[tuple[str, float | Suppressed], ...]

    def score(self, measure: str) -> float | Suppressed:
        for key, value in self.scores:
            if key == measure:
                return value
        raise KeyError(measure)


@dataclass(frozen=True, slots=True)
class CultureContrast:
    """Mean culture score of real teams against pseudo-teams, for one measure.

    Teams are the unit: each team with a shown score counts once, unweighted. ``difference``
    is real minus pseudo; ``t``, ``df``, ``p`` and the interval are Welch's (``None`` unless
    each side has two teams and the scores vary). Means are ``None`` for an empty side.
    """

    measure: str
    real_teams: int
    pseudo_teams: int
    real_mean: float | None
    pseudo_mean: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    t: float | None
    df: float | None
    p: float | None


@dataclass(frozen=True, slots=True)
class CultureByTeamType:
    """Team profiles (in assessment order) and one contrast per measure."""

    level: float
    profiles: tuple[TeamProfile, ...]
    contrasts: tuple[CultureContrast, ...]

    def contrast(self, measure: str) -> CultureContrast:
        for contrast in self.contrasts:
            if contrast.measure == measure:
                return contrast
        raise KeyError(measure)


def _check_scores(
    scores: Mapping[str, Mapping[str, float | Suppressed]], units: set[str]
) -> list[str]:
    """Check the culture scores; return the measures in first-seen order."""
    if not isinstance(scores, Mapping):
        raise ValueError("scores must be a mapping of unit -> {measure: value or Suppressed}")
    measures: dict[str, None] = {}
    for unit, row in scores.items():
        if unit not in units:
            raise ValueError(f"culture scores given for '{unit}', which was not assessed")
        if not isinstance(row, Mapping):
            raise ValueError(f"team '{unit}': scores must map measure -> value or Suppressed")
        for measure, value in row.items():
            ok = isinstance(value, Suppressed) or (
                isinstance(value, (int, float, np.floating))
                and not isinstance(value, bool)
                and math.isfinite(value)
            )
            if not ok:
                raise ValueError(
                    f"team '{unit}', measure '{measure}': expected a finite number or "
                    f"Suppressed, got {value!r}"
                )
            measures.setdefault(str(measure), None)
    return list(measures)


def culture_by_team_type(
    assessment: TeamAssessment,
    scores: Mapping[str, Mapping[str, float | Suppressed]],
    measures: Sequence[str] | None = None,
    level: float = 0.95,
) -> CultureByTeamType:
    """Put each team's published culture scores beside its class and compare the classes.

    For each measure, with ``x_i`` the shown scores of real teams and ``y_i`` of pseudo-teams:
    ``difference = mean(x) - mean(y)``; Welch's t test from the team means and SDs
    (Welch, 1947), ``t = difference / sqrt(s_x^2/n_x + s_y^2/n_y)`` with Welch-Satterthwaite
    df, and the interval ``difference +/- t_{(1+level)/2, df} * se``. Uncertain and hidden
    teams are shown in the profiles but left out of the contrast. It is an association
    across teams, not a cause: the same people answered both questions.

    ``measures`` defaults to every measure named in ``scores``, in first-seen order. A team
    with no scores, or a missing measure, gets :class:`Suppressed`.
    """
    level = _check_level(level)
    found = _check_scores(scores, {t.unit for t in assessment.teams})
    wanted = list(measures) if measures is not None else found
    if isinstance(measures, str) or not wanted:
        raise ValueError("measures must be a non-empty sequence of measure names")
    profiles = tuple(
        TeamProfile(
            t.unit,
            t.status,
            t.share,
            tuple((m, scores.get(t.unit, {}).get(m, Suppressed(NO_SCORE))) for m in wanted),
        )
        for t in assessment.teams
    )
    contrasts = tuple(_contrast(m, profiles, level) for m in wanted)
    return CultureByTeamType(level, profiles, contrasts)


def _side(profiles: Sequence[TeamProfile], status: str, measure: str) -> np.ndarray:
    values = [p.score(measure) for p in profiles if p.status == status]
    return np.array([float(v) for v in values if not isinstance(v, Suppressed)])


def _welch(real: np.ndarray, pseudo: np.ndarray, level: float) -> tuple[float | None, ...]:
    """Welch's t, df, p and the interval for mean(real) - mean(pseudo); ``None`` if undefined."""
    if real.size < 2 or pseudo.size < 2:
        return (None,) * 5
    sd1, sd2 = float(real.std(ddof=1)), float(pseudo.std(ddof=1))
    m1, m2 = float(real.mean()), float(pseudo.mean())
    res = welch_test(m1, sd1, real.size, m2, sd2, pseudo.size)
    if not np.isfinite(res.t):
        return (None,) * 5
    t, df, p = float(res.t), float(res.df), float(res.p)
    half = float(stats.t.ppf((1.0 + level) / 2.0, df)) * math.sqrt(
        sd1**2 / real.size + sd2**2 / pseudo.size
    )
    return t, df, p, m1 - m2 - half, m1 - m2 + half


def _contrast(measure: str, profiles: Sequence[TeamProfile], level: float) -> CultureContrast:
    real, pseudo = _side(profiles, REAL, measure), _side(profiles, PSEUDO, measure)
    real_mean = float(real.mean()) if real.size else None
    pseudo_mean = float(pseudo.mean()) if pseudo.size else None
    difference = None
    if real_mean is not None and pseudo_mean is not None:
        difference = real_mean - pseudo_mean
    t, df, p, low, high = _welch(real, pseudo, level)
    return CultureContrast(
        measure=measure,
        real_teams=int(real.size),
        pseudo_teams=int(pseudo.size),
        real_mean=real_mean,
        pseudo_mean=pseudo_mean,
        difference=difference,
        ci_low=low,
        ci_high=high,
        t=t,
        df=df,
        p=p,
    )
