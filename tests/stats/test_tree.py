"""``UnitTree.from_parents``: breadth-first order, parents, depths and the first problem named."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ethos.stats.tree import UnitTree


def reference(codes: list[str], parents: list[str | None]) -> tuple[list[str], list[int]]:
    """Breadth-first codes and depths, walked one unit at a time (children in file order)."""
    root = parents.index(None)
    order, depth, head = [root], {root: 0}, 0
    while head < len(order):
        node = order[head]
        for i, parent in enumerate(parents):
            if parent == codes[node]:
                order.append(i)
                depth[i] = depth[node] + 1
        head += 1
    return [codes[i] for i in order], [depth[i] for i in order]


def test_units_are_breadth_first_with_siblings_in_file_order() -> None:
    tree = UnitTree.from_parents(
        ["W2", "D1", "T", "W1", "D2", "W3"],
        ["D2", "T", None, "D1", "T", "D1"],
        ["Ward 2", "Division 1", "Trust", "Ward 1", "Division 2", "Ward 3"],
    )
    assert tree.codes == ("T", "D1", "D2", "W1", "W3", "W2")
    assert tree.names == ("Trust", "Division 1", "Division 2", "Ward 1", "Ward 3", "Ward 2")
    assert tree.parent.tolist() == [-1, 0, 0, 1, 1, 2]
    assert tree.depth.tolist() == [0, 1, 1, 2, 2, 2]
    assert tree.parent.dtype == tree.depth.dtype == np.int64


@pytest.mark.parametrize("seed", range(20))
def test_random_trees_match_a_unit_at_a_time_walk(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randint(1, 200)
    codes = [f"u{i}" for i in range(size)]
    parents: list[str | None] = [None] + [codes[rng.randrange(i)] for i in range(1, size)]
    shuffled = rng.sample(range(size), size)
    codes = [codes[i] for i in shuffled]
    parents = [parents[i] for i in shuffled]
    tree = UnitTree.from_parents(codes, parents)
    assert (list(tree.codes), tree.depth.tolist()) == reference(codes, parents)
    position = {code: i for i, code in enumerate(tree.codes)}
    for i, code in enumerate(tree.codes):
        parent = parents[codes.index(code)]
        assert tree.parent[i] == (-1 if parent is None else position[parent])


def test_a_deep_chain() -> None:
    size = 20_000
    codes = [f"u{i}" for i in range(size)]
    tree = UnitTree.from_parents(codes[::-1], [*codes[:-1][::-1], None])
    assert tree.codes == tuple(codes)
    assert tree.depth.tolist() == list(range(size))
    assert tree.parent.tolist() == list(range(-1, size - 1))


@pytest.mark.parametrize(
    ("codes", "parents", "message"),
    [
        (["T", "A", "T"], [None, "T", "A"], "unit code 'T' appears more than once"),
        (["T", "A"], [None, ""], "exactly one unit must have no parent (the root); found T, A"),
        (["T", "A"], ["A", "T"], "exactly one unit must have no parent (the root); found none"),
        (["T", "A", "B"], [None, "X", "Y"], "unit 'A' has unknown parent 'X'"),
        (["T", "C", "B", "A"], [None, "B", "A", "C"], "unit 'C' is part of a cycle of parents"),
        (["T", "A"], [None, "A"], "unit 'A' is part of a cycle of parents"),
        (["T", "A"], [None], "codes, parents and names must have the same length"),
    ],
)
def test_the_first_problem_is_named(
    codes: list[str], parents: list[str | None], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        UnitTree.from_parents(codes, parents)
    assert str(caught.value) == message
