"""Every output path of a survey's results, read back into one list of published cells, and
the linear-system attacker of ``tests/stats/attacker.py`` run over all of them together.

A :class:`Cell` is what an outsider can read: unit code, breakdown column and category (both
``""`` for a unit's overall result), measure, and ``n`` and ``value`` when shown (``None``
when hidden or, for ``n``, not printed). The readers parse what each path really returns:

- ``pages``: the overview, the heatmap (all measures), every visible unit's page (its measure
  table and its children's grid) and the breakdowns page, parsed from the HTML;
- ``api``: ``GET /api/v1/results/{id}`` (the ``ethos analyse`` JSON cell format);
- ``csv``, ``xlsx``, ``parquet``: ``GET /api/v1/results/{id}/export?format=``;
- ``cli``: ``ethos analyse`` on the same responses, units and settings (``CliRunner``, as
  ``tests/cli`` does), its JSON read the same way as the API's.

:func:`find_web_leaks` rebuilds the survey's cube from the stored responses (the ground
truth, through the statistics core's own scoring), marks a cell *shown* when any output shows
it, and asks :func:`tests.stats.attacker.find_leaks` which hidden cells and which groups
smaller than the minimum the published cells determine.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import polars as pl
from django.test import Client
from django.urls import reverse

from ethos.analysis import io as analysis_io
from ethos.analysis.pipeline import breakdown
from ethos.api import SOURCE, _tree
from ethos.organisations.models import Unit
from ethos.results.services import responses_frame, units_frame
from ethos.stats.cube import Cube, build_cube
from ethos.stats.scoring import score_respondents
from ethos.surveys.instrument import instrument_of
from ethos.surveys.models import Survey
from tests.stats.attacker import Leak, find_leaks
from tests.web.api_client import ApiClient

OUTPUTS = ("pages", "api", "csv", "xlsx", "parquet", "cli")


@dataclass(frozen=True)
class Cell:
    unit: str
    column: str
    category: str
    measure: str
    n: int | None
    value: float | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.unit, self.column, self.category, self.measure

    @property
    def shown(self) -> bool:
        return self.value is not None


# --- machine-readable outputs -------------------------------------------------------------


def _number(text: Any) -> float | None:
    if text is None or text == "":
        return None
    return float(text)


def _from_records(records: Iterable[dict[str, Any]]) -> list[Cell]:
    """Cells from rows with unit, column, category, measure, n, value (text or numbers)."""
    out = []
    for r in records:
        n = _number(r.get("n"))
        out.append(
            Cell(
                str(r["unit"]),
                str(r.get("column") or ""),
                str(r.get("category") or ""),
                str(r["measure"]),
                None if n is None else int(n),
                _number(r.get("value")),
            )
        )
    return out


def _from_json_cells(cells: Iterable[dict[str, Any]]) -> list[Cell]:
    rows = []
    for c in cells:
        ((column, category),) = c["breakdown"].items() if c["breakdown"] else (("", ""),)
        rows.append({**c, "column": column, "category": category})
    return _from_records(rows)


def read_api(api: ApiClient, survey: Survey) -> list[Cell]:
    response = api.get(f"/results/{survey.pk}")
    assert response.status_code == 200, response.content
    return _from_json_cells(response.json()["cells"])


def export_frame(api: ApiClient, survey: Survey, fmt: str) -> list[dict[str, Any]] | None:
    """The export's rows as dicts (``None`` when the caller may not export, or none yet)."""
    response = api.get(f"/results/{survey.pk}/export?format={fmt}")
    if response.status_code in (403, 404):
        return None
    assert response.status_code == 200, response.content
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(response.content.decode())))
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return pl.read_parquet(io.BytesIO(response.content)).to_dicts()


def read_export(api: ApiClient, survey: Survey, fmt: str) -> list[Cell]:
    rows = export_frame(api, survey, fmt)
    return [] if rows is None else _from_records(rows)


def read_cli(survey: Survey) -> list[Cell]:
    """``ethos analyse`` on the survey's stored responses with the survey's own settings."""
    return _from_json_cells(cli_document(survey)["cells"])


def cli_document(survey: Survey) -> dict[str, Any]:
    from typer.testing import CliRunner

    from ethos.cli import app

    instrument = instrument_of(survey.instrument_yaml)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        responses_frame(survey, instrument).write_parquet(base / "responses.parquet")
        units_frame(survey).write_csv(base / "units.csv")
        (base / "instrument.yaml").write_text(survey.instrument_yaml, encoding="utf-8")
        args = [
            "analyse",
            str(base / "responses.parquet"),
            "--instrument",
            str(base / "instrument.yaml"),
            "--units",
            str(base / "units.csv"),
            "--min-group",
            str(survey.min_group_size),
            "--breakdowns-at",
            survey.breakdowns_at,
        ]
        for column in survey.breakdowns:
            args += ["--by", column]
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (result.stdout, result.exception)
    return json.loads(result.stdout)


# --- the HTML pages -----------------------------------------------------------------------

TABLE = re.compile(r'<table class="nhsuk-table (ethos-heatmap|ethos-measures)"(.*?)</table>', re.S)
CAPTION = re.compile(r"<caption[^>]*>(.*?)</caption>", re.S)
HEADER = re.compile(r'<th scope="col" class="nhsuk-table__header[^"]*">(.*?)</th>', re.S)
ROW = re.compile(r'<tr class="nhsuk-table__row" data-(key|measure)="([^"]*)">(.*?)</tr>', re.S)
TD = re.compile(r"<td([^>]*)>(.*?)</td>", re.S)
TAGS = re.compile(r"<[^>]+>")


def _text(fragment: str) -> str:
    return html.unescape(TAGS.sub("", fragment)).strip()


def _page_number(text: str) -> float | None:
    text = text.replace(",", "").rstrip("%").strip()
    return float(text) if text else None


def parse_tables(page: str, labels: dict[str, str]) -> list[tuple[str, list[Cell]]]:
    """Each results table on a page: its caption, and its cells with the unit or category in
    ``unit`` (grids) or ``""`` (measure tables); the caller fills in what the caption says.
    ``labels`` maps a measure's label to its id."""
    tables = []
    for kind, body in TABLE.findall(page):
        caption = _text(CAPTION.search(body).group(1))
        heads = [_text(h) for h in HEADER.findall(body)]
        cells = []
        for attribute, key, row in ROW.findall(body):
            tds = TD.findall(row)
            if kind == "ethos-heatmap":  # a grid: rows are units or categories
                measures = [labels[h] for h in heads[1:]]
                for measure, (attrs, content) in zip(measures, tds, strict=True):
                    value = None
                    if "ethos-cell--hidden" not in attrs:
                        found = re.search(r'<span class="ethos-value">(.*?)</span>', content)
                        value = _page_number(_text(found.group(1)))
                    cells.append(Cell(html.unescape(key), "", "", measure, None, value))
            else:  # a measure table: result, interval, responses
                assert attribute == "measure"
                hidden = "ethos-cell--hidden" in tds[0][0]
                value = None if hidden else _page_number(_text(tds[0][1]))
                n = None if hidden else _page_number(_text(tds[2][1]))
                cells.append(Cell("", "", "", key, None if n is None else int(n), value))
        tables.append((caption, cells))
    return tables


def read_pages(client: Client, survey: Survey) -> list[Cell]:
    """Every results page a signed-in ``client`` can open, as cells."""
    instrument = instrument_of(survey.instrument_yaml)
    labels = {html.unescape(m.label): m.id for m in instrument.measures}
    units = {u.name: u.code for u in Unit.objects.filter(organisation=survey.organisation_id)}
    columns = {c.replace("_", " "): c for c in survey.breakdowns}

    def get(name: str, *args: str, query: str = "") -> str | None:
        response = client.get(reverse(f"results:{name}", args=[survey.pk, *args]) + query)
        return response.content.decode() if response.status_code == 200 else None

    out: list[Cell] = []
    overview = get("overview") or ""
    for caption, cells in parse_tables(overview, labels):
        unit = units[caption.removeprefix("Headline results for ")]
        out += [_with(c, unit=unit) for c in cells]
    heatmap = get("heatmap", query="?measures=all") or ""
    visible = []
    for _, cells in parse_tables(heatmap, labels):
        out += cells
        visible += [c.unit for c in cells]
    for code in dict.fromkeys(visible):
        for _, cells in parse_tables(get("unit", code) or "", labels):
            out += [_with(c, unit=code) if not c.unit else c for c in cells]
    for caption, cells in parse_tables(get("breakdowns") or "", labels):
        name, _, question = caption.rpartition(" by ")
        unit, column = units[name], columns[question]
        out += [_with(c, unit=unit, column=column, category=c.unit) for c in cells]
    return out


def _with(cell: Cell, **changes: Any) -> Cell:
    return Cell(**{**cell.__dict__, **changes})


# --- every output, every role ---------------------------------------------------------------


@cache
def shared_client(purpose: str) -> Client:
    """One test client per purpose for the whole process: a new ``Client`` loads every
    middleware again (WhiteNoise scans the static files), which costs about a second."""
    return Client()


def api_client(user: Any) -> ApiClient:
    """An API client with ``user``'s token, on the shared (never signed-in) client."""
    api = ApiClient(user)
    api.client = shared_client("api")
    return api


def signed_in_pages(user: Any) -> Callable[[Survey], list[Cell]]:
    client = shared_client("pages")

    def read(survey: Survey) -> list[Cell]:
        client.force_login(user)
        return read_pages(client, survey)

    return read


def reader(output: str, survey: Survey, user: Any) -> Callable[[], list[Cell]]:
    """A function that reads ``output`` for ``user`` now (``cli`` ignores the user)."""
    if output == "cli":
        return lambda: read_cli(survey)
    if output == "pages":
        pages = signed_in_pages(user)
        return lambda: pages(survey)
    api = api_client(user)
    if output == "api":
        return lambda: read_api(api, survey)
    return lambda: read_export(api, survey, output)


def read_everything(survey: Survey, users: Iterable[Any], outputs=OUTPUTS) -> list[Cell]:
    """What an attacker who holds every role's every output has, all together."""
    cells: list[Cell] = []
    for output in outputs:
        for user in users if output != "cli" else [None]:
            cells += reader(output, survey, user)()
    return cells


# --- the ground truth and the attacker ------------------------------------------------------


@dataclass(frozen=True)
class Truth:
    """The survey's cube rebuilt from its stored responses (what the attacker wants)."""

    cube: Cube
    units: np.ndarray
    codes: list[np.ndarray]
    valid: np.ndarray  # [respondent, measure]: has a score
    k: int

    def slot(self, column: str, category: str) -> int:
        return 0 if not column else self.cube.layout.slot(column, category)

    def index(self, cell: Cell) -> tuple[int, int, int]:
        units = self.cube.tree.index()
        return units[cell.unit], self.slot(cell.column, cell.category), self.measure(cell)

    def measure(self, cell: Cell) -> int:
        return self.cube.measures.index(cell.measure)

    def n(self, cell: Cell) -> int:
        return int(self.cube.n[self.index(cell)])


def truth_of(survey: Survey) -> Truth:
    instrument = instrument_of(survey.instrument_yaml)
    frame = responses_frame(survey, instrument)
    tree = _tree(units_frame(survey))
    units = analysis_io.unit_indices(SOURCE, frame, tree)
    frame = analysis_io.check_responses(SOURCE, frame, instrument)
    breakdowns = [breakdown(SOURCE, frame, instrument, c) for c in survey.breakdowns]
    scores = score_respondents(frame, instrument)
    cube = build_cube(scores, units, tree, breakdowns)
    valid = ~np.isnan(scores.values)
    return Truth(cube, units, [b.codes for b in breakdowns], valid, survey.min_group_size)


def shown_mask(truth: Truth, cells: Iterable[Cell]) -> np.ndarray:
    """``reason``-style array over the cube: 0 where any output shows the cell, else 1.

    A shown cell whose printed ``n`` differs from the truth means a reader misread its
    output (the attack would then prove nothing), so that fails at once.
    """
    reason = np.ones(truth.cube.n.shape, dtype=np.int8)
    for cell in cells:
        if cell.shown:
            where = truth.index(cell)
            assert cell.n is None or cell.n == truth.cube.n[where], (cell, truth.cube.n[where])
            reason[where] = 0
    return reason


def find_web_leaks(truth: Truth, cells: Iterable[Cell], max_subset: int = 3) -> list[Leak]:
    """Every hidden cell and every group smaller than the minimum that ``cells`` determine.

    Shown cells of fewer than ``k`` people are leaks outright; then the attacker solves the
    linear system per measure (measures with the same respondents and the same published
    cells give the same system, so each is solved once).
    """
    cells = list(cells)
    reason = shown_mask(truth, cells)
    n = truth.cube.n
    leaks = [
        Leak(f"shown small cell {idx}", int(n[idx]))
        for idx in zip(*np.nonzero((reason == 0) & (n > 0) & (n < truth.k)), strict=True)
    ]
    seen = set()
    for m in range(len(truth.cube.measures)):
        signature = (truth.valid[:, m].tobytes(), reason[:, :, m].tobytes())
        if signature in seen:
            continue
        seen.add(signature)
        leaks += find_leaks(
            truth.cube,
            reason,
            truth.units,
            truth.codes,
            truth.valid[:, m],
            truth.k,
            measure=m,
            max_subset=max_subset,
        )
    return leaks
