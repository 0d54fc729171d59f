"""The suppression rules, one function per rule.

Every rule works on the whole cube at once (all units, slots and measures) and marks cells to
hide in a shared ``reason`` array; :func:`protect` applies them until none fires. A cell's
``n`` is the number of respondents with a score for that measure in that group.

Terms. An *equation* is a published total and the parts that add up to it:

- the hierarchy equation of a unit: its cell = its direct members + each child's cell
  (the direct members are never published, so they are always an unknown part);
- the category equation of a unit and a breakdown column: its total = the sum of its categories.

An attacker who knows every published cell can subtract the published parts from a published
total. What is left is the sum of the hidden parts. Each equation must leave that remainder
either empty or of at least ``k`` respondents, and must never leave a hidden cell as the only
unknown, or the hidden cell could be worked out exactly. The property tests in
``tests/stats/test_disclosure_rules.py`` let an attacker solve the whole linear system.
"""

from __future__ import annotations

import numpy as np

from ethos.stats.cube import Cube

SHOWN = 0
NO_RESPONSES = 1
PRIMARY = 2
HIERARCHY = 3
CATEGORY = 4
OVERLAP = 5
UNIT_HIDDEN = 6

REASONS = {
    NO_RESPONSES: "no responses",
    PRIMARY: "fewer than {k} responses",
    HIERARCHY: "hidden so that a smaller group cannot be worked out by subtraction "
    "from the units above or beside it",
    CATEGORY: "hidden because another group in this breakdown is too small to show, "
    "and a breakdown is shown whole or not at all",
    OVERLAP: "hidden because it overlaps another shown group too closely",
    UNIT_HIDDEN: "hidden because the unit's overall result is hidden",
}
_BIG = np.iinfo(np.int64).max


def protect(cube: Cube, k: int) -> np.ndarray:
    """Return the reason code of every cell of ``cube`` (``SHOWN`` = publish).

    Applies :func:`primary` once, then :func:`hierarchy`, :func:`categories` and
    :func:`overlap` in turn until a full round hides nothing more. Every round only adds
    hidden cells, so it ends.
    """
    reason = primary(cube.n, k)
    while True:
        changed = hierarchy(cube, reason, k)
        changed = opaque_units(reason) or changed
        changed = categories(cube, reason, k) or changed
        changed = overlap(cube, reason, k) or changed
        if not changed:
            return reason


def primary(n: np.ndarray, k: int) -> np.ndarray:
    """Rule 1: a cell with fewer than ``k`` respondents is hidden (counts, values, all)."""
    reason = np.zeros(n.shape, dtype=np.int8)
    reason[(n > 0) & (n < k)] = PRIMARY
    reason[n == 0] = NO_RESPONSES
    return reason


def hierarchy(cube: Cube, reason: np.ndarray, k: int) -> bool:
    """Rule 2: subtracting shown sub-units from a shown unit must not expose a small group.

    For each unit, slot and measure, the *remainder* is the respondents of the unit's subtree
    who are in no shown cell of a proper descendant: its direct members plus the remainders of
    its hidden children. For every shown cell the remainder must be 0 or at least ``k``, and it
    must not be one hidden child's remainder alone (that child would be worked out exactly).
    A hidden cell whose remainder is 0 is the sum of shown cells, so it too would be known.
    Fix: hide the unit's smallest shown child; if it has none, hide the unit itself.
    """
    if cube.tree.size < 2:
        return False
    n, hidden = cube.n, reason > 0
    remainder, pieces = _remainders(cube, hidden)
    shown = ~hidden
    small = shown & (remainder > 0) & (remainder < k)
    lone = shown & (pieces == 1) & (cube.direct_n == 0)
    known = hidden & (n > 0) & (remainder == 0)
    violation = small | lone | known
    if not violation.any():
        return False
    parents, starts = cube.tree.child_segments()
    child_n = n[1:]
    sizes = np.diff(np.r_[starts, child_n.shape[0]])
    local = np.arange(child_n.shape[0]) - np.repeat(starts, sizes)
    width = int(sizes.max()) + 1
    keyed = np.where(shown[1:] & (child_n > 0), child_n * width + local[:, None, None], _BIG)
    best = np.full(n.shape, _BIG, dtype=np.int64)
    best[parents] = np.minimum.reduceat(keyed, starts, axis=0)
    segment = np.zeros(n.shape[0], dtype=np.int64)
    segment[parents] = starts
    pick = violation & (best < _BIG)
    u, s, m = np.nonzero(pick)
    reason[1 + segment[u] + best[u, s, m] % width, s, m] = HIERARCHY
    u, s, m = np.nonzero(violation & ~pick & shown)
    reason[u, s, m] = HIERARCHY
    return bool(pick.any() or (violation & ~pick & shown).any())


def _remainders(cube: Cube, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's remainder, and how many hidden children contribute a non-empty one."""
    tree = cube.tree
    remainder = np.array(cube.direct_n, copy=True)
    pieces = np.zeros(remainder.shape, dtype=np.int64)
    for level in range(int(tree.depth.max()), 0, -1):
        nodes = np.flatnonzero(tree.depth == level)
        carried = np.where(hidden[nodes], remainder[nodes], 0)
        np.add.at(remainder, tree.parent[nodes], carried)
        np.add.at(pieces, tree.parent[nodes], (carried > 0).astype(np.int64))
    return remainder, pieces


def opaque_units(reason: np.ndarray) -> bool:
    """Rule 3: where a unit's overall result is hidden, all its breakdowns are hidden too.

    A hidden total with shown categories is partly known (total = the sum of its categories),
    so subtracting it from its parent would expose more than its hidden categories.
    """
    expose = (reason[:, :1, :] > 0) & (reason[:, 1:, :] == SHOWN)
    if not expose.any():
        return False
    reason[:, 1:, :][expose] = UNIT_HIDDEN
    return True


def categories(cube: Cube, reason: np.ndarray, k: int) -> bool:
    """Rule 4: a unit's breakdown by one column is shown whole or not at all.

    If any category with respondents is hidden while the unit's total is shown, every category
    of that column is hidden: otherwise the total minus the shown categories would give the
    hidden ones away, alone or together. If the column has a single category with
    respondents, that category is the whole unit, so hiding it means hiding the unit.
    """
    changed = False
    n = cube.n
    total_shown = reason[:, 0, :] == SHOWN
    for offset, cats in zip(cube.layout.offsets, cube.layout.categories, strict=True):
        block = slice(offset, offset + len(cats))
        present = n[:, block, :] > 0
        shown = (reason[:, block, :] == SHOWN) & present
        some_hidden = (present & ~shown).any(axis=1)
        partial = total_shown & some_hidden
        exposed = shown & partial[:, None, :]
        whole = partial & (present.sum(axis=1) == 1)
        if exposed.any() or whole.any():
            changed = True
            reason[:, block, :][exposed] = CATEGORY
            reason[:, 0, :][whole] = CATEGORY
    return changed


def overlap(cube: Cube, reason: np.ndarray, k: int) -> bool:
    """Rule 5: two groups from different breakdowns of one unit must not nearly coincide.

    If two shown cells (say "Black and minority ethnic" and "Medical and dental" in one ward)
    differ by 1 to ``k - 1`` respondents, the smaller is hidden. If a hidden cell has exactly
    the same members as a shown one, the shown one is hidden too, since it would reveal it.
    """
    changed = False
    layout = cube.layout
    for joint in cube.joint:
        hidden = reason > 0
        a0, b0 = layout.offsets[joint.first], layout.offsets[joint.second]
        ka, kb = joint.n.shape[1], joint.n.shape[2]
        a, b = cube.n[:, a0 : a0 + ka, :], cube.n[:, b0 : b0 + kb, :]
        ha, hb = hidden[:, a0 : a0 + ka, :], hidden[:, b0 : b0 + kb, :]
        apart = a[:, :, None, :] + b[:, None, :, :] - 2 * joint.n
        both = ~ha[:, :, None, :] & ~hb[:, None, :, :]
        near = both & (apart > 0) & (apart < k)
        same = (apart == 0) & (a[:, :, None, :] > 0)
        hide_a = (near & (a[:, :, None, :] <= b[:, None, :, :])) | (
            same & ~ha[:, :, None, :] & hb[:, None, :, :]
        )
        hide_b = (near & (a[:, :, None, :] > b[:, None, :, :])) | (
            same & ha[:, :, None, :] & ~hb[:, None, :, :]
        )
        if hide_a.any() or hide_b.any():
            changed = True
            u, i, _, m = np.nonzero(hide_a)
            reason[u, a0 + i, m] = OVERLAP
            u, _, j, m = np.nonzero(hide_b)
            reason[u, b0 + j, m] = OVERLAP
    return changed
