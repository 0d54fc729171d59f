"""Leadership workforce analysis (mission M9).

From a reporting year's ``staff``, ``posts`` and ``successors`` frames
(:data:`ethos.workforce.schema.FRAMES`) and a unit tree (columns ``code``, ``name``,
``parent``), these functions return raw analyses as frozen dataclasses:

* :func:`post_summary`: posts, vacancies and acting or interim cover by unit and level;
* :func:`turnover`: turnover and stability for leaders and all staff, by unit and pay band;
* :func:`retirement_risk`: leaders by age band and retirement cliffs by directorate;
* :func:`leader_diversity`: BME representation among leaders against the workforce;
* :func:`succession`: ready-now successors, coverage and posts at risk;
* :func:`project` with :class:`Assumptions` (or :func:`observed_assumptions`): five years of
  leadership need against supply.

Count tables (:class:`CountTable`) are not fit to publish as they stand: pass them through
disclosure control. See ``docs/methods/leadership-workforce.md``.
"""

from __future__ import annotations

from ethos.stats.leadership._data import LEADER_BANDS
from ethos.stats.leadership.diversity import BME_SHARE, LeaderDiversity, leader_diversity
from ethos.stats.leadership.posts import ALL_LEVELS, PostSummary, post_summary
from ethos.stats.leadership.projection import (
    Assumptions,
    Projection,
    observed_assumptions,
    project,
)
from ethos.stats.leadership.retirement import RETIREMENT_COLUMN, RetirementRisk, retirement_risk
from ethos.stats.leadership.succession import Succession, succession
from ethos.stats.leadership.tables import CountTable, RateTable, rate_table
from ethos.stats.leadership.turnover import ALL_STAFF, LEADERS, Turnover, TurnoverResult, turnover

__all__ = [
    "ALL_LEVELS",
    "ALL_STAFF",
    "BME_SHARE",
    "LEADERS",
    "LEADER_BANDS",
    "RETIREMENT_COLUMN",
    "Assumptions",
    "CountTable",
    "LeaderDiversity",
    "PostSummary",
    "Projection",
    "RateTable",
    "RetirementRisk",
    "Succession",
    "Turnover",
    "TurnoverResult",
    "leader_diversity",
    "observed_assumptions",
    "post_summary",
    "project",
    "rate_table",
    "retirement_risk",
    "succession",
    "turnover",
]
