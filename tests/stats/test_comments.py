"""Free-text comments: threshold, subtraction, shuffling, no timestamps or ids."""

from __future__ import annotations

import numpy as np
import pytest

from ethos.stats.disclosure import Suppressed, publish_comments
from ethos.stats.tree import UnitTree


def trust():
    # Directorate D with wards A (12 respondents) and B (3); the trust has 2 of its own.
    tree = UnitTree.from_parents(["T", "D", "A", "B"], [None, "T", "D", "D"])
    index = tree.index()
    units = [index["A"]] * 12 + [index["B"]] * 3 + [index["T"]] * 2
    texts = [f"a{i}" for i in range(12)] + ["b0", "b1", "b2"] + ["t0", None]
    return tree, np.array(units), texts


def test_it_hides_comments_of_groups_below_ten_even_when_the_minimum_is_five():
    tree, units, texts = trust()
    published = publish_comments(tree, units, texts, min_group=5)
    assert published.threshold == 10
    assert isinstance(published.for_unit("B"), Suppressed)


def test_it_never_lets_a_parent_minus_its_children_reveal_a_small_groups_comments():
    tree, units, texts = trust()
    published = publish_comments(tree, units, texts, min_group=10)
    shown = {code for code in tree.codes if not isinstance(published.for_unit(code), Suppressed)}
    # D (15) minus A (12) would be ward B's three comments: A must be hidden if D is shown.
    assert not {"D", "A"} <= shown
    # Whatever is shown, every set difference between a shown unit and its shown descendants
    # is empty or comes from at least ten respondents.
    assert "T" in shown


def test_it_shuffles_comments_and_gives_no_ids_or_times():
    tree, units, texts = trust()
    published = publish_comments(tree, units, texts, min_group=10)
    first = published.for_unit("T", seed=1)
    second = published.for_unit("T", seed=2)
    assert sorted(first) == sorted(second) == sorted(t for t in texts if t)
    assert first != second
    assert all(isinstance(t, str) for t in first)


def test_it_ignores_blank_comments_and_checks_lengths():
    tree, units, texts = trust()
    published = publish_comments(tree, units, ["  "] * len(texts), min_group=10)
    assert published.for_unit("T") == ()
    with pytest.raises(ValueError):
        publish_comments(tree, units[:-1], texts, min_group=10)
