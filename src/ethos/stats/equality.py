"""Workforce Race and Disability Equality Standard indicators from the workforce frames.

WRES indicators 1-4 and 9 and WDES metrics 1-3 and 10 come from a reporting year's
``staff``, ``recruitment``, ``cases``, ``training`` and ``board`` frames
(:data:`ethos.workforce.schema.FRAMES`). Every result holds *published* values only: tables
pass through :func:`~ethos.stats.disclosure.publish_counts`, relative likelihoods through
:func:`~ethos.stats.disclosure.publish_rate_ratio` and board shares through
:func:`~ethos.stats.disclosure.publish_share`, so a renderer never sees a small raw count.
WRES 5-8 and WDES 4-9 come from the culture survey's published results by ethnicity and
disability band. Methods for staff and analysts: ``docs/methods/equality-standards.md``.

Staff whose ethnicity (or disability) is "Not stated" are counted in the tables and board
shares, but left out of both groups of every relative likelihood.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ethos.stats.disclosure import (
    DEFAULT_MIN_GROUP,
    CountShown,
    PublishedCounts,
    PublishedRateRatio,
    PublishedShare,
    Suppressed,
    check_min_group,
    publish_counts,
    publish_rate_ratio,
    publish_share,
)
from ethos.workforce.schema import (
    BME,
    CAPABILITY_GROUNDS,
    CASE_TYPES,
    DISABILITY_BANDS,
    DISABLED,
    ETHNICITY_BANDS,
    FRAMES,
    MEDICAL_BANDS,
    NON_DISABLED,
    PAY_BANDS,
    WHITE,
)

__all__ = [
    "CLUSTERS",
    "BoardGroup",
    "BoardRepresentation",
    "Likelihood",
    "NoData",
    "Representation",
    "WorkforceIndicators",
    "appointment_likelihood",
    "board_representation",
    "pay_band_representation",
    "workforce_indicators",
]

NON_CLINICAL, CLINICAL, MEDICAL = "Non-clinical", "Clinical", "Medical and dental"
CLUSTERS: tuple[str, ...] = (NON_CLINICAL, CLINICAL, MEDICAL)
_CLUSTER_BANDS = {
    NON_CLINICAL: tuple(b for b in PAY_BANDS if b not in MEDICAL_BANDS),
    CLINICAL: tuple(b for b in PAY_BANDS if b not in MEDICAL_BANDS),
    MEDICAL: tuple(b for b in PAY_BANDS if b in MEDICAL_BANDS),
}


@dataclass(frozen=True, slots=True)
class _Standard:
    name: str
    bands: tuple[str, ...]
    focus: str  # the group whose share the standard tracks (BME, Disabled)
    other: str  # the group it is compared with (White, Non-disabled)
    board: str  # the board indicator's number


_STANDARDS = {
    "ethnicity": _Standard("WRES", ETHNICITY_BANDS, BME, WHITE, "9"),
    "disability": _Standard("WDES", DISABILITY_BANDS, DISABLED, NON_DISABLED, "10"),
}


@dataclass(frozen=True, slots=True)
class NoData:
    """An indicator that cannot be computed because a file for the year is missing."""

    reason: str

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class Representation:
    """WRES 1 or WDES 1: staff in each pay band by ethnicity (or disability), one table.

    ``table`` has one row per cluster and band (labelled ``"Clinical: Band 5"``; clusters
    in :data:`CLUSTERS`, ``row_cluster`` and ``row_band`` name them) and one column per band
    of ethnicity (or disability), Not stated included. Its column totals are the whole
    workforce, so the whole table is protected together. ``workforce_percent`` is the
    workforce's percentage in ``focus`` (BME or Disabled; Not stated in the denominator), and
    ``difference[i]`` is row ``i``'s percentage in ``focus`` minus it, in percentage points.
    """

    indicator: str
    focus: str
    table: PublishedCounts
    row_cluster: tuple[str, ...]
    row_band: tuple[str, ...]
    workforce_percent: float | Suppressed
    difference: tuple[float | Suppressed, ...]

    def rows_of(self, cluster: str) -> tuple[int, ...]:
        """Positions of the table's rows for one cluster."""
        return tuple(i for i, c in enumerate(self.row_cluster) if c == cluster)


@dataclass(frozen=True, slots=True)
class Likelihood:
    """A relative-likelihood indicator (WRES 2-4, WDES 2-3): published or suppressed."""

    indicator: str
    description: str
    result: PublishedRateRatio | Suppressed


@dataclass(frozen=True, slots=True)
class BoardGroup:
    """One part of the board: its share in ``focus`` and the gap to the workforce (points)."""

    name: str
    share: PublishedShare | Suppressed
    difference: float | Suppressed | NoData


@dataclass(frozen=True, slots=True)
class BoardRepresentation:
    """WRES 9 or WDES 10: voting, executive and non-executive members against the workforce."""

    indicator: str
    focus: str
    workforce_percent: float | Suppressed | NoData
    groups: tuple[BoardGroup, ...]


@dataclass(frozen=True, slots=True)
class WorkforceIndicators:
    """Every workforce-based WRES and WDES indicator for one reporting year."""

    min_group: int
    wres1: Representation | NoData
    wres2: Likelihood | NoData
    wres3: Likelihood | NoData
    wres4: Likelihood | NoData
    wres9: BoardRepresentation | NoData
    wdes1: Representation | NoData
    wdes2: Likelihood | NoData
    wdes3: Likelihood | NoData
    wdes10: BoardRepresentation | NoData


def _standard(by: str) -> _Standard:
    if by not in _STANDARDS:
        raise ValueError(f"by must be 'ethnicity' or 'disability', got {by!r}")
    return _STANDARDS[by]


def _frame(frame: object, kind: str, **allowed: tuple[object, ...]) -> pl.DataFrame:
    """Check that ``frame`` has the ``kind`` columns and only ``allowed`` values in some."""
    if not isinstance(frame, pl.DataFrame):
        raise ValueError(f"the {kind} data must be a polars DataFrame, got {type(frame).__name__}")
    missing = [c for c, _ in FRAMES[kind] if c not in frame.columns]
    if missing:
        raise ValueError(f"the {kind} frame lacks the columns {missing}")
    for column, values in allowed.items():
        bad = set(frame.get_column(column).unique().to_list()) - set(values)
        if bad:
            raise ValueError(
                f"the {kind} frame has unknown {column} values {sorted(map(str, bad))}"
            )
    return frame


def _staff(staff: object, by: str) -> pl.DataFrame:
    frame = _frame(staff, "staff", pay_band=PAY_BANDS, clinical=(True, False))
    _frame(frame, "staff", **{by: _standard(by).bands})
    if frame.get_column("staff_id").is_duplicated().any():
        raise ValueError("the staff frame must have one row per person (duplicate staff_id)")
    return frame


def _difference(part: float | Suppressed, whole: float | Suppressed) -> float | Suppressed:
    if isinstance(part, Suppressed):
        return part
    return whole if isinstance(whole, Suppressed) else part - whole


def _percent(entry: CountShown | Suppressed) -> float | Suppressed:
    return entry if isinstance(entry, Suppressed) else entry.row_percent


def pay_band_representation(staff: pl.DataFrame, by: str, k: int) -> Representation:
    """WRES 1 (``by="ethnicity"``) or WDES 1 (``by="disability"``): staff by pay band.

    Staff are split into clusters: medical and dental (the ``Medical`` pay bands), clinical
    (``clinical`` true) and non-clinical; each cluster lists its pay bands. Counts are
    published with :func:`~ethos.stats.disclosure.publish_counts` as one table, so that a
    band's count cannot be worked out from the workforce totals. A band's percentage in the
    focus group is ``100 * focus / all staff in the band`` (Not stated included), set against
    ``100 * focus / all staff`` (NHS England, *WRES technical guidance*, indicator 1).
    """
    std = _standard(by)
    frame = _staff(staff, by)
    cluster = (
        pl.when(pl.col("pay_band").is_in(sorted(MEDICAL_BANDS)))
        .then(pl.lit(MEDICAL))
        .when(pl.col("clinical"))
        .then(pl.lit(CLINICAL))
        .otherwise(pl.lit(NON_CLINICAL))
    )
    keys = [(c, b) for c in CLUSTERS for b in _CLUSTER_BANDS[c]]
    where = {key: i for i, key in enumerate(keys)}
    counts = np.zeros((len(keys), len(std.bands)), dtype=np.int64)
    grouped = frame.group_by(cluster.alias("cluster"), "pay_band", by).len()
    for c, band, group, n in grouped.iter_rows():
        counts[where[(c, band)], std.bands.index(group)] = n
    labels = [f"{c}: {b}" for c, b in keys]
    table = publish_counts(counts, k, labels, std.bands, keep=(std.focus,))
    focus = std.bands.index(std.focus)
    workforce = _percent(table.column_totals[focus])
    return Representation(
        indicator=f"{std.name} 1",
        focus=std.focus,
        table=table,
        row_cluster=tuple(c for c, _ in keys),
        row_band=tuple(b for _, b in keys),
        workforce_percent=workforce,
        difference=tuple(_difference(_percent(row[focus]), workforce) for row in table.cells),
    )


def appointment_likelihood(
    recruitment: pl.DataFrame, by: str, k: int, level: float = 0.95
) -> Likelihood:
    """WRES 2 or WDES 2: relative likelihood of appointment from shortlisting.

    ``RL = (appointed_a / shortlisted_a) / (appointed_b / shortlisted_b)`` over applications
    with ``shortlisted`` true, group A White (non-disabled), group B BME (Disabled); above 1
    favours group A (NHS England, *WRES technical guidance*, indicator 2; *WDES*, metric 2).
    Applicants whose ethnicity (disability) is Not stated are left out of both groups.
    """
    std = _standard(by)
    frame = _frame(recruitment, "recruitment", shortlisted=(True, False), appointed=(True, False))
    _frame(frame, "recruitment", **{by: std.bands})
    if frame.filter(pl.col("appointed") & ~pl.col("shortlisted")).height:
        raise ValueError("the recruitment frame has appointed applicants not shortlisted")
    short = frame.filter(pl.col("shortlisted"))
    a, b = std.other, std.focus
    result = _rate(short, by, pl.col("appointed"), (a, b), k, level)
    what = f"Relative likelihood of {a} applicants being appointed from shortlisting"
    return Likelihood(f"{std.name} 2", f"{what} compared with {b} applicants", result)


def _rate(
    frame: pl.DataFrame, by: str, event: pl.Expr, groups: tuple[str, str], k: int, level: float
) -> PublishedRateRatio | Suppressed:
    """Publish the RL of ``event`` in group A against group B of column ``by`` in ``frame``."""
    counts = frame.group_by(by).agg(event.cast(pl.Int64).sum().alias("e"), pl.len().alias("n"))
    found = {group: (e, n) for group, e, n in counts.iter_rows()}
    (ea, na), (eb, nb) = (found.get(g, (0, 0)) for g in groups)
    return publish_rate_ratio(ea, na, eb, nb, k, groups, level)


def _ids(frame: pl.DataFrame, staff: pl.DataFrame, kind: str) -> pl.Series:
    """Distinct staff_id values of ``frame``, each of which must be in ``staff``."""
    ids = frame.get_column("staff_id").unique()
    unknown = ids.filter(~ids.is_in(staff.get_column("staff_id").implode()))
    if unknown.len():
        raise ValueError(
            f"{unknown.len()} staff_id value(s) in the {kind} frame are not in the staff frame, "
            f"e.g. {sorted(unknown.cast(pl.Utf8).to_list())[:3]}"
        )
    return ids


def board_representation(
    board: pl.DataFrame, by: str, k: int, workforce: Representation | NoData
) -> BoardRepresentation:
    """WRES 9 or WDES 10: the board's percentage in the focus group against the workforce.

    For voting members, executive members and non-executive members in turn,
    ``share = 100 * focus members / members`` (Not stated in the denominator), published by
    :func:`~ethos.stats.disclosure.publish_share`, and ``difference = share - workforce``
    in percentage points, the workforce percentage taken from WRES 1 or WDES 1
    (NHS England, *WRES technical guidance*, indicator 9; *WDES*, metric 10).
    """
    std = _standard(by)
    frame = _frame(board, "board", voting=(True, False), executive=(True, False))
    _frame(frame, "board", **{by: std.bands})
    whole = workforce if isinstance(workforce, NoData) else workforce.workforce_percent
    parts = (
        ("Voting members", pl.col("voting")),
        ("Executive members", pl.col("executive")),
        ("Non-executive members", ~pl.col("executive")),
    )
    groups = []
    for name, condition in parts:
        members = frame.filter(condition).get_column(by)
        share = publish_share(int((members == std.focus).sum()), members.len(), k)
        gap: float | Suppressed | NoData = share if isinstance(share, Suppressed) else whole
        if isinstance(share, PublishedShare) and isinstance(whole, float):
            gap = share.percent - whole
        groups.append(BoardGroup(name, share, gap))
    return BoardRepresentation(f"{std.name} {std.board}", std.focus, whole, tuple(groups))


def _missing(*names: str) -> NoData:
    return NoData(f"no data: needs the {' and '.join(names)} file for the year")


_PROCESSES = {  # indicator: (what, group A, group B, column)
    "WRES 3": ("entering the formal disciplinary process", BME, WHITE, "ethnicity"),
    "WRES 4": ("accessing non-mandatory training and CPD", WHITE, BME, "ethnicity"),
    "WDES 3": (
        "entering the formal capability process (performance)",
        DISABLED,
        NON_DISABLED,
        "disability",
    ),
}


def _process(
    indicator: str,
    staff: pl.DataFrame | None,
    events: pl.DataFrame | None,
    kind: str,
    table: Representation | NoData,
    k: int,
    level: float,
) -> Likelihood | NoData:
    """RL of staff in group A being among ``events`` (by ``staff_id``) against group B.

    Published only where both groups' staff numbers are shown in indicator 1's table: the
    same numbers shown here would otherwise undo that table's protection.
    """
    what, a, b, by = _PROCESSES[indicator]
    if staff is None or events is None or isinstance(table, NoData):
        return _missing("staff", kind)
    ids = _ids(_frame(events, kind), staff, kind)
    description = f"Relative likelihood of {a} staff {what} compared with {b} staff"
    hidden = [g for g in (a, b) if isinstance(table.table.column_total(g), Suppressed)]
    if hidden:
        reason = f"hidden because the number of {hidden[0]} staff is hidden in {table.indicator}"
        return Likelihood(indicator, description, Suppressed(reason))
    event = pl.col("staff_id").is_in(ids.implode())
    return Likelihood(indicator, description, _rate(staff, by, event, (a, b), k, level))


def _cases(cases: pl.DataFrame | None, case_type: str, grounds: str | None) -> pl.DataFrame | None:
    if cases is None:
        return None
    frame = _frame(cases, "cases", case_type=CASE_TYPES, grounds=(*CAPABILITY_GROUNDS, None))
    chosen = frame.filter(pl.col("case_type") == case_type)
    return chosen if grounds is None else chosen.filter(pl.col("grounds") == grounds)


def workforce_indicators(
    staff: pl.DataFrame | None = None,
    recruitment: pl.DataFrame | None = None,
    cases: pl.DataFrame | None = None,
    training: pl.DataFrame | None = None,
    board: pl.DataFrame | None = None,
    k: int = DEFAULT_MIN_GROUP,
    level: float = 0.95,
) -> WorkforceIndicators:
    """Every workforce-based WRES and WDES indicator for one reporting year, published.

    A missing frame (``None``) marks the indicators that need it :class:`NoData`. WRES 3
    counts staff with at least one Disciplinary case, WRES 4 staff with any non-mandatory
    training, WDES 3 staff with a Capability case on Performance grounds; each is divided by
    the staff of that band in the staff frame (everyone employed in the year). Cases and
    training join to staff by ``staff_id``; an id missing from the staff frame is a
    ``ValueError``. See the functions above for each formula, and
    ``docs/methods/equality-standards.md``.
    """
    k = check_min_group(k)
    no_staff, no_hiring, no_board = _missing("staff"), _missing("recruitment"), _missing("board")
    wres1 = no_staff if staff is None else pay_band_representation(staff, "ethnicity", k)
    wdes1 = no_staff if staff is None else pay_band_representation(staff, "disability", k)
    disciplinary = _cases(cases, "Disciplinary", None)
    capability = _cases(cases, "Capability", "Performance")

    def hires(by: str) -> Likelihood | NoData:
        if recruitment is None:
            return no_hiring
        return appointment_likelihood(recruitment, by, k, level)

    def boards(by: str, table: Representation | NoData) -> BoardRepresentation | NoData:
        return no_board if board is None else board_representation(board, by, k, table)

    return WorkforceIndicators(
        min_group=k,
        wres1=wres1,
        wres2=hires("ethnicity"),
        wres3=_process("WRES 3", staff, disciplinary, "cases", wres1, k, level),
        wres4=_process("WRES 4", staff, training, "training", wres1, k, level),
        wres9=boards("ethnicity", wres1),
        wdes1=wdes1,
        wdes2=hires("disability"),
        wdes3=_process("WDES 3", staff, capability, "cases", wdes1, k, level),
        wdes10=boards("disability", wdes1),
    )
