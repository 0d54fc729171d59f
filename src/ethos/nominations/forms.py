"""Reading the two forms of this app: creating a campaign, and making nominations.

The forms only read what was typed; the rules (the threshold floor, who may be nominated)
are checked by :mod:`ethos.nominations.services`, whose messages are mapped onto fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from ethos.nominations.models import DEFAULT_THRESHOLD, VALUE_NAMES, Campaign
from ethos.nominations.services import MAX_PER_VALUE, Pick, today
from ethos.web.forms import StaffForm

FIELD_IDS = {
    "title": "title",
    "opens_on": "opens_on-day",
    "closes_on": "closes_on-day",
    "threshold": "threshold",
    "values": "values",
}


class CampaignForm(StaffForm):
    FIELD_IDS = FIELD_IDS


def value_items() -> list[dict[str, str]]:
    return [{"value": k, "text": v} for k, v in VALUE_NAMES.items()]


def initial() -> CampaignForm:
    start, end = today(), today() + dt.timedelta(days=21)
    values: dict[str, Any] = {"threshold": str(DEFAULT_THRESHOLD), "values": list(VALUE_NAMES)}
    for name, day in (("opens_on", start), ("closes_on", end)):
        values.update({f"{name}[day]": day.day, f"{name}[month]": day.month})
        values[f"{name}[year]"] = day.year
    return CampaignForm(values=values)


def read_campaign(post: QueryDict) -> CampaignForm:
    """Read and check the POSTed form; ``arguments`` are for ``create_campaign``."""
    form = CampaignForm(values={k: post.get(k, "").strip() for k in post})
    form.values["values"] = post.getlist("values")
    title = form.values.get("title", "")
    if not title:
        form.errors["title"] = _("Enter a title for the campaign.")
    elif len(title) > 200:
        form.errors["title"] = _("The title must be 200 characters or fewer.")
    form.arguments["title"] = title
    form.arguments["opens_on"] = _date(form, "opens_on", _("opening date"))
    form.arguments["closes_on"] = _date(form, "closes_on", _("closing date"))
    threshold = form.values.get("threshold", "")
    if not threshold.isdigit():
        form.errors["threshold"] = _("Enter the threshold as a whole number, such as 5.")
    form.arguments["threshold"] = int(threshold) if threshold.isdigit() else None
    if not form.values["values"]:
        form.errors["values"] = _("Choose at least one value.")
    form.arguments["values"] = form.values["values"]
    return form


def _date(form: CampaignForm, name: str, label: str) -> dt.date | None:
    parts = [form.values.get(f"{name}[{p}]", "") for p in ("day", "month", "year")]
    if not any(parts):
        form.errors[name] = _("Enter the %(label)s.") % {"label": label}
        return None
    try:
        day, month, year = (int(p) for p in parts)
        return dt.date(year, month, day)
    except ValueError:
        form.errors[name] = _("The %(label)s must be a real date, such as 1 3 2026.") % {
            "label": label
        }
        return None


# --- the nomination form --------------------------------------------------------------------


def rows(campaign: Campaign) -> list[dict[str, Any]]:
    """The form's rows: ``MAX_PER_VALUE`` per value of the campaign, each with its id prefix."""
    return [
        {
            "value": value,
            "value_name": VALUE_NAMES.get(value, value),
            "rows": [f"{value}-{n}" for n in range(1, MAX_PER_VALUE + 1)],
        }
        for value in campaign.values
    ]


def read_picks(campaign: Campaign, post: QueryDict) -> list[Pick]:
    return [
        Pick(
            field=prefix,
            value=group["value"],
            colleague=post.get(f"{prefix}-colleague", ""),
            reason=post.get(f"{prefix}-reason", ""),
        )
        for group in rows(campaign)
        for prefix in group["rows"]
    ]


def typed(post: QueryDict, campaign: Campaign) -> dict[str, str]:
    """What was typed in each field, for redisplay after an error."""
    return {
        f"{prefix}-{part}": post.get(f"{prefix}-{part}", "")
        for group in rows(campaign)
        for prefix in group["rows"]
        for part in ("colleague", "reason")
    }


def summary(errors: dict[str, str]) -> list[dict[str, str]]:
    return [{"text": message, "href": f"#{name}"} for name, message in errors.items()]
