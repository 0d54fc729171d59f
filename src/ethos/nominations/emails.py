"""The email that asks a member of staff to nominate. Both links carry the token after ``#``:
browsers never send that part to any server, so it cannot appear in a web server's log."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from ethos.nominations.models import VALUE_NAMES, Campaign
from ethos.organisations.models import StaffMember


def nominate_link(token: str) -> str:
    return f"{settings.BASE_URL}{reverse('nominations:nominate')}#t={token}"


def opt_out_link(token: str) -> str:
    return f"{settings.BASE_URL}{reverse('nominations:opt_out')}#t={token}"


def invite_message(campaign: Campaign, member: StaffMember, token: str) -> EmailMessage:
    title = " ".join(campaign.title.split())  # a header must be one line
    closes = campaign.closes_on.strftime("%-d %B %Y")
    values = ", ".join(VALUE_NAMES.get(v, v) for v in campaign.values)
    body = "\n".join(
        [
            f"Dear {member.name},",
            "",
            f"{campaign.organisation.name} asks you to name the colleagues who live our "
            f"values ({values}): the people you already turn to, whatever their job title.",
            f"You can nominate until {closes}.",
            "",
            "Your personal link (it works once):",
            nominate_link(token),
            "",
            "Nominations are confidential, but not anonymous: Ethos records who nominated "
            "whom, because the analysis looks at how nominations connect teams. Nobody is "
            "ever shown who nominated them or anyone else. A colleague's name is shown, to "
            "the administrators who run the programme only, when at least "
            f"{campaign.threshold} different colleagues have nominated them.",
            "",
            "If you would rather not be nominated yourself, opt out here:",
            opt_out_link(token),
            "",
            "Please do not forward this email: the links are yours alone.",
        ]
    )
    return EmailMessage(
        f"{title}: name the colleagues who live our values",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [member.email],
    )
