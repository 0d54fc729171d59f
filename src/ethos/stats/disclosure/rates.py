"""Disclosure control for rates and shares made from counts of people.

A rate shown next to its group's size gives its count away (``rate x total = events``), so
these functions publish a rate only when every count it implies is 0 or at least the
minimum group size ``k`` (:func:`rate_reason`):

- :func:`publish_rate_ratio`: a relative likelihood (WRES 2-4, WDES 2-3) with its interval
  and the two groups' rates;
- :func:`publish_share`: one group's share of a total (say, board members who are BME).

The plain-English account is ``docs/methods/equality-standards.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ethos.stats.disclosure.counts import min_group, whole_numbers
from ethos.stats.disclosure.published import Suppressed
from ethos.stats.likelihood import relative_likelihood

__all__ = [
    "RATE_REASONS",
    "SHARE_REASONS",
    "PublishedRateRatio",
    "PublishedShare",
    "publish_rate_ratio",
    "publish_share",
    "rate_reason",
]

SMALL_GROUP, FEW_EVENTS, FEW_OTHERS = 1, 2, 3
RATE_REASONS = {
    SMALL_GROUP: "fewer than {k} people in a group",
    FEW_EVENTS: "fewer than {k} people in a group had this outcome",
    FEW_OTHERS: "fewer than {k} people in a group did not have this outcome",
}
SHARE_REASONS = {
    SMALL_GROUP: "fewer than {k} people in the group",
    FEW_EVENTS: "fewer than {k} people counted in the percentage",
    FEW_OTHERS: "fewer than {k} people left out of the percentage",
}


@dataclass(frozen=True, slots=True)
class PublishedRateRatio:
    """A published relative likelihood ``(events_a / total_a) / (events_b / total_b)``.

    Every count here is 0 or at least the minimum group size (see :func:`rate_reason`);
    percentages are 0-100; the interval and ``corrected`` are as in
    :func:`ethos.stats.likelihood.relative_likelihood`.
    """

    group_a: str
    group_b: str
    events_a: int
    total_a: int
    events_b: int
    total_b: int
    percent_a: float
    percent_b: float
    rl: float
    ci_low: float
    ci_high: float
    level: float
    corrected: bool
    note: str


@dataclass(frozen=True, slots=True)
class PublishedShare:
    """A published share ``100 * count / total`` (count and rest each 0 or at least k)."""

    count: int
    total: int
    percent: float


def rate_reason(events: int, total: int, k: int) -> int:
    """The rule that stops a group's rate being published, or 0 if none does.

    A rate ``events / total`` shown next to its total gives ``events`` away, and ``total -
    events`` with it. So the group needs at least ``k`` people (:data:`SMALL_GROUP`), and
    both the people with the outcome (:data:`FEW_EVENTS`) and those without it
    (:data:`FEW_OTHERS`) must number 0 or at least ``k``.
    """
    if total < k:
        return SMALL_GROUP
    if 0 < events < k:
        return FEW_EVENTS
    if 0 < total - events < k:
        return FEW_OTHERS
    return 0


def _group_counts(events: int, total: int) -> tuple[int, int]:
    e, t = (int(x) for x in whole_numbers("events and totals", [events, total]))
    if e > t:
        raise ValueError(f"events ({e}) cannot exceed the group total ({t})")
    return e, t


def publish_rate_ratio(
    events_a: int,
    total_a: int,
    events_b: int,
    total_b: int,
    k: int,
    groups: tuple[str, str] = ("A", "B"),
    level: float = 0.95,
) -> PublishedRateRatio | Suppressed:
    """Publish the relative likelihood of an outcome in group A compared with group B.

    ``RL = (events_a / total_a) / (events_b / total_b)`` with the log-method interval of
    :func:`ethos.stats.likelihood.relative_likelihood` (Katz et al., 1978; Haldane-Anscombe
    correction for zero cells).

    Publication rule (:func:`rate_reason`, both groups): each group has at least ``k``
    people, and in each group the people with the outcome and the people without it each
    number 0 or at least ``k``. Then every count that can be worked out from what is shown
    (``rate x total = events``, ``total - events``) is 0 or at least ``k``. Otherwise the
    result is :class:`Suppressed` with the first rule that failed, and no number is made.
    """
    k = min_group(k)
    a, na = _group_counts(events_a, total_a)
    b, nb = _group_counts(events_b, total_b)
    code = rate_reason(a, na, k) or rate_reason(b, nb, k)
    if code:
        return Suppressed(RATE_REASONS[code].format(k=k))
    res = relative_likelihood(a, na, b, nb, level=level)
    return PublishedRateRatio(
        group_a=groups[0],
        group_b=groups[1],
        events_a=a,
        total_a=na,
        events_b=b,
        total_b=nb,
        percent_a=100.0 * res.rate_a,
        percent_b=100.0 * res.rate_b,
        rl=res.rl,
        ci_low=res.ci_low,
        ci_high=res.ci_high,
        level=res.level,
        corrected=res.corrected,
        note=res.note,
    )


def publish_share(count: int, total: int, k: int) -> PublishedShare | Suppressed:
    """Publish ``100 * count / total`` under the rule of :func:`rate_reason`.

    The total must be at least ``k``, and ``count`` and ``total - count`` each 0 or at least
    ``k``; otherwise :class:`Suppressed` with the reason (:data:`SHARE_REASONS`). The share
    and its total give ``count`` away, hence the rule.
    """
    k = min_group(k)
    c, n = _group_counts(count, total)
    code = rate_reason(c, n, k)
    if code:
        return Suppressed(SHARE_REASONS[code].format(k=k))
    return PublishedShare(count=c, total=n, percent=100.0 * c / n)
