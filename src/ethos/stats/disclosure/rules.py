"""The suppression rules, one function per rule.

Every rule works on the whole cube at once (all units, slots and measures) and marks cells to
hide in a shared ``reason`` array; :func:`protect` applies them until none fires. A cell's
``n`` is the number of respondents with a score for that measure in that group.

The rules, in the order of ``docs/methods/disclosure-control.md``:

1. :func:`primary`: fewer than ``k`` respondents, hidden.
2. :func:`hierarchy`: a shown unit minus its shown sub-units leaves 0 or at least ``k``
   people, never one hidden sub-unit alone, and no hidden cell is the sum of shown ones.
3. :func:`opaque_units`: a hidden unit shows no breakdown.
4. :func:`categories`: a unit's breakdowns are shown whole and together, or not at all.
5. :func:`unions`: a child's shown total cannot unlock its hidden breakdown at its parent.
6. :func:`cross_tabs`: two breakdowns side by side cannot single out a small group.

Each rule takes the units to look at (all by default) and returns the units whose cells it
hid, so that after the first round :func:`protect` looks again only where something changed.

The attacker in ``tests/stats/attacker.py`` checks the outcome: knowing every published cell
(and which groups are empty), it solves the whole linear system and must determine no hidden
cell and no group smaller than ``k``.
"""

from __future__ import annotations

import numpy as np

from ethos.stats import _kernels
from ethos.stats.cube import Cube

SHOWN = 0
NO_RESPONSES = 1
PRIMARY = 2
HIERARCHY = 3
CATEGORY = 4
UNIT_HIDDEN = 5
UNION = 6
CROSS = 7
ORGANISATION_ONLY = 8
BREAKDOWNS_AT = ("units", "organisation")

REASONS = {
    NO_RESPONSES: "no responses",
    PRIMARY: "fewer than {k} responses",
    HIERARCHY: "hidden so that a smaller group cannot be worked out by subtraction "
    "from the units above or beside it",
    CATEGORY: "hidden because another group in this breakdown is too small to show, "
    "and a breakdown is shown whole or not at all",
    UNIT_HIDDEN: "hidden because the unit's overall result is hidden",
    UNION: "hidden so that a smaller group cannot be worked out from the breakdown of the "
    "unit above it",
    CROSS: "hidden because two breakdowns shown together would single out a smaller group",
    ORGANISATION_ONLY: "breakdowns are shown for the whole organisation only (a setting of "
    "this survey)",
}
_NONE = np.empty(0, dtype=np.int64)


def protect(cube: Cube, k: int, breakdowns_at: str = "units") -> np.ndarray:
    """Return the reason code of every cell of ``cube`` (``SHOWN`` = publish).

    Applies :func:`primary` once (and :func:`organisation_only` when ``breakdowns_at`` is
    ``"organisation"``), then the hierarchy, opaque-unit and breakdown rules until
    they hide nothing more, then the union and cross-tab rules, and repeats until a full round
    hides nothing more. Every round only adds hidden cells, so it ends. Remainders are
    computed once per round: a rule that acts on a remainder made stale by an earlier rule in
    the same round can only hide more, and the loops stop only after a round that started
    from fresh remainders changed nothing.

    After the first round, each rule looks only at the units where its answer could have
    changed: units with a cell hidden since the rule last looked, and their ancestors (a rule
    reads a unit's own cells, its children's and its subtree's remainders, nothing else). The
    result is the same as looking at every unit every round (``tests/stats`` checks both
    ways); at national size it saves most of the rounds' time, since after the first round
    only tens of units change.
    """
    return _protect(cube, k, breakdowns_at, incremental=True)


def candidates(cube: Cube, k: int, breakdowns_at: str = "units") -> np.ndarray:
    """Flat positions (ascending) of the cells left shown by :func:`primary`,
    :func:`organisation_only` (when ``breakdowns_at`` is ``"organisation"``),
    :func:`opaque_units` and :func:`categories` applied once: every cell :func:`protect`
    shows is among them.

    Rules only ever hide, and :func:`protect` ends where the opaque-unit and breakdown rules
    hide nothing more, with every cell hidden here hidden there too; so
    :func:`~ethos.stats.disclosure.publish` computes values for these cells (at national size
    526,000, of which 470,000 end up shown; in 0.04 s) in another thread while
    :func:`protect` runs.
    """
    reason = _first_rules(cube, k, breakdowns_at)
    opaque_units(reason)
    categories(cube, reason, k)
    return np.flatnonzero(reason.ravel() == SHOWN)


def _first_rules(cube: Cube, k: int, breakdowns_at: str) -> np.ndarray:
    """:func:`primary`, then :func:`organisation_only` where ``breakdowns_at`` asks for it."""
    if breakdowns_at not in BREAKDOWNS_AT:
        raise ValueError(f"breakdowns_at must be one of {BREAKDOWNS_AT}, got {breakdowns_at!r}")
    reason = primary(cube.n, k)
    if breakdowns_at == "organisation":
        organisation_only(reason)
    return reason


def _protect(cube: Cube, k: int, breakdowns_at: str, incremental: bool) -> np.ndarray:
    reason = _first_rules(cube, k, breakdowns_at)
    scratch = _Scratch(cube)
    everyone = np.arange(cube.tree.size)

    def again(changed: np.ndarray) -> np.ndarray:
        return _with_ancestors(cube, changed) if incremental else everyone

    inner = outer = everyone  # the units the inner rules and the outer rules look at next
    while True:
        while True:  # the cheap rules first, to a fixed point
            remainders = _remainders(cube, reason, scratch, inner)
            hid = hierarchy(cube, reason, k, remainders, inner)
            opaque = opaque_units(reason, _join(inner, hid))
            cat = categories(cube, reason, k, _join(inner, hid, opaque))
            changed = np.concatenate([hid, opaque, cat])
            if changed.size == 0:
                break
            inner = again(changed)
            outer = _join(outer, inner)
        changed = unions(cube, reason, k, remainders[0], outer)
        changed = np.concatenate([changed, cross_tabs(cube, reason, k)])
        if changed.size == 0:
            return reason
        inner = outer = again(changed)


def _join(units: np.ndarray, *more: np.ndarray) -> np.ndarray:
    """Sorted unique units of ``units`` and ``more`` (``units`` itself when ``more`` is empty)."""
    if all(m.size == 0 for m in more):
        return units
    size = max(int(a.max()) for a in (units, *more) if a.size) + 1
    mark = np.zeros(size, dtype=bool)
    for a in (units, *more):
        mark[a] = True
    return np.flatnonzero(mark)


def _with_ancestors(cube: Cube, units: np.ndarray) -> np.ndarray:
    """Sorted unique ``units`` and every ancestor of theirs."""
    mark = np.zeros(cube.tree.size, dtype=bool)
    step = units
    while step.size:
        step = step[~mark[step]]
        mark[step] = True
        step = cube.tree.parent[step]
        step = step[step >= 0]
    return np.flatnonzero(mark)


class _Scratch:
    """Buffers that :func:`protect` reuses every round. Only the rows of units with children
    are ever written (:func:`~ethos.stats._kernels.carry_up`), so the pages of the leaves'
    rows (most of them, and last in breadth-first order) are never touched."""

    def __init__(self, cube: Cube) -> None:
        self.remainder = np.zeros(cube.n.shape, dtype=cube.n.dtype)
        self.pieces = np.zeros(cube.n.shape, dtype=np.int8)  # 0, 1 or 2 (= more)


def primary(n: np.ndarray, k: int) -> np.ndarray:
    """Rule 1: a cell with fewer than ``k`` respondents is hidden (counts, values, all)."""
    reason = _kernels.zeros(n.shape, dtype=np.int8)
    _kernels.primary_reasons(n, k, PRIMARY, NO_RESPONSES, reason)
    return reason


def organisation_only(reason: np.ndarray) -> None:
    """Rule 0, a survey setting: breakdowns are shown for the organisation (the root) only.

    Every unit below the root keeps its total but not its breakdowns. Then the root's
    breakdown remainder (see :func:`cross_tabs`) is the whole organisation, so breakdowns by
    two questions (ethnicity and disability, for WRES and WDES) can both be shown there where
    unit-level breakdowns would have hidden them. It only ever hides more.
    """
    below = reason[1:, 1:, :]
    below[below == SHOWN] = ORGANISATION_ONLY


def hierarchy(
    cube: Cube,
    reason: np.ndarray,
    k: int,
    remainders: tuple[np.ndarray, np.ndarray] | None = None,
    units: np.ndarray | None = None,
) -> np.ndarray:
    """Rule 2: subtracting shown sub-units from a shown unit must not expose a small group.

    For each unit, slot and measure, the *remainder* is the respondents of the unit's subtree
    who are in no shown cell of a proper descendant: its direct members plus the remainders of
    its hidden children. For every shown cell the remainder must be 0 or at least ``k``, and it
    must not be one hidden child's remainder alone (that child would be worked out exactly).
    A hidden cell whose remainder is 0 is the sum of shown cells, so it too would be known.
    Fix: hide the unit's smallest shown child; if it has none, hide the unit itself.
    Looks at ``units`` (all by default); returns the units it changed.
    """
    if cube.tree.size < 2:
        return _NONE
    remainder, pieces = remainders if remainders is not None else _remainders(cube, reason)
    # A leaf never violates: shown, its remainder is its own n (>= k); hidden, it is n > 0.
    first, count = cube.tree.child_ranges()
    inner = np.flatnonzero(count > 0) if units is None else units[count[units] > 0]
    return _kernels.hierarchy_fixes(
        reason, cube.n, cube.own, remainder, pieces, first, count, inner, k, SHOWN, HIERARCHY
    )


def _remainders(
    cube: Cube, reason: np.ndarray, scratch: _Scratch | None = None, units: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's remainder, and how many hidden children contribute a non-empty one (0, 1,
    or 2 for two or more), refreshed for ``units`` (sorted; all by default) in ``scratch``:
    for units with children only (a leaf's remainder is its ``n``; the rules never read a
    leaf's rows here)."""
    scratch = scratch or _Scratch(cube)
    first, count = cube.tree.child_ranges()
    order = np.arange(cube.tree.size - 1, -1, -1) if units is None else units[::-1]
    _kernels.carry_up(
        cube.own, cube.n, reason, first, count, order, scratch.remainder, scratch.pieces
    )
    return scratch.remainder, scratch.pieces


def opaque_units(reason: np.ndarray, units: np.ndarray | None = None) -> np.ndarray:
    """Rule 3: where a unit's overall result is hidden, all its breakdowns are hidden too.

    A hidden total with shown categories is partly known (total = the sum of its categories),
    so subtracting it from its parent would expose more than its hidden categories. Looks at
    ``units`` (all by default); returns the units it changed.
    """
    units = np.arange(reason.shape[0]) if units is None else units
    return units[_kernels.hide_breakdowns_of_hidden(reason, units, UNIT_HIDDEN, SHOWN)]


def categories(
    cube: Cube, reason: np.ndarray, k: int, units: np.ndarray | None = None
) -> np.ndarray:
    """Rule 4: a unit's breakdowns are shown whole and together, or not at all.

    If any category with respondents is hidden while the unit's total is shown, every category
    of every breakdown column of that unit is hidden: otherwise the total minus the shown
    categories would give the hidden ones away, alone or together, and with two columns the
    shown one would help solve the other (see :func:`cross_tabs`). If a column has a single
    category with respondents, that category is the whole unit, so hiding it means hiding the
    unit. Looks at ``units`` (all by default); returns the units it changed.
    """
    if not cube.layout.offsets:
        return _NONE
    layout = cube.layout
    ends = np.add(layout.offsets, [len(c) for c in layout.categories], dtype=np.int64)
    units = np.arange(cube.tree.size) if units is None else units
    changed = _kernels.hide_partial_breakdowns(reason, cube.n, ends, CATEGORY, SHOWN, units)
    return units[changed]


def unions(
    cube: Cube,
    reason: np.ndarray,
    k: int,
    remainder: np.ndarray | None = None,
    units: np.ndarray | None = None,
) -> np.ndarray:
    """Rule 5: a child's shown total must not unlock its hidden breakdown at the parent.

    When a unit shows its breakdown by a column and a child shows its total but hides its
    breakdown, the child's total is the sum of its categories. For any set S of categories,
    the parent's shown cells in S minus its shown children's cells leave the hidden mass in S;
    subtracting the totals of hidden-breakdown children whose categories all lie in S must not
    leave 1 to ``k - 1`` respondents. Every S is checked at once with a subset-sum transform
    over category bitmasks. Fix: hide the total of the smallest such child. Looks at the
    parents among ``units`` (all by default); returns the units it changed.
    """
    tree = cube.tree
    if remainder is None:
        remainder = _remainders(cube, reason)[0]
    first, count = tree.child_ranges()
    parents = np.arange(tree.size) if units is None else units
    total_shown = reason[:, 0, :] == SHOWN  # every decision of this call reads the same
    changed = [
        _kernels.union_fixes(
            cube.n,
            reason,
            remainder,
            total_shown,
            first,
            count,
            parents,
            offset,
            len(cats),
            k,
            UNION,
        )
        for offset, cats in zip(cube.layout.offsets, cube.layout.categories, strict=True)
        if len(cats) <= 16
    ]
    return np.concatenate(changed) if changed else _NONE


def cross_tabs(cube: Cube, reason: np.ndarray, k: int) -> np.ndarray:
    """Rule 6: two breakdowns shown together must not single out a small group.

    Where a unit shows its breakdowns, an attacker knows both margins of the cross-tab of the
    unit's *breakdown remainder*: its direct members plus every child whose breakdowns are
    hidden (recursively), since the shown children can be subtracted. With both margins known
    (and empty cells known to be empty), cells of that cross-tab can be solved for. So every
    non-empty cell of it must hold at least ``k`` respondents; then anything an attacker can
    solve for is a union of such cells. Fix: hide the unit's breakdowns. Looks at every unit
    (a unit's breakdown remainder reaches down its whole subtree); returns the units it
    changed.
    """
    if not cube.joint:
        return _NONE
    everyone = np.arange(cube.tree.size)
    _, hides = _kernels.breakdown_flags(cube.n, reason, 1, cube.layout.width, everyone)
    breakdown_hidden = hides | (reason[:, 0, :] > 0)
    first, count = cube.tree.child_ranges()
    exposed = np.zeros(breakdown_hidden.shape, dtype=bool)
    for joint in cube.joint:
        exposed |= _kernels.small_remainders(
            joint.start,
            joint.cell,
            joint.counts,
            joint.cells,
            breakdown_hidden,
            first,
            count,
            cube.tree.depth,
            k,
        )
    u, m = np.nonzero(exposed & ~breakdown_hidden)
    present = cube.n[u, 1:, m] > 0
    rows, slots = np.nonzero(present)
    reason[u[rows], 1 + slots, m[rows]] = CROSS
    return u[rows]
