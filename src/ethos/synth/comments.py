"""Short free-text comments, picked and combined from a bank written for Ethos.

About 15% of respondents answer each free-text question. The tone of a comment follows the
respondent's latent score on the question's element (support and compassion when none), plus
noise: low scorers mostly write critical comments, high scorers appreciative ones. About a third
of comments join two sentences.
"""

from __future__ import annotations

import numpy as np
import polars as pl

COMMENT_RATE = 0.15
SECOND_SENTENCE = 0.35
TONE_NOISE_SD = 0.7
TONE_CUT = 0.6

POSITIVE: tuple[str, ...] = (
    "My manager always makes time to listen when things are hard.",
    "The team pulls together on busy shifts and nobody is left on their own.",
    "I feel trusted to make decisions about the care I give.",
    "We get proper thanks when we go the extra mile.",
    "New starters are welcomed and given a good induction.",
    "Our huddles are short and useful, and everyone can speak up.",
    "I have been supported to do training that will help my career.",
    "When I raised a concern it was taken seriously and acted on.",
    "People here genuinely care about patients and about each other.",
    "Flexible working has made a real difference to my family life.",
    "We learn from incidents without looking for someone to blame.",
    "Senior leaders visit the ward and know us by name.",
    "I am proud of the care we give, even under pressure.",
    "Ideas from staff have changed how the department runs.",
)
MIXED: tuple[str, ...] = (
    "The team is great but staffing levels make it hard to give good care.",
    "My manager is supportive, though decisions above her often feel remote.",
    "Training is available but it is hard to get released from the rota.",
    "Things have improved this year, but communication could still be better.",
    "We are good at looking after patients and less good at looking after ourselves.",
    "Some departments work well together, others hardly talk to each other.",
    "I know the vision, but I am not sure how my job fits into it.",
    "Appraisals happen, but the objectives rarely come up again during the year.",
    "Breaks are encouraged, but on most shifts there is no cover to take them.",
    "More chances to share ideas across teams would help.",
    "Please keep the wellbeing sessions, and run them at times night staff can attend.",
    "It would help if rotas were published earlier.",
)
NEGATIVE: tuple[str, ...] = (
    "Nobody asks how we are coping and morale is very low.",
    "Concerns raised by staff disappear and nothing changes.",
    "There is a blame culture when something goes wrong.",
    "Some of us are treated less fairly than others when it comes to promotion.",
    "We are constantly short staffed and it is not safe.",
    "I have been spoken to rudely by a senior colleague and nothing was done.",
    "Decisions are made without asking the people who do the work.",
    "I do not feel valued and I am thinking about leaving.",
    "Abuse from patients and relatives is treated as part of the job.",
    "Managers change so often that nobody knows who to go to.",
    "It is hard to get time off for training or development.",
    "There is favouritism in how shifts and leave are allocated.",
    "I dread coming to work most days.",
    "We are told to be kind but we are not shown kindness ourselves.",
)
BANK: tuple[str, ...] = NEGATIVE + MIXED + POSITIVE
_OFFSETS = (0, len(NEGATIVE), len(NEGATIVE) + len(MIXED))
_SIZES = (len(NEGATIVE), len(MIXED), len(POSITIVE))


def make_comments(latent: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """One comment (or null) per respondent whose tone follows ``latent`` (standardised)."""
    n = latent.size
    writers = np.flatnonzero(rng.random(n) < COMMENT_RATE)
    m = writers.size
    tone_score = latent[writers] + rng.normal(0.0, TONE_NOISE_SD, m)
    tone = np.digitize(tone_score, [-TONE_CUT, TONE_CUT])  # 0 negative, 1 mixed, 2 positive
    offsets, sizes = np.array(_OFFSETS)[tone], np.array(_SIZES)[tone]
    first = (rng.random(m) * sizes).astype(np.int64)
    shift = 1 + (rng.random(m) * (sizes - 1)).astype(np.int64)
    second = pl.Series(offsets + (first + shift) % sizes)  # another sentence of the same tone
    second = second.scatter(np.flatnonzero(rng.random(m) >= SECOND_SENTENCE), None)
    bank = pl.Series("bank", BANK, dtype=pl.Utf8)
    frame = pl.DataFrame({"one": bank.gather(offsets + first), "two": bank.gather(second)})
    joined = frame.select(pl.concat_str("one", "two", separator=" ", ignore_nulls=True))
    out = pl.Series("comment", [None], dtype=pl.Utf8).extend_constant(None, n - 1)
    return out.scatter(writers, joined.to_series()) if m else out
