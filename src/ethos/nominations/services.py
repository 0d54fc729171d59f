"""Changes of state for nomination campaigns: create, open (issue and email personal links),
nominate, opt out, close (analyse and publish). Reading results is :mod:`.publish`.

Every rule about who may be nominated lives here, so the pages, the API, the demo and the
tests all go through the same checks: nobody nominates themselves, a colleague who opted
out, or anyone outside their organisation; a personal link nominates once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ethos.nominations.models import (
    DEFAULT_THRESHOLD,
    MAX_REASON,
    VALUE_NAMES,
    Campaign,
    CampaignResult,
    Nomination,
    NominatorInvite,
    OptOut,
)
from ethos.nominations.people import people_frame
from ethos.nominations.publish import published
from ethos.organisations.models import Organisation, StaffMember
from ethos.stats.nominations import NOMINATION_FLOOR, analyse_nominations
from ethos.web.tokens import keyed_hash, new_token

INVITE = "nomination-invite"
MAX_PER_VALUE = 3
MAX_THRESHOLD = 100


class Refused(Exception):
    """A personal link that cannot be used: unknown, already used, or its campaign shut."""

    def __init__(self, message: str, unknown: bool = False) -> None:
        super().__init__(message)
        self.unknown = unknown


class Invalid(Exception):
    """Nominations that cannot be accepted: a message per form field id."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Pick:
    """One row of the nomination form: the colleague as typed, the value and the reason.

    ``field`` is the row's id prefix on the form (``compassion-1``): errors are reported on
    ``<field>-colleague`` and ``<field>-reason``.
    """

    field: str
    value: str
    colleague: str
    reason: str


def today() -> dt.date:
    return timezone.localdate()


# --- campaigns ----------------------------------------------------------------------------


def create_campaign(
    organisation: Organisation,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
    threshold: int | None = None,
    values: Sequence[str] = (),
) -> Campaign:
    """A draft campaign. ``values`` are value ids of :data:`VALUE_NAMES` (empty: all of them).

    Raises :class:`ValidationError` with a message per field.
    """
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    chosen = list(dict.fromkeys(values)) or list(VALUE_NAMES)
    problems: dict[str, str] = {}
    if not " ".join(title.split()):
        problems["title"] = "Enter a title."
    if threshold < NOMINATION_FLOOR:
        problems["threshold"] = f"The threshold cannot be below {NOMINATION_FLOOR}."
    elif threshold > MAX_THRESHOLD:
        problems["threshold"] = f"The threshold cannot be above {MAX_THRESHOLD}."
    if closes_on < opens_on:
        problems["closes_on"] = "The closing date must be on or after the opening date."
    unknown = [v for v in chosen if v not in VALUE_NAMES]
    if unknown:
        problems["values"] = (
            f"'{unknown[0]}' is not a value. Choose from: {', '.join(VALUE_NAMES)}."
        )
    if problems:
        raise ValidationError(problems)
    return Campaign.objects.create(
        organisation=organisation,
        title=" ".join(title.split()),  # one line: it becomes an email subject
        opens_on=opens_on,
        closes_on=closes_on,
        threshold=threshold,
        values=chosen,
    )


def open_campaign(campaign: Campaign, send: bool = True) -> list[tuple[StaffMember, str]]:
    """Open the campaign and issue a personal link to every active member of staff.

    The links are emailed when ``send`` (the default); the ``(staff member, token)`` pairs
    are returned either way, and the tokens cannot be recovered later (only their keyed
    hashes are stored).
    """
    if campaign.status != Campaign.DRAFT:
        raise ValidationError("Only a draft campaign can be opened.")
    with transaction.atomic():
        campaign.status = Campaign.OPEN
        campaign.opens_on = min(campaign.opens_on, today())
        campaign.save(update_fields=["status", "opens_on"])
        staff = StaffMember.objects.filter(organisation=campaign.organisation, active=True)
        pairs = [(member, new_token()) for member in staff.order_by("staff_id")]
        NominatorInvite.objects.bulk_create(
            [
                NominatorInvite(campaign=campaign, staff=m, token_hash=keyed_hash(INVITE, t))
                for m, t in pairs
            ],
            batch_size=1000,
        )
    if send:
        _send(campaign, pairs)
    return pairs


def _send(campaign: Campaign, pairs: Sequence[tuple[StaffMember, str]]) -> None:
    from ethos.nominations.emails import invite_message

    batch = settings.ETHOS_REMINDER_BATCH
    for start in range(0, len(pairs), batch):
        chunk = pairs[start : start + batch]
        with mail.get_connection() as smtp:
            smtp.send_messages([invite_message(campaign, m, t) for m, t in chunk])
        NominatorInvite.objects.filter(campaign=campaign, staff__in=[m for m, _ in chunk]).update(
            sent_on=today()
        )


def opted_out_ids(organisation: Organisation) -> set[str]:
    return set(
        OptOut.objects.filter(organisation=organisation).values_list("staff__staff_id", flat=True)
    )


def close_campaign(campaign: Campaign) -> CampaignResult:
    """Close the campaign for good, run the network analysis once and store what it publishes.

    This is the only place the analysis runs: brokerage takes tens of seconds for a large
    trust, so pages and the API read the stored :class:`CampaignResult` instead.
    """
    if campaign.status != Campaign.OPEN:
        raise ValidationError("Only an open campaign can be closed.")
    organisation = campaign.organisation
    rows = list(campaign.nominations.values_list("nominator", "nominee__staff_id", "value"))
    frame = pl.DataFrame(
        [(a, b, v, None) for a, b, v in rows],
        schema={"nominator": pl.Utf8, "nominee": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8},
        orient="row",
    )
    involved = {a for a, _, _ in rows} | {b for _, b, _ in rows}
    people = people_frame(organisation, involved, opted_out_ids(organisation))
    known = people.get_column("staff_id").implode()  # a nominator deleted from the roster
    frame = frame.filter(pl.col("nominator").is_in(known))  # can no longer be placed
    analysis = analyse_nominations(
        frame, people, threshold=campaign.threshold, k=organisation.min_group_size
    )
    invites = campaign.invites
    body = published(analysis, invites.count(), invites.filter(used=True).count())
    with transaction.atomic():
        campaign.status = Campaign.CLOSED
        campaign.save(update_fields=["status"])
        return CampaignResult.objects.create(campaign=campaign, published=body)


def campaign_counts(campaign: Campaign) -> dict[str, int]:
    """Links issued, links used and nominations made so far (whole campaign only)."""
    invites = campaign.invites
    return {
        "invited": invites.count(),
        "took_part": invites.filter(used=True).count(),
        "nominations": campaign.nominations.count(),
    }


# --- personal links -----------------------------------------------------------------------


def invite_for(token: str) -> NominatorInvite:
    """The invite a token belongs to, used or not; :class:`Refused` (``unknown``) if none."""
    found = (
        NominatorInvite.objects.select_related("campaign__organisation", "staff")
        .filter(token_hash=keyed_hash(INVITE, token))
        .first()
    )
    if found is None:
        raise Refused(
            "This nomination link is not recognised. Check you copied all of it.", unknown=True
        )
    return found


def accepting(campaign: Campaign) -> bool:
    return campaign.status == Campaign.OPEN and campaign.opens_on <= today() <= campaign.closes_on


def usable_invite(token: str) -> NominatorInvite:
    """The invite for ``token`` if it can still nominate, else :class:`Refused`."""
    invite = invite_for(token)
    if invite.used:
        raise Refused("You have already made your nominations with this link. Thank you.")
    if not accepting(invite.campaign):
        raise Refused("This nomination campaign is not open.")
    return invite


def colleagues(invite: NominatorInvite) -> list[tuple[str, str]]:
    """``(name, staff id)`` of everyone the invite's holder may nominate, by name."""
    organisation = invite.campaign.organisation
    opted = OptOut.objects.filter(organisation=organisation).values("staff_id")
    return list(
        StaffMember.objects.filter(organisation=organisation, active=True)
        .exclude(pk=invite.staff_id)
        .exclude(pk__in=opted)
        .order_by("name", "staff_id")
        .values_list("name", "staff_id")
    )


LABELLED = re.compile(r"\(([^()]+)\)\s*$")


def find_colleague(organisation: Organisation, text: str) -> StaffMember:
    """The active member of staff ``text`` names: ``Name (staff id)`` as the list shows it, a
    staff id, or a name that only one colleague has. Raises ``ValueError`` with a message."""
    text = " ".join(text.split())
    staff = StaffMember.objects.filter(organisation=organisation, active=True)
    labelled = LABELLED.search(text)
    for staff_id in ([labelled.group(1).strip()] if labelled else []) + [text]:
        found = staff.filter(staff_id__iexact=staff_id).first()
        if found is not None:
            return found
    named = list(staff.filter(name__iexact=text)[:2])
    if len(named) == 1:
        return named[0]
    if named:
        raise ValueError(
            f"More than one colleague is called {text}. Choose them from the list, which "
            "shows each person's staff ID."
        )
    raise ValueError(
        f"There is no one called {text} on {organisation.name}'s staff list. Choose a name "
        "from the list, or enter their staff ID."
    )


def _check_pick(
    pick: Pick, invite: NominatorInvite, opted: set[int], seen: set[tuple[str, int]]
) -> tuple[StaffMember | None, dict[str, str]]:
    colleague, reason = pick.colleague.strip(), " ".join(pick.reason.split())
    who, why = f"{pick.field}-colleague", f"{pick.field}-reason"
    if not colleague:
        return None, {who: "Enter the colleague you are nominating, or delete the reason."}
    try:
        member = find_colleague(invite.campaign.organisation, colleague)
    except ValueError as exc:
        return None, {who: str(exc)}
    if member.pk == invite.staff_id:
        return None, {who: "You cannot nominate yourself. Choose a colleague."}
    if member.pk in opted:
        return None, {who: f"{member.name} has asked not to be nominated. Choose someone else."}
    if (pick.value, member.pk) in seen:
        return None, {who: f"You have already nominated {member.name} for this value."}
    seen.add((pick.value, member.pk))
    if not reason:
        return None, {why: f"Enter why you are nominating {member.name}."}
    if len(reason) > MAX_REASON:
        return None, {why: f"The reason must be {MAX_REASON} characters or fewer."}
    return member, {}


def check_picks(invite: NominatorInvite, picks: Sequence[Pick]) -> list[Nomination]:
    """The nominations ``picks`` make, or :class:`Invalid` with every problem."""
    campaign = invite.campaign
    filled = [p for p in picks if p.colleague.strip() or p.reason.strip()]
    errors: dict[str, str] = {}
    if not filled:
        first = f"{campaign.values[0]}-1" if campaign.values else "picks"
        raise Invalid({f"{first}-colleague": "Nominate at least one colleague."})
    opted = set(
        OptOut.objects.filter(organisation=campaign.organisation).values_list("staff", flat=True)
    )
    per_value: dict[str, int] = {}
    seen: set[tuple[str, int]] = set()
    made = []
    for pick in filled:
        if pick.value not in campaign.values:
            errors[f"{pick.field}-colleague"] = "Choose one of the campaign's values."
            continue
        per_value[pick.value] = per_value.get(pick.value, 0) + 1
        if per_value[pick.value] > MAX_PER_VALUE:
            errors[f"{pick.field}-colleague"] = (
                f"You can nominate up to {MAX_PER_VALUE} colleagues for each value."
            )
            continue
        member, problems = _check_pick(pick, invite, opted, seen)
        errors.update(problems)
        if member is not None:
            reason = " ".join(pick.reason.split())
            made.append(
                Nomination(
                    campaign=campaign,
                    nominator=invite.staff.staff_id,
                    nominee=member,
                    value=pick.value,
                    reason=reason,
                )
            )
    if errors:
        raise Invalid(errors)
    return made


def nominate(token: str, picks: Sequence[Pick]) -> int:
    """Record the nominations made with a personal link, all or nothing; the link is then
    used. Raises :class:`Refused` for a link that cannot nominate and :class:`Invalid` for
    nominations that cannot be accepted (nothing is stored and the link stays unused)."""
    invite = usable_invite(token)
    made = check_picks(invite, picks)
    with transaction.atomic():
        claimed = NominatorInvite.objects.filter(pk=invite.pk, used=False).update(used=True)
        if not claimed:  # a second tab or a double click got there first
            raise Refused("You have already made your nominations with this link. Thank you.")
        Nomination.objects.bulk_create(made)
    return len(made)


# --- opting out ---------------------------------------------------------------------------


def opt_out(token: str) -> StaffMember:
    """Opt the holder of a personal link out of being nominated, from now on and in every
    campaign. Any link works, used or not, open campaign or closed."""
    invite = invite_for(token)
    _opt_out(invite.campaign.organisation, invite.staff, OptOut.LINK)
    return invite.staff


def record_opt_out(organisation: Organisation, staff_id: str) -> StaffMember:
    """An administrator records an opt-out a member of staff asked for (by staff id)."""
    member = StaffMember.objects.filter(
        Q(staff_id=staff_id.strip()) | Q(staff_id__iexact=staff_id.strip()),
        organisation=organisation,
    ).first()
    if member is None:
        raise ValidationError({"staff_id": "There is no one with that staff ID on the roster."})
    _opt_out(organisation, member, OptOut.ADMIN)
    return member


def _opt_out(organisation: Organisation, member: StaffMember, via: str) -> None:
    try:
        with transaction.atomic():
            OptOut.objects.get_or_create(
                organisation=organisation, staff=member, defaults={"via": via}
            )
    except IntegrityError:  # opted out twice at once: once is enough
        pass
