"""Who the respondents are: a staff group from the kind of unit they work in, then answers to
every demographic question of the instrument, drawn given that staff group.

Questions are recognised from their ids, text and option labels (see
:mod:`ethos.synth.demographics`); unknown questions are answered uniformly over their options.
About 3% choose a "prefer not to say" option where there is one, and 1% leave a question blank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ethos.instruments.model import Demographic, Instrument
from ethos.synth import demographics
from ethos.synth.names import GROUPS, KINDS, STAFF_MIX

BLANK = 0.01
PRIVATE = 0.02  # respondents who prefer not to say any demographic at all, as real ones do


@dataclass(frozen=True, slots=True)
class Answers:
    """Answer codes per respondent for one question, with a mask of blank answers."""

    codes: np.ndarray
    blank: np.ndarray


def staff_groups(kinds: list[str], unit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Staff group index (into ``GROUPS``) of each respondent, from their unit's kind."""
    kind_index = np.array([KINDS.index(k) for k in kinds], dtype=np.int64)
    mix = np.array([STAFF_MIX[k] for k in KINDS], dtype=float)
    return draw(rng, kind_index[unit], mix / mix.sum(axis=1, keepdims=True))


def draw(rng: np.random.Generator, cls: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """For each row, an option index drawn from ``probs[cls[row]]`` (rows of ``probs`` sum to 1)."""
    cum = np.cumsum(probs, axis=1)[:, :-1]
    u = rng.random(cls.size)
    out = np.zeros(cls.size, dtype=np.intp)
    for column in cum.T:  # count the cumulative bounds each uniform draw passes
        out += u >= column[cls]
    return out


def answer_probabilities(question: Demographic) -> tuple[np.ndarray, np.ndarray]:
    """Option codes and their probabilities per staff group (``GROUPS`` x options)."""
    hidden = demographics.not_stated_codes(question)
    stated = [o for o in question.options if o.code not in hidden]
    withheld = [o for o in question.options if o.code in hidden]
    if not stated:
        return np.array(question.codes), np.full(
            (len(GROUPS), len(question.codes)), 1 / len(question.codes)
        )
    share = demographics.NOT_STATED_SHARE if withheld else 0.0
    probs = demographics.weights(question, stated) * (1 - share)
    if withheld:
        probs = np.hstack([probs, np.full((len(GROUPS), len(withheld)), share / len(withheld))])
    codes = np.array([o.code for o in stated + withheld], dtype=np.int64)
    return codes, probs


def answer_demographics(
    instrument: Instrument, group: np.ndarray, rng: np.random.Generator
) -> dict[str, Answers]:
    """Answers to every demographic question for respondents of the given staff groups."""
    out: dict[str, Answers] = {}
    for question in instrument.demographics:
        codes, probs = answer_probabilities(question)
        chosen = codes[draw(rng, group, probs)]
        out[question.id] = Answers(chosen, rng.random(group.size) < BLANK)
    private = rng.random(group.size) < PRIVATE
    for question in instrument.demographics:
        withheld = sorted(demographics.not_stated_codes(question) & set(question.codes))
        if withheld:
            out[question.id].codes[private] = withheld[0]
    return out
