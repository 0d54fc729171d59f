"""Hostile text in the 360, peer nomination and workforce features (issue 4, item 7).

:mod:`tests.web.test_injection` covers organisations, rosters, surveys and results; this
module spreads the same corpus (:mod:`tests.web.xss_corpus`) over the text people type into
the features added since:

- 360 feedback: the cycle's title, its own instrument (description, section titles,
  statements, answer options, measure labels, comment questions), the leaders', managers'
  and raters' names (roster fields), what raters write in the comments, the nominees typed
  on the nomination form and the staff IDs typed on the cycle page;
- peer nomination: the campaign's title, the colleagues and reasons typed on the form,
  nominees' names and units, and the staff IDs typed to record an opt-out;
- workforce files: every cell an import error report echoes (CSV and XLSX), and the unit
  names, survey title and measure labels the workforce pages and WRES/WDES returns show.

One data set is built for the module through the real services and pages, then: no page
holds markup from a payload, every payload with ``<`` or ``>`` is escaped wherever it
appears, every field shows its own payloads as text, template syntax stays literal, the
emails are plain text with the payloads as written, the 360 report's PDF is made from
escaped HTML without fetching anything, and the WRES and WDES returns (CSV and XLSX)
neutralise every text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from unittest import mock
from xml.sax.saxutils import escape as xml_escape

import pytest
import yaml
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ethos.feedback import rating
from ethos.feedback import services as feedback
from ethos.feedback.models import Nomination as RaterNomination
from ethos.instruments.loader import shipped_text
from ethos.nominations import services as nominations
from ethos.nominations.models import Nomination
from ethos.organisations import services as org
from ethos.organisations.models import Role, StaffMember
from ethos.surveys import responding
from ethos.surveys import services as surveys
from ethos.surveys.instrument import instrument_of
from ethos.workforce import services as workforce
from ethos.workforce.survey import WDES_SURVEY, WRES_SURVEY
from tests.web.feedback360 import answers_for, link_for, rate
from tests.web.injection_common import (
    Slots,
    built_once,
    csv_bytes,
    csv_cells,
    formula_cells,
    hidden,
    is_number,
    markup_problems,
    roster_csv,
    shown,
    unescaped,
    xlsx_cells,
)
from tests.web.personas import PASSWORD
from tests.web.xss_corpus import FORMULA_STARTS, FORMULAS, PAYLOADS, TEMPLATE_INJECTION

pytestmark = pytest.mark.django_db

WARDS = {"WA1": "DA", "WA2": "DA", "WB1": "DB", "WB2": "DB"}  # ward -> directorate
PER_WARD = 7
LEADER, MANAGER = "S000", "S100"
PEERS, REPORTS, OTHERS = ["S101", "S102", "S103"], ["S001", "S002", "S003"], ["S200"]
NOMINEE, NOMINATORS, OPTS_OUT = "S300", ["S301", "S302", "S303", "S304"], "S305"
FETCH = '<img src="http://127.0.0.1:9/xss-fetch">'  # what WeasyPrint would fetch if unescaped
LINK_FETCH = '<link rel="stylesheet" href="http://127.0.0.1:9/xss-fetch.css">'
NOT_SPLIT = [p for p in PAYLOADS if not re.search(r"[,;\n]", p) and p.strip()]


@dataclass
class World:
    organisation: object = None
    cycle: object = None
    campaign: object = None
    survey: object = None
    year: int = 0
    pages: dict[str, str] = field(default_factory=dict)  # label -> HTML
    fields: dict[str, list[str]] = field(default_factory=dict)  # label -> texts it shows
    roster: list[dict[str, str]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  # those the 360 report shows
    reasons: list[str] = field(default_factory=list)  # nomination reasons stored
    emails: list = field(default_factory=list)
    exports: dict[str, bytes] = field(default_factory=dict)
    pdf_html: list[str] = field(default_factory=list)  # what WeasyPrint was given
    pdfs: dict[str, object] = field(default_factory=dict)  # label -> response
    fetched: list[str] = field(default_factory=list)  # URLs WeasyPrint tried to fetch
    placed: dict[str, int] = field(default_factory=dict)  # feature -> payloads placed

    def expect(self, label: str, *texts: str) -> None:
        """The page ``label`` must show each of ``texts`` as text."""
        self.fields.setdefault(label, []).extend(texts)


def email(staff_id: str) -> str:
    return f"{staff_id.lower()}@hostile.example"


def name_of(staff_id: str) -> str:
    return StaffMember.objects.get(staff_id=staff_id).name


def get(client: Client, world: World, label: str, url: str, status: int = 200, **data) -> str:
    response = client.get(url, data)
    assert response.status_code == status, (label, url, response.status_code)
    world.pages[label] = response.content.decode()
    return world.pages[label]


def post(client: Client, world: World, label: str | None, url: str, data: dict, status=200):
    response = client.post(url, data)
    assert response.status_code == status, (label, url, response.status_code)
    html = response.content.decode()
    if label:
        world.pages[label] = html
    return html


def staff_client(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def reporting_year(day: dt.date) -> int:
    return day.year + 1 if day.month >= 4 else day.year


# --- the organisation -------------------------------------------------------------------------


def build_organisation(world: World, slots: Slots) -> None:
    """A root, two directorates and four wards (names are payloads, codes plain), a roster
    of named staff (names are payloads) and two staff IDs that are payloads."""
    organisation = org.create_organisation(slots.take(one_line=True), "hostile", min_group_size=5)
    rows = [
        ("ROOT", slots.take(), None),
        ("DA", slots.take(), "ROOT"),
        ("DB", slots.take(), "ROOT"),
    ]
    rows += [(ward, slots.take(), parent) for ward, parent in WARDS.items()]
    org.add_units(organisation, rows)
    roster = [
        {
            "staff_id": f"S{w}{n:02d}",
            "name": slots.take(),
            "email": email(f"S{w}{n:02d}"),
            "unit_code": ward,
            "staff_group": slots.take(100),
            "pay_band": slots.take(40),
            "line_manager": "yes" if n == 0 else "no",
        }
        for w, ward in enumerate(WARDS)
        for n in range(PER_WARD)
    ]
    roster[0]["name"] = FETCH  # the leader: her name heads the 360 report's PDF
    for n in range(2):  # staff IDs that are payloads (typed again on the opt-out page)
        staff_id = slots.take(60, one_line=True)
        roster.append({"staff_id": staff_id, "name": slots.take(), "unit_code": "WB2"})
        roster[-1]["email"] = f"odd{n}@hostile.example"
    report = org.import_roster(organisation, "roster.csv", roster_csv(roster))
    assert report.ok, [str(p) for p in report.problems]
    for name, role in (("hada", Role.ADMIN), ("hann", Role.ANALYST)):
        org.grant_role(org.create_user(name, PASSWORD, f"{name}@example.org"), organisation, role)
    world.organisation = organisation
    world.roster = roster


# --- a culture survey whose measure labels are payloads (for the workforce pages) --------------


def survey_yaml(slots: Slots) -> str:
    """A small culture instrument with the measures the WRES and WDES take from the survey;
    their labels are the formula payloads, the one the outcomes chart plots is markup."""
    wanted = dict.fromkeys(m for _, m in (*WRES_SURVEY, *WDES_SURVEY))
    labels = iter(FORMULAS)
    measures = [
        {"id": m, "label": next(labels), "method": "mean", "items": ["q1", "q2"]} for m in wanted
    ]
    measures.append(
        {"id": "support_compassion", "label": slots.take(), "method": "mean", "items": ["q3"]}
    )
    agree = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]
    document = {
        "id": "culture",
        "version": "1.0",
        "title": "Hostile culture",
        "scales": {
            "agree": {"options": [{"code": n + 1, "label": t} for n, t in enumerate(agree)]}
        },
        "items": [{"id": f"q{n}", "text": f"Statement {n}", "scale": "agree"} for n in (1, 2, 3)],
        "measures": measures,
        "demographics": [
            {
                "id": "ethnicity",
                "text": "Ethnicity",
                "options": [
                    {"code": 1, "label": "White"},
                    {"code": 2, "label": "Black and minority ethnic"},
                    {"code": 9, "label": "Prefer not to say"},
                ],
                "not_stated": [9],
            },
            {
                "id": "disability",
                "text": "Disability",
                "options": [
                    {"code": 1, "label": "Yes"},
                    {"code": 2, "label": "No"},
                    {"code": 9, "label": "Prefer not to say"},
                ],
                "not_stated": [9],
            },
        ],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def run_survey(world: World, slots: Slots) -> None:
    today = surveys.today()
    survey = surveys.create_survey(
        world.organisation,
        slots.take(one_line=True),
        survey_yaml(slots),
        today,
        today,
        breakdowns=["ethnicity", "disability"],
    )
    surveys.open_survey(survey)
    mail.outbox = []
    surveys.send_invitations(survey)
    for index, message in enumerate(mail.outbox):
        _, ballot = responding.begin_with_token(re.search(r"#t=(\S+)", message.body).group(1))
        answers = {f"q{n}": 1 + (index + n) % 5 for n in (1, 2, 3)}
        answers |= {"ethnicity": 1 + index % 2, "disability": 1 + index % 2}
        responding.submit_response(survey, ballot.with_answers(answers, tuple(answers)))
    world.survey = surveys.close_survey(survey)


# --- 360 feedback ------------------------------------------------------------------------------


def instrument_360(slots: Slots) -> str:
    """The shipped 360 instrument with every text a rater or leader reads replaced by a
    payload (written with a YAML dumper, so quoting is right whatever the text holds)."""
    document = yaml.safe_load(shipped_text("leadership360"))
    document["description"] = slots.take()
    for scale in document["scales"].values():
        for option in scale["options"]:
            option["label"] = slots.take()
    for part in ("items", "free_text"):
        for entry in document[part]:
            entry["text"] = slots.take()
    for measure in document["measures"]:
        measure["label"] = slots.take()
    for section in document["sections"]:
        section["title"] = slots.take()
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def run_360(world: World, slots: Slots) -> None:
    today = feedback.today()
    cycle = feedback.create_cycle(
        world.organisation,
        slots.take(one_line=True),
        today,
        today + dt.timedelta(days=14),
        3,
        instrument_360(slots),
    )
    world.cycle = cycle
    staff = staff_client("hada")
    base = f"/feedback/{cycle.pk}"
    typed = {"title": slots.take(one_line=True), "min_raters": slots.take(40)}
    typed |= {f"opens_on[{part}]": slots.take(20) for part in ("day", "month", "year")}
    post(staff, world, "360 new cycle errors", "/feedback/new/", typed, status=400)
    world.expect("360 new cycle errors", typed["title"])
    added = {"staff_id": LEADER, "manager_staff_id": MANAGER}
    response = staff.post(f"{base}/leaders/", added, follow=True)
    world.pages["360 leader added"] = response.content.decode()
    world.expect("360 leader added", cycle.title, name_of(LEADER), name_of(MANAGER))
    typed = {"staff_id": NOT_SPLIT[0][:60], "manager_staff_id": NOT_SPLIT[1][:60]}
    post(staff, world, "360 add leader errors", f"{base}/leaders/", typed, status=400)
    world.expect("360 add leader errors", *typed.values())
    mail.outbox = []
    feedback.open_cycle(cycle)
    nominate_and_approve(world, slots)
    get(staff, world, "360 close (confirm)", f"{base}/close/")
    rate_all(world, slots)
    get(staff, world, "360 cycle (open)", f"{base}/")
    feedback.close_cycle(cycle)
    world.emails += list(mail.outbox)
    subject = cycle.subjects.get()
    get(staff, world, "360 cycles", "/feedback/")
    get(staff, world, "360 cycle (closed)", f"{base}/")
    get(staff, world, "360 report", f"{base}/leaders/{subject.pk}/")
    with PdfSpy(world):
        world.pdfs["staff"] = staff.get(f"{base}/leaders/{subject.pk}/pdf/")
        leader = Client()
        token = link_for(email(LEADER), "your-report")
        post(leader, world, "360 leader's report", "/feedback/your-report/", {"token": token})
        world.pdfs["leader"] = leader.post(
            "/feedback/your-report/", {"token": token, "format": "pdf"}
        )
    texts = [cycle.title, name_of(LEADER), name_of(MANAGER)]
    world.expect("360 report", *texts)
    world.expect("360 leader's report", cycle.title)
    world.expect("360 cycles", cycle.title)
    world.expect("360 cycle (closed)", *texts)
    world.expect("360 close (confirm)", cycle.title)


def nominate_and_approve(world: World, slots: Slots) -> None:
    """The leader's form (typed entries that are not staff echoed back), then her list;
    the manager's approval page (nominees' names as the checkboxes' labels)."""
    leader = Client()
    token = link_for(email(LEADER), "nominate")
    html = post(leader, world, "360 nominate", "/feedback/nominate/", {"token": token})
    assert 'name="peer"' in html
    world.expect("360 nominate", world.cycle.title, name_of(MANAGER))
    chunks = [NOT_SPLIT[n::3] for n in range(3)]  # every payload, typed into some box
    bad = {"peer": "\n".join(chunks[0]), "direct_report": "\n".join(chunks[1])}
    bad |= {"other": "\n".join(chunks[2]), "token": token, "action": "send"}
    post(leader, world, "360 nominate errors", "/feedback/nominate/", bad, status=400)
    world.expect("360 nominate errors", *NOT_SPLIT)
    chosen = {"peer": "\n".join(email(s) for s in PEERS), "direct_report": "\n".join(REPORTS)}
    chosen |= {"other": "\n".join(OTHERS), "token": token, "action": "send"}
    post(leader, world, "360 nominate sent", "/feedback/nominate/", chosen)
    world.expect("360 nominate sent", name_of(MANAGER))
    manager = Client()
    token = link_for(email(MANAGER), "approve")
    post(manager, world, "360 approve", "/feedback/approve/", {"token": token})
    nominees = [*PEERS, *REPORTS, *OTHERS]
    world.expect("360 approve", world.cycle.title, name_of(LEADER), *map(name_of, nominees))
    keep = [str(pk) for pk in RaterNomination.objects.values_list("pk", flat=True)]
    done = {"token": token, "action": "approve", "keep": keep}
    post(manager, world, "360 approved", "/feedback/approve/", done)


def rate_all(world: World, slots: Slots) -> None:
    """One peer rates through the pages (an unanswered page and a comment too long on the
    way); everyone else through the service, each with two payload comments."""
    cycle = world.cycle
    walk_rating(world, slots, link_for(email(PEERS[0]), "rate"))
    comment_ids = [q.id for q in instrument_of(cycle.instrument_yaml).free_text]
    for seed, staff_id in enumerate([LEADER, MANAGER, *PEERS[1:], *REPORTS, *OTHERS]):
        answers = answers_for(cycle, seed)
        answers |= {q: comment(slots, n) for n, q in enumerate(comment_ids)}
        if staff_id == REPORTS[0]:
            answers[comment_ids[0]] = LINK_FETCH
        rate(link_for(email(staff_id), "rate"), answers)
        if staff_id not in (LEADER, *OTHERS):  # hers are left out; a group of one is hidden
            world.comments += [answers[q] for q in comment_ids]


def comment(slots: Slots, many: int) -> str:
    """A payload, or several in one comment (so that the report shows the whole corpus)."""
    return " ".join(slots.take(700) for _ in range(1 + 6 * many))


def walk_rating(world: World, slots: Slots, token: str) -> None:
    client = Client()
    html = post(client, world, "360 rate intro", "/feedback/rate/", {"token": token})
    world.expect("360 rate intro", world.cycle.title, name_of(LEADER))
    data = {"ballot": hidden(html, "ballot"), "page": "0", "action": "start"}
    html = client.post("/feedback/rate/answer/", data).content.decode()
    pages = rating.pages(world.cycle)
    for index, page in enumerate(pages):
        world.pages[f"360 rate page {index + 1}"] = html
        data = {"ballot": hidden(html, "ballot"), "page": str(index)}
        last = index == len(pages) - 1
        answers = {item.id: "4" for item in page.items}
        answers |= {q.id: slots.take(3000) for q in page.free_text}
        world.comments += [answers[q.id] for q in page.free_text]
        if index == 0:  # nothing answered: the error summary names each statement
            nothing = data | {"action": "continue"}
            post(client, world, "360 rate errors", "/feedback/rate/answer/", nothing, status=400)
        if page.free_text:  # too long: the comment is shown again as typed
            long = {q.id: (PAYLOADS[0] + " ") * 120 for q in page.free_text}
            too_long = data | answers | long | {"action": "continue"}
            post(
                client, world, "360 rate comment too long", "/feedback/rate/answer/", too_long, 400
            )
        action = {"action": "submit" if last else "continue"}
        html = client.post("/feedback/rate/answer/", data | answers | action).content.decode()
    world.pages["360 rated"] = html
    assert "Your feedback has been submitted" in html


class PdfSpy:
    """Records the HTML the PDF is made from and refuses (and records) every URL WeasyPrint
    tries to fetch, so a payload that became an ``<img>`` or a stylesheet would show."""

    def __init__(self, world: World) -> None:
        self.world = world

    def __enter__(self):
        import weasyprint

        real, world = weasyprint.HTML, self.world

        def html(*args, **kwargs):
            world.pdf_html.append(kwargs.get("string", ""))
            return real(*args, **kwargs)

        def refuse(fetcher, url, headers=None):
            world.fetched.append(url)
            raise ValueError(f"no fetching in tests: {url}")

        self.patches = [
            mock.patch.object(weasyprint, "HTML", html),
            mock.patch.object(weasyprint.URLFetcher, "fetch", refuse),
        ]
        for patch in self.patches:
            patch.start()

    def __exit__(self, *exc):
        for patch in reversed(self.patches):
            patch.stop()


# --- peer nomination ---------------------------------------------------------------------------


def run_nominations(world: World, slots: Slots) -> None:
    today = nominations.today()
    values = ("compassion", "working_together")
    campaign = nominations.create_campaign(
        world.organisation, slots.take(one_line=True), today, today, 3, values
    )
    world.campaign = campaign
    staff = staff_client("hada")
    typed = {"title": slots.take(one_line=True), "threshold": slots.take(40)}
    typed |= {f"closes_on[{part}]": slots.take(20) for part in ("day", "month", "year")}
    post(staff, world, "new campaign errors", "/nominations/new/", typed)
    world.expect("new campaign errors", typed["title"])
    base = f"/nominations/{campaign.pk}"
    mail.outbox = []
    nominations.open_campaign(campaign)
    world.emails += list(mail.outbox)
    tokens = {m.to[0]: re.search(r"/nominate/#t=(\S+)", m.body).group(1) for m in mail.outbox}
    public = Client()
    get(public, world, "nominate start", "/nominations/nominate/")
    token = tokens[email(NOMINATORS[0])]
    post(public, world, "nominate form", "/nominations/nominate/", {"token": token})
    world.expect("nominate form", campaign.title, *(name_of(s) for s in (LEADER, NOMINEE)))
    for round_ in range(1, 20):  # every payload typed, as a colleague or as a reason
        typed = {"token": token, "action": "submit"}
        for value in values:
            for n in (1, 2, 3):
                typed[f"{value}-{n}-colleague"] = slots.take(one_line=True)
                typed[f"{value}-{n}-reason"] = slots.take(300)
        label = f"nominate errors {round_}"
        post(public, world, label, "/nominations/nominate/", typed, status=400)
        world.expect(label, *(v for k, v in typed.items() if "-" in k))
        if slots.next >= len(PAYLOADS):
            break
    for number, nominator in enumerate(NOMINATORS):
        reason = slots.take(300, one_line=True)
        world.reasons.append(reason)
        picks = {"token": tokens[email(nominator)], "action": "submit"}
        picks |= {"compassion-1-colleague": NOMINEE, "compassion-1-reason": reason}
        label = "nominate done" if number == 0 else None
        post(public, world, label, "/nominations/nominate/", picks)
    opt_out = {"token": tokens[email(OPTS_OUT)]}
    post(public, world, "opt out start", "/nominations/opt-out/", opt_out)
    post(public, world, "opt out done", "/nominations/opt-out/", opt_out | {"action": "opt-out"})
    get(staff, world, "nomination campaigns", "/nominations/")
    get(staff, world, "nomination campaign", f"{base}/")
    get(staff, world, "nomination close (confirm)", f"{base}/close/")
    missing = NOT_SPLIT[2][:60]
    post(staff, world, "opt-outs error", "/nominations/opt-outs/", {"staff_id": missing})
    odd = world.roster[-1]["staff_id"]
    recorded = staff.post("/nominations/opt-outs/", {"staff_id": odd}, follow=True)
    world.pages["opt-outs recorded"] = recorded.content.decode()
    world.expect("opt-outs error", missing)
    world.expect("opt-outs recorded", odd)
    nominations.close_campaign(campaign)
    get(staff, world, "nomination result", f"{base}/results/")
    get(staff, world, "nomination names", f"{base}/results/names/")
    for label in ("nomination campaigns", "nomination campaign", "nomination result"):
        world.expect(label, campaign.title)
    nominee = StaffMember.objects.select_related("unit").get(staff_id=NOMINEE)
    world.expect("nomination names", campaign.title, nominee.name, nominee.unit.name)


# --- workforce files ---------------------------------------------------------------------------


STAFF_COLUMNS = ["staff_id", "unit_code", "pay_band", "clinical", "staff_group", "ethnicity"]
STAFF_COLUMNS += ["disability", "age_band", "start_date", "leaving_date", "leaving_reason"]


def workforce_files(year: int, slots: Slots) -> dict[str, bytes]:
    """Good files for the year: staff (free text is a payload), posts, successors, outcomes."""
    start = f"{year - 5}-06-01"
    staff, posts, successors = [], [], []
    for ward, directorate in WARDS.items():
        for n in range(10):
            staff.append(
                {
                    "staff_id": f"{ward}-{n}",
                    "unit_code": ward,
                    "pay_band": ("Band 5", "Band 6", "Band 7", "Band 8a")[n % 4],
                    "clinical": "yes",
                    "staff_group": slots.take(),
                    "ethnicity": ("White", "BME")[n % 2],
                    "disability": ("No", "Yes")[n // 5],
                    "age_band": "61-65" if directorate == "DA" and n < 6 else "31-35",
                    "start_date": start,
                }
            )
        for n in range(3):
            posts.append(
                {"post_id": f"P-{ward}-{n}", "unit_code": ward, "level": "Team"}
                | {"holder": f"{ward}-{n}", "cover": "Substantive"}
            )
            successors.append(
                {"post_id": f"P-{ward}-{n}", "staff_id": f"{ward}-{n + 5}", "readiness": "now"}
            )
    months = [dt.date(year - 1, 4, 1) + dt.timedelta(days=31 * m) for m in range(12)]
    outcomes = [
        {"unit_code": w, "month": m.strftime("%Y-%m"), "indicator": "fft_recommend"}
        | {"value": str(80 + 3 * i + m.month % 4)}
        for i, w in enumerate(WARDS)
        for m in months
    ]
    return {
        "staff": csv_bytes(STAFF_COLUMNS, staff),
        "posts": csv_bytes(["post_id", "unit_code", "level", "holder", "cover"], posts),
        "successors": csv_bytes(["post_id", "staff_id", "readiness"], successors),
        "outcomes": csv_bytes(["unit_code", "month", "indicator", "value"], outcomes),
    }


def bad_files(year: int) -> dict[str, tuple[str, str, bytes, list[str]]]:
    """Uploads whose every problem echoes a payload: ``label -> (kind, name, data, echoed)``.

    A staff CSV with payloads in four checked columns of each row; an outcomes CSV whose rows
    are well formed but name units and indicators that do not exist (payloads of 60
    characters or fewer); a board XLSX with payloads in its yes or no columns, written as
    text cells (a cell beginning with = is not a formula)."""
    rows, echoed = [], []
    checked = ("pay_band", "clinical", "age_band", "start_date")
    for n in range(0, len(PAYLOADS), len(checked)):
        row = {"staff_id": f"X{n}", "unit_code": "WA1", "ethnicity": "White", "disability": "No"}
        for column, payload in zip(checked, PAYLOADS[n : n + len(checked)], strict=False):
            row[column] = payload
            echoed.append(payload)
        rows.append(row)
    files = {"staff errors": ("staff", "staff.csv", csv_bytes(STAFF_COLUMNS, rows), echoed)}
    short = [p for p in PAYLOADS if len(p.strip()) <= 60]
    refs = [
        {"unit_code": unit, "month": f"{year - 1}-06", "indicator": indicator, "value": "1"}
        for unit, indicator in zip(short[::2], short[1::2], strict=False)
    ]
    data = csv_bytes(["unit_code", "month", "indicator", "value"], refs)
    files["outcomes references"] = ("outcomes", "outcomes.csv", data, short[: 2 * len(refs)])
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["member_id", "voting", "executive", "ethnicity", "disability"])
    board = [p for p in PAYLOADS if not p.startswith(("\t", "\r"))]
    for n in range(0, len(board), 2):
        sheet.append([f"B{n}", *board[n : n + 2], "White", "No"])
        for cell in sheet[sheet.max_row][1:3]:
            cell.data_type = "s"  # as typed: openpyxl would make "=..." a formula
    out = io.BytesIO()
    book.save(out)
    files["board errors"] = ("board", "board.xlsx", out.getvalue(), board)
    return files


def run_workforce(world: World, slots: Slots) -> None:
    world.year = year = reporting_year(world.survey.closes_on)
    for kind, data in workforce_files(year, slots).items():
        report = workforce.import_workforce_file(
            world.organisation, year, kind, f"{kind}.csv", data
        )
        assert report.ok, (kind, [str(p) for p in report.problems[:5]])
    staff = staff_client("hada")
    for label, (kind, name, data, echoed) in bad_files(year).items():
        form = {"year": str(year), "kind": kind, "file": SimpleUploadedFile(name, data)}
        html = post(staff, world, f"workforce import {label}", "/workforce/import/", form)
        assert "Nothing was imported" in html, label
        world.expect(f"workforce import {label}", *echoed)
    get(staff, world, "workforce", "/workforce/")
    at = {"year": year}
    get(staff, world, "workforce outcomes", "/workforce/outcomes/", **at)
    get(staff, world, "workforce leadership", "/workforce/leadership/", **at)
    measures = {m.id: m.label for m in instrument_of(world.survey.instrument_yaml).measures}
    units = [name for code, name in unit_names(world) if code in WARDS]
    world.expect("workforce outcomes", measures["support_compassion"], *units)
    world.expect("workforce leadership", *(n for c, n in unit_names(world) if c in ("DA", "DB")))
    for standard in ("wres", "wdes"):
        get(staff, world, f"workforce {standard}", f"/workforce/{standard}/", **at)
        world.expect(f"workforce {standard}", world.survey.title)
        for fmt in ("csv", "xlsx"):
            response = staff.get(f"/workforce/{standard}/export.{fmt}", at)
            assert response.status_code == 200, (standard, fmt)
            world.exports[f"{standard}.{fmt}"] = response.content


def unit_names(world: World) -> list[tuple[str, str]]:
    return list(world.organisation.units.values_list("code", "name"))


# --- the world ---------------------------------------------------------------------------------


def build(world: World) -> None:
    shared = Slots()
    build_organisation(world, shared)
    run_survey(world, shared)
    world.placed["organisation"] = shared.next
    for feature, run in (("360", run_360), ("nominations", run_nominations)):
        slots = Slots()
        run(world, slots)
        world.placed[feature] = slots.next
    slots = Slots()
    run_workforce(world, slots)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end."""
    with built_once(django_db_blocker, World(), build) as built:
        yield built


# --- the checks --------------------------------------------------------------------------------


def test_every_page_rendered(world):
    assert len(world.pages) >= 40, sorted(world.pages)
    assert len([p for p in world.pages if p.startswith("360 rate page")]) == 6
    assert all(n >= len(PAYLOADS) for n in world.placed.values()), world.placed


def test_no_page_carries_markup_from_a_payload(world):
    assert markup_problems(world.pages) == {}


def test_no_payload_appears_unescaped(world):
    assert unescaped(world.pages) == {}
    everything = "\n".join(world.pages.values())
    assert FETCH not in everything and LINK_FETCH not in everything


def test_every_field_shows_its_payloads(world):
    missing = {
        label: [t for t in texts if not shown(t, world.pages[label])][:3]
        for label, texts in world.fields.items()
    }
    assert {label: texts for label, texts in missing.items() if texts} == {}


def test_the_360_instrument_and_comments_are_shown_as_text(world):
    document = yaml.safe_load(world.cycle.instrument_yaml)
    rate_pages = "\n".join(html for label, html in world.pages.items() if "rate" in label)
    texts = [document["description"]]
    texts += [o["label"] for s in document["scales"].values() for o in s["options"]]
    texts += [e["text"] for part in ("items", "free_text") for e in document[part]]
    texts += [s["title"] for s in document["sections"]]
    assert [t for t in texts if not shown(t, rate_pages)] == []
    for label in ("360 report", "360 leader's report"):
        page = world.pages[label]
        labels = [m["label"] for m in document["measures"]]
        assert [t for t in labels if not shown(t, page)] == [], label
        assert [c for c in world.comments if not shown(c, page)] == [], label
        assert shown(world.survey.title, page) and shown(name_of_unit(LEADER), page), label


def name_of_unit(staff_id: str) -> str:
    return StaffMember.objects.select_related("unit").get(staff_id=staff_id).unit.name


def test_the_outcomes_chart_shows_a_measure_label_as_text(world):
    """The chart is SVG from Vega, put on the page as it is: its axis title (a measure
    label, here markup) must be escaped by Vega's own renderer."""
    page = world.pages["workforce outcomes"]
    label = instrument_of(world.survey.instrument_yaml).measure("support_compassion").label
    chart = page[page.index('<div role="img"') :]
    svg = chart[chart.index("<svg") : chart.index("</svg>")]
    assert chart.index("<svg") < chart.index("</div>")
    assert xml_escape(label) in svg and label not in svg


def test_nomination_reasons_are_stored_as_written(world):
    """Reasons are shown to no one (only back to the nominator on an error); they are kept
    as the text that was typed."""
    stored = sorted(
        Nomination.objects.filter(campaign=world.campaign).values_list("reason", flat=True)
    )
    assert stored == sorted(world.reasons)


def test_template_syntax_is_shown_literally(world):
    everything = "\n".join(world.pages.values())
    assert sum(shown(p, everything) for p in TEMPLATE_INJECTION) == len(TEMPLATE_INJECTION)
    assert "{{7*7}}" in everything and "7777777 tmpl70" not in everything
    assert "tmpl71tmpl71" not in everything and "(1, 2)" not in everything


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.urls += [v or "" for k, v in attrs if k in ("href", "src", "data", "srcset")]


PDF_TAGS = {"html", "head", "meta", "title", "style", "body", "p", "h1", "h2", "h3", "table"}
PDF_TAGS |= {"caption", "thead", "tbody", "tr", "th", "td", "span", "div", "a", "strong"}
PDF_TAGS |= {"ul", "li", "abbr", "sup", "ol", "dl", "dt", "dd", "br"}


def test_the_360_pdf_is_made_from_escaped_html_and_fetches_nothing(world):
    assert len(world.pdf_html) == 2 and world.fetched == []
    for label, response in world.pdfs.items():
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), label
        disposition = response["Content-Disposition"]
        assert re.fullmatch(r'attachment; filename="[a-z0-9-]+\.pdf"', disposition), disposition
    for html in world.pdf_html:
        assert unescaped({"pdf": html}) == {}
        parser = Tags()
        parser.feed(html)
        assert parser.tags <= PDF_TAGS, parser.tags - PDF_TAGS
        assert all(url.startswith("#") for url in parser.urls), parser.urls
        assert FETCH not in html and LINK_FETCH not in html
        assert shown(FETCH, html) and shown(LINK_FETCH, html) and shown(world.cycle.title, html)
        assert [c for c in world.comments if not shown(c, html)] == []


def test_the_spy_would_see_a_fetch():
    """The check above means something: unescaped, the payload is fetched (and refused)."""
    import weasyprint

    found = World()
    with PdfSpy(found):
        weasyprint.HTML(string=f"<p>{FETCH}</p>").write_pdf()
    assert "http://127.0.0.1:9/xss-fetch" in found.fetched


HEADERS = {b"Content-Type", b"MIME-Version", b"Content-Transfer-Encoding", b"Subject", b"From"}
HEADERS |= {b"To", b"Date", b"Message-ID"}


def test_emails_are_plain_text_with_the_payloads_as_written(world):
    names = dict(StaffMember.objects.values_list("email", "name"))
    kinds = {"choose who to ask", "approve who", "feedback for", "report is ready", "colleagues"}
    seen = set()
    for message in world.emails:
        assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
        assert f"Dear {names[message.to[0]]}," in message.body
        assert "\n" not in message.subject and "\r" not in message.subject
        title = world.campaign.title if "colleagues" in message.subject else world.cycle.title
        assert message.subject.startswith(f"{title}: ")
        headers = message.message().as_bytes().split(b"\n\n", 1)[0].split(b"\n")
        assert {h.split(b":", 1)[0] for h in headers if not h.startswith((b" ", b"\t"))} == HEADERS
        seen |= {k for k in kinds if k in message.subject}
        assert re.search(
            r"http://127\.0\.0\.1:8000/(feedback|nominations)/[\w-]+/#t=", message.body
        )
    assert seen == kinds
    approval = next(m for m in world.emails if "approve who" in m.subject)
    assert f"approve who {FETCH} asks" in approval.subject


def test_workforce_returns_neutralise_formulas(world):
    labels = {m.id: m.label for m in instrument_of(world.survey.instrument_yaml).measures}
    for standard, measures in (("wres", WRES_SURVEY), ("wdes", WDES_SURVEY)):
        expected = ["'" + labels[m] for _, m in measures if labels[m].startswith(FORMULA_STARTS)]
        assert len(expected) == len(measures), standard
        cells = csv_cells(world.exports[f"{standard}.csv"])
        assert formula_cells([c for c in cells if not is_number(c)]) == [], standard
        assert [e for e in expected if e not in cells] == [], standard
        book = xlsx_cells(world.exports[f"{standard}.xlsx"])
        assert [c.coordinate for c in book if c.data_type == "f"] == [], standard
        texts = [c.value for c in book if c.data_type == "s"]
        assert formula_cells(texts) == [], standard
        expected = [e.replace("\r", "\n") for e in expected]  # XML reads a bare CR as LF
        assert [e for e in expected if e not in texts] == [], standard
