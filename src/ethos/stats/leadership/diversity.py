"""Ethnic diversity of leaders against the workforce they lead."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ethos.stats.leadership._data import (
    check_level,
    directorates,
    leader_mask,
    read_posts,
    read_staff,
    subtree_counts,
    unit_tree,
)
from ethos.stats.leadership.tables import CountTable, RateTable, rate_table
from ethos.stats.likelihood import RelativeLikelihood, relative_likelihood
from ethos.workforce.schema import BME, ETHNICITY_BANDS, WHITE

__all__ = ["BME_SHARE", "LeaderDiversity", "leader_diversity"]

BME_SHARE = "BME share"
_WHITE, _BME = ETHNICITY_BANDS.index(WHITE), ETHNICITY_BANDS.index(BME)


@dataclass(frozen=True, slots=True, eq=False)
class LeaderDiversity:
    """Leaders and the workforce by ethnicity, for the organisation and each directorate.

    Attributes
    ----------
    names:
        Names of the rows: the organisation first, then each directorate (child of the root).
    leaders:
        People holding a leadership post on 31 March, by ethnicity band.
    workforce:
        Everyone in post on 31 March (and every post holder), by ethnicity band.
    leader_share, workforce_share:
        ``BME / (BME + White)``: the BME share with "Not stated" left out, Wilson intervals.
    likelihood:
        Per row, the relative likelihood of a BME member of the workforce holding a
        leadership post compared with a White one; ``None`` where either group is empty.
    """

    names: tuple[str, ...]
    leaders: CountTable
    workforce: CountTable
    leader_share: RateTable
    workforce_share: RateTable
    likelihood: tuple[RelativeLikelihood | None, ...]


def _likelihood(
    leaders: np.ndarray, workforce: np.ndarray, level: float
) -> RelativeLikelihood | None:
    if workforce[_BME] == 0 or workforce[_WHITE] == 0:
        return None
    return relative_likelihood(leaders[_BME], workforce[_BME], leaders[_WHITE], workforce[_WHITE])


def leader_diversity(
    staff: object, posts: object, units: object, year: int, level: float = 0.95
) -> LeaderDiversity:
    """BME representation among leaders against the workforce, with relative likelihoods.

    For the organisation and each directorate (a child of the root), over its subtree, with
    people counted once in the unit of their staff record:

    * ``leader share = B_L / (B_L + W_L)`` and ``workforce share = B_W / (B_W + W_W)``, where
      ``B`` and ``W`` count Black and minority ethnic and White people among leaders (``L``,
      holders of a leadership post on 31 March) and the workforce (``W``, everyone in post on
      31 March, with every post holder); "Not stated" is left out of both. Wilson intervals.
    * ``RL = (B_L / B_W) / (W_L / W_W)``, the relative likelihood of a BME member of the
      workforce holding a leadership post compared with a White one, with the log-method
      interval and zero-cell rule of :func:`ethos.stats.likelihood.relative_likelihood`
      (NHS England, *Workforce Race Equality Standard technical guidance*). ``RL < 1`` means
      BME staff are less likely than White staff to hold a leadership post.

    Parameters
    ----------
    staff, posts : polars.DataFrame
        The ``staff`` and ``posts`` frames.
    units : polars.DataFrame
        Columns ``code``, ``name`` and ``parent``.
    year : int
        Reporting year: the workforce is the staff in post on its last day.
    level : float
        Confidence level.

    Returns
    -------
    LeaderDiversity
        Count tables are raw; pass them to disclosure control before publishing.

    Raises
    ------
    ValueError
        On bad frames, a post holder missing from the staff frame, or a bad ``year`` or
        ``level``.
    """
    level = check_level(level)
    tree = unit_tree(units)
    people = read_staff(staff, tree, year)
    leaders = leader_mask(read_posts(posts, tree), people)
    rows = directorates(tree)
    width = len(ETHNICITY_BANDS)
    lead = subtree_counts(tree, people.unit, people.ethnicity, width, leaders)[rows]
    work = subtree_counts(tree, people.unit, people.ethnicity, width, people.at_end | leaders)
    work = work[rows]
    codes = tuple(tree.codes[i] for i in rows)

    def share(counts: np.ndarray) -> RateTable:
        stated = counts[:, [_BME]] + counts[:, [_WHITE]]
        return rate_table(codes, (BME_SHARE,), counts[:, [_BME]], stated, level)

    return LeaderDiversity(
        names=tuple(tree.names[i] for i in rows),
        leaders=CountTable(codes, ETHNICITY_BANDS, lead),
        workforce=CountTable(codes, ETHNICITY_BANDS, work),
        leader_share=share(lead),
        workforce_share=share(work),
        likelihood=tuple(_likelihood(a, b, level) for a, b in zip(lead, work, strict=True)),
    )
