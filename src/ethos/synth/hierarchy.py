"""A units frame checked and turned into arrays: parent index, level, leaves, ancestors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ethos.synth.names import kind_of_name

REQUIRED = ("code", "name", "parent", "level", "headcount")


@dataclass(frozen=True, slots=True)
class Units:
    """Array view of a units frame, in the frame's row order."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    parent: np.ndarray
    level: np.ndarray
    headcount: np.ndarray

    @property
    def size(self) -> int:
        return len(self.codes)

    @property
    def is_leaf(self) -> np.ndarray:
        """True for units with no child units."""
        has_child = np.zeros(self.size, dtype=bool)
        has_child[self.parent[self.parent >= 0]] = True
        return ~has_child

    def kinds(self) -> list[str]:
        """Kind of each unit (ward, clinic, ...); staff sitting above the leaves are managers."""
        leaf = self.is_leaf.tolist()
        return [
            kind_of_name(n) if f else "management" for n, f in zip(self.names, leaf, strict=True)
        ]

    def ancestor_at(self, level: int) -> np.ndarray:
        """Index of each unit's ancestor (or itself) at ``level``; -1 when above that level."""
        out = np.where(self.level == level, np.arange(self.size), -1)
        current = self.parent.copy()
        while (current >= 0).any():
            hit = (out < 0) & (current >= 0) & (self.level[np.maximum(current, 0)] == level)
            out[hit] = current[hit]
            current = np.where(current >= 0, self.parent[np.maximum(current, 0)], -1)
        return out


def read_units(units: pl.DataFrame) -> Units:
    """Check a units frame (unique codes, known parents, one root, no cycles) into arrays.

    Raises ``ValueError`` naming the problem.
    """
    if not isinstance(units, pl.DataFrame):
        raise ValueError("units must be a polars DataFrame from make_units().")
    missing = [c for c in REQUIRED if c not in units.columns]
    if missing:
        raise ValueError(f"units is missing the column(s): {', '.join(missing)}.")
    codes = units["code"].cast(pl.Utf8).to_list()
    if len(set(codes)) != len(codes) or None in codes:
        raise ValueError("unit codes must be present and unique.")
    index = {code: i for i, code in enumerate(codes)}
    parents = units["parent"].cast(pl.Utf8).to_list()
    unknown = [p for p in parents if p is not None and p not in index]
    if unknown:
        raise ValueError(f"unknown parent unit(s): {', '.join(sorted(set(unknown))[:5])}.")
    parent = np.array([-1 if p is None else index[p] for p in parents], dtype=np.int64)
    if int((parent < 0).sum()) != 1:
        raise ValueError("units must have exactly one root (a unit with no parent).")
    headcount = units["headcount"].cast(pl.Int64).to_numpy()
    if headcount.min(initial=0) < 0:
        raise ValueError("headcounts must not be negative.")
    _check_acyclic(parent)
    names = units["name"].cast(pl.Utf8).fill_null("").to_list()
    level = units["level"].cast(pl.Int64).to_numpy()
    return Units(tuple(codes), tuple(names), parent, level, headcount)


def _check_acyclic(parent: np.ndarray) -> None:
    """Every unit must reach the root: jump 2, 4, 8 ... levels up until past the unit count."""
    jump = parent.copy()
    for _ in range(max(1, int(parent.size).bit_length() + 1)):
        jump = np.where(jump >= 0, jump[np.maximum(jump, 0)], -1)
    if (jump >= 0).any():
        raise ValueError("the unit tree has a cycle.")
