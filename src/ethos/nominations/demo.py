"""A closed nomination campaign for the demo trust, from synthetic nominations.

:func:`build_nominations` synthesises nominations among the organisation's staff (from the
roster, with posts and bands from the latest workforce files, exactly as the analysis reads
them) with :func:`ethos.synth.leadership.synthesise_nominations`, which plants an informal
leader and about 3% of staff who opted out. The campaign is created and opened through the
services (personal links issued, not emailed), the synthetic opt-outs are recorded, the
nominations go in with one ``bulk_create`` (as thousands of form posts would), and the
campaign is closed through :func:`ethos.nominations.services.close_campaign`, which runs
the analysis and stores the published result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.db import transaction

from ethos.nominations import services
from ethos.nominations.models import Campaign, Nomination, NominatorInvite, OptOut
from ethos.nominations.people import people_frame
from ethos.organisations.models import Organisation, StaffMember
from ethos.synth.leadership import VALUES, synthesise_nominations


def build_nominations(
    organisation: Organisation, seed: int = 2026, title: str = "Leaders we follow"
) -> tuple[Campaign, dict[str, Any]]:
    """Create, fill and close a campaign; return it and the synthetic truth record (which
    names the planted informal leader, ``truth["informal_leader"]["staff_id"]``)."""
    people = people_frame(organisation)
    staff = people.select("staff_id", "unit_code", "ethnicity", "disability")
    posts = pl.DataFrame(
        {"holder": people.filter(pl.col("holds_post")).get_column("staff_id")},
        schema={"holder": pl.Utf8},
    )
    frame, truth = synthesise_nominations(staff, posts, seed=seed, values=VALUES)
    today = services.today()
    campaign = services.create_campaign(
        organisation,
        f"{title} {today.year}",
        today - dt.timedelta(days=28),
        today - dt.timedelta(days=1),
        values=VALUES,
    )
    services.open_campaign(campaign, send=False)
    members = dict(
        StaffMember.objects.filter(organisation=organisation).values_list("staff_id", "pk")
    )
    with transaction.atomic():
        OptOut.objects.bulk_create(
            [
                OptOut(organisation=organisation, staff_id=members[s], via=OptOut.LINK)
                for s in truth["opted_out"]
            ],
            ignore_conflicts=True,
        )
        Nomination.objects.bulk_create(
            [
                Nomination(
                    campaign=campaign,
                    nominator=row["nominator"],
                    nominee_id=members[row["nominee"]],
                    value=row["value"],
                    reason=row["reason"],
                )
                for row in frame.iter_rows(named=True)
            ],
            batch_size=2000,
        )
        nominators = frame.get_column("nominator").unique().to_list()
        people = StaffMember.objects.filter(organisation=organisation, staff_id__in=nominators)
        staff_pks = list(people.values_list("pk", flat=True))
        for start in range(0, len(staff_pks), 1000):  # by key: PostgreSQL plans a joined
            chunk = staff_pks[start : start + 1000]  # IN over thousands of ids very badly
            NominatorInvite.objects.filter(campaign=campaign, staff_id__in=chunk).update(used=True)
    services.close_campaign(campaign)
    return campaign, truth
