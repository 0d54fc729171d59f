"""A page of the 360: one section of statements (one fieldset) or the comment questions.

Each statement is a set of NHS.UK radios from "Strongly disagree" to "Strongly agree", then,
after "or", "I have not seen enough to say".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from ethos.feedback import rating
from ethos.feedback.models import RaterInvite
from ethos.surveys.instrument import Page, instrument_of
from ethos.surveys.responding import MAX_TEXT


def _radio_items(scale: Any) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for option in scale.options:
        if option.score is None and items and "divider" not in items[-1]:
            items.append({"divider": _("or")})
        items.append({"value": str(option.code), "text": option.label})
    return items


def questions(yaml_text: str, page: Page) -> list[dict[str, Any]]:
    instrument = instrument_of(yaml_text)
    out: list[dict[str, Any]] = [
        {
            "id": i.id,
            "kind": "radios",
            "text": i.text,
            "items": _radio_items(instrument.scales[i.scale]),
        }
        for i in page.items
    ]
    out += [{"id": f.id, "kind": "text", "text": f.text} for f in page.free_text]
    return out


def _values(ballot: rating.Ballot, page: Page, raw: Mapping[str, str] | None) -> dict[str, str]:
    values = {name: str(value) for name, value in ballot.answers.items()}
    if raw is not None:
        values.update({name: raw.get(name, "") for name in page.fields})
    return values


def rating_context(
    invite: RaterInvite,
    ballot: rating.Ballot,
    index: int,
    problems: dict[str, str],
    raw: Mapping[str, str] | None,
) -> dict[str, Any]:
    cycle = invite.subject.cycle
    pages = rating.pages(cycle)
    page, number, total = pages[index], index + 1, len(pages)
    items = questions(cycle.instrument_yaml, page)
    order = {q["id"]: n for n, q in enumerate(items)}
    errors = sorted(problems.items(), key=lambda p: order.get(p[0], 0))
    return {
        "title": _("%(section)s (section %(number)s of %(total)s)")
        % {"section": page.title, "number": number, "total": total},
        "name": invite.subject.staff.name,
        "page": page,
        "index": index,
        "number": number,
        "total": total,
        "last": number == total,
        "questions": items,
        "values": _values(ballot, page, raw),
        "sealed": rating.seal(ballot),
        "max_text": MAX_TEXT,
        "field_errors": problems,
        "errors": [
            {"text": f"{_short(items, name)}: {message}", "href": f"#{name}"}
            for name, message in errors
        ],
        "manager_rating": invite.group == "manager",
    }


def _short(items: list[dict[str, Any]], name: str) -> str:
    text = next((q["text"] for q in items if q["id"] == name), name)
    return text if len(text) <= 90 else text[:87].rstrip() + "..."
