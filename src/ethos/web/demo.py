"""``ethos demo``: a synthetic trust in a real Ethos, ready to sign in to.

:func:`prepare` points the settings at a fresh SQLite database in the demo's data folder
(with a secret key generated once and kept there); :func:`build_demo` then fills it through
the same services the web pages call: an organisation with its unit tree and roster, four
users (admin, analyst, a unit manager, a board viewer), last year's and this year's culture
surveys (closed, so their final results are published with the year-on-year comparison) and
an open pulse survey with invitations, a kiosk code and an open link.

Only two things bypass the services, for speed: the roster goes in with one ``bulk_create``
(as a roster import would), and the closed surveys' responses go in through
:func:`load_responses`, the demo's stand-in for importing paper questionnaires. Responses to
the open pulse survey go through the real submission service, one by one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path("demo-data")
DATABASE_FILE = "ethos.sqlite3"
SECRET_FILE = "secret-key"
# Ethnicity and disability feed WRES and WDES, shown for the whole organisation only: with
# both shown for every unit as well, the cross-tab rule would hide them at the top.
BREAKDOWNS = ("ethnicity", "disability")
PULSE_RESPONSES = 24  # submitted through the real service, so an interim read is due

FIRST = tuple(
    [
        "Aisha",
        "Ben",
        "Chloe",
        "Dafydd",
        "Efua",
        "Fatima",
        "George",
        "Hannah",
        "Imran",
        "Jia",
        "Kofi",
        "Laura",
        "Mei",
        "Niamh",
        "Olu",
        "Priya",
        "Rhys",
        "Sam",
        "Tomasz",
        "Uche",
        "Valentina",
        "Wen",
        "Yusuf",
        "Zara",
    ]
)
LAST = tuple(
    [
        "Adeyemi",
        "Brown",
        "Chen",
        "Davies",
        "Evans",
        "Fernandes",
        "Green",
        "Hughes",
        "Iqbal",
        "Jones",
        "Khan",
        "Lewis",
        "Mensah",
        "Nowak",
        "Okafor",
        "Patel",
        "Roberts",
        "Singh",
        "Taylor",
        "Williams",
        "Wright",
        "Yilmaz",
    ]
)
STAFF_GROUPS = (
    "Registered nurses and midwives",
    "Medical and dental",
    "Allied health professionals",
    "Additional clinical services",
    "Administrative and clerical",
    "Estates and ancillary",
)
PAY_BANDS = ("Band 2", "Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a", "Medical")


@dataclass
class Demo:
    """What the demo built: where it is and how to get in (passwords and links shown once)."""

    base_url: str
    passwords: dict[str, str]
    roles: dict[str, str]
    respondent_link: str
    kiosk_code: str
    kiosk_unit: str
    kiosk_link: str
    open_link: str
    staff: int
    units: int
    responses: dict[str, int] = field(default_factory=dict)
    workforce_files: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def prepare(data_dir: Path, base_url: str | None = None) -> Path:
    """Point the environment at a fresh demo database in ``data_dir`` and set Django up.

    Deletes the demo's old database (and its WAL files). The secret key is generated on the
    first run and kept in ``data_dir/secret-key`` (readable by the owner only). Must run before
    anything imports the Django settings. Returns the database path.
    """
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    ignore = data_dir / ".gitignore"  # keep the key and database out of any checkout
    if not ignore.exists():
        ignore.write_text("# Written by ethos demo: nothing here belongs in git.\n*\n")
    database = data_dir / DATABASE_FILE
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    secret = data_dir / SECRET_FILE
    if not secret.exists() or not secret.read_text().strip():
        secret.write_text(secrets.token_urlsafe(50) + "\n")
    secret.chmod(0o600)
    os.environ["ETHOS_DATA_DIR"] = str(data_dir)
    os.environ["ETHOS_SECRET_KEY"] = secret.read_text().strip()
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ethos.web.settings"
    if base_url:
        os.environ["ETHOS_BASE_URL"] = base_url
    import django

    django.setup()
    return database


def build_demo(
    staff: int = 6000,
    units: int = 240,
    seed: int = 2026,
    say: Callable[[str], None] = lambda _: None,
) -> Demo:
    """Migrate the (fresh) database and build the demo trust in it. Django must be set up."""
    from django.conf import settings
    from django.core.management import call_command

    from ethos.synth import synthesise

    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    say("Creating the database")
    call_command("migrate", verbosity=0, interactive=False)
    lap("migrate")
    say(f"Synthesising a trust of {staff:,} staff in {units:,} units")
    synthetic = synthesise(staff=staff, units=units, seed=seed, instrument="culture")
    synthetic = _with_pseudo_team(synthetic, seed)
    lap("synthesise")
    say("Creating the organisation, its units, roster and users")
    organisation, unit_map = _organisation(synthetic.units)
    _roster(organisation, synthetic.units, unit_map, seed)
    passwords, roles = _users(organisation, synthetic.units, unit_map)
    lap("organisation")
    say("Loading and publishing last year's and this year's culture surveys")
    counts = _culture_surveys(organisation, synthetic, seed)
    lap("culture surveys")
    say("Importing three years of workforce records, recruitment, cases and outcomes")
    workforce_files = _workforce(organisation, synthetic.units, seed)
    lap("workforce")
    say("Running a closed peer nomination campaign")
    from ethos.nominations.demo import build_nominations

    build_nominations(organisation, seed)
    lap("nominations")
    say("Running a closed leadership 360 cycle")
    from ethos.feedback.demo import build_feedback

    build_feedback(organisation, seed)
    lap("360")
    say("Opening a pulse survey")
    links = _pulse_survey(organisation, synthetic.responses, unit_map, seed)
    counts["pulse"] = PULSE_RESPONSES
    lap("pulse survey")
    base = settings.BASE_URL
    return Demo(
        base_url=base,
        passwords=passwords,
        roles=roles,
        staff=int(synthetic.units["headcount"].sum()),
        units=synthetic.units.height,
        responses=counts,
        workforce_files=workforce_files,
        seconds=seconds,
        **links,
    )


# --- the organisation ---------------------------------------------------------------------


def _organisation(frame: Any) -> tuple[Any, dict[str, Any]]:
    from ethos.organisations import services as org
    from ethos.organisations.models import Unit

    organisation = org.create_organisation("Synthetic NHS Trust", "demo", min_group_size=10)
    rows = list(zip(frame["code"], frame["name"], frame["parent"], strict=True))
    org.add_units(organisation, rows)
    return organisation, {u.code: u for u in Unit.objects.filter(organisation=organisation)}


def _roster(organisation: Any, frame: Any, unit_map: Mapping[str, Any], seed: int) -> None:
    """Every unit's headcount as roster entries, with made-up names and addresses, imported
    as a CSV file through the roster import an admin uses."""
    from ethos.organisations import services as org
    from ethos.organisations.models import StaffMember

    rng = random.Random(seed)
    rows = []
    for code, headcount in zip(frame["code"], frame["headcount"], strict=True):
        for _ in range(int(headcount)):
            number = len(rows) + 1
            first, last = rng.choice(FIRST), rng.choice(LAST)
            rows.append(
                {
                    "staff_id": f"E{number:06d}",
                    "name": f"{first} {last}",
                    "email": f"{first}.{last}.{number}@demo.ethos.invalid".lower(),
                    "unit_code": code,
                    "staff_group": rng.choice(STAFF_GROUPS),
                    "pay_band": rng.choice(PAY_BANDS),
                    "line_manager": "yes" if rng.random() < 0.1 else "no",
                }
            )
    importer = getattr(org, "import_roster", None)
    if importer is not None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        report = importer(organisation, "roster.csv", buffer.getvalue().encode())
        if report.problems:
            raise RuntimeError(f"the demo roster was refused: {report.problems[:3]}")
        return
    StaffMember.objects.bulk_create(  # before roster import existed
        [
            StaffMember(
                organisation=organisation,
                unit=unit_map[row.pop("unit_code")],
                line_manager=row.pop("line_manager") == "yes",
                **row,
            )
            for row in rows
        ],
        batch_size=2000,
    )


def _users(
    organisation: Any, frame: Any, unit_map: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """admin, analyst, manager (of the largest directorate) and board, with new passwords."""
    from ethos.organisations import services as org
    from ethos.organisations.models import Role

    directorate = _largest_directorate(frame)
    unit = unit_map[directorate]
    people = [
        ("admin", Role.ADMIN, None, "organisation admin"),
        ("analyst", Role.ANALYST, None, "analyst"),
        ("manager", Role.MANAGER, unit, f"unit manager of {unit.name}"),
        ("board", Role.BOARD, None, "board viewer"),
    ]
    passwords, roles = {}, {}
    for name, role, scope, label in people:
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        user = org.create_user(name, password, f"{name}@demo.ethos.invalid")
        org.grant_role(user, organisation, role, scope)
        passwords[name], roles[name] = password, label
    return passwords, roles


def _largest_directorate(frame: Any) -> str:
    """The level-2 unit with the most staff in its subtree (so its manager sees results)."""
    parents = dict(zip(frame["code"], frame["parent"], strict=True))
    levels = dict(zip(frame["code"], frame["level"], strict=True))
    totals: dict[str, int] = {}
    for code, headcount in zip(frame["code"], frame["headcount"], strict=True):
        node: str | None = code
        while node is not None:
            if levels[node] == 2:
                totals[node] = totals.get(node, 0) + int(headcount)
            node = parents[node]
    return max(totals, key=lambda c: (totals[c], c))


# --- surveys ------------------------------------------------------------------------------


def _culture_surveys(organisation: Any, synthetic: Any, seed: int) -> dict[str, int]:
    from ethos.surveys import services as surveys

    today = surveys.today()
    year_ago = today - dt.timedelta(days=365)
    previous = surveys.create_survey(
        organisation,
        f"Culture survey {year_ago.year}",
        "culture",
        year_ago - dt.timedelta(days=42),
        year_ago,
        breakdowns=BREAKDOWNS,
        breakdowns_at="organisation",
    )
    current = surveys.create_survey(
        organisation,
        f"Culture survey {today.year}",
        "culture",
        today - dt.timedelta(days=44),
        today - dt.timedelta(days=2),
        breakdowns=BREAKDOWNS,
        breakdowns_at="organisation",
        previous=previous,
    )
    counts = {}
    for survey, frame, offset in (
        (previous, synthetic.previous, 1),
        (current, synthetic.responses, 2),
    ):
        surveys.open_survey(survey)
        rows = _rows(frame)
        _invite(survey, [unit for unit, _ in rows], seed + offset)
        counts[survey.title] = load_responses(survey, rows, random.Random(seed + offset))
    surveys.close_survey(previous)  # previous first: the current one compares with it
    surveys.close_survey(current)
    return counts


def _with_pseudo_team(synthetic: Any, seed: int) -> Any:
    """This year's responses with one team made a pseudo-team, for the team-working page."""
    import dataclasses

    from ethos.synth.leadership import plant_pseudo_team

    responses, _truth = plant_pseudo_team(synthetic.responses, synthetic.units, seed)
    return dataclasses.replace(synthetic, responses=responses)


def _workforce(organisation: Any, units: Any, seed: int) -> int:
    """Import synthetic workforce files for the three reporting years up to last year's survey.

    Outcomes follow last year's survey (the one that closed in the latest reporting year), so
    the culture and outcomes dashboard finds the planted link between support and compassion
    and patient experience.
    """
    from ethos.surveys.services import today
    from ethos.synth.workforce import support_effects, synthesise_workforce, to_file
    from ethos.workforce.schema import KINDS
    from ethos.workforce.services import import_workforce_file, reporting_year

    year = reporting_year(today() - dt.timedelta(days=365))
    support = support_effects(units, seed, wave="previous")
    data = synthesise_workforce(units, year, seed=seed, support=support, years=3)
    imported = 0
    for file_year in data.years:
        for kind in KINDS:
            if kind not in data.yearly and file_year != data.year:
                continue
            body = to_file(data.frame(kind, file_year), kind).write_csv().encode()
            report = import_workforce_file(organisation, file_year, kind, f"{kind}.csv", body)
            if not report.ok:
                raise RuntimeError(f"demo {kind} {file_year}: {report.problems[:3]}")
            imported += 1
    return imported


def _rows(frame: Any) -> list[tuple[str, dict[str, int | str]]]:
    """``(unit code, answers)`` per synthetic response; unanswered questions left out."""
    columns = [c for c in frame.columns if c != "unit"]
    out = []
    for row in frame.iter_rows(named=True):
        answers = {c: row[c] for c in columns if row[c] is not None}
        out.append(
            (row["unit"], {k: v if isinstance(v, str) else int(v) for k, v in answers.items()})
        )
    return out


def _plain(value: Any) -> int | str:
    return value if isinstance(value, str) else int(value)


def _invite(survey: Any, responded_units: Iterable[str], seed: int) -> None:
    """Invite the whole population and mark as many invitations used in each unit as the unit
    has responses (in a real survey, each response marks its own invitation)."""
    from ethos.surveys import services as surveys
    from ethos.surveys.models import Invitation, Unanswered

    pairs = surveys.issue_invitations(survey)
    by_unit: dict[str, list[int]] = {}
    rng = random.Random(seed)
    for member, _token in pairs:
        by_unit.setdefault(member.unit.code, []).append(member.pk)
    wanted: dict[str, int] = {}
    for code in responded_units:
        wanted[code] = wanted.get(code, 0) + 1
    used: list[int] = []
    for code, count in wanted.items():
        staff = by_unit.get(code, [])
        used.extend(rng.sample(staff, min(count, len(staff))))
    for start in range(0, len(used), 900):  # SQLite allows 999 parameters per query
        chunk = Invitation.objects.filter(survey=survey, staff_id__in=used[start : start + 900])
        chunk.update(sent_on=survey.opens_on)
        Unanswered.objects.filter(invitation__in=list(chunk.values_list("pk", flat=True))).delete()


def load_responses(
    survey: Any, rows: Iterable[tuple[str, Mapping[str, int | str]]], rng: random.Random
) -> int:
    """Store ``(unit code, answers)`` rows as responses to ``survey``, in bulk.

    The demo's stand-in for importing paper questionnaires: each row is checked against the
    survey's instrument exactly as a web submission is (:func:`responding.check_ballot`) and
    stored with the same fields :func:`responding.submit_response` writes (a random key, the
    unit, the day only, the answers given and a random submission key), but thousands at a
    time instead of one transaction each. Returns how many were stored.
    """
    from ethos.organisations.models import Unit
    from ethos.surveys import responding
    from ethos.surveys.models import Response

    units = dict(Unit.objects.filter(organisation=survey.organisation_id).values_list("code", "pk"))
    days = max((survey.closes_on - survey.opens_on).days, 0)
    batch: list[Response] = []
    stored = 0
    for code, answers in rows:
        ballot = responding.Ballot(str(survey.pk), "paper", answers=dict(answers))
        responding.check_ballot(survey, ballot)
        batch.append(
            Response(
                id=uuid.uuid4(),
                survey=survey,
                unit_id=units[code],
                submitted_on=survey.opens_on + dt.timedelta(days=rng.randint(0, days)),
                answers=ballot.answers,
                submission_key=uuid.uuid4(),
            )
        )
        if len(batch) == 2000:
            stored += len(Response.objects.bulk_create(batch))
            batch = []
    if batch:
        stored += len(Response.objects.bulk_create(batch))
    return stored


def _pulse_survey(
    organisation: Any, responses: Any, unit_map: Mapping[str, Any], seed: int
) -> dict[str, str]:
    """An open pulse survey: everyone invited, some answers in through the real service, a
    kiosk code for one ward and an open link."""
    from ethos.surveys import responding
    from ethos.surveys import services as surveys
    from ethos.surveys.instrument import allowed_answers

    today = surveys.today()
    pulse = surveys.create_survey(
        organisation, f"Pulse survey {today:%B %Y}", "pulse", today, today + dt.timedelta(days=21)
    )
    surveys.open_survey(pulse)
    pairs = surveys.issue_invitations(pulse)
    rng = random.Random(seed + 3)
    rng.shuffle(pairs)
    asked = allowed_answers(pulse.instrument_yaml)
    for (_member, token), (_unit, answers) in zip(
        pairs[1 : PULSE_RESPONSES + 1], _rows(responses.head(PULSE_RESPONSES)), strict=True
    ):
        survey, ballot = responding.begin_with_token(token)
        kept = {k: v for k, v in answers.items() if k in asked}
        responding.submit_response(survey, ballot.with_answers(kept, tuple(kept)))
    ward = next(u for u in unit_map.values() if u.depth == max(v.depth for v in unit_map.values()))
    kiosk = surveys.create_kiosk_code(pulse, ward)
    key = surveys.create_open_link(pulse)
    return {
        "respondent_link": f"{_address('respond:start', '/take/')}#t={pairs[0][1]}",
        "kiosk_code": kiosk,
        "kiosk_unit": ward.name,
        "kiosk_link": _address("respond:kiosk", "/kiosk/"),
        "open_link": _address("respond:open", f"/o/{key}/", key=key),
    }


def _address(name: str, fallback: str, **kwargs: str) -> str:
    """The full address of a respondent page (``fallback`` if that page does not exist)."""
    from django.conf import settings
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        path = fallback
    return f"{settings.BASE_URL}{path}"


def summary(demo: Demo) -> list[str]:
    """The lines to print: what was built, how long it took, how to sign in and respond."""
    width = max(len(n) for n in demo.passwords)
    lines = [
        f"Ethos demo built in {demo.total_seconds:.1f} s: {demo.staff:,} staff in "
        f"{demo.units:,} units; "
        + ", ".join(f"{n:,} responses to {t}" for t, n in demo.responses.items() if t != "pulse")
        + f"; an open pulse survey with {demo.responses.get('pulse', 0)} responses so far; "
        f"{demo.workforce_files} workforce files (three reporting years).",
        "  (" + ", ".join(f"{k} {v:.1f} s" for k, v in demo.seconds.items()) + ")",
        "",
        f"Sign in at {demo.base_url}/ as (passwords are new each run):",
    ]
    for name, password in demo.passwords.items():
        lines.append(f"  {name:<{width}}  {password}  ({demo.roles[name]})")
    lines += [
        "",
        "Answer the open pulse survey:",
        f"  personal invitation link (works once): {demo.respondent_link}",
        f"  kiosk code for {demo.kiosk_unit}: {demo.kiosk_code}  (enter it at {demo.kiosk_link})",
        f"  open link (pick your team): {demo.open_link}",
    ]
    return lines
