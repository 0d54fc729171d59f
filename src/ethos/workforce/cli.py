"""``ethos workforce``: check workforce files and run WRES, WDES, leadership and outcomes on
CSV or XLSX files, with no server and no database.

Every figure printed or written has passed the same disclosure control as the web pages.
Bad files get every problem listed (file, row, column and fix) and exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Workforce files: check them; WRES, WDES, leadership and outcomes from CSV files.",
    no_args_is_help=True,
)
out = Console(highlight=False, width=140)
err = Console(stderr=True, highlight=False, soft_wrap=True)

Year = Annotated[int, typer.Option(help="Reporting year: 2026 for 1 April 2025 to 31 March 2026.")]
File = Annotated[Path | None, typer.Option(exists=True, dir_okay=False)]
MinGroup = Annotated[int, typer.Option(help="Minimum group size (5 or more).")]


def _django() -> None:
    """File checks speak through Django's translation functions: give them plain settings."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)


def read_files(year: int, paths: dict[str, Path | None], units: Path | None) -> dict[str, Any]:
    """Parse and check every given file (staff first); print all problems and exit 2 if any."""
    _django()
    from ethos.workforce import files
    from ethos.workforce.schema import KINDS

    unit_codes = set(_units(units)["code"].to_list()) if units else None
    frames: dict[str, pl.DataFrame] = {}
    problems: list[str] = []
    for kind in KINDS:
        path = paths.get(kind)
        if path is None:
            continue
        frame, found = files.parse(kind, path.name, path.read_bytes(), max_mb=200)
        if not found:
            codes = unit_codes if unit_codes is not None else _all_units(frame)
            context = files.Context(
                year, codes, frames, _indicators() if kind == "outcomes" else set()
            )
            found = files.check_references(kind, frame, context)
        problems += [f"{path}: {p}" for p in found]
        if not found:
            frames[kind] = frame.drop(files.ROW)
    if problems:
        for line in problems:
            err.print(line, markup=False)
        err.print(f"{len(problems)} problems; nothing was analysed.", markup=False)
        raise typer.Exit(2)
    return frames


def _all_units(frame: pl.DataFrame) -> set[str]:
    return set(frame["unit_code"].to_list()) if "unit_code" in frame.columns else set()


def _indicators() -> set[str]:
    from ethos.instruments.outcomes import load_outcome_catalogue

    return {i.id for i in load_outcome_catalogue().indicators}


def _units(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False)
    missing = {"code", "name", "parent"} - set(frame.columns)
    if missing:
        err.print(f"{path}: the units file needs the columns code, name and parent.", markup=False)
        raise typer.Exit(2)
    return frame.with_columns(pl.col("parent").replace("", None))


@app.command()
def check(
    year: Year,
    staff: File = None,
    posts: File = None,
    successors: File = None,
    recruitment: File = None,
    cases: File = None,
    training: File = None,
    board: File = None,
    outcomes: File = None,
    units: Annotated[Path | None, typer.Option(help="Units CSV (code,name,parent).")] = None,
) -> None:
    """Check workforce files as the importer would; list every problem."""
    paths = dict(staff=staff, posts=posts, successors=successors, recruitment=recruitment)
    paths.update(cases=cases, training=training, board=board, outcomes=outcomes)
    frames = read_files(year, paths, units)
    for kind, frame in frames.items():
        out.print(f"{paths[kind]}: {frame.height:,} rows, no problems ({kind}).", markup=False)


def _standard(
    standard: str, year: int, paths: dict[str, Path | None], k: int, dest: Path | None
) -> None:
    frames = read_files(year, paths, None)
    from ethos.analysis.export import formula_safe, write_xlsx
    from ethos.stats.disclosure import check_min_group
    from ethos.stats.equality import workforce_indicators
    from ethos.workforce.returns import assemble, return_frame

    try:
        found = workforce_indicators(**frames, k=check_min_group(k))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    frame = return_frame(assemble(standard, year, found))
    first = f"{standard.upper()} 1"
    headline = frame.filter(pl.col("indicator") != first).drop("standard", "year", "description")
    _print_frame(headline, f"{standard.upper()} {year}, workforce-based")
    bands = frame.filter(pl.col("indicator") == first)["description"].n_unique()
    err.print(f"{first}: {bands} pay-band rows; write them with --out.", markup=False)
    err.print(
        "The survey-based indicators come from the culture survey: see the web app, or "
        "`ethos analyse --by ethnicity --by disability --breakdowns-at organisation`.",
        markup=False,
    )
    if dest is not None:
        if dest.suffix == ".xlsx":
            write_xlsx(formula_safe(frame), dest)
        else:
            formula_safe(frame).write_csv(dest)
        err.print(f"Wrote {dest}", markup=False)


def _print_frame(frame: pl.DataFrame, title: str) -> None:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(column)
    for row in frame.iter_rows():
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


@app.command()
def wres(
    year: Year,
    staff: File = None,
    recruitment: File = None,
    cases: File = None,
    training: File = None,
    board: File = None,
    min_group: MinGroup = 10,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the return (.csv or .xlsx).")
    ] = None,
) -> None:
    """WRES indicators 1-4 and 9 from workforce files, published."""
    paths = dict(staff=staff, recruitment=recruitment, cases=cases, training=training, board=board)
    _standard("wres", year, paths, min_group, out_file)


@app.command()
def wdes(
    year: Year,
    staff: File = None,
    recruitment: File = None,
    cases: File = None,
    board: File = None,
    min_group: MinGroup = 10,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the return (.csv or .xlsx).")
    ] = None,
) -> None:
    """WDES metrics 1-3 and 10 from workforce files, published."""
    paths = dict(staff=staff, recruitment=recruitment, cases=cases, board=board)
    _standard("wdes", year, paths, min_group, out_file)


@app.command()
def leadership(
    year: Year,
    staff: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    posts: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    successors: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    units: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Units CSV.")],
    min_group: MinGroup = 10,
) -> None:
    """Leadership posts, retirement risk and the five-year projection, published."""
    frames = read_files(year, dict(staff=staff, posts=posts, successors=successors), units)
    from ethos.workforce.leadership import build_report

    report = build_report(frames, _units(units), year, min_group)
    cliffs = ", ".join(report.names.get(c, c) for c in report.cliffs) or "none"
    out.print(f"{report.posts_now:,} leadership posts, {report.leaders_now:,} leaders.")
    out.print(f"Retirement cliff (directorates flagged): {cliffs}")
    p = report.projection
    rows = pl.DataFrame(
        {
            "year": [year + int(t) for t in p.year],
            "posts needed": [round(float(v)) for v in p.need],
            "leaders available": [round(float(v)) for v in p.supply],
            "gap": [round(float(v)) for v in p.gap],
        }
    )
    _print_frame(rows, "Five-year projection (observed assumptions)")


@app.command()
def outcomes(
    outcomes_file: Annotated[Path, typer.Option("--outcomes", exists=True, dir_okay=False)],
    scores: Annotated[
        Path,
        typer.Option(
            exists=True, dir_okay=False, help="Published cells: `ethos analyse --format csv`."
        ),
    ],
    indicator: Annotated[str, typer.Option(help="Outcome indicator id from the catalogue.")],
    year: Year,
    measure: Annotated[str, typer.Option(help="Culture measure id.")] = "support_compassion",
) -> None:
    """Correlate a culture measure with an outcome indicator across units (and MixedLM)."""
    frames = read_files(year, {"outcomes": outcomes_file}, None)
    from ethos.instruments.outcomes import load_outcome_catalogue
    from ethos.stats import outcomes as stats

    known = load_outcome_catalogue().by_id
    if indicator not in known:
        raise typer.BadParameter(f"'{indicator}' is not in the catalogue", param_hint="--indicator")
    direction = {"lower_better": stats.LOWER_IS_BETTER}.get(
        known[indicator].direction, stats.HIGHER_IS_BETTER
    )
    cells = pl.read_csv(scores, infer_schema_length=10_000)
    shown = cells.filter(
        (pl.col("column").fill_null("") == "")
        & (pl.col("measure") == measure)
        & ~pl.col("suppressed")
    ).select(
        pl.col("unit").cast(pl.Utf8).alias("unit_code"), pl.col("value").alias("culture_score"), "n"
    )
    monthly = frames["outcomes"]
    try:
        per_unit = stats.unit_outcomes(monthly, indicator).join(shown, on="unit_code")
        found = stats.unit_correlation(
            per_unit, respondents="n", months="months", direction=direction
        )
        model = stats.multilevel_slope(
            monthly.filter(pl.col("indicator") == indicator).join(
                shown.select("unit_code", "culture_score"), on="unit_code"
            ),
            direction=direction,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    r = found.pearson
    out.print(
        f"{found.n_units} units; Pearson r = {r.estimate:.2f} ({r.low:.2f} to {r.high:.2f}), "
        f"p = {r.p_value:.4f}; association: {found.association}."
    )
    out.print(
        f"MixedLM slope per SD of culture score: {model.slope:.2f} "
        f"({model.low:.2f} to {model.high:.2f}); converged: {model.converged}."
    )
    for warning in dict.fromkeys(found.warnings + model.warnings):
        out.print(f"- {warning}", markup=False)
