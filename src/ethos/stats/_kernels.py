"""Compiled loops for the national-scale paths: scoring, the cube and tree roll-ups.

Each function is a plain loop compiled by numba (``cache=True``: compiled once per machine
and argument types, then loaded from ``__pycache__``). They are single-threaded and release
the GIL, so a web process or a job runner can call them from several threads at once. They
are private: the public functions that use them (:func:`ethos.stats.scoring.score_respondents`,
:func:`ethos.stats.cube.build_cube`, :meth:`ethos.stats.tree.UnitTree.rollup` and the
disclosure rules) keep their signatures, and ``tests/stats/test_kernels.py`` checks each loop
against a plain-Python route that shares no code with it.

Why compiled: the national case (700,000 respondents, 66 items, 30,000 units, two breakdowns)
spent 1.0 s scoring with vectorised numpy (temporary arrays of every item score) and 2.0 s
building the cube (a polars aggregation, sparse indicator products and per-level roll-ups);
these loops touch each answer and each cell once. Figures: ``benchmarks/README.md``.

Units are in breadth-first order (:class:`ethos.stats.tree.UnitTree`), so every parent's
index is below its children's: walking units from the last to the first adds each unit's
subtree into its parent after the subtree is complete.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
from numba import njit, types
from numba.core.registry import cpu_target

CHUNK = 512
# Private (not the module's default, shared memory); faulted in at once by _populate.
_PRIVATE = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
_MADV_POPULATE_WRITE = 23  # Linux 5.14 and later; mmap has no name for it before Python 3.13
_POPULATE_STEP = 4 << 20

# numba imports its typing and lowering modules on the first call of any compiled function
# (about 0.2 s); load them with this module instead, as any other import is loaded.
cpu_target.target_context.refresh()


def zeros(shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    """A zero-filled array in its own anonymous memory map, for the cube's large arrays.

    numpy asks the kernel for transparent huge pages for large arrays. On virtual machines
    whose memory the host backs lazily (ours, and many a trust's), the first touch of a huge
    page costs 2-4 ms per MB against about 0.6 ms per MB in ordinary pages, and the cube's
    arrays are touched once: the national case ran 0.2-1.0 s faster this way in seven paired runs
    (``docs/performance.md``). The map is released with the last array that uses it.

    Its pages are faulted in for writing at once (:func:`_populate`).
    """
    dtype = np.dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if size < 1 << 20:
        return np.zeros(shape, dtype=dtype)
    buffer = mmap.mmap(-1, size, flags=_PRIVATE)
    _populate(buffer, size)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)


def _libc_madvise() -> Any:
    """Linux's ``madvise`` through ctypes (which lets go of the GIL for the call), or ``None``
    elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (AttributeError, OSError):
        return None
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    madvise.restype = ctypes.c_int
    return madvise


_MADVISE = _libc_madvise()


def _populate(buffer: mmap.mmap, size: int) -> None:
    """Fault in every page of ``buffer`` now, for writing, without holding the GIL for long.

    For writing: a page first read is mapped to the shared zero page and faulted again on its
    first write (and the kernel must then tell the other core to forget the old mapping); the
    cube's arrays are added into, so left to fault as they were touched the national case
    took 1.15 s against 0.7 s. On Linux 5.14 and later, ``madvise(MADV_POPULATE_WRITE)`` in
    steps of 4 MB: each call lets go of the GIL (Python's ``mmap`` held it for the whole of a
    ``MAP_POPULATE``, 40-70 ms for a national cube's sums, while no other thread of the
    analysis ran any Python), and a thread that maps memory meanwhile (numpy or malloc,
    holding the GIL) waits on the process's memory map for one step, not the whole array.
    Elsewhere one byte of every page is written.
    """
    if _MADVISE is not None:
        view = ctypes.c_char.from_buffer(buffer)
        try:
            address = ctypes.addressof(view)
            for at in range(0, size, _POPULATE_STEP):
                if _MADVISE(address + at, min(_POPULATE_STEP, size - at), _MADV_POPULATE_WRITE):
                    break  # not on this kernel: write a byte of each page below
            else:
                return
        finally:
            del view  # let go of the export, so that the map can be closed
    np.frombuffer(buffer, dtype=np.uint8)[:: mmap.PAGESIZE] = 0


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_KEEP_FREED = ((_M_MMAP_THRESHOLD, 32 << 20), (_M_TRIM_THRESHOLD, 1 << 30))
_GLIBC_DEFAULTS = ((_M_MMAP_THRESHOLD, 128 << 10), (_M_TRIM_THRESHOLD, 128 << 10))
_analyses = 0  # analysis_memory blocks open, in any thread
_analyses_lock = threading.Lock()
_huge_before = True


@contextmanager
def analysis_memory() -> Iterator[None]:
    """Within this block (in any thread, nested or not) memory is handled for an analysis,
    which allocates and frees hundreds of MB in arrays that it touches once or twice.

    - numpy does not ask for transparent huge pages (see :func:`zeros` for why): it advises
      the kernel to back every array of 4 MB or more with them, and an analysis makes
      dozens of such temporaries (a national comparison's arrays are 4 MB each). The national
      case ran 0.03-0.07 s faster (medians of two sets of six paired runs).
    - glibc's malloc keeps freed memory for the next allocation instead of giving it back:
      arrays of up to 32 MB come from its heap rather than maps of their own, and the heap
      is not trimmed. Given back, each array's memory is unmapped (on a virtual machine, with
      a signal to the other core to forget it) and the next array's is faulted in anew: a
      national analysis freed about 1 GB that way. ``docs/performance.md`` has the figures.

    Both settings are process-wide and put back (glibc's to its documented defaults, 128 KiB)
    when the last open block closes. Elsewhere than glibc the second is skipped.
    """
    global _analyses, _huge_before
    module = np._core.multiarray  # type: ignore[attr-defined]
    huge = getattr(module, "_set_madvise_hugepage", None)
    with _analyses_lock:
        _analyses += 1
        if _analyses == 1:
            _huge_before = huge(False) if huge is not None else True
            _mallopt(_KEEP_FREED)
    try:
        yield
    finally:
        with _analyses_lock:
            _analyses -= 1
            if _analyses == 0:
                if huge is not None:
                    huge(_huge_before)
                _mallopt(_GLIBC_DEFAULTS)


def _glibc_mallopt() -> Any:
    """glibc's ``mallopt``, or ``None`` on any other C library."""
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, ValueError):
        return None
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt


_MALLOPT = _glibc_mallopt()


def _mallopt(settings: tuple[tuple[int, int], ...]) -> None:
    if _MALLOPT is not None:
        for parameter, value in settings:
            _MALLOPT(parameter, value)


@njit(cache=True, nogil=True)
def score_codes(
    codes: np.ndarray,
    option_ptr: np.ndarray,
    option_code: np.ndarray,
    option_score: np.ndarray,
    item_ptr: np.ndarray,
    item_index: np.ndarray,
    minimum: np.ndarray,
    percent: np.ndarray,
    every: np.ndarray,
    out: np.ndarray,
    columns: np.ndarray,
    parts_ptr: np.ndarray,
    parts: np.ndarray,
    combined: np.ndarray,
) -> int:
    """Score every measure of every respondent: direct measures into ``out[:, columns]``,
    then the mean of measures ``parts[parts_ptr[c]:parts_ptr[c + 1]]`` (columns of ``out``)
    into ``out[:, combined[c]]``, in order.

    ``codes[r, j]`` is respondent r's answer code to item j (-1 = blank). Item j's codes are
    ``option_code[option_ptr[j]:option_ptr[j + 1]]`` (of ``codes``' type, blank included),
    with keyed scores ``option_score`` (NaN = blank or does not score); any other code is not
    on the scale. Measure d's items are ``item_index[item_ptr[d]:item_ptr[d + 1]]``. A mean
    measure is the mean of the answered items' scores; a percent measure is 1 when the
    answered items are positive (above 5) by its rule (``every``: all of them, else any), else
    0; both are NaN when fewer than ``minimum[d]`` items were answered.

    Returns -1, or the flat index ``r * items + j`` of the first code (in chunks of rows,
    then items) that is not on its item's scale, in which case ``out`` is incomplete.
    """
    rows, items = codes.shape
    measures = item_ptr.size - 1
    score = np.empty((items, CHUNK), dtype=np.float32)  # 0 where not answered
    answered = np.empty((items, CHUNK), dtype=np.int32)
    count = np.empty(CHUNK, dtype=np.int32)
    total = np.empty(CHUNK, dtype=np.float32)  # the sum of scores, or the number positive
    block = np.empty((out.shape[1], CHUNK))  # a chunk's scores by measure, copied to out
    for start in range(0, rows, CHUNK):
        size = min(CHUNK, rows - start)
        for j in range(items):
            # One pass per option, each a compare and select without branches (it
            # vectorises: several times faster than looking each code up in a table).
            column, scores, known = codes[start : start + size, j], score[j], answered[j]
            scores[:size] = -np.inf
            for o in range(option_ptr[j], option_ptr[j + 1]):
                code, value = option_code[o], option_score[o]
                for r in range(size):
                    scores[r] = value if column[r] == code else scores[r]
            off_scale = False
            for r in range(size):
                value = scores[r]
                off_scale |= value == -np.inf
                scored = value == value
                known[r] = scored
                scores[r] = value if scored else np.float32(0.0)
            if off_scale:
                for r in range(size):
                    if scores[r] == -np.inf:
                        return (start + r) * items + j
        for d in range(measures):
            count[:size] = 0
            total[:size] = 0.0
            for p in range(item_ptr[d], item_ptr[d + 1]):
                item_score, item_answered = score[item_index[p]], answered[item_index[p]]
                if percent[d]:
                    for r in range(size):
                        count[r] += item_answered[r]
                        total[r] += item_score[r] > np.float32(5.0)
                else:
                    for r in range(size):
                        count[r] += item_answered[r]
                        total[r] += item_score[r]
            column_out, least = columns[d], minimum[d]
            if percent[d]:
                for r in range(size):
                    hit = total[r] == count[r] if every[d] else total[r] > 0
                    value = 1.0 if hit else 0.0
                    block[column_out, r] = value if count[r] >= least else np.nan
            else:
                for r in range(size):
                    block[column_out, r] = total[r] / count[r] if count[r] >= least else np.nan
        for c in range(combined.size):
            first, last = parts_ptr[c], parts_ptr[c + 1]
            mean = block[combined[c], :size]
            mean[:] = block[parts[first], :size]
            for p in range(first + 1, last):
                mean += block[parts[p], :size]
            mean /= last - first
        # Measure by measure above (the stores vectorise), row by row into out: the kernel
        # took 8.7 ms a chunk of 65,536 respondents this way against 9.8-10.3 ms writing
        # out's rows measure by measure.
        for r in range(size):
            row = out[start + r]
            for m in range(row.size):
                row[m] = block[m, r]
    return -1


@njit(cache=True, nogil=True)
def count_scores(units: np.ndarray, slots: np.ndarray, values: np.ndarray, n: np.ndarray) -> None:
    """Count each respondent's non-missing scores into ``n[unit, slot, measure]``.

    ``slots[r]`` lists the slots respondent r counts in (the total, then one category per
    breakdown column); ``values[r, m]`` is NaN when measure m is missing.
    """
    rows, measures = values.shape
    for r in range(rows):
        u, row = units[r], values[r]
        for s in range(slots.shape[1]):
            count = n[u, slots[r, s]]
            for m in range(measures):  # no branch, so the loop vectorises
                count[m] += row[m] == row[m]


@njit(cache=True, nogil=True)
def add_scores(
    units: np.ndarray,
    slots: np.ndarray,
    values: np.ndarray,
    total: np.ndarray,
    squares: np.ndarray,
    means: np.ndarray,
) -> None:
    """Add each respondent's non-missing scores into ``total``, as :func:`count_scores` counts
    them, and the squares of those of measures ``means`` (columns of ``values``) into
    ``squares[unit, slot, k]`` for ``means[k]``."""
    rows, measures = values.shape
    for r in range(rows):
        u, row = units[r], values[r]
        for s in range(slots.shape[1]):
            slot = slots[r, s]
            added, squared = total[u, slot], squares[u, slot]
            for m in range(measures):  # no branch, so the loop vectorises (2.5x faster)
                value = row[m]
                added[m] += value if value == value else 0.0
            for k in range(means.size):
                value = row[means[k]]
                value = value if value == value else 0.0
                squared[k] += value * value


@njit(cache=True, nogil=True)
def pair_rows(
    units: np.ndarray, first: np.ndarray, second: np.ndarray, width: int, cells: int, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of a sparse cross-tab: one per ``(unit, first, second)`` combination somebody is in.

    Respondent r is in cell ``first[r] * width + second[r]`` (of ``cells``) of ``units[r]``
    (of ``size`` units). Returns ``(row, start, cell)``: each respondent's row; unit u's rows
    are ``start[u]`` to ``start[u + 1] - 1``, in cell order; ``cell[row]`` is the row's cell.
    """
    table = np.full((size, cells), -1, dtype=np.int32)
    for r in range(units.size):
        table[units[r], first[r] * width + second[r]] = 0
    start = np.zeros(size + 1, dtype=np.int64)
    rows = 0
    for u in range(size):
        for c in range(cells):
            if table[u, c] == 0:
                table[u, c] = rows
                rows += 1
        start[u + 1] = rows
    cell = np.empty(rows, dtype=np.int64)
    for u in range(size):
        for c in range(cells):
            if table[u, c] >= 0:
                cell[table[u, c]] = c
    row = np.empty(units.size, dtype=np.int64)
    for r in range(units.size):
        row[r] = table[units[r], first[r] * width + second[r]]
    return row, start, cell


@njit(cache=True, nogil=True)
def count_pairs(rows: np.ndarray, values: np.ndarray, out: np.ndarray) -> None:
    """Count respondents with a score, per ``[row, measure]`` of a sparse cross-tab
    (:func:`pair_rows`): respondent r adds to row ``rows[r]``."""
    for r in range(values.shape[0]):
        target, row = out[rows[r]], values[r]
        for m in range(values.shape[1]):
            target[m] += row[m] == row[m]


@njit(cache=True, nogil=True)
def rollup(values: np.ndarray, parent: np.ndarray) -> None:
    """In place: each row of ``values`` (one per unit) becomes the sum over its subtree."""
    for i in range(values.shape[0] - 1, 0, -1):
        p = parent[i]
        for x in range(values.shape[1]):
            values[p, x] += values[i, x]


@njit(cache=True, nogil=True)
def primary_reasons(n: np.ndarray, k: int, small: int, empty: int, out: np.ndarray) -> None:
    """The primary rule: ``out`` is ``empty`` where ``n == 0``, ``small`` where ``0 < n < k``,
    else 0 (both ``[unit, slot, measure]``)."""
    for u in range(n.shape[0]):
        for s in range(n.shape[1]):
            counts, target = n[u, s], out[u, s]
            for m in range(n.shape[2]):
                value = counts[m]
                target[m] = empty if value == 0 else (small if value < k else 0)


@njit(cache=True, nogil=True)
def hide_breakdowns_of_hidden(
    reason: np.ndarray, units: np.ndarray, code: int, shown: int
) -> np.ndarray:
    """The opaque-unit rule (:func:`ethos.stats.disclosure.rules.opaque_units`), in place, for
    the listed units: where a measure's total (slot 0) is hidden, its shown breakdown cells
    become ``code``. Returns, per listed unit, whether anything changed."""
    changed = np.zeros(units.size, dtype=np.bool_)
    for i in range(units.size):
        cells = reason[units[i]]
        for m in range(cells.shape[1]):
            if cells[0, m] == shown:
                continue
            for s in range(1, cells.shape[0]):
                if cells[s, m] == shown:
                    cells[s, m] = code
                    changed[i] = True
    return changed


@njit(cache=True, nogil=True)
def hierarchy_fixes(
    reason: np.ndarray,
    n: np.ndarray,
    own: np.ndarray,
    remainder: np.ndarray,
    pieces: np.ndarray,
    first: np.ndarray,
    count: np.ndarray,
    units: np.ndarray,
    k: int,
    shown: int,
    code: int,
) -> np.ndarray:
    """The hierarchy rule (:func:`ethos.stats.disclosure.rules.hierarchy`), in place, for the
    listed units that have children; returns the units whose cells it hid.

    A cell violates when it is shown and its remainder is 1 to ``k - 1``, or one hidden
    child's remainder alone (``pieces == 1`` and no direct members), or when it is hidden,
    has respondents and a remainder of 0. The fix hides the shown child with the fewest
    respondents in that cell (the first such child on a tie), else the cell itself if shown.
    Every child is chosen before any cell is hidden, as the rule is stated on one state.
    """
    found = np.empty((max(16, units.size), 4), dtype=np.int64)  # unit, slot, measure, child
    size = 0
    for i in range(units.size):
        u = units[i]
        if count[u] == 0:
            continue
        for s in range(reason.shape[1]):
            for m in range(reason.shape[2]):
                rest, is_shown = remainder[u, s, m], reason[u, s, m] == shown
                if is_shown:
                    bad = (0 < rest < k) or (pieces[u, s, m] == 1 and own[u, s, m] == 0)
                else:
                    bad = n[u, s, m] > 0 and rest == 0
                if not bad:
                    continue
                best, fewest = -1, 0
                for c in range(first[u], first[u] + count[u]):
                    people = n[c, s, m]
                    if people > 0 and reason[c, s, m] == shown and (best < 0 or people < fewest):
                        best, fewest = c, people
                if best < 0 and not is_shown:
                    continue  # a hidden cell with no shown child: nothing left to hide
                if size == found.shape[0]:
                    grown = np.empty((2 * size, 4), dtype=np.int64)
                    grown[:size] = found
                    found = grown
                found[size, 0], found[size, 1], found[size, 2], found[size, 3] = u, s, m, best
                size += 1
    changed = np.empty(size, dtype=np.int64)
    for j in range(size):
        target = found[j, 3] if found[j, 3] >= 0 else found[j, 0]
        reason[target, found[j, 1], found[j, 2]] = code
        changed[j] = target
    return changed


@njit(cache=True, nogil=True)
def carry_up(
    direct: np.ndarray,
    n: np.ndarray,
    reason: np.ndarray,
    first: np.ndarray,
    count: np.ndarray,
    units: np.ndarray,
    out: np.ndarray,
    pieces: np.ndarray,
) -> None:
    """For each unit u of ``units`` that has children, set ``out[u]`` to ``direct[u]`` (its
    own members) plus the remainder of each child c, cell by cell where ``reason[c] > 0``
    (all four ``[unit, x, measure]``); a child's remainder is ``out[c]``, or ``n[c]`` (its own
    members) for a leaf.

    A leaf's remainder is its own members, so ``direct``, ``out`` and ``pieces`` are neither
    read nor written for leaves: at national size 91% of the units are leaves, and their
    part of these arrays is never touched. ``units`` must list each unit after its
    descendants (descending indices do, in breadth-first order); unit u's children are
    ``first[u]`` to ``first[u] + count[u] - 1``. Units not listed keep their ``out``, so
    after a change the disclosure rules refresh only the changed units and their ancestors.
    ``pieces[u]`` is set to the number of carried values above zero, counted up to 2 (the
    rules only ask whether it is exactly one). Writing into caller-owned buffers lets the
    rules reuse the same memory every round.
    """
    zero = out.dtype.type(0)
    for i in range(units.size):
        u = units[i]
        if count[u] == 0:
            continue
        target, tally, own = out[u], pieces[u], direct[u]
        for x in range(out.shape[1]):
            for m in range(out.shape[2]):
                target[x, m] = own[x, m]
                tally[x, m] = 0
        for c in range(first[u], first[u] + count[u]):
            flags, source = reason[c], out[c] if count[c] > 0 else n[c]
            for x in range(out.shape[1]):
                for m in range(out.shape[2]):  # no branch: the loop vectorises
                    value = source[x, m] if flags[x, m] > 0 else zero
                    target[x, m] += value
                    tally[x, m] = min(tally[x, m] + (value > 0), 2)


@njit(cache=True, nogil=True)
def hide_partial_breakdowns(
    reason: np.ndarray,
    n: np.ndarray,
    ends: np.ndarray,
    category: int,
    shown: int,
    units: np.ndarray,
) -> np.ndarray:
    """The breakdown rule (:func:`ethos.stats.disclosure.rules.categories`), in place, for the
    units listed in ``units``.

    For each such unit and each measure whose total is shown (``reason == shown``): if any
    category with respondents is hidden, every shown category with respondents becomes
    ``category``, and so does the total when some column (slots ``ends[c - 1]`` to
    ``ends[c] - 1``, from slot 1) has exactly one category with respondents. Returns, per
    listed unit, whether anything changed.
    """
    slots, measures = reason.shape[1], reason.shape[2]
    changed = np.zeros(units.size, dtype=np.bool_)
    act = np.empty(measures, dtype=np.bool_)
    present = np.empty(measures, dtype=np.int64)
    for i in range(units.size):
        cells, counts = reason[units[i]], n[units[i]]
        for m in range(measures):  # the loops over measures have no branch: they vectorise
            act[m] = False
        for s in range(1, slots):
            for m in range(measures):
                act[m] |= (counts[s, m] > 0) & (cells[s, m] != shown)
        some = False
        for m in range(measures):
            act[m] &= cells[0, m] == shown
            some |= act[m]
        if not some:
            continue
        for s in range(1, slots):
            for m in range(measures):
                if act[m] and counts[s, m] > 0 and cells[s, m] == shown:
                    cells[s, m] = category
                    changed[i] = True
        start = 1
        for end in ends:
            present[:] = 0
            for s in range(start, end):
                for m in range(measures):
                    present[m] += counts[s, m] > 0
            for m in range(measures):
                if act[m] and present[m] == 1:
                    cells[0, m] = category
                    changed[i] = True
            start = end
    return changed


@njit(cache=True, nogil=True)
def breakdown_flags(
    n: np.ndarray, reason: np.ndarray, start: int, stop: int, units: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per listed unit and measure, over slots ``start`` to ``stop - 1`` (one breakdown, or
    all): does some category have respondents (``some``), and is some category with
    respondents hidden (``hides``, ``reason > 0``)? Returns ``(some, hides)``."""
    some = np.zeros((units.size, n.shape[2]), dtype=np.bool_)
    hides = np.zeros((units.size, n.shape[2]), dtype=np.bool_)
    for i in range(units.size):
        counts, cells, any_present, any_hidden = n[units[i]], reason[units[i]], some[i], hides[i]
        for s in range(start, stop):
            for m in range(n.shape[2]):  # no branch: the loop vectorises
                present = counts[s, m] > 0
                any_present[m] |= present
                any_hidden[m] |= present & (cells[s, m] > 0)
    return some, hides


@njit(cache=True, nogil=True)
def union_fixes(
    n: np.ndarray,
    reason: np.ndarray,
    remainder: np.ndarray,
    total_shown: np.ndarray,
    first: np.ndarray,
    count: np.ndarray,
    parents: np.ndarray,
    offset: int,
    width: int,
    k: int,
    mark: int,
) -> np.ndarray:
    """The union rule (:func:`ethos.stats.disclosure.rules.unions`) for one breakdown, in
    slots ``offset`` to ``offset + width - 1``, at each of ``parents`` and measure.

    Where the parent's total is shown (``total_shown``, taken before this call, is what every
    decision reads) and its breakdown is shown whole, its children whose total is shown and
    whose breakdown is partly hidden are the group. A child with categories bitmask M (those
    with respondents) and total w makes ``known[M] += w``; the group leaks when
    :func:`subsets_leak` finds a set of categories it exposes. Then the group's smallest child
    (the first of equals) has its total hidden with reason ``mark``. Unit i's children are
    ``first[i]`` to ``first[i] + count[i] - 1``. Returns the children hidden.
    """
    measures = n.shape[2]
    known = np.empty(1 << width, dtype=np.float64)
    mass = np.empty(width, dtype=np.float64)
    changed = np.empty(parents.size * measures, dtype=np.int64)  # one child per group at most
    hidden = 0
    for p in parents:
        if count[p] == 0:
            continue
        for m in range(measures):
            if not total_shown[p, m]:
                continue
            some = hides = False
            for j in range(width):
                present = n[p, offset + j, m] > 0
                some |= present
                hides |= present and reason[p, offset + j, m] > 0
            if not some or hides:
                continue
            known[:] = 0.0
            smallest = -1
            for c in range(first[p], first[p] + count[p]):
                if not total_shown[c, m]:
                    continue
                mask, partly = 0, False
                for j in range(width):
                    if n[c, offset + j, m] > 0:
                        mask |= 1 << j
                        partly |= reason[c, offset + j, m] > 0
                if not partly:
                    continue
                known[mask] += n[c, 0, m]
                if smallest < 0 or n[c, 0, m] < n[smallest, 0, m]:
                    smallest = c
            if smallest < 0:
                continue
            for j in range(width):
                mass[j] = remainder[p, offset + j, m]
            if subsets_leak(known, mass, k):
                reason[smallest, 0, m] = mark
                changed[hidden] = smallest
                hidden += 1
    return changed[:hidden]


@njit(cache=True, nogil=True)
def subsets_leak(known: np.ndarray, mass: np.ndarray, k: int) -> bool:
    """Whether some set S of categories has ``known[S] > 0`` and ``0 < left[S] < k``.

    On entry ``known[M]`` is the total of the shown children whose categories are exactly the
    bitmask M; it becomes the total of those whose categories lie within M (a sum over
    sub-masks, in place). ``left[S]`` is the hidden mass in S (``mass[c]`` per category c)
    minus ``known[S]``.
    """
    width = mass.size
    subsets = 1 << width
    for bit in range(width):
        step = 1 << bit
        for s in range(subsets):
            if s & step:
                known[s] += known[s ^ step]
    hidden = np.zeros(subsets, dtype=np.float64)
    for s in range(1, subsets):
        low = 0
        while not (s >> low) & 1:
            low += 1
        hidden[s] = hidden[s ^ (1 << low)] + mass[low]
        left = hidden[s] - known[s]
        if known[s] > 0 and 0 < left < k:
            return True
    return False


@njit(cache=True, nogil=True)
def small_remainders(
    start: np.ndarray,
    cell: np.ndarray,
    counts: np.ndarray,
    cells: int,
    carry: np.ndarray,
    first: np.ndarray,
    count: np.ndarray,
    depth: np.ndarray,
    k: int,
) -> np.ndarray:
    """Per unit and measure: does the unit's remainder have a cell of 1 to ``k - 1``?

    A unit's own members are held sparsely (:func:`pair_rows`): unit u's non-empty cells are
    rows ``start[u]`` to ``start[u + 1] - 1`` of ``counts`` (``[row, measure]``), in cells
    ``cell[row]`` of ``cells``. A unit's remainder is its own members plus the remainder of
    every child whose ``carry[child, measure]`` is set. Unit i's children are ``first[i]`` to
    ``first[i] + count[i] - 1``. The tree is walked depth first with one ``[cell, measure]``
    accumulator per level, so no ``[unit, cell, measure]`` array is made; a leaf (most units)
    is checked and carried from its rows alone, which needs each unit's rows to be in
    distinct cells, as :func:`pair_rows` makes them.
    """
    units, measures = carry.shape
    levels = int(depth.max()) + 1
    acc = np.zeros((levels, cells, measures), dtype=np.int64)
    small = np.zeros((units, measures), dtype=np.bool_)
    stack = np.empty(levels, dtype=np.int64)  # the unit at each level of the walk
    child = np.empty(levels, dtype=np.int64)  # how many of its children are done
    level, stack[0], child[0] = 0, 0, 0
    for j in range(start[0], start[1]):
        acc[0, cell[j]] += counts[j]
    while level >= 0:
        node = stack[level]
        if child[level] < count[node]:
            below = first[node] + child[level]
            child[level] += 1
            if count[below] == 0:  # a leaf: its rows are its remainder (one row per cell)
                flags, into = small[below], carry[below]
                for j in range(start[below], start[below + 1]):
                    row, target = counts[j], acc[level, cell[j]]
                    for m in range(measures):
                        flags[m] |= (row[m] > 0) & (row[m] < k)
                        target[m] += row[m] * into[m]
                continue
            level += 1
            stack[level], child[level] = below, 0
            acc[level] = 0
            for j in range(start[below], start[below + 1]):
                acc[level, cell[j]] += counts[j]
            continue
        flags, into, here = small[node], carry[node], acc[level]
        for x in range(cells):
            for m in range(measures):
                flags[m] |= (here[x, m] > 0) & (here[x, m] < k)
        if level > 0:
            above = acc[level - 1]
            for x in range(cells):
                for m in range(measures):
                    above[x, m] += here[x, m] * into[m]
        level -= 1
    return small


@njit(cache=True, nogil=True, inline="always")
def _at_least_zero(x: float) -> float:
    """``np.clip(x, 0.0, None)``: NaN stays NaN."""
    return 0.0 if x < 0.0 else x


@njit(cache=True, nogil=True, error_model="numpy")
def describe_cells(
    cells: np.ndarray,
    n: np.ndarray,
    total: np.ndarray,
    squares: np.ndarray,
    square_of: np.ndarray,
    percent: np.ndarray,
    block: int,
    quantile: np.ndarray,
    z: float,
    out: np.ndarray,
    df: np.ndarray,
    test: np.ndarray,
) -> None:
    """Summaries, values, intervals and the test against the rest of the organisation of the
    cube cells at flat positions ``cells`` (``n``, ``total`` flattened; measure of cell c is
    ``c % percent.size``, the root's cell of the same slot and measure ``c % block``). The
    sums of squares of mean measure m are ``squares`` (:attr:`~ethos.stats.cube.Cube.squares`
    flattened) at ``square_of[m]`` in each row; a percentage's are its sums.

    Rows of ``out``: count, sd, value, low, high, difference from the rest of the
    organisation, and the test's statistic (|t| or |z|); ``df`` gets its degrees of freedom
    (NaN but for Welch's test). ``test`` is 1
    for Welch's t test (p from the t distribution, which the caller takes from scipy), 2 for
    the two-proportion z test, 0 for none (the root, or too few people on either side).
    Means get a t interval (``quantile[n]`` is the t quantile for n - 1 degrees of freedom),
    percentages (0-100) a Wilson interval with normal quantile ``z``. The arithmetic is that
    of :func:`ethos.stats.compare.summarise`, :func:`~ethos.stats.intervals.t_intervals`,
    :func:`~ethos.stats.intervals.wilson_intervals`, :func:`~ethos.stats.intervals.welch_test`
    and :func:`~ethos.stats.intervals.two_proportion_test`, operation for operation, so the
    results are the same to the last bit; one pass, no temporary arrays.
    """
    measures = percent.size
    means = squares.size // (n.size // measures) if n.size else 0  # per row of squares
    for i in range(cells.size):
        c = cells[i]
        root = c % block
        m = c % measures
        if percent[m]:
            square, root_square = total[c], total[root]
        else:
            square = squares[(c // measures) * means + square_of[m]]
            root_square = squares[(root // measures) * means + square_of[m]]
        count = np.float64(n[c])
        mean = total[c] / count
        sd = np.sqrt(_at_least_zero((square - total[c] ** 2 / count) / (count - 1)))
        rest = np.float64(n[root] - n[c])
        rest_total = total[root] - total[c]
        rest_mean = rest_total / rest
        rest_sd = np.sqrt(
            _at_least_zero((root_square - square - rest_total**2 / rest) / (rest - 1))
        )
        out[0, i], out[1, i] = count, sd
        usable = c >= block  # not the root itself
        test[i] = 0
        out[6, i] = df[i] = np.nan
        if percent[m]:
            x = np.rint(total[c])
            p = x / count
            denom = 1.0 + z**2 / count
            centre = (p + z**2 / (2.0 * count)) / denom
            half = z / denom * np.sqrt(p * (1.0 - p) / count + z**2 / (4.0 * count**2))
            out[2, i] = 100.0 * total[c] / count
            out[3, i] = 100.0 * min(max(centre - half, 0.0), 1.0)
            out[4, i] = 100.0 * min(max(centre + half, 0.0), 1.0)
            out[5, i] = (mean - rest_mean) * 100.0
            if usable and count >= 1 and rest >= 1:
                a, b = np.rint(mean * count), np.rint(rest_mean * rest)
                pooled = (a + b) / (count + rest)
                var = pooled * (1.0 - pooled) * (1.0 / count + 1.0 / rest)
                out[6, i] = np.abs((a / count - b / rest) / np.sqrt(var if var > 0 else np.nan))
                test[i] = 2
        else:
            half = quantile[n[c]] * sd / np.sqrt(count) if count >= 2 else np.nan
            out[2, i], out[3, i], out[4, i] = mean, mean - half, mean + half
            out[5, i] = (mean - rest_mean) * 1.0
            if usable and count >= 2 and rest >= 2:
                v1, v2 = sd**2 / count, rest_sd**2 / rest
                se2 = v1 + v2 if v1 + v2 > 0 else np.nan
                out[6, i] = np.abs((mean - rest_mean) / np.sqrt(se2))
                df[i] = se2**2 / (v1**2 / (count - 1.0) + v2**2 / (rest - 1.0))
                test[i] = 1


@njit(cache=True, nogil=True)
def keep_shown(
    reason: np.ndarray,
    cells: np.ndarray,
    rows: np.ndarray,
    bounds: np.ndarray,
    known: np.ndarray,
    order: np.ndarray,
    ordered_p: np.ndarray,
    out: np.ndarray,
) -> tuple[int, int]:
    """In place: keep the cells (columns of ``rows``, flat positions ``cells``) that
    ``reason`` (flat) shows, in order, at the front; and merge the parts' p value orders.

    Part j is columns ``bounds[j]`` to ``bounds[j + 1] - 1``; ``order[bounds[j]:bounds[j] +
    known[j]]`` lists its columns whose p value is not NaN, from the smallest up, and
    ``ordered_p`` holds those p values in the same places (both are overwritten). Writes the
    kept columns' new positions in the order of their p values into ``out``, ties in part
    order (as a stable sort of the parts' orders one after another would). Returns the number
    of cells kept and the length of ``out`` written.
    """
    place = np.empty(cells.size, dtype=np.int64)  # each column's new position, or -1
    kept = 0
    for i in range(cells.size):
        if reason[cells[i]] != 0:
            place[i] = -1
            continue
        place[i] = kept
        if kept != i:
            cells[kept] = cells[i]
            for f in range(rows.shape[0]):
                rows[f, kept] = rows[f, i]
        kept += 1
    # Merge the parts' orders, two runs at a time, without branches: picking the least of
    # eight heads at each step took 20-30 ms for a national cube, this 10 ms.
    parts = bounds.size - 1
    starts = np.empty(parts + 1, dtype=np.int64)  # the runs, moved together
    total = 0
    for j in range(parts):
        starts[j] = total
        for i in range(bounds[j], bounds[j] + known[j]):
            order[total], ordered_p[total] = order[i], ordered_p[i]
            total += 1
    starts[parts] = total
    p, at, spare_p, spare_at = ordered_p, order, np.empty(total), np.empty(total, np.int64)
    runs = parts
    while runs > 1:
        merged = 0
        for j in range(0, runs, 2):
            end = starts[j + 2] if j + 1 < runs else starts[j + 1]
            _merge_runs(p, at, starts[j], starts[j + 1], end, spare_p, spare_at)
            starts[merged] = starts[j]
            merged += 1
        starts[merged] = total
        runs = merged
        p, at, spare_p, spare_at = spare_p, spare_at, p, at
    written = 0
    for i in range(total):
        position = place[at[i]]
        out[written] = position
        written += position >= 0
    return kept, written


@njit(cache=True, nogil=True, inline="always")
def _merge_runs(
    p: np.ndarray,
    at: np.ndarray,
    low: int,
    middle: int,
    high: int,
    out_p: np.ndarray,
    out_at: np.ndarray,
) -> None:
    """Merge the sorted runs ``low:middle`` and ``middle:high`` of ``p`` (carrying ``at``)
    into the same places of ``out_p`` and ``out_at``; ties from the first run first."""
    i, j, k = low, middle, low
    while i < middle and j < high:
        second = p[j] < p[i]
        out_p[k] = p[j] if second else p[i]
        out_at[k] = at[j] if second else at[i]
        j += second
        i += 1 - second
        k += 1
    out_p[k : k + middle - i] = p[i:middle]
    out_at[k : k + middle - i] = at[i:middle]
    k += middle - i
    out_p[k : k + high - j] = p[j:high]
    out_at[k : k + high - j] = at[j:high]


def _load() -> None:
    """Load the compiled code of every kernel for the argument types an analysis passes.

    numba loads a cached kernel on its first call, 3-13 ms each; in an analysis those calls
    come from three threads at once, and two scoring threads once loaded the same kernel
    twice: 0.24 s of a national run went on it. Loaded here, with the module, as a compiled
    extension's code is. Other argument types still compile (or load) on first call. On a
    machine without the cache yet, this compiles them (once, about a minute).
    """
    i8, i32, i64, f32, f64 = types.int8, types.int32, types.int64, types.float32, types.float64

    def a(dtype: Any, ndim: int = 1, layout: Literal["C", "F", "A"] = "C") -> Any:
        return types.Array(dtype, ndim, layout)

    flags = a(types.boolean)
    tree = (a(i64), a(i64))  # a unit tree's first child and child count
    counts = (a(i32, 3), a(i32, 3))  # own members and subtrees
    calls: list[tuple[Any, tuple[Any, ...]]] = [
        (rollup, (a(i32, 2), a(i64))),
        (rollup, (a(f64, 2), a(i64))),
        (count_scores, (a(i64), a(i32, 2), a(f64, 2), a(i32, 3))),
        (add_scores, (a(i64), a(i32, 2), a(f64, 2), a(f64, 3), a(f64, 3), a(i64))),
        (pair_rows, (a(i64), a(i64), a(i64), i64, i64, i64)),
        (count_pairs, (a(i64), a(f64, 2), a(i32, 2))),
        (primary_reasons, (a(i32, 3), i64, i64, i64, a(i8, 3))),
        *[
            (carry_up, (*counts, a(i8, 3), *tree, a(i64, 1, order), a(i32, 3), a(i8, 3)))
            for order in ("A", "C")  # units in reverse: a view, or new
        ],
        (hierarchy_fixes, (a(i8, 3), *[a(i32, 3)] * 3, a(i8, 3), *tree, a(i64), i64, i64, i64)),
        (hide_breakdowns_of_hidden, (a(i8, 3), a(i64), i64, i64)),
        (hide_partial_breakdowns, (a(i8, 3), a(i32, 3), a(i64), i64, i64, a(i64))),
        (breakdown_flags, (a(i32, 3), a(i8, 3), i64, i64, a(i64))),
        (
            union_fixes,
            (a(i32, 3), a(i8, 3), a(i32, 3), a(types.boolean, 2), *tree, a(i64), *[i64] * 4),
        ),
        (
            small_remainders,
            (a(i64), a(i64), a(i32, 2), i64, a(types.boolean, 2), *tree, a(i64), i64),
        ),
    ]
    describe = (a(i64), a(i32), a(f64), a(f64), a(i64), flags, i64, a(f64), f64)
    calls += [
        *[(describe_cells, (*describe, a(f64, 2, o), a(f64), a(i8))) for o in ("A", "C")],
        (keep_shown, (a(i8), a(i64), a(f64, 2), *[a(i64)] * 3, a(f64), a(i64))),
    ]
    for codes in (i8, i64):  # Parquet files written by Ethos; CSV files and most others
        options = (a(i64), a(codes), a(f32))
        measures = (a(i64), a(i64), a(i64), flags, flags)
        calls.append(
            (score_codes, (a(codes, 2, "F"), *options, *measures, a(f64, 2), *[a(i64)] * 4))
        )
    for kernel, arguments in calls:
        kernel.compile(arguments)


_load()
