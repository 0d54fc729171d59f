"""The minimum-rater rule: which rater groups a 360 report may show.

Self is the subject and the manager is one attributed rater: both are shown as they are.
Peers, direct reports and others are anonymous. Each needs at least ``min_raters`` distinct
raters with at least one scored answer (default 3, never fewer). Groups below that are
merged into "Others (combined)" when together they reach ``min_raters``; otherwise their
raters are hidden and left out of every figure in the report, including the pooled "all
others" figure, so that no hidden rater's scores can be worked out by subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ethos.stats.disclosure.published import Suppressed
from ethos.stats.feedback360._ratings import ANONYMOUS, RATER_GROUPS

__all__ = [
    "COMBINED",
    "DISPLAY_GROUPS",
    "GROUP_LABELS",
    "MIN_RATERS_FLOOR",
    "GroupSummary",
    "RaterPlan",
    "check_min_raters",
    "plan_raters",
]

MIN_RATERS_FLOOR = 3
COMBINED = "combined"
DISPLAY_GROUPS: tuple[str, ...] = (*RATER_GROUPS, COMBINED)
"""Groups as a report lists them: the rater groups, then "Others (combined)" if formed."""
GROUP_LABELS: dict[str, str] = {
    "self": "Self",
    "manager": "Manager (their own rating, not anonymous)",
    "peer": "Peers",
    "direct_report": "Direct reports",
    "other": "Others",
    COMBINED: "Others (combined)",
}


def too_few(k: int) -> str:
    """Why a hidden anonymous group shows nothing (the same whether it has 0, 1 or 2)."""
    return f"fewer than {k} raters in this group: not shown, and left out of every figure"


def merged(k: int) -> str:
    return f"fewer than {k} raters in this group: their ratings are in Others (combined)"


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """One group in the report: its label and how many raters it shows.

    ``raters`` is the number of raters with at least one scored answer, or
    :class:`Suppressed` for an anonymous group below the minimum (merged or hidden).
    ``attributed`` is true for self and manager, whose ratings are not anonymous;
    ``members`` lists the rater groups merged into "Others (combined)".
    """

    key: str
    label: str
    raters: int | Suppressed
    attributed: bool
    members: tuple[str, ...] = ()

    @property
    def shown(self) -> bool:
        return not isinstance(self.raters, Suppressed) and self.raters > 0


@dataclass(frozen=True, slots=True, eq=False)
class RaterPlan:
    """The outcome of the minimum-rater rule for one subject.

    ``display`` gives each rater's position in :data:`DISPLAY_GROUPS`, or -1 for a rater
    whose answers appear nowhere (a hidden rater, or one with no scored answer).
    """

    min_raters: int
    display: np.ndarray
    groups: tuple[GroupSummary, ...]

    def summary(self, key: str) -> GroupSummary | None:
        return next((g for g in self.groups if g.key == key), None)


def check_min_raters(k: object) -> int:
    """Return ``k`` if it is a whole number of at least 3; else ``ValueError``."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < MIN_RATERS_FLOOR:
        raise ValueError(
            f"min_raters must be a whole number of at least {MIN_RATERS_FLOOR}, got {k!r}"
        )
    return int(k)


def plan_raters(group: np.ndarray, qualifying: np.ndarray, min_raters: int = 3) -> RaterPlan:
    """Apply the minimum-rater rule.

    Parameters
    ----------
    group : array of int
        Each rater's position in :data:`RATER_GROUPS`.
    qualifying : array of bool
        Whether each rater gave at least one scored answer.
    min_raters : int
        The minimum ``k`` for an anonymous group (at least 3).

    Rule, with ``n_g`` the qualifying raters of anonymous group ``g``:

    1. ``n_g >= k``: the group is shown.
    2. The groups with ``0 < n_g < k`` are merged into "Others (combined)" when
       ``sum n_g >= k`` (a merged group always joins at least two groups).
    3. Otherwise those raters are hidden: shown nowhere and in no pooled figure.
    """
    k = check_min_raters(min_raters)
    group, qualifying = np.asarray(group), np.asarray(qualifying, dtype=bool)
    if group.shape != qualifying.shape:
        raise ValueError("group and qualifying must have one entry per rater")
    counts = {g: int(np.sum(qualifying & (group == i))) for i, g in enumerate(RATER_GROUPS)}
    small = [g for g in ANONYMOUS if 0 < counts[g] < k]
    combine = sum(counts[g] for g in small) >= k
    display = np.where(qualifying, group, -1)
    for g in small:
        at = (group == RATER_GROUPS.index(g)) & qualifying
        display[at] = DISPLAY_GROUPS.index(COMBINED) if combine else -1
    summaries = [_summary(g, counts[g], k, g in small, combine) for g in RATER_GROUPS]
    if combine:
        total = sum(counts[g] for g in small)
        summaries.append(GroupSummary(COMBINED, GROUP_LABELS[COMBINED], total, False, tuple(small)))
    return RaterPlan(k, display, tuple(summaries))


def _summary(key: str, count: int, k: int, small: bool, combine: bool) -> GroupSummary:
    label = GROUP_LABELS[key]
    if key not in ANONYMOUS:
        return GroupSummary(key, label, count, True)
    if count >= k:
        return GroupSummary(key, label, count, False)
    reason = merged(k) if small and combine else too_few(k)
    return GroupSummary(key, label, Suppressed(reason), False)
