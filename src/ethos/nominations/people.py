"""The people frame the nomination analysis needs, from the roster and the workforce files.

Everyone on the organisation's roster who is active, or who nominated or was nominated in
the campaign, is one row: ``staff_id``, ``unit_code`` (the roster's unit), ``holds_post``,
``ethnicity`` and ``disability`` (bands of :mod:`ethos.workforce.schema`) and ``opted_out``.

Posts and bands come from the workforce files of the latest reporting year when they have
been imported: a person holds a post when they are the ``holder`` of a row of the posts
file, and their bands are those of the staff file. Without a posts file, the roster's line
manager flag stands for holding a post; without a staff file, or for someone missing from
it, the roster's own demographics are read into bands (a band name, a census or NHS
ethnic category, or a code of the culture instrument's question), else *Not stated*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

import polars as pl

from ethos.organisations.models import Organisation, StaffMember
from ethos.workforce import columns, schema

PEOPLE_SCHEMA = {
    "staff_id": pl.Utf8,
    "unit_code": pl.Utf8,
    "holds_post": pl.Boolean,
    "ethnicity": pl.Utf8,
    "disability": pl.Utf8,
    "opted_out": pl.Boolean,
}


@lru_cache(maxsize=1)
def _readers() -> dict[str, tuple[Callable[[str], str], dict[int, str]]]:
    """Per demographic: the workforce column reader and the culture instrument's codes."""
    from ethos.instruments import load_instrument

    questions = {d.id: d for d in load_instrument("culture").demographics}
    out = {}
    for name, column in (("ethnicity", columns.ethnicity()), ("disability", columns.disability())):
        codes = {}
        for option in questions[name].options:
            band = questions[name].category_of_code().get(option.code, option.label)
            codes[option.code] = band if name == "ethnicity" else option.label
        out[name] = (column.read, codes)
    return out


def roster_band(name: str, value: object) -> str:
    """The band of a roster demographic (``name`` is ethnicity or disability)."""
    read, codes = _readers()[name]
    text = str(value).strip() if value is not None else ""
    if not text:
        return schema.UNKNOWN
    if text.isdigit():
        text = codes.get(int(text), "")
        if not text:
            return schema.UNKNOWN
    try:
        return read(text)
    except ValueError:
        return schema.UNKNOWN


def _workforce(organisation: Organisation) -> tuple[pl.DataFrame | None, set[str] | None]:
    """The latest year's bands (a frame by staff id) and post holders, where imported."""
    from ethos.workforce.services import workforce_frames, workforce_years

    years = workforce_years(organisation)
    if not years:
        return None, None
    frames = workforce_frames(organisation, years[0])
    bands = None
    if "staff" in frames:
        bands = (
            frames["staff"]
            .select("staff_id", "ethnicity", "disability")
            .unique("staff_id", keep="last", maintain_order=True)
        )
    holders = None
    if "posts" in frames:
        holders = set(frames["posts"].get_column("holder").drop_nulls().to_list())
    return bands, holders


def people_frame(
    organisation: Organisation, involved: Iterable[str] = (), opted_out: Iterable[str] = ()
) -> pl.DataFrame:
    """The people frame (see the module doc): active staff and everyone ``involved``."""
    from django.db.models import Q

    involved = set(involved)
    rows = (
        StaffMember.objects.filter(organisation=organisation)
        .filter(Q(active=True) | Q(staff_id__in=involved))
        .values_list("staff_id", "unit__code", "line_manager", "demographics")
        .order_by("staff_id")
    )
    bands, holders = _workforce(organisation)
    opted = set(opted_out)
    records = []
    for staff_id, unit_code, line_manager, demographics in rows:
        demographics = demographics or {}
        records.append(
            (
                staff_id,
                unit_code,
                staff_id in holders if holders is not None else bool(line_manager),
                roster_band("ethnicity", demographics.get("ethnicity")),
                roster_band("disability", demographics.get("disability")),
                staff_id in opted,
            )
        )
    frame = pl.DataFrame(records, schema=PEOPLE_SCHEMA, orient="row")
    if bands is None:
        return frame
    joined = frame.join(bands, on="staff_id", how="left", suffix="_file")
    return joined.select(
        "staff_id",
        "unit_code",
        "holds_post",
        pl.coalesce("ethnicity_file", "ethnicity").alias("ethnicity"),
        pl.coalesce("disability_file", "disability").alias("disability"),
        "opted_out",
    )
