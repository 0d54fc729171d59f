"""Leadership 360s (M6): a cycle from creation to reports, its links, its access rules, and the
minimum-rater rule tried against every output (pages, PDFs and the API).

The leader is Staff W12 0; her manager Staff MED 0. See :mod:`tests.web.feedback360`.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.test import Client

from ethos.feedback import nominating, rating, reports, services
from ethos.feedback.models import Cycle, Nomination, RaterInvite, Rating, Subject
from ethos.feedback.rating import Ballot
from ethos.surveys.responding import Refused
from tests.web.api_client import ApiClient
from tests.web.dbscan import sharing_a_transaction
from tests.web.feedback360 import (
    LEADER,
    MANAGER,
    answers_for,
    email_of,
    invite_raters,
    link_for,
    rate,
    start_cycle,
)

pytestmark = pytest.mark.django_db

MANAGER_LABEL = "Manager (your manager's own rating, not anonymous)"


def page_text(response) -> str:
    return response.content.decode()


# --- the whole cycle through the pages ----------------------------------------------------


def _rate_through_pages(client: Client, token: str, answers: dict) -> str:
    """Answer every page as a rater would, and return the last page's HTML."""
    response = client.post("/feedback/rate/", {"token": token})
    assert response.status_code == 200, page_text(response)
    ballot = re.search(r'name="ballot" value="([^"]+)"', page_text(response)).group(1)
    data = {"ballot": ballot, "page": "0", "action": "start"}
    for _index in range(7):
        response = client.post("/feedback/rate/answer/", data)
        html = page_text(response)
        if "Your feedback has been submitted" in html:
            return html
        assert response.status_code == 200, html
        page = int(re.search(r'name="page" value="(\d+)"', html).group(1))
        names = set(re.findall(r'name="((?:cl|vb|ft)_\w+)"', html))
        ballot = re.search(r'name="ballot" value="([^"]+)"', html).group(1)
        data = {
            "ballot": ballot,
            "page": str(page),
            **{n: answers[n] for n in names if n in answers},
        }
        data["action"] = "submit" if 'value="submit"' in html else "continue"
    raise AssertionError("the rating never finished")


def test_a_cycle_runs_from_creation_to_reports_through_the_pages(client, signed_in, cast):
    ada = signed_in("ada")
    today = services.today()
    closes = today + dt.timedelta(days=14)
    response = ada.post(
        "/feedback/new/",
        {
            "title": "Leadership 360, spring",
            "min_raters": "3",
            **{
                f"opens_on[{p}]": v
                for p, v in zip(
                    ("day", "month", "year"), (today.day, today.month, today.year), strict=True
                )
            },
            **{
                f"closes_on[{p}]": v
                for p, v in zip(
                    ("day", "month", "year"), (closes.day, closes.month, closes.year), strict=True
                )
            },
        },
    )
    cycle = Cycle.objects.get(title="Leadership 360, spring")
    assert response.status_code == 302 and cycle.status == Cycle.DRAFT
    assert (
        ada.post(
            f"/feedback/{cycle.pk}/leaders/", {"staff_id": LEADER, "manager_staff_id": MANAGER}
        ).status_code
        == 302
    )
    assert ada.post(f"/feedback/{cycle.pk}/open/").status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == Cycle.OPEN
    ada.logout()

    # The leader chooses her raters with the link in her email.
    public = Client()
    token = link_for(email_of(LEADER), "nominate")
    assert "Choose who to ask" in page_text(public.post("/feedback/nominate/", {"token": token}))
    sent = public.post(
        "/feedback/nominate/",
        {
            "token": token,
            "action": "send",
            "peer": "the.0@north.example\nthe.1@north.example\nTHE-002\nTHE-003",
            "direct_report": "W12-001, W12-002, W12-003",
            "other": "rec.0@north.example",
        },
    )
    assert "Your list has been sent" in page_text(sent)
    subject = Subject.objects.get(cycle=cycle)
    assert subject.status == Subject.AWAITING_APPROVAL and subject.nominations.count() == 8

    # Her manager approves, removing one peer.
    approval = link_for(email_of(MANAGER), "approve")
    page = page_text(public.post("/feedback/approve/", {"token": approval}))
    assert "Staff THE 3" in page and "not anonymous" in page
    removed = subject.nominations.get(staff__staff_id="THE-003")
    keep = [str(n.pk) for n in subject.nominations.exclude(pk=removed.pk)]
    done = public.post("/feedback/approve/", {"token": approval, "action": "approve", "keep": keep})
    assert "The list is approved" in page_text(done)
    invited = set(
        RaterInvite.objects.filter(subject=subject).values_list("staff__staff_id", flat=True)
    )
    assert invited == {
        LEADER,
        MANAGER,
        "THE-000",
        "THE-001",
        "THE-002",
        "W12-001",
        "W12-002",
        "W12-003",
        "REC-000",
    }
    assert not Nomination.objects.get(pk=removed.pk).approved

    # Every rater, the leader and her manager rate through the pages with their own link.
    for n, staff_id in enumerate(sorted(invited)):
        answers = answers_for(cycle, n, comment=f"Keeps the team calm ({n}).")
        html = _rate_through_pages(Client(), link_for(email_of(staff_id), "rate"), answers)
        assert "Your feedback has been submitted" in html
    assert Rating.objects.filter(subject=subject).count() == 9
    assert not RaterInvite.objects.filter(subject=subject, unanswered__isnull=False).exists()

    # Closing publishes: the staff page, the PDF, and the leader's own link.
    ada = signed_in("ada")
    assert ada.post(f"/feedback/{cycle.pk}/close/").status_code == 302
    report = ada.get(f"/feedback/{cycle.pk}/leaders/{subject.pk}/")
    html = page_text(report)
    assert report.status_code == 200
    hidden = "Hidden: fewer than 3 raters in this group: not shown"  # the one other
    for text in (
        "Peers",
        "Direct reports",
        hidden,
        MANAGER_LABEL,
        "Attending",
        "Blind spots",
        "Strengths",
        "Your team's culture results",
        "Culture results of Ward 12",
    ):
        assert text in html, text
    pdf = ada.get(f"/feedback/{cycle.pk}/leaders/{subject.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    own = Client().post(
        "/feedback/your-report/", {"token": link_for(email_of(LEADER), "your-report")}
    )
    assert own.status_code == 200 and "Your 360 report" in page_text(own)
    assert "no-store" in own["Cache-Control"] and own["Referrer-Policy"] == "no-referrer"


def test_emailed_links_carry_the_token_after_the_hash_only(cast):
    start_cycle(cast)
    (message,) = [m for m in mail.outbox if email_of(LEADER) in m.to]
    assert re.search(r"/feedback/nominate/#t=\S+", message.body)
    assert "?" not in message.body.split("#t=")[0].rsplit("\n", 1)[-1]


# --- links work once ----------------------------------------------------------------------


def test_a_rating_link_works_once_and_a_replay_is_refused(cast):
    cycle, subject, tokens = invite_raters(cast)
    token = tokens["THE-000"]
    _invite, ballot = rating.begin_rating(token)
    ballot = Ballot(ballot.token, answers_for(cycle, 1))
    first = rating.submit_rating(ballot)
    again = rating.submit_rating(ballot)  # a retry of the same submission: stored once
    assert again.repeated and again.rating_id == first.rating_id
    assert Rating.objects.filter(subject=subject).count() == 1
    with pytest.raises(Refused, match="already been used"):
        rating.begin_rating(token)
    with pytest.raises(Refused, match="already been used"):  # a new submission, same link
        rating.submit_rating(Ballot(token, answers_for(cycle, 2)))
    assert Rating.objects.filter(subject=subject).count() == 1
    response = Client().post("/feedback/rate/", {"token": token})
    assert "already been used" in page_text(response)


def test_an_unknown_link_is_refused_and_counted_as_a_guess(client, cast, settings):
    settings.ETHOS_GUESS_LIMIT = 3
    for _ in range(3):
        response = client.post("/feedback/rate/", {"token": "not-a-real-token"})
        assert response.status_code == 400 and "not recognised" in page_text(response)
    assert client.post("/feedback/rate/", {"token": "another"}).status_code == 429
    assert client.post("/feedback/nominate/", {"token": "x"}).status_code == 429


def test_the_nomination_and_approval_links_work_once(cast):
    _cycle, subject, token = start_cycle(cast)
    chosen = {
        "peer": ["THE-000", "THE-001", "THE-002"],
        "direct_report": ["W12-001", "W12-002", "W12-003"],
    }
    nominating.nominate_raters(token, chosen)
    with pytest.raises(Refused, match="already sent"):
        nominating.nominate_raters(token, chosen)
    approval = link_for(email_of(MANAGER), "approve")
    keep = set(subject.nominations.values_list("pk", flat=True))
    assert nominating.approve_nominations(approval, keep) == 8  # six raters, self and manager
    with pytest.raises(Refused, match="already been approved"):
        nominating.approve_nominations(approval, keep)
    with pytest.raises(Refused, match="not recognised"):
        nominating.subject_for_approval(token)  # the leader's link is not the manager's


def test_nominations_are_checked_against_the_roster_and_the_minimum(cast):
    _cycle, subject, token = start_cycle(cast)
    cases = [
        ({"peer": ["nobody@north.example", "THE-001", "THE-002"]}, "peer", "not on North Trust"),
        ({"peer": [LEADER, "THE-001", "THE-002"]}, "peer", "Leave yourself out"),
        ({"peer": [MANAGER, "THE-001", "THE-002"]}, "peer", "as your manager"),
        ({"peer": ["THE-000", "THE-001", "THE-000"]}, "peer", "listed twice"),
        ({"peer": ["THE-000", "THE-001"]}, "peer", "at least 3 peers"),
        (
            {"peer": ["THE-000", "THE-001", "THE-002"], "direct_report": ["W12-001"]},
            "direct_report",
            "at least 3 people you manage",
        ),
        ({"peer": ["sx.0@south.example", "THE-001", "THE-002"]}, "peer", "not on North Trust"),
    ]
    for nominees, field, message in cases:
        with pytest.raises(ValidationError) as caught:
            nominating.nominate_raters(
                token, {"direct_report": ["W12-001", "W12-002", "W12-003"], **nominees}
            )
        assert message in " ".join(caught.value.message_dict[field]), nominees
    # A leader who manages fewer people says so; two direct reports are then accepted.
    nominating.nominate_raters(
        token,
        {"peer": ["THE-000", "THE-001", "THE-002"], "direct_report": ["W12-001", "W12-002"]},
        fewer_reports=True,
    )
    assert subject.nominations.count() == 5


def test_the_manager_may_remove_nominees_but_not_below_the_minimum(cast):
    _cycle, subject, token = start_cycle(cast)
    nominating.nominate_raters(
        token,
        {
            "peer": ["THE-000", "THE-001", "THE-002"],
            "direct_report": ["W12-001", "W12-002", "W12-003"],
        },
    )
    approval = link_for(email_of(MANAGER), "approve")
    two = set(subject.nominations.values_list("pk", flat=True)[:2])
    with pytest.raises(ValidationError, match="Keep at least 3"):
        nominating.approve_nominations(approval, two)
    response = Client().post(
        "/feedback/approve/",
        {"token": approval, "action": "approve", "keep": [str(p) for p in two]},
    )
    assert response.status_code == 400 and "nhsuk-error-summary" in page_text(response)
    assert RaterInvite.objects.filter(subject=subject).count() == 0


def test_the_rating_page_asks_for_an_answer_to_every_statement(cast):
    _cycle, _subject, tokens = invite_raters(cast)
    client = Client()
    start = page_text(client.post("/feedback/rate/", {"token": tokens["THE-001"]}))
    ballot = re.search(r'name="ballot" value="([^"]+)"', start).group(1)
    first = page_text(
        client.post("/feedback/rate/answer/", {"ballot": ballot, "page": "0", "action": "start"})
    )
    assert "Page 1 of 6" in first and "I have not seen enough to say" in first
    ballot = re.search(r'name="ballot" value="([^"]+)"', first).group(1)
    response = client.post(
        "/feedback/rate/answer/",
        {"ballot": ballot, "page": "0", "action": "continue", "cl_att_time": "4"},
    )
    html = page_text(response)
    assert response.status_code == 400 and "nhsuk-error-summary" in html
    assert 'href="#cl_att_attention"' in html and 'href="#cl_att_quiet_voices"' in html
    assert 'href="#cl_att_time"' not in html
    assert 'value="4" checked' in html  # the answer given is kept
    assert Rating.objects.count() == 0


# --- nothing before close; nothing of another trust ----------------------------------------


def test_nothing_is_published_before_the_cycle_closes(signed_in, cast):
    cycle, subject, tokens = invite_raters(cast)
    for staff_id, token in tokens.items():
        rate(token, answers_for(cycle, len(staff_id)))
    with pytest.raises(reports.NotPublished):
        reports.report_for(subject)
    ada = signed_in("ada")
    assert ada.get(f"/feedback/{cycle.pk}/leaders/{subject.pk}/").status_code == 404
    assert ada.get(f"/feedback/{cycle.pk}/leaders/{subject.pk}/pdf/").status_code == 404
    assert (
        ApiClient(cast.users["ada"]).get(f"/feedback/subjects/{subject.pk}/report").status_code
        == 404
    )
    assert not subject.report_hash


def test_another_trusts_cycles_and_leaders_are_not_found(client, cast):
    cycle, subject, _tokens = invite_raters(cast)
    services.close_cycle(cycle)
    assert client.login(username="oscar", password="correct horse battery staple 42")
    for url in (
        f"/feedback/{cycle.pk}/",
        f"/feedback/{cycle.pk}/close/",
        f"/feedback/{cycle.pk}/leaders/{subject.pk}/",
        f"/feedback/{cycle.pk}/leaders/{subject.pk}/pdf/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/feedback/{cycle.pk}/leaders/", {"staff_id": "SW1-000"}).status_code == 404
    assert cycle.title not in page_text(client.get("/feedback/"))
    api = ApiClient(cast.users["oscar"])
    assert api.get(f"/feedback/cycles/{cycle.pk}/subjects").status_code == 404
    assert api.get(f"/feedback/subjects/{subject.pk}/report").status_code == 404
    assert api.get("/feedback/cycles").json() == []


def test_a_leader_and_manager_come_from_the_organisations_own_roster(cast):
    today = services.today()
    cycle = services.create_cycle(cast.trust, "360", today, today)
    with pytest.raises(ValidationError) as caught:
        services.add_subject(cycle, "SW1-000", MANAGER)
    assert "staff_id" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.add_subject(cycle, LEADER, LEADER)
    services.add_subject(cycle, LEADER, MANAGER)
    with pytest.raises(ValidationError, match="already in this cycle"):
        services.add_subject(cycle, LEADER, MANAGER)


def test_the_minimum_raters_cannot_be_set_below_three(cast):
    today = services.today()
    with pytest.raises(ValidationError) as caught:
        services.create_cycle(cast.trust, "360", today, today, min_raters=2)
    assert "cannot be below 3" in caught.value.message_dict["min_raters"][0]
    cycle = services.create_cycle(cast.trust, "360", today, today, min_raters=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Cycle.objects.filter(pk=cycle.pk).update(min_raters=2)


def test_a_rating_keeps_no_link_to_its_rater(cast):
    fields = {f.name for f in Rating._meta.get_fields()}
    assert fields == {
        "id",
        "subject",
        "group",
        "submitted_on",
        "answers",
        "submission_key",
        "mixing",
    }
    assert not any(f.related_model is Rating for f in RaterInvite._meta.get_fields())
    cycle, _subject, tokens = invite_raters(cast)
    rate(tokens["THE-000"], answers_for(cycle, 0))
    stored = Rating.objects.get()
    assert isinstance(stored.submitted_on, dt.date) and not isinstance(
        stored.submitted_on, dt.datetime
    )
    assert stored.pk.version == 4 and stored.submission_key.version == 4  # random, not ordered
    timed = (models.DateTimeField, models.TimeField, models.DurationField)
    for model in (Rating, RaterInvite):
        assert not [f.name for f in model._meta.concrete_fields if isinstance(f, timed)]
    if connection.vendor == "sqlite":  # rows stored in key order, not arrival order
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'feedback_rating'")
            assert "WITHOUT ROWID" in cursor.fetchone()[0].upper()


# --- the minimum-rater rule through every output ---------------------------------------------


def _outputs(cast, cycle, subject, api: ApiClient) -> dict[str, bytes]:
    """Everything anyone can read about the leader's 360 once it has closed."""
    staff = Client()
    assert staff.login(username="ada", password="correct horse battery staple 42")
    own = link_for(email_of(LEADER), "your-report")
    report = f"/feedback/{cycle.pk}/leaders/{subject.pk}/"
    found = {
        "staff report page": staff.get(report),
        "staff PDF": staff.get(report + "pdf/"),
        "cycle page": staff.get(f"/feedback/{cycle.pk}/"),
        "leader's report page": Client().post("/feedback/your-report/", {"token": own}),
        "leader's PDF": Client().post("/feedback/your-report/", {"token": own, "format": "pdf"}),
        "API report": api.get(f"/feedback/subjects/{subject.pk}/report"),
        "API leaders": api.get(f"/feedback/cycles/{cycle.pk}/subjects"),
        "API cycles": api.get("/feedback/cycles"),
    }
    for name, response in found.items():
        assert response.status_code == 200, name
    csrf = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    return {name: csrf.sub(b"", response.content) for name, response in found.items()}


def _rated(cast, peers: int, reports: int, others: int, respond: dict[str, int]):
    """A closed cycle in which ``respond[group]`` of each nominated group answered."""
    cycle, subject, tokens = invite_raters(cast, peers=peers, reports=reports, others=others)
    groups = dict(
        RaterInvite.objects.filter(subject=subject).values_list("staff__staff_id", "group")
    )
    answered = dict.fromkeys(respond, 0)
    for n, (staff_id, token) in enumerate(sorted(tokens.items())):
        group = groups[staff_id]
        if group in respond and answered[group] >= respond[group]:
            continue
        answered[group] = answered.get(group, 0) + 1
        rate(token, answers_for(cycle, n, comment=f"{group} says: listens well ({n})."))
    services.close_cycle(cycle)
    return cycle, subject


def test_a_hidden_rater_cannot_be_isolated_through_any_output(cast):
    # 5 peers and 2 direct reports answer (the third direct report and the one other do not):
    # the two direct reports are below 3 with no other small group to join, so hidden.
    cycle, subject = _rated(cast, 5, 3, 1, {"peer": 5, "direct_report": 2, "other": 0})
    api = ApiClient(cast.users["ada"])
    before = _outputs(cast, cycle, subject, api)
    data = api.get(f"/feedback/subjects/{subject.pk}/report").json()
    groups = {g["group"]: g for g in data["report"]["groups"]}
    assert groups["peer"]["raters"] == 5 and groups["direct_report"]["raters"] is None
    assert "fewer than 3 raters" in groups["direct_report"]["hidden"]
    assert all(
        "hidden" in g
        for m in data["report"]["measures"]
        for g in m["groups"]
        if g["group"] == "direct_report"
    )
    assert b"direct_report says" not in b"".join(before.values())  # hidden raters' comments too
    assert b"peer says" in before["staff report page"]

    # One hidden rater changes every answer and comment: nothing anyone can read changes.
    hidden = Rating.objects.filter(subject=subject, group="direct_report").order_by("pk").first()
    hidden.answers = {
        k: (5 if isinstance(v, int) and v != 5 else 1)
        for k, v in hidden.answers.items()
        if not k.startswith("ft_")
    }
    hidden.answers["ft_do_more"] = "Only I would write this."
    hidden.save()
    after = _outputs(cast, cycle, subject, api)
    for name in before:
        assert after[name] == before[name], f"{name} changed with a hidden rater's answers"
    # Nor does it change when that rater's answers are taken away altogether.
    hidden.delete()
    gone = _outputs(cast, cycle, subject, api)
    for name in before:
        assert gone[name] == before[name], f"{name} changed without a hidden rater"

    # The same outputs do change when a shown rater's answers change (the test can fail).
    peer = Rating.objects.filter(subject=subject, group="peer").order_by("pk").first()
    peer.answers = {k: 1 for k in peer.answers if not k.startswith("ft_")}
    peer.save()
    changed = _outputs(cast, cycle, subject, api)
    for name in (
        "staff report page",
        "staff PDF",
        "leader's report page",
        "leader's PDF",
        "API report",
    ):
        assert changed[name] != before[name], name


def test_small_groups_are_combined_and_never_shown_alone_and_three_is_enough(cast):
    # 3 peers (shown: exactly the minimum); 2 direct reports and 1 other (combined: 3).
    cycle, subject = _rated(cast, 3, 3, 1, {"peer": 3, "direct_report": 2, "other": 1})
    api = ApiClient(cast.users["ada"])
    data = api.get(f"/feedback/subjects/{subject.pk}/report").json()["report"]
    groups = {g["group"]: g for g in data["groups"]}
    assert groups["peer"]["raters"] == 3 and groups["combined"]["raters"] == 3
    assert groups["combined"]["label"] == "Others (combined)"
    for alone in ("direct_report", "other"):
        assert "Others (combined)" in groups[alone]["hidden"]
        for measure in data["measures"]:
            figures = {g["group"]: g for g in measure["groups"]}
            assert "hidden" in figures[alone], (alone, measure["id"])
    attending = {g["group"]: g for g in data["measures"][0]["groups"]}
    assert attending["peer"]["n"] == 3 and attending["combined"]["n"] == 3
    html = _outputs(cast, cycle, subject, api)["staff report page"].decode()
    assert 'data-group="combined"' in html and "Others (combined)" in html
    # A combined rater's answers are in the report: changing them changes it.
    before = api.get(f"/feedback/subjects/{subject.pk}/report").content
    other = Rating.objects.get(subject=subject, group="other")
    other.answers = {k: 1 for k in other.answers if not k.startswith("ft_")}
    other.save()
    assert api.get(f"/feedback/subjects/{subject.pk}/report").content != before


def test_the_managers_rating_is_attributed_and_labelled_as_theirs(cast):
    cycle, subject, tokens = invite_raters(cast)
    everything_agree = {k: 5 for k in answers_for(cycle, 0) if not k.startswith("ft_")}
    rate(tokens[MANAGER], everything_agree)
    for n, staff_id in enumerate(["THE-000", "THE-001", "THE-002"]):
        rate(tokens[staff_id], answers_for(cycle, n))
    services.close_cycle(cycle)
    data = ApiClient(cast.users["ada"]).get(f"/feedback/subjects/{subject.pk}/report").json()
    manager = next(g for g in data["report"]["groups"] if g["group"] == "manager")
    assert manager == {
        "group": "manager",
        "label": "Manager (your manager's own rating, not anonymous)",
        "raters": 1,
        "hidden": None,
    }
    attending = {g["group"]: g for g in data["report"]["measures"][0]["groups"]}
    assert attending["manager"]["mean"] == 10.0 and attending["manager"]["n"] == 1
    own = Client().post(
        "/feedback/your-report/", {"token": link_for(email_of(LEADER), "your-report")}
    )
    assert "Your manager&#39;s rating is not anonymous" in page_text(
        own
    ) or "rating is not anonymous" in page_text(own)
    assert MANAGER_LABEL in page_text(own)
    email = next(
        m for m in mail.outbox if email_of(MANAGER) in m.to and "/feedback/rate/" in m.body
    )
    assert "NOT anonymous" in email.body


def test_progress_is_shown_as_totals_per_leader_never_per_group(signed_in, cast):
    cycle, _subject, tokens = invite_raters(cast, peers=5, reports=3, others=1)
    rate(tokens["W12-001"], answers_for(cycle, 1))  # one direct report answers
    rate(tokens["THE-000"], answers_for(cycle, 2))
    html = page_text(signed_in("ada").get(f"/feedback/{cycle.pk}/"))
    row = re.search(
        r"<tr class=\"nhsuk-table__row\">\s*<th scope=\"row\".*?</tr>", html, re.S
    ).group(0)
    assert re.findall(r"numeric\">(\d+)</td>", row) == ["11", "2"]  # invited, responded
    for group in ("Direct reports", "Peers", "Others", "direct_report"):
        assert group not in html
    (leader,) = ApiClient(cast.users["ann"]).get(f"/feedback/cycles/{cycle.pk}/subjects").json()
    assert set(leader) == {"id", "name", "staff_id", "manager", "status", "invited", "responded"}
    assert (leader["invited"], leader["responded"]) == (11, 2)


def test_the_team_culture_results_are_shown_only_when_the_team_clears_the_minimum(cast):
    _cycle, subject = _rated(cast, 3, 3, 0, {"peer": 3, "direct_report": 3})
    team = reports.team_results(subject)
    assert team.shown and team.unit == "Ward 12" and team.survey == "Culture survey 2026"
    assert any(not c.hidden for c in team.cells)
    small, ward4, _tokens = invite_raters(cast, leader="W4-000")
    services.close_cycle(small)
    hidden = reports.team_results(ward4)
    assert not hidden.shown and hidden.cells == () and "fewer than" in hidden.hidden
    data = ApiClient(cast.users["ada"]).get(f"/feedback/subjects/{ward4.pk}/report").json()
    assert data["team"]["measures"] == [] and data["team"]["hidden"] == hidden.hidden
    assert data["report"] is None  # no one rated this leader


def test_the_api_lists_cycles_and_a_closed_report(cast):
    cycle, subject = _rated(cast, 3, 3, 0, {"peer": 3, "direct_report": 3})
    api = ApiClient(cast.users["ann"])
    (listed,) = api.get("/feedback/cycles").json()
    assert (
        listed["id"] == str(cycle.pk) and listed["status"] == "closed" and listed["min_raters"] == 3
    )
    data = api.get(f"/feedback/subjects/{subject.pk}/report").json()
    attending = data["report"]["measures"][0]
    assert attending["id"] == "attending" and 0 <= attending["agreement_rwg_j"] <= 1
    assert attending["statements"][0]["id"] == "cl_att_time"
    assert {"strengths", "development_areas", "blind_spots", "hidden_strengths"} <= set(
        data["report"]
    )
    assert len(data["report"]["strengths"]) == 3
    assert data["comments"]["hidden"] is None
    assert ApiClient(cast.users["mo"]).get("/feedback/cycles").status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql", reason="transaction ids: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_no_row_shares_a_transaction_with_a_rating(cast):
    """Marking a rater's link used by updating it gave the invite and the rating one
    ``xmin``, so a SELECT joined every rating to its rater. Nothing may share it."""
    cycle, _subject, tokens = invite_raters(cast)
    for n, token in enumerate(tokens.values()):
        rate(token, answers_for(cycle, n))
    assert Rating.objects.count() == len(tokens)
    assert sharing_a_transaction(Rating) == {}


def test_the_pdf_never_fetches_a_url_from_a_report():
    """Every field is escaped (tests/web/test_injection_features.py); in case one ever is
    not, WeasyPrint may fetch nothing over the network from a report (no SSRF)."""
    import socket

    from ethos.feedback.pdf import html_to_pdf

    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.5)
        port = server.getsockname()[1]
        pdf = html_to_pdf(
            f'<p>Report</p><img src="http://127.0.0.1:{port}/x.png">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
        )
        with pytest.raises(TimeoutError):
            server.accept()
    assert pdf.startswith(b"%PDF")
