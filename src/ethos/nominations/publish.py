"""What a closed campaign publishes, and what each viewer may read of it.

:func:`published` turns the analysis into the JSON stored in
:class:`~ethos.nominations.models.CampaignResult`. It keeps aggregate figures, the diversity
tables as disclosure control published them (a hidden entry is ``{"hidden": true, "reason":
...}``, never a number), and one row per *eligible* nominee (named by at least ``threshold``
different colleagues), keyed by staff id. Nothing about nominators is kept, and nobody below
the threshold has a row.

:func:`campaign_result` is the one way out: every viewer with ``MANAGE_LEADERSHIP`` gets the
aggregates and tables; only ``VIEW_NOMINEES`` adds the eligible nominees, with their names
from the roster, and never anyone who has opted out since the campaign closed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ethos.nominations.models import VALUE_NAMES, Campaign, CampaignResult, OptOut
from ethos.organisations import access
from ethos.organisations.models import StaffMember, Unit
from ethos.stats.nominations import NominationAnalysis, Nominee
from ethos.web.published_json import plain

NOMINEE_FIELDS = (
    "staff_id",
    "unit_code",
    "received",
    "nominators",
    "units_reached",
    "outside_units",
    "brokerage",
    "unit_mean",
    "ratio",
    "z",
    "holds_post",
    "informal_leader",
    "why_not",
)


def _nominee(nominee: Nominee) -> dict[str, Any]:
    row = {name: plain(getattr(nominee, name)) for name in NOMINEE_FIELDS}
    row["values"] = [[value, count] for value, count in nominee.values]
    return row


def published(analysis: NominationAnalysis, invited: int, took_part: int) -> dict[str, Any]:
    """The stored form of ``analysis`` (see the module doc)."""
    values: Counter[str] = Counter()
    for nominee in analysis.nominees:
        values.update(dict(nominee.values))
    return {
        "threshold": analysis.rule.threshold,
        "min_z": analysis.rule.min_z,
        "min_ratio": analysis.rule.min_ratio,
        "min_group": analysis.diversity.min_group,
        "invited": invited,
        "took_part": took_part,
        "nominations": analysis.nominations,
        "dropped_opted_out": analysis.dropped_opted_out,
        "dropped_self": analysis.dropped_self,
        "dropped_duplicates": analysis.dropped_duplicates,
        "nominated": len(analysis.nominees),
        "widely_nominated": len(analysis.shown()),
        "informal_leaders": len(analysis.informal_leaders()),
        "network_people": analysis.network_people,
        "brokerage_pivots": analysis.brokerage_pivots,
        "values": [[v, n] for v, n in sorted(values.items(), key=lambda p: (-p[1], p[0]))],
        "diversity": plain(analysis.diversity),
        "widely_nominated_diversity": plain(analysis.widely_nominated),
        "nominees": [_nominee(n) for n in analysis.shown()],
    }


@dataclass(frozen=True)
class Result:
    """What one viewer may see of a campaign's published result.

    ``figures`` are the aggregates (everything but the nominees); ``nominees`` is ``None``
    for a viewer without ``VIEW_NOMINEES``, else the eligible nominees with ``name`` and
    ``unit_name`` added and ``values`` named.
    """

    campaign: Campaign
    created: Any
    figures: dict[str, Any]
    nominees: list[dict[str, Any]] | None


def campaign_result(campaign: Campaign, viewer: access.Viewer) -> Result | None:
    """The viewer's view of the campaign's published result, or ``None`` before it closes."""
    viewer.require(access.MANAGE_LEADERSHIP)
    if campaign.organisation_id != viewer.organisation.pk:
        raise access.PermissionDenied("That campaign belongs to another organisation.")
    stored = CampaignResult.objects.filter(campaign=campaign).first()
    if stored is None:
        return None
    figures = {k: v for k, v in stored.published.items() if k != "nominees"}
    named = None
    if viewer.can(access.VIEW_NOMINEES):
        named = _named(campaign, stored.published["nominees"])
    return Result(campaign, stored.created, figures, named)


def _named(campaign: Campaign, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The eligible nominees with their names, leaving out anyone who has since opted out."""
    organisation = campaign.organisation
    ids = [row["staff_id"] for row in rows]
    opted = set(
        OptOut.objects.filter(organisation=organisation, staff__staff_id__in=ids).values_list(
            "staff__staff_id", flat=True
        )
    )
    names = dict(
        StaffMember.objects.filter(organisation=organisation, staff_id__in=ids).values_list(
            "staff_id", "name"
        )
    )
    units = dict(Unit.objects.filter(organisation=organisation).values_list("code", "name"))
    out = []
    for row in rows:
        if row["staff_id"] in opted or row["staff_id"] not in names:
            continue
        values = [(VALUE_NAMES.get(v, v), n) for v, n in row["values"]]
        out.append(
            {
                **row,
                "name": names[row["staff_id"]],
                "unit_name": units.get(row["unit_code"], row["unit_code"]),
                "values": values,
            }
        )
    return out
