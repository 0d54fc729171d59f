"""Synthetic data for the leadership tools, with known, planted effects.

- :func:`synthesise_nominations`: peer nominations of leaders (mission M16), with a planted
  informal leader and people who opted out; :func:`nomination_people` builds the matching
  people frame for :func:`ethos.stats.nominations.analyse_nominations`.
- :func:`synthesise_360`: 360-degree feedback on leaders (M6), with a planted leader whose
  self-rating far exceeds everyone else's.
- :func:`plant_pseudo_team`: a pseudo-team (M10) planted in survey responses from
  :func:`ethos.synth.synthesise`, which itself is left unchanged.

Each returns its data and a JSON-ready ``truth`` record, and is deterministic for a seed.
"""

from __future__ import annotations

from ethos.synth.leadership.feedback import RATER_GROUPS, synthesise_360
from ethos.synth.leadership.nominations import VALUES, nomination_people, synthesise_nominations
from ethos.synth.leadership.teams import TEAM_TESTS, plant_pseudo_team

__all__ = [
    "RATER_GROUPS",
    "TEAM_TESTS",
    "VALUES",
    "nomination_people",
    "plant_pseudo_team",
    "synthesise_360",
    "synthesise_nominations",
]
