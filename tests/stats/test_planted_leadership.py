"""The leadership issue's planted effects, put in by the generators and found by the analyses:
a leader whose self-rating far exceeds others' (360 blind spots), a pseudo-team with low
culture scores, and an informal leader who holds no post."""

from __future__ import annotations

import polars as pl

import ethos
from ethos.instruments import load_instrument
from ethos.stats.disclosure import Shown, Suppressed
from ethos.stats.feedback360 import report_360
from ethos.stats.nominations import analyse_nominations
from ethos.stats.teams import PSEUDO, assess_teams, culture_by_team_type
from ethos.synth import synthesise
from ethos.synth.leadership import (
    nomination_people,
    plant_pseudo_team,
    synthesise_360,
    synthesise_nominations,
)
from ethos.synth.workforce import synthesise_workforce


def test_the_self_over_rater_stands_out_and_nobody_else_does():
    """Single items are noisy (one self rating); the overall gap is where the planted leader
    stands out: self above all others by more than the blind-spot threshold, alone."""
    instrument = load_instrument("leadership360")
    items = [i.id for i in instrument.items]
    subjects = ["L1", "L2", "L3", "L4", "L5", "L6"]
    ratings, truth = synthesise_360(subjects, 3, items, self_over_rater="L2")
    flagged = set()
    for subject in subjects:
        theirs = ratings.filter(pl.col("subject") == subject).drop("subject")
        report = report_360(theirs, instrument)
        overall = report.measure("compassionate_leadership")
        if overall.gap >= report.gap_threshold:
            flagged.add(subject)
            assert report.blind_spots
    assert flagged == {truth["self_over_rater"]["subject"]}


def test_the_pseudo_team_is_classified_so_and_scores_lower():
    survey = synthesise(staff=6000, units=240, seed=4)
    responses, truth = plant_pseudo_team(survey.responses, survey.units, seed=4)
    cells = (
        ethos.analyse(responses, units=survey.units, reliability=False)
        .cells()
        .with_columns(pl.col(pl.Categorical).cast(pl.Utf8))
        .filter(pl.col("column") == "")
    )
    leaves = set(survey.units.filter(pl.col("level") == survey.units["level"].max())["code"])

    def published(code: str, measure: str) -> Shown | Suppressed:
        row = cells.filter((pl.col("unit") == code) & (pl.col("measure") == measure))
        if row.is_empty() or row["suppressed"][0]:
            return Suppressed("hidden")
        r = row.row(0, named=True)
        return Shown(r["n"], r["value"], r["ci_low"], r["ci_high"])

    assessment = assess_teams({c: published(c, "real_team") for c in leaves})
    status = {t.unit: t.status for t in assessment.teams}
    assert status[truth["unit"]] == PSEUDO
    scores = {c: {"support_compassion": _value(published(c, "support_compassion"))} for c in leaves}
    by_type = culture_by_team_type(assessment, scores, ["support_compassion"])
    planted = dict(next(p.scores for p in by_type.profiles if p.unit == truth["unit"]))
    shown = [
        dict(p.scores)["support_compassion"]
        for p in by_type.profiles
        if isinstance(dict(p.scores)["support_compassion"], float)
    ]
    assert planted["support_compassion"] < sorted(shown)[len(shown) // 4]  # bottom quarter


def _value(cell: Shown | Suppressed) -> float | Suppressed:
    return cell if isinstance(cell, Suppressed) else float(cell.value)


def test_the_informal_leader_without_a_post_is_found():
    survey = synthesise(staff=2000, units=80, seed=9)
    staff = synthesise_workforce(survey.units, 2026, seed=9)
    nominations, truth = synthesise_nominations(staff.frame("staff"), staff.posts, seed=9)
    people = nomination_people(staff.frame("staff"), staff.posts, truth)
    found = analyse_nominations(nominations, people)
    leaders = {n.staff_id for n in found.informal_leaders()}
    assert truth["informal_leader"]["staff_id"] in leaders
    assert not any(n.holds_post for n in found.informal_leaders())
    opted_out = set(truth["opted_out"])
    assert not opted_out & {n.staff_id for n in found.nominees}
