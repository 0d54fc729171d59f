"""Who gets nominated, by ethnicity and disability band, against the whole workforce.

Everyone who can be nominated (people who have not opted out) is counted once, in a band of
:data:`~ethos.workforce.schema.ETHNICITY_BANDS` or
:data:`~ethos.workforce.schema.DISABILITY_BANDS`, as *nominated* or *not*. Two cuts are
made: nominated by at least one colleague, and nominated by at least ``threshold`` different
colleagues (the people whose names may be shown; most staff are named by somebody, so the
second cut says more about who is seen as a leader). Each table's rows are the bands and
its columns the two outcomes, so its row totals are the staff in each band and the column
total of *nominated* is everyone nominated: the nominated column's column percentages are
the nominees' profile and the row totals' column percentages the workforce's.

Counts leave through :func:`~ethos.stats.disclosure.publish_counts` and the relative
likelihood of being nominated (BME against White, Disabled against Non-disabled; people
whose band is Not stated are left out of both groups) through
:func:`~ethos.stats.disclosure.publish_rate_ratio`:

``RL = (nominated_a / staff_a) / (nominated_b / staff_b)``,

as in WRES indicator 2 (NHS England, *WRES technical guidance*), with the log-method
interval (Katz et al., 1978). Above 1, group A is the likelier to be nominated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ethos.stats.disclosure import (
    PublishedCounts,
    PublishedRateRatio,
    Suppressed,
    publish_counts,
    publish_rate_ratio,
)
from ethos.workforce.schema import (
    BME,
    DISABILITY_BANDS,
    DISABLED,
    ETHNICITY_BANDS,
    NON_DISABLED,
    WHITE,
)

__all__ = ["NOMINATED", "NOT_NOMINATED", "NomineeDiversity", "nominee_diversity"]

NOMINATED, NOT_NOMINATED = "Nominated", "Not nominated"
_STANDARDS = {
    "ethnicity": (ETHNICITY_BANDS, BME, WHITE),
    "disability": (DISABILITY_BANDS, DISABLED, NON_DISABLED),
}


@dataclass(frozen=True, slots=True)
class NomineeDiversity:
    """Published tables (bands by nominated or not) and relative likelihoods of nomination.

    *Nominated* means named by at least ``at_least`` different colleagues.
    ``ethnicity_likelihood`` compares BME with White staff, ``disability_likelihood``
    Disabled with Non-disabled staff; either is :class:`Suppressed` when a count it rests
    on is below the minimum group size.
    """

    at_least: int
    min_group: int
    ethnicity: PublishedCounts
    disability: PublishedCounts
    ethnicity_likelihood: PublishedRateRatio | Suppressed
    disability_likelihood: PublishedRateRatio | Suppressed


def _table(
    received: pl.DataFrame, column: str, bands: tuple[str, ...], at_least: int
) -> np.ndarray:
    """Counts shaped ``(bands, 2)``: nominated, then not nominated."""
    counts = np.zeros((len(bands), 2), dtype=np.int64)
    nominated = (pl.col("nominators") >= at_least).alias("nominated")
    grouped = received.group_by(column, nominated).len()
    for band, nominated, n in grouped.iter_rows():
        counts[bands.index(band), 0 if nominated else 1] = n
    return counts


def _likelihood(
    counts: np.ndarray, bands: tuple[str, ...], a: str, b: str, k: int
) -> PublishedRateRatio | Suppressed:
    i, j = bands.index(a), bands.index(b)
    return publish_rate_ratio(
        int(counts[i, 0]),
        int(counts[i].sum()),
        int(counts[j, 0]),
        int(counts[j].sum()),
        k,
        groups=(a, b),
    )


def nominee_diversity(received: pl.DataFrame, k: int, at_least: int = 1) -> NomineeDiversity:
    """Publish the nominee profile against the workforce (see the module doc).

    ``received`` has one row per person who can be nominated, with ``ethnicity``,
    ``disability`` and ``nominators`` (distinct colleagues who nominated them, 0 for none);
    a person counts as nominated when ``nominators >= at_least``. ``k`` is the minimum
    group size.
    """
    tables: dict[str, PublishedCounts] = {}
    ratios: dict[str, PublishedRateRatio | Suppressed] = {}
    for column, (bands, focus, other) in _STANDARDS.items():
        counts = _table(received, column, bands, at_least)
        tables[column] = publish_counts(counts, k, bands, (NOMINATED, NOT_NOMINATED))
        ratios[column] = _likelihood(counts, bands, focus, other, k)
    return NomineeDiversity(
        at_least=at_least,
        min_group=tables["ethnicity"].min_group,
        ethnicity=tables["ethnicity"],
        disability=tables["disability"],
        ethnicity_likelihood=ratios["ethnicity"],
        disability_likelihood=ratios["disability"],
    )
