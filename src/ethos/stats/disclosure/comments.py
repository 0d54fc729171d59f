"""Free-text comments: shown only for large enough groups, shuffled, without timestamps.

A unit's comments are shown only if its group of respondents would be shown under the same
rules as scores (including the subtraction rules, so that a parent's comments minus its shown
children's comments never isolate a small group), with a threshold of at least 10 respondents.
Comments are returned in a fresh random order each time and carry no dates or ids.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ethos.stats.cube import Cube, Layout, Sums
from ethos.stats.disclosure.published import Suppressed
from ethos.stats.disclosure.rules import REASONS, SHOWN, protect
from ethos.stats.tree import UnitTree

COMMENT_MINIMUM = 10


@dataclass(frozen=True, slots=True)
class PublishedComments:
    """Comments that may be shown, per unit subtree."""

    tree: UnitTree
    threshold: int
    reason: np.ndarray
    by_unit: tuple[tuple[str, ...], ...]

    def for_unit(self, code: str, seed: int | None = None) -> tuple[str, ...] | Suppressed:
        """The comments of ``code``'s whole subtree in random order, or why they are hidden."""
        u = self.tree.codes.index(code)
        if self.reason[u] != SHOWN:
            return Suppressed(REASONS[int(self.reason[u])].format(k=self.threshold))
        members = _subtree(self.tree, u)
        texts = [t for i in members for t in self.by_unit[i]]
        rng = np.random.default_rng(seed if seed is not None else secrets.randbits(64))
        return tuple(texts[i] for i in rng.permutation(len(texts)))


def publish_comments(
    tree: UnitTree, units: np.ndarray, texts: Sequence[str | None], min_group: int
) -> PublishedComments:
    """Decide which units' comments may be shown.

    ``units`` gives each respondent's unit index and ``texts`` their comment (blank or
    ``None`` for none). The threshold is ``max(min_group, 10)`` respondents.
    """
    units = np.asarray(units, dtype=np.int64)
    if units.shape[0] != len(texts):
        raise ValueError("units and texts must have one entry per respondent")
    k = max(int(min_group), COMMENT_MINIMUM)
    direct = np.bincount(units, minlength=tree.size).astype(np.int64)[:, None, None]
    zeros = np.zeros(direct.shape)
    cube = Cube(
        tree,
        ("respondents",),
        np.zeros(1, dtype=bool),
        Layout((), (), ()),
        tree.rollup(direct),
        Sums(zeros, zeros),
        direct,
        (),
    )
    reason = protect(cube, k)[:, 0, 0]
    grouped: list[list[str]] = [[] for _ in range(tree.size)]
    for unit, text in zip(units.tolist(), texts, strict=True):
        if text is not None and str(text).strip():
            grouped[unit].append(str(text).strip())
    return PublishedComments(tree, k, reason, tuple(tuple(g) for g in grouped))


def _subtree(tree: UnitTree, root: int) -> list[int]:
    members, frontier = [root], [root]
    while frontier:
        frontier = np.flatnonzero(np.isin(tree.parent, frontier)).tolist()
        members.extend(frontier)
    return members
