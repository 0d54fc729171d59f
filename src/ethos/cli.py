"""The ``ethos`` command: one entry point for analysts, operators and the demo.

Bad input prints one clear line naming the file, row and column, and exits with status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ethos import __version__
from ethos.errors import InputError

app = typer.Typer(
    help="Ethos: anonymous culture diagnostics for NHS organisations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except InputError as exc:
        err.print(f"[bold red]Error:[/] {exc.message}", highlight=False, soft_wrap=True)
        sys.exit(2)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"ethos {__version__}")
        raise typer.Exit()


@contextmanager
def _progress(total: int) -> Iterator[object]:
    """A rich progress bar on a terminal; silent when output is piped or in CI."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("Starting", total=total)

        def step(description: str) -> None:
            progress.update(task, description=description, advance=1)

        yield step


def _min_group(value: int) -> int:
    from ethos.stats.disclosure import check_min_group

    try:
        return check_min_group(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def analyse(
    responses: Annotated[Path, typer.Argument(help="Responses file, CSV or Parquet.")],
    instrument: Annotated[str, typer.Option(help="Shipped instrument name or a YAML file.")],
    units: Annotated[Path | None, typer.Option(help="Units CSV: code,name,parent.")] = None,
    by: Annotated[list[str] | None, typer.Option(help="Break down by this column.")] = None,
    min_group: Annotated[int, typer.Option(help="Minimum group size (5 or more).")] = 10,
    fmt: Annotated[str, typer.Option("--format", help="json, csv, xlsx or parquet.")] = "json",
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
    previous: Annotated[
        Path | None, typer.Option(help="Last wave's responses, to test each change.")
    ] = None,
    benchmark: Annotated[
        Path | None, typer.Option(help="Benchmark CSV: measure,value[,sd,n].")
    ] = None,
    shrinkage: Annotated[
        bool, typer.Option(help="Add empirical-Bayes (shrunken) estimates for units.")
    ] = False,
) -> None:
    """Score RESPONSES and publish the disclosure-controlled results cube."""
    from ethos.analysis.export import FORMATS, write
    from ethos.analysis.pipeline import Options, analyse_files
    from ethos.instruments.loader import load_instrument

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    if fmt in ("xlsx", "parquet") and out is None:
        raise typer.BadParameter(f"--format {fmt} needs --out PATH", param_hint="--out")
    loaded = load_instrument(instrument)
    with _progress(6) as step:
        options = Options(previous=previous, benchmark=benchmark, shrinkage=shrinkage)
        result = analyse_files(
            responses, loaded, units, by or [], _min_group(min_group), step, options
        )
        step(f"Writing {fmt}")
        write(result, fmt, out, sys.stdout)
    if out is not None:
        err.print(f"Wrote {out}")


@app.command()
def synth(
    staff: Annotated[int, typer.Option(help="Number of staff in the organisation.")],
    out: Annotated[Path, typer.Option(help="Folder to write the files to.")],
    units: Annotated[int | None, typer.Option(help="Number of units (default staff/25).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    instrument: Annotated[str, typer.Option(help="Instrument name or YAML file.")] = "culture",
    parquet: Annotated[bool, typer.Option(help="Also write Parquet files.")] = False,
) -> None:
    """Make a synthetic trust with planted effects (units, responses, previous wave, truth)."""
    from ethos.instruments.loader import load_instrument
    from ethos.synth import synthesise, write

    if staff < 1 or (units is not None and not 1 <= units <= staff):
        raise typer.BadParameter("need staff >= 1 and 1 <= units <= staff")
    result = synthesise(staff=staff, units=units, seed=seed, instrument=load_instrument(instrument))
    out.mkdir(parents=True, exist_ok=True)
    for path in write(result, out, parquet=parquet):
        err.print(f"Wrote {path}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo files.")] = Path("demo-output"),
    staff: Annotated[int, typer.Option(help="Staff in the synthetic trust.")] = 6000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2026,
) -> None:
    """Synthesise a trust, analyse it and print a readable summary."""
    from ethos.demo import run_demo

    run_demo(out, staff, seed, Console())
