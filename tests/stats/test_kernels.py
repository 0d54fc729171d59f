"""The compiled loops against plain-Python routes that share no code with them.

Scoring is checked respondent by respondent against the instrument's own rules written out
again here; the cube against sums over each unit's subtree found by walking parents; the
remainder roll-up and the union rule's subset search against direct enumeration.
"""

from __future__ import annotations

import dataclasses
import itertools
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ethos.analysis.pipeline import breakdown
from ethos.instruments import load_instrument
from ethos.instruments.model import Option
from ethos.stats import _kernels
from ethos.stats.compare import organisation_tests, summarise_cells
from ethos.stats.cube import build_cube, score_cube
from ethos.stats.disclosure import _describe as describe
from ethos.stats.intervals import t_intervals, wilson_intervals
from ethos.stats.scoring import Scorer, score_respondents
from ethos.stats.tree import UnitTree
from ethos.synth import synthesise


@pytest.fixture(scope="module")
def trust():
    result = synthesise(staff=900, units=40, seed=11)
    responses = result.responses
    units = result.units
    tree = UnitTree.from_parents(
        units["code"].to_list(), [p or None for p in units["parent"].to_list()]
    )
    index = tree.index()
    unit = np.array([index[c] for c in responses["unit"].to_list()])
    return responses, tree, unit


def plain_scores(responses: pl.DataFrame, instrument) -> np.ndarray:
    rows = responses.to_dicts()
    out = np.full((len(rows), len(instrument.measures)), np.nan)
    ids = [m.id for m in instrument.measures]
    for r, row in enumerate(rows):
        for c, measure in enumerate(instrument.measures):
            if measure.method == "mean_of_measures":
                continue
            keyed = []
            for item_id in measure.items:
                item = next(i for i in instrument.items if i.id == item_id)
                code = row[item_id]
                option = next(
                    (o for o in instrument.scales[item.scale].options if o.code == code), None
                )
                if option is None or option.score is None:
                    continue
                keyed.append(10 - option.score if item.reverse else option.score)
            if len(keyed) < measure.min_answered:
                continue
            if measure.is_percent:
                positive = [k > 5 for k in keyed]
                out[r, c] = float(all(positive) if measure.rule == "all" else any(positive))
            else:
                out[r, c] = sum(keyed) / len(keyed)
        for c, measure in enumerate(instrument.measures):
            if measure.method == "mean_of_measures":
                parts = [out[r, ids.index(p)] for p in measure.measures]
                out[r, c] = sum(parts) / len(parts)
    return out


def test_scores_match_the_rules_written_out_respondent_by_respondent(trust) -> None:
    responses, _, _ = trust
    instrument = load_instrument("culture")
    sample = responses.head(300)
    np.testing.assert_allclose(
        score_respondents(sample, instrument).values,
        plain_scores(sample, instrument),
        rtol=1e-12,
        equal_nan=True,
    )


def test_scoring_in_chunks_gives_the_same_scores(trust) -> None:
    responses, _, _ = trust
    instrument = load_instrument("culture")
    whole = score_respondents(responses, instrument).values
    for data in (responses, responses.to_pandas()):
        chunks = list(Scorer(instrument).chunks(data, rows=97))
        assert [start for start, _ in chunks] == list(range(0, responses.height, 97))
        np.testing.assert_array_equal(np.vstack([v for _, v in chunks]), whole)


def test_a_bad_code_in_a_later_chunk_names_its_respondent(trust) -> None:
    responses, _, _ = trust
    instrument = load_instrument("culture")
    item = instrument.items[3].id
    broken = responses.with_columns(
        pl.when(pl.int_range(pl.len()) == 250).then(99).otherwise(pl.col(item)).alias(item)
    )
    with pytest.raises(ValueError, match=f"item '{item}' has code 99 at respondent 251"):
        list(Scorer(instrument).chunks(broken, rows=97))


@pytest.mark.parametrize("code", [-3, 0, 6, 99])
def test_a_code_below_above_or_between_the_scales_codes_is_named(trust, code) -> None:
    responses, _, _ = trust
    instrument = load_instrument("culture")
    item = instrument.items[5]
    assert code not in instrument.scales[item.scale].codes  # 0 and 6 fall in gaps or above
    broken = responses.with_columns(
        pl.when(pl.int_range(pl.len()) == 200).then(code).otherwise(pl.col(item.id)).alias(item.id)
    )
    with pytest.raises(ValueError, match=f"item '{item.id}' has code {code} at respondent 201"):
        score_respondents(broken, instrument)


def test_codes_of_any_integer_type_score_alike(trust) -> None:
    responses, _, _ = trust
    instrument = load_instrument("culture")
    items = list(instrument.item_ids)
    scorer = Scorer(instrument)
    codes = responses.select(items).fill_null(-1).to_numpy(order="fortran")
    expected = plain_scores(responses, instrument)
    for dtype in (np.int8, np.int16, np.int32, np.int64):
        np.testing.assert_allclose(
            scorer.score(codes.astype(dtype)), expected, rtol=1e-12, equal_nan=True
        )


def test_a_scale_code_too_large_for_the_answers_type_matches_no_answer(trust) -> None:
    responses, _, _ = trust
    instrument = load_instrument("culture")
    item = instrument.items[0]
    scale = instrument.scales[item.scale]
    assert 1 in scale.codes and 257 not in scale.codes
    # 257 would wrap to 1 in an int8 matrix; as an option of its own it must not match a 1.
    wider = dataclasses.replace(scale, options=(*scale.options, Option(257, "extra", 10.0)))
    widened = dataclasses.replace(instrument, scales={**instrument.scales, scale.id: wider})
    codes = responses.select(list(instrument.item_ids)).fill_null(-1).to_numpy(order="fortran")
    np.testing.assert_array_equal(
        Scorer(widened).score(codes.astype(np.int8)), Scorer(instrument).score(codes)
    )


def test_a_unit_list_of_the_wrong_length_is_refused_without_waiting(trust) -> None:
    responses, tree, unit = trust
    instrument = load_instrument("culture")
    with pytest.raises(ValueError, match="one unit per respondent"):
        score_cube(responses.head(unit.size + 5).vstack(responses.head(5)), instrument, unit, tree)


def test_sums_are_given_or_pending_never_both() -> None:
    from concurrent.futures import Future

    from ethos.stats.cube import Sums

    done: Future[tuple[np.ndarray, np.ndarray]] = Future()
    done.set_result((np.ones(2), np.zeros(2)))
    assert Sums(pending=done).arrays()[0].tolist() == [1.0, 1.0]
    failed: Future[tuple[np.ndarray, np.ndarray]] = Future()
    failed.set_exception(MemoryError("no room"))
    with pytest.raises(MemoryError, match="no room"):
        Sums(pending=failed).arrays()
    with pytest.raises(ValueError):
        Sums(np.ones(2), np.ones(2), pending=done)
    with pytest.raises(ValueError):
        Sums(np.ones(2))


def test_the_cube_matches_sums_over_each_subtree(trust) -> None:
    responses, tree, unit = trust
    instrument = load_instrument("culture")
    by = [breakdown(None, responses, instrument, c) for c in ("ethnicity", "staff_group")]
    cube = score_cube(responses, instrument, unit, tree, by)
    scores = plain_scores(responses, instrument)
    member = np.zeros((tree.size, unit.size), dtype=bool)
    for r, u in enumerate(unit):
        node = int(u)
        while node >= 0:
            member[node, r] = True
            node = int(tree.parent[node])
    for u in range(tree.size):
        for slot, chosen in [(0, np.ones(unit.size, dtype=bool))] + [
            (cube.layout.offsets[j] + c, b.codes == c)
            for j, b in enumerate(by)
            for c in range(len(b.categories))
        ]:
            rows = member[u] & chosen
            known = ~np.isnan(scores[rows])
            np.testing.assert_array_equal(cube.n[u, slot], known.sum(axis=0))
            np.testing.assert_allclose(
                cube.total[u, slot], np.nansum(scores[rows], axis=0), rtol=1e-9, atol=1e-9
            )
            np.testing.assert_allclose(
                cube.sumsq[u, slot], np.nansum(scores[rows] ** 2, axis=0), rtol=1e-9, atol=1e-9
            )
            own = chosen & (unit == u)
            np.testing.assert_array_equal(
                cube.direct_n[u, slot], (~np.isnan(scores[own])).sum(axis=0)
            )
    (joint,) = cube.joint
    first, second = by
    for u in range(tree.size):
        own = unit == u
        for a, b in itertools.product(range(len(first.categories)), range(len(second.categories))):
            rows = own & (first.codes == a) & (second.codes == b)
            np.testing.assert_array_equal(joint.at(u, a, b), (~np.isnan(scores[rows])).sum(axis=0))
    # One row per combination somebody is in, each unit's rows in cell order.
    present = {
        (int(u), int(a), int(b)) for u, a, b in zip(unit, first.codes, second.codes, strict=True)
    }
    assert joint.cell.size == len(present)
    for u in range(tree.size):
        assert np.all(np.diff(joint.cell[joint.start[u] : joint.start[u + 1]]) > 0)


def test_squares_are_kept_for_mean_measures_alone_and_read_back_whole(trust) -> None:
    responses, tree, unit = trust
    instrument = load_instrument("culture")
    by = [breakdown(None, responses, instrument, "staff_group")]
    cube = score_cube(responses, instrument, unit, tree, by)
    mean = ~cube.percent
    assert cube.percent.any() and mean.any()
    assert cube.squares.shape == (*cube.n.shape[:2], mean.sum())
    whole = cube.sumsq
    np.testing.assert_array_equal(whole[..., mean], cube.squares)
    np.testing.assert_array_equal(whole[..., ~mean], cube.total[..., ~mean])  # 0s and 1s
    cells = np.random.default_rng(5).choice(whole.size, 2_000)
    np.testing.assert_array_equal(cube.sumsq_at(cells), whole.ravel()[cells])


def test_scoring_as_it_aggregates_gives_the_cube_of_the_whole_scores(trust) -> None:
    responses, tree, unit = trust
    instrument = load_instrument("culture")
    by = [breakdown(None, responses, instrument, "ethnicity")]
    together = score_cube(responses, instrument, unit, tree, by)
    apart = build_cube(score_respondents(responses, instrument), unit, tree, by)
    for name in ("n", "total", "sumsq", "direct_n"):
        np.testing.assert_array_equal(getattr(together, name), getattr(apart, name))


@pytest.mark.parametrize("level", [0.95, 0.9])
def test_describing_cells_in_one_pass_matches_the_array_functions(trust, level) -> None:
    # Every non-empty cell, ones of one or two people and the root's included, so that each
    # branch (no interval, no test, either test) is taken.
    responses, tree, unit = trust
    instrument = load_instrument("culture")
    by = [breakdown(None, responses, instrument, c) for c in ("ethnicity", "staff_group")]
    cube = score_cube(responses, instrument, unit, tree, by)
    cells = np.flatnonzero(cube.n.ravel() > 0)
    assert {1, 2} <= set(cube.n.ravel()[cells].tolist())
    described = describe(cube, cells, level)

    summary = summarise_cells(cube, cells)
    percent = cube.percent[cells % cube.n.shape[2]]
    value, low, high = (np.full(cells.size, np.nan) for _ in range(3))
    total = np.take(cube.total, cells)
    wilson = wilson_intervals(np.rint(total[percent]), summary.n[percent], level)
    value[percent] = 100.0 * total[percent] / summary.n[percent]
    low[percent], high[percent] = 100.0 * wilson.low, 100.0 * wilson.high
    t = t_intervals(summary.mean[~percent], summary.sd[~percent], summary.n[~percent], level)
    value[~percent], low[~percent], high[~percent] = summary.mean[~percent], t.low, t.high
    difference, p = organisation_tests(cube, cells, summary)

    assert np.isnan(p).any() and (~np.isnan(p[percent])).any() and (~np.isnan(p[~percent])).any()
    for got, expected in [
        (described.n, summary.n),
        (described.sd, summary.sd),
        (described.value, value),
        (described.low, low),
        (described.high, high),
        (described.difference, difference),
        (described.p, p),
    ]:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("parts", [1, 3, 8])
def test_keep_shown_matches_compress_and_a_stable_sort(parts) -> None:
    # Tied and NaN p values, parts with nothing kept, a part with no p value at all.
    rng = np.random.default_rng(parts)
    size, m = 5_000, 1_200
    cells = np.sort(rng.choice(size, m, replace=False)).astype(np.int64)
    reason = rng.choice(np.array([0, 0, 0, 2, 5], dtype=np.int8), size)
    rows = rng.random((8, m))
    rows[6] = rng.choice(np.array([0.01, 0.02, 0.5, np.nan]), m)  # ties across parts
    bounds = np.linspace(0, m, parts + 1).astype(np.int64)
    reason[cells[bounds[0] : bounds[1] // 2]] = 3  # the first half of part 0 is all hidden
    if parts > 1:
        rows[6, bounds[1] : bounds[2]] = np.nan
    order, ordered_p = np.zeros(m, dtype=np.int64), np.zeros(m)
    known = np.zeros(parts, dtype=np.int64)
    for j in range(parts):
        low, high = bounds[j], bounds[j + 1]
        p = rows[6, low:high]
        here = np.flatnonzero(~np.isnan(p))
        here = here[np.argsort(p[here], kind="stable")]
        known[j] = here.size
        order[low : low + here.size], ordered_p[low : low + here.size] = here + low, p[here]
    keep = reason[cells] == 0
    expected_rows, expected_cells = rows[:7, keep].copy(), cells[keep]
    p = expected_rows[6]
    expected_order = np.flatnonzero(~np.isnan(p))
    expected_order = expected_order[np.argsort(p[expected_order], kind="stable")]

    out = np.full(m, -9, dtype=np.int64)
    kept, written = _kernels.keep_shown(reason, cells, rows, bounds, known, order, ordered_p, out)

    assert kept == keep.sum() and written == expected_order.size
    np.testing.assert_array_equal(cells[:kept], expected_cells)
    np.testing.assert_array_equal(rows[:7, :kept], expected_rows)
    np.testing.assert_array_equal(out[:written], expected_order)


LOADS_NOTHING_MORE = """
import sys
from pathlib import Path
from pathlib import Path
from ethos.stats import _kernels
from ethos.analysis.pipeline import analyse_files
from ethos.instruments import load_instrument
from ethos.synth import synthesise

def loaded():
    return {
        name: len(kernel.signatures)
        for name, kernel in vars(_kernels).items()
        if hasattr(kernel, "py_func") and hasattr(kernel, "signatures")
    }

before = loaded()
folder = Path(sys.argv[1])
result = synthesise(staff=400, units=12, seed=3)
result.responses.write_parquet(folder / "responses.parquet")
result.responses.write_csv(folder / "responses.csv")
result.units.select("code", "name", "parent").write_csv(folder / "units.csv")
instrument = load_instrument("culture")
for name in ("responses.parquet", "responses.csv"):
    analyse_files(
        folder / name, instrument, folder / "units.csv", ("ethnicity", "staff_group"), 5
    )
after = loaded()
print({name: (before[name], after[name]) for name in before if after[name] != before[name]})
"""


def test_an_analysis_compiles_and_loads_no_kernel_after_the_import(tmp_path) -> None:
    # _kernels._load loads every kernel for the argument types an analysis of a Parquet or
    # CSV file passes; a kernel first called with other types would load (or compile) inside
    # the analysis, as 0.24 s of the national run once did.
    run = subprocess.run(
        [sys.executable, "-c", LOADS_NOTHING_MORE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.strip() == "{}", run.stdout


def test_rollup_and_carry_up_match_a_walk_up_the_parents() -> None:
    rng = np.random.default_rng(5)
    parents: list[str | None] = [None] + [f"u{rng.integers(0, i)}" for i in range(1, 60)]
    tree = UnitTree.from_parents([f"u{i}" for i in range(60)], parents)
    direct = rng.integers(0, 4, size=(60, 3, 2)).astype(np.int32)
    carry = rng.random((60, 3, 2)) < 0.5
    expected_total = np.zeros_like(direct)
    expected = direct.copy()
    pieces = np.zeros(direct.shape, dtype=np.int64)
    for i in range(59, -1, -1):  # breadth-first order: children come after parents
        node = i
        while node >= 0:
            expected_total[node] += direct[i]
            node = int(tree.parent[node])
        p = int(tree.parent[i])
        if p >= 0:
            moved = np.where(carry[i], expected[i], 0)
            expected[p] += moved
            pieces[p] += moved > 0
    np.testing.assert_array_equal(tree.rollup(direct), expected_total)
    out = np.full_like(direct, -5)
    counted = np.full(direct.shape, 7, dtype=np.int8)
    first, count = tree.child_ranges()
    reason = np.where(carry, 3, 0).astype(np.int8)  # any reason above 0 is carried
    every = np.arange(59, -1, -1)
    n = tree.rollup(direct)
    _kernels.carry_up(direct, n, reason, first, count, every, out, counted)
    inner, leaves = count > 0, count == 0
    assert inner.sum() > 5 and leaves.sum() > 5
    np.testing.assert_array_equal(out[inner], expected[inner])
    np.testing.assert_array_equal(counted[inner], np.minimum(pieces, 2)[inner])
    # A leaf's remainder is its own members (its n): its rows are neither written nor read.
    assert (out[leaves] == -5).all() and (counted[leaves] == 7).all()
    unread = np.where(leaves[:, None, None], 99, direct).astype(np.int32)
    other, other_counted = np.full_like(direct, -5), np.full_like(counted, 7)
    _kernels.carry_up(unread, n, reason, first, count, every, other, other_counted)
    np.testing.assert_array_equal(other, out)
    np.testing.assert_array_equal(other_counted, counted)
    # Refreshing only a changed unit and its ancestors gives what a full pass gives.
    changed = 59
    reason[changed] = np.where(reason[changed] > 0, 0, 2)
    path = [changed, *tree.ancestors(changed)]
    _kernels.carry_up(direct, n, reason, first, count, np.array(path), out, counted)
    again, again_counted = np.full_like(direct, -5), np.full_like(counted, 7)
    _kernels.carry_up(direct, n, reason, first, count, every, again, again_counted)
    np.testing.assert_array_equal(out, again)
    np.testing.assert_array_equal(counted, again_counted)


def test_subsets_leak_matches_every_subset_enumerated() -> None:
    rng = np.random.default_rng(9)
    k = 5
    for _ in range(300):
        width = int(rng.integers(1, 5))
        children = int(rng.integers(1, 5))
        masks = rng.integers(0, 1 << width, size=children)
        weight = rng.integers(0, 12, size=children).astype(float)
        mass = rng.integers(0, 15, size=width).astype(float)
        known = np.zeros(1 << width)
        np.add.at(known, masks, weight)
        leaks = _kernels.subsets_leak(known, mass, k)
        expected = False
        for size in range(1, width + 1):
            for chosen in itertools.combinations(range(width), size):
                subset = sum(1 << c for c in chosen)
                known = sum(w for m, w in zip(masks, weight, strict=True) if m & ~subset == 0)
                left = mass[list(chosen)].sum() - known
                expected |= known > 0 and 0 < left < k
        assert leaks == expected


def test_small_remainders_match_remainders_built_child_by_child() -> None:
    rng = np.random.default_rng(13)
    for _ in range(20):
        size = int(rng.integers(1, 40))
        parents = [None] + [f"u{rng.integers(0, i)}" for i in range(1, size)]
        tree = UnitTree.from_parents([f"u{i}" for i in range(size)], parents)
        direct = rng.integers(0, 6, size=(size, 4, 3)).astype(np.int32)
        direct[rng.random(direct.shape) < 0.4] = 0
        carry = rng.random((size, 3)) < 0.5
        rest = direct.astype(np.int64)
        for i in range(size - 1, 0, -1):
            rest[tree.parent[i]] += np.where(carry[i], rest[i], 0)
        expected = ((rest > 0) & (rest < 5)).any(axis=1)
        first, count = tree.child_ranges()
        unit, cell = np.nonzero(direct.any(axis=2))  # the sparse rows, unit by unit
        start = np.searchsorted(unit, np.arange(size + 1))
        found = _kernels.small_remainders(
            start, cell, direct[unit, cell], 4, carry, first, count, tree.depth, 5
        )
        np.testing.assert_array_equal(found, expected)


def test_large_arrays_come_zeroed_and_writable_from_their_own_map() -> None:
    big = _kernels.zeros((600, 600), np.float64)
    small = _kernels.zeros((3, 4), np.int8)
    assert big.shape == (600, 600) and big.dtype == np.float64 and not big.any()
    assert small.shape == (3, 4) and small.dtype == np.int8 and not small.any()
    big[599, 599] = 1.5
    assert big.sum() == 1.5 and big.flags.c_contiguous and big.flags.writeable


def _transparent_huge_pages() -> str:
    try:
        return Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return ""


@pytest.mark.parametrize("madvise", ["system", "none"])
def test_large_arrays_come_with_their_pages_faulted_in_for_writing(
    madvise: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Added into, an array faulted in as it is touched faults twice a page (the zero page on
    # the first read, a copy on the first write); these must fault no more once made, whether
    # madvise does it (Linux) or a byte of each page is written (elsewhere).
    if "[always]" in _transparent_huge_pages():
        pytest.skip("the kernel may back the map with huge pages: faults count 2 MB pages")
    if madvise == "none":
        monkeypatch.setattr(_kernels, "_MADVISE", None)
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    array = _kernels.zeros((1_250_000, 2), np.int32)  # 10 MB: 2,442 pages, 3 madvise steps
    made = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    array += 1
    touched = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    assert made - before > 2_000
    assert touched - made < 50
    assert array.sum() == array.size


def test_analysis_memory_turns_numpy_huge_pages_off_and_back() -> None:
    setting = np._core.multiarray._set_madvise_hugepage
    before = setting(True)
    try:
        with _kernels.analysis_memory():
            assert setting(False) is False  # it was off inside
            with _kernels.analysis_memory():
                pass
            assert setting(False) is False  # and stays off after a nested block
        assert setting(True) is True  # back on after
    finally:
        setting(before)


def _faults_to_remake_a_freed_array() -> int:
    """Page faults (this thread's) in making a 24 MB array again after freeing one."""
    first = np.ones(3_000_000)
    del first
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    second = np.ones(3_000_000)
    faults = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before
    del second
    return faults


@pytest.mark.skipif(_kernels._MALLOPT is None, reason="glibc's malloc only")
def test_analysis_memory_reuses_freed_memory_and_gives_it_back_after() -> None:
    setting = np._core.multiarray._set_madvise_hugepage
    before = setting(False)  # ordinary pages throughout, so that faults count 4 KB pages
    try:
        with _kernels.analysis_memory():
            with _kernels.analysis_memory():
                pass
            inside = _faults_to_remake_a_freed_array()  # still kept after a nested block
        after = _faults_to_remake_a_freed_array()
    finally:
        setting(before)
    assert inside < 100  # the freed memory is used again
    assert after > 5_000  # 24 MB of 4 KB pages, faulted in anew: glibc's defaults are back


def test_primary_and_opaque_unit_loops_match_array_expressions() -> None:
    rng = np.random.default_rng(17)
    n = rng.integers(0, 14, size=(50, 5, 3)).astype(np.int32)
    reason = np.full(n.shape, 9, dtype=np.int8)
    _kernels.primary_reasons(n, 10, 2, 1, reason)
    np.testing.assert_array_equal(reason, np.where(n == 0, 1, np.where(n < 10, 2, 0)))
    reason[rng.random(n.shape) < 0.1] = 3
    expected = reason.copy()
    expose = (expected[:, :1, :] > 0) & (expected[:, 1:, :] == 0)
    expected[:, 1:, :][expose] = 5
    units = np.arange(50)
    changed = _kernels.hide_breakdowns_of_hidden(reason, units, 5, 0)
    np.testing.assert_array_equal(reason, expected)
    np.testing.assert_array_equal(changed, expose.any(axis=(1, 2)))
    assert not _kernels.hide_breakdowns_of_hidden(reason, units[::7], 5, 0).any()


def test_breakdown_flags_match_array_expressions() -> None:
    rng = np.random.default_rng(19)
    n = rng.integers(0, 3, size=(40, 7, 4)).astype(np.int32)
    reason = (rng.random(n.shape) < 0.3).astype(np.int8) * 3
    units = np.array([0, 5, 6, 39])
    some, hides = _kernels.breakdown_flags(n, reason, 2, 6, units)
    block = slice(2, 6)
    np.testing.assert_array_equal(some, (n[units, block] > 0).any(axis=1))
    expected = ((n[units, block] > 0) & (reason[units, block] > 0)).any(axis=1)
    np.testing.assert_array_equal(hides, expected)


def test_hide_partial_breakdowns_matches_the_rule_written_out_and_reports_real_changes() -> None:
    rng = np.random.default_rng(23)
    n = rng.integers(0, 3, size=(60, 6, 4)).astype(np.int32)  # slots: total, 2 + 3 categories
    reason = (rng.random(n.shape) < 0.25).astype(np.int8) * 2
    ends = np.array([3, 6])
    expected, changed = reason.copy(), np.zeros(60, dtype=bool)
    for u in range(60):
        for m in range(4):
            cells = expected[u, :, m]
            if cells[0] != 0 or not ((n[u, 1:, m] > 0) & (cells[1:] != 0)).any():
                continue
            for s in range(1, 6):
                if n[u, s, m] > 0 and cells[s] == 0:
                    cells[s], changed[u] = 4, True
            for lo, hi in ((1, 3), (3, 6)):
                if (n[u, lo:hi, m] > 0).sum() == 1:
                    cells[0], changed[u] = 4, True
    units = np.arange(60)
    found = _kernels.hide_partial_breakdowns(reason, n, ends, 4, 0, units)
    np.testing.assert_array_equal(reason, expected)
    np.testing.assert_array_equal(found, changed)
    assert not _kernels.hide_partial_breakdowns(reason, n, ends, 4, 0, units).any()  # settled


def test_hierarchy_fixes_match_the_rule_written_out() -> None:
    rng = np.random.default_rng(29)
    for _ in range(30):
        size = int(rng.integers(2, 25))
        parents = [None] + [f"u{rng.integers(0, i)}" for i in range(1, size)]
        tree = UnitTree.from_parents([f"u{i}" for i in range(size)], parents)
        first, count = tree.child_ranges()
        shape = (size, 2, 3)
        n = rng.integers(0, 15, size=shape).astype(np.int32)
        direct = rng.integers(0, 3, size=shape).astype(np.int32)
        remainder = rng.integers(0, 12, size=shape).astype(np.int32)
        pieces = rng.integers(0, 3, size=shape).astype(np.int8)
        reason = (rng.random(shape) < 0.4).astype(np.int8) * 2
        expected, changed = reason.copy(), []
        for u, s, m in itertools.product(range(size), range(2), range(3)):
            if count[u] == 0:
                continue
            shown, rest = reason[u, s, m] == 0, remainder[u, s, m]
            small = shown and 0 < rest < 5
            lone = shown and pieces[u, s, m] == 1 and direct[u, s, m] == 0
            known = not shown and n[u, s, m] > 0 and rest == 0
            if not (small or lone or known):
                continue
            kids = [c for c in range(size) if tree.parent[c] == u]
            usable = [c for c in kids if reason[c, s, m] == 0 and n[c, s, m] > 0]
            if usable:
                target = min(usable, key=lambda c: (n[c, s, m], c))
            elif shown:
                target = u
            else:
                continue
            expected[target, s, m] = 3
            changed.append(target)
        found = _kernels.hierarchy_fixes(
            reason, n, direct, remainder, pieces, first, count, np.arange(size), 5, 0, 3
        )
        np.testing.assert_array_equal(reason, expected)
        assert sorted(found.tolist()) == sorted(changed)


def test_union_fixes_match_the_rule_written_out() -> None:
    rng = np.random.default_rng(31)
    k, offset, width, measures = 5, 1, 3, 2
    fired = 0
    for _ in range(200):
        size = int(rng.integers(2, 12))
        parents = [None] + [f"u{rng.integers(0, i)}" for i in range(1, size)]
        tree = UnitTree.from_parents([f"u{i}" for i in range(size)], parents)
        first, count = tree.child_ranges()
        shape = (size, 1 + width, measures)
        n = (rng.integers(0, 9, size=shape) * (rng.random(shape) < 0.7)).astype(np.int32)
        remainder = rng.integers(0, 12, size=shape).astype(np.int32)
        reason = (rng.random(shape) < 0.3).astype(np.int8) * 2
        total_shown = reason[:, 0, :] == 0
        expected, changed = reason.copy(), []
        for p, m in itertools.product(range(size), range(measures)):
            cats = range(offset, offset + width)
            present = [s for s in cats if n[p, s, m] > 0]
            if not total_shown[p, m] or not present or any(reason[p, s, m] for s in present):
                continue
            group = [
                c
                for c in range(size)
                if tree.parent[c] == p
                and total_shown[c, m]
                and any(n[c, s, m] > 0 and reason[c, s, m] > 0 for s in cats)
            ]
            leaks = False
            for chosen in itertools.chain.from_iterable(
                itertools.combinations(cats, r) for r in range(1, width + 1)
            ):
                inside = [c for c in group if all(n[c, s, m] == 0 for s in cats if s not in chosen)]
                known = sum(int(n[c, 0, m]) for c in inside)
                left = sum(int(remainder[p, s, m]) for s in chosen) - known
                leaks |= known > 0 and 0 < left < k
            if leaks:
                target = min(group, key=lambda c: (n[c, 0, m], c))
                expected[target, 0, m] = 6
                changed.append(target)
        fired += len(changed)
        found = _kernels.union_fixes(
            n, reason, remainder, total_shown, first, count, np.arange(size), offset, width, k, 6
        )
        np.testing.assert_array_equal(reason, expected)
        assert sorted(found.tolist()) == sorted(changed)
    assert fired > 20
