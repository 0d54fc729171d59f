"""The cast every web test knows (DESIGN.md, principle 7).

North Trust has two directorates:

- Medicine: Ward 12 (12 respondents, shown), Ward 4 (4 respondents, always hidden) and the
  directorate office (11 respondents attached to the directorate itself);
- Surgery: Theatres (14 respondents) and Recovery (13 respondents).

People: Ada the organisation admin, Ann the analyst, Mo the manager of Medicine (she sees
only Medicine and its wards), Bo the board viewer, and Oscar, admin of South Trust, who must
see nothing of North Trust. Every password is ``PASSWORD``.

``closed`` is a closed culture survey whose responses went in through the real submission
service, one per invitation; ``open`` is an open pulse survey with a kiosk code and an open
link, and ``tokens`` holds unused invitation tokens for it, one per staff member. North Trust
also has 2026 workforce files (staff records and one leadership post); South Trust has none.
``campaign`` is North Trust's closed peer-nomination campaign (threshold 3): four colleagues
on Ward 12 named W12-005 for compassion, so only her name may be shown, to Ada.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core import mail

from ethos.organisations import services as org
from ethos.organisations.models import Organisation, Role, StaffMember, Unit
from ethos.surveys import responding
from ethos.surveys import services as surveys
from ethos.surveys.instrument import instrument_of
from ethos.surveys.models import Survey

PASSWORD = "correct horse battery staple 42"
TREE = [
    ("RX1", "North Trust", None),
    ("MED", "Medicine", "RX1"),
    ("W12", "Ward 12", "MED"),
    ("W4", "Ward 4", "MED"),
    ("SUR", "Surgery", "RX1"),
    ("THE", "Theatres", "SUR"),
    ("REC", "Recovery", "SUR"),
]
RESPONDENTS = {"W12": 12, "W4": 4, "MED": 11, "THE": 14, "REC": 13}


@dataclass
class Cast:
    trust: Organisation
    other_trust: Organisation
    units: dict[str, Unit]
    users: dict[str, Any]
    closed: Survey
    open: Survey
    tokens: dict[str, str] = field(default_factory=dict)  # staff id -> unused token (open)
    kiosk_code: str = ""
    open_link: str = ""
    campaign: Any = None  # closed peer-nomination campaign


def answers_for(index: int, survey: Survey, demographics: dict[str, int]) -> dict:
    """Deterministic, varied answers to every item, from each item's scoring options."""
    instrument = instrument_of(survey.instrument_yaml)
    out: dict[str, int | str] = {}
    for position, item in enumerate(instrument.items):
        codes = [o.code for o in instrument.scales[item.scale].options if o.score is not None]
        out[item.id] = codes[(index + position) % len(codes)]
    out.update(demographics)
    return out


def build_cast() -> Cast:
    trust = org.create_organisation("North Trust", "north", min_group_size=10)
    other = org.create_organisation("South Trust", "south", min_group_size=10)
    org.add_units(trust, TREE)
    org.add_units(other, [("SX1", "South Trust", None), ("SW1", "South Ward", "SX1")])
    units = {u.code: u for u in Unit.objects.filter(organisation=trust)}
    staff = []
    for code, count in RESPONDENTS.items():
        for n in range(count):
            staff.append(
                StaffMember(
                    organisation=trust,
                    staff_id=f"{code}-{n:03d}",
                    name=f"Staff {code} {n}",
                    email=f"{code.lower()}.{n}@north.example",
                    unit=units[code],
                    staff_group="Nursing" if n % 2 else "Medical",
                    pay_band="Band 5",
                )
            )
    StaffMember.objects.bulk_create(staff)
    users = {}
    for name, organisation, role, unit in [
        ("ada", trust, Role.ADMIN, None),
        ("ann", trust, Role.ANALYST, None),
        ("mo", trust, Role.MANAGER, units["MED"]),
        ("bo", trust, Role.BOARD, None),
        ("oscar", other, Role.ADMIN, None),
    ]:
        user = org.create_user(name, PASSWORD, f"{name}@example.org")
        org.grant_role(user, organisation, role, unit)
        users[name] = user

    today = surveys.today()
    closed = surveys.create_survey(
        trust,
        "Culture survey 2026",
        "culture",
        today - dt.timedelta(days=30),
        today + dt.timedelta(days=1),
        breakdowns=["sex"],
    )
    surveys.open_survey(closed)
    pairs = surveys.issue_invitations(closed)
    fields = (*instrument_of(closed.instrument_yaml).item_ids, "sex")
    for index, (member, token) in enumerate(sorted(pairs, key=lambda p: p[0].staff_id)):
        survey, ballot = responding.begin_with_token(token)
        ballot = ballot.with_answers(answers_for(index, survey, {"sex": 1 + index % 2}), fields)
        if index % 3 == 0:
            comment = {"ft_improve": f"More time to talk, says {member.unit.code}."}
            ballot = ballot.with_answers(comment, ("ft_improve",))
        responding.submit_response(survey, ballot)
    surveys.close_survey(closed)

    open_survey = surveys.create_survey(
        trust, "Pulse survey", "pulse", today, today + dt.timedelta(days=14)
    )
    surveys.open_survey(open_survey)
    tokens = {m.staff_id: t for m, t in surveys.issue_invitations(open_survey)}
    kiosk = surveys.create_kiosk_code(open_survey, units["W12"])
    link = surveys.create_open_link(open_survey)
    mail.outbox = getattr(mail, "outbox", [])
    _workforce(trust)
    campaign = _nominations(trust)
    return Cast(trust, other, units, users, closed, open_survey, tokens, kiosk, link, campaign)


WORKFORCE_YEAR = 2026


def _workforce(trust: Organisation) -> None:
    """North Trust's 2026 staff records and one leadership post: enough for tenancy checks."""
    from ethos.workforce.services import import_workforce_file

    header = "staff_id,unit_code,pay_band,clinical,ethnicity,disability,age_band,start_date"
    rows = [
        f"{code}-{n:03d},{code},Band 5,yes,White,No,31-35,2015-01-01"
        for code, count in RESPONDENTS.items()
        for n in range(count)
    ]
    staff = ("\n".join([header, *rows]) + "\n").encode()
    posts = b"post_id,unit_code,level,holder,cover\nP1,W12,Team,W12-000,\n"
    for kind, data in (("staff", staff), ("posts", posts)):
        report = import_workforce_file(trust, WORKFORCE_YEAR, kind, f"{kind}.csv", data)
        assert report.ok, report.problems


def _nominations(trust: Organisation) -> Any:
    """A closed peer-nomination campaign: W12-001..004 nominate W12-005 for compassion."""
    from ethos.nominations import services as nominations

    today = surveys.today()
    campaign = nominations.create_campaign(
        trust,
        "Leaders we follow 2026",
        today - dt.timedelta(days=7),
        today + dt.timedelta(days=7),
        threshold=3,
        values=["compassion", "working_together"],
    )
    tokens = {m.staff_id: t for m, t in nominations.open_campaign(campaign, send=False)}
    pick = nominations.Pick("compassion-1", "compassion", "W12-005", "Always kind to everyone.")
    for n in range(1, 5):
        nominations.nominate(tokens[f"W12-{n:03d}"], [pick])
    nominations.close_campaign(campaign)
    return campaign
