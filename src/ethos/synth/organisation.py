"""A synthetic NHS organisation: a four-level unit tree with headcounts.

Level 0 is the organisation, level 1 its divisions, level 2 directorates and level 3 the wards
and teams where most staff work. Leaf team sizes are lognormal (long right tail, at least one
person); a few managers (0 to 5) sit directly in each division, directorate and the root.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ethos.synth import names

ROOT_CODE = "R0A"
ROOT_NAME = "Synthetic NHS Trust"
STAFF_PER_UNIT = 25
LEAF_SIGMA = 1.2
MAX_MANAGERS = 5
UNIT_SCHEMA = {
    "code": pl.Utf8,
    "name": pl.Utf8,
    "parent": pl.Utf8,
    "level": pl.Int8,
    "headcount": pl.Int32,
}


def make_units(staff: int, units: int | None = None, seed: int = 0) -> pl.DataFrame:
    """Build a synthetic organisation of ``staff`` people in ``units`` units (all levels).

    Returns a frame with columns ``code``, ``name``, ``parent`` (null for the root), ``level``
    (0 root, 1 division, 2 directorate, 3 ward or team) and ``headcount`` (staff sitting in that
    unit directly), in breadth-first order. Headcounts sum to ``staff``. ``units`` defaults to
    about one unit per 25 staff. Raises ``ValueError`` when ``units < 4`` (a four-level tree
    needs one unit per level) or ``staff < units``.
    """
    if units is None:
        units = max(4, round(staff / STAFF_PER_UNIT))
    _check_sizes(staff, units)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 101]))
    n_div, n_dir, n_leaf = level_sizes(units)
    dir_parent = _spread(n_dir, n_div, rng)
    leaf_parent = _spread(n_leaf, n_dir, rng)
    managers, leaves = _headcounts(staff, 1 + n_div + n_dir, n_leaf, rng)
    div_codes, dir_codes, leaf_codes = _codes(n_div, dir_parent, leaf_parent)
    div_names, div_kind = names.division_names(n_div)
    dir_names, styles = names.directorate_names(np.asarray(div_kind)[dir_parent], _rank(dir_parent))
    start = rng.integers(1, 30, n_dir)[leaf_parent]
    leaf_names, _ = names.leaf_names([styles[d] for d in leaf_parent], _rank(leaf_parent), start)
    dir_code_arr = np.asarray(dir_codes, dtype=object)
    div_code_arr = np.asarray(div_codes, dtype=object)
    return pl.DataFrame(
        {
            "code": [ROOT_CODE, *div_codes, *dir_codes, *leaf_codes],
            "name": [ROOT_NAME, *div_names, *dir_names, *leaf_names],
            "parent": [
                None,
                *[ROOT_CODE] * n_div,
                *div_code_arr[dir_parent],
                *dir_code_arr[leaf_parent],
            ],
            "level": np.repeat(np.arange(4), [1, n_div, n_dir, n_leaf]),
            "headcount": np.concatenate([managers, leaves]),
        },
        schema=UNIT_SCHEMA,
    )


def _check_sizes(staff: int, units: int) -> None:
    for label, value in (("staff", staff), ("units", units)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{label} must be a whole number, got {value!r}.")
    if units < 4:
        raise ValueError(f"units must be at least 4 (one per level), got {units}.")
    if staff < units:
        raise ValueError(f"staff ({staff}) must be at least units ({units}).")


def level_sizes(units: int) -> tuple[int, int, int]:
    """Numbers of divisions, directorates and leaf teams for ``units`` units in all."""
    n_div = max(1, min(round(units**0.5 / 2.5), (units - 1) // 3))
    rest = units - 1 - n_div  # at least 2 * n_div, so every directorate can have a leaf
    n_dir = min(max(n_div, round(rest / 11)), rest // 2)
    return n_div, n_dir, rest - n_dir


def _spread(children: int, parents: int, rng: np.random.Generator) -> np.ndarray:
    """Parent index of each child: every parent gets at least one, the rest at random."""
    weights = rng.gamma(2.0, 1.0, parents)
    extra = rng.multinomial(children - parents, weights / weights.sum())
    return np.repeat(np.arange(parents), 1 + extra)


def _rank(parent: np.ndarray) -> np.ndarray:
    """Position of each child among its siblings (children are grouped by parent)."""
    first = np.searchsorted(parent, parent, side="left")
    return np.arange(parent.size) - first


def _headcounts(
    staff: int, inner: int, n_leaf: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Managers in the ``inner`` (non-leaf) units and staff in each leaf, summing to ``staff``."""
    managers = rng.integers(0, MAX_MANAGERS + 1, inner)
    budget = min(staff - n_leaf, staff // 10)
    if managers.sum() > budget:
        managers = np.floor(managers * (budget / managers.sum())).astype(np.int64)
    remaining = staff - int(managers.sum()) - n_leaf
    weights = np.exp(LEAF_SIGMA * np.clip(rng.standard_normal(n_leaf), -3.0, 3.0))
    return managers, 1 + allocate(remaining, weights)


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into whole numbers proportional to ``weights`` (largest remainders)."""
    share = weights / weights.sum() * total
    whole = np.floor(share).astype(np.int64)
    short = total - int(whole.sum())
    if short:
        order = np.argsort(-(share - whole), kind="stable")
        whole[order[:short]] += 1
    return whole


def _codes(
    n_div: int, dir_parent: np.ndarray, leaf_parent: np.ndarray
) -> tuple[list[str], list[str], list[str]]:
    """Hierarchical codes: ``DIV01``, ``DIR0103``, ``W010304``, widths growing with size."""
    w_div = max(2, len(str(n_div)))
    w_dir = max(2, len(str(int(np.bincount(dir_parent).max()))))
    w_leaf = max(2, len(str(int(np.bincount(leaf_parent).max()))))
    div_digits = [f"{i + 1:0{w_div}d}" for i in range(n_div)]
    dir_digits = [
        f"{div_digits[p]}{r + 1:0{w_dir}d}"
        for p, r in zip(dir_parent.tolist(), _rank(dir_parent).tolist(), strict=True)
    ]
    leaf_codes = [
        f"W{dir_digits[p]}{r + 1:0{w_leaf}d}"
        for p, r in zip(leaf_parent.tolist(), _rank(leaf_parent).tolist(), strict=True)
    ]
    return [f"DIV{d}" for d in div_digits], [f"DIR{d}" for d in dir_digits], leaf_codes
