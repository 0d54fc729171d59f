"""The link between staff experience and outcomes (mission M8), analysed honestly.

* :func:`unit_correlation`: Pearson and Spearman correlations across units between a culture
  score and an outcome, with intervals and plain-English warnings;
* :func:`multilevel_slope`: monthly outcome values nested in units, with a random intercept
  per unit, against the culture score (per 1 SD between units by default);
* :func:`unit_outcomes`: the monthly outcomes frame reduced to one value per unit.

Every result says whether the association is favourable given the indicator's direction
(``"higher is better"`` or ``"lower is better"``) and always warns that association between
units is not evidence of cause. See ``docs/methods/culture-and-outcomes.md``.
"""

from __future__ import annotations

from ethos.stats.outcomes._common import (
    DIRECTIONS,
    FAVOURABLE,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    NOT_CAUSE,
    UNCLEAR,
    UNFAVOURABLE,
)
from ethos.stats.outcomes.correlation import (
    Correlation,
    UnitCorrelation,
    bonett_wright_interval,
    fisher_interval,
    unit_correlation,
)
from ethos.stats.outcomes.monthly import unit_outcomes
from ethos.stats.outcomes.multilevel import MultilevelResult, multilevel_slope

__all__ = [
    "DIRECTIONS",
    "FAVOURABLE",
    "HIGHER_IS_BETTER",
    "LOWER_IS_BETTER",
    "NOT_CAUSE",
    "UNCLEAR",
    "UNFAVOURABLE",
    "Correlation",
    "MultilevelResult",
    "UnitCorrelation",
    "bonett_wright_interval",
    "fisher_interval",
    "multilevel_slope",
    "unit_correlation",
    "unit_outcomes",
]
