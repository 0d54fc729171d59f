"""How each column of a workforce file is read: the kinds of cell, and the spellings accepted.

A :class:`Column` turns one cell's text into a typed value or a :class:`Problem` that names
the row, the column, what is wrong and the fix (with a did-you-mean for near misses). The
file-level rules (which columns each file has, references between files) live in
:mod:`ethos.workforce.files`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from ethos.organisations.tables import Problem
from ethos.workforce import schema

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-01)?$")


@dataclass(frozen=True)
class Column:
    """One column: its name, whether it must be filled in, and how its text is read."""

    name: str
    read: Callable[[str], Any]  # raises ValueError(message, fix) for a bad value
    required: bool = True
    max_length: int = 200
    choices: tuple[str, ...] = field(default=())

    def value(self, number: int, text: str) -> tuple[Any, Problem | None]:
        if not text:
            if self.required:
                fix = _("Fill in the %(name)s, or delete the row.") % {"name": self.name}
                return None, Problem(number, self.name, _("This is blank."), fix)
            return None, None
        if len(text) > self.max_length:
            message = _("This is longer than %(n)s characters.") % {"n": self.max_length}
            return None, Problem(number, self.name, message, _("Shorten it."))
        try:
            return self.read(text), None
        except ValueError as exc:
            message, fix = exc.args
            return None, Problem(number, self.name, message, fix)


def text(name: str, required: bool = True, max_length: int = 200) -> Column:
    return Column(name, str, required, max_length)


def yes_no(name: str, required: bool = True) -> Column:
    def read(value: str) -> bool:
        lowered = value.lower()
        if lowered in YES | NO:
            return lowered in YES
        raise ValueError(
            _("'%(value)s' is not yes or no.") % {"value": value},
            _("Write yes or no (true, false, 1 or 0 also work)."),
        )

    return Column(name, read, required)


def iso_date(name: str, required: bool = True) -> Column:
    def read(value: str) -> date:
        try:
            return date.fromisoformat(value[:10] if len(value) > 10 else value)
        except ValueError:
            raise ValueError(
                _("'%(value)s' is not a date Ethos can read.") % {"value": value},
                _("Write dates as YYYY-MM-DD, for example 2025-04-01."),
            ) from None

    return Column(name, read, required)


def month(name: str) -> Column:
    def read(value: str) -> date:
        found = _MONTH.match(value)
        if found and 1 <= int(found.group(2)) <= 12:
            return date(int(found.group(1)), int(found.group(2)), 1)
        raise ValueError(
            _("'%(value)s' is not a month Ethos can read.") % {"value": value},
            _("Write months as YYYY-MM, for example 2025-04."),
        )

    return Column(name, read)


def number(name: str) -> Column:
    def read(value: str) -> float:
        try:
            result = float(value.replace(",", ""))
        except ValueError:
            result = float("nan")
        if result != result or result in (float("inf"), float("-inf")):
            raise ValueError(
                _("'%(value)s' is not a number.") % {"value": value},
                _("Write a plain number such as 12.5, without units or symbols."),
            )
        return result

    return Column(name, read)


def choice(
    name: str,
    values: tuple[str, ...],
    aliases: Mapping[str, str] | None = None,
    required: bool = True,
) -> Column:
    """A cell that must be one of ``values`` (any case), or an alias of one."""
    lookup = {_key(v): v for v in values}
    lookup.update({_key(k): v for k, v in (aliases or {}).items()})

    def read(value: str) -> str:
        found = lookup.get(_key(value))
        if found is not None:
            return found
        close = difflib.get_close_matches(_key(value), list(lookup), n=1, cutoff=0.75)
        message = _("'%(value)s' is not one of the %(name)s values Ethos knows.") % {
            "value": value,
            "name": name,
        }
        if close:
            return _raise(message, _("Did you mean '%(match)s'?") % {"match": lookup[close[0]]})
        return _raise(message, _("Use one of: %(values)s.") % {"values": ", ".join(values)})

    return Column(name, read, required, choices=values)


def _raise(message: str, fix: str) -> str:
    raise ValueError(message, fix)


def _key(value: str) -> str:
    return " ".join(value.lower().replace("_", " ").split())


# --- ethnicity and disability: bands, and the detailed categories that map to them ---------


@cache
def ethnicity_aliases() -> dict[str, str]:
    """Every accepted ethnicity spelling and the WRES band it falls in.

    The band names, common short forms, and every detailed category of the shipped culture
    instrument's ethnicity question (ONS 2021 categories) with its band.
    """
    from ethos.instruments import load_instrument

    aliases = {
        "BME": schema.BME,
        "BAME": schema.BME,
        "Black, Asian and minority ethnic": schema.BME,
        "Prefer not to say": schema.UNKNOWN,
        "Not declared": schema.UNKNOWN,
        "Not known": schema.UNKNOWN,
        "Unknown": schema.UNKNOWN,
    }
    question = next(d for d in load_instrument("culture").demographics if d.id == "ethnicity")
    for code, band in question.category_of_code().items():
        label = next(o.label for o in question.options if o.code == code)
        aliases[label] = band
    return aliases


DISABILITY_ALIASES = {
    "Yes": schema.DISABLED,
    "No": schema.NON_DISABLED,
    "Not disabled": schema.NON_DISABLED,
    "Prefer not to say": schema.UNKNOWN,
    "Not declared": schema.UNKNOWN,
    "Unknown": schema.UNKNOWN,
}


# NHS Data Dictionary ethnic category codes (as in ESR): A-C White, D-S minority groups,
# Z not stated; and the first words of the categories of the 2001, 2011 and 2021 censuses.
_CODE_BANDS = {**dict.fromkeys("ABC", schema.WHITE), **dict.fromkeys("DEFGHJKLMNPRS", schema.BME)}
_CODE_BANDS["Z"] = schema.UNKNOWN
_BME_STARTS = ("asian", "black", "mixed", "chinese", "arab", "gypsy", "other", "any other")


def ethnicity(name: str = "ethnicity") -> Column:
    """A band name, a census category, or an NHS ethnic category code (``A`` or ``A White...``)."""
    known = choice(name, schema.ETHNICITY_BANDS, ethnicity_aliases()).read

    def read(value: str) -> str:
        words = value.replace("-", " ").split()
        if words and len(words[0]) == 1 and words[0].upper() in _CODE_BANDS:
            return _CODE_BANDS[words[0].upper()]
        lowered = value.lower()
        if lowered.startswith("white") and lowered not in {"white", ""}:
            return schema.WHITE
        if lowered.startswith(_BME_STARTS):
            return schema.BME
        return known(value)

    return Column(name, read, choices=schema.ETHNICITY_BANDS)


def disability(name: str = "disability") -> Column:
    return choice(name, schema.DISABILITY_BANDS, DISABILITY_ALIASES)


PAY_BAND_ALIASES = {
    **{f"{n}": f"Band {n}" for n in range(1, 10) if n != 8},
    **{f"8{s}": f"Band 8{s}" for s in "abcd"},
    **{f"AfC Band {n}": f"Band {n}" for n in range(1, 10) if n != 8},
    "Very senior manager": "VSM",
    "Consultant": "Medical consultant",
    "Career grade": "Medical non-consultant career grade",
    "Specialty doctor": "Medical non-consultant career grade",
    "Trainee": "Medical trainee",
    "Doctor in training": "Medical trainee",
}
