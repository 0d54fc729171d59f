"""A closed 360 cycle for the demo trust, run through the real services.

:func:`build_feedback` picks leaders (line managers on the roster), each with a manager, five
peers from other units, four of the people in their own unit and one other colleague; it runs
the cycle exactly as staff would (nominate, approve, rate, close), reading the personal links
from the messages the services send (kept in memory, not emailed). One leader is the planted
self-over-rater: she rates herself near the top while everyone else rates her low, so her
report shows the self-other gap and blind spots.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
from django.core import mail
from django.test.utils import override_settings

from ethos.feedback import nominating, rating, services
from ethos.feedback.models import Cycle, Subject
from ethos.feedback.rating import Ballot
from ethos.organisations.models import Organisation, StaffMember
from ethos.surveys.instrument import instrument_of

LINK = re.compile(r"/feedback/(?P<page>[\w-]+)/#t=(?P<token>\S+)")
LEADERS = 4
NOT_SEEN = 9


def build_feedback(
    organisation: Organisation, seed: int = 2026
) -> tuple[Cycle, dict[str, Any]] | None:
    """Create, run and close a cycle; return it and the truth (the self-over-rater's id).

    A trust too small to give two leaders their raters gets no cycle (``None``).
    """
    rng = np.random.default_rng(seed)
    staff = list(
        StaffMember.objects.filter(organisation=organisation, active=True).select_related("unit")
    )
    cast = _cast(staff, rng)
    if len(cast) < 2:
        return None
    today = services.today()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        cycle = services.create_cycle(
            organisation, "Leadership 360 (demo)", today - dt.timedelta(days=20), today, 3
        )
        for leader, manager, _ in cast:
            services.add_subject(cycle, leader.staff_id, manager.staff_id)
        services.open_cycle(cycle)
        for leader, manager, raters in cast:
            _nominate_and_approve(leader, manager, raters)
        planted = cast[0][0].staff_id
        _rate_everyone(cycle, {leader.staff_id: leader for leader, _, _ in cast}, planted, rng)
        services.close_cycle(cycle)
        mail.outbox = []
    return cycle, {"self_over_rater": planted, "leaders": [c[0].staff_id for c in cast]}


def _cast(staff: list[StaffMember], rng: np.random.Generator) -> list[tuple[Any, Any, dict]]:
    managers = [s for s in staff if s.line_manager]
    by_unit: dict[int, list[StaffMember]] = {}
    for s in staff:
        by_unit.setdefault(s.unit_id, []).append(s)
    big = [m for m in managers if len(by_unit[m.unit_id]) >= 8]
    count = min(LEADERS, len(big) - 1)
    if count < 2 or len(staff) < 40:
        return []
    chosen = [big[i] for i in rng.choice(len(big), size=count + 1, replace=False)]
    leaders, boss = chosen[:count], chosen[count]
    taken = {s.pk for s in chosen}
    cast = []
    for leader in leaders:
        team = [s for s in by_unit[leader.unit_id] if s.pk not in taken][:4]
        elsewhere = [s for s in staff if s.unit_id != leader.unit_id and s.pk not in taken]
        picks = [elsewhere[i] for i in rng.choice(len(elsewhere), size=6, replace=False)]
        raters = {"peer": picks[:5], "direct_report": team, "other": picks[5:]}
        cast.append((leader, boss, raters))
    return cast


def _link(email: str, page: str) -> str:
    for message in reversed(mail.outbox):
        found = LINK.search(message.body)
        if email in message.to and found and found.group("page") == page:
            return found.group("token")
    raise RuntimeError(f"no {page} link for {email}")


def _nominate_and_approve(leader: Any, manager: Any, raters: dict) -> None:
    chosen = {group: [s.staff_id for s in people] for group, people in raters.items()}
    nominating.nominate_raters(_link(leader.email, "nominate"), chosen)
    subject = Subject.objects.filter(staff=leader).latest("pk")
    nominating.approve_nominations(
        _link(manager.email, "approve"), set(subject.nominations.values_list("pk", flat=True))
    )


def _rate_everyone(cycle: Cycle, leaders: dict, planted: str, rng: np.random.Generator) -> None:
    items = [i.id for i in instrument_of(cycle.instrument_yaml).items]
    for message in list(mail.outbox):
        found = LINK.search(message.body)
        if not found or found.group("page") != "rate":
            continue
        invite, ballot = rating.begin_rating(found.group("token"))
        about = invite.subject.staff.staff_id
        level = 2.3 if about == planted and invite.group != "self" else 4.0
        if invite.group == "self":
            level = 4.8 if about == planted else 4.2
        scores = np.clip(np.rint(rng.normal(level, 0.6, len(items))), 1, 5).astype(int)
        answers = {item: int(s) for item, s in zip(items, scores, strict=True)}
        answers[items[int(rng.integers(len(items)))]] = NOT_SEEN
        rating.submit_rating(Ballot(ballot.token, answers))
