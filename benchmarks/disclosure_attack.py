"""Disclosure attack on random organisations, through the web platform's outputs.

For each organisation: a random unit tree of 3 to 20 units with random sizes (tiny and empty
units included), a small instrument with one or two breakdown questions whose categories are
random, a minimum group size of 5 to 10, and breakdowns shown for every unit or for the
organisation only. Every response goes in through the real submission service (one SQLite
transaction per organisation), the survey is closed through ``close_survey`` (which publishes
the snapshot), and the results are read back the way an outsider reads them, with Django's
test client in process (the real URLs, views, API and exports): the API JSON as the
organisation's admin and as a unit manager, and the CSV export as the admin (managers may not
export). Then the linear-system attacker of ``tests/stats/attacker.py`` (through
``tests/web/disclosure_outputs.py``) works on all of them together, knowing every respondent's
unit and categories: no hidden cell and no group smaller than the minimum may be determined.

    .venv/bin/python benchmarks/disclosure_attack.py [--organisations 1000] [--seed 2026]

Prints organisations, cells published (shown) and hidden, hidden cells derivable, small
groups derivable, and the time taken; exits 1 on any leak.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MAX_SUBSET = 2  # small groups of up to this many atoms are tried (hidden cells: all of them)

INSTRUMENT = """\
id: attack_{index}
version: "1.0"
title: Attack check {index}
scales:
  agree5:
    options:
      - {{code: 1, label: Strongly disagree}}
      - {{code: 2, label: Disagree}}
      - {{code: 3, label: Neither agree nor disagree}}
      - {{code: 4, label: Agree}}
      - {{code: 5, label: Strongly agree}}
      - {{code: 9, label: "Don't know", scoring: false}}
  yesno:
    options:
      - {{code: 1, label: "Yes", score: 10}}
      - {{code: 2, label: "No", score: 0}}
items:
  - {{id: help_each_other, text: People help each other., scale: agree5}}
  - {{id: siloed, text: My team keeps to itself., scale: agree5, reverse: true}}
  - {{id: shared_objectives, text: Shared objectives, scale: yesno}}
measures:
  - {{id: teamwork, label: Teamwork, method: mean, items: [help_each_other, siloed]}}
  - {{id: objectives, label: Objectives (%), method: percent_yes, items: [shared_objectives]}}
demographics:
{demographics}
"""


@dataclass
class Figures:
    organisations: int = 0
    respondents: int = 0
    shown: int = 0
    hidden: int = 0
    hidden_derivable: int = 0
    small_derivable: int = 0
    leaks: list[str] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        for name in ("organisations", "respondents", "shown", "hidden"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.hidden_derivable += other.hidden_derivable
        self.small_derivable += other.small_derivable
        self.leaks += other.leaks


def instrument_text(rng: np.random.Generator, index: int) -> tuple[str, list[str]]:
    """A small instrument with 1 or 2 demographic questions of 2 to 4 categories each."""
    columns = [f"q{j}" for j in range(int(rng.integers(1, 3)))]
    blocks = []
    for column in columns:
        options = "\n".join(
            f"      - {{code: {c}, label: Group {column.upper()}{c}}}"
            for c in range(1, int(rng.integers(2, 5)) + 1)
        )
        blocks.append(
            f"  - id: {column}\n    text: Question {column}\n    options:\n{options}\n"
            "      - {code: 99, label: Prefer not to say}\n    not_stated: [99]"
        )
    return INSTRUMENT.format(index=index, demographics="\n".join(blocks)), columns


def answers(rng: np.random.Generator, columns: list[str], weights: dict[str, np.ndarray]):
    out: dict[str, int] = {
        "help_each_other": int(rng.choice([1, 2, 3, 4, 5, 9], p=[0.1, 0.2, 0.2, 0.25, 0.15, 0.1])),
        "siloed": int(rng.integers(1, 6)),
    }
    if rng.random() < 0.85:  # some skip the yes/no question
        out["shared_objectives"] = int(rng.integers(1, 3))
    for column in columns:
        p = weights[column]
        code = int(rng.choice(len(p), p=p))
        out[column] = 99 if code == len(p) - 1 else code + 1
    return out


def build_organisation(index: int, rng: np.random.Generator):
    """A random organisation with a closed survey; returns (survey, admin, manager)."""
    from django.db import transaction

    from ethos.organisations import services as org
    from ethos.organisations.models import Role, Unit
    from ethos.surveys import responding
    from ethos.surveys import services as surveys

    k = int(rng.integers(5, 11))
    trust = org.create_organisation(f"Trust {index}", f"trust-{index}", min_group_size=k)
    count = int(rng.integers(3, 21))
    tree = [(f"U{index}x0", "Unit 0", None)]
    tree += [
        (f"U{index}x{u}", f"Unit {u}", f"U{index}x{rng.integers(0, u)}") for u in range(1, count)
    ]
    org.add_units(trust, tree)
    units = {u.code: u for u in Unit.objects.filter(organisation=trust)}
    text, columns = instrument_text(rng, index)
    today = surveys.today()
    survey = surveys.create_survey(
        trust,
        f"Survey {index}",
        text,
        today - dt.timedelta(days=5),
        today + dt.timedelta(days=5),
        breakdowns=columns,
        breakdowns_at=str(rng.choice(["units", "units", "organisation"])),
    )
    surveys.open_survey(survey)
    surveys.create_open_link(survey)
    weights = {}
    for column in columns:  # lopsided categories, so that small groups are common
        raw = rng.dirichlet(np.full(len(_options(text, column)) + 1, 0.6))
        weights[column] = raw / raw.sum()
    sizes = {code: int(rng.choice([0, 1, 2, 3, 4, 6, 9, 12, 15, 20, 30, 45])) for code in units}
    with transaction.atomic():
        for code, size in sizes.items():
            for _ in range(size):
                ballot = responding.Ballot(
                    str(survey.pk),
                    responding.OPEN,
                    unit=units[code].pk,
                    answers=answers(rng, columns, weights),
                )
                responding.submit_response(survey, ballot)
    if not any(sizes.values()):  # a survey needs one response to publish anything
        root = units[tree[0][0]].pk
        first = answers(rng, columns, weights)
        ballot = responding.Ballot(str(survey.pk), responding.OPEN, unit=root, answers=first)
        responding.submit_response(survey, ballot)
    surveys.close_survey(survey)
    admin = org.create_user(f"admin{index}", None)
    org.grant_role(admin, trust, Role.ADMIN)
    manager = org.create_user(f"manager{index}", None)
    middle = tree[int(rng.integers(1, count))][0]
    org.grant_role(manager, trust, Role.MANAGER, units[middle])
    return survey, admin, manager


def _options(text: str, column: str) -> list[str]:
    return [line for line in text.splitlines() if f"label: Group {column.upper()}" in line]


def attack_organisation(index: int, rng: np.random.Generator, max_subset: int = MAX_SUBSET):
    """Build one organisation, read its outputs, attack them; return its figures."""
    from tests.web.disclosure_outputs import (
        api_client,
        find_web_leaks,
        read_api,
        read_export,
        truth_of,
    )

    survey, admin, manager = build_organisation(index, rng)
    as_admin, as_manager = api_client(admin), api_client(manager)
    cells = read_api(as_admin, survey) + read_api(as_manager, survey)
    cells += read_export(as_admin, survey, "csv") + read_export(as_manager, survey, "csv")
    truth = truth_of(survey)
    leaks = find_web_leaks(truth, cells, max_subset=max_subset)
    shown = {c.key for c in cells if c.shown}
    every = {c.key for c in cells}
    hidden_derivable = sum(1 for leak in leaks if "hidden cell" in leak.what)
    return Figures(
        organisations=1,
        respondents=int(truth.units.size),
        shown=len(shown),
        hidden=len(every - shown),
        hidden_derivable=hidden_derivable,
        small_derivable=len(leaks) - hidden_derivable,
        leaks=[f"organisation {index}: {leak.what} ({leak.n} people)" for leak in leaks],
    )


def run(organisations: int, seed: int, progress: bool = False) -> Figures:
    rng = np.random.default_rng(seed)
    figures = Figures()
    start = time.perf_counter()
    for index in range(organisations):
        figures.add(attack_organisation(index, rng))
        if progress and (index + 1) % 100 == 0:
            print(f"  {index + 1:,} organisations, {time.perf_counter() - start:.0f} s", flush=True)
    return figures


def report(figures: Figures, seconds: float) -> str:
    return "\n".join(
        [
            f"Organisations            {figures.organisations:,}",
            f"Respondents              {figures.respondents:,}",
            f"Cells published (shown)  {figures.shown:,}",
            f"Cells hidden             {figures.hidden:,}",
            f"Hidden cells derivable   {figures.hidden_derivable:,} (must be 0)",
            f"Small groups derivable   {figures.small_derivable:,} (must be 0; groups of up to "
            f"{MAX_SUBSET} atoms tried)",
            f"Time                     {seconds:.1f} s",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(HERE)]
    os.environ["ETHOS_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    from web_common import run_benchmark

    outcome: dict[str, Figures] = {}

    def benchmark(_: Path) -> None:
        start = time.perf_counter()
        outcome["figures"] = figures = run(options.organisations, options.seed, progress=True)
        print(report(figures, time.perf_counter() - start))
        for leak in figures.leaks[:20]:
            print("LEAK", leak)

    run_benchmark("ethos-disclosure-", benchmark)
    return 1 if outcome["figures"].leaks else 0


if __name__ == "__main__":
    sys.exit(main())
