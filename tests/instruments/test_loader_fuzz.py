"""Fuzzing the instrument loader (issue 4, item 8): bad input gives a clear error, never a crash.

``parse_instrument`` must either return an :class:`Instrument` or raise :class:`InputError`
naming the file, the place (a field path or a row) and a fix. Any other exception is a bug:
the command line and the API would show a traceback or a 500 instead of a message.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from ethos.errors import InputError
from ethos.instruments.loader import parse_instrument
from ethos.instruments.model import ELEMENTS, METHODS, Instrument

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOURCE = "fuzz.yaml"

BASE: dict[str, Any] = {
    "id": "mini",
    "version": "1",
    "title": "Mini",
    "scales": {
        "s": {
            "options": [
                {"code": 1, "label": "No"},
                {"code": 2, "label": "Yes"},
                {"code": 9, "label": "Skip", "scoring": False},
            ]
        }
    },
    "items": [
        {"id": "q1", "text": "First", "scale": "s", "element": "teamwork"},
        {"id": "q2", "text": "Second", "scale": "s"},
    ],
    "measures": [{"id": "m1", "label": "First", "method": "mean", "items": ["q1", "q2"]}],
    "demographics": [
        {
            "id": "d1",
            "text": "Group?",
            "options": [{"code": 1, "label": "A"}, {"code": 9, "label": "Prefer not to say"}],
            "bands": {"A": [1]},
            "not_stated": [9],
        }
    ],
    "free_text": [{"id": "ft1", "text": "Anything else?"}],
    "sections": [{"id": "p1", "title": "Page", "items": ["q1", "q2"]}],
}
NAMES = [
    "id",
    "version",
    "title",
    "description",
    "scales",
    "items",
    "measures",
    "demographics",
    "free_text",
    "sections",
    "options",
    "code",
    "label",
    "score",
    "scoring",
    "text",
    "scale",
    "reverse",
    "element",
    "method",
    "min_answered",
    "rule",
    "group",
    "bands",
    "not_stated",
    "q1",
    "q2",
    "m1",
    "s",
    "d1",
    "p1",
]


def check(text: str) -> None:
    """The property: an Instrument, or an InputError that says where and what to do."""
    try:
        instrument = parse_instrument(text, source=SOURCE)
    except InputError as error:
        message = str(error)
        assert message.startswith(SOURCE), message
        assert error.problem and error.fix, message
        # A top-level key made only of dots ('.:') loses its field path to lstrip('.'), but
        # the problem still quotes the key: "unknown field '.'" (see docs/reliability.md).
        whole_document = any(w in error.problem for w in ("mapping", "YAML", "unknown field"))
        assert error.field is not None or error.row is not None or whole_document, message
        if error.field is not None:
            assert f"field '{error.field}'" in message
        assert f"Fix: {error.fix}" in message
        assert "Traceback" not in message
    else:
        assert isinstance(instrument, Instrument)


# --- (a) random text ------------------------------------------------------------------------

YAML_BITS = st.sampled_from(
    [": ", "- ", "\n", "  ", "{", "}", "[", "]", ",", "'", '"', "#", "&a", "*a", "!!str ", "|",
     ">", "? ", "---", "...", "%YAML 1.1", "!!python/object:os.system", "\t", "\x00", "\ufeff",
     "id", "items", "scales", "options", "code", "q1", "1", "-1", "1e9", "~", "null", "yes"]
)  # fmt: skip
yaml_like = st.lists(st.one_of(YAML_BITS, st.text(max_size=5)), max_size=40).map("".join)


@FUZZ
@given(st.one_of(st.text(max_size=200), yaml_like))
def test_random_text_gives_an_instrument_or_an_input_error(text: str) -> None:
    check(text)


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_decoded_as_text_give_an_instrument_or_an_input_error(data: bytes) -> None:
    check(data.decode("utf-8", errors="replace"))
    check(data.decode("latin-1"))


# --- (b) plausible documents with mutations -------------------------------------------------

leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**100), max_value=10**100),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from([*NAMES, *ELEMENTS, *METHODS, "any", "all", "", "Q-1", "ünïcødé", "🙂"]),
)
value = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=6)), inner, max_size=4),
    ),
    max_leaves=20,
)


def _locations(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a container inside the document (the root included)."""
    out = [at] if isinstance(node, dict | list) else []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in items:
        out.extend(_locations(child, (*at, key)))
    return out


def _mutate(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """One change at a random place: delete, replace, add, duplicate or deepen an entry."""
    at = draw(st.sampled_from(_locations(data)))
    node: Any = data
    for key in at:
        node = node[key]
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    how = draw(st.sampled_from(["delete", "replace", "add", "duplicate", "deepen"]))
    key = draw(st.sampled_from(keys)) if keys else None
    if how == "add" or key is None:
        new = draw(value)
        node.setdefault(draw(st.sampled_from(NAMES)), new) if isinstance(
            node, dict
        ) else node.append(new)
    elif how == "delete":
        del node[key]
    elif how == "replace":
        node[key] = draw(value)
    elif how == "duplicate" and isinstance(node, list):
        node.append(copy.deepcopy(node[key]))  # duplicate ids, options, sections
    elif how == "deepen":
        for _ in range(draw(st.integers(1, 40))):
            node[key] = [node[key]]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        if data:
            _mutate(draw, data)
    return data


@FUZZ
@given(mutated())
def test_mutated_documents_give_an_instrument_or_an_input_error(data: dict[str, Any]) -> None:
    check(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


@settings(FUZZ, max_examples=150)
@given(st.dictionaries(st.sampled_from(NAMES), value, max_size=8))
def test_random_documents_give_an_instrument_or_an_input_error(data: dict[str, Any]) -> None:
    check(yaml.safe_dump(data, allow_unicode=True))


def test_the_unmutated_base_document_is_valid() -> None:
    assert parse_instrument(yaml.safe_dump(BASE), source=SOURCE).item_ids == ("q1", "q2")


@settings(FUZZ, max_examples=40)
@given(st.integers(2, 80))
def test_deep_nesting_within_reason_gives_an_input_error(depth: int) -> None:
    check("items: " + "[" * depth + "]" * depth + "\n")
    check(yaml.safe_dump({**BASE, "description": _nest(depth)}))


def _nest(depth: int) -> Any:
    node: Any = "x"
    for _ in range(depth):
        node = {"a": [node]}
    return node


# --- known crashes: text PyYAML itself cannot turn into values ------------------------------

BAD_DATES = st.builds(
    "{:04d}-{:02d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 99), st.integers(32, 99)
)
CRASHERS = st.one_of(
    BAD_DATES.map(lambda d: f"version: {d}\n"),
    st.integers(4301, 6000).map(lambda n: f"version: {'7' * n}\n"),
    st.integers(1200, 3000).map(lambda n: "items: " + "[" * n + "]" * n + "\n"),
)


@settings(max_examples=5, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(CRASHERS)
@example("version: 2024-02-30\n")
@example(f"version: {'1' * 5000}\n")
@example("items: " + "[" * 2000 + "]" * 2000 + "\n")
def test_values_yaml_cannot_construct_give_an_input_error(text: str) -> None:
    check(text)
