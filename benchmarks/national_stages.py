"""Per-stage timings of the national cube, to guide optimisation (prints figures only).

Uses the data set made by ``national_cube.py``. Each stage is timed once in this process, with
the whole-pipeline baseline (the sum of the stages) printed alongside.

Run: ``.venv/bin/python benchmarks/national_stages.py``.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

from national_cube import BY, DATA, ensure_data


def main() -> None:
    ensure_data()
    from ethos.analysis import io
    from ethos.analysis.pipeline import breakdown
    from ethos.instruments import load_instrument
    from ethos.stats.compare import organisation_tests
    from ethos.stats.cube import score_cube
    from ethos.stats.disclosure import publish
    from ethos.stats.disclosure.rules import protect

    instrument = load_instrument("culture")
    path = DATA / "responses.parquet"
    timings: list[tuple[str, float]] = []

    def timed(name, work):
        start = time.perf_counter()
        result = work()
        timings.append((name, time.perf_counter() - start))
        return result

    columns = io.response_columns(instrument, BY)
    frame = timed("read Parquet", lambda: io.read_table(path, columns))
    tree = timed("read units", lambda: io.read_units(Path(DATA / "units.csv")))
    units = timed("match units", lambda: io.unit_indices(path, frame, tree))
    frame = timed("check codes", lambda: io.check_responses(path, frame, instrument))
    by = timed("breakdowns", lambda: [breakdown(path, frame, instrument, c) for c in BY])
    cube = timed("score and cube", lambda: score_cube(frame, instrument, units, tree, by))
    reason = timed("protect (rules only)", lambda: protect(cube, 10))
    timed(
        "compare with organisation",
        lambda: organisation_tests(cube, (reason == 0).ravel().nonzero()[0]),
    )
    timed("publish (protect + values + comparisons)", lambda: publish(cube, 10))
    for name, seconds in timings:
        print(f"{name:45s} {seconds:6.2f} s")
    pipeline = sum(
        s for n, s in timings if n not in ("protect (rules only)", "compare with organisation")
    )
    print(f"{'whole pipeline (sum of stages above publish)':45s} {pipeline:6.2f} s")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
