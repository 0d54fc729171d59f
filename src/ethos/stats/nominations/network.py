"""The nomination network: counts, reach and brokerage per nominee.

Notation (Wasserman and Faust, *Social Network Analysis*, 1994, chapter 5): the nominations
form a directed multigraph from nominator to nominee, one arc per (nominator, nominee, value).

- **received** ``r(v)``: arcs into ``v`` (nominations received; the in-degree of the
  multigraph).
- **nominators** ``d(v)``: distinct people with an arc into ``v`` (the in-degree of the
  simple directed graph).
- **reach** ``u(v)``: distinct units among ``v``'s nominators; **outside** ``o(v)``: those
  units other than ``v``'s own.
- **brokerage** ``b(v)``: Freeman's betweenness centrality of ``v`` in the undirected simple
  graph ``G`` with an edge between two people when either nominated the other, over the
  ``n`` people with at least one edge (Freeman, 1977):

  ``b(v) = sum over unordered pairs {s, t}, s != v != t, of sigma_st(v) / sigma_st``,

  where ``sigma_st`` counts the shortest paths between ``s`` and ``t`` and ``sigma_st(v)``
  those through ``v``, normalised by the number of pairs, ``(n - 1)(n - 2) / 2``, so that
  ``b`` lies in [0, 1] (1 for the centre of a star). Computed with networkx (Brandes, 2001);
  above :data:`EXACT_LIMIT` people, estimated from a fixed, seeded sample of source people
  (pivots; Brandes and Pich, 2007).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import polars as pl

__all__ = ["DEFAULT_PIVOTS", "EXACT_LIMIT", "Brokerage", "brokerage", "nominee_counts"]

EXACT_LIMIT = 1_000
"""Largest network whose betweenness is computed exactly unless pivots are given."""
DEFAULT_PIVOTS = 200
"""Pivots used above :data:`EXACT_LIMIT`: the standard error of the estimate shrinks as
``1 / sqrt(pivots)``, and the time grows in proportion to them."""
PIVOT_SEED = 0


@dataclass(frozen=True, slots=True)
class Brokerage:
    """Betweenness per person in the network, its size and how it was computed.

    ``pivots`` is ``None`` for the exact computation, else the number of source people the
    estimate rests on.
    """

    scores: dict[str, float]
    people: int
    pivots: int | None


def nominee_counts(nominations: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Per nominee: ``received``, ``nominators``, ``units_reached`` and ``outside_units``.

    ``nominations`` is cleaned (see :func:`ethos.stats.nominations._input.clean`); the
    result has one row per nominee with at least one nomination, and the nominee's own
    ``unit_code``.
    """
    units = people.select("staff_id", "unit_code")
    joined = nominations.join(
        units.rename({"staff_id": "nominator", "unit_code": "from_unit"}), on="nominator"
    ).join(units.rename({"staff_id": "nominee"}), on="nominee")
    outside = pl.col("from_unit").filter(pl.col("from_unit") != pl.col("unit_code"))
    return joined.group_by("nominee", "unit_code").agg(
        pl.len().cast(pl.Int64).alias("received"),
        pl.col("nominator").n_unique().cast(pl.Int64).alias("nominators"),
        pl.col("from_unit").n_unique().cast(pl.Int64).alias("units_reached"),
        outside.n_unique().cast(pl.Int64).alias("outside_units"),
    )


def value_counts(nominations: pl.DataFrame) -> dict[str, tuple[tuple[str, int], ...]]:
    """Per nominee, ``(value, nominations)`` pairs: most nominations first, then by value."""
    grouped = (
        nominations.group_by("nominee", "value")
        .len()
        .sort(["nominee", "len", "value"], descending=[False, True, False])
    )
    out: dict[str, list[tuple[str, int]]] = {}
    for nominee, value, count in grouped.iter_rows():
        out.setdefault(nominee, []).append((value, int(count)))
    return {k: tuple(v) for k, v in out.items()}


def _pivots(people: int, pivots: int | None) -> int | None:
    """The number of pivots to use, or ``None`` for the exact computation."""
    if pivots is None:
        pivots = DEFAULT_PIVOTS if people > EXACT_LIMIT else people
    elif isinstance(pivots, bool) or not isinstance(pivots, int) or pivots < 1:
        raise ValueError(f"pivots must be a whole number of at least 1, got {pivots!r}")
    return pivots if pivots < people else None


def brokerage(nominations: pl.DataFrame, pivots: int | None = None) -> Brokerage:
    """Normalised betweenness of everyone in the undirected nomination network.

    ``pivots=None`` computes it exactly up to :data:`EXACT_LIMIT` people and estimates it
    from :data:`DEFAULT_PIVOTS` pivots above; a whole number asks for that many pivots
    (exact when it is at least the network's size). People enter the graph in order of
    staff id and pivots are drawn with a fixed seed, so the estimate depends only on the
    set of nominations, not on their order, and is the same on every run.
    """
    graph = nx.Graph()
    pairs = nominations.select("nominator", "nominee").unique().sort("nominator", "nominee")
    graph.add_nodes_from(sorted(set(pairs.get_column("nominator")) | set(pairs["nominee"])))
    graph.add_edges_from(pairs.iter_rows())
    size = graph.number_of_nodes()
    chosen = _pivots(size, pivots)
    if chosen is None:
        scores = nx.betweenness_centrality(graph, normalized=True)
    else:
        scores = nx.betweenness_centrality(graph, k=chosen, normalized=True, seed=PIVOT_SEED)
    return Brokerage({str(k): float(v) for k, v in scores.items()}, size, chosen)
