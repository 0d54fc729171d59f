"""Disclosure attacks on every output path of a survey's results (issue 4, item 2).

Each attack runs against each output path (``pages``, ``api``, ``csv``, ``xlsx``,
``parquet``, ``cli``; see ``tests/web/disclosure_outputs.py``), read back into one list of
published cells. The surveys:

- the cast's closed culture survey (Ward 4 with 4 respondents is always hidden);
- ``crafted``: a closed pulse survey broken down by disability, built so that publishing only
  the groups of at least 10 would leak: Medicine has 3 respondents of its own beside Ward 12
  (12) and Ward 4 (4), so Medicine minus Ward 12 is 7 people; Theatres has 13 disabled staff
  and 1 who is not, so Theatres minus its "Yes" group is one person. Everyone comments.

``test_the_attacks_succeed_when_complementary_suppression_is_switched_off`` shows that the
same attacks find those leaks when only the small groups themselves are hidden.

Other outputs with small-group protection are covered elsewhere: the 360 report (pages, PDF
and API; a hidden rater changes no output, and "all others" leaves hidden raters out) by
``tests/web/test_feedback.py::test_a_hidden_rater_cannot_be_isolated_through_any_output``
and ``...::test_small_groups_are_combined_and_never_shown_alone_and_three_is_enough``; the
WRES and WDES returns' small counts by ``tests/web/test_workforce_pages.py::
test_the_standards_pages_and_returns`` and their complements by the linear-programming
attacker in ``tests/stats/test_count_disclosure.py``; nominee names by
``tests/web/test_nominations.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from itertools import combinations

import numpy as np
import polars as pl
import pytest
from django.test import Client
from django.urls import reverse

from ethos.results.models import Snapshot
from ethos.stats.cube import build_cube
from ethos.stats.disclosure import rules
from ethos.stats.disclosure.comments import COMMENT_MINIMUM
from ethos.stats.scoring import RespondentScores
from ethos.surveys import responding
from ethos.surveys import services as surveys
from ethos.surveys.instrument import instrument_of
from tests.stats.attacker import find_leaks
from tests.web.api_client import ApiClient
from tests.web.disclosure_outputs import (
    OUTPUTS,
    Cell,
    Truth,
    find_web_leaks,
    read_everything,
    reader,
    truth_of,
)
from tests.web.personas import answers_for

ROLES = ("ada", "ann", "mo", "bo")
HIDDEN_CELL = re.compile(
    r'<span title="Hidden: ([^"]*)">Hidden</span><span class="nhsuk-u-visually-hidden"> '
    r'\((.*)\)</span><sup class="ethos-note-ref" aria-hidden="true">\d+</sup>'
)
WEB = tuple(o for o in OUTPUTS if o != "cli")
# (unit, disability code, how many): Yes = 1, No = 2.
CRAFTED = [
    ("W12", 1, 6),
    ("W12", 2, 6),
    ("W4", 1, 2),
    ("W4", 2, 2),
    ("MED", 1, 2),
    ("MED", 2, 1),
    ("THE", 1, 13),
    ("THE", 2, 1),
    ("REC", 1, 7),
    ("REC", 2, 6),
]


def respond(survey, unit, answers):
    ballot = responding.Ballot(str(survey.pk), responding.OPEN, unit=unit.pk, answers=answers)
    responding.submit_response(survey, ballot)


def new_survey(cast, title, people, *, instrument="pulse", breakdowns=(), close=True, **options):
    """A survey of North Trust whose ``people`` ((unit, disability, count)) respond in order,
    each with a numbered comment; closed (final results published) unless ``close=False``."""
    today = surveys.today()
    survey = surveys.create_survey(
        cast.trust,
        title,
        instrument,
        today - dt.timedelta(days=10),
        today + dt.timedelta(days=10),
        breakdowns=list(breakdowns),
        **options,
    )
    surveys.open_survey(survey)
    surveys.create_open_link(survey)
    index = 0
    for code, disability, count in people:
        for _ in range(count):
            answers = answers_for(index, survey, {"disability": disability})
            answers["ft_improve"] = f"Comment {index:03d} from {code}."
            respond(survey, cast.units[code], answers)
            index += 1
    if close:
        surveys.close_survey(survey)
    return survey


@pytest.fixture
def crafted(cast):
    return new_survey(cast, "Crafted pulse", CRAFTED, breakdowns=["disability"])


def users(cast, names=ROLES):
    return [cast.users[n] for n in names]


def read(output, survey, cast, name="ann"):
    return reader(output, survey, cast.users[name])()


def shown_keys(cells):
    return {c.key for c in cells if c.shown}


# --- 1. a direct small cell -----------------------------------------------------------------


@pytest.mark.parametrize("output", OUTPUTS)
def test_ward_4_never_has_a_number_or_a_count(cast, output):
    for name in ("ann", "mo"):
        cells = read(output, cast.closed, cast, name)
        ward4 = [c for c in cells if c.unit == "W4"]
        assert ward4 or output in ("csv", "xlsx", "parquet")  # managers may not export
        assert all(c.value is None and c.n is None for c in ward4), output
    truth = truth_of(cast.closed)
    small = [c for c in read(output, cast.closed, cast) if c.shown and truth.n(c) < truth.k]
    assert small == []


# --- 2. complement: a total minus the shown groups beside each other ------------------------


def remainders(truth: Truth, cells: list[Cell]) -> list[tuple[Cell, str, int]]:
    """Each shown total minus its shown parts that leaves 1 to k-1 people: a shown unit minus
    its shown child units (same slot and measure), and a shown unit total minus the shown
    categories of one breakdown."""
    shown = {c.key: c for c in cells if c.shown}
    tree = truth.cube.tree
    codes, parent = tree.codes, tree.parent
    found = []
    for cell in shown.values():
        u = codes.index(cell.unit)
        children = [codes[i] for i in np.flatnonzero(parent == u)]
        parts = [shown[k] for k in ((ch, *cell.key[1:]) for ch in children) if k in shown]
        if parts:
            left = truth.n(cell) - sum(truth.n(p) for p in parts)
            found.append((cell, f"minus {[p.unit for p in parts]}", left))
        if not cell.column:
            for column in truth.cube.layout.columns:
                cats = [
                    shown[k]
                    for k in shown
                    if k[0] == cell.unit and k[1] == column and k[3] == cell.measure
                ]
                if cats:
                    left = truth.n(cell) - sum(truth.n(p) for p in cats)
                    found.append((cell, f"minus its {column} groups", left))
    return [(c, how, left) for c, how, left in found if 0 < left < truth.k]


@pytest.mark.parametrize("output", OUTPUTS)
def test_a_total_minus_its_shown_parts_never_leaves_a_small_group(cast, crafted, output):
    for survey in (cast.closed, crafted):
        truth = truth_of(survey)
        cells = read(output, survey, cast)
        assert remainders(truth, cells) == []
        assert find_web_leaks(truth, cells) == []
    # Theatres: 13 "Yes" and 1 "No". Its disability breakdown cannot be shown whole.
    theatres = [c for c in read(output, crafted, cast) if c.unit == "THE" and c.column]
    assert theatres or output == "pages"  # the pages show the top's breakdowns only
    assert not any(c.shown for c in theatres)


# --- 3. the hierarchy remainder: a unit minus its children ------------------------------------


@pytest.mark.parametrize("output", OUTPUTS)
def test_medicines_own_three_people_cannot_be_found_by_subtraction(cast, crafted, output):
    truth = truth_of(crafted)
    cells = read(output, crafted, cast)
    shown = shown_keys(cells)
    total = ("MED", "", "", "engagement")
    ward12 = ("W12", "", "", "engagement")
    ward4 = ("W4", "", "", "engagement")
    assert ward4 not in shown
    assert not (total in shown and ward12 in shown)  # else MED - W12 = 7 people
    assert find_web_leaks(truth, cells) == []


# --- 4. overlapping filters -------------------------------------------------------------------


def members(truth: Truth, cell: Cell) -> frozenset[int]:
    """The respondents behind ``cell`` (with a score on its measure)."""
    tree = truth.cube.tree
    u, slot, m = truth.index(cell)
    inside = np.array([u == v or u in tree.ancestors(v) for v in range(tree.size)])
    keep = inside[truth.units] & truth.valid[:, m]
    if cell.column:
        j = truth.cube.layout.columns.index(cell.column)
        keep &= truth.codes[j] == slot - truth.cube.layout.offsets[j]
    return frozenset(np.flatnonzero(keep).tolist())


@pytest.mark.parametrize("output", OUTPUTS)
def test_no_two_shown_groups_differ_by_fewer_than_the_minimum(cast, crafted, output):
    for survey in (cast.closed, crafted):
        truth = truth_of(survey)
        cells = {c.key: c for c in read(output, survey, cast) if c.shown}
        by_measure = defaultdict(list)
        for cell in cells.values():
            by_measure[cell.measure].append(members(truth, cell))
        for measure, groups in by_measure.items():
            for a, b in combinations(set(groups), 2):
                if a <= b or b <= a:
                    assert len(a ^ b) >= truth.k, (survey.title, measure, len(a ^ b))


@pytest.mark.parametrize("output", ["pages", "api"])
def test_a_managers_view_is_the_whole_organisations_view_cut_down(cast, crafted, output):
    for survey in (cast.closed, crafted):
        whole = {c.key: c for c in read("api", survey, cast, "ann")}
        mine = read(output, survey, cast, "mo")
        assert mine and {c.unit for c in mine} <= {"RX1", "MED", "W12", "W4"}
        for cell in mine:  # the same cell, shown or hidden alike, the same figures
            published = whole[cell.key]
            assert cell.shown == published.shown and cell.n in (None, published.n), cell
            assert cell.value == pytest.approx(published.value, abs=0.051), cell


# --- 5. counts shown while scores are hidden --------------------------------------------------


@pytest.mark.parametrize("output", OUTPUTS)
def test_no_hidden_cell_shows_a_count(cast, crafted, output):
    for survey in (cast.closed, crafted):
        cells = read(output, survey, cast)
        assert any(not c.shown for c in cells)
        assert [c for c in cells if not c.shown and c.n is not None] == []
    html = Client()
    html.force_login(cast.users["ann"])
    page = html.get(reverse("results:heatmap", args=[crafted.pk]) + "?measures=all")
    reasons = {text.format(k=crafted.min_group_size) for text in rules.REASONS.values()}
    hidden = re.findall(r'<td class="[^"]*ethos-cell--hidden">(.*?)</td>', page.text, re.S)
    assert hidden
    for td in hidden:  # "Hidden", the reason and its footnote number: nothing else
        found = HIDDEN_CELL.fullmatch(td)
        assert found and found.group(1) == found.group(2) and found.group(1) in reasons, td


# --- 6. linked tables: every output of every role, together -----------------------------------


def test_an_attacker_with_every_output_of_every_role_learns_no_small_group(cast, crafted):
    for survey in (cast.closed, crafted):
        cells = read_everything(survey, users(cast))
        assert len({c.key for c in cells if c.shown}) > 20
        assert find_web_leaks(truth_of(survey), cells, max_subset=4) == []


def primary_only(cube, k, breakdowns_at="units"):
    """The primary rule alone, in place of ``protect`` (it shows cells that
    ``rules.candidates`` hides, so publish describes the shown cells after it)."""
    reason = rules.primary(cube.n, k)
    if breakdowns_at == "organisation":
        rules.organisation_only(reason)
    return reason


@pytest.mark.parametrize("output", OUTPUTS)
def test_the_attacks_succeed_when_complementary_suppression_is_switched_off(
    cast, monkeypatch, output
):
    import ethos.stats.disclosure as disclosure

    monkeypatch.setattr(disclosure, "protect", primary_only)
    survey = new_survey(cast, "Unprotected", CRAFTED, breakdowns=["disability"])
    truth = truth_of(survey)
    cells = read(output, survey, cast)
    leaks = find_web_leaks(truth, cells, max_subset=4)
    assert leaks, output
    assert any(leak.n == 7 for leak in leaks)  # Medicine minus Ward 12
    if output != "pages":  # the pages show no unit's breakdown but the top's
        assert any(leak.n == 1 for leak in leaks)  # Theatres minus its 13 "Yes"
    assert remainders(truth, cells)


# --- 7. temporal differencing -----------------------------------------------------------------


@pytest.mark.parametrize("output", WEB)
def test_one_more_response_between_two_reads_changes_nothing(cast, output):
    survey = cast.open
    read_now = reader(output, survey, cast.users["ann"])
    instrument = instrument_of(survey.instrument_yaml)
    codes = list(cast.units)
    last, changed_at = read_now(), 0
    changes = 0
    for index in range(1, 24):
        answers = answers_for(index, survey, {})
        if index in (12, 13):  # two people skip one question: its measure lags behind
            answers.pop(instrument.items[0].id)
        respond(survey, cast.units[codes[index % len(codes)]], answers)
        now = read_now()
        if now != last:
            assert index - changed_at >= survey.min_group_size, (output, index)
            before = {c.key: c for c in last}
            for cell in now:
                old = before.get(cell.key)
                if old is not None and old.n is not None and cell.n is not None:
                    assert cell.n == old.n or abs(cell.n - old.n) >= survey.min_group_size
            last, changed_at, changes = now, index, changes + 1
    assert changes == 2  # at 10 and at 20 responses
    assert {c.unit for c in last} <= {"RX1"}


def wave_outputs(survey, cast, name="ann"):
    """Cells of ``survey`` with their comparison with the previous wave (API and exports)."""
    api = ApiClient(cast.users[name])
    cells = api.get(f"/results/{survey.pk}").json()["cells"]
    compared = {
        (c["unit"], tuple(c["breakdown"].items()), c["measure"])
        for c in cells
        if c.get("vs_previous") is not None
    }
    csv_rows = pl.read_csv(api.get(f"/results/{survey.pk}/export?format=csv").content)
    from_csv = csv_rows.filter(pl.col("vs_previous_difference").is_not_null())
    return compared, set(from_csv["unit"].to_list())


def test_a_unit_hidden_in_one_wave_gets_no_change_figure_in_the_other(cast):
    # Theatres: 9 answer in wave 1 (hidden), 14 in wave 2 (shown).
    first = [("W12", 1, 12), ("THE", 1, 9), ("REC", 2, 13), ("MED", 2, 11)]
    wave1 = new_survey(cast, "Wave 1", first)
    second = [("W12", 1, 12), ("THE", 1, 14), ("REC", 2, 13), ("MED", 2, 11)]
    wave2 = new_survey(cast, "Wave 2", second, previous=wave1)
    assert not any(c.shown for c in read("api", wave1, cast) if c.unit == "THE")
    assert all(c.shown for c in read("api", wave2, cast) if c.unit == "THE")
    compared, csv_units = wave_outputs(wave2, cast)
    assert {u for u, _, _ in compared} == csv_units
    assert "W12" in csv_units and "THE" not in csv_units  # the comparison exists, not for THE
    client = Client()
    client.force_login(cast.users["ann"])
    page = client.get(reverse("results:unit", args=[wave2.pk, "THE"])).text
    assert "Compared with the previous wave" not in page
    w12 = client.get(reverse("results:unit", args=[wave2.pk, "W12"])).text
    assert "Compared with the previous wave" in w12


def test_a_lower_minimum_in_the_next_wave_does_not_expose_the_last_waves_hidden_unit(cast):
    # Wave 1 had a minimum of 12, so Theatres' 11 were hidden; wave 2 has 10 and shows them.
    people = [("W12", 1, 12), ("THE", 1, 11), ("REC", 2, 13), ("MED", 2, 12)]
    wave1 = new_survey(cast, "Wave 1 (k=12)", people, min_group_size=12)
    wave2 = new_survey(cast, "Wave 2 (k=10)", people, previous=wave1, min_group_size=10)
    assert not any(c.shown for c in read("api", wave1, cast) if c.unit == "THE")
    _, csv_units = wave_outputs(wave2, cast)
    assert "W12" in csv_units
    assert "THE" not in csv_units, "wave 2's change figure gives wave 1's hidden value away"


def test_one_joiner_between_waves_is_not_protected_as_documented(cast):
    """The documented limit: waves are protected one by one, not together. Ten people answer
    the same in both waves and one joins: the two published totals give the joiner's score.
    (docs/methods/disclosure-control.md, "What Ethos does not claim".)"""
    wave1 = new_survey(cast, "Wave A", [("W12", 1, 10), ("THE", 1, 10)])
    wave2 = new_survey(cast, "Wave B", [("W12", 1, 10), ("THE", 1, 11)], previous=wave1)
    a = {c.key: c for c in read("api", wave1, cast)}
    b = {c.key: c for c in read("api", wave2, cast)}
    key = ("THE", "", "", "engagement")
    assert a[key].shown and b[key].shown and (a[key].n, b[key].n) == (10, 11)
    joiner = b[key].value * b[key].n - a[key].value * a[key].n
    before, after = truth_of(wave1), truth_of(wave2)
    m = after.cube.measures.index("engagement")
    u = after.cube.tree.index()["THE"]
    score = after.cube.total[u, 0, m] - before.cube.total[u, 0, m]  # the joiner's own score
    assert joiner == pytest.approx(score, abs=0.05)


# --- 8. comments -------------------------------------------------------------------------------


def comment_page(cast, survey, name="ann", query=""):
    client = Client()
    client.force_login(cast.users[name])
    response = client.get(reverse("results:comments", args=[survey.pk]) + query)
    assert response.status_code == 200
    return response.text


def comments_by_unit(page, cast):
    names = {u.name: code for code, u in cast.units.items()}
    out = {}
    for name, body in re.findall(
        r"<h3>(.*?) <span.*?<ul class=\"ethos-comments\">(.*?)</ul>", page, re.S
    ):
        out[names[name]] = re.findall(r"<li>(.*?)</li>", body)
    return out


def test_comments_of_a_group_below_ten_are_never_shown(cast, crafted):
    for survey in (cast.closed, crafted):
        for name in ("ada", "ann", "mo"):
            shown = comments_by_unit(comment_page(cast, survey, name), cast)
            assert shown and "W4" not in shown  # pooled in Medicine's, never alone
    shown = comments_by_unit(comment_page(cast, crafted), cast)
    assert shown and all(len(texts) >= COMMENT_MINIMUM for texts in shown.values())


def test_comments_are_not_in_submission_order_and_carry_no_times(cast, crafted):
    shown = comments_by_unit(comment_page(cast, crafted), cast)
    for code, texts in shown.items():
        assert texts != sorted(texts), code  # numbered in submission order
    page = comment_page(cast, crafted)
    section = page[page.index("<h2>") :]
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|\b20\d\d\b", section)
    stored = Snapshot.objects.get(survey=crafted, kind=Snapshot.FINAL).comments
    assert all(set(entry) == {"unit", "question", "comments"} for entry in stored)


def test_no_small_group_of_commenters_can_be_isolated(cast, crafted):
    for survey in (cast.closed, crafted):
        whole = comments_by_unit(comment_page(cast, survey), cast)
        # Filtering is not offered: query parameters change nothing.
        filtered = comment_page(cast, survey, query="?unit=W4&disability=2&sex=1&category=No")
        assert {u: sorted(t) for u, t in comments_by_unit(filtered, cast).items()} == {
            u: sorted(t) for u, t in whole.items()
        }
        mine = comments_by_unit(comment_page(cast, survey, "mo"), cast)
        assert {u: sorted(t) for u, t in mine.items()} == {
            u: sorted(t) for u, t in whole.items() if u in ("MED", "W12", "W4")
        }
        # Parent minus children, and every other combination of the shown units' comments.
        truth = truth_of(survey)
        tree = truth.cube.tree
        people = RespondentScores(
            ("respondents",), np.ones((truth.units.size, 1)), np.zeros(1, dtype=bool)
        )
        cube = build_cube(people, truth.units, tree, [])
        reason = np.ones(cube.n.shape, dtype=np.int8)
        for code in whole:
            reason[tree.index()[code], 0, 0] = 0
        k = max(survey.min_group_size, COMMENT_MINIMUM)
        valid = np.ones(truth.units.size, dtype=bool)
        assert find_leaks(cube, reason, truth.units, [], valid, k) == []


# --- 9. the randomised run (benchmarks/disclosure_attack.py runs 1,000 organisations) ---------


def test_twenty_random_organisations_leak_nothing_through_the_api_and_csv(db, monkeypatch):
    from benchmarks.disclosure_attack import attack_organisation

    rng = np.random.default_rng(2026)
    figures = [attack_organisation(index, rng) for index in range(20)]
    assert sum(f.shown for f in figures) > 100 and sum(f.hidden for f in figures) > 100
    assert [leak for f in figures for leak in f.leaks] == []

    import ethos.stats.disclosure as disclosure

    monkeypatch.setattr(disclosure, "protect", primary_only)  # the same run can fail
    rng = np.random.default_rng(2026)
    unprotected = [attack_organisation(100 + index, rng) for index in range(5)]
    assert any(f.leaks for f in unprotected)
