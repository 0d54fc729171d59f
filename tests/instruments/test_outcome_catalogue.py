"""Tests for the outcome indicator catalogue: the shipped file and the validating loader."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from ethos.errors import InputError
from ethos.instruments.outcomes import (
    DIRECTIONS,
    SECTORS,
    UNITS,
    OutcomeCatalogue,
    load_outcome_catalogue,
    parse_outcome_catalogue,
)

GROUPS = ("clinical_effectiveness", "positive_experience", "safety", "workforce", "finance")

MINIMAL: dict[str, Any] = {
    "id": "own",
    "version": "1",
    "title": "Our indicators",
    "groups": [{"id": "safety", "name": "Safety"}, {"id": "money", "name": "Money"}],
    "indicators": [
        {
            "id": "falls",
            "name": "Falls",
            "group": "safety",
            "unit": "count",
            "direction": "lower_better",
            "sectors": ["acute", "community"],
        },
        {
            "id": "spend",
            "name": "Spend",
            "group": "money",
            "unit": "pounds",
            "direction": "neutral",
            "sectors": ["all"],
            "description": "Everything we spend.",
        },
    ],
}


def document(change: Any = None) -> str:
    """The minimal catalogue as YAML, after ``change(data)`` edits a deep copy of it."""
    data = copy.deepcopy(MINIMAL)
    if change is not None:
        change(data)
    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture(scope="module")
def shipped() -> OutcomeCatalogue:
    return load_outcome_catalogue()


# --- the shipped catalogue ------------------------------------------------------------------


def test_the_shipped_catalogue_loads_with_five_metric_groups(shipped: OutcomeCatalogue) -> None:
    assert shipped.source == "outcomes.yaml" and shipped.title and shipped.description
    assert tuple(g.id for g in shipped.groups) == GROUPS
    assert 15 <= len(shipped.indicators) <= 25
    for group in shipped.groups:
        assert group.name and shipped.in_group(group.id), group.id
    for indicator in shipped.indicators:
        assert indicator.unit in UNITS and indicator.direction in DIRECTIONS
        assert indicator.sectors and set(indicator.sectors) <= set(SECTORS)
        assert indicator.name and indicator.source, indicator.id


def test_the_shipped_catalogue_has_the_indicators_the_dashboard_needs(
    shipped: OutcomeCatalogue,
) -> None:
    fft = shipped.by_id["fft_recommend"]
    assert (fft.group, fft.unit, fft.direction) == (
        "positive_experience",
        "percent",
        "higher_better",
    )
    assert fft.sectors == SECTORS
    for wanted, group in (
        ("falls_per_1000_bed_days", "safety"),
        ("never_events", "safety"),
        ("sickness_absence", "workforce"),
        ("staff_turnover", "workforce"),
        ("agency_spend", "workforce"),
        ("vacancy_rate", "workforce"),
        ("budget_variance", "finance"),
    ):
        assert shipped.by_id[wanted].group == group
    assert shipped.by_id["falls_per_1000_bed_days"].unit == "rate_per_1000"


def test_it_picks_the_indicators_of_a_sector(shipped: OutcomeCatalogue) -> None:
    acute = {i.id for i in shipped.for_sector("acute")}
    mental = {i.id for i in shipped.for_sector("mental_health")}
    assert "emergency_four_hours" in acute and "emergency_four_hours" not in mental
    assert "follow_up_72_hours" in mental and "follow_up_72_hours" not in acute
    assert "category_1_response" in {i.id for i in shipped.for_sector("ambulance")}
    assert 15 <= len(acute) <= 25
    with pytest.raises(ValueError, match="unknown sector"):
        shipped.for_sector("hospital")


# --- an organisation's own file -------------------------------------------------------------


def test_it_loads_an_organisations_own_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "own.yaml"
    path.write_text(document(), encoding="utf-8")
    catalogue = load_outcome_catalogue(path)
    assert catalogue.source == str(path) and catalogue.id == "own"
    assert [i.id for i in catalogue.indicators] == ["falls", "spend"]
    assert catalogue.by_id["spend"].sectors == SECTORS  # 'all' expands
    assert catalogue.by_id["falls"].sectors == ("acute", "community")
    assert catalogue.by_id["falls"].description == ""
    assert load_outcome_catalogue(str(path)) == catalogue


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: None, "no such catalogue file"),
        (lambda p: p.mkdir(), "this is not a file"),
        (lambda p: p.write_bytes(b"id: \xff\xfe\n"), "not UTF-8"),
    ],
)
def test_it_names_a_file_it_cannot_read(tmp_path: Path, make: Any, problem: str) -> None:
    path = tmp_path / "catalogue.yaml"
    make(path)
    with pytest.raises(InputError) as info:
        load_outcome_catalogue(path)
    assert str(path) in str(info.value) and problem in str(info.value)
    assert "Fix:" in str(info.value)


def test_it_reports_yaml_that_does_not_parse_with_its_line() -> None:
    with pytest.raises(InputError) as info:
        parse_outcome_catalogue("id: own\ngroups: [\n  - broken: [", source="own.yaml")
    assert info.value.source == "own.yaml" and info.value.row is not None
    assert "not valid YAML" in str(info.value)


def test_it_reports_a_value_yaml_cannot_read() -> None:
    with pytest.raises(InputError) as info:
        parse_outcome_catalogue(document() + "when: 2024-02-30\n", source="own.yaml")
    assert (
        "could not be read" in str(info.value)
        and info.value.row == len(document().splitlines()) + 1
    )


def _set(path: str, value: Any) -> Any:
    """A change that sets the field at dotted ``path`` (list indices as numbers)."""

    def change(data: Any) -> None:
        *parents, last = path.split(".")
        for part in parents:
            data = data[int(part)] if part.isdigit() else data[part]
        data[int(last) if last.isdigit() else last] = value

    return change


def _drop(path: str) -> Any:
    def change(data: Any) -> None:
        *parents, last = path.split(".")
        for part in parents:
            data = data[int(part)] if part.isdigit() else data[part]
        del data[last]

    return change


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (_set("titel", "x"), "titel", "unknown field 'titel'"),
        (_drop("id"), "id", "this field is missing"),
        (_set("id", "Our Set"), "id", "is not a valid id"),
        (_drop("version"), "version", "this field is missing"),
        (_set("title", ["a"]), "title", "expected some text"),
        (_drop("groups"), "groups", "expected a list"),
        (_set("groups", []), "groups", "the list is empty"),
        (_set("groups.0", "safety"), "groups[0]", "expected a mapping"),
        (_set("groups.0.colour", "red"), "groups[0].colour", "unknown field 'colour'"),
        (_drop("groups.0.name"), "groups[0].name", "this field is missing"),
        (_set("groups.1.id", "safety"), "groups[1].id", "used twice"),
        (_set("groups.0.description", {"a": 1}), "groups[0].description", "expected some text"),
        (_set("indicators", []), "indicators", "the list is empty"),
        (_set("indicators.0.units", "count"), "indicators[0].units", "did you mean 'unit'"),
        (_set("indicators.1.id", "falls"), "indicators[1].id", "used twice"),
        (_set("indicators.0.id", "9falls"), "indicators[0].id", "is not a valid id"),
        (_drop("indicators.0.name"), "indicators[0].name", "this field is missing"),
        (_set("indicators.0.group", "quality"), "indicators[0].group", "unknown group 'quality'"),
        (_drop("indicators.0.group"), "indicators[0].group", "this field is missing"),
        (_set("indicators.0.unit", "euros"), "indicators[0].unit", "unknown unit 'euros'"),
        (_set("indicators.0.direction", "up"), "indicators[0].direction", "unknown direction"),
        (_drop("indicators.0.sectors"), "indicators[0].sectors", "this field is missing"),
        (_set("indicators.0.sectors", "acute"), "indicators[0].sectors", "expected a list"),
        (_set("indicators.0.sectors", []), "indicators[0].sectors", "the list is empty"),
        (_set("indicators.0.sectors", ["hospice"]), "indicators[0].sectors", "unknown sector"),
        (_set("indicators.0.source", ["a"]), "indicators[0].source", "expected some text"),
    ],
)
def test_a_bad_file_gets_an_error_naming_the_file_the_field_and_the_problem(
    change: Any, field: str, problem: str
) -> None:
    with pytest.raises(InputError) as info:
        parse_outcome_catalogue(document(change), source="trust-outcomes.yaml")
    error = info.value
    assert error.source == "trust-outcomes.yaml" and error.field == field
    message = str(error)
    assert problem in message
    assert message.startswith("trust-outcomes.yaml") and f"field '{field}'" in message
    assert "Fix:" in message


def test_every_allowed_value_is_accepted() -> None:
    for unit in UNITS:
        for direction in DIRECTIONS:
            text = document(
                lambda d, u=unit, r=direction: d["indicators"][0].update(unit=u, direction=r)
            )
            indicator = parse_outcome_catalogue(text).indicators[0]
            assert (indicator.unit, indicator.direction) == (unit, direction)
