"""Checking and cleaning the two input frames of the peer-nomination analysis.

The nominations frame has one row per nomination: ``nominator`` and ``nominee`` (staff ids),
``value`` (a value id) and ``reason`` (free text, may be null; never analysed here). The
people frame has one row per member of staff: ``staff_id``, ``unit_code``, ``holds_post``,
``ethnicity``, ``disability`` and ``opted_out``.

Cleaning drops, in this order and counting each: nominations of people who opted out,
nominations of oneself, and exact repeats of a (nominator, nominee, value) row.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ethos.workforce.schema import DISABILITY_BANDS, ETHNICITY_BANDS

__all__ = ["NOMINATION_COLUMNS", "PEOPLE_COLUMNS", "Cleaned", "clean"]

NOMINATION_COLUMNS: tuple[str, ...] = ("nominator", "nominee", "value", "reason")
PEOPLE_COLUMNS: tuple[str, ...] = (
    "staff_id",
    "unit_code",
    "holds_post",
    "ethnicity",
    "disability",
    "opted_out",
)
_TEXT = ("staff_id", "unit_code", "ethnicity", "disability")
_FLAGS = ("holds_post", "opted_out")


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The nominations that count (``nominator``, ``nominee``, ``value``) and the people.

    ``people`` keeps everyone, opted out or not: people who opted out may still nominate.
    """

    nominations: pl.DataFrame
    people: pl.DataFrame
    dropped_opted_out: int
    dropped_self: int
    dropped_duplicates: int


def _frame(frame: object, name: str, columns: tuple[str, ...]) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):
        raise ValueError(f"the {name} must be a polars DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {name} frame lacks the columns {missing}")
    return frame


def _text(frame: pl.DataFrame, name: str, column: str, nullable: bool = False) -> None:
    series = frame.get_column(column)
    if series.dtype not in (pl.Utf8, pl.Categorical, pl.Null):
        raise ValueError(f"{name}.{column} must be text, got {series.dtype}")
    if not nullable and series.null_count():
        raise ValueError(f"{name}.{column} has {series.null_count()} empty value(s)")


def _people(people: object) -> pl.DataFrame:
    frame = _frame(people, "people", PEOPLE_COLUMNS)
    for column in _TEXT:
        _text(frame, "people", column)
    for column in _FLAGS:
        series = frame.get_column(column)
        if series.dtype != pl.Boolean or series.null_count():
            raise ValueError(f"people.{column} must be true or false for everyone")
    for column, bands in (("ethnicity", ETHNICITY_BANDS), ("disability", DISABILITY_BANDS)):
        bad = set(frame.get_column(column).cast(pl.Utf8).unique().to_list()) - set(bands)
        if bad:
            raise ValueError(f"people.{column} has values outside {list(bands)}: {sorted(bad)}")
    if frame.get_column("staff_id").is_duplicated().any():
        raise ValueError("the people frame must have one row per person (duplicate staff_id)")
    return frame.select(
        *(pl.col(c).cast(pl.Utf8) for c in _TEXT), *(pl.col(c) for c in _FLAGS)
    ).select(PEOPLE_COLUMNS)


def _nominations(nominations: object, people: pl.DataFrame) -> pl.DataFrame:
    frame = _frame(nominations, "nominations", NOMINATION_COLUMNS)
    for column in ("nominator", "nominee", "value"):
        _text(frame, "nominations", column)
    _text(frame, "nominations", "reason", nullable=True)
    frame = frame.select(pl.col(c).cast(pl.Utf8) for c in ("nominator", "nominee", "value"))
    known = people.get_column("staff_id")
    for column in ("nominator", "nominee"):
        unknown = frame.filter(~pl.col(column).is_in(known.implode())).height
        if unknown:
            raise ValueError(f"{unknown} nomination(s) name a {column} not in the people frame")
    return frame


def clean(nominations: object, people: object) -> Cleaned:
    """Check both frames and drop the nominations that must not count (see the module doc).

    Raises ``ValueError`` for a missing column, a wrong type, an empty id or value, a band
    outside :data:`~ethos.workforce.schema.ETHNICITY_BANDS` or
    :data:`~ethos.workforce.schema.DISABILITY_BANDS`, a repeated ``staff_id``, or a
    nominator or nominee who is not in the people frame.
    """
    folks = _people(people)
    frame = _nominations(nominations, folks)
    opted = folks.filter(pl.col("opted_out")).get_column("staff_id").implode()
    kept = frame.filter(~pl.col("nominee").is_in(opted))
    own = kept.filter(pl.col("nominee") != pl.col("nominator"))
    unique = own.unique(maintain_order=True)
    return Cleaned(
        nominations=unique,
        people=folks,
        dropped_opted_out=frame.height - kept.height,
        dropped_self=kept.height - own.height,
        dropped_duplicates=own.height - unique.height,
    )
