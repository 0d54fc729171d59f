"""Invitations and reminders through a real SMTP server, and their links in the journey.

The link must carry the token only after ``#`` (never in a path or query, so it cannot reach
a server log); a reminder goes only to those who have not responded, with a fresh link that
replaces the old one.
"""

from __future__ import annotations

import datetime as dt
import email
import re
import socket
from email import policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.test import Client

from ethos.organisations.models import StaffMember
from ethos.surveys import services
from ethos.surveys.instrument import pages_of
from ethos.surveys.models import Invitation, Response
from tests.web.browser import assert_accessible, axe, launch_browser, new_page
from tests.web.personas import build_cast

URL = re.compile(r"https?://\S+")


class Collector:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER = False, ""
    try:
        yield collector
    finally:
        controller.stop()


@pytest.fixture
def spring(cast):
    today = services.today()
    survey = services.create_survey(
        cast.trust, "Spring pulse", "pulse", today, today + dt.timedelta(days=14)
    )
    return services.open_survey(survey)


def letters(collector) -> dict[str, str]:
    """Recipient -> the body of the one message sent to them."""
    out: dict[str, str] = {}
    for envelope in collector.envelopes:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(("plain",)).get_content()
        for recipient in envelope.rcpt_tos:
            assert recipient not in out, f"two messages to {recipient}"
            out[recipient] = body
    return out


def token_in(body: str) -> str:
    """The one link's token, checking it is only ever in the fragment."""
    links = URL.findall(body)
    assert len(links) == 1, links
    parts = urlsplit(links[0])
    assert f"{parts.scheme}://{parts.netloc}" == settings.BASE_URL
    assert parts.path == "/take/" and parts.query == ""
    assert re.fullmatch(r"t=[A-Za-z0-9_-]{20,}", parts.fragment)
    token = parts.fragment[2:]
    assert token not in parts.path and token not in parts.query
    return token


def respond(client: Client, token: str, survey) -> None:
    """The whole journey with this token, skipping every question."""
    response = client.post("/take/", {"token": token})
    assert response.status_code == 200, response.content.decode()
    for _ in range(len(pages_of(survey.instrument_yaml)) + 1):
        form = re.search(r'name="ballot" value="([^"]+)"', response.content.decode()).group(1)
        page = re.search(r'name="page" value="(\d+)"', response.content.decode()).group(1)
        response = client.post("/take/answer/", {"ballot": form, "page": page, "action": "submit"})
    assert "Your answers have been submitted" in response.content.decode()


def test_each_member_of_staff_gets_one_email_whose_link_works(client, cast, spring, smtp):
    sent = services.send_invitations(spring)
    staff = {m.email: m for m in StaffMember.objects.filter(organisation=cast.trust)}
    assert sent == len(staff) == 54
    received = letters(smtp)
    assert set(received) == set(staff)
    tokens = {address: token_in(body) for address, body in received.items()}
    assert len(set(tokens.values())) == len(tokens)
    for address, body in received.items():
        assert f"Dear {staff[address].name}," in body and "Spring pulse" in body
    ward12 = next(a for a, m in staff.items() if m.unit.code == "W12")
    respond(client, tokens[ward12], spring)
    assert Response.objects.get(survey=spring).unit.code == "W12"
    assert Invitation.objects.get(survey=spring, staff=staff[ward12]).responded


def test_reminders_go_only_to_non_responders_with_a_fresh_link(client, cast, spring, smtp):
    services.send_invitations(spring)
    first = {address: token_in(body) for address, body in letters(smtp).items()}
    answered, pending = sorted(first)[:2]
    respond(client, first[answered], spring)
    smtp.envelopes.clear()
    assert services.send_reminders(spring) == len(first) - 1
    reminders = letters(smtp)
    assert answered not in reminders and set(reminders) == set(first) - {answered}
    fresh = token_in(reminders[pending])
    assert fresh != first[pending]
    stale = Client().post("/take/", {"token": first[pending]})
    assert stale.status_code == 400
    assert "This link is not recognised" in stale.content.decode()
    respond(Client(), fresh, spring)
    assert Response.objects.filter(survey=spring).count() == 2
    assert Invitation.objects.answered().filter(survey=spring).count() == 2


# --- the emailed link in a real browser ---------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_emailed_link_fills_the_form_in_a_browser_and_the_journey_is_accessible(
    live_server, smtp, browser
):
    cast = build_cast()
    services.send_invitations(cast.open)  # the cast's invitations were issued, not sent
    smtp.envelopes.clear()
    services.send_reminders(cast.open)  # fresh links, by email
    address, body = sorted(letters(smtp).items())[0]
    token = token_in(body)
    link = URL.search(body).group(0).replace(settings.BASE_URL, live_server.url)
    page = new_page(browser, {"width": 360, "height": 740})
    page.goto(link)
    page.wait_for_function("document.getElementById('token').value.length > 0")
    assert page.input_value("#token") == token
    assert "#" not in page.url  # gone from the address bar and the history
    assert page.evaluate("document.activeElement.id") == "start-button"
    assert_accessible(axe(page, page.url))
    page.click("#start-button")
    page.wait_for_selector("text=Section 1 of 4")
    assert_accessible(axe(page, page.url))
    page.check("#vv_know_vision-5")
    for _ in range(4):
        page.click("button[value=continue]")
    page.wait_for_selector("text=Check and submit your answers")
    assert_accessible(axe(page, page.url))
    page.click("#submit")
    page.wait_for_selector("text=Your answers have been submitted")
    assert_accessible(axe(page, page.url))
    assert page.context.cookies() == []
    page.context.close()
    assert Response.objects.get(survey=cast.open).answers == {"vv_know_vision": 5}
    assert Invitation.objects.get(survey=cast.open, staff__email=address).responded
