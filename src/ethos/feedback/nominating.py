"""Choosing raters: the subject nominates, their manager approves, the raters are invited.

- :func:`nominate_raters`: with the subject's link, peers, direct reports and others, by
  email address or staff ID from the organisation's roster. The manager is then emailed.
- :func:`approve_nominations`: with the manager's link; the manager may remove nominees.
  Then every rater is sent their own link, and so are the subject (self-assessment) and the
  manager (whose rating is attributed).

Each link works for its step only: once the list is sent (or approved) the link is refused.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from ethos.feedback import emails, services
from ethos.feedback.models import (
    DIRECT_REPORT,
    MANAGER,
    NOMINATED_GROUPS,
    OTHER,
    PEER,
    SELF,
    Cycle,
    Nomination,
    RaterInvite,
    Subject,
    Unanswered,
)
from ethos.organisations.models import StaffMember
from ethos.surveys.responding import Refused
from ethos.web.tokens import keyed_hash, new_token

MAX_NOMINEES = 30
NOT_RECOGNISED = (
    "This link is not recognised. Check you copied all of it, or use the link in your most "
    "recent email."
)


def _subject_for(purpose: str, token: str) -> Subject:
    token = (token or "").strip()
    field = {services.NOMINATION: "nomination_hash", services.APPROVAL: "approval_hash"}[purpose]
    found = (
        Subject.objects.select_related("cycle__organisation", "staff", "manager")
        .filter(**{field: keyed_hash(purpose, token)})
        .first()
        if token
        else None
    )
    if found is None:
        raise Refused(NOT_RECOGNISED, field="token")
    if found.cycle.status == Cycle.CLOSED or found.cycle.closes_on < services.today():
        raise Refused("This 360 has closed.")
    if not services.accepting(found.cycle):
        raise Refused("This 360 is not open yet.")
    return found


def subject_for_nomination(token: str) -> Subject:
    """The subject whose nomination link this is, while they can still nominate."""
    subject = _subject_for(services.NOMINATION, token)
    if subject.status != Subject.NOMINATING:
        raise Refused(
            "You have already sent your list of raters. It is with your manager, "
            f"{subject.manager.name}, for approval."
        )
    return subject


def subject_for_approval(token: str) -> Subject:
    """The subject whose approval link this is, while their list awaits approval."""
    subject = _subject_for(services.APPROVAL, token)
    if subject.status != Subject.AWAITING_APPROVAL:
        raise Refused("This list has already been approved and the raters have been invited.")
    return subject


# --- nominating -------------------------------------------------------------------------


def split_entries(text: str) -> list[str]:
    """Email addresses or staff IDs, one per line (commas and semicolons also separate)."""
    return [e for e in (part.strip() for part in re.split(r"[\n,;]+", text or "")) if e]


def nominate_raters(
    token: str, nominees: Mapping[str, Sequence[str]], fewer_reports: bool = False
) -> Subject:
    """Record the subject's nominees and email their manager an approval link.

    ``nominees`` maps ``peer``, ``direct_report`` and ``other`` to email addresses or staff
    IDs. At least ``min_raters`` peers are needed, and as many direct reports unless the
    subject says they manage fewer people (``fewer_reports``): a smaller group is then
    merged into "Others (combined)" or hidden, never shown alone.
    Raises :class:`Refused` for the link and :class:`ValidationError` per group.
    """
    subject = subject_for_nomination(token)
    found, problems = _resolve(subject, nominees)
    _check_counts(subject.cycle.min_raters, found, fewer_reports, problems)
    if problems:
        raise ValidationError(problems)
    approval = new_token()
    with transaction.atomic():
        locked = Subject.objects.select_for_update().filter(
            pk=subject.pk, status=Subject.NOMINATING
        )
        changed = locked.update(
            status=Subject.AWAITING_APPROVAL, approval_hash=keyed_hash(services.APPROVAL, approval)
        )
        if changed != 1:
            raise Refused("You have already sent your list of raters.")
        Nomination.objects.bulk_create(
            [
                Nomination(subject=subject, staff=member, group=group)
                for group in NOMINATED_GROUPS
                for member in found[group]
            ]
        )
    subject.refresh_from_db()
    emails.send([emails.approval_message(subject, approval)])
    return subject


def _resolve(
    subject: Subject, nominees: Mapping[str, Sequence[str]]
) -> tuple[dict[str, list[StaffMember]], dict[str, str]]:
    """Each group's entries as roster members, and a problem per group that has one."""
    found: dict[str, list[StaffMember]] = {g: [] for g in NOMINATED_GROUPS}
    problems: dict[str, str] = {}
    seen: set[int] = set()
    organisation = subject.cycle.organisation
    for group in NOMINATED_GROUPS:
        for entry in nominees.get(group, ()):
            member = (
                StaffMember.objects.filter(organisation=organisation, active=True)
                .filter(Q(email__iexact=entry) | Q(staff_id=entry))
                .order_by("pk")
                .first()
            )
            problem = _problem(subject, entry, member, seen, organisation.name)
            if problem:
                problems.setdefault(group, problem)
                continue
            seen.add(member.pk)  # type: ignore[union-attr]
            found[group].append(member)  # type: ignore[arg-type]
    if len(seen) > MAX_NOMINEES:
        problems.setdefault(PEER, f"Nominate {MAX_NOMINEES} people or fewer in all.")
    return found, problems


def _problem(
    subject: Subject, entry: str, member: StaffMember | None, seen: set[int], organisation: str
) -> str:
    if member is None:
        return (
            f"'{entry[:100]}' is not on {organisation}'s staff list. Check the email address "
            "or staff ID."
        )
    if member.pk == subject.staff_id:
        return "Leave yourself out: you are sent your own self-assessment."
    if member.pk == subject.manager_id:
        return (
            f"Leave out {member.name}: as your manager they are asked separately, and "
            "their rating is shown as theirs."
        )
    if member.pk in seen:
        return f"{member.name} is listed twice. Put each person in one group only."
    return ""


def _check_counts(
    k: int, found: dict[str, list[StaffMember]], fewer_reports: bool, problems: dict[str, str]
) -> None:
    if len(found[PEER]) < k and PEER not in problems:
        problems[PEER] = f"Nominate at least {k} peers."
    if len(found[DIRECT_REPORT]) < k and not fewer_reports and DIRECT_REPORT not in problems:
        problems[DIRECT_REPORT] = (
            f"Nominate at least {k} people you manage, or tick the box to say you manage "
            f"fewer than {k} people."
        )


# --- approving --------------------------------------------------------------------------


def approve_nominations(token: str, keep: Collection[int]) -> int:
    """Approve the nominees in ``keep`` (nomination ids), remove the rest, and invite every
    rater, the subject and the manager by email, each with their own link.

    Returns how many invitations were sent. Raises :class:`Refused` for the link and
    :class:`ValidationError` when fewer than ``min_raters`` nominees would be left.
    """
    subject = subject_for_approval(token)
    nominations = list(subject.nominations.select_related("staff"))
    kept = [n for n in nominations if n.pk in set(keep)]
    k = subject.cycle.min_raters
    if len(kept) < k:
        raise ValidationError(
            {"keep": f"Keep at least {k} people: fewer could never be shown anonymously."}
        )
    with transaction.atomic():
        locked = Subject.objects.select_for_update().filter(
            pk=subject.pk, status=Subject.AWAITING_APPROVAL
        )
        if locked.update(status=Subject.APPROVED) != 1:
            raise Refused("This list has already been approved.")
        Nomination.objects.filter(pk__in=[n.pk for n in kept]).update(approved=True)
        raters = [(subject.staff, SELF), (subject.manager, MANAGER)]
        raters += [(n.staff, n.group) for n in kept]
        pairs = [
            (RaterInvite(subject=subject, staff=member, group=group), new_token())
            for member, group in raters
        ]
        for invite, secret in pairs:
            invite.token_hash = keyed_hash(services.RATING, secret)
            invite.sent_on = services.today()
        made = RaterInvite.objects.bulk_create([invite for invite, _ in pairs])
        Unanswered.objects.bulk_create([Unanswered(invite=invite) for invite in made])
    emails.send([emails.rating_message(invite, secret) for invite, secret in pairs])
    return len(pairs)


def nominees_by_group(subject: Subject) -> list[tuple[str, list[Nomination]]]:
    """The subject's nominations per group, for the approval page."""
    nominations = list(subject.nominations.select_related("staff"))
    return [(g, [n for n in nominations if n.group == g]) for g in (PEER, DIRECT_REPORT, OTHER)]
