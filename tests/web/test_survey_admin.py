"""Survey management pages: create, open, close, invite, remind, kiosk codes and open links."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ethos.instruments.loader import shipped_text
from ethos.surveys import services
from ethos.surveys.models import KioskCode, Survey


def dates(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}[day]": str(day.day),
        f"{prefix}[month]": str(day.month),
        f"{prefix}[year]": str(day.year),
    }


def form(**changes) -> dict:
    today = services.today()
    data = {
        "title": "Staff survey 2027",
        "instrument": "culture",
        "min_group_size": "10",
        **dates("opens_on", today),
        **dates("closes_on", today + dt.timedelta(days=21)),
    }
    data.update(changes)
    return data


def detail(survey: Survey) -> str:
    return reverse("surveys:detail", args=[survey.pk])


def act(survey: Survey, name: str) -> str:
    return reverse(f"surveys:{name}", args=[survey.pk])


def test_the_analyst_creates_a_survey(cast, signed_in):
    client = signed_in("ann")
    page = client.get(reverse("surveys:new")).content.decode()
    assert 'name="opens_on[day]"' in page and 'name="breakdowns"' in page
    assert cast.closed.title in page  # offered as the previous wave
    data = form(
        units=[str(cast.units["MED"].pk)],
        breakdowns=["sex"],
        previous=str(cast.closed.pk),
    )
    response = client.post(reverse("surveys:new"), data, follow=True)
    survey = Survey.objects.get(title="Staff survey 2027")
    assert response.redirect_chain[-1][0] == detail(survey)
    assert survey.organisation == cast.trust and survey.status == Survey.DRAFT
    assert list(survey.population.all()) == [cast.units["MED"]]
    assert survey.breakdowns == ["sex"] and survey.previous == cast.closed
    assert "The survey was created as a draft." in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            dates("closes_on", dt.date(2020, 1, 1)),
            "closes_on-day",
            "closing date must be on or after the opening date",
        ),
        ({"min_group_size": "4"}, "min_group_size", "cannot be below 5"),
        ({"breakdowns": ["shoe_size"]}, "breakdowns", "&#39;shoe_size&#39; is not a demographic"),
        ({"title": ""}, "title", "Enter a title"),
        ({"opens_on[day]": "31", "opens_on[month]": "2"}, "opens_on-day", "must be a real date"),
        ({"min_group_size": "ten"}, "min_group_size", "whole number"),
        ({"instrument": "nonsense"}, "instrument", "Choose an instrument"),
        ({"instrument": "upload"}, "instrument_file", "Choose the instrument"),
        ({"units": ["999999"]}, "units", "Choose units from the list"),
        ({"previous": "not-a-uuid"}, "previous", "Choose a closed survey"),
    ],
)
def test_bad_input_is_shown_on_its_field(cast, signed_in, changes, field, words):
    response = signed_in("ada").post(reverse("surveys:new"), form(**changes))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and words in page
    assert f'href="#{field}"' in page
    assert not Survey.objects.filter(title="Staff survey 2027").exists()


def test_an_uploaded_instrument_is_used_and_a_bad_one_is_explained(cast, signed_in):
    client = signed_in("ann")
    text = shipped_text("pulse")
    good = SimpleUploadedFile("mine.yaml", text.encode(), content_type="application/x-yaml")
    response = client.post(reverse("surveys:new"), form(instrument="upload", instrument_file=good))
    assert response.status_code == 302
    assert Survey.objects.get(title="Staff survey 2027").instrument_yaml == text
    bad = SimpleUploadedFile("bad.yaml", b"id: x\nitems: 3\n", content_type="application/x-yaml")
    page = client.post(
        reverse("surveys:new"), form(title="Bad", instrument="upload", instrument_file=bad)
    ).content.decode()
    assert "There is a problem" in page and "survey instrument" in page
    assert not Survey.objects.filter(title="Bad").exists()


def make_draft(cast) -> Survey:
    today = services.today()
    return services.create_survey(
        cast.trust, "Draft survey", "pulse", today, today + dt.timedelta(days=7)
    )


def messages_of(response) -> str:
    return response.content.decode()


def test_open_and_close_follow_the_state_machine(cast, signed_in):
    client = signed_in("ada")
    survey = make_draft(cast)
    page = client.post(act(survey, "close"), follow=True).content.decode()
    assert "Only an open survey can be closed." in page
    page = client.post(act(survey, "open"), follow=True).content.decode()
    assert "The survey is open." in page
    page = client.post(act(survey, "open"), follow=True).content.decode()
    assert "Only a draft survey can be opened." in page
    confirm = client.get(act(survey, "close")).content.decode()
    assert "Closing is final" in confirm and "publish" in confirm
    survey.refresh_from_db()
    assert survey.status == Survey.OPEN  # the confirm page changes nothing
    page = client.post(act(survey, "close"), follow=True).content.decode()
    assert "closed and its final results are published" in page
    survey.refresh_from_db()
    assert survey.status == Survey.CLOSED
    page = client.post(act(survey, "open"), follow=True).content.decode()
    assert "Only a draft survey can be opened." in page
    assert client.get(act(survey, "open")).status_code == 405  # actions are POST only


def test_invitations_and_reminders_are_sent_and_counted(cast, signed_in):
    client = signed_in("ann")
    survey = make_draft(cast)
    client.post(act(survey, "open"))
    mail.outbox.clear()
    page = client.post(act(survey, "invite"), follow=True).content.decode()
    assert "54 invitations were sent." in page
    assert len(mail.outbox) == 54
    page = client.post(act(survey, "invite"), follow=True).content.decode()
    assert "already been invited" in page and len(mail.outbox) == 54
    page = client.post(act(survey, "remind"), follow=True).content.decode()
    assert "54 reminders were sent." in page
    assert len(mail.outbox) == 108 and mail.outbox[-1].subject.startswith("Reminder")
    page = client.get(detail(survey)).content.decode()
    assert "Invitations" in page and "0%" in page


def test_reminders_are_refused_for_a_draft(cast, signed_in):
    page = signed_in("ann").post(act(make_draft(cast), "remind"), follow=True).content.decode()
    assert "Reminders can only go out while the survey is open." in page


def test_the_detail_page_shows_the_overall_response_rate_only(cast, signed_in):
    page = signed_in("ann").get(detail(cast.closed)).content.decode()
    assert "Closed" in page and "54" in page and "100%" in page
    assert "Ward 4" not in page  # no unit-level figures at all
    draft = signed_in("ann").get(detail(make_draft(cast))).content.decode()
    assert "No invitations yet" in draft and "Open the survey" in draft


def test_a_kiosk_code_and_an_open_link_are_shown_once(cast, signed_in):
    client = signed_in("ann")
    ward = cast.units["W12"]
    response = client.post(act(cast.open, "kiosk_code"), {"unit": str(ward.pk)})
    assert "no-store" in response["Cache-Control"]
    code = re.search(r'id="secret"><code>([^<]+)</code>', response.content.decode()).group(1)
    kiosk = services.kiosk_for_code(code)
    assert kiosk is not None and kiosk.unit == ward and kiosk.survey == cast.open
    again = client.get(detail(cast.open)).content.decode()
    assert code not in again
    other = client.post(
        act(cast.open, "kiosk_code"), {"unit": str(cast.other_trust.units.first().pk)}
    )
    assert other.status_code == 302 and KioskCode.objects.filter(survey=cast.open).count() == 2

    response = client.post(act(cast.open, "open_link"))
    link = re.search(r'id="secret"><code>([^<]+)</code>', response.content.decode()).group(1)
    assert link.startswith("http://127.0.0.1:8000/o/")
    key = link.rstrip("/").rsplit("/", 1)[-1]
    assert services.survey_for_open_link(key) == cast.open
    assert services.survey_for_open_link(cast.open_link) is None  # the old link stops
    assert link not in client.get(detail(cast.open)).content.decode()


def test_a_closed_survey_makes_no_kiosk_codes_or_links(cast, signed_in):
    client = signed_in("ada")
    ward = cast.units["W12"]
    page = client.post(act(cast.closed, "kiosk_code"), {"unit": str(ward.pk)}, follow=True)
    assert "only be made while the survey is open" in page.content.decode()
    page = client.post(act(cast.closed, "open_link"), follow=True)
    assert "The survey is closed." in page.content.decode()


PAGES = [
    ("surveys:index", False, "get"),
    ("surveys:new", False, "get"),
    ("surveys:detail", True, "get"),
    ("surveys:close", True, "get"),
    ("surveys:open", True, "post"),
    ("surveys:invite", True, "post"),
    ("surveys:remind", True, "post"),
    ("surveys:kiosk_code", True, "post"),
    ("surveys:open_link", True, "post"),
]


@pytest.mark.parametrize(("name", "takes_survey", "method"), PAGES)
def test_who_may_manage_surveys(cast, signed_in, client, name, takes_survey, method):
    url = reverse(name, args=[cast.open.pk] if takes_survey else None)
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    for person, expected in [("mo", 403), ("bo", 403), ("oscar", 404 if takes_survey else 200)]:
        response = getattr(signed_in(person), method)(url)
        assert response.status_code == expected, (person, response.status_code)
        client.logout()
    for person in ("ann", "ada"):
        response = signed_in(person).get(url)
        assert response.status_code in (200, 405), (person, response.status_code)
        client.logout()
