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


def test_the_api_gives_the_same_published_figures(demo_trust):
    from django.contrib.auth import get_user_model

    from ethos.workforce.services import workforce_years
    from tests.web.api_client import ApiClient

    year = workforce_years(demo_trust)[0]
    api = ApiClient(get_user_model().objects.get(username="wan"))
    listing = api.get("/workforce/files").json()
    assert {f["kind"] for f in listing} >= {"staff", "posts", "outcomes", "recruitment"}
    report = api.get(f"/workforce/{year}/leadership").json()
    assert len(report["cliffs"]) == 1
    hidden = [c for row in report["retirement"]["cells"] for c in row if "hidden" in c]
    assert all(set(c) == {"hidden", "reason"} for c in hidden)
    changed = api.get(f"/workforce/{year}/leadership?leaver_rate=0.2").json()
    assert changed["assumptions"]["leaver_rate"] == 0.2
    assert api.get(f"/workforce/{year}/leadership?leaver_rate=2").status_code == 422
    board = api.get(f"/workforce/{year}/outcomes").json()
    assert board["correlation"]["n_units"] >= 10
    assert api.get("/workforce/1999/outcomes").status_code == 404
    board_file = b"member_id,voting,executive,ethnicity,disability\nB1,maybe,no,White,No\n"
    bad = api.post(f"/workforce/import/{year}/board", {"file": _upload(board_file)})
    assert bad.status_code == 400
    assert bad.json()["problems"][0]["column"] == "voting"


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("board.csv", data, content_type="text/csv")


@pytest.mark.parametrize("standard", ["wres", "wdes"])
def test_the_standards_pages_and_returns(client, demo_trust, standard):
    import csv
    import io

    assert client.login(username="wan", password=PASSWORD)
    page = client.get(reverse("workforce:standard", args=[standard]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Indicator 1: staff in each pay band" in body and "Trend" in body
    assert "From the staff survey" in body and "Culture survey" in body
    export = client.get(reverse("workforce:standard_export", args=[standard, "csv"]))
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert {r["standard"] for r in rows} == {standard.upper()}
    k = demo_trust.min_group_size
    for row in rows:
        if row["figure"] == "count" and row["value"]:
            assert float(row["value"]) == 0 or float(row["value"]) >= k, row
        if row["n"]:
            assert int(row["n"]) >= k, row
    xlsx = client.get(reverse("workforce:standard_export", args=[standard, "xlsx"]))
    assert xlsx.status_code == 200
    assert client.get(reverse("workforce:standard", args=["nope"])).status_code == 404


def test_the_demo_runs_a_360_and_a_nomination_campaign_with_their_planted_effects(demo_trust):
    from ethos.feedback.models import Cycle
    from ethos.feedback.reports import report_for
    from ethos.nominations.models import CampaignResult

    cycle = Cycle.objects.get(organisation=demo_trust)
    assert cycle.status == Cycle.CLOSED
    gaps = {}
    for subject in cycle.subjects.select_related("staff"):
        report = report_for(subject)
        gaps[subject.staff.staff_id] = report.measure("compassionate_leadership").gap
    planted = max(gaps, key=gaps.get)
    assert gaps[planted] >= 2.5 and sorted(gaps.values())[-2] < 2.5
    assert CampaignResult.objects.filter(campaign__organisation=demo_trust).exists()
