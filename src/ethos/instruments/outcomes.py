"""The outcome indicator catalogue: what the culture and outcomes dashboard shows (M8).

Indicators of clinical effectiveness, patient experience, safety, the workforce and finance
sit in metric groups. Each has a unit of measure, a direction (which way is better) and the
sectors it suits. Ethos ships a catalogue (``data/outcomes.yaml``); an organisation can load
its own file in the same format. Every problem is an :class:`~ethos.errors.InputError` naming
the file, the field path (for example ``indicators[3].unit``) and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ethos.errors import InputError
from ethos.instruments.loader import _Builder, _unreadable_row

SHIPPED_NAME = "outcomes.yaml"
SECTORS: tuple[str, ...] = ("acute", "mental_health", "community", "ambulance", "primary_care")
ALL_SECTORS = "all"
UNITS: dict[str, str] = {
    "percent": "%",
    "rate_per_1000": "per 1,000",
    "count": "count",
    "pounds": "£",
    "days": "days",
    "minutes": "minutes",
}
"""Units of measure, each with the short label shown beside a value."""
DIRECTIONS: tuple[str, ...] = ("higher_better", "lower_better", "neutral")
TOP = "id version title description groups indicators"
GROUP_FIELDS = "id name description"
INDICATOR_FIELDS = "id name group unit direction sectors description source"


@dataclass(frozen=True, slots=True)
class MetricGroup:
    """A group of indicators, such as safety or finance."""

    id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Indicator:
    """One outcome indicator; ``unit`` is a key of :data:`UNITS`."""

    id: str
    name: str
    group: str
    unit: str
    direction: str
    sectors: tuple[str, ...]
    description: str = ""
    source: str = ""

    def applies_to(self, sector: str) -> bool:
        return sector in self.sectors


@dataclass(frozen=True, slots=True)
class OutcomeCatalogue:
    """A validated catalogue: metric groups and their indicators, in file order."""

    id: str
    version: str
    title: str
    description: str
    groups: tuple[MetricGroup, ...]
    indicators: tuple[Indicator, ...]
    source: str

    @property
    def by_id(self) -> dict[str, Indicator]:
        """Indicators keyed by id."""
        return {i.id: i for i in self.indicators}

    def in_group(self, group: str) -> tuple[Indicator, ...]:
        """The indicators of metric group ``group``, in file order."""
        return tuple(i for i in self.indicators if i.group == group)

    def for_sector(self, sector: str) -> tuple[Indicator, ...]:
        """The indicators that apply to ``sector`` (one of :data:`SECTORS`), in file order."""
        if sector not in SECTORS:
            raise ValueError(f"unknown sector {sector!r}; use one of: {', '.join(SECTORS)}.")
        return tuple(i for i in self.indicators if i.applies_to(sector))


def load_outcome_catalogue(path: str | Path | None = None) -> OutcomeCatalogue:
    """Load the shipped catalogue (``path=None``) or an organisation's own YAML file."""
    if path is None:
        shipped = resources.files("ethos.instruments").joinpath(f"data/{SHIPPED_NAME}")
        return parse_outcome_catalogue(shipped.read_text(encoding="utf-8"), source=SHIPPED_NAME)
    file = Path(path)
    if not file.is_file():
        problem = "no such catalogue file." if not file.exists() else "this is not a file."
        raise InputError(str(file), problem, "give the path to a YAML outcome catalogue.")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(
            str(file), "the file is not UTF-8 text.", "save it as UTF-8 (plain text) YAML."
        ) from None
    except OSError as exc:
        raise InputError(
            str(file),
            f"the file could not be read ({exc.strerror}).",
            "check the path and its permissions.",
        ) from None
    return parse_outcome_catalogue(text, source=str(file))


def parse_outcome_catalogue(text: str, *, source: str = "<catalogue>") -> OutcomeCatalogue:
    """Parse catalogue YAML text; ``source`` names the file in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            source,
            f"this is not valid YAML ({getattr(exc, 'problem', exc)}).",
            "check the indentation and quoting near that line.",
            row=mark.line + 1 if mark is not None else None,
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(
            source,
            f"a value could not be read ({str(exc)[:120] or type(exc).__name__}).",
            "check very long numbers, dates and deeply nested lists.",
            row=_unreadable_row(text),
        ) from None
    return _CatalogueBuilder(source).catalogue(data)


class _CatalogueBuilder(_Builder):
    """Turns parsed YAML into an :class:`OutcomeCatalogue`, failing on the first problem."""

    def catalogue(self, raw: Any) -> OutcomeCatalogue:
        data = self.fields(raw, "", TOP)
        groups = self.listed(data, "groups", self.group)
        known = {g.id: g for g in groups}
        indicators = self.listed(data, "indicators", lambda d, p: self.indicator(d, p, known))
        return OutcomeCatalogue(
            id=self.ident(data, ""),
            version=self.text(data, "version", ""),
            title=self.text(data, "title", ""),
            description=str(data.get("description") or ""),
            groups=tuple(groups),
            indicators=tuple(indicators),
            source=self.source,
        )

    def group(self, raw: Any, path: str) -> MetricGroup:
        data = self.fields(raw, path, GROUP_FIELDS)
        return MetricGroup(
            id=self.ident(data, path),
            name=self.text(data, "name", path),
            description=self.optional(data, "description", path),
        )

    def indicator(self, raw: Any, path: str, groups: Mapping[str, MetricGroup]) -> Indicator:
        data = self.fields(raw, path, INDICATOR_FIELDS)
        return Indicator(
            id=self.ident(data, path),
            name=self.text(data, "name", path),
            group=self.choice(data, "group", path, tuple(groups), "a group id from 'groups'"),
            unit=self.choice(data, "unit", path, tuple(UNITS), "a unit of measure"),
            direction=self.choice(data, "direction", path, DIRECTIONS, "a direction"),
            sectors=self.sectors(data.get("sectors"), f"{path}.sectors"),
            description=self.optional(data, "description", path),
            source=self.optional(data, "source", path),
        )

    def choice(
        self, data: Mapping[str, Any], key: str, path: str, allowed: tuple[str, ...], what: str
    ) -> str:
        value = self.text(data, key, path)
        if value not in allowed:
            raise self.fail(
                f"{path}.{key}",
                f"unknown {key} '{value}'.",
                f"use {what}: {', '.join(allowed)}.",
            )
        return value

    def optional(self, data: Mapping[str, Any], key: str, path: str) -> str:
        if data.get(key) is None:
            return ""
        return self.text(data, key, path)

    def sectors(self, raw: Any, path: str) -> tuple[str, ...]:
        if raw is None:
            raise self.fail(path, "this field is missing.", "add 'sectors: [all]' or a list.")
        values = self.seq(raw, path)
        if not values:
            raise self.fail(path, "the list is empty.", "list at least one sector, or 'all'.")
        out: list[str] = []
        for value in values:
            if value == ALL_SECTORS:
                out.extend(SECTORS)
            elif value in SECTORS:
                out.append(value)
            else:
                raise self.fail(
                    path,
                    f"unknown sector {value!r}.",
                    f"use '{ALL_SECTORS}' or some of: {', '.join(SECTORS)}.",
                )
        return tuple(s for s in SECTORS if s in out)
