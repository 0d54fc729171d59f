"""The staff forms: create a cycle, add a leader. They read and check what was typed; the rules
are the services' (:mod:`ethos.feedback.services`), whose messages are mapped onto fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import QueryDict

from ethos.feedback import services
from ethos.stats.feedback360 import MIN_RATERS_FLOOR
from ethos.web.forms import StaffForm

FIELD_IDS = {
    "title": "title",
    "opens_on": "opens_on-day",
    "closes_on": "closes_on-day",
    "min_raters": "min_raters",
    "instrument": "title",
    "staff_id": "staff_id",
    "manager_staff_id": "manager_staff_id",
}


class Form(StaffForm):
    FIELD_IDS = FIELD_IDS
    UNKNOWN_HREF = ""


def initial_cycle() -> Form:
    today = services.today()
    closes = today + dt.timedelta(days=21)
    values: dict[str, Any] = {"title": "", "min_raters": str(MIN_RATERS_FLOOR)}
    for name, day in (("opens_on", today), ("closes_on", closes)):
        values.update(
            {f"{name}[day]": day.day, f"{name}[month]": day.month, f"{name}[year]": day.year}
        )
    return Form(values)


def read_cycle(data: QueryDict) -> Form:
    names = (
        "title",
        "min_raters",
        *tuple(f"{d}[{p}]" for d in ("opens_on", "closes_on") for p in ("day", "month", "year")),
    )
    form = Form({name: data.get(name, "").strip() for name in names})
    form.arguments["title"] = form.values["title"]
    for name, label in (("opens_on", "opening"), ("closes_on", "closing")):
        try:
            form.arguments[name] = dt.date(
                *(int(form.values[f"{name}[{p}]"]) for p in ("year", "month", "day"))
            )
        except ValueError:
            form.errors[name] = f"Enter a real {label} date, for example 1 3 2026."
    raw = form.values["min_raters"]
    if raw.isascii() and raw.isdigit() and len(raw) <= 4:
        form.arguments["min_raters"] = int(raw)
    else:
        form.errors["min_raters"] = "Enter the minimum number of raters as a whole number."
    return form


def read_subject(data: QueryDict) -> Form:
    form = Form({n: data.get(n, "").strip()[:60] for n in ("staff_id", "manager_staff_id")})
    form.arguments = dict(form.values)
    return form
