"""Tests for the instrument loader and the shipped instruments (culture, pulse)."""

from __future__ import annotations

import copy
import math
import textwrap
from collections import Counter
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethos.errors import InputError
from ethos.instruments.loader import (
    load_instrument,
    parse_instrument,
    shipped_instruments,
)
from ethos.instruments.model import ELEMENTS, NOT_STATED, Instrument

# Items in the culture survey that no measure uses, on purpose. Adding an item that no
# measure reads should be a deliberate choice recorded here, not an accident.
CULTURE_STANDALONE_ITEMS: frozenset[str] = frozenset()

BEHAVIOURS = ("attending", "understanding", "empathising", "helping")
ENGAGEMENT = ("motivation", "involvement", "advocacy")
INDICATORS = (
    "harassment_public",
    "harassment_manager",
    "harassment_colleagues",
    "harassment_staff",
    "discrimination",
    "equal_opportunities",
    "pressure_unwell",
    "adjustments",
    "reported_harassment",
    "valued_work",
)


@pytest.fixture(scope="module")
def culture() -> Instrument:
    return load_instrument("culture")


@pytest.fixture(scope="module")
def pulse() -> Instrument:
    return load_instrument("pulse")


# --- shipped instruments -------------------------------------------------------------------


def test_it_loads_every_shipped_instrument() -> None:
    for name in shipped_instruments():
        instrument = load_instrument(name)
        assert instrument.id == name
        assert instrument.version == "1.0"
        assert instrument.title and instrument.description
        assert instrument.source == f"{name}.yaml"


def test_it_loads_an_instrument_from_a_path(tmp_path: Any) -> None:
    path = tmp_path / "own.yaml"
    path.write_text(document(), encoding="utf-8")
    assert load_instrument(path).id == "mini"
    assert load_instrument(str(path)).source == str(path)


def test_it_reports_a_missing_instrument_file(tmp_path: Any) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as info:
        load_instrument(missing)
    assert str(missing) in str(info.value)
    assert "culture" in str(info.value) and "Fix:" in str(info.value)


def test_it_has_at_least_four_items_per_element_in_the_culture_survey(
    culture: Instrument,
) -> None:
    counts = Counter(item.element for item in culture.items)
    for element in ELEMENTS:
        assert counts[element] >= 4, element


def test_it_has_a_mean_measure_per_element_from_that_elements_items(
    culture: Instrument,
) -> None:
    for element in ELEMENTS:
        measure = culture.measure(element)
        assert (measure.method, measure.group, measure.element) == (
            "mean",
            "element",
            element,
        )
        assert len(measure.items) >= 4
        assert {culture.item(i).element for i in measure.items} == {element}
        half = len(measure.items) / 2
        assert math.floor(half) <= measure.min_answered <= math.ceil(half)


def test_it_keeps_the_culture_survey_to_a_sensible_length(culture: Instrument) -> None:
    assert 65 <= len(culture.items) <= 75


def test_it_has_one_or_two_sensible_reverse_keyed_items(culture: Instrument) -> None:
    reverse = [item for item in culture.items if item.reverse]
    assert 1 <= len(reverse) <= 2
    for item in reverse:
        assert item.scale == "agree5"
        assert item.element in ELEMENTS
        in_element = culture.measure(item.element)
        assert item.id in in_element.items


def test_it_has_the_four_compassionate_leadership_behaviours(
    culture: Instrument,
) -> None:
    overall = culture.measure("compassionate_leadership")
    assert overall.group == "compassionate_leadership"
    assert overall.method == "mean"
    parts: list[str] = []
    for behaviour in BEHAVIOURS:
        measure = culture.measure(behaviour)
        assert measure.group == "compassionate_leadership"
        assert measure.method == "mean"
        assert len(measure.items) >= 2
        for item_id in measure.items:
            item = culture.item(item_id)
            assert item.element == "support_compassion"
            assert "line manager" in item.text
        parts.extend(measure.items)
    assert sorted(parts) == sorted(overall.items)


def test_it_has_three_engagement_sub_scores_of_three_items(
    culture: Instrument,
) -> None:
    for name in ENGAGEMENT:
        measure = culture.measure(name)
        assert (measure.method, measure.group) == ("mean", "engagement")
        assert len(measure.items) == 3
        assert measure.min_answered == 2
    engagement = culture.measure("engagement")
    assert engagement.method == "mean_of_measures"
    assert engagement.group == "engagement"
    assert engagement.measures == ENGAGEMENT
    assert len(set(culture.measure_items(engagement))) == 9


def test_it_has_every_indicator_measure(culture: Instrument) -> None:
    for name in INDICATORS:
        measure = culture.measure(name)
        assert measure.group == "indicator"
        assert measure.is_percent
        if name != "harassment_staff":
            assert len(measure.items) == 1
    assert culture.measure("valued_work").method == "percent_positive"
    assert culture.measure("equal_opportunities").method == "percent_yes"
    staff = culture.measure("harassment_staff")
    assert set(staff.items) == {
        *culture.measure("harassment_manager").items,
        *culture.measure("harassment_colleagues").items,
    }
    assert (staff.rule, staff.min_answered) == ("any", 1)
    for name in INDICATORS:
        if name != "valued_work":
            for item_id in culture.measure(name).items:
                scale = culture.scales[culture.item(item_id).scale]
                assert sorted(o.score for o in scale.options if o.score is not None) == [
                    0.0,
                    10.0,
                ]
    opportunities = culture.scales[culture.item("equal_opps").scale]
    assert "Don't know" in [o.label for o in opportunities.options]
    adjustments = culture.scales[culture.item("adjustments").scale]
    assert any("Not applicable" in o.label and o.score is None for o in adjustments.options)


def test_it_has_the_real_team_tests(culture: Instrument) -> None:
    measure = culture.measure("real_team")
    assert (measure.method, measure.rule, measure.min_answered, measure.group) == (
        "percent_yes",
        "all",
        3,
        "team",
    )
    assert len(measure.items) == 3
    for item_id in measure.items:
        item = culture.item(item_id)
        assert (item.scale, item.element) == ("yesno", "teamwork")


def test_it_uses_every_culture_item_in_a_measure_or_says_why(
    culture: Instrument,
) -> None:
    used = {i for measure in culture.measures for i in culture.measure_items(measure)}
    assert set(culture.item_ids) - used == CULTURE_STANDALONE_ITEMS


def test_it_offers_not_stated_in_every_demographic(culture: Instrument, pulse: Instrument) -> None:
    expected = {
        "ethnicity",
        "disability",
        "sex",
        "age_band",
        "staff_group",
        "pay_band",
        "sexual_orientation",
        "religion",
        "length_of_service",
    }
    assert {d.id for d in culture.demographics} == expected
    for demographic in (*culture.demographics, *pulse.demographics):
        labels = {o.code: o.label for o in demographic.options}
        assert demographic.not_stated, demographic.id
        assert "Prefer not to say" in [labels[c] for c in demographic.not_stated]
        assert demographic.categories()[-1] == NOT_STATED
        mapped = demographic.category_of_code()
        assert set(mapped) == set(labels)


def test_it_bands_ethnicity_as_wres_does(culture: Instrument) -> None:
    ethnicity = culture.demographic("ethnicity")
    assert len(ethnicity.options) - len(ethnicity.not_stated) == 19
    assert ethnicity.categories() == ("White", "Black and minority ethnic", NOT_STATED)
    mapped = ethnicity.category_of_code()
    for option in ethnicity.options:
        if option.code in ethnicity.not_stated:
            continue
        white = option.label.startswith("White:")
        assert mapped[option.code] == ("White" if white else "Black and minority ethnic")
    assert sum(o.label.startswith("White:") for o in ethnicity.options) == 5


def test_it_bands_pay(culture: Instrument) -> None:
    assert culture.demographic("pay_band").categories() == (
        "Bands 1-4",
        "Bands 5-7",
        "Bands 8a-9 and VSM",
        "Medical",
        "Other",
        NOT_STATED,
    )


def test_it_reuses_culture_items_and_codes_in_the_pulse(
    culture: Instrument, pulse: Instrument
) -> None:
    assert 12 <= len(pulse.items) <= 15
    for item in pulse.items:
        assert culture.item(item.id) == item
    for sid, scale in pulse.scales.items():
        assert culture.scales[sid] == scale
    assert [d.id for d in pulse.demographics] == ["ethnicity", "disability", "staff_group"]
    for demographic in pulse.demographics:
        assert culture.demographic(demographic.id) == demographic
    counts = Counter(item.element for item in pulse.items)
    for element in ELEMENTS:
        assert pulse.measure(element).group == "element"
        assert len(pulse.measure(element).items) in (1, 2)
        assert counts[element] >= len(pulse.measure(element).items)
    for name in ENGAGEMENT:
        assert pulse.measure(name).group == "engagement"
    assert pulse.measure("engagement").method == "mean_of_measures"
    assert pulse.measure("compassionate_leadership").items
    assert len(pulse.free_text) == 1
    used = {i for measure in pulse.measures for i in pulse.measure_items(measure)}
    assert used == set(pulse.item_ids)


# --- scoring defaults -----------------------------------------------------------------------


def test_it_maps_five_point_agreement_to_the_staff_survey_scores(
    culture: Instrument,
) -> None:
    scale = culture.scales["agree5"]
    assert [scale.score_of(code) for code in (1, 2, 3, 4, 5)] == [0, 2.5, 5, 7.5, 10]
    assert scale.score_of(9) is None


def test_it_gives_non_scoring_options_no_score(culture: Instrument) -> None:
    for scale in culture.scales.values():
        for option in scale.options:
            non_scoring = any(
                word in option.label
                for word in ("Don't know", "Prefer not to say", "Not applicable")
            )
            assert (option.score is None) == non_scoring, (scale.id, option)
    assert culture.scales["yesno"].score_of(1) == 10
    assert culture.scales["yesno"].score_of(2) == 0


def test_it_spreads_unscored_options_around_explicit_scores() -> None:
    scales = """\
        s:
          options:
            - {code: 1, label: Low}
            - {code: 2, label: Middle}
            - {code: 3, label: High, score: 10}
            - {code: 8, label: Skip, scoring: false}
    """
    instrument = parse_instrument(document(scales=scales), source="x.yaml")
    scale = instrument.scales["s"]
    assert [o.score for o in scale.options] == [0.0, 5.0, 10.0, None]


# --- errors ---------------------------------------------------------------------------------

SCALES = """\
    s:
      options:
        - {code: 1, label: "No"}
        - {code: 2, label: "Yes"}
        - {code: 9, label: Skip, scoring: false}
"""
ITEMS = """\
    - {id: q1, text: First question, scale: s, element: teamwork}
    - {id: q2, text: Second question, scale: s}
"""
MEASURES = """\
    - {id: m1, label: First, method: mean, items: [q1, q2]}
"""
DEMOGRAPHICS = """\
    - id: d1
      text: Group?
      options:
        - {code: 1, label: A}
        - {code: 2, label: B}
        - {code: 3, label: C}
        - {code: 9, label: Prefer not to say}
      bands:
        AB: [1, 2]
        C: [3]
      not_stated: [9]
"""


def document(
    *,
    head: str = "id: mini\nversion: '1'\ntitle: Mini\n",
    scales: str = SCALES,
    items: str = ITEMS,
    measures: str = MEASURES,
    demographics: str = DEMOGRAPHICS,
) -> str:
    """A small valid instrument, with any section swapped for an inline YAML snippet."""

    def section(name: str, body: str) -> str:
        body = textwrap.dedent(body)
        if not body.strip() or body.lstrip().startswith("["):
            return f"{name}: {body.strip()}\n"
        return f"{name}:\n" + textwrap.indent(body, "  ")

    return (
        head
        + section("scales", scales)
        + section("items", items)
        + section("measures", measures)
        + section("demographics", demographics)
    )


def test_it_accepts_the_small_valid_document() -> None:
    instrument = parse_instrument(document(), source="x.yaml")
    assert instrument.item_ids == ("q1", "q2")
    assert instrument.demographic("d1").categories() == ("AB", "C", NOT_STATED)


def fails(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_instrument(text, source="x.yaml")
    return info.value


def check(error: InputError, field: str, problem: str) -> None:
    message = str(error)
    assert message.startswith("x.yaml")
    assert error.source == "x.yaml"
    assert error.field == field
    assert f"field '{field}'" in message
    assert problem in error.problem
    assert error.fix and f"Fix: {error.fix}" in message


def test_it_reports_malformed_yaml_with_its_row() -> None:
    text = "id: mini\nversion: '1'\ntitle: Mini\nitems:\n  - {id: q1, text: [oops\n"
    error = fails(text)
    assert error.source == "x.yaml"
    assert error.row is not None and error.row >= 5
    assert f"x.yaml, row {error.row}:" in str(error)
    assert "not valid YAML" in error.problem
    assert "Fix:" in str(error)


def test_it_reports_a_document_that_is_not_a_mapping() -> None:
    error = fails("- just\n- a list\n")
    assert str(error).startswith("x.yaml:")
    assert "mapping" in error.problem and error.fix


ERROR_CASES = {
    "missing field": (
        dict(items="- {id: q1, scale: s}\n"),
        "items[0].text",
        "missing",
    ),
    "missing top-level field": (
        dict(head="id: mini\nversion: '1'\n"),
        "title",
        "missing",
    ),
    "unknown scale": (
        dict(items="- {id: q1, text: Q, scale: agree7}\n- {id: q2, text: Q, scale: s}\n"),
        "items[0].scale",
        "unknown scale 'agree7'",
    ),
    "duplicate item id": (
        dict(items="- {id: q1, text: Q, scale: s}\n- {id: q1, text: R, scale: s}\n"),
        "items[1].id",
        "'q1' is used twice",
    ),
    "unknown element": (
        dict(items="- {id: q1, text: Q, scale: s, element: morale}\n"),
        "items[0].element",
        "unknown cultural element 'morale'",
    ),
    "unknown method": (
        dict(measures="- {id: m1, label: M, method: median, items: [q1]}\n"),
        "measures[0].method",
        "unknown scoring method 'median'",
    ),
    "unknown rule": (
        dict(measures="- {id: m1, label: M, method: percent_yes, items: [q1], rule: most}\n"),
        "measures[0].rule",
        "unknown rule 'most'",
    ),
    "measure with an unknown item": (
        dict(measures="- {id: m1, label: M, method: mean, items: [q1, q9]}\n"),
        "measures[0].items",
        "unknown item 'q9'",
    ),
    "min_answered too large": (
        dict(measures="- {id: m1, label: M, method: mean, items: [q1, q2], min_answered: 3}\n"),
        "measures[0].min_answered",
        "min_answered is 3 but the measure has only 2",
    ),
    "band covering an unknown code": (
        dict(demographics=DEMOGRAPHICS.replace("C: [3]", "C: [3, 4]")),
        "demographics[0].bands.C",
        "code 4 is unknown",
    ),
    "demographic code in no band": (
        dict(demographics=DEMOGRAPHICS.replace("C: [3]", "C: []")),
        "demographics[0].bands",
        "codes [3] are in no band",
    ),
    "not stated code that is no option": (
        dict(demographics=DEMOGRAPHICS.replace("not_stated: [9]", "not_stated: [9, 7]")),
        "demographics[0].not_stated",
        "code 7 is not an option",
    ),
    "non-numeric score": (
        dict(scales=SCALES.replace('label: "Yes"}', 'label: "Yes", score: high}')),
        "scales.s.options[1].score",
        "score must be a number from 0 to 10",
    ),
    "score out of range": (
        dict(scales=SCALES.replace('label: "Yes"}', 'label: "Yes", score: 11}')),
        "scales.s.options[1].score",
        "score must be a number from 0 to 10",
    ),
    "bad id characters": (
        dict(items="- {id: Q-1, text: Q, scale: s}\n"),
        "items[0].id",
        "'Q-1' is not a valid id",
    ),
    "bad top-level id": (
        dict(head="id: 2024 survey\nversion: '1'\ntitle: Mini\n"),
        "id",
        "'2024 survey' is not a valid id",
    ),
    "empty items list": (
        dict(items="[]"),
        "items",
        "the list is empty",
    ),
    "nested mean_of_measures": (
        dict(
            measures="""\
                - {id: m1, label: A, method: mean, items: [q1]}
                - {id: m2, label: B, method: mean_of_measures, measures: [m1]}
                - {id: m3, label: C, method: mean_of_measures, measures: [m1, m2]}
            """
        ),
        "measures[2].measures",
        "'m2' is itself a combined measure",
    ),
    "combined measure naming an unknown measure": (
        dict(measures="- {id: m2, label: B, method: mean_of_measures, measures: [m9]}\n"),
        "measures[0].measures",
        "unknown measure 'm9'",
    ),
    "scale with one scoring option": (
        dict(scales=SCALES.replace('label: "Yes"}', 'label: "Yes", scoring: false}')),
        "scales.s.options",
        "at least two scoring options",
    ),
    "two options sharing a code": (
        dict(scales=SCALES.replace("code: 9", "code: 2")),
        "scales.s.options",
        "two options share a code",
    ),
    "reverse that is not true or false": (
        dict(items="- {id: q1, text: Q, scale: s, reverse: maybe}\n"),
        "items[0].reverse",
        "expected true or false",
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_it_names_file_field_and_fix_for_each_error(case: str) -> None:
    overrides, field, problem = ERROR_CASES[case]
    check(fails(document(**overrides)), field, problem)


# --- property: bad input only ever raises InputError ----------------------------------------

BASE: dict[str, Any] = yaml.safe_load(document())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=120),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.sampled_from(["q1", "q2", "m1", "s", "mean", "teamwork", "any", "all", ""]),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=4), st.integers(0, 5)), scalars, max_size=3),
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside the parsed document."""
    out: list[tuple[Any, ...]] = []
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        out.append((*prefix, key))
        out.extend(paths(child, (*prefix, key)))
    return out


ALL_PATHS = paths(BASE)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent: Any = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            if not isinstance(parent, (dict, list)):
                raise TypeError
            parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this part
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(values)
    return data


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutated())
def test_it_raises_only_input_errors_for_mutated_documents(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data)
    try:
        instrument = parse_instrument(text, source="x.yaml")
    except InputError as error:
        assert str(error).startswith("x.yaml")
    else:
        assert isinstance(instrument, Instrument)


@pytest.mark.parametrize(
    ("misspelt", "field", "suggestion"),
    [
        ("reverese: true", "items[0].reverese", "did you mean 'reverse'?"),
        ("elemnt: teamwork", "items[0].elemnt", "did you mean 'element'?"),
    ],
)
def test_it_refuses_a_misspelt_field_and_suggests_the_right_one(misspelt, field, suggestion):
    text = """
id: tiny
version: "1"
title: Tiny
scales:
  agree5:
    options:
      - {code: 1, label: "No"}
      - {code: 2, label: "Yes"}
items:
  - id: q1
    text: Question
    scale: agree5
    MISSPELT
measures:
  - {id: m, label: M, method: mean, items: [q1]}
""".replace("MISSPELT", misspelt)
    with pytest.raises(InputError) as caught:
        parse_instrument(text, source="tiny.yaml")
    message = str(caught.value)
    assert "tiny.yaml" in message and f"field '{field}'" in message
    assert suggestion in message and "Fix:" in message
