"""The ``ethos`` command: one entry point for analysts, operators and the demo.

Bad input prints one clear line naming the file, row and column, and exits with status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from ethos import __version__
from ethos.errors import InputError

MIN_UNITS = 4  # a root, a division, a directorate and a team

app = typer.Typer(
    help="Ethos: anonymous culture diagnostics for NHS organisations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _workforce() -> None:
    from ethos.workforce.cli import app as workforce

    app.add_typer(workforce, name="workforce")


_workforce()


def main() -> None:
    """Console-script entry point."""
    app()


def say(text: str) -> None:
    """One line to standard error, printed as it is (no markup, no wrapping)."""
    err.print(text, markup=False)


@contextmanager
def _input_errors() -> Iterator[None]:
    """Turn bad input into one clear line on standard error and exit status 2."""
    try:
        yield
    except InputError as exc:
        err.print(Text.assemble(("Error: ", "bold red"), exc.message))
        raise typer.Exit(2) from None


def _writable(out: Path | None) -> None:
    """Refuse, before any work, an output path whose folder does not exist."""
    if out is not None and not out.parent.is_dir():
        raise InputError(
            str(out.parent),
            "this folder does not exist.",
            "create it first, or give --out a path in an existing folder.",
        )
    if out is not None and out.is_dir():
        raise InputError(str(out), "this is a folder.", "give --out a file name.")


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
    breakdowns_at: Annotated[
        str,
        typer.Option(
            help="Show --by breakdowns for every unit ('units') or for the organisation only "
            "('organisation': lets ethnicity and disability both show, for WRES and WDES)."
        ),
    ] = "units",
) -> None:
    """Score RESPONSES and publish the disclosure-controlled results cube."""
    from ethos.analysis.export import FORMATS, write
    from ethos.analysis.pipeline import Options, analyse_files
    from ethos.instruments.loader import load_instrument

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    if fmt in ("xlsx", "parquet") and out is None:
        raise typer.BadParameter(f"--format {fmt} needs --out PATH", param_hint="--out")
    k = _min_group(min_group)
    with _input_errors(), _progress(6) as step:
        _writable(out)
        loaded = load_instrument(instrument)
        if breakdowns_at not in ("units", "organisation"):
            raise typer.BadParameter("use units or organisation", param_hint="--breakdowns-at")
        options = Options(previous, benchmark, shrinkage, breakdowns_at)
        result = analyse_files(responses, loaded, units, by or [], k, step, options)
        step(f"Writing {fmt}")
        write(result, fmt, out, sys.stdout)
    if out is not None:
        say(f"Wrote {out}")


@app.command()
def psychometrics(
    responses: Annotated[Path, typer.Argument(help="Responses file, CSV or Parquet.")],
    instrument: Annotated[str, typer.Option(help="Shipped instrument name or a YAML file.")],
    factors: Annotated[
        int | None, typer.Option(help="Number of factors (default: eigenvalues above 1).")
    ] = None,
    min_group: Annotated[int, typer.Option(help="Minimum group size (5 or more).")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Reliability of each scale and a factor report for the instrument, on RESPONSES."""
    import json

    from ethos.analysis import io
    from ethos.analysis.instrument_report import instrument_report, to_json
    from ethos.instruments.loader import load_instrument

    k = _min_group(min_group)
    with _input_errors():
        loaded = load_instrument(instrument)
        columns = io.response_columns(loaded)  # the items and demographics, not free text
        frame = io.check_responses(responses, io.read_table(responses, columns), loaded)
    report = instrument_report(frame, loaded, k, factors)
    if as_json:
        typer.echo(json.dumps(to_json(report)))
        return
    from ethos.analysis.instrument_tables import print_report

    print_report(report, Console())


@app.command()
def synth(
    staff: Annotated[int, typer.Option(help="Number of staff in the organisation.")],
    out: Annotated[Path, typer.Option(help="Folder to write the files to.")],
    units: Annotated[int | None, typer.Option(help="Number of units (default staff/25).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    instrument: Annotated[str, typer.Option(help="Instrument name or YAML file.")] = "culture",
    parquet: Annotated[bool, typer.Option(help="Also write Parquet files.")] = False,
    workforce: Annotated[
        bool,
        typer.Option(
            help="Also write workforce files (staff, recruitment, cases, training, board, "
            "leadership posts, successors, outcomes) in the importer's format."
        ),
    ] = False,
    year: Annotated[
        int, typer.Option(help="Last reporting year of the workforce files (2026 = 2025/26).")
    ] = 2026,
    years: Annotated[int, typer.Option(help="Reporting years of workforce files.")] = 3,
    leadership: Annotated[
        bool,
        typer.Option(
            help="Also write peer nominations and 360 ratings, and plant a pseudo-team in "
            "responses.csv (implies --workforce)."
        ),
    ] = False,
) -> None:
    """Make a synthetic trust with planted effects (units, responses, previous wave, truth)."""
    from ethos.instruments.loader import load_instrument
    from ethos.synth import synthesise, write

    if staff < MIN_UNITS:
        raise typer.BadParameter(f"a trust needs at least {MIN_UNITS} staff", param_hint="--staff")
    if units is not None and not MIN_UNITS <= units <= staff:
        raise typer.BadParameter(
            f"use {MIN_UNITS} to {staff} units (one unit per staff member at most)",
            param_hint="--units",
        )
    if seed < 0:
        raise typer.BadParameter("use a seed of 0 or more", param_hint="--seed")
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} is a file; give a folder", param_hint="--out")
    with _input_errors():
        loaded = load_instrument(instrument)
    result = synthesise(staff=staff, units=units, seed=seed, instrument=loaded)
    out.mkdir(parents=True, exist_ok=True)
    if leadership:
        result, planted = _pseudo_team(result, seed, loaded)
    for path in write(result, out, parquet=parquet):
        say(f"Wrote {path}")
    if workforce or leadership:
        from ethos.synth.workforce import synthesise_workforce, write_workforce

        if not 1 <= years <= 10:
            raise typer.BadParameter("use 1 to 10 years", param_hint="--years")
        staff_data = synthesise_workforce(result.units, year, seed=seed, years=years)
        for path in write_workforce(staff_data, out):
            say(f"Wrote {path}")
        if leadership:
            for path in _write_leadership(staff_data, seed, planted, out):
                say(f"Wrote {path}")


def _pseudo_team(result: Any, seed: int, instrument: Any) -> tuple[Any, dict[str, Any]]:
    """The responses with one leaf unit made a pseudo-team (low team tests and culture)."""
    import dataclasses

    from ethos.synth.leadership import plant_pseudo_team

    responses, truth = plant_pseudo_team(result.responses, result.units, seed, instrument)
    return dataclasses.replace(result, responses=responses), truth


def _write_leadership(staff_data: Any, seed: int, pseudo: dict, out: Path) -> list[Path]:
    """nominations.csv, ratings360.csv and truth-leadership.json (every planted effect)."""
    import json

    from ethos.instruments.loader import load_instrument
    from ethos.synth.leadership import synthesise_360, synthesise_nominations

    nominations, nominated = synthesise_nominations(
        staff_data.frame("staff"), staff_data.posts, seed=seed
    )
    leaders = staff_data.posts.drop_nulls("holder")["holder"].head(6).to_list()
    items = [i.id for i in load_instrument("leadership360").items]
    ratings, rated = synthesise_360(leaders, seed, items, self_over_rater=leaders[0])
    paths = [out / "nominations.csv", out / "ratings360.csv", out / "truth-leadership.json"]
    nominations.write_csv(paths[0])
    ratings.write_csv(paths[1])
    truth = {"nominations": nominated, "ratings360": rated, "pseudo_team": pseudo}
    paths[2].write_text(json.dumps(truth, indent=2, default=str) + "\n", encoding="utf-8")
    return paths


@app.command()
def demo(
    data_dir: Annotated[
        Path,
        typer.Option(
            envvar="ETHOS_DATA_DIR", help="Folder for the demo's database and secret key."
        ),
    ] = Path("demo-data"),
    staff: Annotated[int, typer.Option(help="Staff in the synthetic trust.")] = 6000,
    units: Annotated[int, typer.Option(help="Units in the synthetic trust.")] = 240,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2026,
    serve: Annotated[
        bool, typer.Option(help="Serve the demo when built (--no-serve: build only).")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Gunicorn worker processes.")] = 2,
    web: Annotated[
        bool, typer.Option(help="--no-web: the command-line analysis demo instead (see --out).")
    ] = True,
    out: Annotated[
        Path, typer.Option(help="With --no-web: folder for the analysis demo's files.")
    ] = Path("demo-output"),
) -> None:
    """Build a synthetic trust in a fresh Ethos, print the sign-ins and serve it until Ctrl-C.

    Each run starts a new SQLite database in DATA_DIR, with new passwords.
    """
    if not web:
        demo_analysis(out=out, staff=staff, seed=seed)
        return
    if staff < MIN_UNITS or not MIN_UNITS <= units <= staff:
        raise typer.BadParameter(
            f"use at least {MIN_UNITS} staff and {MIN_UNITS} to STAFF units", param_hint="--units"
        )
    from ethos.web import demo as web_demo

    web_demo.prepare(data_dir, base_url=f"http://{host}:{port}")
    built = web_demo.build_demo(staff=staff, units=units, seed=seed, say=say)
    typer.echo("\n".join(web_demo.summary(built)))
    if serve:
        from ethos.web.serve import serve as run_server

        typer.echo(f"\nServing on http://{host}:{port}/ (Ctrl-C stops it)", nl=True)
        sys.stdout.flush()
        run_server(host, port, workers, migrate_first=False)


@app.command("demo-analysis")
def demo_analysis(
    out: Annotated[Path, typer.Option(help="Folder for the demo files.")] = Path("demo-output"),
    staff: Annotated[int, typer.Option(help="Staff in the synthetic trust.")] = 6000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2026,
) -> None:
    """Synthesise a trust, analyse it and print a readable summary (no web server)."""
    from ethos.demo import run_demo

    run_demo(out, staff, seed, Console())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Gunicorn worker processes (sync).")] = 2,
) -> None:
    """Apply migrations, then serve Ethos with gunicorn on the database DATABASE_URL names.

    There is no access log: request lines could carry survey links.
    """
    from ethos.web.serve import serve as run_server

    if not 1 <= port <= 65535:
        raise typer.BadParameter("use a port from 1 to 65535", param_hint="--port")
    if workers < 1:
        raise typer.BadParameter("use 1 worker or more", param_hint="--workers")
    run_server(host, port, workers)


@app.command()
def migrate() -> None:
    """Apply every database migration (DATABASE_URL names the database)."""
    from ethos.web.serve import migrate as run_migrations

    run_migrations()


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `ethos manage createsuperuser`."""
    import os

    from django.core.management import execute_from_command_line

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethos.web.settings")
    execute_from_command_line(["ethos manage", *ctx.args])


@app.command()
def backup(
    out: Annotated[Path, typer.Argument(help="File to write the backup to.")],
    force: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
) -> None:
    """Back the database up to OUT while Ethos keeps taking responses.

    Every response acknowledged before the backup began is in it. SQLite: the online backup
    API, checked with PRAGMA integrity_check. PostgreSQL: pg_dump in its custom format.
    """
    from ethos.web.backup import backup as run_backup

    with _input_errors():
        summary = run_backup(out, force=force)
    say(summary.line("Backed up to"))


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(metavar="IN", help="A file `ethos backup` wrote.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: replace the whole database with IN.")
    ] = False,
) -> None:
    """Replace the database with the backup IN, then migrate it. Stop the server first."""
    from ethos.web.backup import restore as run_restore

    with _input_errors():
        if not yes:
            raise InputError(
                str(source),
                "restoring replaces every survey and response in the database with the backup.",
                "stop the server, then run again with --yes.",
            )
        summary = run_restore(source)
    say(summary.line("Restored from"))
