"""Invitation and reminder emails. The link carries the token after ``#``: browsers never send
that part to any server, so it cannot appear in a web server's or proxy's log."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from ethos.organisations.models import StaffMember
from ethos.surveys.models import Survey


def respondent_link(token: str) -> str:
    return f"{settings.BASE_URL}{reverse('respond:start')}#t={token}"


def invitation_message(
    survey: Survey, member: StaffMember, token: str, reminder: bool
) -> EmailMessage:
    title = " ".join(survey.title.split())  # a header must be one line
    subject = ("Reminder: " if reminder else "") + f"{title}: your anonymous survey link"
    closes = survey.closes_on.strftime("%-d %B %Y")
    body = "\n".join(
        [
            f"Dear {member.name},",
            "",
            f"{survey.organisation.name} invites you to take part in {survey.title}.",
            f"It is open until {closes}.",
            "",
            "Your personal link (it works once):",
            respondent_link(token),
            "",
            "Your answers are anonymous. The link is only used to make sure each person "
            "answers once: once you have answered it is marked as used, and nothing joins it "
            "to your answers. Results are shown only for groups of at least "
            f"{survey.min_group_size} people.",
            "",
            "If this reminder crossed with your response, please ignore it."
            if reminder
            else "Please do not forward this email: the link is yours alone.",
        ]
    )
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [member.email])
