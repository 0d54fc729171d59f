"""The team-working page: real and pseudo-teams from published results, scoped like the rest."""

from __future__ import annotations

from django.urls import reverse


def test_the_team_working_page_classifies_the_shown_teams(signed_in, cast):
    page = signed_in("ann").get(reverse("results:teams", args=[cast.closed.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Real teams among classified teams" in body
    assert "Ward 12" in body and "Theatres" in body
    assert body.count("Hidden") >= 1  # Ward 4 has 4 respondents: never shown
    assert 'href="/results/' in body and "Team working" in body


def test_a_manager_sees_only_her_teams(signed_in, cast):
    body = signed_in("mo").get(reverse("results:teams", args=[cast.closed.pk])).content.decode()
    assert "Ward 12" in body and "Theatres" not in body
    assert "Real teams among your classified teams" in body


def test_another_trust_gets_nothing(signed_in, cast):
    response = signed_in("oscar").get(reverse("results:teams", args=[cast.closed.pk]))
    assert response.status_code == 404


def test_the_demo_pseudo_team_is_found_on_the_page(db, client):
    from ethos.organisations import services as org
    from ethos.organisations.models import Organisation, Role
    from ethos.surveys.models import Survey
    from ethos.synth import synthesise
    from ethos.synth.leadership import plant_pseudo_team
    from ethos.web.demo import build_demo
    from tests.web.personas import PASSWORD

    build_demo(staff=1500, units=60, seed=7)
    synthetic = synthesise(staff=1500, units=60, seed=7, instrument="culture")
    _, truth = plant_pseudo_team(synthetic.responses, synthetic.units, 7)
    trust = Organisation.objects.get(slug="demo")
    user = org.create_user("tan", PASSWORD)
    org.grant_role(user, trust, Role.ANALYST)
    client.login(username="tan", password=PASSWORD)
    survey = Survey.objects.filter(organisation=trust, status="closed").order_by("-closes_on")[0]
    body = client.get(reverse("results:teams", args=[survey.pk])).content.decode()
    row = body.split(f">{truth['name']}</th>", 1)[1].split("</tr>", 1)[0]
    assert "Pseudo-team" in row
