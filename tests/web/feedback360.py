"""What the 360 tests share: running a cycle through the real services and reading the links
from the emails they send (Django's locmem backend, as the test settings configure).

The cast's North Trust supplies everyone: the leader Staff W12 0 (Ward 12, whose culture
results are shown), her manager Staff MED 0, peers from Theatres, the people she manages
from Ward 12 and others from Recovery.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail

from ethos.feedback import nominating, rating, services
from ethos.feedback.models import Cycle, RaterInvite, Subject
from ethos.feedback.rating import Ballot
from ethos.organisations.models import StaffMember
from ethos.surveys.instrument import instrument_of

LEADER, MANAGER = "W12-000", "MED-000"
LINK = re.compile(r"/feedback/(?P<page>[\w-]+)/#t=(?P<token>\S+)")


def link_for(email: str, page: str) -> str:
    """The token in the latest email to ``email`` that links to ``/feedback/<page>/``."""
    for message in reversed(mail.outbox):
        if email in message.to:
            found = LINK.search(message.body)
            if found and found.group("page") == page:
                return found.group("token")
    raise AssertionError(f"no {page} link was emailed to {email}")


def email_of(staff_id: str) -> str:
    return StaffMember.objects.get(staff_id=staff_id).email


def start_cycle(cast, leader: str = LEADER, manager: str = MANAGER, min_raters: int = 3):
    """A cycle with one leader, opened: returns the cycle, the subject and her link."""
    today = services.today()
    cycle = services.create_cycle(
        cast.trust, "North leadership 360", today, today + dt.timedelta(days=14), min_raters
    )
    subject = services.add_subject(cycle, leader, manager)
    services.open_cycle(cycle)
    return cycle, subject, link_for(email_of(leader), "nominate")


def invite_raters(
    cast, peers: int = 5, reports: int = 3, others: int = 1, leader: str = LEADER
) -> tuple[Cycle, Subject, dict[str, str]]:
    """Nominate and approve everyone: returns the cycle, the subject and each rater's token
    by staff id (the leader's self-assessment and her manager's rating included)."""
    cycle, subject, token = start_cycle(cast, leader)
    chosen = {
        "peer": [f"THE-{n:03d}" for n in range(peers)],
        "direct_report": [f"W12-{n + 1:03d}" for n in range(reports)],
        "other": [f"REC-{n:03d}" for n in range(others)],
    }
    nominating.nominate_raters(token, chosen, fewer_reports=reports < 3)
    approval = link_for(email_of(MANAGER), "approve")
    nominating.approve_nominations(approval, set(subject.nominations.values_list("pk", flat=True)))
    staff_ids = [leader, MANAGER, *(s for group in chosen.values() for s in group)]
    tokens = {s: link_for(email_of(s), "rate") for s in staff_ids}
    subject.refresh_from_db()
    return cycle, subject, tokens


def answers_for(cycle: Cycle, seed: int, comment: str = "") -> dict[str, int | str]:
    """Deterministic answers to every statement (now and then "not seen enough")."""
    instrument = instrument_of(cycle.instrument_yaml)
    out: dict[str, int | str] = {}
    for position, item in enumerate(instrument.items):
        value = 1 + (seed * 7 + position * 3) % 5
        out[item.id] = 9 if (seed + position) % 11 == 0 else value
    if comment:
        out["ft_keep_doing"] = comment
    return out


def rate(token: str, answers: dict[str, int | str]) -> None:
    _invite, ballot = rating.begin_rating(token)
    rating.submit_rating(Ballot(ballot.token, dict(answers)))


def group_of(subject: Subject, staff_id: str) -> str:
    return RaterInvite.objects.get(subject=subject, staff__staff_id=staff_id).group


def closed_cycle(cast) -> tuple[Cycle, Subject]:
    """A closed cycle of North Trust with one leader and no ratings (for the access tests,
    whose URLs need a real cycle and leader; made once per cast)."""
    if getattr(cast, "feedback", None) is None:
        cycle, subject, _ = start_cycle(cast)
        services.close_cycle(cycle)
        cast.feedback = (cycle, subject)
    return cast.feedback
