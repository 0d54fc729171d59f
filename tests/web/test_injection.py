"""Hostile text in every field people type, shown everywhere Ethos shows it (issue 4, item 7).

The corpus in :mod:`tests.web.xss_corpus` (over 100 payloads) is spread over every
user-controlled text: the organisation's name, unit names and codes, roster fields, survey
titles, an uploaded instrument's wording (title, description, items, answer options, measure
labels, demographic and comment questions) and free-text answers. One data set is built per
module, through the real services, and then:

- every respondent page, staff page and import error report is rendered, and each must hold
  no markup from a payload (no inline script, event handler, style, ``javascript:`` URL or
  frame), while every payload is shown, escaped, as the text it is;
- template syntax (``{{7*7}}``, ``{% ... %}``) is shown literally, never evaluated;
- invitation emails are plain text, with the payloads as written and no header injection;
- CSV and XLSX downloads neutralise every text cell that begins with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

import polars as pl
import pytest
import yaml
from django.core import mail
from django.test import Client

from ethos.organisations import services as org
from ethos.organisations.models import Role, StaffMember
from ethos.results.exports import export_bytes
from ethos.surveys import responding
from ethos.surveys import services as surveys
from tests.web.api_client import ApiClient
from tests.web.injection_common import (
    Slots,
    built_once,
    csv_field,
    formula_cells,
    hidden,
    is_number,
    roster_csv,
    shown,
    user,
)
from tests.web.personas import PASSWORD
from tests.web.test_security_headers import inline_code
from tests.web.xss_corpus import FORMULA_STARTS, FORMULAS, PAYLOADS, TEMPLATE_INJECTION

pytestmark = pytest.mark.django_db  # also tells pytest-django to set up the test database

STAFFED = 3  # units with enough respondents for results and comments
PER_UNIT = 10
EMPTY_UNITS = 20
DRAFTS = 14


@dataclass
class World:
    survey: object = None
    pages: dict[str, str] = field(default_factory=dict)
    emails: list = field(default_factory=list)
    exports: dict[str, bytes] = field(default_factory=dict)
    roster: list[dict[str, str]] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)  # code -> name


# --- the data set ----------------------------------------------------------------------------


def instrument_yaml(slots: Slots) -> str:
    """A small instrument whose every shown text is a payload, written with a YAML dumper so
    that quoting is right whatever the text holds."""
    unshown = Slots()
    options = [{"code": n, "label": slots.take()} for n in range(1, 6)]
    items = [{"id": f"q{n}", "text": slots.take(), "scale": "agree"} for n in range(1, 5)]
    document = {
        "id": "hostile",
        "version": "1.0",
        "title": unshown.take(),  # no page shows an instrument's own title or description
        "description": unshown.take(),
        "scales": {"agree": {"options": options}},
        "items": items,
        "measures": [
            {"id": "teamwork", "label": slots.take(), "method": "mean", "items": ["q1", "q2"]},
            {"id": "other", "label": slots.take(), "method": "mean", "items": ["q3", "q4"]},
        ],
        "demographics": [
            {
                "id": "dem",
                "text": slots.take(),
                "options": [{"code": n, "label": slots.take()} for n in (1, 2)]
                + [{"code": 9, "label": "Prefer not to say"}],
                "not_stated": [9],
            }
        ],
        "free_text": [{"id": f"ft{n}", "text": slots.take()} for n in (1, 2)],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def build_units(world: World, organisation, slots: Slots) -> list[str]:
    """A root, three staffed units with formula codes, and empty units; names are payloads."""
    codes = [*FORMULAS, *(f"E{n:02d}" for n in range(EMPTY_UNITS))]
    rows = [("ROOT", slots.take(), None)]
    rows += [(code, slots.take(), "ROOT") for code in codes[: STAFFED + EMPTY_UNITS]]
    org.add_units(organisation, rows)
    world.units = {code: name for code, name, _ in rows}
    return [code for code, _, _ in rows[1 : STAFFED + 1]]


def import_staff(world: World, organisation, staffed: list[str]) -> None:
    """The roster goes in through the real importer, with payloads in the text fields (these
    reach people only in emails, so they draw on the corpus separately from the pages)."""
    slots = Slots()
    for u, code in enumerate(staffed):
        for n in range(PER_UNIT):
            world.roster.append(
                {
                    "staff_id": f"S{u}{n:02d}",
                    "name": slots.take(),
                    "email": f"s{u}.{n}@hostile.example",
                    "unit_code": code,
                    "staff_group": slots.take(100),
                    "pay_band": slots.take(40),
                }
            )
    report = org.import_roster(organisation, "roster.csv", roster_csv(world.roster))
    assert report.ok and report.created == STAFFED * PER_UNIT, report.problems


def create_surveys(world: World, organisation, slots: Slots):
    today = surveys.today()
    for _ in range(DRAFTS):
        surveys.create_survey(organisation, slots.take(plain=True), "pulse", today, today)
    survey = surveys.create_survey(
        organisation,
        slots.take(plain=True),
        instrument_yaml(slots),
        today,
        today + dt.timedelta(days=7),
        breakdowns=["dem"],
    )
    world.survey = surveys.open_survey(survey)
    return survey


def respond(survey, tokens: list[str], slots: Slots) -> None:
    """One response per invitation; every respondent writes two payload comments."""
    for index, token in enumerate(tokens):
        _, ballot = responding.begin_with_token(token)
        answers = {f"q{n}": 1 + (index + n) % 5 for n in range(1, 5)}
        answers |= {"dem": 1 + index % 2, "ft1": slots.take(3000), "ft2": slots.take(3000)}
        ballot = ballot.with_answers(answers, tuple(answers))
        responding.submit_response(survey, ballot)


def build(world: World) -> None:
    slots = Slots()
    organisation = org.create_organisation(slots.take(plain=True), "hostile", min_group_size=10)
    staffed = build_units(world, organisation, slots)
    import_staff(world, organisation, staffed)
    for name, role in (("hada", Role.ADMIN), ("hann", Role.ANALYST)):
        org.grant_role(org.create_user(name, PASSWORD, f"{name}@example.org"), organisation, role)
    survey = create_surveys(world, organisation, slots)
    mail.outbox = []
    assert surveys.send_invitations(survey) == STAFFED * PER_UNIT
    world.emails = list(mail.outbox)
    tokens = [re.search(r"#t=(\S+)", m.body).group(1) for m in world.emails]
    render_respondent_pages(world, survey, tokens[0])
    respond(survey, tokens, slots)
    surveys.close_survey(survey)
    render_staff_pages(world, survey)
    render_import_errors(world)
    fetch_exports(world, survey)
    assert slots.next >= len(PAYLOADS), f"only {slots.next} payloads were placed"


# --- rendering ---------------------------------------------------------------------------------


def render_respondent_pages(world: World, survey, token: str) -> None:
    """Every section of the questionnaire (personal link), and the open link's unit choice."""
    client = Client()
    html = client.post("/take/", {"token": token}).content.decode()
    for number in range(10):
        world.pages[f"respondent section {number + 1}"] = html
        if 'name="ballot"' not in html or "Check your answers" in html:
            break
        data = {"ballot": hidden(html, "ballot"), "page": hidden(html, "page")}
        response = client.post("/take/answer/", data | {"action": "continue"})
        html = response.content.decode()
    key = surveys.create_open_link(survey)
    world.pages["respondent open link"] = client.get(f"/o/{key}/").content.decode()


def staff_urls(survey, unit_code: str) -> dict[str, tuple[str, str]]:
    results = f"/results/{survey.pk}"
    return {
        "home": ("hada", "/"),
        "survey list": ("hann", "/surveys/"),
        "survey detail": ("hann", f"/surveys/{survey.pk}/"),
        "organisation units": ("hada", "/organisation/"),
        "results overview": ("hann", f"{results}/"),
        "results heatmap": ("hann", f"{results}/heatmap/?measures=all"),
        "results unit": ("hann", f"{results}/units/{unit_code}/"),
        "results breakdowns": ("hann", f"{results}/breakdowns/"),
        "results comments": ("hann", f"{results}/comments/"),
    }


def render_staff_pages(world: World, survey) -> None:
    clients = {name: Client() for name in ("hada", "hann")}
    for name, client in clients.items():
        assert client.login(username=name, password=PASSWORD)
    for label, (who, url) in staff_urls(survey, "ROOT").items():
        response = clients[who].get(url)
        assert response.status_code == 200, (label, url, response.status_code)
        world.pages[label] = response.content.decode()


def render_import_errors(world: World) -> None:
    """The import pages' error reports echo what was in the file: payloads, escaped."""
    client = Client()
    assert client.login(username="hada", password=PASSWORD)
    rows = [{"staff_id": p[:60], "name": p, "email": p, "unit_code": p[:60]} for p in PAYLOADS[:25]]
    parents = "".join(f"N{n},x,{csv_field(p[:60])}\n" for n, p in enumerate(PAYLOADS[25:50]))
    files = {"roster": roster_csv(rows), "units": ("code,name,parent\n" + parents).encode()}
    for kind, data in files.items():
        upload = io.BytesIO(data)
        upload.name = f"{kind}.csv"
        response = client.post(f"/organisation/import/{kind}/", {"file": upload})
        assert response.status_code == 200 and "Nothing was imported" in response.content.decode()
        world.pages[f"import {kind} errors"] = response.content.decode()


def fetch_exports(world: World, survey) -> None:
    api = ApiClient(user("hann"))
    for fmt in ("csv", "xlsx"):
        response = api.get(f"/results/{survey.pk}/export", data={"format": fmt})
        assert response.status_code == 200, (fmt, response.content[:200])
        world.exports[fmt] = response.content


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end."""
    with built_once(django_db_blocker, World(), build) as built:
        yield built


# --- the checks --------------------------------------------------------------------------------


def test_every_page_rendered(world):
    sections = [label for label in world.pages if label.startswith("respondent section")]
    assert len(sections) >= 3, sections  # the items, about you, the comments, the check page
    assert len(world.pages) >= len(sections) + 12


def test_no_page_carries_markup_from_a_payload(world):
    for label, html in world.pages.items():
        problems, scripts = inline_code(html)
        assert problems == [], f"{label}: {problems[:5]}"
        assert all(src.startswith("/static/") for src in scripts), (label, scripts)


def test_no_payload_appears_unescaped(world):
    for label, html in world.pages.items():
        raw = [p for p in PAYLOADS if re.search(r"[<>]", p) and p.strip() in html]
        assert raw == [], f"{label} shows payloads unescaped: {raw[:3]}"


def test_every_payload_is_shown_as_text_somewhere(world):
    missing = [p for p in PAYLOADS if not any(shown(p, html) for html in world.pages.values())]
    assert missing == [], f"{len(missing)} payloads never shown, e.g. {missing[:3]}"


def test_every_field_shows_its_payloads(world):
    pages = world.pages
    for name in world.units.values():
        assert shown(name, pages["organisation units"]), name
        assert shown(name, pages["respondent open link"]), name
    assert shown(world.survey.title, pages["survey list"])
    assert shown(world.survey.title, pages["respondent section 1"])
    comments = pages["results comments"]
    assert comments.count("<li") >= 2 * STAFFED * PER_UNIT
    document = yaml.safe_load(world.survey.instrument_yaml)
    respondent = "\n".join(html for label, html in pages.items() if label.startswith("resp"))
    texts = [item["text"] for item in document["items"]]
    texts += [option["label"] for option in document["scales"]["agree"]["options"]]
    texts += [d["text"] for d in document["demographics"]]
    texts += [o["label"] for d in document["demographics"] for o in d["options"]]
    texts += [q["text"] for q in document["free_text"]]
    assert [t for t in texts if not shown(t, respondent)] == []
    for measure in document["measures"]:
        assert shown(measure["label"], pages["results heatmap"]), measure["label"]
    for question in document["free_text"]:
        assert shown(question["text"], comments), question["text"]


def test_roster_fields_are_stored_as_written(world):
    """Roster fields reach people only in emails (below); the importer keeps them as text."""
    stored = {
        m.staff_id: (m.name, m.staff_group, m.pay_band)
        for m in StaffMember.objects.filter(organisation=world.survey.organisation)
    }
    for entry in world.roster:
        fields = (entry["name"], entry["staff_group"], entry["pay_band"])
        assert stored[entry["staff_id"]] == tuple(f.strip() for f in fields)


def test_template_syntax_is_shown_literally(world):
    everything = "\n".join(world.pages.values())
    for payload in TEMPLATE_INJECTION:
        assert shown(payload, everything), payload
    assert "{{7*7}}" in everything and "7777777 tmpl70" not in everything
    assert "tmpl71tmpl71" not in everything and "(1, 2)" not in everything


def test_emails_are_plain_text_with_the_payloads_as_written(world):
    names = {entry["email"]: entry["name"] for entry in world.roster}
    for message in world.emails:
        assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
        assert f"Dear {names[message.to[0]].strip()}," in message.body.replace("Dear  ", "Dear ")
        assert world.survey.title in message.subject and "\n" not in message.subject
        headers = message.message().as_bytes().split(b"\n\n", 1)[0]
        assert b"Bcc" not in headers and b"<script" not in headers.lower()
        assert "http://127.0.0.1:8000/take/#t=" in message.body


def test_csv_export_neutralises_formulas(world):
    rows = list(csv.reader(io.StringIO(world.exports["csv"].decode())))
    cells = [c for row in rows for c in row]
    assert formula_cells([c for c in cells if not is_number(c)]) == []
    for code in FORMULAS[:STAFFED]:
        assert "'" + code in cells, code


def test_xlsx_export_neutralises_formulas(world):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(world.exports["xlsx"])).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if c.data_type == "s"]
    assert formula_cells(texts) == []
    for code in FORMULAS[:STAFFED]:
        assert "'" + code in texts, code


def test_export_bytes_neutralises_every_payload_in_every_text_column():
    frame = pl.DataFrame(
        {"unit": PAYLOADS, "label": pl.Series(PAYLOADS, dtype=pl.Categorical), "n": 1}
    )
    expected = ["'" + p if p.startswith(FORMULA_STARTS) else p for p in PAYLOADS]
    read = pl.read_csv(io.BytesIO(export_bytes(frame, "csv")))
    assert read["unit"].to_list() == expected and read["label"].to_list() == expected
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export_bytes(frame, "xlsx"))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = [e.replace("\r", "\n") for e in expected]  # XML reads a bare CR back as LF
    assert [r[0] for r in rows] == expected and [r[1] for r in rows] == expected


def test_a_title_with_a_line_break_cannot_break_the_invitation_emails(cast):
    """A title is kept on one line, so it can neither inject an email header nor make Django
    refuse the message after the invitations were issued (found by this corpus)."""
    today = surveys.today()
    title = "Pulse\r\nBcc: everyone@evil.example"
    survey = surveys.open_survey(surveys.create_survey(cast.trust, title, "pulse", today, today))
    mail.outbox = []
    sent = surveys.send_invitations(survey)
    assert sent == len(mail.outbox) > 0
    assert all("\n" not in m.subject and "\r" not in m.subject for m in mail.outbox)
