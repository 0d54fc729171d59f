"""The workforce analysis pages on a small synthetic trust built by the demo builder."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ethos.organisations import services as org
from ethos.organisations.models import Organisation, Role
from tests.web.personas import PASSWORD


@pytest.fixture
def demo_trust(db):
    from ethos.web.demo import build_demo

    build_demo(staff=1500, units=60, seed=7)
    trust = Organisation.objects.get(slug="demo")
    for name, role in (("wan", Role.ANALYST), ("wbo", Role.BOARD)):
        user = org.create_user(name, PASSWORD)
        org.grant_role(user, trust, role)
    return trust


def test_the_outcomes_page_shows_units_beside_culture_scores(client, demo_trust):
    assert client.login(username="wan", password=PASSWORD)
    page = client.get(reverse("workforce:outcomes"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Correlation (Pearson)" in body and "Multilevel model" in body
    assert "Friends and Family Test" in body
    assert "<svg" in body and 'role="img"' in body
    assert "is not evidence that culture causes the outcome" in body
    other = client.get(reverse("workforce:outcomes"), {"indicator": "sickness_absence"})
    assert other.status_code == 200


def test_the_leadership_page_flags_the_retirement_cliff_and_projects(client, demo_trust):
    from ethos.workforce.leadership import leadership_report
    from ethos.workforce.services import workforce_years

    assert client.login(username="wbo", password=PASSWORD)
    page = client.get(reverse("workforce:leadership"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Retirement cliff" in body and "Five-year projection" in body
    assert body.count("<svg") >= 1
    report = leadership_report(demo_trust, workforce_years(demo_trust)[0])
    assert len(report.cliffs) == 1
    changed = client.get(
        reverse("workforce:leadership"),
        {"leaver_rate": "20", "retirement_rate": "5", "post_growth": "2", "pipeline": "0"},
    )
    assert changed.status_code == 200
    bad = client.get(reverse("workforce:leadership"), {"leaver_rate": "lots"})
    assert "Enter a number" in bad.content.decode()
