"""An attacker who knows every published cell and solves the linear system.

The unknowns are *atoms*: the respondents of one unit (directly, not its children) who share
one category in every breakdown column. Every published cell is the sum of a set of atoms, and
the attacker learns that sum (of counts and of scores alike). A set of atoms is *determined*
when its indicator vector lies in the row space of the published cells; the attacker then
knows its count and its total score exactly.

The attacker is strong: atoms with no respondents are treated as known zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.linalg import null_space

from ethos.stats.cube import Cube


@dataclass(frozen=True)
class Leak:
    what: str
    n: int


def atoms_of(cube: Cube, units: np.ndarray, codes: list[np.ndarray], valid: np.ndarray):
    """Non-empty atoms (unit, category per column) and their respondent counts."""
    keys = np.column_stack([units, *codes])[valid]
    if keys.size == 0:
        return [], np.zeros(0, dtype=int)
    unique, counts = np.unique(keys, axis=0, return_counts=True)
    return [tuple(int(v) for v in row) for row in unique], counts


def cell_members(cube: Cube, atoms: list[tuple[int, ...]]) -> np.ndarray:
    """Indicator matrix ``[unit * slot, atom]``: which atoms each cell adds up."""
    tree, layout = cube.tree, cube.layout
    ancestors = [set([u, *tree.ancestors(u)]) for u in range(tree.size)]
    matrix = np.zeros((tree.size, layout.width, len(atoms)))
    for a, atom in enumerate(atoms):
        unit, cats = atom[0], atom[1:]
        for u in ancestors[unit]:
            matrix[u, 0, a] = 1
            for j, cat in enumerate(cats):
                matrix[u, layout.offsets[j] + cat, a] = 1
    return matrix


def find_leaks(
    cube: Cube,
    reason: np.ndarray,
    units: np.ndarray,
    codes: list[np.ndarray],
    valid: np.ndarray,
    k: int,
    measure: int = 0,
    max_subset: int = 4,
) -> list[Leak]:
    """Every hidden cell, and every group smaller than ``k``, that the attacker can determine."""
    atoms, counts = atoms_of(cube, units, codes, valid)
    if not atoms:
        return []
    members = cell_members(cube, atoms)
    shown = reason[:, :, measure] == 0
    published = members[shown]
    basis = null_space(published) if published.size else np.eye(len(atoms))

    def determined(vector: np.ndarray) -> bool:
        return basis.shape[1] == 0 or bool(np.abs(vector @ basis).max() < 1e-8)

    leaks = []
    for u, s in zip(*np.nonzero(~shown), strict=True):
        vector = members[u, s]
        size = int(vector @ counts)
        if size > 0 and determined(vector):
            leaks.append(Leak(f"hidden cell unit={u} slot={s}", size))
    small = [i for i, c in enumerate(counts) if c < k]
    for size in range(1, max_subset + 1):
        for subset in combinations(small, size):
            total = int(counts[list(subset)].sum())
            if total >= k:
                continue
            vector = np.zeros(len(atoms))
            vector[list(subset)] = 1
            if determined(vector):
                leaks.append(Leak(f"group of atoms {[atoms[i] for i in subset]}", total))
    return leaks
