"""The shipped leadership instruments: the 360 and the aggregate leadership behaviours survey.

Both ask the same behaviour and value statements, the 360 about "this person" and the survey
about "my line manager", with the same item ids; the eight statements the culture survey
already asks keep its ids, wording and scale.
"""

from __future__ import annotations

import pytest

from ethos.instruments.loader import load_instrument, shipped_instruments
from ethos.instruments.model import Instrument

BEHAVIOURS = ("attending", "understanding", "empathising", "helping")
VALUES = (
    "working_together",
    "respect_dignity",
    "quality_of_care",
    "compassion",
    "improving_lives",
    "everyone_counts",
)
SURVEY_DEMOGRAPHICS = ("staff_group", "pay_band", "ethnicity", "disability", "sex", "age_band")


@pytest.fixture(scope="module")
def three_sixty() -> Instrument:
    return load_instrument("leadership360")


@pytest.fixture(scope="module")
def survey() -> Instrument:
    return load_instrument("leadership")


@pytest.fixture(scope="module")
def culture() -> Instrument:
    return load_instrument("culture")


@pytest.fixture(params=["leadership360", "leadership"])
def either(request: pytest.FixtureRequest) -> Instrument:
    return load_instrument(request.param)


def test_both_load_by_name(three_sixty: Instrument, survey: Instrument) -> None:
    assert (three_sixty.id, three_sixty.source) == ("leadership360", "leadership360.yaml")
    assert (survey.id, survey.source) == ("leadership", "leadership.yaml")
    assert three_sixty.version == survey.version == "1.0"


def test_only_the_aggregate_survey_is_offered_as_a_survey() -> None:
    assert "leadership" in shipped_instruments()
    assert "leadership360" not in shipped_instruments()


def test_each_behaviour_has_at_least_three_items(either: Instrument) -> None:
    for behaviour in BEHAVIOURS:
        measure = either.measure(behaviour)
        assert measure.method == "mean" and len(measure.items) >= 3, behaviour
        assert measure.group == "compassionate_leadership"


def test_each_value_has_one_or_two_items(either: Instrument) -> None:
    for value in VALUES:
        measure = either.measure(value)
        assert measure.method == "mean" and 1 <= len(measure.items) <= 2, value
        assert measure.group == "values"


def test_the_overall_measures_cover_every_behaviour_and_value(either: Instrument) -> None:
    overall = set(either.measure("compassionate_leadership").items)
    assert overall == {i for b in BEHAVIOURS for i in either.measure(b).items}
    values = set(either.measure("values").items)
    assert values == {i for v in VALUES for i in either.measure(v).items}
    assert {m.id for m in either.measures} == {
        *BEHAVIOURS,
        *VALUES,
        "compassionate_leadership",
        "values",
    }


def test_every_item_is_in_exactly_one_behaviour_or_value(either: Instrument) -> None:
    homes = [m for m in either.measures if m.id in BEHAVIOURS + VALUES]
    for item in either.item_ids:
        assert sum(item in m.items for m in homes) == 1, item


def test_the_360_is_about_this_person_with_a_not_seen_option(three_sixty: Instrument) -> None:
    for item in three_sixty.items:
        assert "this person" in item.text.lower(), item.id
        scale = three_sixty.scales[item.scale]
        scores = [o.score for o in scale.options if o.score is not None]
        assert scores == [0.0, 2.5, 5.0, 7.5, 10.0]
        unseen = [o for o in scale.options if o.score is None]
        assert [o.label for o in unseen] == ["I have not seen enough to say"]


def test_the_360_asks_no_demographics_and_two_open_questions(three_sixty: Instrument) -> None:
    assert three_sixty.demographics == ()
    assert [f.id for f in three_sixty.free_text] == ["ft_keep_doing", "ft_do_more"]
    assert "keep doing" in three_sixty.free_text[0].text
    assert "more of" in three_sixty.free_text[1].text


def test_the_survey_is_about_my_line_manager(survey: Instrument) -> None:
    for item in survey.items:
        assert item.text.startswith(("My line manager", "When I")), item.id
        assert "my line manager" in item.text.lower(), item.id


def test_the_360_and_survey_ask_the_same_items(three_sixty: Instrument, survey: Instrument) -> None:
    assert three_sixty.item_ids == survey.item_ids
    for a, b in zip(three_sixty.measures, survey.measures, strict=True):
        assert (a.id, a.items, a.min_answered) == (b.id, b.items, b.min_answered)


def test_items_shared_with_culture_keep_its_wording(
    survey: Instrument, culture: Instrument
) -> None:
    shared = [i for i in survey.item_ids if i in culture.item_ids]
    assert len(shared) == 8 and all(i.startswith("cl_") for i in shared)
    for item in shared:
        ours, theirs = survey.item(item), culture.item(item)
        assert (ours.text, ours.reverse) == (theirs.text, theirs.reverse)
        assert survey.scales[ours.scale] == culture.scales[theirs.scale]


def test_the_survey_reuses_the_culture_demographics(
    survey: Instrument, culture: Instrument
) -> None:
    assert tuple(d.id for d in survey.demographics) == SURVEY_DEMOGRAPHICS
    for question in survey.demographics:
        assert question == culture.demographic(question.id)


def test_every_item_is_on_one_page(either: Instrument) -> None:
    placed = [i for s in either.sections for i in s.items]
    assert sorted(placed) == sorted(either.item_ids)
    assert [s.id for s in either.sections] == [*BEHAVIOURS, "values"]
