"""Load and validate instrument YAML files.

Every problem is reported as an :class:`~ethos.errors.InputError` naming the file, the field
path (for example ``items[12].scale``) and the fix. See ``docs/instruments.md`` for the format.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ethos.errors import InputError
from ethos.instruments.model import (
    ELEMENTS,
    METHODS,
    Demographic,
    FreeText,
    Instrument,
    Item,
    Measure,
    Option,
    Scale,
    Section,
)

SHIPPED = ("culture", "pulse", "leadership")
# Shipped and loadable by name, but not a survey: the 360 runs in 360 cycles, not as a survey.
NAMED = (*SHIPPED, "leadership360")
TOP = "id version title description scales items measures demographics free_text sections"
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def shipped_instruments() -> tuple[str, ...]:
    """Names of the shipped survey instruments (``leadership360`` is loadable but not one)."""
    return SHIPPED


def shipped_text(name: str) -> str:
    """The YAML text of a shipped instrument (``culture``, ``pulse``, ``leadership360`` ...)."""
    if name not in NAMED:
        raise KeyError(name)
    path = resources.files("ethos.instruments").joinpath(f"data/{name}.yaml")
    return path.read_text(encoding="utf-8")


def load_instrument(name_or_path: str | Path) -> Instrument:
    """Load a shipped instrument by name (``culture``, ``pulse`` ...) or any YAML file by path."""
    if isinstance(name_or_path, str) and name_or_path in NAMED:
        return parse_instrument(shipped_text(name_or_path), source=f"{name_or_path}.yaml")
    path = Path(name_or_path)
    if not path.is_file():
        raise InputError(
            str(path),
            "no such instrument file." if not path.exists() else "this is not a file.",
            f"give a path to a YAML file or one of the shipped names: {', '.join(NAMED)}.",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(
            str(path), "the file is not UTF-8 text.", "save it as UTF-8 (plain text) YAML."
        ) from None
    except OSError as exc:
        raise InputError(
            str(path),
            f"the file could not be read ({exc.strerror}).",
            "check the path and its permissions.",
        ) from None
    return parse_instrument(text, source=str(path))


def _unreadable_row(text: str) -> int:
    """The line of the first scalar YAML cannot turn into a value (1 when nesting is too deep)."""
    try:
        stack = [yaml.compose(text, Loader=yaml.SafeLoader)]
    except (yaml.YAMLError, RecursionError):
        return 1
    loader = yaml.SafeLoader("")
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except (ValueError, yaml.YAMLError):
                return node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
    return 1


def parse_instrument(text: str, *, source: str = "<instrument>") -> Instrument:
    """Parse instrument YAML text; ``source`` names the file in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError(
            source,
            f"this is not valid YAML ({getattr(exc, 'problem', exc)}).",
            "check the indentation and quoting near that line.",
            row=row,
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. date 2024-02-30, a 5,000-digit number
        raise InputError(
            source,
            f"a value could not be read ({str(exc)[:120] or type(exc).__name__}).",
            "check dates (YYYY-MM-DD), very long numbers and deeply nested lists.",
            row=_unreadable_row(text),
        ) from None
    return _Builder(source).instrument(data)


class _Builder:
    """Turns parsed YAML into an :class:`Instrument`, failing on the first problem."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str, fix: str) -> InputError:
        return InputError(self.source, problem, fix, field=path or None)

    def fields(self, value: Any, path: str, allowed: str) -> Mapping[str, Any]:
        """A mapping whose keys must all be among ``allowed`` (space-separated names).

        A misspelt key (``reverese: true``) would otherwise be ignored silently and leave a
        default in place, so it is an error that suggests the nearest known field.
        """
        data = self.mapping(value, path)
        known = allowed.split()
        for key in data:
            if key not in known:
                near = difflib.get_close_matches(str(key), known, n=1)
                hint = f"did you mean '{near[0]}'? " if near else ""
                raise self.fail(
                    f"{path}.{key}".lstrip("."),
                    f"unknown field '{key}'.",
                    f"{hint}Fields here: {', '.join(known)}.",
                )
        return data

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, "expected a mapping of fields.", "write 'key: value' lines here.")
        return value

    def seq(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, "expected a list.", "write one '- ' entry per line here.")
        return value

    def text(self, data: Mapping[str, Any], key: str, path: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{path}.{key}".lstrip("."), "this field is missing.", f"add '{key}:'.")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value):
            raise self.fail(f"{path}.{key}".lstrip("."), "expected some text.", "give a value.")
        return str(value)

    def ident(self, data: Mapping[str, Any], path: str) -> str:
        value = self.text(data, "id", path)
        if not set(value) <= _ID_CHARS or not value[0].isalpha():
            raise self.fail(
                f"{path}.id".lstrip("."),
                f"'{value}' is not a valid id.",
                "use lower-case letters, digits and underscores, starting with a letter.",
            )
        return value

    def whole(self, value: Any, path: str, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(
                path,
                f"expected a whole number of at least {minimum}, got {value!r}.",
                "write a whole number.",
            )
        return value

    def flag(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {value!r}.", "write true or false.")
        return value

    def element(self, data: Mapping[str, Any], path: str) -> str | None:
        value = data.get("element")
        if value is not None and value not in ELEMENTS:
            raise self.fail(
                f"{path}.element",
                f"unknown cultural element '{value}'.",
                f"use one of: {', '.join(ELEMENTS)}.",
            )
        return value

    def unique(self, ids: list[str], path: str, what: str) -> None:
        seen: set[str] = set()
        for index, value in enumerate(ids):
            if value in seen:
                raise self.fail(
                    f"{path}[{index}].id",
                    f"the {what} id '{value}' is used twice.",
                    f"give every {what} its own id.",
                )
            seen.add(value)

    def instrument(self, raw: Any) -> Instrument:
        data = self.fields(raw, "", TOP)
        scales = self.scales(data.get("scales"))
        items = self.listed(data, "items", lambda d, p: self.item(d, p, scales))
        measures = self.measures(data, {i.id for i in items})
        return Instrument(
            id=self.ident(data, ""),
            version=self.text(data, "version", ""),
            title=self.text(data, "title", ""),
            description=str(data.get("description") or ""),
            scales=scales,
            items=tuple(items),
            measures=tuple(measures),
            demographics=tuple(self.listed(data, "demographics", self.demographic, required=False)),
            free_text=tuple(self.listed(data, "free_text", self.free_text, required=False)),
            sections=self.sections(data, [i.id for i in items]),
            source=self.source,
        )

    def listed(
        self,
        data: Mapping[str, Any],
        key: str,
        build: Callable[[Any, str], Any],
        required: bool = True,
    ) -> list[Any]:
        if key not in data and not required:
            return []
        entries = self.seq(data.get(key), key)
        if required and not entries:
            raise self.fail(key, "the list is empty.", f"add at least one entry under '{key}'.")
        built = [build(entry, f"{key}[{i}]") for i, entry in enumerate(entries)]
        self.unique([b.id for b in built], key, key.rstrip("s").replace("_", " "))
        return built

    def scales(self, raw: Any) -> dict[str, Scale]:
        scales = self.mapping(raw, "scales")
        if not scales:
            raise self.fail("scales", "no scales are defined.", "define at least one scale.")
        return {
            str(sid): self.scale(str(sid), body, f"scales.{sid}") for sid, body in scales.items()
        }

    def scale(self, sid: str, raw: Any, path: str) -> Scale:
        entries = self.seq(self.fields(raw, path, "options").get("options"), f"{path}.options")
        options = [self.option(e, f"{path}.options[{i}]") for i, e in enumerate(entries)]
        if len({o.code for o in options}) != len(options):
            raise self.fail(
                f"{path}.options", "two options share a code.", "give each its own code."
            )
        if sum(o.score is not None for o in options) < 2:
            raise self.fail(
                f"{path}.options",
                "a scale needs at least two scoring options.",
                "add options, or mark fewer as 'scoring: false'.",
            )
        return Scale(sid, tuple(self.spread(options)))

    def option(self, raw: Any, path: str) -> Option:
        data = self.fields(raw, path, "code label score scoring")
        code = self.whole(data.get("code"), f"{path}.code")
        scoring = self.flag(data.get("scoring", True), f"{path}.scoring")
        score = data.get("score")
        if score is not None and (
            isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 10
        ):
            raise self.fail(
                f"{path}.score",
                f"score must be a number from 0 to 10, got {score!r}.",
                "use the 0-10 reporting scale.",
            )
        # A placeholder score of -1 marks "scoring, value to be spread evenly" for spread().
        value = (float(score) if score is not None else -1.0) if scoring else None
        return Option(code=code, label=self.text(data, "label", path), score=value)

    @staticmethod
    def spread(options: list[Option]) -> list[Option]:
        """Give scoring options without an explicit score evenly spaced 0-10 values in order."""
        scoring = [o for o in options if o.score is not None]
        last = len(scoring) - 1
        values = {
            o.code: (o.score if o.score >= 0 else 10.0 * i / last)  # type: ignore[operator]
            for i, o in enumerate(scoring)
        }
        return [Option(o.code, o.label, values.get(o.code)) for o in options]

    def item(self, raw: Any, path: str, scales: Mapping[str, Scale]) -> Item:
        data = self.fields(raw, path, "id text scale reverse element")
        scale = self.text(data, "scale", path)
        if scale not in scales:
            raise self.fail(
                f"{path}.scale",
                f"unknown scale '{scale}'.",
                f"use one of: {', '.join(scales)}, or define it under 'scales'.",
            )
        return Item(
            id=self.ident(data, path),
            text=self.text(data, "text", path),
            scale=scale,
            reverse=self.flag(data.get("reverse", False), f"{path}.reverse"),
            element=self.element(data, path),
        )

    def measures(self, data: Mapping[str, Any], item_ids: set[str]) -> list[Measure]:
        measures: list[Measure] = self.listed(data, "measures", self.measure)
        known = {m.id for m in measures}
        for index, measure in enumerate(measures):
            path = f"measures[{index}]"
            for item in measure.items:
                if item not in item_ids:
                    raise self.fail(
                        f"{path}.items",
                        f"unknown item '{item}'.",
                        "list ids of items defined under 'items'.",
                    )
            for part in measure.measures:
                if part not in known or part == measure.id:
                    raise self.fail(
                        f"{path}.measures",
                        f"unknown measure '{part}'.",
                        "list ids of other measures defined under 'measures'.",
                    )
                if measures[[m.id for m in measures].index(part)].method == "mean_of_measures":
                    raise self.fail(
                        f"{path}.measures",
                        f"'{part}' is itself a combined measure.",
                        "combine only measures built directly from items.",
                    )
        return measures

    def measure(self, raw: Any, path: str) -> Measure:
        data = self.fields(
            raw, path, "id label method items measures min_answered rule element group"
        )
        method = self.text(data, "method", path)
        if method not in METHODS:
            raise self.fail(
                f"{path}.method",
                f"unknown scoring method '{method}'.",
                f"use one of: {', '.join(METHODS)}.",
            )
        combined = method == "mean_of_measures"
        key = "measures" if combined else "items"
        parts = [str(v) for v in self.seq(data.get(key), f"{path}.{key}")]
        if not parts:
            raise self.fail(f"{path}.{key}", "the list is empty.", f"list the {key} it uses.")
        rule = self.text(data, "rule", path, default="any")
        if rule not in ("any", "all"):
            raise self.fail(f"{path}.rule", f"unknown rule '{rule}'.", "use 'any' or 'all'.")
        minimum = self.whole(
            data.get("min_answered", len(parts) if combined else 1),
            f"{path}.min_answered",
            minimum=1,
        )
        if minimum > len(parts):
            raise self.fail(
                f"{path}.min_answered",
                f"min_answered is {minimum} but the measure has only {len(parts)}.",
                f"use a number from 1 to {len(parts)}.",
            )
        return Measure(
            id=self.ident(data, path),
            label=self.text(data, "label", path),
            method=method,
            items=() if combined else tuple(parts),
            measures=tuple(parts) if combined else (),
            min_answered=minimum,
            rule=rule,
            element=self.element(data, path),
            group=str(data["group"]) if data.get("group") is not None else None,
        )

    def demographic(self, raw: Any, path: str) -> Demographic:
        data = self.fields(raw, path, "id text options bands not_stated")
        entries = self.seq(data.get("options"), f"{path}.options")
        options = []
        for i, entry in enumerate(entries):
            body = self.fields(entry, f"{path}.options[{i}]", "code label")
            code = self.whole(body.get("code"), f"{path}.options[{i}].code")
            options.append(Option(code, self.text(body, "label", f"{path}.options[{i}]"), None))
        codes = {o.code for o in options}
        if len(codes) != len(options):
            raise self.fail(
                f"{path}.options", "two options share a code.", "give each its own code."
            )
        not_stated = tuple(
            self.whole(c, f"{path}.not_stated")
            for c in self.seq(data.get("not_stated", []), f"{path}.not_stated")
        )
        bands = self.bands(data.get("bands"), f"{path}.bands", codes, set(not_stated))
        for code in not_stated:
            if code not in codes:
                raise self.fail(
                    f"{path}.not_stated",
                    f"code {code} is not an option.",
                    "list codes of this question's options.",
                )
        return Demographic(
            self.ident(data, path), self.text(data, "text", path), tuple(options), bands, not_stated
        )

    def bands(
        self, raw: Any, path: str, codes: set[int], not_stated: set[int]
    ) -> tuple[tuple[str, tuple[int, ...]], ...]:
        if raw is None:
            return ()
        bands = self.mapping(raw, path)
        out: list[tuple[str, tuple[int, ...]]] = []
        covered: set[int] = set()
        for name, members in bands.items():
            values = tuple(
                self.whole(c, f"{path}.{name}") for c in self.seq(members, f"{path}.{name}")
            )
            for code in values:
                if code not in codes or code in covered or code in not_stated:
                    raise self.fail(
                        f"{path}.{name}",
                        f"code {code} is unknown or already banded.",
                        "put each option code in exactly one band.",
                    )
                covered.add(code)
            out.append((str(name), values))
        missing = codes - covered - not_stated
        if missing:
            raise self.fail(
                path,
                f"codes {sorted(missing)} are in no band.",
                "put them in a band or list them under 'not_stated'.",
            )
        return tuple(out)

    def sections(self, data: Mapping[str, Any], item_ids: list[str]) -> tuple[Section, ...]:
        """Pages of the questionnaire; when given, every item sits in exactly one section."""
        sections = self.listed(data, "sections", self.section, required=False)
        placed: dict[str, str] = {}
        for index, section in enumerate(sections):
            for item in section.items:
                where = f"sections[{index}].items"
                if item not in item_ids:
                    raise self.fail(where, f"unknown item '{item}'.", "list ids from 'items'.")
                if item in placed:
                    raise self.fail(
                        where,
                        f"item '{item}' is already in section '{placed[item]}'.",
                        "put each item in one section.",
                    )
                placed[item] = section.id
        missing = [i for i in item_ids if i not in placed]
        if sections and missing:
            raise self.fail(
                "sections",
                f"{len(missing)} item(s) are in no section, first '{missing[0]}'.",
                "add them to a section.",
            )
        return tuple(sections)

    def section(self, raw: Any, path: str) -> Section:
        data = self.fields(raw, path, "id title items")
        items = self.seq(data.get("items"), f"{path}.items")
        if not items:
            raise self.fail(f"{path}.items", "the section has no items.", "list its item ids.")
        return Section(
            self.ident(data, path), self.text(data, "title", path), tuple(str(i) for i in items)
        )

    def free_text(self, raw: Any, path: str) -> FreeText:
        data = self.fields(raw, path, "id text element")
        return FreeText(
            self.ident(data, path), self.text(data, "text", path), self.element(data, path)
        )
