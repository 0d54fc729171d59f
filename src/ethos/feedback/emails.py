"""The 360's emails: to the subject (choose your raters; your report is ready), to their
manager (approve the raters) and to each rater (give feedback).

Every link carries its token after ``#``: browsers never send that part to any server, so it
cannot appear in a web server's or proxy's log. A script on the page moves it into a form.
"""

from __future__ import annotations

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.urls import reverse

from ethos.feedback.models import MANAGER, SELF, Cycle, RaterInvite, Subject
from ethos.organisations.models import StaffMember

GROUP_PHRASES = {
    SELF: "yourself, as a self-assessment",
    MANAGER: "their manager",
    "peer": "a peer",
    "direct_report": "someone they manage",
    "other": "someone who works with them",
}


def link(name: str, token: str) -> str:
    return f"{settings.BASE_URL}{reverse(name)}#t={token}"


def _closes(cycle: Cycle) -> str:
    return cycle.closes_on.strftime("%-d %B %Y")


def _message(to: StaffMember, subject_line: str, lines: list[str]) -> EmailMessage:
    body = "\n".join([f"Dear {to.name},", "", *lines])
    subject_line = " ".join(subject_line.split())  # a header must be one line
    return EmailMessage(subject_line, body, settings.DEFAULT_FROM_EMAIL, [to.email])


def nomination_message(subject: Subject, token: str) -> EmailMessage:
    cycle = subject.cycle
    return _message(
        subject.staff,
        f"{cycle.title}: choose who to ask for your 360 feedback",
        [
            f"{cycle.organisation.name} has invited you to a leadership 360, {cycle.title}.",
            "First, choose the colleagues you would like feedback from: peers, people you "
            f"manage and others. Your manager, {subject.manager.name}, will approve the list.",
            "",
            "Your personal link:",
            link("feedback:nominate", token),
            "",
            f"Peers, people you manage and others are anonymous: their answers are shown only "
            f"for groups of at least {cycle.min_raters}. Your manager's rating is shown as "
            f"theirs. The 360 closes on {_closes(cycle)}.",
            "Please do not forward this email: the link is yours alone.",
        ],
    )


def approval_message(subject: Subject, token: str) -> EmailMessage:
    cycle = subject.cycle
    return _message(
        subject.manager,
        f"{cycle.title}: approve who {subject.staff.name} asks for feedback",
        [
            f"{subject.staff.name} has chosen the colleagues they would like 360 feedback "
            f"from in {cycle.title}. As their manager, please check the list: you can "
            "remove anyone who should not be asked. Once you approve, everyone on the list "
            "and you are sent a link to give feedback.",
            "",
            "Your personal link (it works once):",
            link("feedback:approve", token),
            "",
            "Please do not forward this email: the link is yours alone.",
        ],
    )


def rating_message(invite: RaterInvite, token: str) -> EmailMessage:
    subject = invite.subject
    cycle = subject.cycle
    if invite.group == SELF:
        about = "You are asked to rate yourself on the same statements your colleagues answer."
        privacy = "Your own rating is shown to you beside everyone else's."
    elif invite.group == MANAGER:
        about = f"Please give feedback on how {subject.staff.name} leads, as their manager."
        privacy = (
            f"Your rating is NOT anonymous: {subject.staff.name} will see it as their "
            "manager's own rating."
        )
    else:
        about = (
            f"{subject.staff.name} has asked for your feedback on how they lead. You were "
            f"asked as {GROUP_PHRASES[invite.group]}."
        )
        privacy = (
            "Your answers are anonymous. They are combined with others' and shown only for "
            f"groups of at least {cycle.min_raters} people; nothing joins your link to "
            "your answers."
        )
    return _message(
        invite.staff,
        f"{cycle.title}: feedback for {subject.staff.name}",
        [
            about,
            privacy,
            "",
            "Your personal link (it works once):",
            link("feedback:rate", token),
            "",
            f"It takes about eight minutes. The 360 closes on {_closes(cycle)}.",
            "Please do not forward this email: the link is yours alone.",
        ],
    )


def report_message(subject: Subject, token: str) -> EmailMessage:
    cycle = subject.cycle
    return _message(
        subject.staff,
        f"{cycle.title}: your 360 report is ready",
        [
            f"{cycle.title} has closed and your 360 report is ready.",
            "",
            "Your personal link to it (it replaces any link sent before):",
            link("feedback:my_report", token),
            "",
            "The report is for your own development. Please do not forward this email.",
        ],
    )


def send(messages: list[EmailMessage]) -> None:
    """Send a batch over one connection."""
    if not messages:
        return
    with mail.get_connection() as connection:
        connection.send_messages(messages)
