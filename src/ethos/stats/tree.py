"""A unit hierarchy of any depth, held as arrays for fast roll-ups.

Units are indexed ``0..U-1`` in breadth-first order, so every parent comes before its children
and index 0 is the root (the organisation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ethos.stats import _kernels

ROOT_CODE = "ALL"


@dataclass(frozen=True, slots=True)
class UnitTree:
    """An immutable unit tree.

    Attributes
    ----------
    codes:
        Unit codes in breadth-first order; ``codes[0]`` is the root.
    names:
        Display names aligned with ``codes``.
    parent:
        Index of each unit's parent, ``-1`` for the root.
    depth:
        Depth of each unit, 0 for the root.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    parent: np.ndarray
    depth: np.ndarray

    @classmethod
    def from_parents(
        cls,
        codes: Sequence[str],
        parents: Sequence[str | None],
        names: Sequence[str] | None = None,
    ) -> UnitTree:
        """Build a tree from parallel lists of codes and parent codes (``None`` for the root).

        Raises ``ValueError`` naming the first duplicate code, unknown parent, extra root or
        cycle.

        A national tree has tens of thousands of units, so the checks look at whole lists
        first and walk them one by one only to name the first problem, and the breadth-first
        walk visits a level at a time, giving each unit's depth for free.
        """
        codes = [str(c) for c in codes]
        names = [str(n) for n in names] if names is not None else list(codes)
        if len(parents) != len(codes) or len(names) != len(codes):
            raise ValueError("codes, parents and names must have the same length")
        position = dict(zip(codes, range(len(codes)), strict=True))
        if len(position) != len(codes):
            seen: set[str] = set()
            for code in codes:
                if code in seen:
                    raise ValueError(f"unit code '{code}' appears more than once")
                seen.add(code)
        root, unknown = -1, -2
        parent_of = [root if p is None or p == "" else position.get(p, unknown) for p in parents]
        if parent_of.count(root) != 1:
            roots = [i for i, p in enumerate(parent_of) if p == root]
            found = ", ".join(codes[i] for i in roots[:5]) or "none"
            raise ValueError(f"exactly one unit must have no parent (the root); found {found}")
        if unknown in parent_of:
            i = parent_of.index(unknown)
            raise ValueError(f"unit '{codes[i]}' has unknown parent '{parents[i]}'")
        parent = np.asarray(parent_of, dtype=np.int64)
        order_list, sizes = _breadth_first(parent_of.index(root), parent)
        if len(order_list) != len(codes):
            reached = np.zeros(len(codes), dtype=bool)
            reached[order_list] = True
            stuck = int(np.argmin(reached))
            raise ValueError(f"unit '{codes[stuck]}' is part of a cycle of parents")
        order = np.asarray(order_list, dtype=np.int64)
        new_index = np.empty(len(codes), dtype=np.int64)
        new_index[order] = np.arange(len(order))
        old_parent = parent[order]
        return cls(
            codes=tuple([codes[i] for i in order_list]),
            names=tuple([names[i] for i in order_list]),
            parent=np.where(old_parent >= 0, new_index[old_parent], -1),
            depth=np.repeat(np.arange(len(sizes), dtype=np.int64), sizes),
        )

    @classmethod
    def flat(cls, codes: Sequence[str], root: str = ROOT_CODE) -> UnitTree:
        """All ``codes`` as children of one synthetic root."""
        unique = sorted(set(codes))
        if root in unique:
            raise ValueError(f"unit code '{root}' is reserved for the organisation root")
        return cls.from_parents(
            [root, *unique], [None, *([root] * len(unique))], ["Whole organisation", *unique]
        )

    @property
    def size(self) -> int:
        return len(self.codes)

    def index(self) -> dict[str, int]:
        """Map each code to its index."""
        return {code: i for i, code in enumerate(self.codes)}

    def rollup(self, direct: np.ndarray, in_place: bool = False) -> np.ndarray:
        """Sum ``direct`` (first axis = units) over each unit's whole subtree.

        With ``in_place`` a C-contiguous input is overwritten (saves a copy of a large array).

        Breadth-first order puts every child after its parent, so one compiled pass from the
        last unit to the first adds each finished subtree into its parent.
        """
        if direct.shape[0] != self.size:
            raise ValueError("the first axis must have one entry per unit")
        if in_place:
            total = np.ascontiguousarray(direct)
        else:
            total = _kernels.zeros(direct.shape, direct.dtype)
            total[...] = direct
        _kernels.rollup(total.reshape(self.size, -1), self.parent)
        return total

    def child_segments(self) -> tuple[np.ndarray, np.ndarray]:
        """Children grouped by parent, for ``np.ufunc.reduceat`` over units ``1..U-1``.

        Breadth-first order keeps each parent's children contiguous and parents ascending, so
        units ``1..U-1`` already form one run per parent. Returns ``(parents, starts)``: the
        parents that have children and, for each, the offset of its first child within
        ``1..U-1``.
        """
        child_parent = self.parent[1:]
        if child_parent.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, child_parent[1:] != child_parent[:-1]])
        return child_parent[starts], starts

    def child_ranges(self) -> tuple[np.ndarray, np.ndarray]:
        """``(first, count)``: each unit's children are units ``first .. first + count - 1``."""
        count = np.bincount(self.parent[1:], minlength=self.size).astype(np.int64)
        first = np.zeros(self.size, dtype=np.int64)
        parents, starts = self.child_segments()
        first[parents] = starts + 1
        return first, count

    def ancestors(self, index: int) -> list[int]:
        """Indices from ``index``'s parent up to the root."""
        out = []
        node = int(self.parent[index])
        while node >= 0:
            out.append(node)
            node = int(self.parent[node])
        return out


def _breadth_first(root: int, parent: np.ndarray) -> tuple[list[int], list[int]]:
    """Units in breadth-first order from ``root`` and the number of units at each depth.

    Each level is its parents' children in the parents' order, siblings in file order. One
    stable sort groups units by parent, so a level is the previous level's runs joined, made
    in numpy a level at a time (units in a cycle of parents are never reached).
    """
    by_parent = np.argsort(parent, kind="stable")
    first = np.searchsorted(parent[by_parent], np.arange(len(parent) + 1))
    levels, level = [np.array([root])], np.array([root])
    while True:
        starts, counts = first[level], first[level + 1] - first[level]
        size = int(counts.sum())
        if size == 0:
            break
        # the runs by_parent[starts[i]:starts[i] + counts[i]], one after another
        offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        level = by_parent[offsets + np.arange(size)]
        levels.append(level)
    return np.concatenate(levels).tolist(), [lv.size for lv in levels]
