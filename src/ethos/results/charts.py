"""Charts for the results pages, drawn to SVG on the server (Altair and vl-convert).

A chart only ever shows published numbers the page also lists in a data table; hidden cells
are left out of it. Charts are drawn without JavaScript, so they work everywhere and can be
cached: the same points always give the same picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

import altair as alt
import vl_convert

COLOURS = ("#005eb8", "#4c6272", "#007f3b", "#7c2855")  # NHS blue, grey, green, plum
SHAPES = ("circle", "square", "diamond", "triangle-up")


@dataclass(frozen=True, slots=True)
class Point:
    """One published value and its 95% interval; ``series`` is the unit it belongs to."""

    measure: str
    series: str
    value: float
    low: float
    high: float


def interval_chart(points: Sequence[Point], description: str, percent: bool = False) -> str:
    """A dot with an error bar per measure (one row of dots per series), as SVG markup."""
    if not points:
        return ""
    return _svg(tuple(points), description, percent)


@lru_cache(maxsize=64)
def _svg(points: tuple[Point, ...], description: str, percent: bool) -> str:
    return vl_convert.vegalite_to_svg(_chart(points, description, percent).to_json())


def _chart(points: tuple[Point, ...], description: str, percent: bool) -> alt.LayerChart:
    series = list(dict.fromkeys(p.series for p in points))
    measures = list(dict.fromkeys(p.measure for p in points))
    domain = [0, 100] if percent else [0, 10]
    title = "Percentage" if percent else "Score (0 to 10)"
    base = alt.Chart(alt.Data(values=[asdict(p) for p in points])).encode(
        y=alt.Y("measure:N", sort=measures, title=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("series:N", sort=series),
    )
    legend = alt.Legend(title="Unit", orient="bottom") if len(series) > 1 else None
    colour = alt.Color("series:N", sort=series, scale=alt.Scale(range=COLOURS), legend=legend)
    shape = alt.Shape("series:N", sort=series, scale=alt.Scale(range=SHAPES), legend=None)
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", scale=alt.Scale(domain=domain), title=title),
        x2="high:Q",
        color=colour,
    )
    dots = base.mark_point(filled=True, size=70, opacity=1).encode(
        x="value:Q", color=colour, shape=shape
    )
    height = max(120, 22 * len(measures) * len(series))
    return (bars + dots).properties(width=420, height=height, description=description)


@dataclass(frozen=True, slots=True)
class XY:
    """One point of a scatter: a unit's published culture score and its outcome."""

    label: str
    x: float
    y: float


def scatter_chart(points: Sequence[XY], x_title: str, y_title: str, description: str) -> str:
    """Units as dots, culture score across and outcome up, with a least-squares line, as SVG."""
    if len(points) < 2:
        return ""
    return _scatter_svg(tuple(points), x_title, y_title, description)


@lru_cache(maxsize=64)
def _scatter_svg(points: tuple[XY, ...], x_title: str, y_title: str, description: str) -> str:
    base = alt.Chart(alt.Data(values=[asdict(p) for p in points])).encode(
        x=alt.X("x:Q", title=x_title, scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title=y_title, scale=alt.Scale(zero=False)),
    )
    dots = base.mark_circle(size=45, opacity=0.8, color=COLOURS[0])
    line = base.transform_regression("x", "y").mark_line(color=COLOURS[2], strokeWidth=2)
    chart = (dots + line).properties(width=420, height=300, description=description)
    return vl_convert.vegalite_to_svg(chart.to_json())


@dataclass(frozen=True, slots=True)
class Step:
    """One year of a projection series (``series`` such as "Posts needed")."""

    year: int
    series: str
    value: float


def line_chart(steps: Sequence[Step], y_title: str, description: str) -> str:
    """One line per series over the years, as SVG."""
    if not steps:
        return ""
    return _line_svg(tuple(steps), y_title, description)


@lru_cache(maxsize=64)
def _line_svg(steps: tuple[Step, ...], y_title: str, description: str) -> str:
    series = list(dict.fromkeys(s.series for s in steps))
    colour = alt.Color(
        "series:N", sort=series, scale=alt.Scale(range=COLOURS), legend=alt.Legend(orient="bottom")
    )
    chart = (
        alt.Chart(alt.Data(values=[asdict(s) for s in steps]))
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("year:O", title="Year"),
            y=alt.Y("value:Q", title=y_title),
            color=colour,
            strokeDash=alt.StrokeDash("series:N", sort=series, legend=None),
        )
        .properties(width=420, height=260, description=description)
    )
    return vl_convert.vegalite_to_svg(chart.to_json())
