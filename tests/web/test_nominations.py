"""Peer nomination of leaders (M16) through the pages, the API and the services.

The cast's North Trust has a closed campaign (threshold 3) in which W12-001..004 nominated
W12-005; the tests here run further campaigns on the same staff. Emails go through Django's
locmem backend, so the personal links are read back from the real messages.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail

from ethos.nominations import services
from ethos.nominations.demo import build_nominations
from ethos.nominations.models import Campaign, CampaignResult, Nomination, NominatorInvite, OptOut
from ethos.nominations.publish import campaign_result
from ethos.organisations import access
from ethos.organisations.models import StaffMember, Unit
from tests.web.api_client import ApiClient

NOMINATE, OPT_OUT = "/nominations/nominate/", "/nominations/opt-out/"
LINK = re.compile(r"/nominations/nominate/#t=(\S+)")


def html(response) -> str:
    return response.content.decode()


def start_campaign(signed_in, threshold: int = 3, values=("compassion", "working_together")):
    """Ada creates and opens a campaign through the pages; returns it and each email's token."""
    client = signed_in("ada")
    mail.outbox = []
    form = {
        "title": "Kindness counts",
        "values": list(values),
        "threshold": str(threshold),
        **{f"{n}[{p}]": v for n in ("opens_on", "closes_on") for p, v in _today_parts(n)},
    }
    created = client.post("/nominations/new/", form)
    assert created.status_code == 302, html(created)
    campaign = Campaign.objects.get(title="Kindness counts")
    opened = client.post(f"/nominations/{campaign.pk}/open/")
    assert opened.status_code == 302
    client.logout()
    tokens = {}
    for message in mail.outbox:
        (token,) = LINK.findall(message.body)
        tokens[message.to[0]] = token
    campaign.refresh_from_db()
    return campaign, tokens


def _today_parts(name: str):
    day = services.today()
    if name == "closes_on":
        day = day.replace(year=day.year + 1)
    return (("day", day.day), ("month", day.month), ("year", day.year))


def email(staff_id: str) -> str:
    code, n = staff_id.split("-")
    return f"{code.lower()}.{int(n)}@north.example"


def nominate(client, token: str, *rows: tuple[str, str, str], **extra):
    """POST the form: ``rows`` are ``(field prefix, colleague, reason)``."""
    data = {"token": token, "action": "submit", **extra}
    for prefix, colleague, reason in rows:
        data[f"{prefix}-colleague"] = colleague
        data[f"{prefix}-reason"] = reason
    return client.post(NOMINATE, data)


def name_in(text: str, name: str) -> bool:
    """``name`` as a whole name (``Staff W12 1`` is not in ``Staff W12 10``)."""
    return re.search(re.escape(name) + r"(?![\w])", text) is not None


# --- the journey --------------------------------------------------------------------------


def test_a_personal_link_by_email_nominates_colleagues_once(client, cast, signed_in):
    campaign, tokens = start_campaign(signed_in)
    active = StaffMember.objects.filter(organisation=cast.trust, active=True).count()
    assert len(mail.outbox) == active == len(tokens)
    message = next(m for m in mail.outbox if m.to == [email("W12-001")])
    assert "confidential, but not anonymous" in message.body
    assert "/nominations/opt-out/#t=" in message.body
    token = tokens[email("W12-001")]
    assert token not in message.subject

    start = client.get(NOMINATE)
    assert start.status_code == 200 and "take.js" in html(start)
    assert start["Referrer-Policy"] == "no-referrer" and "no-store" in start["Cache-Control"]
    form = client.post(NOMINATE, {"token": token})
    page = html(form)
    assert form.status_code == 200
    assert "Confidential, but not anonymous." in page
    assert '<option value="Staff W12 5 (W12-005)">' in page  # the datalist of colleagues
    assert "(W12-001)" not in page  # not herself
    assert "Staff W12 5" in page and 'list="colleagues"' in page

    done = nominate(
        client,
        token,
        ("compassion-1", "Staff W12 5 (W12-005)", "Sat with a frightened family."),
        ("compassion-2", "w4-002", "Kind to new starters."),  # a staff id, any case
        ("working_together-1", "Staff THE 3", "Pulls the team together."),  # a unique name
    )
    assert done.status_code == 200, html(done)
    assert "Your 3 nominations have been recorded." in html(done)
    made = Nomination.objects.filter(campaign=campaign).order_by("value", "nominee__staff_id")
    assert [(n.nominator, n.nominee.staff_id, n.value) for n in made] == [
        ("W12-001", "W12-005", "compassion"),
        ("W12-001", "W4-002", "compassion"),
        ("W12-001", "THE-003", "working_together"),
    ]
    assert NominatorInvite.objects.get(campaign=campaign, staff__staff_id="W12-001").used

    again = nominate(client, token, ("compassion-1", "W12-006", "Always there."))
    assert again.status_code == 400
    assert "already made your nominations" in html(again)
    assert client.post(NOMINATE, {"token": token}).status_code == 400
    assert Nomination.objects.filter(campaign=campaign).count() == 3


def test_self_opted_out_unknown_and_other_trust_colleagues_are_refused(client, cast, signed_in):
    other_unit = Unit.objects.get(organisation=cast.other_trust, code="SW1")
    StaffMember.objects.create(
        organisation=cast.other_trust,
        staff_id="SW1-001",
        name="Sam South",
        email="sam@south.example",
        unit=other_unit,
    )
    services.record_opt_out(cast.trust, "W12-006")
    campaign, tokens = start_campaign(signed_in)
    token = tokens[email("W12-001")]
    response = nominate(
        client,
        token,
        ("compassion-1", "W12-001", "Me, obviously."),
        ("compassion-2", "Staff W12 6 (W12-006)", "Kind."),
        ("compassion-3", "Nobody Here", "Mystery."),
        ("working_together-1", "SW1-001", "Across the river."),
        ("working_together-2", "Sam South", "Across the river."),
        ("working_together-3", "W12-007", ""),
    )
    page = html(response)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "You cannot nominate yourself." in page
    assert "Staff W12 6 has asked not to be nominated." in page
    assert "There is no one called Nobody Here on North Trust" in page
    assert "There is no one called SW1-001" in page and "There is no one called Sam South" in page
    assert "Enter why you are nominating Staff W12 7." in page
    assert 'href="#compassion-1-colleague"' in page and 'href="#working_together-3-reason"' in page
    assert 'value="Nobody Here"' in page  # what was typed is kept
    assert Nomination.objects.filter(campaign=campaign).count() == 0
    assert not NominatorInvite.objects.get(campaign=campaign, staff__staff_id="W12-001").used


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((), "Nominate at least one colleague."),
        (
            (("compassion-1", "W12-007", "Kind."), ("compassion-2", "W12-007", "Kind.")),
            "You have already nominated Staff W12 7 for this value.",
        ),
        ((("compassion-1", "W12-007", "x" * 301),), "300 characters or fewer"),
        ((("compassion-1", "", "A reason without a name."),), "Enter the colleague"),
    ],
)
def test_incomplete_nominations_are_refused_with_a_clear_error(
    client, cast, signed_in, rows, message
):
    campaign, tokens = start_campaign(signed_in)
    response = nominate(client, tokens[email("W12-001")], *rows)
    assert response.status_code == 400 and message in html(response)
    assert Nomination.objects.filter(campaign=campaign).count() == 0


def test_the_same_colleague_may_be_named_for_two_values_but_no_more_than_three_per_value(
    client, cast, signed_in
):
    campaign, tokens = start_campaign(signed_in)
    token = tokens[email("W12-001")]
    rows = [("compassion-4", "W12-002", "Four is one too many.")]
    refused = nominate(client, token, *rows)
    assert refused.status_code == 400  # the form has three rows per value; a fourth is ignored
    assert "Nominate at least one colleague." in html(refused)
    with pytest.raises(services.Invalid, match="up to 3 colleagues"):
        services.nominate(
            token,
            [services.Pick(f"c{n}", "compassion", f"W12-00{n}", "Kind.") for n in (2, 3, 4, 5)],
        )
    ok = nominate(
        client,
        token,
        ("compassion-1", "W12-002", "Kind."),
        ("working_together-1", "W12-002", "A team player."),
    )
    assert ok.status_code == 200
    assert Nomination.objects.filter(campaign=campaign, nominee__staff_id="W12-002").count() == 2


def test_an_unknown_code_counts_towards_the_guessing_limit(client, cast, settings):
    settings.ETHOS_GUESS_LIMIT = 2
    for _ in range(2):
        response = client.post(NOMINATE, {"token": "not-a-real-token"})
        assert response.status_code == 400 and "not recognised" in html(response)
    blocked = client.post(NOMINATE, {"token": "not-a-real-token"})
    assert blocked.status_code == 429 and "Too many attempts" in html(blocked)
    assert client.post(OPT_OUT, {"token": "x", "action": "opt-out"}).status_code == 429


# --- opting out ---------------------------------------------------------------------------


def test_anyone_can_opt_out_with_their_link_and_is_never_nominable(client, cast, signed_in):
    _, tokens = start_campaign(signed_in)
    page = client.get(OPT_OUT)
    assert page.status_code == 200 and page["Referrer-Policy"] == "no-referrer"
    # from the nomination form, the opt-out button carries the token to a confirmation
    confirm = client.post(OPT_OUT, {"token": tokens[email("W12-007")]})
    assert confirm.status_code == 200 and 'name="action" value="opt-out"' in html(confirm)
    assert not OptOut.objects.exists()
    done = client.post(OPT_OUT, {"token": tokens[email("W12-007")], "action": "opt-out"})
    assert done.status_code == 200 and "opted out" in html(done)
    assert OptOut.objects.filter(staff__staff_id="W12-007", via=OptOut.LINK).exists()
    unknown = client.post(OPT_OUT, {"token": "nope", "action": "opt-out"})
    assert unknown.status_code == 400 and "not recognised" in html(unknown)

    form = html(client.post(NOMINATE, {"token": tokens[email("W12-001")]}))
    assert "W12-007" not in form and not name_in(form, "Staff W12 7")
    refused = nominate(client, tokens[email("W12-001")], ("compassion-1", "W12-007", "Kind."))
    assert "Staff W12 7 has asked not to be nominated." in html(refused)
    # she can still nominate others: her link is unused
    assert (
        nominate(client, tokens[email("W12-007")], ("compassion-1", "W12-008", "Kind.")).status_code
        == 200
    )


def test_an_admin_records_an_opt_out_on_request_and_sees_no_list_of_names(client, cast, signed_in):
    ada = signed_in("ada")
    refused = ada.post("/nominations/opt-outs/", {"staff_id": "NOPE-1"})
    assert refused.status_code == 200 and "There is no one with that staff ID" in html(refused)
    done = ada.post("/nominations/opt-outs/", {"staff_id": "W12-009"}, follow=True)
    assert "W12-009 cannot be nominated" in html(done)
    assert "1 person has opted out" in html(done)
    assert not name_in(html(ada.get("/nominations/opt-outs/")), "Staff W12 9")
    ada.logout()
    assert signed_in("ann").get("/nominations/opt-outs/").status_code == 403


def test_a_colleague_who_opted_out_is_in_no_output(client, cast, signed_in):
    campaign, tokens = start_campaign(signed_in)
    for n in range(1, 5):  # four colleagues nominate W12-007 and W12-008
        nominate(
            client,
            tokens[email(f"W12-{n:03d}")],
            ("compassion-1", "W12-007", "Kind."),
            ("compassion-2", "W12-008", "Kind."),
        )
    client.post(OPT_OUT, {"token": tokens[email("W12-007")], "action": "opt-out"})
    services.close_campaign(campaign)
    ada = signed_in("ada")
    outputs = [
        html(ada.get(f"/nominations/{campaign.pk}/results/")),
        html(ada.get(f"/nominations/{campaign.pk}/results/names/")),
        json.dumps(CampaignResult.objects.get(campaign=campaign).published),
        ApiClient(cast.users["ada"]).get(f"/nominations/campaigns/{campaign.pk}/result").content,
        ApiClient(cast.users["ada"]).get(f"/nominations/campaigns/{campaign.pk}/nominees").content,
    ]
    outputs = [o.decode() if isinstance(o, bytes) else o for o in outputs]
    assert "Staff W12 8" in outputs[1]  # the page does list names...
    for text in outputs:  # ...but never hers
        assert "W12-007" not in text and not name_in(text, "Staff W12 7")
    figures = CampaignResult.objects.get(campaign=campaign).published
    assert figures["dropped_opted_out"] == 4

    # opting out after a campaign closed takes the name off its published result too
    services.record_opt_out(cast.trust, "W12-005")
    names = html(ada.get(f"/nominations/{cast.campaign.pk}/results/names/"))
    assert not name_in(names, "Staff W12 5") and "Nobody was nominated" in names
    api = ApiClient(cast.users["ada"]).get(f"/nominations/campaigns/{cast.campaign.pk}/nominees")
    assert api.json()["nominees"] == []


# --- who sees what ------------------------------------------------------------------------


def test_the_admin_sees_names_above_the_threshold_only(client, cast, signed_in):
    campaign, tokens = start_campaign(signed_in, threshold=3)
    for n, colleagues in ((1, "W12-007 W12-008"), (2, "W12-007 W12-008"), (3, "W12-007")):
        rows = [(f"compassion-{i}", c, "Kind.") for i, c in enumerate(colleagues.split(), start=1)]
        assert nominate(client, tokens[email(f"W12-{n:03d}")], *rows).status_code == 200
    services.close_campaign(campaign)
    names = html(signed_in("ada").get(f"/nominations/{campaign.pk}/results/names/"))
    assert name_in(names, "Staff W12 7")  # three colleagues: shown
    assert "W12-008" not in names and not name_in(names, "Staff W12 8")  # two: never
    published = CampaignResult.objects.get(campaign=campaign).published
    assert [n["staff_id"] for n in published["nominees"]] == ["W12-007"]
    assert published["nominated"] == 2 and published["widely_nominated"] == 1


def test_analysts_see_aggregates_and_no_names(client, cast, signed_in):
    ann = signed_in("ann")
    results = ann.get(f"/nominations/{cast.campaign.pk}/results/")
    page = html(results)
    assert results.status_code == 200
    assert "Informal leaders" in page and "By ethnicity" in page and "By disability" in page
    assert "W12-005" not in page and not name_in(page, "Staff W12 5")
    assert "/results/names/" not in page
    assert ann.get(f"/nominations/{cast.campaign.pk}/results/names/").status_code == 403
    api = ApiClient(cast.users["ann"])
    body = api.get(f"/nominations/campaigns/{cast.campaign.pk}/result")
    assert body.status_code == 200 and "nominees" not in body.json()
    assert body.json()["widely_nominated"] == 1 and body.json()["informal_leaders"] == 1
    assert "W12-005" not in body.content.decode()
    assert api.get(f"/nominations/campaigns/{cast.campaign.pk}/nominees").status_code == 403
    listed = api.get("/nominations/campaigns").json()
    assert [c["title"] for c in listed] == ["Leaders we follow 2026"]
    viewer = access.viewer_for(cast.users["ann"])
    assert campaign_result(cast.campaign, viewer).nominees is None


def test_nominators_are_in_no_output(client, cast, signed_in):
    nominators = [f"W12-{n:03d}" for n in range(1, 5)]
    names = [f"Staff W12 {n}" for n in range(1, 5)]
    ada = signed_in("ada")
    pk = cast.campaign.pk
    outputs = [
        html(ada.get(f"/nominations/{pk}/")),
        html(ada.get(f"/nominations/{pk}/results/")),
        html(ada.get(f"/nominations/{pk}/results/names/")),
        json.dumps(CampaignResult.objects.get(campaign=cast.campaign).published),
    ]
    api = ApiClient(cast.users["ada"])
    for path in ("/nominations/campaigns", f"/nominations/campaigns/{pk}/result"):
        outputs.append(api.get(path).content.decode())
    outputs.append(api.get(f"/nominations/campaigns/{pk}/nominees").content.decode())
    assert name_in(outputs[2], "Staff W12 5") and "W12-005" in outputs[-1]  # the nominee is
    for text in outputs:
        for staff_id, name in zip(nominators, names, strict=True):
            assert staff_id not in text and not name_in(text, name), (staff_id, text[:200])


def test_another_organisations_campaign_is_not_found(client, cast, signed_in):
    oscar = signed_in("oscar")
    pk = cast.campaign.pk
    for path in ("", "results/", "results/names/", "close/"):
        assert oscar.get(f"/nominations/{pk}/{path}").status_code == 404, path
    for path in ("open/", "close/"):
        assert oscar.post(f"/nominations/{pk}/{path}").status_code == 404, path
    assert "Leaders we follow" not in html(oscar.get("/nominations/"))
    api = ApiClient(cast.users["oscar"])
    assert api.get(f"/nominations/campaigns/{pk}/result").status_code == 404
    assert api.get(f"/nominations/campaigns/{pk}/nominees").status_code == 404
    assert api.get("/nominations/campaigns").json() == []
    assert Campaign.objects.get(pk=pk).status == Campaign.CLOSED


# --- running a campaign -------------------------------------------------------------------


def test_the_create_form_explains_each_mistake(client, cast, signed_in):
    ada = signed_in("ada")
    assert ada.get("/nominations/new/").status_code == 200
    response = ada.post(
        "/nominations/new/",
        {"title": "", "threshold": "2", "opens_on[day]": "31", "opens_on[month]": "2"},
    )
    page = html(response)
    assert response.status_code == 200 and "There is a problem" in page
    for message in (
        "Enter a title for the campaign.",
        "The opening date must be a real date",
        "Enter the closing date.",
        "Choose at least one value.",
    ):
        assert message in page, message
    day = services.today()
    later = {"title": "Low bar", "values": ["compassion"], "threshold": "2"}
    for name in ("opens_on", "closes_on"):
        later.update(
            {f"{name}[day]": day.day, f"{name}[month]": day.month, f"{name}[year]": day.year}
        )
    low = html(ada.post("/nominations/new/", later))
    assert "The threshold cannot be below 3." in low
    assert not Campaign.objects.filter(title="Low bar").exists()


def test_closing_asks_first_is_final_and_publishes_once(client, cast, signed_in):
    campaign, tokens = start_campaign(signed_in)
    nominate(client, tokens[email("W12-001")], ("compassion-1", "W12-002", "Kind."))
    ada = signed_in("ada")
    detail = html(ada.get(f"/nominations/{campaign.pk}/"))
    assert "Close the campaign" in detail and "People who have nominated" in detail
    assert "Closing is final" in html(ada.get(f"/nominations/{campaign.pk}/close/"))
    assert ada.get(f"/nominations/{campaign.pk}/results/").status_code == 404  # not yet
    closed = ada.post(f"/nominations/{campaign.pk}/close/")
    assert closed.status_code == 302 and closed["Location"].endswith("/results/")
    assert CampaignResult.objects.filter(campaign=campaign).count() == 1
    again = ada.post(f"/nominations/{campaign.pk}/close/", follow=True)
    assert "Only an open campaign can be closed." in html(again)
    reopened = ada.post(f"/nominations/{campaign.pk}/open/", follow=True)
    assert "Only a draft campaign can be opened." in html(reopened)
    shut = client.post(NOMINATE, {"token": tokens[email("W12-003")]})
    assert shut.status_code == 400 and "not open" in html(shut)
    assert CampaignResult.objects.filter(campaign=campaign).count() == 1


# --- the planted informal leader ----------------------------------------------------------


@pytest.mark.parametrize("seed", [3, 11])
def test_the_planted_informal_leader_is_recovered_and_shown_to_the_admin(
    client, cast, signed_in, seed
):
    campaign, truth = build_nominations(cast.trust, seed=seed)
    leader = truth["informal_leader"]["staff_id"]
    assert campaign.status == Campaign.CLOSED
    viewer = access.viewer_for(cast.users["ada"])
    result = campaign_result(campaign, viewer)
    flagged = [n["staff_id"] for n in result.nominees if n["informal_leader"]]
    assert leader in flagged
    assert result.figures["dropped_opted_out"] == truth["opted_out_nominations"]
    shown = {n["staff_id"] for n in result.nominees}
    assert shown.isdisjoint(truth["opted_out"])
    name = StaffMember.objects.get(organisation=cast.trust, staff_id=leader).name
    page = html(signed_in("ada").get(f"/nominations/{campaign.pk}/results/names/"))
    row = next(r for r in page.split("<tr") if f"({leader})" in r)
    assert name_in(row, name) and "Informal leader" in row
    assert Nomination.objects.filter(campaign=campaign).count() == truth["nominations"]
