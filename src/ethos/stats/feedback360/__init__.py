"""Leadership behaviours 360 (mission M6): one leader's report for one cycle.

A leader (the *subject*) rates themselves; their manager, peers, direct reports and others
rate them on the same statements (``load_instrument("leadership360")``: the four
compassionate leadership behaviours and the six NHS Constitution values as behaviours).
:func:`report_360` turns the ratings into a frozen :class:`Report360`:

* mean 0-10 scores per measure, item and rater group, with t intervals from three raters;
* "all others" (every shown non-self group pooled, the manager included) and the self-other
  gap;
* rater agreement per measure, rwg(j) with the uniform null (:func:`rwg_j`);
* strengths, development areas, blind spots and hidden strengths.

The minimum-rater rule (:func:`plan_raters`) protects anonymous raters: a group of peers,
direct reports or others needs at least three raters; smaller groups are merged into
"Others (combined)" when that reaches three, and otherwise hidden and left out of every
figure. The manager's rating is attributed, not anonymous. Plain English for leaders and
raters, and formulas for analysts: ``docs/methods/leadership-360.md``.
"""

from __future__ import annotations

from ethos.stats.feedback360._ratings import ANONYMOUS, COLUMNS, RATER_GROUPS
from ethos.stats.feedback360.agreement import (
    MIN_AGREEMENT_RATERS,
    Agreement,
    rwg_j,
    uniform_null_variance,
)
from ethos.stats.feedback360.highlights import (
    DEFAULT_GAP,
    self_other_flags,
    strengths_and_development,
)
from ethos.stats.feedback360.raters import (
    COMBINED,
    DISPLAY_GROUPS,
    GROUP_LABELS,
    MIN_RATERS_FLOOR,
    GroupSummary,
    RaterPlan,
    check_min_raters,
    plan_raters,
)
from ethos.stats.feedback360.report import report_360
from ethos.stats.feedback360.results import (
    Highlight,
    ItemResult,
    MeasureResult,
    Report360,
    Score,
)

__all__ = [
    "ANONYMOUS",
    "COLUMNS",
    "COMBINED",
    "DEFAULT_GAP",
    "DISPLAY_GROUPS",
    "GROUP_LABELS",
    "MIN_AGREEMENT_RATERS",
    "MIN_RATERS_FLOOR",
    "RATER_GROUPS",
    "Agreement",
    "GroupSummary",
    "Highlight",
    "ItemResult",
    "MeasureResult",
    "RaterPlan",
    "Report360",
    "Score",
    "check_min_raters",
    "plan_raters",
    "report_360",
    "rwg_j",
    "self_other_flags",
    "strengths_and_development",
    "uniform_null_variance",
]
